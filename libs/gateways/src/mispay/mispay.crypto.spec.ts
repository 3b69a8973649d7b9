import {
  BLOB_LENGTH_MIN,
  decodeBase64Tolerant,
  decryptBlob,
  decryptBlobSync,
  decryptCallbackValue,
  decryptCallbackValueSync,
  deriveKey,
  deriveKeySync,
  encodeCallbackValue,
  encryptToBlob,
  MispayCryptoError,
  parseDecryptedJson,
  unwrapCallbackValue,
} from './mispay.crypto';

// mispay.md §4.1 "Made-up test vectors".
const SECRET = 'sandbox-secret-123';
const SALT = Buffer.from([...Array(16).keys()]);
const NONCE = Buffer.from(Array.from({ length: 12 }, (_, i) => 0x10 + i));
const DERIVED_KEY_HEX = '5012df5ac1fcacb3af5fb653b9082397b3cbd71561df754733d83b4f9d132f51';
const CALLBACK_PLAINTEXT = '{"orderId":"ORD-1","code":"MP00","checkoutId":"chk_1"}';
const CALLBACK_BLOB =
  'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaG9zzH2BlkzVr+ov3O3CO3eraCR4/ZMbyrpJChvkFtnih3DqKkZJEZenojGPFI/LgM62u9Hmpkoyadj8JpTYxj4oWojtxeCA=';
const CALLBACK_VALUE =
  'QUFFQ0F3UUZCZ2NJQ1FvTERBME9EeEFSRWhNVUZSWVhHQmthRzl6ekgyQmxrelZyK292M08zQ08zZXJhQ1I0L1pNYnlycEpDaHZrRnRuaWgzRHFLa1pKRVplbm9qR1BGSS9MZ002MnU5SG1wa295YWRqOEpwVFl4ajRvV29qdHhlQ0E9';
const TOKEN_PLAINTEXT = '{"token":"aaa.bbb.ccc","expiration":"2030-01-01T00:00:00Z"}';
const TOKEN_BLOB =
  'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaG9zzBH1qkykApIuseF7y+6WJBVF+ZIu66dUA1N0n5zzqn3bLw9UVPrWt1RqQLPjzBPX1kXi71bnDG9j+adCFJxT7ad2QwEPJGbXM0Q==';

function flipByte(blob: string, index: number): string {
  const bytes = Buffer.from(blob, 'base64');
  bytes[index] ^= 0x01;
  return bytes.toString('base64');
}

