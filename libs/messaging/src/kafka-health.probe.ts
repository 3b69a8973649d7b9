import { Kafka } from 'kafkajs';
import { createKafka, KafkaConnectionOptions } from './kafka-relay.producer';

export interface KafkaHealth {
  status: 'up' | 'down' | 'not_configured';
  brokers: string[];
  latencyMs?: number;
  error?: string;
  checkedAt: string;
}

export interface KafkaHealthProbeOptions extends Omit<KafkaConnectionOptions, 'retry'> {
  /** How long an answer is reused: /health may be polled every second by several monitors. */
  cacheMs?: number;
  /** The whole check (connect + cluster metadata) gives up after this. */
  timeoutMs?: number;
  now?: () => Date;
}

const CACHE_MS_DEFAULT = 5_000;
const TIMEOUT_MS_DEFAULT = 3_000;

/** Can the api reach Kafka right now? One admin connection per check, single-flight, answers cached. */
export class KafkaHealthProbe {
  private readonly kafka: Kafka | undefined;
  private readonly cacheMs: number;
  private readonly timeoutMs: number;
  private readonly now: () => Date;
  private cached: { health: KafkaHealth; at: number } | undefined;
  private inFlight: Promise<KafkaHealth> | undefined;

  constructor(private readonly options: KafkaHealthProbeOptions) {
    this.cacheMs = options.cacheMs ?? CACHE_MS_DEFAULT;
    this.timeoutMs = options.timeoutMs ?? TIMEOUT_MS_DEFAULT;
    this.now = options.now ?? (() => new Date());
    this.kafka =
      options.brokers.length === 0
        ? undefined
        : createKafka({ ...options, connectionTimeoutMs: options.connectionTimeoutMs ?? Math.min(this.timeoutMs, 1_000), retry: { retries: 0 } });
  }

  get configured(): boolean {
    return this.kafka !== undefined;
  }

  async check(): Promise<KafkaHealth> {
    const brokers = [...this.options.brokers];
    if (!this.kafka) return { status: 'not_configured', brokers, checkedAt: this.now().toISOString() };
    const nowMs = this.now().getTime();
    if (this.cached && nowMs - this.cached.at < this.cacheMs) return this.cached.health;
    this.inFlight ??= this.probe(this.kafka, brokers).finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  private async probe(kafka: Kafka, brokers: string[]): Promise<KafkaHealth> {
    const started = Date.now();
    const admin = kafka.admin({ retry: { retries: 0 } });
    let timer: NodeJS.Timeout | undefined;
    let health: KafkaHealth;
    try {
      const timeout = new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${this.timeoutMs} ms`)), this.timeoutMs);
      });
      await Promise.race([
        (async () => {
          await admin.connect();
          await admin.describeCluster();
        })(),
        timeout,
      ]);
      health = { status: 'up', brokers, latencyMs: Date.now() - started, checkedAt: this.now().toISOString() };
    } catch (error) {
      health = { status: 'down', brokers, error: error instanceof Error ? error.message : String(error), checkedAt: this.now().toISOString() };
    } finally {
      clearTimeout(timer);
      await admin.disconnect().catch(() => undefined);
    }
    this.cached = { health, at: this.now().getTime() };
    return health;
  }
}
