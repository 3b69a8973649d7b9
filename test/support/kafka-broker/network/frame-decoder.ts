import { MAX_FRAME_BYTES } from '../protocol/limits';

export class FrameTooLargeError extends Error {
  constructor(size: number) {
    super(`frame size ${size} is outside 0..${MAX_FRAME_BYTES}`);
    this.name = 'FrameTooLargeError';
  }
}

const SIZE_PREFIX_BYTES = 4;

/**
 * Cuts a TCP byte stream into Kafka frames (INT32 size, then that many bytes). Chunks are kept as they
 * arrive and joined once per frame, so a large produce request is not re-copied on every chunk.
 */
export class FrameDecoder {
  private chunks: Buffer[] = [];
  private buffered = 0;

  /** Returns the complete frames now available; throws FrameTooLargeError on a bad size prefix. */
  push(chunk: Buffer): Buffer[] {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const frames: Buffer[] = [];
    // Each iteration consumes at least the 4-byte prefix, so the buffered length bounds the loop.
    while (this.buffered >= SIZE_PREFIX_BYTES) {
      const size = this.peekSize();
      if (size < 0 || size > MAX_FRAME_BYTES) {
        throw new FrameTooLargeError(size);
      }
      if (this.buffered < SIZE_PREFIX_BYTES + size) {
        break;
      }
      const joined = this.take(SIZE_PREFIX_BYTES + size);
      frames.push(joined.subarray(SIZE_PREFIX_BYTES));
    }
    return frames;
  }

  private peekSize(): number {
    const head = this.chunks[0].length >= SIZE_PREFIX_BYTES ? this.chunks[0] : Buffer.concat(this.chunks);
    return head.readInt32BE(0);
  }

  private take(length: number): Buffer {
    const all = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks, this.buffered);
    const taken = all.subarray(0, length);
    const rest = all.subarray(length);
    this.chunks = rest.length > 0 ? [rest] : [];
    this.buffered = rest.length;
    return taken;
  }
}
