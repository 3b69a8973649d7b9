import { ApiKey } from '../protocol/api-keys';
import { ErrorCode } from '../protocol/error-codes';
import { KafkaWriter } from '../protocol/kafka-writer';
import { ApiHandler, RequestContext, writeThrottleTime } from './api-handler';

/** DescribeGroups v0-v2. An unknown group is reported as Dead with no members, as Kafka does. */
export const describeGroupsHandler: ApiHandler = {
  apiKey: ApiKey.DescribeGroups,
  minVersion: 0,
  maxVersion: 2,
  handle({ header, body, broker }: RequestContext): KafkaWriter {
    const groupIds = body.array((r) => r.string());
    const writer = new KafkaWriter();
    writeThrottleTime(writer, header.apiVersion, 1);
    writer.array(groupIds, (w, groupId) => {
      const description = broker.groups.describe(groupId);
      w.int16(groupId === '' ? ErrorCode.INVALID_GROUP_ID : ErrorCode.NONE)
        .string(groupId)
        .string(description?.state ?? 'Dead')
        .string(description?.protocolType ?? '')
        .string(description?.protocol ?? '')
        .array(description?.members ?? [], (mw, member) => {
          mw.string(member.memberId)
            .string(member.clientId)
            .string(member.clientHost)
            .bytes(member.metadata)
            .bytes(member.assignment);
        });
    });
    return writer;
  },
};
