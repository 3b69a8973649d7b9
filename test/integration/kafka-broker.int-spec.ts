import { Socket } from 'node:net';
import { Admin, Consumer, ConsumerConfig, IHeaders, Kafka, KafkaConfig, logLevel, Producer } from 'kafkajs';
import { KafkaTestBroker } from '../support/kafka-broker';

/**
 * Drives the Kafka test broker with real kafkajs clients over TCP only; the broker's introspection
 * helpers are used to check what was stored, never to feed it.
 */

interface Received {
  readonly consumer: string;
  readonly partition: number;
  readonly offset: number;
  readonly key: string | null;
  readonly value: string;
  readonly headers: Record<string, string>;
  readonly receivedAt: number;
}

const FAST_RETRY = { initialRetryTime: 50, maxRetryTime: 500, retries: 8 };
/** Short but legal group timings; the broker is told to accept 1 s sessions. */
const GROUP_TIMING: Partial<ConsumerConfig> = {
  sessionTimeout: 6_000,
  rebalanceTimeout: 6_000,
  heartbeatInterval: 200,
  maxWaitTimeInMs: 200,
};

let broker: KafkaTestBroker;
const clients: { disconnect(): Promise<void> }[] = [];

beforeEach(async () => {
  broker = new KafkaTestBroker({ minSessionTimeoutMs: 1_000 });
  await broker.start();
});

afterEach(async () => {
  // Clients first, so consumers leave their groups cleanly before the broker goes away.
  await Promise.all(clients.splice(0).map((client) => client.disconnect().catch(() => undefined)));
  await broker.stop();
});

function kafka(clientId: string, extra: Partial<KafkaConfig> = {}): Kafka {
  return new Kafka({
    clientId,
    brokers: broker.brokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1_000,
    retry: FAST_RETRY,
    ...extra,
  });
}

async function connectedAdmin(): Promise<Admin> {
  const admin = kafka('test-admin').admin();
  await admin.connect();
  clients.push(admin);
  return admin;
}

async function idempotentProducer(clientId = 'test-producer'): Promise<Producer> {
  const producer = kafka(clientId).producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  clients.push(producer);
  return producer;
}

/** Starts a consumer that appends every message it sees to `sink`. */
async function runConsumer(
  name: string,
  groupId: string,
  topic: string,
  sink: Received[],
  options: { kafka?: Kafka; config?: Partial<ConsumerConfig>; onAssignment?: (partitions: number[]) => void } = {},
): Promise<Consumer> {
  const consumer = (options.kafka ?? kafka(name)).consumer({ groupId, ...GROUP_TIMING, ...options.config });
  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
    options.onAssignment?.([...(payload.memberAssignment[topic] ?? [])].sort((a, b) => a - b));
  });
  await consumer.connect();
  clients.push(consumer);
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      sink.push({
        consumer: name,
        partition,
        offset: Number(message.offset),
        key: message.key?.toString() ?? null,
        value: message.value?.toString() ?? '',
        headers: headersToStrings(message.headers),
        receivedAt: Date.now(),
      });
    },
  });
  return consumer;
}

function headersToStrings(headers: IHeaders | undefined): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(headers ?? {})) {
    result[key] = Array.isArray(value) ? value.map(String).join(',') : String(value);
  }
  return result;
}

