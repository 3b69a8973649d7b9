import { ApiKey } from '../protocol/api-keys';
import { ErrorCode, ErrorCodeValue } from '../protocol/error-codes';
import { KafkaWriter } from '../protocol/kafka-writer';
import { MAX_OFFSET_METADATA_BYTES } from '../protocol/limits';
import { BrokerState } from '../state/broker-state';
import { ApiHandler, RequestContext, writeThrottleTime } from './api-handler';

/**
 * OffsetCommit v2-v5 with the coordinator's checks: a member of the current generation may commit
 * (also while the group prepares a rebalance, so it can commit before rejoining), and a generation of -1
 * commits for a group nobody is consuming with (admin tools, manual assignment).
 */
export const offsetCommitHandler: ApiHandler = {
  apiKey: ApiKey.OffsetCommit,
  minVersion: 2,
  maxVersion: 5,
  handle({ header, body, broker }: RequestContext): KafkaWriter {
    const version = header.apiVersion;
    const groupId = body.string();
    const generationId = body.int32();
    const memberId = body.string();
    if (version <= 4) {
      body.int64(); // retention time: offsets are kept for the broker's lifetime
    }
    const topics = body.array((t) => ({
      name: t.string(),
      partitions: t.array((p) => ({ partition: p.int32(), offset: p.int64AsNumber(), metadata: p.nullableString() })),
    }));

    const groupError = authorizeCommit(broker, groupId, generationId, memberId);
    const now = Date.now();
    const writer = new KafkaWriter();
    writeThrottleTime(writer, version, 3);
    writer.array(topics, (w, topic) => {
      w.string(topic.name).array(topic.partitions, (pw, p) => {
        let errorCode = groupError;
        if (errorCode === ErrorCode.NONE && !broker.topics.partition(topic.name, p.partition)) {
          errorCode = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
        } else if (errorCode === ErrorCode.NONE && Buffer.byteLength(p.metadata ?? '') > MAX_OFFSET_METADATA_BYTES) {
          errorCode = ErrorCode.OFFSET_METADATA_TOO_LARGE;
        }
        if (errorCode === ErrorCode.NONE) {
          broker.groups.offsets.commit(groupId, {
            topic: topic.name,
            partition: p.partition,
            offset: p.offset,
            metadata: p.metadata,
            commitTimestamp: now,
          });
        }
        pw.int32(p.partition).int16(errorCode);
      });
    });
    return writer;
  },
};

function authorizeCommit(broker: BrokerState, groupId: string, generationId: number, memberId: string): ErrorCodeValue {
  const group = broker.groups.find(groupId);
  if (group) {
    return group.validateCommit(generationId, memberId, Date.now());
  }
  if (generationId < 0) {
    broker.groups.getOrCreate(groupId);
    return ErrorCode.NONE;
  }
  // A generation for a group this coordinator does not know: a stale member from before, reject.
  return ErrorCode.ILLEGAL_GENERATION;
}
