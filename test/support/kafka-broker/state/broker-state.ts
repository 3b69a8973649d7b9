import { GroupCoordinator } from './group-coordinator';
import { ProducerIdAllocator } from './producer-state';
import { TopicStore } from './topic-store';

export interface BrokerConfig {
  readonly nodeId: number;
  readonly host: string;
  /** The port clients are told to connect to; known once the server listens. */
  port: number;
  readonly clusterId: string;
  readonly autoCreateTopics: boolean;
  readonly defaultPartitions: number;
  readonly maxMessageBytes: number;
  readonly minSessionTimeoutMs: number;
  readonly maxSessionTimeoutMs: number;
  readonly initialRebalanceDelayMs: number;
}

/**
 * Everything the broker remembers. It belongs to the KafkaTestBroker object rather than to a listening
 * server, which is what lets restart() keep topics, messages, producer state and committed offsets.
 */
export class BrokerState {
  readonly topics = new TopicStore();
  readonly groups: GroupCoordinator;
  readonly producerIds = new ProducerIdAllocator();

  constructor(
    readonly config: BrokerConfig,
    readonly log: (message: string) => void,
  ) {
    this.groups = new GroupCoordinator({
      minSessionTimeoutMs: config.minSessionTimeoutMs,
      maxSessionTimeoutMs: config.maxSessionTimeoutMs,
      initialRebalanceDelayMs: config.initialRebalanceDelayMs,
      log,
    });
  }

  deleteTopic(name: string): boolean {
    const deleted = this.topics.delete(name);
    if (deleted) {
      this.groups.offsets.deleteTopic(name);
      this.log(`deleted topic ${name}`);
    }
    return deleted;
  }
}
