import type { PoolClient } from 'pg';
import type { RecordedEvent, SubscriptionHandler } from '@payledger/event-store';
import { DomainError, invariant, Money } from '@payledger/kernel';
import type { PaymentSucceededData, RefundSucceededData } from '@payledger/payments';
import { LEDGER_INPUT_EVENT_TYPES as T } from './ledger.inputs';

export interface DailySummaryTables {
  summaries: string;
}

export const DAILY_SUMMARY_TABLES: DailySummaryTables = { summaries: 'daily_summaries' };

interface DayTotals {
  day: string;
  gateway: string;
  currency: string;
  paymentsCount: bigint;
  grossMinor: bigint;
  refundsCount: bigint;
  refundsMinor: bigint;
}

/** The UTC calendar day of an instant: business days are counted in UTC everywhere in the ledger. */
export function utcDay(at: Date): string {
  return at.toISOString().slice(0, 10);
}

/**
 * Per UTC day (of the event's occurredAt: when the money moved at the gateway), gateway and currency:
 * payments captured (count, gross), refunds paid (count, amount) and net = gross − refunds. Sums only,
 * so the result does not depend on how events fall into batches.
 */
export class DailySummaryProjection implements SubscriptionHandler {
  readonly mode = 'transactional' as const;

  constructor(
    readonly name: string,
    private readonly tables: DailySummaryTables,
    readonly batchSizeMax?: number,
  ) {}

  accepts(event: RecordedEvent): boolean {
    return event.type === T.paymentSucceeded || event.type === T.refundSucceeded;
  }

  async handle(events: readonly RecordedEvent[], tx: PoolClient | undefined): Promise<void> {
    invariant(tx, 'the daily summary is transactional');
    const totals = new Map<string, DayTotals>();
    for (const event of events) {
      const d = event.data as Partial<PaymentSucceededData & RefundSucceededData>;
      if (typeof d.gateway !== 'string' || d.gateway.length === 0) {
        throw new DomainError('LEDGER.INVALID_EVENT', `${event.type} ${event.eventId} has no gateway`, { eventId: event.eventId });
      }
      const amount = Money.of(d.amountMinor ?? '', d.currency ?? '');
      const day = utcDay(event.occurredAt);
      const key = `${day}|${d.gateway}|${amount.currency}`;
      const row = totals.get(key) ?? { day, gateway: d.gateway, currency: amount.currency, paymentsCount: 0n, grossMinor: 0n, refundsCount: 0n, refundsMinor: 0n };
      if (event.type === T.paymentSucceeded) {
        row.paymentsCount += 1n;
        row.grossMinor += amount.amountMinor;
      } else {
        row.refundsCount += 1n;
        row.refundsMinor += amount.amountMinor;
      }
      totals.set(key, row);
    }
    const rows = [...totals.values()];
    if (rows.length === 0) return;
    const table = this.tables.summaries;
    await tx.query(
      `INSERT INTO ${table} (day, gateway, currency, payments_count, gross_minor, refunds_count, refunds_minor, net_minor)
       SELECT d, g, c, pc, gross, rc, refunds, gross - refunds
         FROM unnest($1::date[], $2::text[], $3::text[], $4::bigint[], $5::bigint[], $6::bigint[], $7::bigint[]) AS u(d, g, c, pc, gross, rc, refunds)
       ON CONFLICT (day, gateway, currency) DO UPDATE SET
         payments_count = ${table}.payments_count + EXCLUDED.payments_count,
         gross_minor = ${table}.gross_minor + EXCLUDED.gross_minor,
         refunds_count = ${table}.refunds_count + EXCLUDED.refunds_count,
         refunds_minor = ${table}.refunds_minor + EXCLUDED.refunds_minor,
         net_minor = ${table}.net_minor + EXCLUDED.net_minor`,
      [
        rows.map((r) => r.day),
        rows.map((r) => r.gateway),
        rows.map((r) => r.currency),
        rows.map((r) => r.paymentsCount.toString()),
        rows.map((r) => r.grossMinor.toString()),
        rows.map((r) => r.refundsCount.toString()),
        rows.map((r) => r.refundsMinor.toString()),
      ],
    );
  }
}
