import { AddressInfo, createServer, Server, Socket } from 'node:net';
import { createApiHandlers } from './apis';
import { ApiKey, ApiName } from './protocol/api-keys';
import {
  DEFAULT_MAX_MESSAGE_BYTES,
  DEFAULT_MAX_SESSION_TIMEOUT_MS,
  DEFAULT_MIN_SESSION_TIMEOUT_MS,
  MAX_PARTITIONS_PER_TOPIC,
} from './protocol/limits';
import { decodeRecords, RecordHeader } from './protocol/record-batch';
import { BrokerConnection } from './network/broker-connection';
import { BrokerConfig, BrokerState } from './state/broker-state';
import { GroupDescription } from './state/consumer-group';
import { CommittedOffset } from './state/offset-store';

export interface KafkaTestBrokerOptions {
  /** 0 (default) picks a free port on the first start; restarts reuse it. */
  port?: number;
  /** Interface to listen on and to advertise in metadata. Default 127.0.0.1. */
  host?: string;
  /** Partitions of auto-created topics and of CreateTopics with num_partitions -1. Default 3. */
  defaultPartitions?: number;
  /** Kafka's `auto.create.topics.enable`. Default true. */
  autoCreateTopics?: boolean;
  nodeId?: number;
  clusterId?: string;
  /** Kafka's `group.min.session.timeout.ms` (default 6000): lower it for tests with short sessions. */
  minSessionTimeoutMs?: number;
  /** Kafka's `group.max.session.timeout.ms` (default 1800000). */
  maxSessionTimeoutMs?: number;
  /** Kafka's `group.initial.rebalance.delay.ms`. Default 0, as in most development setups. */
  initialRebalanceDelayMs?: number;
  /** Kafka's `message.max.bytes` (default 1048588). */
  maxMessageBytes?: number;
  /** Receives one line per notable event (joins, rebalances, closed connections, rejected produces). */
  log?: (message: string) => void;
}

export interface TopicSummary {
  readonly name: string;
  readonly partitions: number;
  /** High watermark per partition: how many records each one holds. */
  readonly highWatermarks: readonly number[];
}

export interface StoredMessage {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly timestamp: number;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  /** In record order; a key may repeat, as in Kafka. */
  readonly headers: readonly RecordHeader[];
}

/** What an injected fault does instead of sending the response of a request the broker did handle. */
export type FaultAction = 'disconnect' | 'restart';

interface PendingFault {
  readonly apiKey: number;
  readonly action: FaultAction;
  readonly done: { resolve: () => void; reject: (error: unknown) => void };
}

/**
 * A single-node Kafka broker speaking the binary protocol over TCP, for tests that drive real kafkajs
 * clients. See README.md in this folder for the supported APIs and what is deliberately left out.
 */
export class KafkaTestBroker {
  private readonly config: BrokerConfig;
  private readonly state: BrokerState;
  private readonly handlers = createApiHandlers();
  private readonly connections = new Set<BrokerConnection>();
  private readonly faults: PendingFault[] = [];
  private server: Server | undefined;
  private nextConnectionId = 1;

  constructor(options: KafkaTestBrokerOptions = {}) {
    const defaultPartitions = options.defaultPartitions ?? 3;
    if (!Number.isInteger(defaultPartitions) || defaultPartitions < 1 || defaultPartitions > MAX_PARTITIONS_PER_TOPIC) {
      throw new Error(`defaultPartitions must be an integer in 1..${MAX_PARTITIONS_PER_TOPIC}`);
    }
    this.config = {
      nodeId: options.nodeId ?? 1,
      host: options.host ?? '127.0.0.1',
      port: options.port ?? 0,
      clusterId: options.clusterId ?? 'kafka-test-broker',
      autoCreateTopics: options.autoCreateTopics ?? true,
      defaultPartitions,
      maxMessageBytes: options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
      minSessionTimeoutMs: options.minSessionTimeoutMs ?? DEFAULT_MIN_SESSION_TIMEOUT_MS,
      maxSessionTimeoutMs: options.maxSessionTimeoutMs ?? DEFAULT_MAX_SESSION_TIMEOUT_MS,
      initialRebalanceDelayMs: options.initialRebalanceDelayMs ?? 0,
    };
    this.state = new BrokerState(this.config, options.log ?? defaultLog());
  }

