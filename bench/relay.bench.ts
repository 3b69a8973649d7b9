/**
 * The Kafka relay: how fast it publishes a backlog of 200 000 stored payment events, and how far behind it
 * stays under a steady append load. The broker is the Kafka test broker (test/support/kafka-broker) in a
 * child process: a fixture speaking the Kafka protocol and keeping partitions in memory, NOT Kafka. Its
 * figures measure the relay (commit-order reads, mapping, kafkajs idempotent produce with acks=all,
 * checkpoints); a real broker's disk and replication costs are not in them.
 * Run: npm run bench:relay   (BENCH_RELAY_EVENTS, default 200000; BENCH_SECONDS per load level, default 10;
 * BENCH_RELAY_RATES events/s, default 500,2000)
 */
import { fork } from 'node:child_process';
import * as path from 'node:path';
import { Consumer, Kafka, logLevel } from 'kafkajs';
import { Pool } from 'pg';
import { PostgresEventStore, subscriptionLag } from '@payledger/event-store';
import { KafkaRelayService, RELAY_SUBSCRIPTION_NAME, RelayProducer, TOPICS } from '@payledger/messaging';
import { appendFlows, paymentFlow, PaymentFlow } from '../test/support/payment-flows';
import { benchDatabase, percentile, poolOf, table } from './bench-support';

const BACKLOG_EVENTS = Number(process.env.BENCH_RELAY_EVENTS ?? 200_000);
const SECONDS_PER_RATE = Number(process.env.BENCH_SECONDS ?? 10);
const RATES = (process.env.BENCH_RELAY_RATES ?? '500,2000').split(',').map(Number);
const FILL_FLOWS_PER_ROUND = 500;
const FILL_CONCURRENCY = 16;
const LOAD_WRITERS = 8;
const SAMPLE_INTERVAL_MS = 100;
const DRAIN_TIMEOUT_MS = 15 * 60_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function startBroker(): Promise<{ brokers: string[]; stop: () => Promise<void> }> {
  const child = fork(path.join(__dirname, 'relay-broker.child.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (message: { port: number }) => resolve(message.port));
    child.once('exit', (code) => reject(new Error(`the broker process exited with ${code}`)));
  });
  return {
    brokers: [`127.0.0.1:${port}`],
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.send('stop');
      }),
  };
}

async function fillStore(store: PostgresEventStore): Promise<{ events: number; seconds: number }> {
  const started = performance.now();
  let events = 0;
  // Bounded by the target: every round appends FILL_FLOWS_PER_ROUND flows of about a dozen events.
  for (let round = 0; events < BACKLOG_EVENTS; round++) {
    const flows: PaymentFlow[] = Array.from({ length: FILL_FLOWS_PER_ROUND }, (_, i) => paymentFlow(round * FILL_FLOWS_PER_ROUND + i, `b${round}`));
    events += await appendFlows(store, flows, FILL_CONCURRENCY);
  }
  return { events, seconds: (performance.now() - started) / 1000 };
}

async function relayLag(pool: Pool): Promise<bigint> {
  return (await subscriptionLag(pool)).find((row) => row.name === RELAY_SUBSCRIPTION_NAME)?.lagEvents ?? -1n;
}

/** Publishes the whole store from position zero and times it until the checkpoint reaches the end. */
async function drain(pool: Pool, relay: KafkaRelayService, total: number): Promise<number> {
  await pool.query(`DELETE FROM subscription_checkpoints WHERE name = $1`, [RELAY_SUBSCRIPTION_NAME]);
  const started = performance.now();
  await relay.start();
  const deadline = Date.now() + DRAIN_TIMEOUT_MS;
  while (relay.status().subscription?.eventsHandled !== total) {
    if (Date.now() > deadline) throw new Error(`the relay did not drain ${total} events in ${DRAIN_TIMEOUT_MS} ms`);
    await sleep(20);
  }
  const seconds = (performance.now() - started) / 1000;
  await relay.stop();
  return total / seconds;
}

interface LoadResult {
  rate: number;
  appended: number;
  lagSamples: number[];
  latenciesMs: number[];
}

/** Appends at `rate` events/s for SECONDS_PER_RATE with the relay running; samples its lag, and times each event from append to consumer. */
async function steadyLoad(pool: Pool, store: PostgresEventStore, rate: number, appendedAt: Map<string, number>, latenciesMs: number[]): Promise<LoadResult> {
  latenciesMs.length = 0;
  const lagSamples: number[] = [];
  const deadline = Date.now() + SECONDS_PER_RATE * 1000;
  let appended = 0;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      lagSamples.push(Number(await relayLag(pool)));
      await sleep(SAMPLE_INTERVAL_MS);
    }
  })();
  const perWriterRate = rate / LOAD_WRITERS;
  await Promise.all(
    Array.from({ length: LOAD_WRITERS }, async (_, writer) => {
      const started = performance.now();
      let written = 0;
      for (let n = 0; Date.now() < deadline; n++) {
        const flow = paymentFlow(n * LOAD_WRITERS + writer, `load${rate}`);
        let version = 0;
        for (const events of flow.appends) {
          const result = await store.append(flow.streamId, events, version);
          version = result.nextVersion;
          const at = performance.now();
          for (const event of result.events) appendedAt.set(event.eventId, at);
          written += events.length;
          appended += events.length;
          const aheadMs = (written / perWriterRate) * 1000 - (performance.now() - started);
          if (aheadMs > 0) await sleep(aheadMs);
          if (Date.now() >= deadline) break;
        }
      }
    }),
  );
  // Let the tail arrive before reading the latencies.
  const tailDeadline = Date.now() + 30_000;
  while (latenciesMs.length < appended && Date.now() < tailDeadline) await sleep(20);
  sampling = false;
  await sampler;
  return { rate, appended, lagSamples, latenciesMs: [...latenciesMs] };
}

