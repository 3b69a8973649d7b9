import { validateCreatePayment, validateRefundRequest } from './payment-request.rules';

const mispay = (over: Record<string, unknown> = {}) => ({
  gateway: 'mispay',
  orderId: 'ORD-1',
  amountMinor: '21500',
  currency: 'SAR',
  returnUrl: 'https://shop.example/paid',
  customer: { mobile: '0501234567' },
  items: [{ name: 'beans', quantity: 2, unitAmountMinor: '9000' }],
  breakdown: { shippingMinor: '1500', vatMinor: '2000', discountMinor: '0' },
  ...over,
});
const fields = (body: unknown) => validateCreatePayment(body).errors.map((e) => `${e.field}:${e.code}`);

describe('create payment rules', () => {
  it('accepts a MIS Pay order whose items + shipping + VAT − discount equal the amount', () => {
    const { request, errors } = validateCreatePayment(mispay());
    expect(errors).toEqual([]);
    expect(request).toMatchObject({ gateway: 'mispay', amountMinor: '21500', breakdown: { shippingMinor: '1500', vatMinor: '2000', discountMinor: '0' } });
  });

  it('refuses a MIS Pay order that does not add up, naming the sum it expected', () => {
    const { errors } = validateCreatePayment(mispay({ breakdown: { shippingMinor: '1500', vatMinor: '2000', discountMinor: '100' } }));
    expect(errors).toEqual([expect.objectContaining({ field: 'amountMinor', code: 'breakdown_mismatch', message: expect.stringContaining('21400') })]);
  });

  it('MIS Pay needs items and the buyer\'s mobile', () => {
    expect(fields(mispay({ items: undefined, customer: {} }))).toEqual(expect.arrayContaining(['items:required', 'customer.mobile:required']));
  });

  it('amounts are strings of integer minor units: numbers, decimals, negatives and huge values are refused', () => {
    for (const amountMinor of [21500, '215.00', '-1', '1e5', '0021500', '99999999999999999999']) {
      expect(fields(mispay({ amountMinor }))[0]).toMatch(/^amountMinor:/);
    }
    expect(fields(mispay({ amountMinor: '0' }))).toContain('amountMinor:positive');
  });

  it('the currency must be the gateway\'s', () => {
    expect(fields({ ...mispay(), gateway: 'jibit', customer: { id: 'c' } })).toContain('currency:gateway_currency');
    expect(fields(mispay({ currency: 'TOMAN' }))).toContain('currency:enum');
  });

  it('each gateway\'s own customer requirements', () => {
    const base = { orderId: 'O-1', amountMinor: '1000', returnUrl: 'https://s.example/r' };
    expect(fields({ ...base, gateway: 'jibit', currency: 'IRR', customer: {} })).toEqual(['customer:required']);
    expect(fields({ ...base, gateway: 'jibit', currency: 'IRR', customer: { mobile: '09120000000' } })).toEqual([]);
    expect(fields({ ...base, gateway: 'atipay', currency: 'IRR', customer: { id: 'x' } })).toEqual(['customer.mobile:required']);
    expect(fields({ ...base, gateway: 'mocasa', currency: 'PHP', customer: { mobile: '09170000000' } })).toEqual(['customer.id:required']);
    expect(fields({ ...base, gateway: 'alqaseh', currency: 'IQD' })).toEqual([]);
  });

  it('lists every problem at once', () => {
    expect(fields({ gateway: 'paypal', orderId: '', amountMinor: 'x', returnUrl: 'javascript:alert(1)' }).sort()).toEqual(['amountMinor:minor_units', 'currency:required', 'gateway:enum', 'orderId:required', 'returnUrl:url']);
    expect(fields('not an object')).toEqual([':type']);
  });
});

describe('refund rules', () => {
  it('no amount means everything left; an amount must be positive minor units', () => {
    expect(validateRefundRequest(undefined, 'SAR')).toEqual({ amount: undefined, reason: undefined, errors: [] });
    expect(validateRefundRequest({ amountMinor: '1000', reason: 'damaged' }, 'SAR').amount?.amountMinor).toBe(1000n);
    expect(validateRefundRequest({ amountMinor: '10.00' }, 'SAR').errors[0].field).toBe('amountMinor');
    expect(validateRefundRequest({ amountMinor: '0' }, 'SAR').errors[0].code).toBe('positive');
  });
});
