import type { Pool } from 'pg';
import type { EventStore } from '@payledger/event-store';
import { DomainError } from '@payledger/kernel';
import { AccountDefinition, chartOfAccounts, describeAccount } from './ledger.accounts';
import { assertBalanced, netByCurrency } from './ledger.entry';
import { ENTRY_COLUMNS, EntryRow, JOURNAL_TABLES, LINE_COLUMNS, LineRow } from './journal.projection';
import { DAILY_SUMMARY_TABLES } from './daily-summary.projection';
import { PAYMENTS_VIEW_TABLES } from './payments-view.projection';

/** The most rows one page may carry, whatever `limit` asks for. */
export const PAGE_LIMIT_MAX = 500;
export const PAGE_LIMIT_DEFAULT = 100;

export interface Page<T> {
  rows: T[];
  /** Opaque; null on the last page. */
  nextCursor: string | null;
}

export interface AccountView {
  account: string;
  type: AccountDefinition['type'];
  normalSide: AccountDefinition['normalSide'];
  gateway: string | null;
  description: string;
  /** Currencies the journal has booked on this account. */
  currencies: string[];
}

export interface BalanceView {
  account: string;
  type: AccountDefinition['type'];
  normalSide: AccountDefinition['normalSide'];
  gateway: string | null;
  currency: string;
  /** Debits minus credits, in minor units. */
  balanceMinor: string;
  /** The last entry included: when it was booked and where it sits in the journal. */
  lastBookedAt: string;
  lastPosition: string;
}

export interface JournalLineView {
  lineNo: number;
  account: string;
  currency: string;
  debitMinor: string;
  creditMinor: string;
  /** The account's balance in this currency right after this line, in journal order. */
  balanceAfterMinor: string;
}

export interface JournalEntryView {
  entryId: string;
  kind: string;
  eventType: string;
  streamId: string;
  position: string;
  paymentId: string | null;
  refundId: string | null;
  payoutId: string | null;
  gateway: string | null;
  currency: string;
  description: string;
  reversesEntryId: string | null;
  occurredAt: string;
  recordedAt: string;
  bookedAt: string;
  lines: JournalLineView[];
}

export interface PaymentView {
  id: string;
  gateway: string;
  orderId: string;
  status: string;
  amountMinor: string;
  currency: string;
  capturedMinor: string;
  refundedMinor: string;
  reference: string | null;
  attempts: unknown[];
  refunds: unknown[];
  failureReason: string | null;
  review: string | null;
  createdAt: string;
  updatedAt: string;
  succeededAt: string | null;
  version: number;
}

export interface TimelineEventView {
  position: string;
  streamVersion: number;
  eventId: string;
  type: string;
  schemaVersion: number;
  occurredAt: string;
  recordedAt: string;
  data: unknown;
  metadata: unknown;
}

export interface DailySummaryView {
  day: string;
  gateway: string;
  currency: string;
  paymentsCount: string;
  grossMinor: string;
  refundsCount: string;
  refundsMinor: string;
  netMinor: string;
}

export interface JournalFilter {
  from?: Date;
  to?: Date;
  account?: string;
  cursor?: string;
  limit?: number;
}

export interface PaymentsFilter {
  gateway?: string;
  status?: string;
  from?: Date;
  to?: Date;
  cursor?: string;
  limit?: number;
}

export interface DailySummaryFilter {
  /** `YYYY-MM-DD`, inclusive. */
  from?: string;
  to?: string;
  gateway?: string;
  cursor?: string;
  limit?: number;
}

type CursorKind = 'journal' | 'payments' | 'timeline' | 'daily';

/** base64url of `{ k: kind, v: [key…] }`: opaque to callers, refused when it belongs to another list. */
export function encodeCursor(kind: CursorKind, key: readonly string[]): string {
  return Buffer.from(JSON.stringify({ k: kind, v: key }), 'utf8').toString('base64url');
}

export function decodeCursor(kind: CursorKind, cursor: string, length: number): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  const value = parsed as { k?: unknown; v?: unknown } | undefined;
  if (!value || value.k !== kind || !Array.isArray(value.v) || value.v.length !== length || !value.v.every((v) => typeof v === 'string' && v.length <= 200)) {
    throw invalidCursor();
  }
  return value.v as string[];
}

const DIGITS = /^\d{1,20}$/;

function pageLimit(limit: number | undefined): number {
  return Math.max(1, Math.min(limit ?? PAGE_LIMIT_DEFAULT, PAGE_LIMIT_MAX));
}

