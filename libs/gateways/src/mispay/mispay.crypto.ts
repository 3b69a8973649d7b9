import { createCipheriv, createDecipheriv, createHash, pbkdf2, pbkdf2Sync, randomBytes } from 'node:crypto';

/**
 * MIS Pay's message encryption (mispay.md §4.1), shared by `/token` and the callback `_` value:
 * blob = base64( salt16 ‖ nonce12 ‖ ciphertext ‖ tag16 ),
 * key  = PBKDF2-HMAC-SHA256(app secret as its UTF-8 string, salt, 40 000, 32),
 * AES-256-GCM with no AAD.
 */
export const PBKDF2_ITERATIONS = 40_000;
export const SALT_LENGTH = 16;
export const NONCE_LENGTH = 12;
export const TAG_LENGTH = 16;
export const KEY_LENGTH = 32;
/** salt + nonce + tag: anything shorter cannot hold a message. */
export const BLOB_LENGTH_MIN = SALT_LENGTH + NONCE_LENGTH + TAG_LENGTH;
/** A callback `_` is a few hundred characters; refusing huge input keeps decoding cheap. */
export const ENCODED_LENGTH_MAX = 16 * 1024;
/**
 * Derived keys kept for salts that already authenticated a message. Only those: a forged message must not
 * be able to fill the cache, and fresh salts (every new message) never repeat, so the cache serves
 * replays and duplicates of a genuine callback, which then cost no PBKDF2 run.
 */
export const DERIVED_KEY_CACHE_ENTRIES_MAX = 256;

export type MispayCryptoFailure = 'encoding' | 'length' | 'tag' | 'json';

export class MispayCryptoError extends Error {
  constructor(
    readonly reason: MispayCryptoFailure,
    message: string,
  ) {
    super(message);
    this.name = 'MispayCryptoError';
  }
}

const STANDARD_OR_URL_SAFE = /^[A-Za-z0-9+/\-_]*={0,2}$/;

/**
 * Base64 as the decrypt procedure reads it: spaces back to `+` (a query decoder may have turned them),
 * standard or URL-safe alphabet, padding optional. Anything else is refused rather than skipped, which
 * is what Buffer.from(…, 'base64') would silently do.
 */
export function decodeBase64Tolerant(text: string): Buffer | undefined {
  if (text.length > ENCODED_LENGTH_MAX) return undefined;
  const cleaned = text.trim().replace(/ /g, '+');
  if (cleaned === '' || !STANDARD_OR_URL_SAFE.test(cleaned)) return undefined;
  const unpadded = cleaned.replace(/=+$/, '').replace(/-/g, '+').replace(/_/g, '/');
  if (unpadded.length % 4 === 1) return undefined;
  return Buffer.from(unpadded, 'base64');
}

interface BlobParts {
  salt: Buffer;
  nonce: Buffer;
  ciphertext: Buffer;
  tag: Buffer;
}

export function splitBlob(bytes: Buffer): BlobParts {
  if (bytes.length < BLOB_LENGTH_MIN) throw new MispayCryptoError('length', `encrypted message is ${bytes.length} bytes; at least ${BLOB_LENGTH_MIN} expected`);
  return {
    salt: bytes.subarray(0, SALT_LENGTH),
    nonce: bytes.subarray(SALT_LENGTH, SALT_LENGTH + NONCE_LENGTH),
    ciphertext: bytes.subarray(SALT_LENGTH + NONCE_LENGTH, bytes.length - TAG_LENGTH),
    tag: bytes.subarray(bytes.length - TAG_LENGTH),
  };
}

class DerivedKeyCache {
  private readonly entries = new Map<string, Buffer>();

  key(secret: string, salt: Buffer): string {
    // The secret itself is not kept as a map key.
    return `${createHash('sha256').update(secret, 'utf8').digest('hex')}:${salt.toString('hex')}`;
  }

  get(id: string): Buffer | undefined {
    const key = this.entries.get(id);
    if (key) {
      this.entries.delete(id);
      this.entries.set(id, key);
    }
    return key;
  }

  set(id: string, key: Buffer): void {
    this.entries.delete(id);
    this.entries.set(id, key);
    while (this.entries.size > DERIVED_KEY_CACHE_ENTRIES_MAX) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }

  clear(): void {
    this.entries.clear();
  }
}

const authenticatedKeys = new DerivedKeyCache();

/** For tests that count derivations; production never needs it. */
export function clearDerivedKeyCache(): void {
  authenticatedKeys.clear();
}

