import type { OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { Pool } from 'pg';
import type { AppConfig } from '@payledger/config';
import { PostgresEventStore, SubscriptionOptions, SubscriptionRunner, SubscriptionStatus } from '@payledger/event-store';
import { KafkaConnectionOptions, createKafkaRelayProducerFactory } from './kafka-relay.producer';
import { KafkaRelaySubscriber, RELAY_SUBSCRIPTION_NAME, RelayProducerFactory } from './kafka-relay.subscriber';

export type RelayLog = (level: 'info' | 'warn', message: string) => void;

export interface KafkaRelayServiceOptions {
  kafka: AppConfig['kafka'];
  pool: Pool;
  store: PostgresEventStore;
  log?: RelayLog;
  /** Runner timings (poll, standby retry, error backoff ceiling). */
  subscription?: Omit<SubscriptionOptions, 'log'>;
  /** kafkajs timeouts and retries (tests shorten them). */
  connection?: Pick<KafkaConnectionOptions, 'connectionTimeoutMs' | 'requestTimeoutMs' | 'retry'>;
  batchSizeMax?: number;
  /** Replaces the kafkajs producer (benchmarks of the store side, tests of failure paths). */
  createProducer?: RelayProducerFactory;
}

export interface KafkaRelayStatus {
  mode: 'idle' | 'running' | 'stopped';
  subscription?: SubscriptionStatus;
  messagesPublished: number;
}

/** How often stop() repeats its wake-up call while the runner loop winds down (see stop()). */
const STOP_NUDGE_INTERVAL_MS = 50;

/**
 * Runs the relay subscription in this process: one active instance across all workers (advisory lock),
 * the others stand by. With no KAFKA_BROKERS it stays idle, says so once, and registers its checkpoint
 * so `/health` and `GET /v1/ops/subscriptions` show the lag growing: the store is the outbox, nothing is lost.
 */
export class KafkaRelayService implements OnModuleInit, OnModuleDestroy {
  private runner: SubscriptionRunner | undefined;
  private subscriber: KafkaRelaySubscriber | undefined;
  private mode: KafkaRelayStatus['mode'] = 'stopped';
  private readonly log: RelayLog;

  constructor(private readonly options: KafkaRelayServiceOptions) {
    this.log = options.log ?? (() => undefined);
  }

  async onModuleInit(): Promise<void> {
    await this.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.stop();
  }

  async start(): Promise<KafkaRelayStatus['mode']> {
    if (this.mode !== 'stopped') return this.mode;
    const { kafka, pool, store } = this.options;
    if (kafka.brokers.length === 0 && !this.options.createProducer) {
      this.mode = 'idle';
      this.log('info', 'Kafka relay idle: KAFKA_BROKERS is not set; events wait in the store and its lag grows until a broker is configured');
      await pool
        .query(`INSERT INTO subscription_checkpoints (name) VALUES ($1) ON CONFLICT (name) DO NOTHING`, [RELAY_SUBSCRIPTION_NAME])
        .catch((error: unknown) => this.log('warn', `could not register the relay checkpoint: ${error instanceof Error ? error.message : String(error)}`));
      return this.mode;
    }
    const createProducer =
      this.options.createProducer ??
      createKafkaRelayProducerFactory({ brokers: kafka.brokers, clientId: kafka.clientId, topicPartitions: kafka.topicPartitions, log: this.log, ...this.options.connection });
    this.subscriber = new KafkaRelaySubscriber(createProducer, { batchSizeMax: this.options.batchSizeMax, log: this.log });
    this.runner = new SubscriptionRunner(pool, store, this.subscriber, {
      ...this.options.subscription,
      // The runner has one log channel; its failure lines ("… failed: …; retrying in …") are warnings here.
      log: (line) => this.log(line.includes(' failed: ') ? 'warn' : 'info', line),
    });
    this.runner.start();
    this.mode = 'running';
    this.log('info', `Kafka relay started for ${kafka.brokers.join(',') || 'a custom producer'}`);
    return this.mode;
  }

  /**
   * Closing the producer first fails an in-flight send at once (that batch is repeated later, which
   * at-least-once allows). The runner may then enter its error backoff after stop()'s single wake-up
   * call has passed, so the call is repeated until the loop has ended.
   */
  async stop(): Promise<void> {
    if (this.mode === 'stopped') return;
    const runner = this.runner;
    const subscriber = this.subscriber;
    this.mode = 'stopped';
    if (!runner || !subscriber) return;
    const stopped = runner.stop();
    const nudge = setInterval(() => void runner.stop(), STOP_NUDGE_INTERVAL_MS);
    try {
      await subscriber.close().catch(() => undefined);
      await stopped;
    } finally {
      clearInterval(nudge);
    }
    this.runner = undefined;
    this.subscriber = undefined;
  }

  status(): KafkaRelayStatus {
    return { mode: this.mode, subscription: this.runner?.status(), messagesPublished: this.subscriber?.messagesPublished ?? 0 };
  }
}
