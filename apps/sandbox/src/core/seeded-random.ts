import { randomBytes } from 'node:crypto';

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const HEX = '0123456789abcdef';
const DIGITS = '0123456789';

/** Ids and tokens the simulators hand out: reproducible when a seed is given, unguessable otherwise. */
export class SeededRandom {
  private state: number | undefined;

  constructor(seed?: string) {
    this.reseed(seed);
  }

  reseed(seed?: string): void {
    if (seed === undefined) {
      this.state = undefined;
      return;
    }
    let h = 2166136261;
    for (let i = 0; i < seed.length; i++) h = Math.imul(h ^ seed.charCodeAt(i), 16777619);
    this.state = h >>> 0;
  }

  get seeded(): boolean {
    return this.state !== undefined;
  }

  /** A float in [0, 1). */
  next(): number {
    if (this.state === undefined) return randomBytes(4).readUInt32BE(0) / 2 ** 32;
    // mulberry32
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  }

  bytes(length: number): Buffer {
    if (this.state === undefined) return randomBytes(length);
    const out = Buffer.alloc(length);
    for (let i = 0; i < length; i++) out[i] = Math.floor(this.next() * 256);
    return out;
  }

  private pick(alphabet: string, length: number): string {
    let out = '';
    for (let i = 0; i < length; i++) out += alphabet[Math.floor(this.next() * alphabet.length)];
    return out;
  }

  alnum(length: number): string {
    return this.pick(ALNUM, length);
  }

  hex(length: number): string {
    return this.pick(HEX, length);
  }

  digits(length: number): string {
    return this.pick(DIGITS, length);
  }
}
