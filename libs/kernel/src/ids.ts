import { randomBytes, randomUUID } from 'node:crypto';

export type Brand<T, B extends string> = T & { readonly __brand: B };
export type PaymentId = Brand<string, 'PaymentId'>;
export type AttemptReference = Brand<string, 'AttemptReference'>;

export function newUuid(): string {
  return randomUUID();
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** Every gateway accepts a merchant reference of at most 32 characters of [A-Za-z0-9-]. */
export const ATTEMPT_REFERENCE_LENGTH_MAX = 32;
export const ATTEMPT_REFERENCE_PATTERN = /^[A-Za-z0-9-]{1,32}$/;

/** Random base62 text; rejection sampling keeps the alphabet uniform. */
export function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 248 && out.length < length) out += BASE62[byte % 62];
    }
  }
  return out;
}

/** `pay_` + 22 base62 characters (~131 bits): short enough for URLs, unguessable. */
export function newPaymentId(): PaymentId {
  return `pay_${randomBase62(22)}` as PaymentId;
}

/** A per-attempt reference that fits every gateway: `PL` + 24 base62 characters (26 in all). */
export function newAttemptReference(): AttemptReference {
  return `PL${randomBase62(24)}` as AttemptReference;
}

export function newPrefixedId(prefix: string, length = 22): string {
  return `${prefix}_${randomBase62(length)}`;
}
