import type { Pool, PoolClient } from 'pg';
import type { InlineProjection, RecordedEvent } from '@payledger/event-store';
import { DomainError } from '@payledger/kernel';
import {
  PAYMENT_EVENT_TYPES as T,
  PaymentAttemptCheckedData,
  PaymentAttemptCreatedData,
  PaymentAttemptCreateUncertainData,
  PaymentAttemptStartedData,
  PaymentInitiatedData,
  PaymentOrderIdUpdatedData,
  PaymentSucceededData,
} from './payment.events';

/**
 * Lookups the write side must never get wrong, written in the append's own transaction: the merchant's
 * order id is unique per gateway (a second payment for it fails its append), and every reference a
 * gateway may name a notice by (our attempt reference, Jibit orderIdentifier, Al Qaseh payment_id…)
 * leads to its attempt.
 */
export class PaymentLookupProjection implements InlineProjection {
  readonly name = 'payment-lookup';

  handles(streamId: string, type: string): boolean {
    return streamId.startsWith('payment-') && LOOKUP_EVENT_TYPES.has(type);
  }

  async apply(client: PoolClient, events: readonly RecordedEvent[]): Promise<void> {
    for (const event of events) {
      if (!event.streamId.startsWith('payment-')) continue;
      const paymentId = event.streamId.slice('payment-'.length);
      switch (event.type) {
        case T.initiated: {
          const d = event.data as PaymentInitiatedData;
          await client.query(`INSERT INTO payment_orders (gateway, order_id, payment_id) VALUES ($1, $2, $3)`, [d.gateway, d.orderId, paymentId]);
          break;
        }
        case T.orderIdUpdated: {
          const d = event.data as PaymentOrderIdUpdatedData;
          await client.query(`UPDATE payment_orders SET order_id = $2 WHERE payment_id = $1`, [paymentId, d.orderId]);
          break;
        }
        case T.attemptStarted: {
          const d = event.data as PaymentAttemptStartedData;
          await this.saveRefs(client, paymentId, d.reference, { reference: d.reference });
          break;
        }
        case T.attemptCreated:
        case T.attemptCreateUncertain:
        case T.attemptChecked:
        case T.succeeded: {
          const d = event.data as PaymentAttemptCreatedData | PaymentAttemptCreateUncertainData | PaymentAttemptCheckedData | PaymentSucceededData;
          if (d.refs) await this.saveRefs(client, paymentId, d.reference, d.refs);
          break;
        }
      }
    }
  }

  private async saveRefs(client: PoolClient, paymentId: string, reference: string, refs: Record<string, string>): Promise<void> {
    const entries = Object.entries(refs).filter(([name, value]) => LOOKUP_REF_NAMES.has(name) && typeof value === 'string' && value.length > 0);
    if (entries.length === 0) return;
    const gateway = await client.query<{ gateway: string }>(`SELECT gateway FROM payment_orders WHERE payment_id = $1`, [paymentId]);
    const gw = gateway.rows[0]?.gateway;
    if (!gw) return;
    await client.query(
      `INSERT INTO payment_attempt_refs (gateway, ref_name, ref_value, payment_id, reference)
       SELECT $1, name, value, $2, $3 FROM unnest($4::text[], $5::text[]) AS r(name, value)
       ON CONFLICT (gateway, ref_name, ref_value) DO NOTHING`,
      [gw, paymentId, reference, entries.map(([n]) => n), entries.map(([, v]) => v)],
    );
  }
}

const LOOKUP_EVENT_TYPES: ReadonlySet<string> = new Set([T.initiated, T.orderIdUpdated, T.attemptStarted, T.attemptCreated, T.attemptCreateUncertain, T.attemptChecked, T.succeeded]);

/** The refs any adapter's InboundVerdict.lookup may name (see each adapter's parseInbound). */
const LOOKUP_REF_NAMES: ReadonlySet<string> = new Set(['reference', 'orderIdentifier', 'paymentId', 'checkoutId', 'trackId', 'orderNo', 'invoiceNumber', 'reservationNumber']);

export interface AttemptLocation {
  paymentId: string;
  reference: string;
}

/** Reads of the lookups. */
export class PaymentLookup {
  constructor(private readonly pool: Pool) {}

  async findAttempt(gateway: string, by: string, value: string): Promise<AttemptLocation | undefined> {
    const result = await this.pool.query<{ payment_id: string; reference: string }>(
      `SELECT payment_id, reference FROM payment_attempt_refs WHERE gateway = $1 AND ref_name = $2 AND ref_value = $3`,
      [gateway, by, value],
    );
    const row = result.rows[0];
    return row ? { paymentId: row.payment_id, reference: row.reference } : undefined;
  }

  async findByOrderId(orderId: string, gateway?: string): Promise<string[]> {
    const result = await this.pool.query<{ payment_id: string }>(
      `SELECT payment_id FROM payment_orders WHERE order_id = $1 AND ($2::text IS NULL OR gateway = $2) ORDER BY gateway`,
      [orderId, gateway ?? null],
    );
    return result.rows.map((r) => r.payment_id);
  }
}

/** A unique-violation from the lookup insert means the merchant's order id is taken. */
export function orderIdTakenError(error: unknown, gateway: string, orderId: string): DomainError | undefined {
  const pg = error as { code?: string; constraint?: string };
  if (pg?.code === '23505' && (pg.constraint === 'payment_orders_unique' || pg.constraint === 'payment_orders_payment')) {
    return new DomainError('PAYMENT.ORDER_ID_TAKEN', `order id ${orderId} already has a payment at ${gateway}`, { gateway, orderId });
  }
  return undefined;
}
