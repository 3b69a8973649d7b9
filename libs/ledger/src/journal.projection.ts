import type { PoolClient } from 'pg';
import type { RecordedEvent, SubscriptionHandler } from '@payledger/event-store';
import { Currency, invariant } from '@payledger/kernel';
import { assertBalanced, EntryKind, JournalEntry } from './ledger.entry';
import { LEDGER_INPUT_EVENT_TYPES, LedgerEntryReversalRecordedData, POSTED_EVENT_TYPES } from './ledger.inputs';
import { postingFor, PostingContext } from './ledger.posting-rules';

/** Physical names, so a rebuild can write the same projection into shadow tables. */
export interface JournalTables {
  entries: string;
  lines: string;
  balances: string;
}

export const JOURNAL_TABLES: JournalTables = { entries: 'journal_entries', lines: 'journal_lines', balances: 'account_balances' };

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface BalanceRow {
  account: string;
  currency: string;
  debitTotalMinor: bigint;
  creditTotalMinor: bigint;
  balanceMinor: bigint;
  linesCount: bigint;
  lastTransactionId: bigint;
  lastPosition: bigint;
  lastBookedAt: Date;
}

/**
 * Journal entries, their lines and the account balances, in one transaction per batch so the balances
 * are always the sum of the journal. Each line carries the running balance of its account after it, in
 * journal order, which is what answers "balance as of T" without summing the journal.
 *
 * `booked_at` is the event's recorded time, raised to the previous entry's when concurrent appends
 * interleave, so time never goes backwards along the journal: "as of T" is then always a prefix of it.
 */
export class JournalProjection implements SubscriptionHandler {
  readonly mode = 'transactional' as const;

  constructor(
    readonly name: string,
    private readonly tables: JournalTables,
    readonly batchSizeMax?: number,
  ) {}

  accepts(event: RecordedEvent): boolean {
    return POSTED_EVENT_TYPES.has(event.type);
  }

  async handle(events: readonly RecordedEvent[], tx: PoolClient | undefined): Promise<void> {
    invariant(tx, 'the journal projection is transactional');
    const t = this.tables;
    // The same lock order a rebuild's swap takes, so the two can wait for each other but never deadlock.
    await tx.query(`LOCK TABLE ${t.entries}, ${t.lines}, ${t.balances} IN ROW EXCLUSIVE MODE`);

    const already = await tx.query<{ entry_id: string }>(`SELECT entry_id::text FROM ${t.entries} WHERE entry_id = ANY($1::uuid[])`, [events.map((e) => e.eventId)]);
    const posted = new Set(already.rows.map((r) => r.entry_id));
    const context = await this.reversalContext(tx, events);

    const entries: JournalEntry[] = [];
    for (const event of events) {
      if (posted.has(event.eventId)) continue; // keyed by the causing event: posting it again is a no-op
      const entry = postingFor(event, context);
      if (!entry) continue;
      posted.add(entry.entryId);
      context.remember(entry);
      entries.push(entry);
    }
    if (entries.length === 0) return;
    await this.write(tx, entries);
  }

  /** Entries a reversal in this batch may point at: those already in the journal and those posted earlier in the batch. */
  private async reversalContext(tx: PoolClient, events: readonly RecordedEvent[]): Promise<PostingContext & { remember(entry: JournalEntry): void }> {
    const known = new Map<string, JournalEntry>();
    const reversedBy = new Map<string, string>();
    const targets = events
      .filter((e) => e.type === LEDGER_INPUT_EVENT_TYPES.reversalRecorded)
      .map((e) => (e.data as Partial<LedgerEntryReversalRecordedData>).reversesEntryId)
      .filter((id): id is string => typeof id === 'string' && UUID_PATTERN.test(id));
    if (targets.length > 0) {
      for (const entry of await readEntries(tx, this.tables, targets)) known.set(entry.entryId, entry);
      const reversals = await tx.query<{ reverses: string; entry_id: string }>(
        `SELECT reverses_entry_id::text AS reverses, entry_id::text FROM ${this.tables.entries} WHERE reverses_entry_id = ANY($1::uuid[])`,
        [targets],
      );
      for (const row of reversals.rows) reversedBy.set(row.reverses, row.entry_id);
    }
    return {
      findEntry: (id) => known.get(id.toLowerCase()),
      reversalOf: (id) => reversedBy.get(id.toLowerCase()),
      remember(entry) {
        known.set(entry.entryId.toLowerCase(), entry);
        if (entry.reversesEntryId) reversedBy.set(entry.reversesEntryId.toLowerCase(), entry.entryId);
      },
    };
  }

