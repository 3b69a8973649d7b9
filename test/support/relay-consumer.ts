import { Consumer, IHeaders, Kafka, logLevel } from 'kafkajs';
import { ALL_TOPICS } from '@payledger/messaging';

/**
 * A stand-in for a downstream service: a real kafkajs consumer group on every payledger topic, keeping
 * each message it sees (duplicates included) in the order it saw them.
 */
export interface ConsumedMessage {
  consumer: string;
  topic: string;
  partition: number;
  offset: number;
  key: string;
  headers: Record<string, string>;
  payload: Record<string, unknown>;
}

export class RelayConsumerGroup {
  readonly received: ConsumedMessage[] = [];
  private readonly consumers: Consumer[] = [];

  constructor(
    private readonly brokers: string[],
    readonly groupId: string,
  ) {}

  /** Adds one member to the group and waits until it has joined. */
  async addMember(name = `member-${this.consumers.length + 1}`): Promise<void> {
    const kafka = new Kafka({ clientId: name, brokers: this.brokers, logLevel: logLevel.NOTHING, connectionTimeout: 1_000, retry: { initialRetryTime: 50, maxRetryTime: 500, retries: 30 } });
    const consumer = kafka.consumer({ groupId: this.groupId, sessionTimeout: 6_000, rebalanceTimeout: 6_000, heartbeatInterval: 200, maxWaitTimeInMs: 100 });
    let joined: () => void = () => undefined;
    const hasJoined = new Promise<void>((resolve) => (joined = resolve));
    consumer.on(consumer.events.GROUP_JOIN, () => joined());
    await consumer.connect();
    this.consumers.push(consumer);
    await consumer.subscribe({ topics: [...ALL_TOPICS], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ topic, partition, message }) => {
        this.received.push({
          consumer: name,
          topic,
          partition,
          offset: Number(message.offset),
          key: message.key?.toString() ?? '',
          headers: headerStrings(message.headers),
          payload: JSON.parse(message.value?.toString() ?? 'null'),
        });
      },
    });
    await hasJoined;
  }

  /** First sighting of each event id, in the order seen. */
  unique(): ConsumedMessage[] {
    const seen = new Set<string>();
    return this.received.filter((m) => {
      if (seen.has(m.headers.ce_id)) return false;
      seen.add(m.headers.ce_id);
      return true;
    });
  }

  async waitForEventIds(eventIds: Iterable<string>, timeoutMs = 20_000): Promise<void> {
    const wanted = new Set(eventIds);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const seen = new Set(this.received.map((m) => m.headers.ce_id));
      const missing = [...wanted].filter((id) => !seen.has(id));
      if (missing.length === 0) return;
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${missing.length} of ${wanted.size} events not consumed`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  async stop(): Promise<void> {
    await Promise.all(this.consumers.splice(0).map((c) => c.disconnect().catch(() => undefined)));
  }
}

function headerStrings(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) out[name] = Array.isArray(value) ? value.map(String).join(',') : String(value);
  return out;
}

/**
 * Per-stream order as a consumer can rely on it: within each topic, the first sightings of one key come
 * in ascending `stream-version`; across topics, the stream versions of a stream are exactly 1..n.
 * Returns what is wrong (empty when nothing is).
 */
export function orderProblems(received: readonly ConsumedMessage[], expectedVersions: ReadonlyMap<string, number>): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  const lastByTopicKey = new Map<string, number>();
  const versionsByStream = new Map<string, number[]>();
  for (const message of received) {
    if (seen.has(message.headers.ce_id)) continue;
    seen.add(message.headers.ce_id);
    const version = Number(message.headers['stream-version']);
    const topicKey = `${message.topic}|${message.key}`;
    const last = lastByTopicKey.get(topicKey) ?? 0;
    if (version <= last) problems.push(`${topicKey}: version ${version} after ${last}`);
    lastByTopicKey.set(topicKey, version);
    versionsByStream.set(message.key, [...(versionsByStream.get(message.key) ?? []), version]);
  }
  for (const [streamId, count] of expectedVersions) {
    const versions = (versionsByStream.get(streamId) ?? []).sort((a, b) => a - b);
    const expected = Array.from({ length: count }, (_, i) => i + 1);
    if (versions.join(',') !== expected.join(',')) problems.push(`${streamId}: versions ${versions.join(',')} instead of 1..${count}`);
  }
  return problems;
}
