import { ApiKey } from '../protocol/api-keys';
import { ErrorCode } from '../protocol/error-codes';
import { KafkaWriter } from '../protocol/kafka-writer';
import { ApiHandler, RequestContext } from './api-handler';

/**
 * InitProducerId v0-v1 for idempotent producers: a fresh producer id with epoch 0. A transactional id
 * is refused with a non-retriable error, since transactions are not implemented.
 */
export const initProducerIdHandler: ApiHandler = {
  apiKey: ApiKey.InitProducerId,
  minVersion: 0,
  maxVersion: 1,
  handle({ body, broker }: RequestContext): KafkaWriter {
    const transactionalId = body.nullableString();
    body.int32(); // transaction timeout
    const writer = new KafkaWriter().int32(0);
    if (transactionalId !== null) {
      broker.log(`refused InitProducerId for transactional id ${transactionalId}`);
      return writer.int16(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED).int64(-1).int16(-1);
    }
    const { producerId, producerEpoch } = broker.producerIds.allocate();
    return writer.int16(ErrorCode.NONE).int64(producerId).int16(producerEpoch);
  },
};