function invalidCursor(): DomainError {
  return new DomainError('REQUEST.INVALID', 'the cursor is not one this list gave out', { fields: [{ field: 'cursor', code: 'invalid', message: 'not a cursor this list gave out' }] });
}

function digits(value: string): string {
  if (!DIGITS.test(value)) throw invalidCursor();
  return value;
}

/**
 * The finance read side: everything answered from the projections (as-of balances from the running
 * balances on journal lines), never by replaying events at request time. Every entry read back is
 * checked to balance; so is every set of balances (their sum per currency must be 0).
 */
export class LedgerQueries {
  constructor(
    private readonly pool: Pool,
    private readonly store: Pick<EventStore, 'readStream'>,
  ) {}

  async accounts(options: { gateways: readonly string[]; payoutGateways?: readonly string[] }): Promise<AccountView[]> {
    const seen = await this.pool.query<{ account: string; currencies: string[] }>(
      `SELECT account, array_agg(currency ORDER BY currency) AS currencies FROM ${JOURNAL_TABLES.balances} GROUP BY account`,
    );
    const currencies = new Map(seen.rows.map((r) => [r.account, r.currencies]));
    return chartOfAccounts({ ...options, seenCodes: seen.rows.map((r) => r.account) }).map((a) => ({
      account: a.code,
      type: a.type,
      normalSide: a.normalSide,
      gateway: a.gateway ?? null,
      description: a.description,
      currencies: currencies.get(a.code) ?? [],
    }));
  }

  /** Balances now, or as of `asOf`: the running balance after the last line booked at or before it. */
  async balances(asOf?: Date): Promise<BalanceView[]> {
    const result = asOf
      ? await this.pool.query<{ account: string; currency: string; balance_minor: string; booked_at: Date; position: string }>(
          `SELECT b.account, b.currency, l.balance_after_minor::text AS balance_minor, l.booked_at, l.position::text
             FROM ${JOURNAL_TABLES.balances} b
             CROSS JOIN LATERAL (
               SELECT balance_after_minor, booked_at, position FROM ${JOURNAL_TABLES.lines} l
                WHERE l.account = b.account AND l.currency = b.currency AND l.booked_at <= $1
                ORDER BY l.booked_at DESC, l.transaction_id DESC, l.position DESC, l.line_no DESC
                LIMIT 1) l
            ORDER BY b.account, b.currency`,
          [asOf.toISOString()],
        )
      : await this.pool.query<{ account: string; currency: string; balance_minor: string; booked_at: Date; position: string }>(
          `SELECT account, currency, balance_minor::text, last_booked_at AS booked_at, last_position::text AS position
             FROM ${JOURNAL_TABLES.balances} ORDER BY account, currency`,
        );
    const rows = result.rows.map((r) => {
      const account = describeAccount(r.account);
      return {
        account: r.account,
        type: account.type,
        normalSide: account.normalSide,
        gateway: account.gateway ?? null,
        currency: r.currency,
        balanceMinor: r.balance_minor,
        lastBookedAt: r.booked_at.toISOString(),
        lastPosition: r.position,
      };
    });
    assertBalancesSumToZero(rows);
    return rows;
  }

  /**
   * Entries in journal order; `to` is inclusive, so `to=T` is the journal as of T. booked_at never goes
   * backwards along the journal, so (booked_at, transaction id, position) is the journal order itself and
   * the keyset every page continues from; entries that arrive later always sort after it.
   */
  async journal(filter: JournalFilter): Promise<Page<JournalEntryView>> {
    const limit = pageLimit(filter.limit);
    const after = filter.cursor ? decodeCursor('journal', filter.cursor, 3) : [new Date(0).toISOString(), '0', '0'];
    if (Number.isNaN(Date.parse(after[0]))) throw invalidCursor();
    const entries = await this.pool.query<EntryRow>(
      `SELECT ${ENTRY_COLUMNS} FROM ${JOURNAL_TABLES.entries} e
        WHERE (e.booked_at, e.transaction_id, e.position) > ($1::timestamptz, $2::text::xid8, $3::bigint)
          AND ($4::timestamptz IS NULL OR e.booked_at >= $4)
          AND ($5::timestamptz IS NULL OR e.booked_at <= $5)
          AND ($6::text IS NULL OR EXISTS (SELECT 1 FROM ${JOURNAL_TABLES.lines} l WHERE l.entry_id = e.entry_id AND l.account = $6))
        ORDER BY e.booked_at, e.transaction_id, e.position
        LIMIT $7`,
      [after[0], digits(after[1]), digits(after[2]), filter.from?.toISOString() ?? null, filter.to?.toISOString() ?? null, filter.account ?? null, limit + 1],
    );
    const page = entries.rows.slice(0, limit);
    const lines = page.length
      ? await this.pool.query<LineRow>(`SELECT ${LINE_COLUMNS} FROM ${JOURNAL_TABLES.lines} WHERE entry_id = ANY($1::uuid[]) ORDER BY entry_id, line_no`, [page.map((e) => e.entry_id)])
      : { rows: [] as LineRow[] };
    const byEntry = new Map<string, LineRow[]>();
    for (const line of lines.rows) byEntry.set(line.entry_id, [...(byEntry.get(line.entry_id) ?? []), line]);
    const rows = page.map((e) => toEntryView(e, byEntry.get(e.entry_id) ?? []));
    const last = page[page.length - 1];
    return { rows, nextCursor: entries.rows.length > limit ? encodeCursor('journal', [last.booked_at.toISOString(), last.transaction_id, last.position]) : null };
  }