  private async write(tx: PoolClient, entries: readonly JournalEntry[]): Promise<void> {
    const t = this.tables;
    // booked_at never goes backwards, so the latest of the (few) balance rows is the journal's last booked_at.
    const last = await tx.query<{ booked_at: Date | null }>(`SELECT max(last_booked_at) AS booked_at FROM ${t.balances}`);
    let bookedMs = last.rows[0]?.booked_at?.getTime() ?? Number.NEGATIVE_INFINITY;

    const accounts = [...new Set(entries.flatMap((e) => e.lines.map((l) => l.account)))];
    const balances = new Map<string, BalanceRow>();
    const stored = await tx.query<{ account: string; currency: string; debit_total_minor: string; credit_total_minor: string; balance_minor: string; lines_count: string; last_transaction_id: string; last_position: string; last_booked_at: Date }>(
      `SELECT account, currency, debit_total_minor::text, credit_total_minor::text, balance_minor::text, lines_count::text,
              last_transaction_id::text, last_position::text, last_booked_at
         FROM ${t.balances} WHERE account = ANY($1::text[])`,
      [accounts],
    );
    for (const r of stored.rows) {
      balances.set(balanceKey(r.account, r.currency), {
        account: r.account,
        currency: r.currency,
        debitTotalMinor: BigInt(r.debit_total_minor),
        creditTotalMinor: BigInt(r.credit_total_minor),
        balanceMinor: BigInt(r.balance_minor),
        linesCount: BigInt(r.lines_count),
        lastTransactionId: BigInt(r.last_transaction_id),
        lastPosition: BigInt(r.last_position),
        lastBookedAt: r.last_booked_at,
      });
    }

    const e = { ids: [] as string[], xids: [] as string[], positions: [] as string[], kinds: [] as string[], types: [] as string[], streams: [] as string[], payments: [] as (string | null)[], refunds: [] as (string | null)[], payouts: [] as (string | null)[], gateways: [] as (string | null)[], currencies: [] as string[], descriptions: [] as string[], reverses: [] as (string | null)[], occurred: [] as string[], recorded: [] as string[], booked: [] as string[] };
    const l = { ids: [] as string[], lineNos: [] as number[], accounts: [] as string[], currencies: [] as string[], debits: [] as string[], credits: [] as string[], after: [] as string[], xids: [] as string[], positions: [] as string[], booked: [] as string[] };

    const touched = new Set<string>();
    for (const entry of entries) {
      bookedMs = Math.max(bookedMs, entry.recordedAt.getTime());
      const bookedAt = new Date(bookedMs);
      e.ids.push(entry.entryId);
      e.xids.push(entry.transactionId.toString());
      e.positions.push(entry.position.toString());
      e.kinds.push(entry.kind);
      e.types.push(entry.eventType);
      e.streams.push(entry.streamId);
      e.payments.push(entry.paymentId ?? null);
      e.refunds.push(entry.refundId ?? null);
      e.payouts.push(entry.payoutId ?? null);
      e.gateways.push(entry.gateway ?? null);
      e.currencies.push(entry.currency);
      e.descriptions.push(entry.description);
      e.reverses.push(entry.reversesEntryId ?? null);
      e.occurred.push(entry.occurredAt.toISOString());
      e.recorded.push(entry.recordedAt.toISOString());
      e.booked.push(bookedAt.toISOString());
      for (const line of entry.lines) {
        const key = balanceKey(line.account, line.currency);
        const before = balances.get(key) ?? { account: line.account, currency: line.currency, debitTotalMinor: 0n, creditTotalMinor: 0n, balanceMinor: 0n, linesCount: 0n, lastTransactionId: 0n, lastPosition: 0n, lastBookedAt: bookedAt };
        const after: BalanceRow = {
          ...before,
          debitTotalMinor: before.debitTotalMinor + line.debitMinor,
          creditTotalMinor: before.creditTotalMinor + line.creditMinor,
          balanceMinor: before.balanceMinor + line.debitMinor - line.creditMinor,
          linesCount: before.linesCount + 1n,
          lastTransactionId: entry.transactionId,
          lastPosition: entry.position,
          lastBookedAt: bookedAt,
        };
        balances.set(key, after);
        touched.add(key);
        l.ids.push(entry.entryId);
        l.lineNos.push(line.lineNo);
        l.accounts.push(line.account);
        l.currencies.push(line.currency);
        l.debits.push(line.debitMinor.toString());
        l.credits.push(line.creditMinor.toString());
        l.after.push(after.balanceMinor.toString());
        l.xids.push(entry.transactionId.toString());
        l.positions.push(entry.position.toString());
        l.booked.push(bookedAt.toISOString());
      }
    }

    await tx.query(
      `INSERT INTO ${t.entries} (entry_id, transaction_id, position, kind, event_type, stream_id, payment_id, refund_id, payout_id, gateway, currency,
                                 description, reverses_entry_id, occurred_at, recorded_at, booked_at)
       SELECT id, x::xid8, p, k, ty, s, pay, ref, pout, gw, cur, d, rev, o, r, b
         FROM unnest($1::uuid[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[],
                     $12::text[], $13::uuid[], $14::timestamptz[], $15::timestamptz[], $16::timestamptz[])
              AS u(id, x, p, k, ty, s, pay, ref, pout, gw, cur, d, rev, o, r, b)`,
      [e.ids, e.xids, e.positions, e.kinds, e.types, e.streams, e.payments, e.refunds, e.payouts, e.gateways, e.currencies, e.descriptions, e.reverses, e.occurred, e.recorded, e.booked],
    );
    await tx.query(
      `INSERT INTO ${t.lines} (entry_id, line_no, account, currency, debit_minor, credit_minor, balance_after_minor, transaction_id, position, booked_at)
       SELECT id, n, a, c, dr, cr, bal, x::xid8, p, b
         FROM unnest($1::uuid[], $2::smallint[], $3::text[], $4::text[], $5::bigint[], $6::bigint[], $7::bigint[], $8::text[], $9::bigint[], $10::timestamptz[])
              AS u(id, n, a, c, dr, cr, bal, x, p, b)`,
      [l.ids, l.lineNos, l.accounts, l.currencies, l.debits, l.credits, l.after, l.xids, l.positions, l.booked],
    );
    const rows = [...touched].map((key) => balances.get(key)!);
    await tx.query(
      `INSERT INTO ${t.balances} (account, currency, debit_total_minor, credit_total_minor, balance_minor, lines_count, last_transaction_id, last_position, last_booked_at)
       SELECT a, c, dr, cr, bal, n, x::xid8, p, b
         FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[], $7::text[], $8::bigint[], $9::timestamptz[])
              AS u(a, c, dr, cr, bal, n, x, p, b)
       ON CONFLICT (account, currency) DO UPDATE SET
         debit_total_minor = EXCLUDED.debit_total_minor, credit_total_minor = EXCLUDED.credit_total_minor, balance_minor = EXCLUDED.balance_minor,
         lines_count = EXCLUDED.lines_count, last_transaction_id = EXCLUDED.last_transaction_id, last_position = EXCLUDED.last_position,
         last_booked_at = EXCLUDED.last_booked_at`,
      [
        rows.map((b) => b.account),
        rows.map((b) => b.currency),
        rows.map((b) => b.debitTotalMinor.toString()),
        rows.map((b) => b.creditTotalMinor.toString()),
        rows.map((b) => b.balanceMinor.toString()),
        rows.map((b) => b.linesCount.toString()),
        rows.map((b) => b.lastTransactionId.toString()),
        rows.map((b) => b.lastPosition.toString()),
        rows.map((b) => b.lastBookedAt.toISOString()),
      ],
    );
  }
}

