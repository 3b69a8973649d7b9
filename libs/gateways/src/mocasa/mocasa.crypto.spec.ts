import { mocasaSignatureCandidates, mocasaSignatureInput, verifyMocasaSignature } from './mocasa.crypto';

/** The FIXED TEST VECTORS of shared/gateways/mocasa.md §4.2 (made-up secret `s3cr3t`). */
const VECTORS = [
  {
    orderNo: 'MO123',
    txStatus: 'success',
    raw: 'C97SA6aBJ4uxaj0n5jm8gjek3kgMCE3AvL+ZoKXv9zA=',
    hex: '0bded203a681278bb16a3d27e639bc8237a4de480c084dc0bcbf99a0a5eff730',
    base64Hex: 'MGJkZWQyMDNhNjgxMjc4YmIxNmEzZDI3ZTYzOWJjODIzN2E0ZGU0ODBjMDg0ZGMwYmNiZjk5YTBhNWVmZjczMA==',
    base64HexUpper: 'MEJERUQyMDNBNjgxMjc4QkIxNkEzRDI3RTYzOUJDODIzN0E0REU0ODBDMDg0REMwQkNCRjk5QTBBNUVGRjczMA==',
  },
  {
    orderNo: 'MO124',
    txStatus: 'failed',
    raw: 'I5Hdnq2uqVsj+QFqUHjB1nAPhw1KbD3oPPuGQZ4pCf8=',
    hex: '2391dd9eadaea95b23f9016a5078c1d6700f870d4a6c3de83cfb86419e2909ff',
    base64Hex: 'MjM5MWRkOWVhZGFlYTk1YjIzZjkwMTZhNTA3OGMxZDY3MDBmODcwZDRhNmMzZGU4M2NmYjg2NDE5ZTI5MDlmZg==',
    base64HexUpper: undefined,
  },
];
const SECRET = 's3cr3t';

describe('mocasa webhook signature (D8)', () => {
  it('joins orderNo, txStatus and the secret with |', () => {
    expect(mocasaSignatureInput('MO123', 'success', SECRET)).toBe('MO123|success|s3cr3t');
  });

  it.each(VECTORS)('computes the vector encodings for $orderNo|$txStatus', (v) => {
    const candidates = mocasaSignatureCandidates(v.orderNo, v.txStatus, SECRET);
    expect(candidates['base64-raw-digest']).toBe(v.raw);
    expect(Buffer.from(v.raw, 'base64').toString('hex')).toBe(v.hex);
    expect(candidates['base64-hex-lower']).toBe(v.base64Hex);
    if (v.base64HexUpper) expect(candidates['base64-hex-upper']).toBe(v.base64HexUpper);
  });

  it.each(VECTORS)('accepts base64 of the raw digest and of the hex digest for $orderNo, and says which matched', (v) => {
    expect(verifyMocasaSignature(v.raw, v.orderNo, v.txStatus, SECRET)).toBe('base64-raw-digest');
    expect(verifyMocasaSignature(v.base64Hex, v.orderNo, v.txStatus, SECRET)).toBe('base64-hex-lower');
    expect(verifyMocasaSignature(` ${v.raw} `, v.orderNo, v.txStatus, SECRET)).toBe('base64-raw-digest');
  });

  it('accepts base64 of the uppercase hex digest', () => {
    expect(verifyMocasaSignature(VECTORS[0].base64HexUpper, 'MO123', 'success', SECRET)).toBe('base64-hex-upper');
  });

  it('refuses a wrong secret, a swapped status, another order, the bare hex digest, an empty or missing header', () => {
    const v = VECTORS[0];
    expect(verifyMocasaSignature(v.raw, 'MO123', 'success', 'other')).toBeUndefined();
    expect(verifyMocasaSignature(v.raw, 'MO123', 'failed', SECRET)).toBeUndefined();
    expect(verifyMocasaSignature(v.raw, 'MO124', 'success', SECRET)).toBeUndefined();
    expect(verifyMocasaSignature(v.hex, 'MO123', 'success', SECRET)).toBeUndefined();
    expect(verifyMocasaSignature('', 'MO123', 'success', SECRET)).toBeUndefined();
    expect(verifyMocasaSignature(undefined, 'MO123', 'success', SECRET)).toBeUndefined();
    expect(verifyMocasaSignature('x'.repeat(10_000), 'MO123', 'success', SECRET)).toBeUndefined();
  });

  it('is case-sensitive in the base64 text itself', () => {
    expect(verifyMocasaSignature(VECTORS[0].raw.toLowerCase(), 'MO123', 'success', SECRET)).toBeUndefined();
  });
});
