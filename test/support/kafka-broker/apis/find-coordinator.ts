import { ApiKey } from '../protocol/api-keys';
import { ErrorCode, ErrorCodeValue, TRANSACTIONS_UNSUPPORTED_MESSAGE } from '../protocol/error-codes';
import { KafkaWriter } from '../protocol/kafka-writer';
import { ApiHandler, RequestContext } from './api-handler';

const GROUP_COORDINATOR = 0;
const TRANSACTION_COORDINATOR = 1;

/** FindCoordinator v0-v2: this broker coordinates every group; there is no transaction coordinator. */
export const findCoordinatorHandler: ApiHandler = {
  apiKey: ApiKey.FindCoordinator,
  minVersion: 0,
  maxVersion: 2,
  handle({ header, body, broker }: RequestContext): KafkaWriter {
    const version = header.apiVersion;
    body.string(); // the group id: every key maps to this broker
    const keyType = version >= 1 ? body.int8() : GROUP_COORDINATOR;
    let errorCode: ErrorCodeValue = ErrorCode.NONE;
    let message: string | null = null;
    if (keyType === TRANSACTION_COORDINATOR) {
      errorCode = ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED;
      message = TRANSACTIONS_UNSUPPORTED_MESSAGE;
    } else if (keyType !== GROUP_COORDINATOR) {
      errorCode = ErrorCode.INVALID_REQUEST;
      message = `unknown coordinator type ${keyType}`;
    }
    const ok = errorCode === ErrorCode.NONE;
    const writer = new KafkaWriter();
    if (version >= 1) {
      writer.int32(0);
    }
    writer.int16(errorCode);
    if (version >= 1) {
      writer.nullableString(message);
    }
    return writer
      .int32(ok ? broker.config.nodeId : -1)
      .string(ok ? broker.config.host : '')
      .int32(ok ? broker.config.port : -1);
  },
};
