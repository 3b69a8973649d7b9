import { gunzipSync } from 'node:zlib';
import { crc32c } from './crc32c';
import { ErrorCode, ErrorCodeValue } from './error-codes';
import { KafkaReader, ProtocolDecodeError } from './kafka-reader';
import { MAX_DECOMPRESSED_BATCH_BYTES, MAX_HEADERS_PER_RECORD, MAX_RECORDS_PER_BATCH } from './limits';

/**
 * Record batch v2 (magic 2) layout, byte offsets from the start of the batch. Only baseOffset and
 * partitionLeaderEpoch lie outside the CRC, which is why the broker may rewrite baseOffset and must not
 * touch anything after `crc`.
 */
const BASE_OFFSET = 0;
const BATCH_LENGTH = 8;
const MAGIC = 16;
const CRC = 17;
const ATTRIBUTES = 21;
const LAST_OFFSET_DELTA = 23;
const FIRST_TIMESTAMP = 27;
const MAX_TIMESTAMP = 35;
const PRODUCER_ID = 43;
const PRODUCER_EPOCH = 51;
const BASE_SEQUENCE = 53;
const RECORD_COUNT = 57;
export const RECORD_BATCH_HEADER_BYTES = 61;
/** Bytes of the header that `batchLength` counts (everything after the length field itself). */
const LENGTH_COUNTED_HEADER_BYTES = RECORD_BATCH_HEADER_BYTES - 12;
const SUPPORTED_MAGIC = 2;

const COMPRESSION_MASK = 0x07;
const TRANSACTIONAL_FLAG = 0x10;
const CONTROL_FLAG = 0x20;
export const COMPRESSION_NONE = 0;
const COMPRESSION_GZIP = 1;
const COMPRESSION_NAMES = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];

/** A batch found in a produce request, validated and still referring to the request's bytes. */
export interface RecordBatchView {
  readonly bytes: Buffer;
  readonly attributes: number;
  readonly compression: number;
  readonly isTransactional: boolean;
  readonly isControl: boolean;
  readonly lastOffsetDelta: number;
  readonly firstTimestamp: number;
  readonly maxTimestamp: number;
  readonly producerId: number;
  readonly producerEpoch: number;
  readonly baseSequence: number;
  readonly recordCount: number;
}

export class RecordBatchError extends Error {
  constructor(
    readonly errorCode: ErrorCodeValue,
    message: string,
  ) {
    super(message);
    this.name = 'RecordBatchError';
  }
}

/**
 * Splits a RECORDS field into its batches and checks each one as Kafka's LogValidator would: framing,
 * magic 2, CRC-32C, and a record count that matches lastOffsetDelta (so offsets can be assigned without
 * decoding records). The loop advances by at least one header per batch, so the buffer length bounds it.
 */
export function splitRecordBatches(records: Buffer): RecordBatchView[] {
  const batches: RecordBatchView[] = [];
  let position = 0;
  while (position < records.length) {
    if (records.length - position < RECORD_BATCH_HEADER_BYTES) {
      throw new RecordBatchError(ErrorCode.CORRUPT_MESSAGE, 'truncated record batch header');
    }
    const batchLength = records.readInt32BE(position + BATCH_LENGTH);
    const totalBytes = 12 + batchLength;
    if (batchLength < LENGTH_COUNTED_HEADER_BYTES || totalBytes > records.length - position) {
      throw new RecordBatchError(ErrorCode.CORRUPT_MESSAGE, `record batch length ${batchLength} is invalid`);
    }
    batches.push(viewBatch(records.subarray(position, position + totalBytes)));
    position += totalBytes;
  }
  return batches;
}

