import { ApiKey } from '../protocol/api-keys';
import { ErrorCode, ErrorCodeValue } from '../protocol/error-codes';
import { KafkaWriter } from '../protocol/kafka-writer';
import { ApiHandler, RequestContext, writeThrottleTime } from './api-handler';

/** LeaveGroup v0-v3 (v3 leaves a batch of members). The group rebalances without the leavers at once. */
export const leaveGroupHandler: ApiHandler = {
  apiKey: ApiKey.LeaveGroup,
  minVersion: 0,
  maxVersion: 3,
  handle({ header, body, broker }: RequestContext): KafkaWriter {
    const version = header.apiVersion;
    const groupId = body.string();
    const leavers =
      version >= 3
        ? body.array((r) => ({ memberId: r.string(), groupInstanceId: r.nullableString() }))
        : [{ memberId: body.string(), groupInstanceId: null }];
    const group = broker.groups.find(groupId);
    const now = Date.now();
    const results = leavers.map((leaver) => ({
      ...leaver,
      errorCode: (group ? group.leave(leaver.memberId, now) : ErrorCode.UNKNOWN_MEMBER_ID) as ErrorCodeValue,
    }));

    const writer = new KafkaWriter();
    writeThrottleTime(writer, version, 1);
    if (version < 3) {
      return writer.int16(results[0].errorCode);
    }
    return writer.int16(ErrorCode.NONE).array(results, (w, result) => {
      w.string(result.memberId).nullableString(result.groupInstanceId).int16(result.errorCode);
    });
  },
};
