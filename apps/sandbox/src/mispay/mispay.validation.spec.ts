import { formatMoneyNumber, isMobileNumber, parseWireMoney, validateRefund, validateStartCheckout } from './mispay.validation';

function body(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    orderId: 'ORD-1',
    totalPrice: '200.00',
    shippingAmount: '10.00',
    vat: '30.00',
    discount: { amount: '5.00' },
    purchaseAmount: '235.00',
    purchaseCurrency: 'SAR',
    lang: 'ar',
    version: 'v1.2',
    customerDetails: { mobileNumber: '+966512345678' },
    orderDetails: { items: [{ nameEnglish: 'Kettle', quantity: '2', unitPrice: '100.00' }] },
    ...overrides,
  };
}

describe('MIS Pay simulator validation', () => {
  it('accepts a valid v1.2 body', () => {
    expect(validateStartCheckout(body())).toEqual({ ok: true, value: { orderId: 'ORD-1', purchaseMinor: 23_500n, lang: 'ar' } });
  });

  it('accepts money as JSON numbers (v1.1 plugins)', () => {
    expect(validateStartCheckout(body({ purchaseAmount: 235, totalPrice: 200, shippingAmount: 10, vat: 30, discount: { amount: 5 }, version: 'v1.1' })).ok).toBe(true);
  });

  it.each([
    [{ purchaseAmount: '235.01' }, 'purchaseAmount'],
    [{ purchaseAmount: '235.001' }, 'purchaseAmount'],
    [{ orderId: '' }, 'orderId'],
    [{ purchaseCurrency: 'USD' }, 'purchaseCurrency'],
    [{ lang: 'fr' }, 'lang'],
    [{ version: 'v9' }, 'version'],
    [{ customerDetails: { mobileNumber: '512345678' } }, 'mobileNumber'],
    [{ customerDetails: undefined }, 'customerDetails'],
    [{ orderDetails: { items: [] } }, 'items'],
    [{ orderDetails: { items: [{ quantity: '1', unitPrice: '1.00' }] } }, 'nameEnglish or nameArabic'],
    [{ orderDetails: { items: [{ nameArabic: 'x', quantity: '1.5', unitPrice: '1.00' }] } }, 'quantity'],
    [{ callbackUri: 'not-a-url' }, 'callbackUri'],
    [{ vat: undefined }, 'vat is required'],
  ])('refuses %j', (overrides, mention) => {
    const result = validateStartCheckout(body(overrides));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems.join(' | ')).toContain(mention);
  });

  it('applies configured amount limits', () => {
    expect(validateStartCheckout(body(), { minMinor: 30_000n }).ok).toBe(false);
    expect(validateStartCheckout(body(), { maxMinor: 20_000n }).ok).toBe(false);
    expect(validateStartCheckout(body(), { minMinor: 23_500n, maxMinor: 23_500n }).ok).toBe(true);
  });

  it('parses and formats money without floating-point drift', () => {
    expect(parseWireMoney('0.10')).toBe(10n);
    expect(parseWireMoney(0.1)).toBe(10n);
    expect(parseWireMoney('1e2')).toBeUndefined();
    expect(parseWireMoney('-1')).toBeUndefined();
    expect(formatMoneyNumber(15_050n)).toBe(150.5);
    expect(isMobileNumber('0512345678')).toBe(true);
    expect(isMobileNumber('966512345678')).toBe(true);
    expect(isMobileNumber('+96651234567')).toBe(false);
  });

  it('validates refunds with the corrected field meanings', () => {
    expect(validateRefund({ purchaseId: 'c1', totalAmount: '200.00', amount: '50.00', currency: 'SAR', orderId: 'ORD-1', merchantRefundId: 'r1' })).toEqual({
      ok: true,
      value: { purchaseId: 'c1', totalMinor: 20_000n, amountMinor: 5_000n, orderId: 'ORD-1', merchantRefundId: 'r1' },
    });
    const bad = validateRefund({ purchaseId: '', totalAmount: 'x', amount: '0', currency: 'USD' });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.problems).toHaveLength(5);
  });
});
