import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { compareCheckpoints, EventStore, NewEvent, PostgresEventStore, RecordedEvent, SubscriptionRunner } from '@payledger/event-store';
import { LedgerProjectionDefinition, ledgerProjections, LIVE_BATCH_SIZE } from '@payledger/ledger';
import { Money } from '@payledger/kernel';
import { decide, decidePayoutResult, foldPayment, foldPayout, PaymentCommand, paymentStreamId, PAYOUT_EVENT_TYPES, payoutStreamId } from '@payledger/payments';

export const GATEWAY_CURRENCY = { jibit: 'IRR', atipay: 'IRR', mispay: 'SAR', mocasa: 'PHP', alqaseh: 'IQD' } as const;
export type TestGateway = keyof typeof GATEWAY_CURRENCY;

/**
 * Appends the events a real payment would record — decided by libs/payments `decide` over the state
 * `foldPayment` gives, with the gateway exchanges around them — without going through the api.
 */
export class PaymentEventDriver {
  private seq = 0;

  constructor(private readonly store: EventStore) {}

  /** Initiated, created at the gateway, confirmed: succeeded (or failed), with its exchanges recorded. */
  async pay(gateway: TestGateway, amountMinor: bigint | number, outcome: 'paid' | 'failed' = 'paid'): Promise<string> {
    this.seq += 1;
    const paymentId = `pay_t${this.seq}_${randomUUID().slice(0, 8)}`;
    const reference = `PL${this.seq}${randomUUID().slice(0, 6)}`;
    const currency = GATEWAY_CURRENCY[gateway];
    await this.decide(paymentId, {
      kind: 'initiate',
      reference,
      payment: { paymentId, gateway, orderId: `ORD-${this.seq}`, amountMinor: String(amountMinor), currency, returnUrl: 'https://shop.example/paid', customer: { id: 'cust-1', mobile: '09120000000' } },
    });
    await this.exchange(paymentId, gateway, 'create-order', { amount: Number(amountMinor), referenceNumber: reference, apiKey: 'must-not-survive-redaction' });
    await this.decide(paymentId, { kind: 'recordCreateResult', reference, result: { outcome: 'pending', refs: { orderRef: `gw-${reference}` }, redirect: { method: 'GET', url: `https://gw.example/pay/${reference}` } } });
    await this.exchange(paymentId, gateway, 'verify', { referenceNumber: reference });
    await this.decide(paymentId, { kind: 'recordCheck', reference, trigger: 'return', operation: 'confirm', result: { outcome, gatewayAmount: Money.of(amountMinor, currency), gatewayStatus: outcome === 'paid' ? 'SUCCESS' : 'FAILED' } });
    return paymentId;
  }

  /** A refund the gateway confirms; no amount = all that remains. */
  async refund(paymentId: string, amountMinor?: bigint | number): Promise<string> {
    this.seq += 1;
    const refundId = `rf_t${this.seq}_${randomUUID().slice(0, 8)}`;
    const state = foldPayment(await this.store.readStream(paymentStreamId(paymentId)))!;
    const amount = amountMinor === undefined ? undefined : Money.of(amountMinor, state.amount.currency);
    await this.decide(paymentId, { kind: 'requestRefund', refundId, amount, reason: 'buyer asked', partialSupported: state.gateway !== 'mocasa' });
    await this.decide(paymentId, { kind: 'recordRefundResult', refundId, result: { status: 'succeeded', gatewayRefundRef: `gw-${refundId}` } });
    return refundId;
  }

  /** The gateway confirms a refund already requested. */
  async settleRefund(paymentId: string, refundId: string): Promise<void> {
    await this.decide(paymentId, { kind: 'recordRefundResult', refundId, result: { status: 'succeeded', gatewayRefundRef: `gw-${refundId}` } });
  }

  /** A Mocasa transfer that went through. */
  async payout(amountMinor: bigint | number): Promise<string> {
    this.seq += 1;
    const payoutId = `po_t${this.seq}_${randomUUID().slice(0, 8)}`;
    const requested: NewEvent = {
      type: PAYOUT_EVENT_TYPES.requested,
      data: { payoutId, gateway: 'mocasa', reference: `PO${this.seq}`, amountMinor: String(amountMinor), currency: 'PHP', payeeAccountNo: 'MA-1', purpose: 'settlement', requestedAt: new Date().toISOString() },
    };
    const stored = await this.store.append(payoutStreamId(payoutId), [requested], 'no_stream');
    const transferred = decidePayoutResult(foldPayout(stored.events)!, { status: 'succeeded', gatewayStatus: 'SUCCESS' })!;
    await this.store.append(payoutStreamId(payoutId), [transferred], stored.nextVersion);
    return payoutId;
  }