async function waitFor(description: string, condition: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${description}`);
    }
    await sleep(20);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function values(received: readonly Received[]): string[] {
  return received.map((r) => r.value);
}

describe('Kafka test broker with kafkajs', () => {
  it('delivers idempotently produced messages with keys and headers, in key order per partition', async () => {
    const admin = await connectedAdmin();
    expect(await admin.createTopics({ topics: [{ topic: 'payments', numPartitions: 3 }] })).toBe(true);
    // Kafka answers TOPIC_ALREADY_EXISTS, which kafkajs turns into `false`.
    expect(await admin.createTopics({ topics: [{ topic: 'payments', numPartitions: 3 }] })).toBe(false);

    const producer = await idempotentProducer();
    const keys = ['acct-1', 'acct-2', 'acct-3', 'acct-4', 'acct-5'];
    const sent = Array.from({ length: 40 }, (_, i) => ({
      key: keys[i % keys.length],
      value: `${keys[i % keys.length]}#${Math.floor(i / keys.length)}`,
      headers: { 'trace-id': `trace-${i}`, 'content-type': 'application/json' },
    }));
    for (let i = 0; i < sent.length; i += 8) {
      await producer.send({ topic: 'payments', acks: -1, messages: sent.slice(i, i + 8) });
    }

    const received: Received[] = [];
    await runConsumer('reader', 'payments-readers', 'payments', received);
    await waitFor('all 40 messages', () => received.length >= sent.length);

    expect(values(received).sort()).toEqual(sent.map((s) => s.value).sort());
    for (const message of received) {
      const original = sent.find((s) => s.value === message.value);
      expect(message.key).toBe(original?.key);
      expect(message.headers).toEqual(original?.headers);
    }
    for (const key of keys) {
      const ofKey = received.filter((r) => r.key === key);
      expect(new Set(ofKey.map((r) => r.partition)).size).toBe(1);
      expect(ofKey.map((r) => r.value)).toEqual(sent.filter((s) => s.key === key).map((s) => s.value));
      expect(ofKey.map((r) => r.offset)).toEqual([...ofKey.map((r) => r.offset)].sort((a, b) => a - b));
    }
    expect(broker.messages('payments')).toHaveLength(sent.length);
    expect(broker.messages('payments')[0].headers.map((h) => h.key)).toEqual(['trace-id', 'content-type']);
  });

  it('splits partitions when a second member joins and hands them back when it leaves, losing nothing', async () => {
    const admin = await connectedAdmin();
    await admin.createTopics({ topics: [{ topic: 'ledger', numPartitions: 4 }] });
    const producer = await idempotentProducer();
    const produced: string[] = [];
    let producing = true;
    const producerLoop = (async () => {
      for (let i = 0; producing; i += 1) {
        const value = `entry-${i}`;
        await producer.send({ topic: 'ledger', acks: -1, messages: [{ key: `k${i}`, value, partition: i % 4 }] });
        produced.push(value);
        await sleep(10);
      }
    })();

    const received: Received[] = [];
    let firstAssignment: number[] = [];
    let secondAssignment: number[] = [];
    try {
      await runConsumer('first', 'ledger-readers', 'ledger', received, {
        onAssignment: (partitions) => (firstAssignment = partitions),
      });
      await waitFor('the first member to own every partition', () => firstAssignment.length === 4);
      await waitFor('the first member to consume', () => received.length >= 10);

      const second = await runConsumer('second', 'ledger-readers', 'ledger', received, {
        onAssignment: (partitions) => (secondAssignment = partitions),
      });
      await waitFor('a split assignment', () => secondAssignment.length === 2 && firstAssignment.length === 2);
      expect([...firstAssignment, ...secondAssignment].sort((a, b) => a - b)).toEqual([0, 1, 2, 3]);
      await waitFor('both members to consume', () => received.some((r) => r.consumer === 'second'));

      await second.disconnect();
      await waitFor('the first member to take every partition back', () => firstAssignment.length === 4);
      const producedAtHandover = produced.length;
      await waitFor('more traffic after the handover', () => produced.length >= producedAtHandover + 10);
    } finally {
      producing = false;
      await producerLoop;
    }

    await waitFor('every produced message', () => produced.every((v) => values(received).includes(v)));
    const last = produced[produced.length - 1];
    expect(received.filter((r) => r.value === last).map((r) => r.consumer)).toEqual(['first']);
    const partitionsReadByFirst = new Set(received.filter((r) => r.consumer === 'first').map((r) => r.partition));
    expect(partitionsReadByFirst).toEqual(new Set([0, 1, 2, 3]));
  });

  it('evicts a member that stops heartbeating and reassigns its partitions', async () => {
    const admin = await connectedAdmin();
    await admin.createTopics({ topics: [{ topic: 'refunds', numPartitions: 2 }] });
    const received: Received[] = [];
    let survivorAssignment: number[] = [];
    let victimAssignment: number[] = [];
    await runConsumer('survivor', 'refund-readers', 'refunds', received, {
      onAssignment: (partitions) => (survivorAssignment = partitions),
    });
    await waitFor('the survivor to own both partitions', () => survivorAssignment.length === 2);

    // The victim's sockets can be cut from the client side, and it cannot reconnect afterwards:
    // to the broker it looks like a consumer process that died without sending LeaveGroup.
    const victimSockets: Socket[] = [];
    let crashed = false;
    const victimKafka = kafka('victim', {
      socketFactory: ({ host, port, onConnect }) => {
        const socket = new Socket();
        if (crashed) {
          setImmediate(() => socket.destroy(new Error('simulated crash')));
          return socket;
        }
        victimSockets.push(socket);
        return socket.connect({ host, port }, onConnect);
      },
    });
    await runConsumer('victim', 'refund-readers', 'refunds', received, {
      kafka: victimKafka,
      config: { sessionTimeout: 1_000, retry: { retries: 0, restartOnFailure: async () => false } },
      onAssignment: (partitions) => (victimAssignment = partitions),
    });
    await waitFor('one partition each', () => victimAssignment.length === 1 && survivorAssignment.length === 1);

    crashed = true;
    victimSockets.forEach((socket) => socket.destroy(new Error('simulated crash')));
    const memberCount = (): number | undefined => broker.describeGroup('refund-readers')?.members.length;
    await waitFor('the group to drop the silent member', () => memberCount() === 1);
    await waitFor('the survivor to own both partitions again', () => survivorAssignment.length === 2, 10_000);

    const producer = await idempotentProducer();
    await producer.send({
      topic: 'refunds',
      acks: -1,
      messages: [
        { value: 'after-crash-0', partition: 0 },
        { value: 'after-crash-1', partition: 1 },
      ],
    });
    await waitFor('messages on both partitions', () =>
      ['after-crash-0', 'after-crash-1'].every((v) => received.some((r) => r.value === v && r.consumer === 'survivor')),
    );
  });

  it('resumes from committed offsets, for a new member and across a broker restart', async () => {
    const admin = await connectedAdmin();
    await admin.createTopics({ topics: [{ topic: 'settlements', numPartitions: 1 }] });
    const producer = await idempotentProducer();
    const send = (from: number, count: number): Promise<unknown> =>
      producer.send({
        topic: 'settlements',
        acks: -1,
        messages: Array.from({ length: count }, (_, i) => ({ key: 's', value: `settlement-${from + i}` })),
      });

    await send(0, 10);
    const firstRun: Received[] = [];
    const first = await runConsumer('first-run', 'settlers', 'settlements', firstRun);
    await waitFor('the first ten', () => firstRun.length === 10);
    await first.disconnect();
    expect(broker.committedOffsets('settlers')).toEqual([expect.objectContaining({ partition: 0, offset: 10 })]);

    await send(10, 10);
    const secondRun: Received[] = [];
    await runConsumer('second-run', 'settlers', 'settlements', secondRun);
    await waitFor('the next ten', () => secondRun.length >= 10);
    await waitFor('the commit of the next ten', () => broker.committedOffsets('settlers')[0]?.offset === 20);
    expect(secondRun.map((r) => r.offset)).toEqual(Array.from({ length: 10 }, (_, i) => 10 + i));

    await broker.restart();
    expect(broker.messages('settlements')).toHaveLength(20);
    expect(broker.committedOffsets('settlers')).toEqual([expect.objectContaining({ offset: 20 })]);

    // The producer and the still-running consumer were connected before the restart.
    await send(20, 5);
    await waitFor('messages produced after the restart', () => secondRun.length >= 15);
    await sleep(300);
    expect(secondRun.map((r) => r.offset)).toEqual(Array.from({ length: 15 }, (_, i) => 10 + i));
    await waitFor('the commit after the restart', () => broker.committedOffsets('settlers')[0]?.offset === 25);
    expect(broker.messages('settlements')).toHaveLength(25);
  });

  it('does not store a batch twice when an idempotent producer retries after a restart ate the ack', async () => {
    const admin = await connectedAdmin();
    await admin.createTopics({ topics: [{ topic: 'captures', numPartitions: 1 }] });
    const producer = await idempotentProducer('idempotent');
    await producer.send({ topic: 'captures', acks: -1, messages: [{ value: 'capture-0' }] });

    const restarted = broker.failNextResponse('Produce', 'restart');
    const [result] = await producer.send({
      topic: 'captures',
      acks: -1,
      messages: [{ value: 'capture-1' }, { value: 'capture-2' }],
    });
    await restarted;
    expect(result.baseOffset).toBe('1');
    await producer.send({ topic: 'captures', acks: -1, messages: [{ value: 'capture-3' }] });
    expect(broker.messages('captures').map((m) => m.value?.toString())).toEqual([
      'capture-0',
      'capture-1',
      'capture-2',
      'capture-3',
    ]);

    // Control: the same lost ack makes a plain producer store its batch twice.
    const plain = kafka('plain').producer({ retry: FAST_RETRY });
    await plain.connect();
    clients.push(plain);
    const restartedAgain = broker.failNextResponse('Produce', 'restart');
    await plain.send({ topic: 'captures', acks: -1, messages: [{ value: 'plain-0' }] });
    await restartedAgain;
    expect(broker.messages('captures').filter((m) => m.value?.toString() === 'plain-0')).toHaveLength(2);
  });

  it('parks a fetch on an empty topic until a message arrives instead of polling', async () => {
    const admin = await connectedAdmin();
    await admin.createTopics({ topics: [{ topic: 'webhooks', numPartitions: 1 }] });
    const received: Received[] = [];
    let fetches = 0;
    let assigned: number[] = [];
    const consumer = await runConsumer('waiter', 'webhook-readers', 'webhooks', received, {
      config: { maxWaitTimeInMs: 5_000 },
      onAssignment: (partitions) => (assigned = partitions),
    });
    consumer.on(consumer.events.REQUEST, ({ payload }) => {
      if (payload.apiName === 'Fetch') {
        fetches += 1;
      }
    });
    await waitFor('the assignment', () => assigned.length === 1);

    await sleep(1_500);
    // A busy loop would have completed dozens of fetches; a parked one completes none or one.
    expect(fetches).toBeLessThanOrEqual(1);

    const producer = await idempotentProducer();
    const sentAt = Date.now();
    await producer.send({ topic: 'webhooks', acks: -1, messages: [{ value: 'hook-1' }] });
    await waitFor('the message', () => received.length === 1, 4_500);
    // Well before the 5 s max wait: the append woke the parked fetch.
    expect(received[0].receivedAt - sentAt).toBeLessThan(2_000);
    expect(received[0].value).toBe('hook-1');
  });
});
