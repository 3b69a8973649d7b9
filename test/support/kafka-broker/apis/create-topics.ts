import { ApiKey } from '../protocol/api-keys';
import { ErrorCode, ErrorCodeValue } from '../protocol/error-codes';
import { KafkaReader } from '../protocol/kafka-reader';
import { KafkaWriter } from '../protocol/kafka-writer';
import { MAX_PARTITIONS_PER_TOPIC } from '../protocol/limits';
import { BrokerState } from '../state/broker-state';
import { invalidTopicNameReason } from '../state/topic-store';
import { ApiHandler, RequestContext, writeThrottleTime } from './api-handler';

interface CreatableTopic {
  readonly name: string;
  readonly numPartitions: number;
  readonly replicationFactor: number;
  readonly assignments: readonly { partition: number; brokerIds: number[] }[];
}

interface TopicResult {
  readonly name: string;
  readonly errorCode: ErrorCodeValue;
  readonly message: string | null;
}

/** CreateTopics v0-v3 with Kafka's validation (single broker: replication factor 1 only). */
export const createTopicsHandler: ApiHandler = {
  apiKey: ApiKey.CreateTopics,
  minVersion: 0,
  maxVersion: 3,
  handle({ header, body, broker }: RequestContext): KafkaWriter {
    const version = header.apiVersion;
    const topics = body.array(readCreatableTopic);
    body.int32(); // timeout: creation is synchronous here
    const validateOnly = version >= 1 ? body.boolean() : false;

    const seen = new Map<string, number>();
    topics.forEach((t) => seen.set(t.name, (seen.get(t.name) ?? 0) + 1));
    const results = topics.map((topic): TopicResult => {
      if ((seen.get(topic.name) ?? 0) > 1) {
        const message = `Create topics request from client contains topic ${topic.name} more than once.`;
        return failure(topic.name, ErrorCode.INVALID_REQUEST, message);
      }
      return createTopic(broker, topic, validateOnly);
    });

    const writer = new KafkaWriter();
    writeThrottleTime(writer, version, 2);
    writer.array(results, (w, result) => {
      w.string(result.name).int16(result.errorCode);
      if (version >= 1) {
        w.nullableString(result.message);
      }
    });
    return writer;
  },
};

function readCreatableTopic(reader: KafkaReader): CreatableTopic {
  const name = reader.string();
  const numPartitions = reader.int32();
  const replicationFactor = reader.int16();
  const assignments = reader.array((a) => ({ partition: a.int32(), brokerIds: a.array((b) => b.int32()) }));
  // Topic configs are read past and ignored: nothing here implements retention, compaction etc.
  reader.array((c) => [c.string(), c.nullableString()]);
  return { name, numPartitions, replicationFactor, assignments };
}

function createTopic(broker: BrokerState, topic: CreatableTopic, validateOnly: boolean): TopicResult {
  const { name, numPartitions, replicationFactor, assignments } = topic;
  const invalidName = invalidTopicNameReason(name);
  if (invalidName) {
    return failure(name, ErrorCode.INVALID_TOPIC_EXCEPTION, invalidName);
  }
  if (broker.topics.get(name)) {
    return failure(name, ErrorCode.TOPIC_ALREADY_EXISTS, `Topic '${name}' already exists.`);
  }
  let partitions = numPartitions === -1 ? broker.config.defaultPartitions : numPartitions;
  if (assignments.length > 0) {
    if (numPartitions !== -1 || replicationFactor !== -1) {
      const message = 'Both numPartitions or replicationFactor and replicasAssignments were set.';
      return failure(name, ErrorCode.INVALID_REQUEST, message);
    }
    const nodeId = broker.config.nodeId;
    if (assignments.some((a) => a.brokerIds.length !== 1 || a.brokerIds[0] !== nodeId)) {
      return failure(name, ErrorCode.INVALID_REPLICA_ASSIGNMENT, `Only broker ${nodeId} exists.`);
    }
    partitions = assignments.length;
  } else if (replicationFactor !== -1 && replicationFactor !== 1) {
    return failure(
      name,
      ErrorCode.INVALID_REPLICATION_FACTOR,
      `Replication factor: ${replicationFactor} larger than available brokers: 1.`,
    );
  }
  if (partitions < 1 || partitions > MAX_PARTITIONS_PER_TOPIC) {
    const message = `Number of partitions must be in 1..${MAX_PARTITIONS_PER_TOPIC}.`;
    return failure(name, ErrorCode.INVALID_PARTITIONS, message);
  }
  if (!validateOnly) {
    broker.topics.create(name, partitions);
    broker.log(`created topic ${name} with ${partitions} partitions`);
  }
  return { name, errorCode: ErrorCode.NONE, message: null };
}

function failure(name: string, errorCode: ErrorCodeValue, message: string): TopicResult {
  return { name, errorCode, message };
}
