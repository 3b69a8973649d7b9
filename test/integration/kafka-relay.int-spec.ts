import { Pool } from 'pg';
import { loadConfig } from '@payledger/config';
import { PostgresEventStore, RecordedEvent, START_CHECKPOINT, subscriptionLag } from '@payledger/event-store';
import {
  ALL_TOPICS,
  createKafkaRelayProducerFactory,
  KafkaHealthProbe,
  KafkaRelayService,
  KafkaRelayServiceOptions,
  RELAY_SUBSCRIPTION_NAME,
  RelayProducer,
  TOPICS,
} from '@payledger/messaging';
import { createWorkerApp } from '../../apps/worker/src/worker.app';
import { createTestDatabase, TestDatabase } from '../support/database';
import { KafkaTestBroker } from '../support/kafka-broker';
import { appendFlows, PaymentFlow, paymentFlow } from '../support/payment-flows';
import { orderProblems, RelayConsumerGroup } from '../support/relay-consumer';

/**
 * The relay end to end on real PostgreSQL and real kafkajs over TCP against the Kafka test broker (a
 * fixture, not Kafka): a consumer group stands in for a downstream service.
 */

const FAST: Pick<KafkaRelayServiceOptions, 'connection' | 'subscription'> = {
  connection: { connectionTimeoutMs: 500, requestTimeoutMs: 3_000, retry: { initialRetryTime: 50, maxRetryTime: 300, retries: 3 } },
  subscription: { pollIntervalMs: 200, standbyRetryMs: 100, errorBackoffMaxMs: 400 },
};
const REQUIRED_HEADERS = ['ce_id', 'ce_type', 'ce_source', 'ce_time', 'ce_specversion', 'schema-version', 'correlation-id', 'causation-id', 'stream-version', 'position'];

let db: TestDatabase;
let store: PostgresEventStore;
let broker: KafkaTestBroker;
const cleanups: Array<() => Promise<unknown>> = [];
const logs: string[] = [];

beforeEach(async () => {
  db = await createTestDatabase(20);
  store = new PostgresEventStore(db.pool);
  broker = new KafkaTestBroker({ minSessionTimeoutMs: 1_000 });
  await broker.start();
  logs.length = 0;
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  await broker.stop();
  await db.drop();
});

function relay(overrides: Partial<KafkaRelayServiceOptions> = {}): KafkaRelayService {
  const service = new KafkaRelayService({
    kafka: { brokers: broker.brokers, clientId: 'relay-test', topicPartitions: 3 },
    pool: db.pool,
    store,
    log: (level, message) => logs.push(`${level} ${message}`),
    ...FAST,
    ...overrides,
  });
  cleanups.push(() => service.stop());
  return service;
}

async function consumerGroup(groupId: string, members = 1): Promise<RelayConsumerGroup> {
  const group = new RelayConsumerGroup(broker.brokers, groupId);
  cleanups.push(() => group.stop());
  for (let i = 0; i < members; i++) await group.addMember();
  return group;
}

function createTopics(): void {
  for (const topic of ALL_TOPICS) broker.createTopic(topic, 3);
}

function flows(from: number, count: number, runId: string): PaymentFlow[] {
  return Array.from({ length: count }, (_, i) => paymentFlow(from + i, runId));
}

async function storedEvents(): Promise<RecordedEvent[]> {
  const all: RecordedEvent[] = [];
  let after = START_CHECKPOINT;
  for (;;) {
    const page = await store.readAll(after, 5_000);
    if (page.length === 0) return all;
    all.push(...page);
    after = { transactionId: page[page.length - 1].transactionId, position: page[page.length - 1].position };
  }
}

function versionsByStream(events: readonly RecordedEvent[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const event of events) counts.set(event.streamId, Math.max(counts.get(event.streamId) ?? 0, event.streamVersion));
  return counts;
}

async function relayLag(pool: Pool = db.pool): Promise<{ lagEvents: bigint; lastError: string | null } | undefined> {
  return (await subscriptionLag(pool)).find((row) => row.name === RELAY_SUBSCRIPTION_NAME);
}