  get host(): string {
    return this.config.host;
  }

  /** The listening port; fixed after the first start(). */
  get port(): number {
    if (this.config.port === 0) {
      throw new Error('the broker has no port before its first start()');
    }
    return this.config.port;
  }

  /** For kafkajs `brokers`. */
  get brokers(): string[] {
    return [`${this.host}:${this.port}`];
  }

  get isRunning(): boolean {
    return this.server !== undefined;
  }

  async start(): Promise<void> {
    if (this.server) {
      return;
    }
    const server = createServer((socket) => this.accept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ port: this.config.port, host: this.config.host }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (error) => this.state.log(`server error: ${error.message}`));
    this.server = server;
    this.config.port = (server.address() as AddressInfo).port;
    this.state.groups.resume(Date.now());
    this.state.log(`listening on ${this.host}:${this.config.port}`);
  }

  /** Closes the listener and every client socket, so clients see the broker go away mid-conversation. */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) {
      return;
    }
    this.server = undefined;
    this.state.groups.suspend();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const connection of [...this.connections]) {
      connection.close('broker stopping');
    }
    await closed;
    this.state.log('stopped');
  }

  /** stop() then start() on the same port; topics, messages, producer state and offsets survive. */
  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  createTopic(name: string, partitions = this.config.defaultPartitions): void {
    this.state.topics.create(name, partitions);
  }

  deleteTopic(name: string): boolean {
    return this.state.deleteTopic(name);
  }

  topics(): TopicSummary[] {
    return this.state.topics.list().map((topic) => ({
      name: topic.name,
      partitions: topic.partitions.length,
      highWatermarks: topic.partitions.map((log) => log.highWatermark),
    }));
  }

  /** Decoded records of one partition, or of all partitions ordered by partition then offset. */
  messages(topic: string, partition?: number): StoredMessage[] {
    const found = this.state.topics.get(topic);
    if (!found) {
      throw new Error(`unknown topic ${topic}`);
    }
    const logs = partition === undefined ? found.partitions : [found.partitions[partition]];
    if (logs.some((log) => log === undefined)) {
      throw new Error(`topic ${topic} has no partition ${partition}`);
    }
    return logs.flatMap((log) =>
      log.storedBatches().flatMap((batch) =>
        decodeRecords(batch.bytes).map((record) => ({ topic, partition: log.partition, ...record })),
      ),
    );
  }

  committedOffsets(groupId: string): CommittedOffset[] {
    return this.state.groups.offsets.all(groupId);
  }

  describeGroup(groupId: string): GroupDescription | undefined {
    return this.state.groups.describe(groupId);
  }

  /**
   * Fault injection: the next `api` request is handled as usual (a produce is appended, a commit is
   * stored) but its response is never sent; instead the client's connection is closed, or the whole
   * broker restarts. This is the "request succeeded, acknowledgement lost" case that idempotent
   * producers exist for. Resolves once the fault has happened.
   */
  failNextResponse(api: ApiName, action: FaultAction): Promise<void> {
    return new Promise((resolve, reject) => {
      this.faults.push({ apiKey: ApiKey[api], action, done: { resolve, reject } });
    });
  }

  private accept(socket: Socket): void {
    const connection = new BrokerConnection(this.nextConnectionId, socket, {
      handlers: this.handlers,
      state: this.state,
      takeFault: (apiKey) => this.takeFault(apiKey),
      closed: (closedConnection) => this.connections.delete(closedConnection),
    });
    this.nextConnectionId += 1;
    this.connections.add(connection);
  }

  private takeFault(apiKey: number): ((connection: BrokerConnection) => void) | undefined {
    const index = this.faults.findIndex((fault) => fault.apiKey === apiKey);
    if (index < 0) {
      return undefined;
    }
    const [fault] = this.faults.splice(index, 1);
    return (connection) => {
      if (fault.action === 'disconnect') {
        connection.close('injected fault');
        fault.done.resolve();
      } else {
        this.restart().then(fault.done.resolve, fault.done.reject);
      }
    };
  }
}

function defaultLog(): (message: string) => void {
  if (!process.env.KAFKA_TEST_BROKER_DEBUG) {
    return () => undefined;
  }
  return (message) => process.stderr.write(`[kafka-test-broker ${new Date().toISOString()}] ${message}\n`);
}
