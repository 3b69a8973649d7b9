import { ApiKey } from '../protocol/api-keys';
import { ErrorCode } from '../protocol/error-codes';
import { KafkaWriter } from '../protocol/kafka-writer';
import { JoinResult } from '../state/consumer-group';
import { ApiHandler, RequestContext, writeThrottleTime } from './api-handler';

/**
 * JoinGroup v0-v5. The request parks until the rebalance completes (every member rejoined, or the
 * rebalance timeout passed). From v4 a member without an id is first sent back with MEMBER_ID_REQUIRED.
 * Static membership (group_instance_id) is carried along but gives no special treatment.
 */
export const joinGroupHandler: ApiHandler = {
  apiKey: ApiKey.JoinGroup,
  minVersion: 0,
  maxVersion: 5,
  async handle({ header, body, broker, connection }: RequestContext): Promise<KafkaWriter> {
    const version = header.apiVersion;
    const groupId = body.string();
    const sessionTimeoutMs = body.int32();
    const rebalanceTimeoutMs = version >= 1 ? body.int32() : sessionTimeoutMs;
    const memberId = body.string();
    const groupInstanceId = version >= 5 ? body.nullableString() : null;
    const protocolType = body.string();
    const protocols = body.array((r) => ({ name: r.string(), metadata: r.bytes() }));

    let result: JoinResult;
    const existing = broker.groups.find(groupId);
    if (groupId === '') {
      result = errorResult(ErrorCode.INVALID_GROUP_ID, memberId);
    } else if (!existing && memberId !== '') {
      result = errorResult(ErrorCode.UNKNOWN_MEMBER_ID, memberId);
    } else {
      result = await broker.groups.getOrCreate(groupId).join(
        {
          memberId,
          groupInstanceId,
          clientId: header.clientId ?? '',
          clientHost: connection.clientHost,
          sessionTimeoutMs,
          rebalanceTimeoutMs,
          protocolType,
          protocols,
          requireKnownMemberId: version >= 4,
        },
        Date.now(),
      );
    }

    const writer = new KafkaWriter();
    writeThrottleTime(writer, version, 2);
    writer
      .int16(result.errorCode)
      .int32(result.generationId)
      .string(result.protocolName)
      .string(result.leaderId)
      .string(result.memberId)
      .array(result.members, (w, member) => {
        w.string(member.memberId);
        if (version >= 5) {
          w.nullableString(member.groupInstanceId);
        }
        w.bytes(member.metadata);
      });
    return writer;
  },
};

function errorResult(errorCode: JoinResult['errorCode'], memberId: string): JoinResult {
  return { errorCode, generationId: -1, protocolName: '', leaderId: '', memberId, members: [] };
}
