import { randomUUID } from 'node:crypto';
import type { EventStore, NewEvent } from '@payledger/event-store';
import { GatewayName, INTERACTION_EVENT_TYPES } from '@payledger/gateways';
import { Money } from '@payledger/kernel';
import { decide, DecidedEvent, evolve, PaymentCommand, PaymentState } from '@payledger/payments';

/**
 * Realistic payment streams for relay tests and benchmarks, without the api: the payment decider makes
 * the domain events, and each step carries the gateway interactions a real flow records around it.
 * Each flow is a list of appends (one per step) to `payment-<id>`, chained by correlation and causation.
 */
export interface PaymentFlow {
  paymentId: string;
  streamId: string;
  appends: NewEvent[][];
}

const GATEWAYS: ReadonlyArray<{ gateway: GatewayName; currency: string; amountMinor: string }> = [
  { gateway: 'mispay', currency: 'SAR', amountMinor: '21500' },
  { gateway: 'jibit', currency: 'IRR', amountMinor: '2000000' },
  { gateway: 'alqaseh', currency: 'IQD', amountMinor: '25000' },
  { gateway: 'mocasa', currency: 'PHP', amountMinor: '150000' },
  { gateway: 'atipay', currency: 'IRR', amountMinor: '1200000' },
];

/** Flow `index` ends succeeded (refunded when index % 3 === 0) or, when index % 4 === 1, failed. */
export function paymentFlow(index: number, runId = randomUUID().slice(0, 8), now = new Date()): PaymentFlow {
  const { gateway, currency, amountMinor } = GATEWAYS[index % GATEWAYS.length];
  const paymentId = `pay_${runId}_${index}`;
  const reference = `PL${runId}${index}`.slice(0, 32);
  const correlationId = randomUUID();
  let state: PaymentState | undefined;
  let lastEventId: string | undefined;
  const appends: NewEvent[][] = [];

  const stamp = (type: string, data: Record<string, unknown>): NewEvent => {
    const eventId = randomUUID();
    const event: NewEvent = { eventId, type, data, occurredAt: now, metadata: { correlationId, causationId: lastEventId ?? correlationId, actor: 'test' } };
    lastEventId = eventId;
    return event;
  };
  const interaction = (operation: string, httpStatus: number): NewEvent[] => {
    const requestId = randomUUID();
    return [
      stamp(INTERACTION_EVENT_TYPES.requestSent, { gateway, operation, requestId, attempt: 1, method: 'POST', url: `https://sandbox.example/${gateway}/${operation}`, body: { reference }, timeoutMs: 15000, sentAt: now.toISOString() }),
      stamp(INTERACTION_EVENT_TYPES.responseReceived, { gateway, operation, requestId, attempt: 1, httpStatus, latencyMs: 40 + (index % 50), contentType: 'application/json', body: { ok: true } }),
    ];
  };
  const step = (before: NewEvent[], command: PaymentCommand): void => {
    const decided: DecidedEvent[] = decide(state, command, now);
    const events = [...before, ...decided.map((e) => stamp(e.type, e.data))];
    for (const event of events) state = evolve(state, { type: event.type, data: event.data, occurredAt: now });
    appends.push(events);
  };

  step([], {
    kind: 'initiate',
    reference,
    payment: { paymentId, gateway, orderId: `ORD-${runId}-${index}`, amountMinor, currency, returnUrl: 'https://shop.example/paid', customer: { id: `cust-${index}`, mobile: '09120000000' } },
  });
  step(interaction('create', 200), { kind: 'recordCreateResult', reference, result: { outcome: 'pending', refs: { gatewayRef: `G${index}` }, redirect: { method: 'GET', url: `https://sandbox.example/${gateway}/pay/G${index}` } } });
  const callback = stamp(INTERACTION_EVENT_TYPES.callbackReceived, {
    gateway,
    kind: 'return',
    subject: 'payment',
    accepted: true,
    authenticity: 'unauthenticated',
    duplicate: false,
    dedupKey: `${gateway}:return:G${index}`,
    request: { query: { ref: `G${index}` } },
    receivedAt: now.toISOString(),
  });
  step([callback], { kind: 'beginConfirmation', reference, trigger: 'return', leaseMs: 30_000 });
  const paid = index % 4 !== 1;
  step(interaction('verify', 200), {
    kind: 'recordCheck',
    reference,
    trigger: 'return',
    operation: 'confirm',
    result: paid ? { outcome: 'paid', gatewayAmount: Money.of(amountMinor, currency), gatewayStatus: 'PAID' } : { outcome: 'failed', gatewayStatus: 'DECLINED', detail: 'declined' },
  });
  if (paid && index % 3 === 0) {
    const refundId = `ref_${runId}_${index}`;
    step([], { kind: 'requestRefund', refundId, reason: 'returned', partialSupported: true });
    step(interaction('refund', 200), { kind: 'recordRefundResult', refundId, result: { status: 'succeeded', gatewayRefundRef: `R${index}` } });
  }
  return { paymentId, streamId: `payment-${paymentId}`, appends };
}

/** Appends every flow step by step, flows concurrently (so streams interleave in commit order). Returns the events appended. */
export async function appendFlows(store: EventStore, flows: readonly PaymentFlow[], concurrency = 8): Promise<number> {
  let next = 0;
  let appended = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, flows.length) }, async () => {
      for (let i = next++; i < flows.length; i = next++) {
        let version = 0;
        for (const events of flows[i].appends) {
          const result = await store.append(flows[i].streamId, events, version);
          version = result.nextVersion;
          appended += events.length;
        }
      }
    }),
  );
  return appended;
}
