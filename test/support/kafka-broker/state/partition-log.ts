import { ErrorCode, ErrorCodeValue } from '../protocol/error-codes';
import { MAX_PARTITION_LOG_BYTES } from '../protocol/limits';
import { batchLastOffset, decodeRecords, RecordBatchView, withBaseOffset } from '../protocol/record-batch';
import { PartitionProducerState } from './producer-state';

export interface StoredBatch {
  readonly baseOffset: number;
  readonly lastOffset: number;
  readonly maxTimestamp: number;
  /** The produced batch byte for byte, except that baseOffset now holds the log offset. */
  readonly bytes: Buffer;
}

export type AppendResult =
  | { readonly ok: true; readonly baseOffset: number; readonly duplicate: boolean }
  | { readonly ok: false; readonly errorCode: ErrorCodeValue; readonly reason: string };

/**
 * One partition's log: batches in offset order, never compacted or truncated, so the log start offset is
 * always 0 and the high watermark is the next offset to assign (a single replica is always "in sync").
 */
export class PartitionLog {
  private readonly batches: StoredBatch[] = [];
  private readonly producers = new PartitionProducerState();
  private nextOffset = 0;
  private storedBytes = 0;

  constructor(
    readonly topic: string,
    readonly partition: number,
  ) {}

  get logStartOffset(): number {
    return 0;
  }

  get highWatermark(): number {
    return this.nextOffset;
  }

  append(batch: RecordBatchView): AppendResult {
    const verdict = this.producers.check(batch);
    if (verdict.kind === 'reject') {
      return { ok: false, errorCode: verdict.errorCode, reason: verdict.reason };
    }
    if (verdict.kind === 'duplicate') {
      return { ok: true, baseOffset: verdict.baseOffset, duplicate: true };
    }
    if (this.storedBytes + batch.bytes.length > MAX_PARTITION_LOG_BYTES) {
      return { ok: false, errorCode: ErrorCode.KAFKA_STORAGE_ERROR, reason: 'partition log is full' };
    }
    const baseOffset = this.nextOffset;
    const bytes = withBaseOffset(batch.bytes, baseOffset);
    this.batches.push({ baseOffset, lastOffset: batchLastOffset(bytes), maxTimestamp: batch.maxTimestamp, bytes });
    this.nextOffset = baseOffset + batch.recordCount;
    this.storedBytes += bytes.length;
    this.producers.record(batch, baseOffset);
    return { ok: true, baseOffset, duplicate: false };
  }

  /**
   * Whole batches from the one holding `fetchOffset`, as many as fit in `maxBytes`. Kafka may also send
   * a truncated last batch; this log never does, which kafkajs handles the same way (it drops partial
   * batches). With `minOneBatch` the first batch is returned even when it alone exceeds the limit, the
   * KIP-74 rule that keeps a consumer from getting stuck behind a large batch.
   */
  read(fetchOffset: number, maxBytes: number, minOneBatch: boolean): Buffer[] {
    const chunks: Buffer[] = [];
    let size = 0;
    for (let i = this.indexOf(fetchOffset); i < this.batches.length; i += 1) {
      const bytes = this.batches[i].bytes;
      if (size + bytes.length > maxBytes && !(minOneBatch && chunks.length === 0)) {
        break;
      }
      chunks.push(bytes);
      size += bytes.length;
    }
    return chunks;
  }

  /** Kafka's ListOffsets by timestamp: the first offset whose record timestamp is >= `timestamp`. */
  offsetForTimestamp(timestamp: number): { offset: number; timestamp: number } | null {
    for (const batch of this.batches) {
      if (batch.maxTimestamp < timestamp) {
        continue;
      }
      try {
        const record = decodeRecords(batch.bytes).find((r) => r.timestamp >= timestamp);
        if (record) {
          return { offset: record.offset, timestamp: record.timestamp };
        }
      } catch {
        // A codec this fixture cannot inflate: the batch start is the closest answer it can give.
        return { offset: batch.baseOffset, timestamp: batch.maxTimestamp };
      }
    }
    return null;
  }

  storedBatches(): readonly StoredBatch[] {
    return this.batches;
  }

  /** Binary search for the first batch whose last offset is >= `offset`. */
  private indexOf(offset: number): number {
    let low = 0;
    let high = this.batches.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.batches[middle].lastOffset < offset) {
        low = middle + 1;
      } else {
        high = middle;
      }
    }
    return low;
  }
}
