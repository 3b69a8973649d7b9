import { ApiKey } from '../protocol/api-keys';
import { ErrorCode } from '../protocol/error-codes';
import { KafkaWriter } from '../protocol/kafka-writer';
import { ApiHandler, RequestContext, writeThrottleTime } from './api-handler';

/** ListGroups v0-v2: every group with members or committed offsets. */
export const listGroupsHandler: ApiHandler = {
  apiKey: ApiKey.ListGroups,
  minVersion: 0,
  maxVersion: 2,
  handle({ header, broker }: RequestContext): KafkaWriter {
    const writer = new KafkaWriter();
    writeThrottleTime(writer, header.apiVersion, 1);
    return writer.int16(ErrorCode.NONE).array(broker.groups.list(), (w, group) => {
      w.string(group.groupId).string(group.type);
    });
  },
};
