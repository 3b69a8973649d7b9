import { callbackLayer, openMessage, sealMessage, signJwt, tokenLayer, verifyJwt } from './mispay.crypto';

// mispay.md §4.1 fixed vectors, checked against the simulator's own implementation.
const SECRET = 'sandbox-secret-123';
const SALT = Buffer.from([...Array(16).keys()]);
const NONCE = Buffer.from(Array.from({ length: 12 }, (_, i) => 0x10 + i));
const CALLBACK_PLAINTEXT = '{"orderId":"ORD-1","code":"MP00","checkoutId":"chk_1"}';
const CALLBACK_BLOB =
  'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaG9zzH2BlkzVr+ov3O3CO3eraCR4/ZMbyrpJChvkFtnih3DqKkZJEZenojGPFI/LgM62u9Hmpkoyadj8JpTYxj4oWojtxeCA=';
const CALLBACK_VALUE =
  'QUFFQ0F3UUZCZ2NJQ1FvTERBME9EeEFSRWhNVUZSWVhHQmthRzl6ekgyQmxrelZyK292M08zQ08zZXJhQ1I0L1pNYnlycEpDaHZrRnRuaWgzRHFLa1pKRVplbm9qR1BGSS9MZ002MnU5SG1wa295YWRqOEpwVFl4ajRvV29qdHhlQ0E9';
const TOKEN_BLOB =
  'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaG9zzBH1qkykApIuseF7y+6WJBVF+ZIu66dUA1N0n5zzqn3bLw9UVPrWt1RqQLPjzBPX1kXi71bnDG9j+adCFJxT7ad2QwEPJGbXM0Q==';

describe('MIS Pay simulator crypto', () => {
  it('seals the callback vector and layers it twice (callback) or once (token)', async () => {
    const sealed = await sealMessage(CALLBACK_PLAINTEXT, SECRET, SALT, NONCE);
    expect(tokenLayer(sealed)).toBe(CALLBACK_BLOB);
    expect(callbackLayer(sealed)).toBe(CALLBACK_VALUE);
    expect(callbackLayer(sealed, true)).toBe(CALLBACK_BLOB);
  });

  it('seals the token vector', async () => {
    const sealed = await sealMessage('{"token":"aaa.bbb.ccc","expiration":"2030-01-01T00:00:00Z"}', SECRET, SALT, NONCE);
    expect(tokenLayer(sealed)).toBe(TOKEN_BLOB);
  });

  it('opens what it sealed and refuses a flipped bit', async () => {
    const sealed = Buffer.from(CALLBACK_BLOB, 'base64');
    expect(await openMessage(sealed, SECRET)).toBe(CALLBACK_PLAINTEXT);
    sealed[28] ^= 1;
    await expect(openMessage(sealed, SECRET)).rejects.toThrow();
  });

  it('signs and verifies HS256 JWTs, refusing other keys and altered claims', () => {
    const key = Buffer.alloc(32, 1);
    const jwt = signJwt({ sub: 'app', iat: 1, exp: 2, jti: 'j' }, key);
    expect(verifyJwt(jwt, key)).toEqual({ sub: 'app', iat: 1, exp: 2, jti: 'j' });
    expect(verifyJwt(jwt, Buffer.alloc(32, 2))).toBeUndefined();
    const [h, , s] = jwt.split('.');
    const forged = `${h}.${Buffer.from(JSON.stringify({ sub: 'app', iat: 1, exp: 99, jti: 'j' })).toString('base64url')}.${s}`;
    expect(verifyJwt(forged, key)).toBeUndefined();
    expect(verifyJwt('a.b', key)).toBeUndefined();
  });
});
