import { ApiKey } from '../protocol/api-keys';
import { ErrorCode } from '../protocol/error-codes';
import { KafkaWriter } from '../protocol/kafka-writer';
import { ApiHandler, RequestContext, writeThrottleTime } from './api-handler';

/** Heartbeat v0-v3: REBALANCE_IN_PROGRESS tells a member to rejoin. */
export const heartbeatHandler: ApiHandler = {
  apiKey: ApiKey.Heartbeat,
  minVersion: 0,
  maxVersion: 3,
  handle({ header, body, broker }: RequestContext): KafkaWriter {
    const version = header.apiVersion;
    const groupId = body.string();
    const generationId = body.int32();
    const memberId = body.string();
    if (version >= 3) {
      body.nullableString(); // group instance id
    }
    const group = broker.groups.find(groupId);
    const errorCode = group ? group.heartbeat(generationId, memberId, Date.now()) : ErrorCode.UNKNOWN_MEMBER_ID;
    const writer = new KafkaWriter();
    writeThrottleTime(writer, version, 1);
    return writer.int16(errorCode);
  },
};
