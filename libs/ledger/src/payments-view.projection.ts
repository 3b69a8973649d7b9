import type { PoolClient } from 'pg';
import { categoryOf, EVENT_COLUMNS, EventRow, RecordedEvent, SubscriptionHandler } from '@payledger/event-store';
import { invariant } from '@payledger/kernel';
import type { PaymentEventLike, PaymentState } from '@payledger/payments';

/** libs/payments `foldPayment`, handed in by the app so the ledger loads nothing of the payment write side. */
export type PaymentFold = (events: readonly PaymentEventLike[]) => PaymentState | undefined;

export interface PaymentsViewTables {
  payments: string;
}

export const PAYMENTS_VIEW_TABLES: PaymentsViewTables = { payments: 'payments_view' };

interface StreamBatch {
  streamId: string;
  events: RecordedEvent[];
}

/**
 * One row per payment, for finance and the merchant API: status, amounts, gateway references, times.
 * Each row is the payment's decider state (libs/payments `foldPayment` over its stream), so the view
 * cannot disagree with what the command side decides from. A batch re-folds every payment it touches
 * from the events the subscription has passed — never events beyond its checkpoint, so an incremental
 * run and a rebuild write the same row.
 */
export class PaymentsViewProjection implements SubscriptionHandler {
  readonly mode = 'transactional' as const;

  constructor(
    readonly name: string,
    private readonly tables: PaymentsViewTables,
    private readonly fold: PaymentFold,
    private readonly toRecorded: (row: EventRow) => RecordedEvent,
    readonly batchSizeMax?: number,
  ) {}

  accepts(event: RecordedEvent): boolean {
    return categoryOf(event.streamId) === 'payment';
  }

  async handle(events: readonly RecordedEvent[], tx: PoolClient | undefined): Promise<void> {
    invariant(tx, 'the payments view is transactional');
    const streams = new Map<string, StreamBatch>();
    for (const event of events) {
      const batch = streams.get(event.streamId) ?? { streamId: event.streamId, events: [] };
      batch.events.push(event);
      streams.set(event.streamId, batch);
    }
    await this.loadEarlierEvents(tx, [...streams.values()].filter((s) => s.events[0].streamVersion > 1));

    const rows: PaymentRow[] = [];
    for (const stream of streams.values()) {
      const ordered = [...stream.events].sort((a, b) => a.streamVersion - b.streamVersion);
      const state = this.fold(ordered);
      // A stream that has not started with PaymentInitiated is not a payment yet.
      if (!state || ordered[0].streamVersion !== 1) continue;
      rows.push(toRow(state, ordered[0], ordered[ordered.length - 1]));
    }
    if (rows.length > 0) await upsert(tx, this.tables.payments, rows);
  }

  /** The events of these streams committed before this batch (the subscription passed them already). */
  private async loadEarlierEvents(tx: PoolClient, streams: StreamBatch[]): Promise<void> {
    if (streams.length === 0) return;
    const result = await tx.query<EventRow>(
      `SELECT e.* FROM unnest($1::text[], $2::text[], $3::bigint[]) AS u(stream_id, x, p)
         CROSS JOIN LATERAL (SELECT ${EVENT_COLUMNS} FROM events WHERE events.stream_id = u.stream_id AND (events.transaction_id, events.position) < (u.x::xid8, u.p)) e`,
      [streams.map((s) => s.streamId), streams.map((s) => s.events[0].transactionId.toString()), streams.map((s) => s.events[0].position.toString())],
    );
    const byStream = new Map(streams.map((s) => [s.streamId, s]));
    for (const row of result.rows) byStream.get(row.stream_id)!.events.push(this.toRecorded(row));
  }
}

interface PaymentRow {
  paymentId: string;
  gateway: string;
  orderId: string;
  status: string;
  amountMinor: string;
  currency: string;
  capturedMinor: string;
  refundedMinor: string;
  reference: string | null;
  attempts: string;
  refunds: string;
  failureReason: string | null;
  review: string | null;
  createdAt: string;
  updatedAt: string;
  succeededAt: string | null;
  streamVersion: number;
  firstTransactionId: string;
  firstPosition: string;
  lastTransactionId: string;
  lastPosition: string;
}

function iso(date: Date | undefined): string | null {
  return date ? date.toISOString() : null;
}

