import { ApiKey } from '../protocol/api-keys';
import { ErrorCode } from '../protocol/error-codes';
import { KafkaWriter } from '../protocol/kafka-writer';
import { PartitionLog } from '../state/partition-log';
import { ApiHandler, RequestContext, writeThrottleTime } from './api-handler';

const LATEST = -1;
const EARLIEST = -2;

interface OffsetAnswer {
  readonly errorCode: number;
  readonly timestamp: number;
  readonly offset: number;
}

/** ListOffsets v1-v3: latest (-1), earliest (-2), or the first offset at or after a timestamp. */
export const listOffsetsHandler: ApiHandler = {
  apiKey: ApiKey.ListOffsets,
  minVersion: 1,
  maxVersion: 3,
  handle({ header, body, broker }: RequestContext): KafkaWriter {
    const version = header.apiVersion;
    body.int32(); // replica id
    if (version >= 2) {
      body.int8(); // isolation level: without transactions the last stable offset is the high watermark
    }
    const topics = body.array((t) => ({
      name: t.string(),
      partitions: t.array((p) => ({ partition: p.int32(), timestamp: p.int64AsNumber() })),
    }));
    const writer = new KafkaWriter();
    writeThrottleTime(writer, version, 2);
    writer.array(topics, (w, topic) => {
      w.string(topic.name).array(topic.partitions, (pw, p) => {
        const answer = lookUp(broker.topics.partition(topic.name, p.partition), p.timestamp);
        pw.int32(p.partition).int16(answer.errorCode).int64(answer.timestamp).int64(answer.offset);
      });
    });
    return writer;
  },
};

function lookUp(log: PartitionLog | undefined, timestamp: number): OffsetAnswer {
  if (!log) {
    return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, timestamp: -1, offset: -1 };
  }
  if (timestamp === LATEST) {
    return { errorCode: ErrorCode.NONE, timestamp: -1, offset: log.highWatermark };
  }
  if (timestamp === EARLIEST) {
    return { errorCode: ErrorCode.NONE, timestamp: -1, offset: log.logStartOffset };
  }
  const found = log.offsetForTimestamp(timestamp);
  return { errorCode: ErrorCode.NONE, timestamp: found?.timestamp ?? -1, offset: found?.offset ?? -1 };
}
