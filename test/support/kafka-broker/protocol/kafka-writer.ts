/**
 * Builds a response body in Kafka's wire format. The buffer grows by doubling, so encoding a fetch
 * response with many batches stays linear.
 */
export class KafkaWriter {
  private buffer = Buffer.allocUnsafe(INITIAL_CAPACITY);
  private length = 0;

  int8(value: number): this {
    this.ensure(1);
    this.buffer.writeInt8(value, this.length);
    this.length += 1;
    return this;
  }

  int16(value: number): this {
    this.ensure(2);
    this.buffer.writeInt16BE(value, this.length);
    this.length += 2;
    return this;
  }

  int32(value: number): this {
    this.ensure(4);
    this.buffer.writeInt32BE(value, this.length);
    this.length += 4;
    return this;
  }

  int64(value: bigint | number): this {
    this.ensure(8);
    this.buffer.writeBigInt64BE(BigInt(value), this.length);
    this.length += 8;
    return this;
  }

  boolean(value: boolean): this {
    return this.int8(value ? 1 : 0);
  }

  string(value: string): this {
    return this.nullableString(value);
  }

  nullableString(value: string | null): this {
    if (value === null) {
      return this.int16(-1);
    }
    const encoded = Buffer.from(value, 'utf8');
    return this.int16(encoded.length).raw(encoded);
  }

  bytes(value: Buffer): this {
    return this.nullableBytes(value);
  }

  nullableBytes(value: Buffer | null): this {
    if (value === null) {
      return this.int32(-1);
    }
    return this.int32(value.length).raw(value);
  }

  array<T>(items: readonly T[], writeItem: (writer: this, item: T) => void): this {
    this.int32(items.length);
    for (const item of items) {
      writeItem(this, item);
    }
    return this;
  }

  nullableArray<T>(items: readonly T[] | null, writeItem: (writer: this, item: T) => void): this {
    return items === null ? this.int32(-1) : this.array(items, writeItem);
  }

  int32Array(items: readonly number[]): this {
    return this.array(items, (writer, item) => writer.int32(item));
  }

  raw(value: Buffer): this {
    this.ensure(value.length);
    value.copy(this.buffer, this.length);
    this.length += value.length;
    return this;
  }

  get size(): number {
    return this.length;
  }

  toBuffer(): Buffer {
    return this.buffer.subarray(0, this.length);
  }

  private ensure(extra: number): void {
    if (this.length + extra <= this.buffer.length) {
      return;
    }
    let capacity = this.buffer.length * 2;
    while (capacity < this.length + extra) {
      capacity *= 2;
    }
    const grown = Buffer.allocUnsafe(capacity);
    this.buffer.copy(grown, 0, 0, this.length);
    this.buffer = grown;
  }
}

const INITIAL_CAPACITY = 256;