function balanceKey(account: string, currency: string): string {
  return `${account}\u0000${currency}`;
}

export interface EntryRow {
  entry_id: string;
  transaction_id: string;
  position: string;
  kind: EntryKind;
  event_type: string;
  stream_id: string;
  payment_id: string | null;
  refund_id: string | null;
  payout_id: string | null;
  gateway: string | null;
  currency: string;
  description: string;
  reverses_entry_id: string | null;
  occurred_at: Date;
  recorded_at: Date;
  booked_at: Date;
}

export interface LineRow {
  entry_id: string;
  line_no: number;
  account: string;
  currency: string;
  debit_minor: string;
  credit_minor: string;
  balance_after_minor: string;
}

export const ENTRY_COLUMNS = `entry_id::text, transaction_id::text, position::text, kind, event_type, stream_id, payment_id, refund_id, payout_id, gateway, currency,
  description, reverses_entry_id::text, occurred_at, recorded_at, booked_at`;
export const LINE_COLUMNS = `entry_id::text, line_no, account, currency, debit_minor::text, credit_minor::text, balance_after_minor::text`;

/** Entries with their lines, each checked to balance as it is read back. */
export async function readEntries(queryable: Pick<PoolClient, 'query'>, tables: Pick<JournalTables, 'entries' | 'lines'>, entryIds: readonly string[]): Promise<Array<JournalEntry & { bookedAt: Date }>> {
  if (entryIds.length === 0) return [];
  const entries = await queryable.query<EntryRow>(`SELECT ${ENTRY_COLUMNS} FROM ${tables.entries} WHERE entry_id = ANY($1::uuid[]) ORDER BY transaction_id, position`, [entryIds]);
  const lines = await queryable.query<LineRow>(`SELECT ${LINE_COLUMNS} FROM ${tables.lines} WHERE entry_id = ANY($1::uuid[]) ORDER BY entry_id, line_no`, [entryIds]);
  return toEntries(entries.rows, lines.rows);
}

