import { ErrorCode, ErrorCodeValue } from '../protocol/error-codes';
import { PRODUCER_BATCHES_RETAINED } from '../protocol/limits';
import { RecordBatchView } from '../protocol/record-batch';

interface RetainedBatch {
  readonly firstSequence: number;
  readonly lastSequence: number;
  readonly baseOffset: number;
}

interface ProducerEntry {
  epoch: number;
  lastSequence: number;
  /** Newest last; at most PRODUCER_BATCHES_RETAINED, like Kafka's ProducerStateEntry. */
  batches: RetainedBatch[];
}

export type SequenceVerdict =
  | { readonly kind: 'append' }
  | { readonly kind: 'duplicate'; readonly baseOffset: number }
  | { readonly kind: 'reject'; readonly errorCode: ErrorCodeValue; readonly reason: string };

const INT32_MAX = 0x7fffffff;

/** Kafka's DefaultRecordBatch.incrementSequence: sequences wrap to 0 after INT32_MAX. */
function incrementSequence(sequence: number, increment: number): number {
  return sequence > INT32_MAX - increment ? increment - (INT32_MAX - sequence) - 1 : sequence + increment;
}

/**
 * Idempotent-producer bookkeeping for one partition, after Kafka's ProducerStateManager: a retried batch
 * that matches one of the last five appended batches is answered with its original offset instead of
 * being stored again; any other sequence that is not exactly "last + 1" is rejected.
 */
export class PartitionProducerState {
  private readonly entries = new Map<number, ProducerEntry>();

  check(batch: RecordBatchView): SequenceVerdict {
    if (batch.producerId < 0) {
      return { kind: 'append' };
    }
    const entry = this.entries.get(batch.producerId);
    const firstSequence = batch.baseSequence;
    if (!entry) {
      return firstSequence === 0
        ? { kind: 'append' }
        : reject(ErrorCode.UNKNOWN_PRODUCER_ID, `no state for producer ${batch.producerId}, sequence ${firstSequence}`);
    }
    if (batch.producerEpoch < entry.epoch) {
      return reject(ErrorCode.INVALID_PRODUCER_EPOCH, `epoch ${batch.producerEpoch} < ${entry.epoch}`);
    }
    if (batch.producerEpoch > entry.epoch) {
      return firstSequence === 0
        ? { kind: 'append' }
        : reject(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, `new epoch must start at sequence 0, got ${firstSequence}`);
    }
    const lastSequence = incrementSequence(firstSequence, batch.recordCount - 1);
    const retained = entry.batches.find((b) => b.firstSequence === firstSequence && b.lastSequence === lastSequence);
    if (retained) {
      return { kind: 'duplicate', baseOffset: retained.baseOffset };
    }
    if (firstSequence === incrementSequence(entry.lastSequence, 1)) {
      return { kind: 'append' };
    }
    if (firstSequence <= entry.lastSequence) {
      return reject(
        ErrorCode.DUPLICATE_SEQUENCE_NUMBER,
        `sequence ${firstSequence} was already written and is older than the retained batches`,
      );
    }
    return reject(
      ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
      `expected sequence ${incrementSequence(entry.lastSequence, 1)}, got ${firstSequence}`,
    );
  }

  record(batch: RecordBatchView, baseOffset: number): void {
    if (batch.producerId < 0) {
      return;
    }
    let entry = this.entries.get(batch.producerId);
    if (!entry || entry.epoch !== batch.producerEpoch) {
      entry = { epoch: batch.producerEpoch, lastSequence: -1, batches: [] };
      this.entries.set(batch.producerId, entry);
    }
    const lastSequence = incrementSequence(batch.baseSequence, batch.recordCount - 1);
    entry.batches.push({ firstSequence: batch.baseSequence, lastSequence, baseOffset });
    if (entry.batches.length > PRODUCER_BATCHES_RETAINED) {
      entry.batches.shift();
    }
    entry.lastSequence = lastSequence;
  }
}

function reject(errorCode: ErrorCodeValue, reason: string): SequenceVerdict {
  return { kind: 'reject', errorCode, reason };
}

/**
 * Hands out producer ids. Non-transactional InitProducerId always gets a fresh id with epoch 0, as in
 * Kafka; ids are never reused within one broker object, also across restarts.
 */
export class ProducerIdAllocator {
  private next = FIRST_PRODUCER_ID;

  allocate(): { producerId: number; producerEpoch: number } {
    const producerId = this.next;
    this.next += 1;
    return { producerId, producerEpoch: 0 };
  }
}

/** Arbitrary but recognisable in logs and far from 0/-1, which mean "none" in several fields. */
const FIRST_PRODUCER_ID = 1000;