  /** Payments in the order they were first recorded; new payments only ever join at the end. */
  async payments(filter: PaymentsFilter): Promise<Page<PaymentView>> {
    const limit = pageLimit(filter.limit);
    const after = filter.cursor ? decodeCursor('payments', filter.cursor, 2).map(digits) : ['0', '0'];
    const result = await this.pool.query<PaymentRowOut>(
      `SELECT payment_id, gateway, order_id, status, amount_minor::text, currency, captured_minor::text, refunded_minor::text, reference,
              attempts, refunds, failure_reason, review, created_at, updated_at, succeeded_at, stream_version,
              first_transaction_id::text, first_position::text
         FROM ${PAYMENTS_VIEW_TABLES.payments}
        WHERE (first_transaction_id, first_position) > ($1::text::xid8, $2::bigint)
          AND ($3::text IS NULL OR gateway = $3)
          AND ($4::text IS NULL OR status = $4)
          AND ($5::timestamptz IS NULL OR created_at >= $5)
          AND ($6::timestamptz IS NULL OR created_at <= $6)
        ORDER BY first_transaction_id, first_position
        LIMIT $7`,
      [after[0], after[1], filter.gateway ?? null, filter.status ?? null, filter.from?.toISOString() ?? null, filter.to?.toISOString() ?? null, limit + 1],
    );
    const page = result.rows.slice(0, limit);
    const last = page[page.length - 1];
    return { rows: page.map(toPaymentView), nextCursor: result.rows.length > limit ? encodeCursor('payments', [last.first_transaction_id, last.first_position]) : null };
  }

  async payment(paymentId: string): Promise<PaymentView | undefined> {
    const result = await this.pool.query<PaymentRowOut>(
      `SELECT payment_id, gateway, order_id, status, amount_minor::text, currency, captured_minor::text, refunded_minor::text, reference,
              attempts, refunds, failure_reason, review, created_at, updated_at, succeeded_at, stream_version,
              first_transaction_id::text, first_position::text
         FROM ${PAYMENTS_VIEW_TABLES.payments} WHERE payment_id = $1`,
      [paymentId],
    );
    return result.rows[0] ? toPaymentView(result.rows[0]) : undefined;
  }

  /** Every event of the payment's stream, as stored (redacted before it was appended), in stream order. */
  async paymentEvents(paymentId: string, options: { cursor?: string; limit?: number } = {}): Promise<Page<TimelineEventView>> {
    const limit = pageLimit(options.limit);
    const afterVersion = options.cursor ? Number(digits(decodeCursor('timeline', options.cursor, 1)[0])) : 0;
    const events = await this.store.readStream(`payment-${paymentId}`, { fromVersion: afterVersion + 1, limit: limit + 1 });
    if (events.length === 0 && afterVersion === 0) throw new DomainError('PAYMENT.NOT_FOUND', `no payment ${paymentId}`, { paymentId });
    const page = events.slice(0, limit);
    return {
      rows: page.map((e) => ({
        position: e.position.toString(),
        streamVersion: e.streamVersion,
        eventId: e.eventId,
        type: e.type,
        schemaVersion: e.schemaVersion,
        occurredAt: e.occurredAt.toISOString(),
        recordedAt: e.recordedAt.toISOString(),
        data: e.data,
        metadata: e.metadata,
      })),
      nextCursor: events.length > limit ? encodeCursor('timeline', [String(page[page.length - 1].streamVersion)]) : null,
    };
  }