function viewBatch(bytes: Buffer): RecordBatchView {
  const magic = bytes.readInt8(MAGIC);
  if (magic !== SUPPORTED_MAGIC) {
    throw new RecordBatchError(ErrorCode.INVALID_RECORD, `record batch magic ${magic} (only v2 is supported)`);
  }
  const expectedCrc = bytes.readUInt32BE(CRC);
  const actualCrc = crc32c(bytes.subarray(ATTRIBUTES));
  if (expectedCrc !== actualCrc) {
    throw new RecordBatchError(ErrorCode.CORRUPT_MESSAGE, `record batch CRC ${actualCrc} != ${expectedCrc}`);
  }
  const attributes = bytes.readInt16BE(ATTRIBUTES);
  const lastOffsetDelta = bytes.readInt32BE(LAST_OFFSET_DELTA);
  const recordCount = bytes.readInt32BE(RECORD_COUNT);
  if (recordCount <= 0 || recordCount > MAX_RECORDS_PER_BATCH || lastOffsetDelta !== recordCount - 1) {
    throw new RecordBatchError(
      ErrorCode.INVALID_RECORD,
      `record count ${recordCount} does not match lastOffsetDelta ${lastOffsetDelta}`,
    );
  }
  return {
    bytes,
    attributes,
    compression: attributes & COMPRESSION_MASK,
    isTransactional: (attributes & TRANSACTIONAL_FLAG) !== 0,
    isControl: (attributes & CONTROL_FLAG) !== 0,
    lastOffsetDelta,
    firstTimestamp: Number(bytes.readBigInt64BE(FIRST_TIMESTAMP)),
    maxTimestamp: Number(bytes.readBigInt64BE(MAX_TIMESTAMP)),
    producerId: Number(bytes.readBigInt64BE(PRODUCER_ID)),
    producerEpoch: bytes.readInt16BE(PRODUCER_EPOCH),
    baseSequence: bytes.readInt32BE(BASE_SEQUENCE),
    recordCount,
  };
}

/** Copies the batch and stamps the log offset; the CRC stays valid because it does not cover baseOffset. */
export function withBaseOffset(batch: Buffer, baseOffset: number): Buffer {
  const copy = Buffer.from(batch);
  copy.writeBigInt64BE(BigInt(baseOffset), BASE_OFFSET);
  return copy;
}

export interface RecordHeader {
  readonly key: string;
  readonly value: Buffer | null;
}

export interface DecodedRecord {
  readonly offset: number;
  readonly timestamp: number;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: RecordHeader[];
}

/**
 * Decodes the records of a stored batch, for introspection and timestamp lookups only: fetch returns the
 * stored bytes untouched. gzip is inflated with node:zlib; other codecs would need third-party libraries.
 */
export function decodeRecords(batch: Buffer): DecodedRecord[] {
  const baseOffset = Number(batch.readBigInt64BE(BASE_OFFSET));
  const firstTimestamp = batch.readBigInt64BE(FIRST_TIMESTAMP);
  const compression = batch.readInt16BE(ATTRIBUTES) & COMPRESSION_MASK;
  const recordCount = batch.readInt32BE(RECORD_COUNT);
  const body = inflate(compression, batch.subarray(RECORD_BATCH_HEADER_BYTES));
  const reader = new KafkaReader(body);
  const records: DecodedRecord[] = [];
  for (let i = 0; i < Math.min(recordCount, MAX_RECORDS_PER_BATCH); i += 1) {
    const length = reader.varint();
    const record = new KafkaReader(reader.take(length));
    record.int8(); // record attributes are unused in magic 2
    const timestampDelta = record.varlong();
    const offsetDelta = record.varint();
    const key = record.varintBytes();
    const value = record.varintBytes();
    const headerCount = record.varint();
    if (headerCount < 0 || headerCount > MAX_HEADERS_PER_RECORD) {
      throw new ProtocolDecodeError(`implausible header count ${headerCount}`);
    }
    const headers: RecordHeader[] = [];
    for (let h = 0; h < headerCount; h += 1) {
      const headerKey = record.varintBytes();
      headers.push({ key: headerKey === null ? '' : headerKey.toString('utf8'), value: record.varintBytes() });
    }
    records.push({
      offset: baseOffset + offsetDelta,
      timestamp: Number(firstTimestamp + timestampDelta),
      key,
      value,
      headers,
    });
  }
  return records;
}

function inflate(compression: number, body: Buffer): Buffer {
  if (compression === COMPRESSION_NONE) {
    return body;
  }
  if (compression === COMPRESSION_GZIP) {
    return gunzipSync(body, { maxOutputLength: MAX_DECOMPRESSED_BATCH_BYTES });
  }
  const name = COMPRESSION_NAMES[compression] ?? `codec ${compression}`;
  throw new Error(`cannot decode ${name} batches for introspection (stored and fetched as produced)`);
}

/** The header fields of a stored batch that the log needs without decoding records. */
export function batchLastOffset(batch: Buffer): number {
  return Number(batch.readBigInt64BE(BASE_OFFSET)) + batch.readInt32BE(LAST_OFFSET_DELTA);
}