async function main(): Promise<void> {
  const db = await benchDatabase();
  const pool = poolOf(db.dataSource);
  const store = new PostgresEventStore(pool);
  const broker = await startBroker();
  console.log(`Kafka relay benchmark: ${db.where}, node ${process.version}`);
  console.log('broker: the Kafka TEST broker (test/support/kafka-broker, in-memory, one node, in a child process), NOT real Kafka\n');

  const fill = await fillStore(store);
  console.log(`store filled: ${fill.events} events of realistic payment flows in ${fill.seconds.toFixed(1)} s (${Math.round(fill.events / fill.seconds)} events/s through EventStore.append)\n`);

  const nullProducer: RelayProducer = { send: async () => undefined, close: async () => undefined };
  const kafka = { brokers: broker.brokers, clientId: 'bench-relay', topicPartitions: 6 };
  const withoutBroker = await drain(pool, new KafkaRelayService({ kafka, pool, store, createProducer: async () => nullProducer }), fill.events);
  const withBroker = await drain(pool, new KafkaRelayService({ kafka, pool, store }), fill.events);
  console.log(
    table([
      { case: `backlog of ${fill.events} events → Kafka TEST broker (not Kafka)`, 'events/s': Math.round(withBroker), seconds: (fill.events / withBroker).toFixed(1) },
      { case: 'same backlog, producer that discards (store read + mapping + checkpoint only)', 'events/s': Math.round(withoutBroker), seconds: (fill.events / withoutBroker).toFixed(1) },
    ]),
  );

  // Steady load: the relay running, a consumer group reading what it publishes.
  const relay = new KafkaRelayService({ kafka, pool, store, subscription: { pollIntervalMs: 1000 } });
  await relay.start();
  const appendedAt = new Map<string, number>();
  const latenciesMs: number[] = [];
  const consumer: Consumer = new Kafka({ clientId: 'bench-consumer', brokers: broker.brokers, logLevel: logLevel.NOTHING }).consumer({ groupId: 'bench-downstream', maxWaitTimeInMs: 50 });
  await consumer.connect();
  await consumer.subscribe({ topics: [TOPICS.payments, TOPICS.gatewayInteractions], fromBeginning: false });
  let joined: () => void = () => undefined;
  const hasJoined = new Promise<void>((resolve) => (joined = resolve));
  consumer.on(consumer.events.GROUP_JOIN, () => joined());
  await consumer.run({
    eachMessage: async ({ message }) => {
      const at = appendedAt.get(message.headers?.ce_id?.toString() ?? '');
      if (at !== undefined) latenciesMs.push(performance.now() - at);
    },
  });
  await hasJoined;
  const rows: Array<Record<string, string | number>> = [];
  for (const rate of RATES) {
    const result = await steadyLoad(pool, store, rate, appendedAt, latenciesMs);
    const lags = [...result.lagSamples].sort((a, b) => a - b);
    const latencies = [...result.latenciesMs].sort((a, b) => a - b);
    rows.push({
      'target events/s': rate,
      'appended events/s': Math.round(result.appended / SECONDS_PER_RATE),
      'lag p50 (events)': percentile(lags, 50),
      'lag p99 (events)': percentile(lags, 99),
      'lag max (events)': lags[lags.length - 1] ?? 0,
      'append→consumer p50 ms': percentile(latencies, 50).toFixed(1),
      'append→consumer p99 ms': percentile(latencies, 99).toFixed(1),
      'received / appended': `${result.latenciesMs.length}/${result.appended}`,
    });
  }
  console.log(`\nsteady append load, ${SECONDS_PER_RATE} s per rate, ${LOAD_WRITERS} writers, lag sampled every ${SAMPLE_INTERVAL_MS} ms; broker: Kafka TEST broker, not Kafka`);
  console.log(table(rows));
  console.log('\nlag = events stored but not yet acknowledged by the broker (subscriptionLag); append→consumer = from the append returning to a kafkajs consumer receiving it.');
  await consumer.disconnect();
  await relay.stop();
  await broker.stop();
  await db.close();
}

main().catch((error) => {
  console.error(`bench failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