describe('MIS Pay crypto (§4.1 fixed vectors)', () => {
  it('derives the vector key with PBKDF2-HMAC-SHA256, 40 000 rounds, from the secret string', async () => {
    expect((await deriveKey(SECRET, SALT)).toString('hex')).toBe(DERIVED_KEY_HEX);
    expect(deriveKeySync(SECRET, SALT).toString('hex')).toBe(DERIVED_KEY_HEX);
  });

  it('encrypts the callback plaintext to the vector blob and the double-base64 callback value', async () => {
    const blob = await encryptToBlob(CALLBACK_PLAINTEXT, SECRET, { salt: SALT, nonce: NONCE });
    expect(blob).toBe(CALLBACK_BLOB);
    expect(encodeCallbackValue(blob)).toBe(CALLBACK_VALUE);
  });

  it('encrypts the /token plaintext to the vector token blob (base64 once)', async () => {
    expect(await encryptToBlob(TOKEN_PLAINTEXT, SECRET, { salt: SALT, nonce: NONCE })).toBe(TOKEN_BLOB);
  });

  it('decrypts both vectors, async and sync', async () => {
    expect(await decryptBlob(TOKEN_BLOB, SECRET)).toBe(TOKEN_PLAINTEXT);
    expect(decryptBlobSync(TOKEN_BLOB, SECRET)).toBe(TOKEN_PLAINTEXT);
    expect(await decryptCallbackValue(CALLBACK_VALUE, SECRET)).toBe(CALLBACK_PLAINTEXT);
    expect(decryptCallbackValueSync(CALLBACK_VALUE, SECRET)).toBe(CALLBACK_PLAINTEXT);
  });

  it('uses fresh salt and nonce when none are injected', async () => {
    const a = await encryptToBlob(CALLBACK_PLAINTEXT, SECRET);
    const b = await encryptToBlob(CALLBACK_PLAINTEXT, SECRET);
    expect(a).not.toBe(b);
    expect(Buffer.from(a, 'base64').subarray(0, 16).equals(Buffer.from(b, 'base64').subarray(0, 16))).toBe(false);
    expect(await decryptBlob(a, SECRET)).toBe(CALLBACK_PLAINTEXT);
  });

  it('turns spaces back into + (a query decoder may have eaten them)', async () => {
    const spaced = CALLBACK_BLOB.replace(/\+/g, ' ');
    expect(spaced).not.toBe(CALLBACK_BLOB);
    expect(await decryptBlob(spaced, SECRET)).toBe(CALLBACK_PLAINTEXT);
  });

  it('accepts the URL-safe alphabet and missing padding on both layers', async () => {
    const urlSafeBlob = CALLBACK_BLOB.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
    expect(await decryptBlob(urlSafeBlob, SECRET)).toBe(CALLBACK_PLAINTEXT);
    const urlSafeValue = Buffer.from(urlSafeBlob, 'ascii').toString('base64url');
    expect(await decryptCallbackValue(urlSafeValue, SECRET)).toBe(CALLBACK_PLAINTEXT);
  });

  it('rejects a flipped ciphertext byte, a flipped tag byte and a wrong secret with a tag failure', async () => {
    for (const altered of [flipByte(CALLBACK_BLOB, 30), flipByte(CALLBACK_BLOB, Buffer.from(CALLBACK_BLOB, 'base64').length - 1), flipByte(CALLBACK_BLOB, 2)]) {
      await expect(decryptBlob(altered, SECRET)).rejects.toMatchObject({ reason: 'tag' });
    }
    await expect(decryptBlob(CALLBACK_BLOB, 'another-secret')).rejects.toMatchObject({ reason: 'tag' });
    expect(() => decryptBlobSync(CALLBACK_BLOB, 'another-secret')).toThrow(MispayCryptoError);
  });

  it('requires at least 44 bytes after decoding', async () => {
    const short = Buffer.alloc(BLOB_LENGTH_MIN - 1, 7).toString('base64');
    await expect(decryptBlob(short, SECRET)).rejects.toMatchObject({ reason: 'length' });
    expect(BLOB_LENGTH_MIN).toBe(44);
  });

  it('refuses characters outside both base64 alphabets instead of skipping them', async () => {
    expect(decodeBase64Tolerant('abc*def')).toBeUndefined();
    expect(decodeBase64Tolerant('')).toBeUndefined();
    expect(decodeBase64Tolerant('a')).toBeUndefined();
    await expect(decryptBlob(`${CALLBACK_BLOB.slice(0, 20)}!${CALLBACK_BLOB.slice(20)}`, SECRET)).rejects.toMatchObject({ reason: 'encoding' });
    await expect(decryptCallbackValue('%%%', SECRET)).rejects.toMatchObject({ reason: 'encoding' });
  });

  it('shows why the layering matters: a single-base64 value as a callback does not decrypt', async () => {
    // The blob decoded once gives binary, not base64 text.
    await expect(decryptCallbackValue(CALLBACK_BLOB, SECRET)).rejects.toBeInstanceOf(MispayCryptoError);
    expect(unwrapCallbackValue(CALLBACK_VALUE)).toBe(CALLBACK_BLOB);
  });

  it('parses decrypted JSON objects only', () => {
    expect(parseDecryptedJson(CALLBACK_PLAINTEXT)).toEqual({ orderId: 'ORD-1', code: 'MP00', checkoutId: 'chk_1' });
    expect(() => parseDecryptedJson('[1]')).toThrow(MispayCryptoError);
    expect(() => parseDecryptedJson('not json')).toThrow(MispayCryptoError);
  });
});
