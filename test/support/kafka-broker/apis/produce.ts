import { ApiKey } from '../protocol/api-keys';
import { ErrorCode, ErrorCodeValue } from '../protocol/error-codes';
import { KafkaWriter } from '../protocol/kafka-writer';
import { RecordBatchError, splitRecordBatches } from '../protocol/record-batch';
import { BrokerState } from '../state/broker-state';
import { ApiHandler, RequestContext } from './api-handler';

interface PartitionResult {
  readonly partition: number;
  readonly errorCode: ErrorCodeValue;
  readonly baseOffset: number;
  readonly logStartOffset: number;
}

const VALID_ACKS = new Set([-1, 0, 1]);

/**
 * Produce v3-v7 (record batch v2 only). Each batch is checked, then stored byte for byte with only its
 * baseOffset rewritten. With a single replica, acks=1 and acks=all are satisfied as soon as the batch is
 * appended; acks=0 gets no response at all, as the protocol says.
 */
export const produceHandler: ApiHandler = {
  apiKey: ApiKey.Produce,
  minVersion: 3,
  maxVersion: 7,
  handle({ header, body, broker }: RequestContext): KafkaWriter | null {
    const version = header.apiVersion;
    const transactionalId = body.nullableString();
    const acks = body.int16();
    body.int32(); // timeout: nothing to wait for with one replica
    const topics = body.array((t) => ({
      name: t.string(),
      partitions: t.array((p) => ({ partition: p.int32(), records: p.nullableBytes() })),
    }));
    const results = topics.map((topic) => ({
      name: topic.name,
      partitions: topic.partitions.map((p) =>
        producePartition(broker, { acks, transactionalId, topic: topic.name, ...p }),
      ),
    }));
    if (acks === 0) {
      return null;
    }
    const writer = new KafkaWriter();
    writer.array(results, (w, topic) => {
      w.string(topic.name).array(topic.partitions, (pw, result) => {
        pw.int32(result.partition).int16(result.errorCode).int64(result.baseOffset).int64(-1); // log_append_time
        if (version >= 5) {
          pw.int64(result.logStartOffset);
        }
      });
    });
    return writer.int32(0);
  },
};

interface PartitionProduce {
  readonly acks: number;
  readonly transactionalId: string | null;
  readonly topic: string;
  readonly partition: number;
  readonly records: Buffer | null;
}

function producePartition(broker: BrokerState, request: PartitionProduce): PartitionResult {
  const { topic, partition, records } = request;
  const fail = (errorCode: ErrorCodeValue, reason: string): PartitionResult => {
    broker.log(`produce to ${topic}-${partition} failed with error ${errorCode}: ${reason}`);
    return { partition, errorCode, baseOffset: -1, logStartOffset: -1 };
  };
  if (!VALID_ACKS.has(request.acks)) {
    return fail(ErrorCode.INVALID_REQUIRED_ACKS, `acks=${request.acks}`);
  }
  if (request.transactionalId !== null) {
    return fail(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, 'transactions are not implemented');
  }
  const log = broker.topics.partition(topic, partition);
  if (!log) {
    return fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 'no such topic or partition');
  }
  if (records === null || records.length === 0) {
    return fail(ErrorCode.CORRUPT_MESSAGE, 'no records');
  }
  let batches;
  try {
    batches = splitRecordBatches(records);
  } catch (error) {
    if (error instanceof RecordBatchError) {
      return fail(error.errorCode, error.message);
    }
    throw error;
  }
  // Kafka requires exactly one batch per partition from v3 on; it keeps sequence checks unambiguous.
  if (batches.length !== 1) {
    return fail(ErrorCode.INVALID_RECORD, `${batches.length} record batches in one partition`);
  }
  const batch = batches[0];
  if (batch.bytes.length > broker.config.maxMessageBytes) {
    return fail(ErrorCode.MESSAGE_TOO_LARGE, `batch of ${batch.bytes.length} bytes`);
  }
  if (batch.isTransactional || batch.isControl) {
    return fail(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, 'transactional or control batch');
  }
  const result = broker.topics.append(log, batch);
  if (!result.ok) {
    return fail(result.errorCode, result.reason);
  }
  if (result.duplicate) {
    broker.log(
      `produce to ${topic}-${partition}: producer ${batch.producerId} resent sequence ${batch.baseSequence}, ` +
        `answered with the original offset ${result.baseOffset}`,
    );
  }
  return { partition, errorCode: ErrorCode.NONE, baseOffset: result.baseOffset, logStartOffset: log.logStartOffset };
}
