import { Money } from '@payledger/kernel';
import { GatewayError } from '../port/gateway-error';
import { AttemptSnapshot, StartPaymentInput } from '../port/gateway.types';
import {
  buildRefundRequest,
  buildStartCheckoutRequest,
  compareWithAttempt,
  currentOrderId,
  fromWireAmount,
  jwtExpiry,
  matchRefundNotice,
  normaliseMobile,
  readCallbackPayload,
  readCheckoutResult,
  readEndResult,
  readRefundResult,
  readStartCheckoutResult,
  readSuccessResult,
  readTokenBlob,
  readTokenPayload,
  readTrackReply,
  readWebhookPayload,
  resultCodeOutcome,
  tokenExpiry,
  toWireAmount,
  trackStatusOutcome,
  wireLang,
} from './mispay.transformers';

const sar = (minor: number | bigint) => Money.of(BigInt(minor), 'SAR');

function input(overrides: Partial<StartPaymentInput> = {}): StartPaymentInput {
  return {
    paymentId: 'pay_1',
    reference: 'ATT-1',
    orderId: 'ORD-1001',
    amount: sar(23_500),
    customer: { mobile: '0512345678', firstName: 'Sara', email: 's@example.com' },
    items: [
      { sku: 'SKU-1', name: 'Kettle', quantity: 2, unitAmount: sar(10_000) },
      { name: 'غلاية', quantity: 1, unitAmount: sar(1_000) },
    ],
    breakdown: { shipping: sar(1_500), vat: sar(3_000), discount: sar(2_000) },
    lang: 'en',
    ...overrides,
  };
}

function attempt(overrides: Partial<AttemptSnapshot> = {}): AttemptSnapshot {
  return {
    reference: 'ATT-1',
    paymentId: 'pay_1',
    amount: sar(20_000),
    createdAt: new Date('2026-03-01T09:00:00Z'),
    outcome: 'paid',
    refs: { trackId: 't1', checkoutId: 'c1' },
    orderId: 'ORD-1001',
    ...overrides,
  };
}

function invalidField(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(GatewayError);
    expect((error as GatewayError).code).toBe('GATEWAY.INVALID_REQUEST');
    return (error as GatewayError).details?.field;
  }
  throw new Error('expected a GatewayError');
}

