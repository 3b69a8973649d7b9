import type { RecordedEvent, SubscriptionHandler } from '@payledger/event-store';
import { PublicMessage, toPublicMessage } from './public-message.mapper';

/** The subscription's name: its checkpoint row, its advisory lock, its line in /health. */
export const RELAY_SUBSCRIPTION_NAME = 'kafka-relay';

/**
 * Events per batch read from the store. Larger batches amortise the commit-order read (one sorted scan
 * per batch) and the broker round trip; the byte bound below keeps each produce request modest.
 */
export const RELAY_BATCH_SIZE_MAX = 1000;
/** Bytes (keys, values, headers) per produce request, well under Kafka's default 1 MiB message.max.bytes per partition batch. */
export const RELAY_CHUNK_BYTES_MAX = 512 * 1024;

/** Something that produces messages and resolves only once the broker acknowledged every one of them (acks=all). */
export interface RelayProducer {
  send(messages: readonly PublicMessage[]): Promise<void>;
  close(): Promise<void>;
}
export type RelayProducerFactory = () => Promise<RelayProducer>;

export interface KafkaRelaySubscriberOptions {
  batchSizeMax?: number;
  chunkBytesMax?: number;
  log?: (level: 'info' | 'warn', message: string) => void;
}

/**
 * The Kafka relay as an event-store subscriber: at-least-once, so the runner moves the checkpoint only
 * after `handle` returned, i.e. after the broker acknowledged the whole batch.
 *
 * After any failed send the producer is thrown away and the next attempt gets a fresh one (a new
 * producer id). Reusing it would be unsafe: kafkajs rewinds its sequence numbers when a send fails,
 * yet the broker may have stored that send (acknowledgement lost); the next, different batch would then
 * reuse those sequence numbers and the broker would answer it as a duplicate of the stored one,
 * silently dropping it. With a fresh producer the worst case is a repeated batch, which consumers
 * absorb by deduplicating on `ce_id`.
 */
export class KafkaRelaySubscriber implements SubscriptionHandler {
  readonly name = RELAY_SUBSCRIPTION_NAME;
  readonly mode = 'at-least-once' as const;
  readonly batchSizeMax: number;
  private readonly chunkBytesMax: number;
  private readonly log: (level: 'info' | 'warn', message: string) => void;
  private producer: RelayProducer | undefined;
  private closed = false;
  private published = 0;

  constructor(
    private readonly createProducer: RelayProducerFactory,
    options: KafkaRelaySubscriberOptions = {},
  ) {
    this.batchSizeMax = options.batchSizeMax ?? RELAY_BATCH_SIZE_MAX;
    this.chunkBytesMax = options.chunkBytesMax ?? RELAY_CHUNK_BYTES_MAX;
    this.log = options.log ?? (() => undefined);
  }

  /** Messages acknowledged by the broker since this instance started (repeats included). */
  get messagesPublished(): number {
    return this.published;
  }

  async handle(events: readonly RecordedEvent[]): Promise<void> {
    const messages = events.map((event) => {
      const mapped = toPublicMessage(event);
      if (mapped.fallbackReason) this.log('warn', `published ${event.eventId} as the generic envelope: ${mapped.fallbackReason}`);
      return mapped.message;
    });
    const producer = await this.connectedProducer();
    try {
      for (const chunk of chunkByBytes(messages, this.chunkBytesMax)) {
        await producer.send(chunk);
        this.published += chunk.length;
      }
    } catch (error) {
      if (this.producer === producer) this.producer = undefined;
      await producer.close().catch(() => undefined);
      throw error;
    }
  }

  /** Stops producing: an in-flight send fails (its batch is repeated by the next active instance). */
  async close(): Promise<void> {
    this.closed = true;
    const producer = this.producer;
    this.producer = undefined;
    await producer?.close();
  }

  private async connectedProducer(): Promise<RelayProducer> {
    if (this.closed) throw new Error('the Kafka relay is shutting down');
    if (this.producer) return this.producer;
    const producer = await this.createProducer();
    if (this.closed) {
      await producer.close().catch(() => undefined);
      throw new Error('the Kafka relay is shutting down');
    }
    this.producer = producer;
    return producer;
  }
}

export function messageBytes(message: PublicMessage): number {
  let bytes = Buffer.byteLength(message.key) + Buffer.byteLength(message.value);
  for (const [name, value] of Object.entries(message.headers)) bytes += Buffer.byteLength(name) + Buffer.byteLength(value);
  return bytes;
}

/** Consecutive runs of messages of at most `bytesMax` (a single larger message makes a run of its own), order kept. */
export function chunkByBytes(messages: readonly PublicMessage[], bytesMax: number): PublicMessage[][] {
  const chunks: PublicMessage[][] = [];
  let current: PublicMessage[] = [];
  let currentBytes = 0;
  for (const message of messages) {
    const bytes = messageBytes(message);
    if (current.length > 0 && currentBytes + bytes > bytesMax) {
      chunks.push(current);
      current = [];
      currentBytes = 0;
    }
    current.push(message);
    currentBytes += bytes;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}
