import { ApiKey } from '../protocol/api-keys';
import { ErrorCode } from '../protocol/error-codes';
import { KafkaWriter } from '../protocol/kafka-writer';
import { CommittedOffset } from '../state/offset-store';
import { ApiHandler, RequestContext, writeThrottleTime } from './api-handler';

/** OffsetFetch v1-v4. Partitions without a commit answer offset -1; a null topic list (v2+) means all. */
export const offsetFetchHandler: ApiHandler = {
  apiKey: ApiKey.OffsetFetch,
  minVersion: 1,
  maxVersion: 4,
  handle({ header, body, broker }: RequestContext): KafkaWriter {
    const version = header.apiVersion;
    const groupId = body.string();
    const requested = body.nullableArray((t) => ({ name: t.string(), partitions: t.array((p) => p.int32()) }));
    const offsets = broker.groups.offsets;
    const topics = requested ?? committedTopics(offsets.all(groupId));

    const writer = new KafkaWriter();
    writeThrottleTime(writer, version, 3);
    writer.array(topics, (w, topic) => {
      w.string(topic.name).array(topic.partitions, (pw, partition) => {
        const committed = offsets.get(groupId, topic.name, partition);
        pw.int32(partition)
          .int64(committed?.offset ?? -1)
          .nullableString(committed?.metadata ?? '') // Kafka stores a null commit metadata as ""
          .int16(ErrorCode.NONE);
      });
    });
    if (version >= 2) {
      writer.int16(ErrorCode.NONE);
    }
    return writer;
  },
};

function committedTopics(entries: readonly CommittedOffset[]): { name: string; partitions: number[] }[] {
  const byTopic = new Map<string, number[]>();
  for (const { topic, partition } of entries) {
    byTopic.set(topic, [...(byTopic.get(topic) ?? []), partition]);
  }
  return [...byTopic].map(([name, partitions]) => ({ name, partitions }));
}