describe('MIS Pay transformers', () => {
  describe('money', () => {
    it('formats minor units with exactly two decimals', () => {
      expect(toWireAmount(sar(20_000))).toBe('200.00');
      expect(toWireAmount(sar(5))).toBe('0.05');
      expect(() => toWireAmount(Money.of(1n, 'IRR'))).toThrow(RangeError);
    });

    it('parses decimal strings and JSON numbers without rounding', () => {
      expect(fromWireAmount('200.00')?.amountMinor).toBe(20_000n);
      expect(fromWireAmount('200.5')?.amountMinor).toBe(20_050n);
      expect(fromWireAmount('200')?.amountMinor).toBe(20_000n);
      expect(fromWireAmount(150.5)?.amountMinor).toBe(15_050n);
      expect(fromWireAmount(0.1)?.amountMinor).toBe(10n);
      expect(fromWireAmount(200)?.amountMinor).toBe(20_000n);
    });

    it('refuses more than two decimals, exponents, signs, empty values and non-SAR', () => {
      for (const bad of ['200.001', '1e3', '-5.00', '+5', '', ' ', '2,00', 'abc', null, undefined, true, {}, 1e21, 0.001, -1, Number.NaN]) {
        expect(fromWireAmount(bad)).toBeUndefined();
      }
      expect(fromWireAmount('5.00', 'IRR')).toBeUndefined();
    });
  });

  describe('mobile', () => {
    it.each([
      ['0512345678', '+966512345678'],
      ['966512345678', '+966512345678'],
      ['+966512345678', '+966512345678'],
      ['+966 51 234 5678', '+966512345678'],
      ['05-1234-5678', '+966512345678'],
    ])('normalises %s', (raw, expected) => {
      expect(normaliseMobile(raw)).toBe(expected);
    });

    it.each(['512345678', '00966512345678', '0412345678', '+96651234567', '+9665123456789', '966412345678', '', 'phone'])('refuses %s', (raw) => {
      expect(normaliseMobile(raw)).toBeUndefined();
    });
  });

  it('maps the language, defaulting to ar', () => {
    expect(wireLang('en')).toBe('en');
    expect(wireLang('en-GB')).toBe('en');
    expect(wireLang('AR')).toBe('ar');
    expect(wireLang('fr')).toBe('ar');
    expect(wireLang(undefined)).toBe('ar');
  });

  describe('start-checkout request (D4)', () => {
    it('builds the v1.2 body with two-decimal strings and the amount identity', () => {
      const body = buildStartCheckoutRequest(input(), { callbackUri: 'https://pay.example/callbacks/mispay' });
      expect(body).toEqual({
        orderId: 'ATT-1',
        totalPrice: '210.00',
        shippingAmount: '15.00',
        vat: '30.00',
        discount: { amount: '20.00' },
        purchaseAmount: '235.00',
        purchaseCurrency: 'SAR',
        lang: 'en',
        version: 'v1.2',
        customerDetails: { firstName: 'Sara', email: 's@example.com', mobileNumber: '+966512345678' },
        orderDetails: {
          items: [
            { sku: 'SKU-1', nameEnglish: 'Kettle', quantity: '2', unitPrice: '100.00' },
            { nameArabic: 'غلاية', quantity: '1', unitPrice: '10.00' },
          ],
        },
        callbackUri: 'https://pay.example/callbacks/mispay',
      });
    });

    it('omits callbackUri and a zero discount, and defaults breakdown to zero', () => {
      const body = buildStartCheckoutRequest(input({ amount: sar(21_000), breakdown: undefined, lang: undefined }));
      expect(body.callbackUri).toBeUndefined();
      expect(body.discount).toBeUndefined();
      expect(body.shippingAmount).toBe('0.00');
      expect(body.lang).toBe('ar');
      expect(body.purchaseAmount).toBe('210.00');
    });

    it('refuses an amount that breaks purchase = total + shipping + vat − discount, by one halala', () => {
      expect(invalidField(() => buildStartCheckoutRequest(input({ amount: sar(23_501) })))).toBe('amount');
    });

    it('refuses a mobile in another form, naming customer.mobile', () => {
      expect(invalidField(() => buildStartCheckoutRequest(input({ customer: { mobile: '512345678' } })))).toBe('customer.mobile');
      expect(invalidField(() => buildStartCheckoutRequest(input({ customer: {} })))).toBe('customer.mobile');
    });

    it('refuses missing items, unnamed items and non-integer quantities', () => {
      expect(invalidField(() => buildStartCheckoutRequest(input({ items: [] })))).toBe('items');
      expect(invalidField(() => buildStartCheckoutRequest(input({ items: undefined })))).toBe('items');
      expect(invalidField(() => buildStartCheckoutRequest(input({ items: [{ name: '  ', quantity: 1, unitAmount: sar(1) }], amount: sar(1), breakdown: undefined })))).toBe('items[0].name');
      expect(invalidField(() => buildStartCheckoutRequest(input({ items: [{ name: 'x', quantity: 1.5, unitAmount: sar(1) }], amount: sar(1), breakdown: undefined })))).toBe('items[0].quantity');
      expect(invalidField(() => buildStartCheckoutRequest(input({ items: [{ name: 'x', quantity: 0, unitAmount: sar(1) }], amount: sar(1), breakdown: undefined })))).toBe('items[0].quantity');
    });

    it('refuses non-SAR, non-positive amounts and bad references', () => {
      expect(invalidField(() => buildStartCheckoutRequest(input({ amount: Money.of(100n, 'IRR') })))).toBe('amount.currency');
      expect(invalidField(() => buildStartCheckoutRequest(input({ amount: sar(0), items: [{ name: 'x', quantity: 1, unitAmount: sar(0) }], breakdown: undefined })))).toBe('amount');
      expect(invalidField(() => buildStartCheckoutRequest(input({ reference: 'has space' })))).toBe('reference');
      expect(invalidField(() => buildStartCheckoutRequest(input({ reference: 'x'.repeat(33) })))).toBe('reference');
      expect(invalidField(() => buildStartCheckoutRequest(input({ breakdown: { shipping: sar(-1), vat: sar(0), discount: sar(0) } })))).toBe('breakdown.shipping');
    });

    it('reads the start-checkout result', () => {
      expect(readStartCheckoutResult({ url: 'https://pay.example/x', trackId: 't1' })).toEqual({ url: 'https://pay.example/x', trackId: 't1' });
      expect(readStartCheckoutResult({ url: 'javascript:alert(1)', trackId: 't1' })).toBeUndefined();
      expect(readStartCheckoutResult({ url: 'not a url', trackId: 't1' })).toBeUndefined();
      expect(readStartCheckoutResult({ url: 'https://pay.example/x' })).toBeUndefined();
    });
  });

  describe('envelopes and token (D3)', () => {
    it('reads success envelopes only', () => {
      expect(readSuccessResult({ status: 'success', result: { a: 1 } })).toEqual({ a: 1 });
      expect(readSuccessResult({ status: 'success', result: 'x' })).toBeUndefined();
      expect(readSuccessResult({ status: 'error', result: {} })).toBeUndefined();
    });

    it('reads the token blob and payload', () => {
      expect(readTokenBlob({ token: 'abc' })).toBe('abc');
      expect(readTokenBlob({ token: '' })).toBeUndefined();
      expect(readTokenPayload({ token: 'a.b.c', expiration: '2030-01-01T00:00:00Z' })).toEqual({ token: 'a.b.c', expiration: '2030-01-01T00:00:00Z' });
      expect(readTokenPayload({ expiration: 'x' })).toBeUndefined();
    });

    const now = new Date('2026-03-01T09:00:00Z');
    const jwt = (claims: object) => `${Buffer.from('{"alg":"HS256"}').toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.sig`;

    it('takes expiry from `expiration` first', () => {
      expect(tokenExpiry({ token: jwt({ exp: 1 }), expiration: '2026-03-01T10:00:00Z' }, now)).toEqual({ expiresAt: new Date('2026-03-01T10:00:00Z'), source: 'expiration' });
    });

    it('falls back to the JWT exp when expiration is absent or unparsable', () => {
      const exp = Date.parse('2026-03-01T09:30:00Z') / 1000;
      expect(tokenExpiry({ token: jwt({ exp }) }, now)).toEqual({ expiresAt: new Date(exp * 1000), source: 'jwt-exp' });
      expect(tokenExpiry({ token: jwt({ exp }), expiration: 'tomorrow' }, now).source).toBe('jwt-exp');
      expect(jwtExpiry(jwt({ exp }))).toEqual(new Date(exp * 1000));
    });

    it('assumes one hour when neither says', () => {
      expect(tokenExpiry({ token: 'aaa.bbb.ccc' }, now)).toEqual({ expiresAt: new Date('2026-03-01T10:00:00Z'), source: 'fallback' });
      expect(tokenExpiry({ token: jwt({ exp: 'soon' }) }, now).source).toBe('fallback');
      expect(tokenExpiry({ token: 'opaque' }, now).source).toBe('fallback');
    });
  });

  describe('checkout reads', () => {
    it('reads /checkout/{id} with string amounts', () => {
      expect(readCheckoutResult({ id: 'c1', orderId: 'ATT-1', purchaseAmount: '200.00', purchaseCurrency: 'SAR', purchaseDate: 'x' })).toMatchObject({
        checkoutId: 'c1',
        orderId: 'ATT-1',
        amount: sar(20_000),
        currency: 'SAR',
      });
      expect(readCheckoutResult({ orderId: 'ATT-1' })).toBeUndefined();
    });

    it('reads track-checkout enveloped and bare, with numeric amounts', () => {
      const inner = { checkoutId: 'c1', orderId: 'ATT-1', purchaseAmount: 200, purchaseCurrency: 'SAR', status: 'success' };
      expect(readTrackReply({ status: 'success', result: inner })).toMatchObject({ status: 'success', checkoutId: 'c1', amount: sar(20_000) });
      expect(readTrackReply(inner)).toMatchObject({ status: 'success', checkoutId: 'c1', amount: sar(20_000) });
      expect(readTrackReply({ orderId: 'ATT-1', purchaseAmount: 200, purchaseCurrency: 'SAR', status: 'error' })).toMatchObject({ status: 'error' });
      expect(readTrackReply({ status: 'success', result: { orderId: 'x' } })).toBeUndefined();
      expect(readTrackReply({ foo: 1 })).toBeUndefined();
    });

    it.each([
      ['in-progress', 'pending'],
      ['pending', 'pending'],
      ['success', 'authorized'],
      ['canceled', 'canceled'],
      ['error', 'failed'],
      ['cancelled', 'unknown'],
      ['SUCCESS', 'unknown'],
      [undefined, 'unknown'],
    ])('track status %s → %s', (status, outcome) => {
      expect(trackStatusOutcome(status)).toBe(outcome);
    });

    it('compares orderId, currency and amount with the attempt', () => {
      const a = attempt();
      expect(compareWithAttempt(a, { orderId: 'ATT-1', amount: sar(20_000), currency: 'SAR' })).toEqual([]);
      expect(compareWithAttempt(a, { orderId: 'ATT-1', amount: sar(20_001), currency: 'SAR' })).toHaveLength(1);
      expect(compareWithAttempt(a, { orderId: 'ATT-2', amount: sar(20_000), currency: 'SAR' })).toHaveLength(1);
      expect(compareWithAttempt(a, { orderId: 'ATT-1', amount: sar(20_000), currency: 'USD' })).toHaveLength(1);
      expect(compareWithAttempt(a, { orderId: 'ATT-1', amountText: '1e3', currency: 'SAR' })).toHaveLength(1);
      // After update-order-id either id names the checkout.
      expect(compareWithAttempt(attempt({ refs: { orderId: 'NEW-1' } }), { orderId: 'NEW-1', amount: sar(20_000), currency: 'SAR' })).toEqual([]);
    });

    it('reads end results', () => {
      expect(readEndResult({ transactionId: 'tx1' })).toEqual({ transactionId: 'tx1' });
      expect(readEndResult({ transactionId: 42 })).toEqual({ transactionId: '42' });
      expect(readEndResult({})).toBeUndefined();
    });
  });

  describe('refunds (D9, D11)', () => {
    it('uses the corrected field meanings and the current order id', () => {
      const body = buildRefundRequest(attempt({ refs: { checkoutId: 'c1', orderId: 'NEW-1' } }), { refundId: 'ref_1', amount: sar(5_000), refundedBefore: sar(0), reason: ' damaged ' }, 'c1');
      expect(body).toEqual({ purchaseId: 'c1', totalAmount: '200.00', amount: '50.00', currency: 'SAR', orderId: 'NEW-1', merchantRefundId: 'ref_1', comments: 'damaged' });
      expect(currentOrderId(attempt())).toBe('ATT-1');
    });

    it('allows refunding exactly the remainder and refuses one halala more', () => {
      expect(buildRefundRequest(attempt(), { refundId: 'r', amount: sar(15_000), refundedBefore: sar(5_000) }, 'c1').amount).toBe('150.00');
      try {
        buildRefundRequest(attempt(), { refundId: 'r', amount: sar(15_001), refundedBefore: sar(5_000) }, 'c1');
        throw new Error('expected a refusal');
      } catch (error) {
        expect(error).toMatchObject({ code: 'GATEWAY.INVALID_REQUEST', details: { rule: 'REFUND.EXCEEDS_REMAINING', remainingMinor: '15000', requestedMinor: '15001' } });
      }
      expect(() => buildRefundRequest(attempt(), { refundId: 'r', amount: sar(0), refundedBefore: sar(0) }, 'c1')).toThrow(GatewayError);
    });

    it('reads the refund reply', () => {
      expect(readRefundResult({ transactionId: 'rt1', newPurchaseAmount: 150.5 })).toEqual({ transactionId: 'rt1', remaining: sar(15_050) });
      expect(readRefundResult({ transactionId: 'rt1' })).toEqual({ transactionId: 'rt1' });
      expect(readRefundResult({ newPurchaseAmount: 1 })).toBeUndefined();
    });

    it('matches MP03 notices loosely and never books an unexplained one', () => {
      const purchase = sar(20_000);
      expect(matchRefundNotice({ isFullyRefunded: false }, purchase, [{ refundId: 'r1', status: 'unknown', amount: sar(5_000) }])).toEqual({ kind: 'confirms', refundId: 'r1' });
      expect(matchRefundNotice({ isFullyRefunded: true }, purchase, [{ refundId: 'r1', status: 'unknown', amount: sar(5_000) }]).kind).toBe('external_refund_notice');
      expect(matchRefundNotice({ isFullyRefunded: true }, purchase, [{ refundId: 'r1', status: 'succeeded', amount: sar(20_000) }])).toEqual({ kind: 'already_known' });
      expect(matchRefundNotice({ isFullyRefunded: false }, purchase, []).kind).toBe('external_refund_notice');
      expect(matchRefundNotice({ isFullyRefunded: true }, purchase, [{ refundId: 'r1', status: 'failed', amount: sar(20_000) }]).kind).toBe('external_refund_notice');
    });
  });

  describe('callback and webhook payloads', () => {
    it.each([
      ['MP00', true, 'authorized'],
      ['MP00', false, 'pending'],
      ['MP01', false, 'failed'],
      ['MP02', true, 'canceled'],
      ['MP03', true, 'unknown'],
      ['MP99', false, 'unknown'],
    ])('%s (checkoutId %s) → %s', (code, hasCheckoutId, outcome) => {
      expect(resultCodeOutcome(code as string, hasCheckoutId as boolean)).toBe(outcome);
    });

    it('reads callback and webhook payloads', () => {
      expect(readCallbackPayload({ orderId: 'ATT-1', code: 'MP00', checkoutId: 'c1' })).toEqual({ orderId: 'ATT-1', code: 'MP00', checkoutId: 'c1' });
      expect(readCallbackPayload({ orderId: 'ATT-1', code: 'MP01' })).toEqual({ orderId: 'ATT-1', code: 'MP01' });
      expect(readCallbackPayload({ code: 'MP01' })).toBeUndefined();
      expect(readWebhookPayload({ checkoutId: 'c1', orderId: 'ATT-1', code: 'MP03', appId: 'a', isFullyRefunded: false })).toEqual({
        checkoutId: 'c1',
        orderId: 'ATT-1',
        code: 'MP03',
        appId: 'a',
        isFullyRefunded: false,
      });
      expect(readWebhookPayload({ code: 'MP00', appId: 'a' })).toBeUndefined();
      expect(readWebhookPayload('MP00')).toBeUndefined();
    });
  });
});
