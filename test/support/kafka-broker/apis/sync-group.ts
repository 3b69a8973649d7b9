import { ApiKey } from '../protocol/api-keys';
import { ErrorCode } from '../protocol/error-codes';
import { KafkaWriter } from '../protocol/kafka-writer';
import { SyncResult } from '../state/consumer-group';
import { ApiHandler, RequestContext, writeThrottleTime } from './api-handler';

/** SyncGroup v0-v3: followers park until the leader has sent the assignments. */
export const syncGroupHandler: ApiHandler = {
  apiKey: ApiKey.SyncGroup,
  minVersion: 0,
  maxVersion: 3,
  async handle({ header, body, broker }: RequestContext): Promise<KafkaWriter> {
    const version = header.apiVersion;
    const groupId = body.string();
    const generationId = body.int32();
    const memberId = body.string();
    if (version >= 3) {
      body.nullableString(); // group instance id
    }
    const assignments = new Map<string, Buffer>();
    body.array((r) => assignments.set(r.string(), r.bytes()));

    const group = broker.groups.find(groupId);
    let result: SyncResult;
    if (groupId === '') {
      result = { errorCode: ErrorCode.INVALID_GROUP_ID, assignment: Buffer.alloc(0) };
    } else if (!group) {
      result = { errorCode: ErrorCode.UNKNOWN_MEMBER_ID, assignment: Buffer.alloc(0) };
    } else {
      result = await group.sync(generationId, memberId, assignments, Date.now());
    }
    const writer = new KafkaWriter();
    writeThrottleTime(writer, version, 1);
    return writer.int16(result.errorCode).bytes(result.assignment);
  },
};