  /** What reconciliation will record (libs/ledger ledger.inputs.ts): a clearing difference through suspense. */
  async correction(gateway: TestGateway, clearingDeltaMinor: bigint, paymentId?: string): Promise<RecordedEvent> {
    const runId = `run_${randomUUID().slice(0, 8)}`;
    const result = await this.store.append(
      `reconciliation-${runId}`,
      [{ type: 'ReconciliationCorrectionRecorded', data: { runId, discrepancyId: 'd1', gateway, paymentId, clearingDeltaMinor: clearingDeltaMinor.toString(), currency: GATEWAY_CURRENCY[gateway], reason: 'found by reconciliation' } }],
      'no_stream',
    );
    return result.events[0];
  }

  async reversal(reversesEntryId: string): Promise<RecordedEvent> {
    const runId = `run_${randomUUID().slice(0, 8)}`;
    const result = await this.store.append(`reconciliation-${runId}`, [{ type: 'LedgerEntryReversalRecorded', data: { reversesEntryId, reason: 'booked twice', runId } }], 'no_stream');
    return result.events[0];
  }

  /** The next event libs/payments decides for the payment, as it would be appended (for a late-committing insert). */
  async nextDecided(paymentId: string, command: PaymentCommand): Promise<{ version: number; events: Array<{ type: string; data: unknown }> }> {
    const stream = await this.store.readStream(paymentStreamId(paymentId));
    return { version: stream.length, events: decide(foldPayment(stream), command, new Date()) };
  }

  private async decide(paymentId: string, command: PaymentCommand): Promise<void> {
    const stream = await this.store.readStream(paymentStreamId(paymentId));
    const events = decide(foldPayment(stream), command, new Date());
    if (events.length > 0) await this.store.append(paymentStreamId(paymentId), events, stream.length === 0 ? 'no_stream' : stream.length);
  }

  /** A request/response pair as the recording client writes it. */
  private async exchange(paymentId: string, gateway: string, operation: string, body: Record<string, unknown>): Promise<void> {
    const requestId = randomUUID();
    const version = await this.store.streamVersion(paymentStreamId(paymentId));
    await this.store.append(
      paymentStreamId(paymentId),
      [
        { type: 'GatewayRequestSent', data: { gateway, operation, requestId, attempt: 1, method: 'POST', url: `https://gw.example/${operation}`, body, timeoutMs: 5000, sentAt: new Date().toISOString() }, metadata: { gateway } },
        { type: 'GatewayResponseReceived', data: { gateway, operation, requestId, attempt: 1, httpStatus: 200, latencyMs: 12, body: { status: 'OK' } }, metadata: { gateway } },
      ],
      version,
    );
  }
}

export function testProjections(store: PostgresEventStore): LedgerProjectionDefinition[] {
  return ledgerProjections({ store, foldPayment });
}

/** Each projection as a subscriber on its live tables, for tests to drain. */
export function liveRunners(pool: Pool, store: PostgresEventStore, projections = testProjections(store)): SubscriptionRunner[] {
  return projections.map((p) => new SubscriptionRunner(pool, store, p.handler(p.tables, p.name, LIVE_BATCH_SIZE), { pollIntervalMs: 20 }));
}

const CATCH_UP_TIMEOUT_MS = 15_000;

/**
 * Drains each runner until it has passed every event committed before the call. One drain is not always
 * enough: subscribers stop at the oldest transaction running anywhere in the cluster, and suites running
 * beside this one (other databases, same server) hold transactions open too.
 */
export async function drainAll(pool: Pool, runners: readonly SubscriptionRunner[]): Promise<void> {
  const head = await pool.query<{ transaction_id: string; position: string }>(`SELECT transaction_id::text, position::text FROM events ORDER BY transaction_id DESC, position DESC LIMIT 1`);
  if (head.rowCount === 0) return;
  const target = { transactionId: BigInt(head.rows[0].transaction_id), position: BigInt(head.rows[0].position) };
  const deadline = Date.now() + CATCH_UP_TIMEOUT_MS;
  for (const runner of runners) {
    for (;;) {
      await runner.drain();
      if (compareCheckpoints(runner.status().checkpoint, target) >= 0) break;
      if (Date.now() > deadline) throw new Error(`${runner.status().name} did not catch up with ${target.transactionId}/${target.position} in ${CATCH_UP_TIMEOUT_MS} ms`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

/** Every row of every projection table, as PostgreSQL prints it, sorted: equal snapshots are byte-identical tables. */
export async function snapshotTables(pool: Pool, projections: readonly LedgerProjectionDefinition[]): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const projection of projections) {
    for (const table of Object.values(projection.tables)) {
      const rows = await pool.query<{ row: string }>(`SELECT t::text AS row FROM ${table} t ORDER BY 1`);
      out[table] = rows.rows.map((r) => r.row);
    }
  }
  return out;
}

export async function indexNames(pool: Pool, projections: readonly LedgerProjectionDefinition[]): Promise<string[]> {
  const tables = projections.flatMap((p) => Object.values(p.tables));
  const result = await pool.query<{ name: string }>(`SELECT indexname AS name FROM pg_indexes WHERE tablename = ANY($1::text[]) ORDER BY 1`, [tables]);
  return result.rows.map((r) => r.name);
}
