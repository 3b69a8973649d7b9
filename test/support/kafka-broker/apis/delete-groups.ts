import { ApiKey } from '../protocol/api-keys';
import { KafkaWriter } from '../protocol/kafka-writer';
import { ApiHandler, RequestContext, writeThrottleTime } from './api-handler';

/** DeleteGroups v0-v1: NON_EMPTY_GROUP while members remain, GROUP_ID_NOT_FOUND for unknown groups. */
export const deleteGroupsHandler: ApiHandler = {
  apiKey: ApiKey.DeleteGroups,
  minVersion: 0,
  maxVersion: 1,
  handle({ header, body, broker }: RequestContext): KafkaWriter {
    const groupIds = body.array((r) => r.string());
    const writer = new KafkaWriter();
    writeThrottleTime(writer, header.apiVersion, 0);
    return writer.array(groupIds, (w, groupId) => {
      w.string(groupId).int16(broker.groups.delete(groupId));
    });
  },
};