export function toEntries(entryRows: readonly EntryRow[], lineRows: readonly LineRow[]): Array<JournalEntry & { bookedAt: Date }> {
  const byEntry = new Map<string, LineRow[]>();
  for (const line of lineRows) {
    const list = byEntry.get(line.entry_id) ?? [];
    list.push(line);
    byEntry.set(line.entry_id, list);
  }
  return entryRows.map((r) => {
    const entry: JournalEntry & { bookedAt: Date } = {
      entryId: r.entry_id,
      kind: r.kind,
      eventType: r.event_type,
      streamId: r.stream_id,
      transactionId: BigInt(r.transaction_id),
      position: BigInt(r.position),
      ...(r.payment_id !== null ? { paymentId: r.payment_id } : {}),
      ...(r.refund_id !== null ? { refundId: r.refund_id } : {}),
      ...(r.payout_id !== null ? { payoutId: r.payout_id } : {}),
      ...(r.gateway !== null ? { gateway: r.gateway } : {}),
      currency: r.currency as Currency,
      description: r.description,
      ...(r.reverses_entry_id !== null ? { reversesEntryId: r.reverses_entry_id } : {}),
      occurredAt: r.occurred_at,
      recordedAt: r.recorded_at,
      bookedAt: r.booked_at,
      lines: (byEntry.get(r.entry_id) ?? []).map((line) => ({
        lineNo: line.line_no,
        account: line.account,
        currency: line.currency as Currency,
        debitMinor: BigInt(line.debit_minor),
        creditMinor: BigInt(line.credit_minor),
      })),
    };
    assertBalanced(entry);
    return entry;
  });
}