  async dailySummary(filter: DailySummaryFilter): Promise<Page<DailySummaryView>> {
    const limit = pageLimit(filter.limit);
    const after = filter.cursor ? decodeCursor('daily', filter.cursor, 3) : ['0001-01-01', '', ''];
    const result = await this.pool.query<{ day: string; gateway: string; currency: string; payments_count: string; gross_minor: string; refunds_count: string; refunds_minor: string; net_minor: string }>(
      `SELECT to_char(day, 'YYYY-MM-DD') AS day, gateway, currency, payments_count::text, gross_minor::text, refunds_count::text, refunds_minor::text, net_minor::text
         FROM ${DAILY_SUMMARY_TABLES.summaries}
        WHERE (day, gateway, currency) > ($1::date, $2::text, $3::text)
          AND ($4::date IS NULL OR day >= $4) AND ($5::date IS NULL OR day <= $5)
          AND ($6::text IS NULL OR gateway = $6)
        ORDER BY day, gateway, currency
        LIMIT $7`,
      [after[0], after[1], after[2], filter.from ?? null, filter.to ?? null, filter.gateway ?? null, limit + 1],
    ).catch((error: unknown) => {
      // A forged cursor with a non-date in it: the same answer as any unknown cursor.
      if ((error as { code?: string }).code === '22007' || (error as { code?: string }).code === '22008') throw invalidCursor();
      throw error;
    });
    const page = result.rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      rows: page.map((r) => ({
        day: r.day,
        gateway: r.gateway,
        currency: r.currency,
        paymentsCount: r.payments_count,
        grossMinor: r.gross_minor,
        refundsCount: r.refunds_count,
        refundsMinor: r.refunds_minor,
        netMinor: r.net_minor,
      })),
      nextCursor: result.rows.length > limit ? encodeCursor('daily', [last.day, last.gateway, last.currency]) : null,
    };
  }
}

interface PaymentRowOut {
  payment_id: string;
  gateway: string;
  order_id: string;
  status: string;
  amount_minor: string;
  currency: string;
  captured_minor: string;
  refunded_minor: string;
  reference: string | null;
  attempts: unknown[];
  refunds: unknown[];
  failure_reason: string | null;
  review: string | null;
  created_at: Date;
  updated_at: Date;
  succeeded_at: Date | null;
  stream_version: number;
  first_transaction_id: string;
  first_position: string;
}

function toPaymentView(r: PaymentRowOut): PaymentView {
  return {
    id: r.payment_id,
    gateway: r.gateway,
    orderId: r.order_id,
    status: r.status,
    amountMinor: r.amount_minor,
    currency: r.currency,
    capturedMinor: r.captured_minor,
    refundedMinor: r.refunded_minor,
    reference: r.reference,
    attempts: r.attempts,
    refunds: r.refunds,
    failureReason: r.failure_reason,
    review: r.review,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
    succeededAt: r.succeeded_at ? r.succeeded_at.toISOString() : null,
    version: r.stream_version,
  };
}

function toEntryView(e: EntryRow, lines: readonly LineRow[]): JournalEntryView {
  const view: JournalEntryView = {
    entryId: e.entry_id,
    kind: e.kind,
    eventType: e.event_type,
    streamId: e.stream_id,
    position: e.position,
    paymentId: e.payment_id,
    refundId: e.refund_id,
    payoutId: e.payout_id,
    gateway: e.gateway,
    currency: e.currency,
    description: e.description,
    reversesEntryId: e.reverses_entry_id,
    occurredAt: e.occurred_at.toISOString(),
    recordedAt: e.recorded_at.toISOString(),
    bookedAt: e.booked_at.toISOString(),
    lines: lines.map((l) => ({
      lineNo: l.line_no,
      account: l.account,
      currency: l.currency,
      debitMinor: l.debit_minor,
      creditMinor: l.credit_minor,
      balanceAfterMinor: l.balance_after_minor,
    })),
  };
  assertBalanced({
    entryId: view.entryId,
    lines: view.lines.map((l) => ({ account: l.account, currency: l.currency, debitMinor: BigInt(l.debitMinor), creditMinor: BigInt(l.creditMinor) })),
  });
  return view;
}

/** Every entry balances, so all balances of one currency must add up to 0; anything else is a corrupted projection. */
export function assertBalancesSumToZero(rows: ReadonlyArray<{ currency: string; balanceMinor: string }>): void {
  const net = netByCurrency(rows.map((r) => ({ currency: r.currency, debitMinor: BigInt(r.balanceMinor), creditMinor: 0n })));
  for (const [currency, sum] of net) {
    if (sum !== 0n) throw new DomainError('LEDGER.UNBALANCED', `balances in ${currency} add up to ${sum}, not 0`, { currency, differenceMinor: sum.toString() });
  }
}
