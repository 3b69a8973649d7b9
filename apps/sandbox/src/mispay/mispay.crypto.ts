import { createCipheriv, createDecipheriv, createHmac, pbkdf2, timingSafeEqual } from 'node:crypto';

/**
 * The simulator's own implementation of MIS Pay's message encryption (mispay.md §4.1). Deliberately not
 * shared with the adapter, so a mistake in one cannot hide behind the same mistake in the other; both
 * are checked against the spec's fixed vectors.
 */
export const SALT_BYTES = 16;
export const NONCE_BYTES = 12;
export const TAG_BYTES = 16;
const ITERATIONS = 40_000;
const KEY_BYTES = 32;

function derive(secret: string, salt: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    pbkdf2(Buffer.from(secret, 'utf8'), salt, ITERATIONS, KEY_BYTES, 'sha256', (error, key) => (error ? reject(error) : resolve(key)));
  });
}

/** salt ‖ nonce ‖ ciphertext ‖ tag, as raw bytes (the caller chooses the base64 layering). */
export async function sealMessage(plaintext: string, secret: string, salt: Buffer, nonce: Buffer): Promise<Buffer> {
  const key = await derive(secret, salt);
  const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return Buffer.concat([salt, nonce, ciphertext, cipher.getAuthTag()]);
}

/** The inverse, for tests of the simulator: throws when the tag does not match. */
export async function openMessage(bytes: Buffer, secret: string): Promise<string> {
  const salt = bytes.subarray(0, SALT_BYTES);
  const nonce = bytes.subarray(SALT_BYTES, SALT_BYTES + NONCE_BYTES);
  const tag = bytes.subarray(bytes.length - TAG_BYTES);
  const ciphertext = bytes.subarray(SALT_BYTES + NONCE_BYTES, bytes.length - TAG_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', await derive(secret, salt), nonce, { authTagLength: TAG_BYTES });
  decipher.setAuthTag(tag);
  return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
}

/** `/token` layering: the blob is base64 once. */
export function tokenLayer(sealed: Buffer): string {
  return sealed.toString('base64');
}

/** Callback layering: base64 of the blob's base64 text. `singleBase64` reproduces the classic mistake. */
export function callbackLayer(sealed: Buffer, singleBase64 = false): string {
  const blob = sealed.toString('base64');
  return singleBase64 ? blob : Buffer.from(blob, 'ascii').toString('base64');
}

// ───── HS256 JWT for the Bearer token ─────

export interface SandboxJwtClaims {
  sub: string;
  iat: number;
  exp: number;
  jti: string;
}

export function signJwt(claims: SandboxJwtClaims, key: Buffer): string {
  const header = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');
  const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
  const signature = createHmac('sha256', key).update(`${header}.${payload}`).digest('base64url');
  return `${header}.${payload}.${signature}`;
}

/** The claims when the signature is ours and the shape is right; undefined otherwise. Expiry is the caller's. */
export function verifyJwt(token: string, key: Buffer): SandboxJwtClaims | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  const expected = createHmac('sha256', key).update(`${parts[0]}.${parts[1]}`).digest();
  const given = Buffer.from(parts[2], 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as Partial<SandboxJwtClaims>;
    if (typeof claims.sub !== 'string' || typeof claims.exp !== 'number' || typeof claims.jti !== 'string' || typeof claims.iat !== 'number') return undefined;
    return claims as SandboxJwtClaims;
  } catch {
    return undefined;
  }
}
