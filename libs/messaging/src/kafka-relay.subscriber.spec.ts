import { RecordedEvent } from '@payledger/event-store';
import { chunkByBytes, KafkaRelaySubscriber, messageBytes, RelayProducer } from './kafka-relay.subscriber';
import { PublicMessage } from './public-message.mapper';

function event(streamId: string, streamVersion: number, position: number, data: Record<string, unknown> = {}): RecordedEvent {
  return {
    position: BigInt(position),
    transactionId: BigInt(position),
    streamId,
    streamVersion,
    eventId: `00000000-0000-4000-8000-${String(position).padStart(12, '0')}`,
    type: 'SomethingHappened',
    schemaVersion: 1,
    data,
    metadata: {},
    occurredAt: new Date('2026-03-01T09:00:00.000Z'),
    recordedAt: new Date('2026-03-01T09:00:00.000Z'),
  };
}

class FakeProducer implements RelayProducer {
  readonly sent: PublicMessage[][] = [];
  closed = false;
  constructor(private readonly failOnSend: number | undefined = undefined) {}
  async send(messages: readonly PublicMessage[]): Promise<void> {
    if (this.failOnSend === this.sent.length) throw new Error('broker went away');
    this.sent.push([...messages]);
  }
  async close(): Promise<void> {
    this.closed = true;
  }
}

describe('Kafka relay subscriber', () => {
  it('sends a batch in order, one producer for many batches', async () => {
    const producers: FakeProducer[] = [];
    const relay = new KafkaRelaySubscriber(async () => {
      producers.push(new FakeProducer());
      return producers[producers.length - 1];
    });
    await relay.handle([event('payment-a', 1, 1), event('payment-b', 1, 2), event('payment-a', 2, 3)]);
    await relay.handle([event('payment-a', 3, 4)]);
    expect(producers).toHaveLength(1);
    expect(producers[0].sent.flat().map((m) => `${m.key}#${m.headers['stream-version']}`)).toEqual(['payment-a#1', 'payment-b#1', 'payment-a#2', 'payment-a#3']);
    expect(relay.messagesPublished).toBe(4);
    expect(relay.mode).toBe('at-least-once');
  });

  it('throws the failed send (so the checkpoint stays) and uses a fresh producer for the retry', async () => {
    const producers = [new FakeProducer(0), new FakeProducer()];
    let created = 0;
    const relay = new KafkaRelaySubscriber(async () => producers[created++]);
    const batch = [event('payment-a', 1, 1)];
    await expect(relay.handle(batch)).rejects.toThrow('broker went away');
    expect(producers[0].closed).toBe(true);
    await relay.handle(batch);
    expect(created).toBe(2);
    expect(producers[1].sent.flat().map((m) => m.headers.ce_id)).toEqual([batch[0].eventId]);
  });

  it('splits a batch into produce requests bounded by bytes, keeping order', async () => {
    const producer = new FakeProducer();
    const big = 'x'.repeat(400);
    const relay = new KafkaRelaySubscriber(async () => producer, { chunkBytesMax: 2_000 });
    const events = Array.from({ length: 10 }, (_, i) => event('payment-a', i + 1, i + 1, { note: big }));
    await relay.handle(events);
    expect(producer.sent.length).toBeGreaterThan(1);
    for (const chunk of producer.sent) expect(chunk.length === 1 || chunk.reduce((n, m) => n + messageBytes(m), 0) <= 2_000).toBe(true);
    expect(producer.sent.flat().map((m) => m.headers['stream-version'])).toEqual(events.map((e) => String(e.streamVersion)));
  });

  it('puts a single message larger than the bound in a request of its own', () => {
    const message = (value: string): PublicMessage => ({ topic: 'payledger.payments.v1', key: 'k', value, headers: {} });
    expect(chunkByBytes([message('a'), message('b'.repeat(50)), message('c')], 10).map((c) => c.map((m) => m.value[0]))).toEqual([['a'], ['b'], ['c']]);
  });

  it('refuses to produce once closed, and closes its producer', async () => {
    const producer = new FakeProducer();
    const relay = new KafkaRelaySubscriber(async () => producer);
    await relay.handle([event('payment-a', 1, 1)]);
    await relay.close();
    expect(producer.closed).toBe(true);
    await expect(relay.handle([event('payment-a', 2, 2)])).rejects.toThrow(/shutting down/);
  });
});