function toRow(state: PaymentState, first: RecordedEvent, last: RecordedEvent): PaymentRow {
  const current = state.attempts[state.attempts.length - 1];
  return {
    paymentId: state.paymentId,
    gateway: state.gateway,
    orderId: state.orderId,
    status: state.status,
    amountMinor: state.amount.amountMinor.toString(),
    currency: state.amount.currency,
    capturedMinor: state.captured.amountMinor.toString(),
    refundedMinor: state.refunded.amountMinor.toString(),
    reference: current?.reference ?? null,
    attempts: JSON.stringify(
      state.attempts.map((a) => ({
        attemptNo: a.attemptNo,
        reference: a.reference,
        outcome: a.outcome,
        refs: a.refs,
        startedAt: a.startedAt.toISOString(),
        expiresAt: iso(a.expiresAt),
        gatewayStatus: a.gatewayStatus ?? null,
      })),
    ),
    refunds: JSON.stringify(
      state.refunds.map((r) => ({
        refundId: r.refundId,
        amountMinor: r.amount.amountMinor.toString(),
        currency: r.amount.currency,
        status: r.status,
        requestedAt: r.requestedAt.toISOString(),
        settledAt: iso(r.settledAt),
        gatewayRefundRef: r.gatewayRefundRef ?? null,
      })),
    ),
    failureReason: state.failureReason ?? null,
    review: state.review ?? null,
    createdAt: state.createdAt.toISOString(),
    updatedAt: state.updatedAt.toISOString(),
    succeededAt: iso(state.succeededAt),
    streamVersion: last.streamVersion,
    firstTransactionId: first.transactionId.toString(),
    firstPosition: first.position.toString(),
    lastTransactionId: last.transactionId.toString(),
    lastPosition: last.position.toString(),
  };
}

const COLUMNS: Array<[keyof PaymentRow, string, string]> = [
  ['paymentId', 'payment_id', 'text'],
  ['gateway', 'gateway', 'text'],
  ['orderId', 'order_id', 'text'],
  ['status', 'status', 'text'],
  ['amountMinor', 'amount_minor', 'bigint'],
  ['currency', 'currency', 'text'],
  ['capturedMinor', 'captured_minor', 'bigint'],
  ['refundedMinor', 'refunded_minor', 'bigint'],
  ['reference', 'reference', 'text'],
  ['attempts', 'attempts', 'jsonb'],
  ['refunds', 'refunds', 'jsonb'],
  ['failureReason', 'failure_reason', 'text'],
  ['review', 'review', 'text'],
  ['createdAt', 'created_at', 'timestamptz'],
  ['updatedAt', 'updated_at', 'timestamptz'],
  ['succeededAt', 'succeeded_at', 'timestamptz'],
  ['streamVersion', 'stream_version', 'integer'],
  ['firstTransactionId', 'first_transaction_id', 'xid8'],
  ['firstPosition', 'first_position', 'bigint'],
  ['lastTransactionId', 'last_transaction_id', 'xid8'],
  ['lastPosition', 'last_position', 'bigint'],
];

async function upsert(tx: PoolClient, table: string, rows: readonly PaymentRow[]): Promise<void> {
  // One JSON document for the whole batch: far cheaper to send and parse than one array per column.
  const names = COLUMNS.map(([, column]) => column);
  const record = COLUMNS.map(([, column, type]) => `${column} ${type === 'xid8' ? 'text' : type}`).join(', ');
  const selects = COLUMNS.map(([, column, type]) => (type === 'xid8' ? `r.${column}::xid8` : `r.${column}`));
  const documents = rows.map((row) => Object.fromEntries(COLUMNS.map(([key, column, type]) => [column, type === 'jsonb' ? JSON.parse(row[key] as string) : row[key]])));
  await tx.query(
    `INSERT INTO ${table} (${names.join(', ')})
     SELECT ${selects.join(', ')} FROM jsonb_to_recordset($1::jsonb) AS r(${record})
     ON CONFLICT (payment_id) DO UPDATE SET ${names
       .filter((n) => n !== 'payment_id' && n !== 'first_transaction_id' && n !== 'first_position')
       .map((n) => `${n} = EXCLUDED.${n}`)
       .join(', ')}`,
    [JSON.stringify(documents)],
  );
}
