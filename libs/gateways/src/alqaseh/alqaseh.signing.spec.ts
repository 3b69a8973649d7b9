import { computePSign, plainDecimalText, pSignCanonicalString, verifyPSign } from './alqaseh.signing';
import type { AlqasehWebhookFields } from './alqaseh.types';

// alqaseh.md §4.3 fixed vectors (made-up secret).
const SECRET = 'whsec-test-1';
const VECTOR_1: AlqasehWebhookFields = {
  amount: '25000',
  currency: 'IQD',
  terminal_id: 'T0000001',
  order_id: 'ORD20250131A1',
  trtype: 'Retail',
  rc: '00',
  approval: '123456',
  rrn: '503112345678',
  nonce: 'n-7f3a9c',
  timestamp: '20250131120000',
  payment_status: 'Success',
};
const VECTOR_1_SIGN = '38d1c632321ab577f1ac6f7614961988a1317b856efdf59b2bbb543f0434eedd';
const VECTOR_2: AlqasehWebhookFields = {
  amount: '1500',
  currency: 'IQD',
  order_id: 'ORD20250131A2',
  trtype: 'Retail',
  rc: '05',
  nonce: 'n-11aa',
  timestamp: '20250131121500',
  payment_status: 'Failed',
};
const VECTOR_2_SIGN = '13e91cf153d87c86822573f0e58c22c5e115ed3063a4dce4588e02db47ab6c4f';

describe('alqaseh p_sign (§4.3)', () => {
  it('builds the canonical strings of the fixed vectors', () => {
    expect(pSignCanonicalString(VECTOR_1)).toBe('25000|IQD|T0000001|ORD20250131A1|Retail|00|123456|503112345678|n-7f3a9c|20250131120000|Success');
    expect(pSignCanonicalString(VECTOR_2)).toBe('1500|IQD||ORD20250131A2|Retail|05|||n-11aa|20250131121500|Failed');
  });

  it('computes the fixed vectors', () => {
    expect(computePSign(VECTOR_1, SECRET)).toBe(VECTOR_1_SIGN);
    expect(computePSign(VECTOR_2, SECRET)).toBe(VECTOR_2_SIGN);
  });

  it('empty strings and missing fields sign alike', () => {
    expect(computePSign({ ...VECTOR_2, terminal_id: '', approval: '', rrn: '' }, SECRET)).toBe(VECTOR_2_SIGN);
  });

  it('verifies ignoring hex case, and refuses a wrong, short or missing signature', () => {
    expect(verifyPSign({ ...VECTOR_1, p_sign: VECTOR_1_SIGN }, SECRET)).toBe(true);
    expect(verifyPSign({ ...VECTOR_1, p_sign: VECTOR_1_SIGN.toUpperCase() }, SECRET)).toBe(true);
    expect(verifyPSign({ ...VECTOR_1, p_sign: VECTOR_2_SIGN }, SECRET)).toBe(false);
    expect(verifyPSign({ ...VECTOR_1, p_sign: VECTOR_1_SIGN.slice(0, 63) }, SECRET)).toBe(false);
    expect(verifyPSign({ ...VECTOR_1, p_sign: `${VECTOR_1_SIGN.slice(0, 63)}z` }, SECRET)).toBe(false);
    expect(verifyPSign({ ...VECTOR_1 }, SECRET)).toBe(false);
    expect(verifyPSign({ ...VECTOR_1, p_sign: VECTOR_1_SIGN }, 'another-secret')).toBe(false);
  });

  it('any changed field breaks the signature', () => {
    for (const field of Object.keys(VECTOR_1) as (keyof AlqasehWebhookFields)[]) {
      expect(verifyPSign({ ...VECTOR_1, [field]: `${VECTOR_1[field]}x`, p_sign: VECTOR_1_SIGN }, SECRET)).toBe(false);
    }
  });

  it('writes the amount as plain decimal text, so equivalent spellings verify', () => {
    for (const spelling of ['25000', '25000.0', '25000.000', '2.5e4', '2.5E+4', '025000', '25000.']) {
      expect(verifyPSign({ ...VECTOR_1, amount: spelling, p_sign: VECTOR_1_SIGN }, SECRET)).toBe(true);
    }
    expect(verifyPSign({ ...VECTOR_1, amount: '25000.5', p_sign: VECTOR_1_SIGN }, SECRET)).toBe(false);
  });

  it.each([
    ['25000', '25000'],
    ['25000.00', '25000'],
    ['1.50', '1.5'],
    ['1e21', '1000000000000000000000'],
    ['1.5e-3', '0.0015'],
    ['0.000', '0'],
    ['-0', '0'],
    ['-12.340', '-12.34'],
    ['.5', '0.5'],
    ['abc', 'abc'],
    ['', ''],
  ])('plainDecimalText(%s) = %s', (input, expected) => {
    expect(plainDecimalText(input)).toBe(expected);
  });
});
