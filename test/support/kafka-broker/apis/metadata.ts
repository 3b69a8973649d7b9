import { ApiKey } from '../protocol/api-keys';
import { ErrorCode, ErrorCodeValue } from '../protocol/error-codes';
import { KafkaWriter } from '../protocol/kafka-writer';
import { BrokerState } from '../state/broker-state';
import { invalidTopicNameReason, Topic } from '../state/topic-store';
import { ApiHandler, RequestContext, writeThrottleTime } from './api-handler';

interface TopicAnswer {
  readonly name: string;
  readonly errorCode: ErrorCodeValue;
  readonly topic?: Topic;
}

/**
 * Metadata v0-v6: this broker is the whole cluster, the controller and the leader (sole replica, sole
 * ISR member) of every partition. Requested topics that do not exist are auto-created like a broker
 * with `auto.create.topics.enable=true`, but they come back ready at once instead of with
 * LEADER_NOT_AVAILABLE first.
 */
export const metadataHandler: ApiHandler = {
  apiKey: ApiKey.Metadata,
  minVersion: 0,
  maxVersion: 6,
  handle({ header, body, broker }: RequestContext): KafkaWriter {
    const version = header.apiVersion;
    const requested = body.nullableArray((r) => r.string());
    const allowAutoCreate = version >= 4 ? body.boolean() : true;
    // v0 had no null array: an empty list meant "all topics".
    const wantsAll = requested === null || (version === 0 && requested.length === 0);
    const answers = wantsAll
      ? broker.topics.list().map((topic) => ({ name: topic.name, errorCode: ErrorCode.NONE, topic }))
      : [...new Set(requested)].map((name) => answerFor(broker, name, allowAutoCreate));
    return encode(version, broker, answers);
  },
};

function answerFor(broker: BrokerState, name: string, allowAutoCreate: boolean): TopicAnswer {
  const existing = broker.topics.get(name);
  if (existing) {
    return { name, errorCode: ErrorCode.NONE, topic: existing };
  }
  if (invalidTopicNameReason(name)) {
    return { name, errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION };
  }
  if (!broker.config.autoCreateTopics || !allowAutoCreate) {
    return { name, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION };
  }
  const topic = broker.topics.create(name, broker.config.defaultPartitions);
  broker.log(`auto-created topic ${name} with ${topic.partitions.length} partitions`);
  return { name, errorCode: ErrorCode.NONE, topic };
}

function encode(version: number, broker: BrokerState, answers: readonly TopicAnswer[]): KafkaWriter {
  const { nodeId, host, port, clusterId } = broker.config;
  const writer = new KafkaWriter();
  writeThrottleTime(writer, version, 3);
  writer.array([nodeId], (w) => {
    w.int32(nodeId).string(host).int32(port);
    if (version >= 1) {
      w.nullableString(null); // rack
    }
  });
  if (version >= 2) {
    writer.nullableString(clusterId);
  }
  if (version >= 1) {
    writer.int32(nodeId); // controller
  }
  writer.array(answers, (w, answer) => {
    w.int16(answer.errorCode).string(answer.name);
    if (version >= 1) {
      w.boolean(false); // is_internal: there is no __consumer_offsets topic to report
    }
    w.array(answer.topic?.partitions ?? [], (pw, log) => {
      pw.int16(ErrorCode.NONE).int32(log.partition).int32(nodeId).int32Array([nodeId]).int32Array([nodeId]);
      if (version >= 5) {
        pw.int32Array([]); // offline replicas
      }
    });
  });
  return writer;
}
