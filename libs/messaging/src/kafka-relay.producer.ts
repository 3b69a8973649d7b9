import { Admin, Kafka, logCreator, logLevel, Partitioners, Producer, RetryOptions } from 'kafkajs';
import { PublicMessage } from './public-message.mapper';
import { RelayProducer, RelayProducerFactory } from './kafka-relay.subscriber';
import { ALL_TOPICS } from './topic.map';

export interface KafkaConnectionOptions {
  brokers: readonly string[];
  clientId: string;
  connectionTimeoutMs?: number;
  requestTimeoutMs?: number;
  /** kafkajs retries inside one send; past them the send fails and the subscription runner backs off. */
  retry?: RetryOptions;
  log?: (level: 'info' | 'warn', message: string) => void;
}

export interface KafkaRelayProducerOptions extends KafkaConnectionOptions {
  /** Partitions of a topic the relay has to create (KAFKA_TOPIC_PARTITIONS); existing topics are left alone. */
  topicPartitions: number;
}

const CONNECTION_TIMEOUT_MS_DEFAULT = 3_000;
const REQUEST_TIMEOUT_MS_DEFAULT = 15_000;
/**
 * Bounded on purpose (kafkajs' idempotent default is unbounded): a send that can never succeed must
 * fail, so the runner records the error (/health shows it), backs off, and shutdown is not held hostage.
 */
const RETRY_DEFAULT: RetryOptions = { initialRetryTime: 200, maxRetryTime: 5_000, retries: 6 };
/** kafkajs' warning for exactly that choice; the relay replaces the producer after a failure instead (see KafkaRelaySubscriber). */
const BOUNDED_RETRY_WARNING = 'Limiting retries for the idempotent producer';

/** kafkajs log lines into ours: errors and warnings only (its info level narrates every connect). */
export function kafkaLogCreator(log: (level: 'info' | 'warn', message: string) => void): logCreator {
  return () => (entry) => {
    if (entry.level > logLevel.WARN) return;
    const message = entry.log.message;
    if (message.includes(BOUNDED_RETRY_WARNING)) return;
    log('warn', `kafkajs ${entry.namespace}: ${message}`);
  };
}

export function createKafka(options: KafkaConnectionOptions): Kafka {
  return new Kafka({
    clientId: options.clientId,
    brokers: [...options.brokers],
    connectionTimeout: options.connectionTimeoutMs ?? CONNECTION_TIMEOUT_MS_DEFAULT,
    requestTimeout: options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS_DEFAULT,
    retry: options.retry ?? RETRY_DEFAULT,
    logLevel: logLevel.WARN,
    logCreator: kafkaLogCreator(options.log ?? (() => undefined)),
  });
}

/** Creates the relay's topics that do not exist yet (docker-compose creates them up front; a bare broker may not). */
export async function ensureTopics(admin: Admin, partitions: number): Promise<string[]> {
  const existing = new Set(await admin.listTopics());
  const missing = ALL_TOPICS.filter((topic) => !existing.has(topic));
  if (missing.length === 0) return [];
  await admin.createTopics({ waitForLeaders: true, topics: missing.map((topic) => ({ topic, numPartitions: partitions })) });
  return missing;
}

/**
 * Idempotent producer, acks=all, one request in flight (so a retried request cannot overtake the next
 * one and reorder a partition), the Java client's partitioner (same key → same partition as any other
 * Kafka client would choose). Topics are checked once per factory, before the first producer.
 */
export function createKafkaRelayProducerFactory(options: KafkaRelayProducerOptions): RelayProducerFactory {
  const kafka = createKafka(options);
  let topicsReady = false;
  return async () => {
    if (!topicsReady) {
      const admin = kafka.admin();
      try {
        await admin.connect();
        const created = await ensureTopics(admin, options.topicPartitions);
        if (created.length > 0) options.log?.('info', `created topics ${created.join(', ')} with ${options.topicPartitions} partitions`);
        topicsReady = true;
      } finally {
        await admin.disconnect().catch(() => undefined);
      }
    }
    const producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
      retry: options.retry ?? RETRY_DEFAULT,
    });
    try {
      await producer.connect();
    } catch (error) {
      await producer.disconnect().catch(() => undefined);
      throw error;
    }
    return new KafkajsRelayProducer(producer, options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS_DEFAULT);
  };
}

class KafkajsRelayProducer implements RelayProducer {
  private closed = false;
  private readonly closing: Promise<never>;
  private abort: (error: Error) => void = () => undefined;

  constructor(
    private readonly producer: Producer,
    private readonly ackTimeoutMs: number,
  ) {
    this.closing = new Promise<never>((_resolve, reject) => (this.abort = reject));
    this.closing.catch(() => undefined);
  }

  async send(messages: readonly PublicMessage[]): Promise<void> {
    if (this.closed) throw new Error('the relay producer is closed');
    const byTopic = new Map<string, Array<{ key: string; value: string; headers: Record<string, string> }>>();
    for (const message of messages) {
      const list = byTopic.get(message.topic) ?? [];
      list.push({ key: message.key, value: message.value, headers: message.headers });
      byTopic.set(message.topic, list);
    }
    const sending = this.producer.sendBatch({
      acks: -1,
      timeout: this.ackTimeoutMs,
      topicMessages: [...byTopic].map(([topic, topicMessages]) => ({ topic, messages: topicMessages })),
    });
    // kafkajs keeps retrying (and reconnecting) inside a send even after disconnect(); once an abandoned
    // send settles, disconnect again so no connection it reopened outlives the producer.
    const disconnectIfClosed = (): void => {
      if (this.closed) this.producer.disconnect().catch(() => undefined);
    };
    sending.then(disconnectIfClosed, disconnectIfClosed);
    await Promise.race([sending, this.closing]);
  }

  /** Fails an in-flight send at once: shutdown must not wait out kafkajs' retries. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.abort(new Error('the relay producer was closed during a send; the batch will be repeated'));
    await this.producer.disconnect();
  }
}