async function waitFor(description: string, condition: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${description}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Everything a downstream consumer must be able to rely on, checked against the store. */
async function expectEveryEventDelivered(group: RelayConsumerGroup): Promise<RecordedEvent[]> {
  // Commit-order reads wait for every older transaction in the whole PostgreSQL cluster, including other
  // suites' deliberately open ones in their own databases: wait until the store shows all committed rows.
  const committed = Number((await db.pool.query<{ n: string }>(`SELECT count(*) AS n FROM events`)).rows[0].n);
  let events: RecordedEvent[] = [];
  await waitFor('every committed event to be readable in commit order', async () => (events = await storedEvents()).length === committed);
  await group.waitForEventIds(events.map((e) => e.eventId));
  const unique = group.unique();
  expect(unique).toHaveLength(events.length);
  expect(orderProblems(group.received, versionsByStream(events))).toEqual([]);
  const byId = new Map(events.map((e) => [e.eventId, e]));
  for (const message of unique) {
    const event = byId.get(message.headers.ce_id)!;
    expect(REQUIRED_HEADERS.filter((name) => !message.headers[name])).toEqual([]);
    expect(message.key).toBe(event.streamId);
    expect(message.headers.ce_type).toBe(event.type);
    expect(message.headers['stream-version']).toBe(String(event.streamVersion));
    expect(message.topic).toBe(event.type.startsWith('Gateway') ? TOPICS.gatewayInteractions : TOPICS.payments);
  }
  return events;
}

describe('Kafka relay', () => {
  it('publishes every event of every payment from the worker: created topics, keys, headers, per-payment order, each once', async () => {
    const runId = 'w';
    await appendFlows(store, flows(0, 20, runId));
    const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'error', KAFKA_BROKERS: broker.brokers.join(','), KAFKA_TOPIC_PARTITIONS: '3' });
    const worker = await createWorkerApp({ config, database: { dataSource: db.dataSource, pool: db.pool } }, false);
    cleanups.push(() => worker.close());
    await worker.init();
    await waitFor('the relay to create its topics', () => ALL_TOPICS.every((topic) => broker.topics().some((t) => t.name === topic)));
    expect(broker.topics().find((t) => t.name === TOPICS.payments)?.partitions).toBe(3);

    const group = await consumerGroup('downstream', 2);
    await appendFlows(store, flows(20, 20, runId));
    const events = await expectEveryEventDelivered(group);
    expect(events.length).toBeGreaterThan(300);
    expect(new Set(group.received.map((m) => m.consumer)).size).toBe(2);

    // Nothing failed, so the idempotent producer stored each event exactly once.
    expect(ALL_TOPICS.flatMap((topic) => broker.messages(topic))).toHaveLength(events.length);
    await waitFor('the checkpoint to reach the end', async () => (await relayLag())?.lagEvents === 0n);

    const succeeded = group.unique().find((m) => m.headers.ce_type === 'PaymentSucceeded')!;
    expect(succeeded.payload).toMatchObject({ paymentId: expect.stringMatching(/^pay_w_/), amountMinor: expect.any(String), currency: expect.any(String) });
    expect(succeeded.headers['ce_dataschema']).toBe('urn:payledger:event:PaymentSucceeded:v1');
    const initiated = group.unique().find((m) => m.headers.ce_type === 'PaymentInitiated' && m.key === succeeded.key)!;
    expect(initiated.payload).not.toHaveProperty('customer');
    expect(succeeded.headers['correlation-id']).toBe(initiated.headers['correlation-id']);
  });

  it('repeats the batch of an instance killed after the broker acknowledged it; the standby takes over and loses nothing', async () => {
    createTopics();
    await appendFlows(store, flows(0, 30, 'k'));
    const real = createKafkaRelayProducerFactory({ brokers: broker.brokers, clientId: 'doomed', topicPartitions: 3, ...FAST.connection });
    let sends = 0;
    let killed: Promise<void> | undefined;
    const doomed = relay({
      batchSizeMax: 60,
      // The second batch reaches the broker; the process dies before its checkpoint is saved.
      createProducer: async (): Promise<RelayProducer> => {
        const producer = await real();
        return {
          send: async (messages) => {
            await producer.send(messages);
            sends += 1;
            if (sends === 2) {
              killed = doomed.stop();
              throw new Error('killed after the acknowledgement, before the checkpoint');
            }
          },
          close: () => producer.close(),
        };
      },
    });
    const standby = relay({ batchSizeMax: 60 });
    await doomed.start();
    await waitFor('the doomed instance to hold the lock', () => doomed.status().subscription?.role === 'active' || killed !== undefined);
    await standby.start();
    await waitFor('the kill', () => killed !== undefined);
    await killed;
    await waitFor('the standby to take over', () => standby.status().subscription?.role === 'active');

    const group = await consumerGroup('after-kill');
    const events = await expectEveryEventDelivered(group);
    const stored = ALL_TOPICS.flatMap((topic) => broker.messages(topic));
    // Exactly the killed batch went out twice: at-least-once, deduplicated by ce_id downstream.
    expect(stored).toHaveLength(events.length + 60);
    expect(group.received.length - group.unique().length).toBe(60);
    await waitFor('the checkpoint to reach the end', async () => (await relayLag())?.lagEvents === 0n);
  });

  it('rides out a lost acknowledgement, a broker outage and a broker restart mid-stream; /health-visible lag, nothing lost', async () => {
    createTopics();
    const service = relay({ batchSizeMax: 40 });
    await service.start();
    const group = await consumerGroup('through-outages');

    // The broker stores a produce but its answer is lost: the idempotent producer's retry is not stored twice.
    const lostAck = broker.failNextResponse('Produce', 'disconnect');
    await appendFlows(store, flows(0, 10, 'o'));
    await lostAck;
    await expectEveryEventDelivered(group);
    expect(ALL_TOPICS.flatMap((topic) => broker.messages(topic))).toHaveLength((await storedEvents()).length);

    // Outage: the relay fails, backs off, records the error; the lag shows in subscriptionLag.
    await broker.stop();
    const during = appendFlows(store, flows(10, 10, 'o'));
    await waitFor('the relay to record the outage', async () => {
      const lag = await relayLag();
      return lag !== undefined && lag.lagEvents > 0n && lag.lastError !== null;
    });
    await during;
    await broker.start();

    await expectEveryEventDelivered(group);

    // Restart while events keep coming: the broker stores a produce, then restarts instead of answering.
    const restarted = broker.failNextResponse('Produce', 'restart');
    await appendFlows(store, flows(20, 20, 'o'), 2);
    await restarted;

    await expectEveryEventDelivered(group);
    await waitFor('the checkpoint to reach the end with the error cleared', async () => {
      const lag = await relayLag();
      return lag?.lagEvents === 0n && lag.lastError === null;
    });
  });

  it('does not skip a transaction that commits after later ones (late commit)', async () => {
    createTopics();
    await relay().start();
    const group = await consumerGroup('late-commit');
    await appendFlows(store, flows(0, 3, 'l'));
    const before = await storedEvents();

    const late = await db.pool.connect();
    try {
      await late.query('BEGIN');
      const lateStore = new PostgresEventStore({ query: late.query.bind(late) } as unknown as Pool);
      const lateFlow = paymentFlow(99, 'l');
      await lateStore.append(lateFlow.streamId, lateFlow.appends[0], 'no_stream');
      const lateIds = (await late.query<{ event_id: string; position: string }>(`SELECT event_id, position FROM events WHERE stream_id = $1`, [lateFlow.streamId])).rows;

      // Later transactions commit while the early one is still open.
      await appendFlows(store, flows(3, 5, 'l'));
      const laterPositions = (await storedEventsIgnoringOpen()).map((e) => e.position);
      expect(laterPositions.some((p) => p > BigInt(lateIds[0].position))).toBe(true);
      // What committed before the open transaction began flows while it stays open; what came after waits behind it.
      await group.waitForEventIds(before.map((e) => e.eventId));

      await late.query('COMMIT');
      const events = await expectEveryEventDelivered(group);
      expect(events.map((e) => e.eventId)).toEqual(expect.arrayContaining(lateIds.map((r) => r.event_id)));
    } finally {
      late.release();
    }
  });

  it('stays idle without brokers, says so once, and lets its lag grow in the store', async () => {
    const idle = relay({ kafka: { brokers: [], clientId: 'relay-test', topicPartitions: 3 } });
    expect(await idle.start()).toBe('idle');
    expect(await idle.start()).toBe('idle');
    const appended = await appendFlows(store, flows(0, 5, 'i'));
    expect(logs).toEqual([expect.stringMatching(/^info Kafka relay idle: KAFKA_BROKERS is not set/)]);
    expect(idle.status()).toEqual({ mode: 'idle', subscription: undefined, messagesPublished: 0 });
    expect((await relayLag())?.lagEvents).toBe(BigInt(appended));
    expect(broker.topics()).toEqual([]);
    await idle.stop();
  });

  it('probes Kafka for /health: up, down when the broker goes away, cached between checks, not_configured without brokers', async () => {
    const probe = new KafkaHealthProbe({ brokers: broker.brokers, clientId: 'health-test', cacheMs: 0, timeoutMs: 2_000 });
    expect(await probe.check()).toMatchObject({ status: 'up', brokers: broker.brokers, latencyMs: expect.any(Number) });
    await broker.stop();
    expect(await probe.check()).toMatchObject({ status: 'down', error: expect.any(String) });
    await broker.start();

    const cached = new KafkaHealthProbe({ brokers: broker.brokers, clientId: 'health-test', cacheMs: 60_000 });
    const first = await cached.check();
    await broker.stop();
    expect(await cached.check()).toBe(first);
    await broker.start();

    expect(await new KafkaHealthProbe({ brokers: [], clientId: 'health-test' }).check()).toMatchObject({ status: 'not_configured', brokers: [] });
  });
});

/** Positions of committed events, read without the visibility gate (so past a transaction still open). */
async function storedEventsIgnoringOpen(): Promise<Array<{ position: bigint }>> {
  const rows = await db.pool.query<{ position: string }>(`SELECT position FROM events ORDER BY position`);
  return rows.rows.map((r) => ({ position: BigInt(r.position) }));
}
