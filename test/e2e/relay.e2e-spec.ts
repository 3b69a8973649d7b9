import type { INestApplicationContext } from '@nestjs/common';
import { RecordedEvent } from '@payledger/event-store';
import { ALL_TOPICS, TOPICS } from '@payledger/messaging';
import { createWorkerApp } from '../../apps/worker/src/worker.app';
import { KafkaTestBroker } from '../support/kafka-broker';
import { followToPayledger, idempotencyKey, nextOrderId, openRedirect, PayledgerHarness, startPayledger, TEST_KEYS } from '../support/payledger';
import { orderProblems, RelayConsumerGroup } from '../support/relay-consumer';

/**
 * Payments through the merchant API and the sandbox, the worker's relay publishing to the Kafka test
 * broker (a fixture speaking the Kafka protocol, not Kafka), and a kafkajs consumer group standing in
 * for a downstream service: it must see every event of every payment, in order, each once by ce_id.
 */
describe('payments through the API reach Kafka', () => {
  let broker: KafkaTestBroker;
  let h: PayledgerHarness;
  let worker: INestApplicationContext;
  let group: RelayConsumerGroup;

  beforeAll(async () => {
    broker = new KafkaTestBroker({ minSessionTimeoutMs: 1_000 });
    await broker.start();
    h = await startPayledger({ env: { KAFKA_BROKERS: broker.brokers.join(','), KAFKA_TOPIC_PARTITIONS: '3' } });
    worker = await createWorkerApp({ config: h.config, database: h.db }, false);
    await worker.init();
    for (const topic of ALL_TOPICS) broker.createTopic(topic, 3);
    group = new RelayConsumerGroup(broker.brokers, 'downstream-e2e');
    await group.addMember();
  });

  afterAll(async () => {
    await group?.stop();
    await worker?.close();
    await h?.close();
    await broker?.stop();
  });

  const BODIES: Record<string, () => Record<string, unknown>> = {
    jibit: () => ({ gateway: 'jibit', orderId: nextOrderId('K'), amountMinor: '150000', currency: 'IRR', returnUrl: 'https://shop.example/paid', customer: { id: 'cust-1', mobile: '09120000000' } }),
    atipay: () => ({ gateway: 'atipay', orderId: nextOrderId('K'), amountMinor: '120000', currency: 'IRR', returnUrl: 'https://shop.example/paid', customer: { mobile: '09120000000' } }),
    mispay: () => ({ gateway: 'mispay', orderId: nextOrderId('K'), amountMinor: '21500', currency: 'SAR', returnUrl: 'https://shop.example/paid', customer: { mobile: '0555555555' }, items: [{ name: 'Notebook', quantity: 1, unitAmountMinor: '21500' }] }),
    alqaseh: () => ({ gateway: 'alqaseh', orderId: nextOrderId('K'), amountMinor: '25000', currency: 'IQD', returnUrl: 'https://shop.example/paid', customer: { email: 'buyer@example.com' } }),
  };

  /** create → the buyer's outcome queued at the sandbox → the gateway page → back to payledger, which confirms. */
  async function pay(gateway: string, outcome: 'pay' | 'fail'): Promise<{ id: string; status: string }> {
    const created = await h.call('POST', '/v1/payments', BODIES[gateway](), { 'idempotency-key': idempotencyKey() });
    expect(created.status).toBe(201);
    const redirect = created.body.redirect as { method: string; url: string; fields?: Record<string, string> };
    let back: Response;
    if (gateway === 'atipay') {
      // AtiPay takes a queued outcome when the token is issued (inside the create), MIS Pay at its checkout
      // start: on those two pages the buyer presses the button instead.
      const pressed = await postForm(`${redirect.url}/${outcome}`, redirect.fields ?? {});
      back = await submitAutoPostForm(await pressed.text());
    } else if (gateway === 'mispay') {
      const page = await (await openRedirect(redirect)).text();
      const action = new URL(/<form method="post" action="([^"]+)"/.exec(page)![1], redirect.url).toString();
      back = await followToPayledger(await postForm(action, { action: outcome === 'pay' ? 'approve' : 'cancel' }));
    } else {
      const queued = await h.sandbox.control('POST', `/${gateway}/scenarios`, { reference: created.body.attempts[0].reference, outcome });
      expect(queued.status).toBe(201);
      back = await followToPayledger(await openRedirect(redirect));
    }
    expect(back.status).toBe(303);
    const payment = await h.call('GET', `/v1/payments/${created.body.id}`);
    return { id: created.body.id, status: payment.body.status };
  }

  it('delivers every event of every payment, per-payment order kept, each once by ce_id', async () => {
    const outcomes = await Promise.all([
      pay('jibit', 'pay'),
      pay('jibit', 'fail'),
      pay('jibit', 'pay'),
      pay('atipay', 'pay'),
      pay('atipay', 'fail'),
      pay('alqaseh', 'pay'),
      pay('alqaseh', 'fail'),
      pay('mispay', 'pay'),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['succeeded', 'failed', 'succeeded', 'succeeded', 'failed', 'succeeded', 'failed', 'succeeded']);
    const refunded = await h.call('POST', `/v1/payments/${outcomes[7].id}/refunds`, { amountMinor: '1500', reason: 'one item returned' }, { 'idempotency-key': idempotencyKey() });
    expect(refunded.status).toBe(201);

    const events: RecordedEvent[] = [];
    for (const { id } of outcomes) events.push(...(await h.events(id)));
    await group.waitForEventIds(events.map((e) => e.eventId));

    const ofPayments = group.unique().filter((m) => events.some((e) => e.eventId === m.headers.ce_id));
    expect(ofPayments).toHaveLength(events.length);
    const versions = new Map(outcomes.map(({ id }) => [`payment-${id}`, events.filter((e) => e.streamId === `payment-${id}`).length]));
    expect(orderProblems(group.received.filter((m) => versions.has(m.key)), versions)).toEqual([]);
    for (const message of ofPayments) {
      expect(message.headers).toMatchObject({ ce_specversion: '1.0', 'schema-version': expect.stringMatching(/^\d+$/), 'correlation-id': expect.any(String), 'causation-id': expect.any(String) });
      expect(message.topic).toBe(message.headers.ce_type.startsWith('Gateway') ? TOPICS.gatewayInteractions : TOPICS.payments);
      expect(message.headers.ce_dataschema).not.toContain('generic');
    }
    const succeeded = ofPayments.filter((m) => m.headers.ce_type === 'PaymentSucceeded');
    expect(succeeded.map((m) => m.payload.paymentId).sort()).toEqual(outcomes.filter((o) => o.status === 'succeeded').map((o) => o.id).sort());
    expect(succeeded.every((m) => typeof m.payload.amountMinor === 'string')).toBe(true);
  });

  it('shows the relay in GET /v1/ops/subscriptions (ops only) and Kafka in /health', async () => {
    await waitFor(async () => {
      const list = await h.call('GET', '/v1/ops/subscriptions', undefined, { authorization: `Bearer ${TEST_KEYS.ops}` });
      return list.body.subscriptions?.find((s: { name: string }) => s.name === 'kafka-relay')?.lagEvents === '0';
    });
    const list = await h.call('GET', '/v1/ops/subscriptions', undefined, { authorization: `Bearer ${TEST_KEYS.ops}` });
    expect(list.status).toBe(200);
    expect(list.body.subscriptions).toContainEqual({ name: 'kafka-relay', position: expect.stringMatching(/^\d+$/), lagEvents: '0', updatedAt: expect.any(String), lastError: null });
    expect((await h.call('GET', '/v1/ops/subscriptions')).status).toBe(403);
    expect((await h.call('GET', '/v1/ops/subscriptions', undefined, { authorization: '' })).status).toBe(401);

    const health = await fetch(`${h.url}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({
      status: 'ok',
      database: { status: 'up' },
      kafka: { status: 'up', brokers: broker.brokers, relay: { lagEvents: '0', lastError: null } },
      subscriptions: expect.arrayContaining([expect.objectContaining({ name: 'kafka-relay', lagEvents: '0' })]),
    });
  });
});

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function postForm(url: string, fields: Record<string, string>): Promise<Response> {
  return fetch(url, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() });
}

/** What a browser does with a gateway's self-submitting return form: post its hidden fields to its action. */
async function submitAutoPostForm(html: string): Promise<Response> {
  const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
  if (!action) throw new Error(`no form to submit in: ${html.slice(0, 200)}`);
  const fields: Record<string, string> = {};
  for (const match of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) fields[match[1]] = match[2];
  return postForm(action, fields);
}
