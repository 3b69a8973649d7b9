import { isRefusal, parseHistoryQuery, validateCreate } from './alqaseh.validation';

const valid = {
  amount: 25000,
  currency: 'IQD',
  order_id: 'AQ-1',
  description: 'Books',
  redirect_url: 'http://merchant/callbacks/alqaseh',
  webhook_url: 'http://merchant/webhooks/alqaseh',
  transaction_type: 'Retail',
  token_expiry_in_hour: 2,
  custom_data: { attemptRef: 'AQ-1' },
  email: 'a@b.iq',
  country: 'IQ',
};

describe('simulator create validation (§3.1)', () => {
  it('accepts a complete request and defaults the token lifetime to 1 hour', () => {
    const parsed = validateCreate(valid);
    expect(isRefusal(parsed)).toBe(false);
    expect(parsed).toMatchObject({ amount: 25000, orderId: 'AQ-1', tokenExpiryHours: 2, transactionType: 'Retail' });
    const { token_expiry_in_hour: _hours, ...withoutHours } = valid;
    expect(validateCreate(withoutHours)).toMatchObject({ tokenExpiryHours: 1 });
    expect(validateCreate({ ...valid, transaction_type: 'Authorization' })).toMatchObject({ transactionType: 'Authorization' });
  });

  it.each([
    ['not an object', 'x', /JSON object/],
    ['amount 0', { ...valid, amount: 0 }, /amount/],
    ['amount as text', { ...valid, amount: '25000' }, /amount/],
    ['lower-case currency', { ...valid, currency: 'iqd' }, /currency/],
    ['no order_id', { ...valid, order_id: undefined }, /order_id/],
    ['order_id of 33', { ...valid, order_id: 'x'.repeat(33) }, /at most 32/],
    ['description of 251', { ...valid, description: 'x'.repeat(251) }, /description/],
    ['no redirect_url', { ...valid, redirect_url: undefined }, /redirect_url/],
    ['ftp redirect_url', { ...valid, redirect_url: 'ftp://x' }, /redirect_url/],
    ['bad webhook_url', { ...valid, webhook_url: 'nope' }, /webhook_url/],
    ['unknown transaction_type', { ...valid, transaction_type: 'Sale' }, /transaction_type/],
    ['email of 81', { ...valid, email: 'x'.repeat(81) }, /email/],
    ['country IRQ', { ...valid, country: 'IRQ' }, /country/],
    ['custom_data array', { ...valid, custom_data: [] }, /custom_data/],
    ['token_expiry_in_hour 0', { ...valid, token_expiry_in_hour: 0 }, /token_expiry_in_hour/],
    ['token_expiry_in_hour 1.5', { ...valid, token_expiry_in_hour: 1.5 }, /token_expiry_in_hour/],
    ['nonce of 65', { ...valid, nonce: 'x'.repeat(65) }, /nonce/],
    ['empty p_sign', { ...valid, p_sign: '' }, /p_sign/],
  ])('refuses %s with invalid_request', (_label, body, message) => {
    const parsed = validateCreate(body);
    expect(parsed).toMatchObject({ code: 'invalid_request', message: expect.stringMatching(message) });
  });

  it.each(['CompleteSales', 'Reversal'])('refuses %s as unsupported_transaction_type', (type) => {
    expect(validateCreate({ ...valid, transaction_type: type })).toMatchObject({ code: 'unsupported_transaction_type' });
  });
});

describe('simulator history query (§3)', () => {
  it('defaults to 20 rows from offset 0, newest first by created_at', () => {
    expect(parseHistoryQuery({})).toEqual({ filters: expect.any(Object), limit: 20, offset: 0, orderBy: 'desc', orderField: 'created_at' });
  });

  it('reads every filter', () => {
    const parsed = parseHistoryQuery({
      amount: '25000',
      approval: '123456',
      currency: 'IQD',
      from: '2026-03-01',
      to: '2026-03-02T00:00:00Z',
      language: 'en',
      order_id: 'AQ-1',
      payment_id: 'pay_1',
      payment_status: 'succeeded',
      rc: '00',
      rrn: '1',
      transaction_type: 'Retail',
      limit: '100',
      offset: '200',
      order_by: 'asc',
      order_field: 'amount',
    });
    expect(parsed).toEqual({
      filters: {
        amount: 25000,
        approval: '123456',
        currency: 'IQD',
        fromMs: Date.parse('2026-03-01'),
        toMs: Date.parse('2026-03-02T00:00:00Z'),
        orderId: 'AQ-1',
        paymentId: 'pay_1',
        paymentStatus: 'succeeded',
        rc: '00',
        rrn: '1',
        transactionType: 'Retail',
      },
      limit: 100,
      offset: 200,
      orderBy: 'asc',
      orderField: 'amount',
    });
  });

  it.each([
    [{ limit: '0' }, /limit/],
    [{ limit: '1001' }, /limit/],
    [{ limit: 'ten' }, /limit/],
    [{ offset: '-1' }, /offset/],
    [{ order_by: 'up' }, /order_by/],
    [{ order_field: 'color' }, /order_field/],
    [{ from: 'yesterday' }, /from/],
    [{ amount: 'lots' }, /amount/],
    [{ order_id: ['a', 'b'] }, /once/],
  ])('refuses %j', (query, message) => {
    expect(parseHistoryQuery(query)).toMatchObject({ code: 'invalid_request', message: expect.stringMatching(message) });
  });
});