/** 40 000 PBKDF2 rounds take tens of milliseconds: off the event loop. */
export function deriveKey(secret: string, salt: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    pbkdf2(Buffer.from(secret, 'utf8'), salt, PBKDF2_ITERATIONS, KEY_LENGTH, 'sha256', (error, key) => (error ? reject(error) : resolve(key)));
  });
}

/** Only for callers that cannot wait (the synchronous GatewayPort.parseInbound). */
export function deriveKeySync(secret: string, salt: Buffer): Buffer {
  return pbkdf2Sync(Buffer.from(secret, 'utf8'), salt, PBKDF2_ITERATIONS, KEY_LENGTH, 'sha256');
}

export interface EncryptMaterial {
  /** Fixed only by the test vectors; otherwise fresh random bytes per message. */
  salt?: Buffer;
  nonce?: Buffer;
}

/** Single-base64 blob, as `/token` carries it. */
export async function encryptToBlob(plaintext: string, secret: string, material: EncryptMaterial = {}): Promise<string> {
  const salt = material.salt ?? randomBytes(SALT_LENGTH);
  const nonce = material.nonce ?? randomBytes(NONCE_LENGTH);
  if (salt.length !== SALT_LENGTH || nonce.length !== NONCE_LENGTH) throw new RangeError('salt must be 16 bytes and nonce 12 bytes');
  const key = await deriveKey(secret, salt);
  const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_LENGTH });
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return Buffer.concat([salt, nonce, ciphertext, cipher.getAuthTag()]).toString('base64');
}

/** The callback's layering: base64 of the blob's base64 text. */
export function encodeCallbackValue(blob: string): string {
  return Buffer.from(blob, 'ascii').toString('base64');
}

function blobBytes(blob: string): Buffer {
  const bytes = decodeBase64Tolerant(blob);
  if (!bytes) throw new MispayCryptoError('encoding', 'encrypted message is not base64');
  return bytes;
}

/** Decodes the callback's outer base64 layer, giving the blob text. */
export function unwrapCallbackValue(value: string): string {
  const outer = decodeBase64Tolerant(value);
  if (!outer) throw new MispayCryptoError('encoding', 'callback value is not base64');
  return outer.toString('latin1');
}

function openWithKey(parts: BlobParts, key: Buffer): string {
  const decipher = createDecipheriv('aes-256-gcm', key, parts.nonce, { authTagLength: TAG_LENGTH });
  decipher.setAuthTag(parts.tag);
  try {
    return Buffer.concat([decipher.update(parts.ciphertext), decipher.final()]).toString('utf8');
  } catch {
    throw new MispayCryptoError('tag', 'authentication tag does not match: wrong secret or altered message');
  }
}

function open(parts: BlobParts, key: Buffer, cacheId: string): string {
  const plaintext = openWithKey(parts, key);
  authenticatedKeys.set(cacheId, key);
  return plaintext;
}

/** Decrypts a single-base64 blob (the `/token` layering). A tag failure throws. */
export async function decryptBlob(blob: string, secret: string): Promise<string> {
  const parts = splitBlob(blobBytes(blob));
  const cacheId = authenticatedKeys.key(secret, parts.salt);
  const key = authenticatedKeys.get(cacheId) ?? (await deriveKey(secret, parts.salt));
  return open(parts, key, cacheId);
}

export function decryptBlobSync(blob: string, secret: string): string {
  const parts = splitBlob(blobBytes(blob));
  const cacheId = authenticatedKeys.key(secret, parts.salt);
  const key = authenticatedKeys.get(cacheId) ?? deriveKeySync(secret, parts.salt);
  return open(parts, key, cacheId);
}

/** Decrypts a callback `_` value (base64 twice). */
export function decryptCallbackValue(value: string, secret: string): Promise<string> {
  try {
    return decryptBlob(unwrapCallbackValue(value), secret);
  } catch (error) {
    return Promise.reject(error);
  }
}

export function decryptCallbackValueSync(value: string, secret: string): string {
  return decryptBlobSync(unwrapCallbackValue(value), secret);
}

/** Parses decrypted text as a JSON object, or throws a `json` crypto error. */
export function parseDecryptedJson(plaintext: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(plaintext);
  } catch {
    throw new MispayCryptoError('json', 'decrypted message is not JSON');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new MispayCryptoError('json', 'decrypted message is not a JSON object');
  return parsed as Record<string, unknown>;
}
