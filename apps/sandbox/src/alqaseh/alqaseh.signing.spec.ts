import { canonicalString, plainAmountText, signWebhook } from './alqaseh.signing';

// alqaseh.md §4.3 fixed vectors: the simulator must sign exactly as payledger verifies.
describe('simulator p_sign (§4.3)', () => {
  const secret = 'whsec-test-1';

  it('signs the first vector', () => {
    const values = {
      amount: 25000,
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
    expect(canonicalString(values)).toBe('25000|IQD|T0000001|ORD20250131A1|Retail|00|123456|503112345678|n-7f3a9c|20250131120000|Success');
    expect(signWebhook(values, secret)).toBe('38d1c632321ab577f1ac6f7614961988a1317b856efdf59b2bbb543f0434eedd');
  });

  it('signs the second vector (empty terminal_id, approval, rrn)', () => {
    const values = { amount: 1500, currency: 'IQD', terminal_id: '', order_id: 'ORD20250131A2', trtype: 'Retail', rc: '05', approval: '', rrn: '', nonce: 'n-11aa', timestamp: '20250131121500', payment_status: 'Failed' };
    expect(canonicalString(values)).toBe('1500|IQD||ORD20250131A2|Retail|05|||n-11aa|20250131121500|Failed');
    expect(signWebhook(values, secret)).toBe('13e91cf153d87c86822573f0e58c22c5e115ed3063a4dce4588e02db47ab6c4f');
  });

  it.each([
    [25000, '25000'],
    [1500.5, '1500.5'],
    [1e21, '1000000000000000000000'],
    ['25000.00', '25000'],
    [0.0015, '0.0015'],
  ])('writes amount %p as %s', (amount, text) => {
    expect(plainAmountText(amount)).toBe(text);
  });
});
