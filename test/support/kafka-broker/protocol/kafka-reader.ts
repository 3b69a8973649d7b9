import { MAX_ARRAY_ELEMENTS } from './limits';

/** A frame or record that does not follow the wire format; the connection that sent it gets closed. */
export class ProtocolDecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProtocolDecodeError';
  }
}

/**
 * Reads Kafka's primitive types (big-endian fixed-width integers, INT16-prefixed strings, INT32-prefixed
 * bytes and arrays, zig-zag varints) from one buffer. Every read checks the remaining length first, so a
 * truncated or lying frame raises ProtocolDecodeError instead of reading garbage.
 */
export class KafkaReader {
  private position = 0;

  constructor(private readonly buffer: Buffer) {}

  get remaining(): number {
    return this.buffer.length - this.position;
  }

  get offset(): number {
    return this.position;
  }

  int8(): number {
    this.require(1);
    const value = this.buffer.readInt8(this.position);
    this.position += 1;
    return value;
  }

  int16(): number {
    this.require(2);
    const value = this.buffer.readInt16BE(this.position);
    this.position += 2;
    return value;
  }

  int32(): number {
    this.require(4);
    const value = this.buffer.readInt32BE(this.position);
    this.position += 4;
    return value;
  }

  int64(): bigint {
    this.require(8);
    const value = this.buffer.readBigInt64BE(this.position);
    this.position += 8;
    return value;
  }

  /** Offsets, timestamps and producer ids: a value beyond 2^53 cannot come from a sane test. */
  int64AsNumber(): number {
    const value = this.int64();
    if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
      throw new ProtocolDecodeError(`int64 ${value} is outside the safe integer range`);
    }
    return Number(value);
  }

  boolean(): boolean {
    return this.int8() !== 0;
  }

  string(): string {
    const value = this.nullableString();
    if (value === null) {
      throw new ProtocolDecodeError('null where a STRING is required');
    }
    return value;
  }

  nullableString(): string | null {
    const length = this.int16();
    if (length === -1) {
      return null;
    }
    if (length < 0) {
      throw new ProtocolDecodeError(`negative string length ${length}`);
    }
    return this.take(length).toString('utf8');
  }

  bytes(): Buffer {
    const value = this.nullableBytes();
    if (value === null) {
      throw new ProtocolDecodeError('null where BYTES are required');
    }
    return value;
  }

  nullableBytes(): Buffer | null {
    const length = this.int32();
    if (length === -1) {
      return null;
    }
    if (length < 0) {
      throw new ProtocolDecodeError(`negative bytes length ${length}`);
    }
    return this.take(length);
  }

  /** A null array (length -1) reads as empty, which is what Kafka does for non-nullable arrays too. */
  array<T>(readItem: (reader: KafkaReader) => T): T[] {
    return this.nullableArray(readItem) ?? [];
  }

  nullableArray<T>(readItem: (reader: KafkaReader) => T): T[] | null {
    const length = this.int32();
    if (length === -1) {
      return null;
    }
    // Every element takes at least one byte, so the remaining length bounds the count.
    if (length < 0 || length > MAX_ARRAY_ELEMENTS || length > this.remaining) {
      throw new ProtocolDecodeError(`implausible array length ${length}`);
    }
    const items: T[] = [];
    for (let i = 0; i < length; i += 1) {
      items.push(readItem(this));
    }
    return items;
  }

  /** Zig-zag varint as used inside records (at most 5 bytes for 32 bits). */
  varint(): number {
    const value = this.unsignedVarint(5);
    return Number((value >> 1n) ^ -(value & 1n));
  }

  /** Zig-zag varlong (at most 10 bytes). */
  varlong(): bigint {
    const value = this.unsignedVarint(10);
    return (value >> 1n) ^ -(value & 1n);
  }

  /** Varint-length-prefixed bytes inside a record; -1 is null. */
  varintBytes(): Buffer | null {
    const length = this.varint();
    if (length === -1) {
      return null;
    }
    if (length < 0) {
      throw new ProtocolDecodeError(`negative varint length ${length}`);
    }
    return this.take(length);
  }

  take(length: number): Buffer {
    this.require(length);
    const slice = this.buffer.subarray(this.position, this.position + length);
    this.position += length;
    return slice;
  }

  rest(): Buffer {
    return this.take(this.remaining);
  }

  private unsignedVarint(maxBytes: number): bigint {
    let result = 0n;
    for (let i = 0; i < maxBytes; i += 1) {
      const byte = this.int8() & 0xff;
      result |= BigInt(byte & 0x7f) << BigInt(7 * i);
      if ((byte & 0x80) === 0) {
        return result;
      }
    }
    throw new ProtocolDecodeError(`varint longer than ${maxBytes} bytes`);
  }

  private require(length: number): void {
    if (length > this.remaining) {
      throw new ProtocolDecodeError(`needs ${length} bytes, ${this.remaining} left`);
    }
  }
}
