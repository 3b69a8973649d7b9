import { Money } from '@payledger/kernel';
import { GatewayError } from '../port/gateway-error';
import type { StartPaymentInput } from '../port/gateway.types';
import {
  amountMatches,
  callbackClaim,
  decideOutcome,
  findByReference,
  inquiryOutcome,
  jwtExpiryMs,
  maskCardNumber,
  moneyToWireAmount,
  parseCreateOrderResponse,
  parseOrder,
  parseOrderPage,
  parseTokenPair,
  parseVerifyStatus,
  recordOutcome,
  switchingUrl,
  toCreateOrderRequest,
  tokenFromPair,
  wireAmountToMoney,
} from './jibit.transformers';

const irr = (amount: number | bigint) => Money.of(amount, 'IRR');
const order = (overrides: Record<string, unknown> = {}) => parseOrder({ id: 'Ab12Cd34', amount: 150000, currency: 'RIALS', referenceNumber: 'ref-1', status: 'SUCCESS', ...overrides })!;

describe('jibit transformers: money', () => {
  it('sends IRR minor units as a RIALS integer', () => {
    expect(moneyToWireAmount(irr(150000))).toBe(150000);
  });

  it('refuses a currency other than IRR and amounts beyond a safe integer', () => {
    expect(() => moneyToWireAmount(Money.of(100, 'SAR'))).toThrow(GatewayError);
    expect(() => moneyToWireAmount(irr(BigInt(Number.MAX_SAFE_INTEGER) + 1n))).toThrow(/not a Jibit amount/);
  });

  it('reads RIALS as IRR and multiplies TOMAN by ten', () => {
    expect(wireAmountToMoney(5000, 'RIALS')!.equals(irr(5000))).toBe(true);
    expect(wireAmountToMoney(5000, 'TOMAN')!.equals(irr(50000))).toBe(true);
    expect(wireAmountToMoney('5000', 'TOMAN')!.equals(irr(50000))).toBe(true);
  });

  it('gives no amount for unsafe integers, fractions or unknown currencies', () => {
    expect(wireAmountToMoney(2 ** 53, 'RIALS')).toBeUndefined();
    expect(wireAmountToMoney(10.5, 'RIALS')).toBeUndefined();
    expect(wireAmountToMoney(100, 'USD')).toBeUndefined();
    expect(wireAmountToMoney('1e5', 'RIALS')).toBeUndefined();
  });
});

describe('jibit transformers: create order (D5)', () => {
  const input: StartPaymentInput = {
    paymentId: 'pay_1',
    reference: 'att-0001',
    orderId: 'ORD-1',
    amount: irr(150000),
    description: 'two books',
    customer: { id: 'cust-7', mobile: '09120000000', nationalCode: '0012345678' },
  };
  const options = { callbackUrl: 'https://payledger.example/callbacks/jibit', amountMin: 100n };

  it('builds the §3.4 body with RIALS, our reference, customer id and a boolean forcePayerCardNumber', () => {
    const { body } = toCreateOrderRequest(input, options);
    expect(body).toEqual({
      amount: 150000,
      currency: 'RIALS',
      referenceNumber: 'att-0001',
      userIdentifier: 'cust-7',
      callbackUrl: 'https://payledger.example/callbacks/jibit',
      description: 'two books',
      forcePayerCardNumber: false,
      nationalCode: '0012345678',
    });
  });

  it('falls back to the mobile number as userIdentifier', () => {
    const { body } = toCreateOrderRequest({ ...input, customer: { mobile: '09121111111' } }, options);
    expect(body.userIdentifier).toBe('09121111111');
  });

  it('pins a card with forcePayerCardNumber true and records it masked', () => {
    const draft = toCreateOrderRequest(input, { ...options, pinnedCardNumber: '6037-9912-3456-7890' });
    expect(draft.body.payerCardNumber).toBe('6037991234567890');
    expect(draft.body.forcePayerCardNumber).toBe(true);
    expect(draft.recordable.payerCardNumber).toBe('603799******7890');
    expect(JSON.stringify(draft.recordable)).not.toContain('6037991234567890');
  });

  it.each([
    ['amount below the configured minimum', { amount: irr(99) }, /below the Jibit minimum/],
    ['a reference longer than 32 characters', { reference: 'x'.repeat(33) }, /referenceNumber/],
    ['a reference with other characters', { reference: 'att_0001' }, /referenceNumber/],
    ['no customer id or mobile', { customer: {} }, /userIdentifier/],
    ['a userIdentifier longer than 50', { customer: { id: 'c'.repeat(51) } }, /longer than 50/],
    ['a description longer than 256', { description: 'd'.repeat(257) }, /longer than 256/],
    ['a currency other than IRR', { amount: Money.of(1000, 'SAR') }, /IRR only/],
  ])('refuses %s locally with GATEWAY.INVALID_REQUEST', (_name, change, message) => {
    let caught: unknown;
    try {
      toCreateOrderRequest({ ...input, ...(change as Partial<StartPaymentInput>) }, options);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(GatewayError);
    expect((caught as GatewayError).code).toBe('GATEWAY.INVALID_REQUEST');
    expect((caught as GatewayError).message).toMatch(message);
  });

  it('accepts exactly the minimum, 32-character references and 50-character identifiers', () => {
    expect(() => toCreateOrderRequest({ ...input, amount: irr(100), reference: 'A'.repeat(32), customer: { id: 'c'.repeat(50) }, description: 'd'.repeat(256) }, options)).not.toThrow();
  });

  it('masks a card to first six and last four digits', () => {
    expect(maskCardNumber('6037991234567890')).toBe('603799******7890');
    expect(maskCardNumber('123')).toBe('***');
  });

  it('parses the create reply and refuses one without a usable identifier or URL', () => {
    expect(parseCreateOrderResponse({ orderIdentifier: 'Ab12Cd34', referenceNumber: 'r', pspSwitchingUrl: 'https://x/orders/Ab12Cd34/payments' })).toEqual({
      orderIdentifier: 'Ab12Cd34',
      referenceNumber: 'r',
      pspSwitchingUrl: 'https://x/orders/Ab12Cd34/payments',
    });
    expect(parseCreateOrderResponse({ referenceNumber: 'r', pspSwitchingUrl: 'https://x' })).toMatch(/orderIdentifier/);
    expect(parseCreateOrderResponse({ orderIdentifier: 'a/b', referenceNumber: 'r', pspSwitchingUrl: 'https://x' })).toMatch(/orderIdentifier/);
    expect(parseCreateOrderResponse({ orderIdentifier: 'Ab12Cd34', referenceNumber: 'r', pspSwitchingUrl: 'javascript:alert(1)' })).toMatch(/pspSwitchingUrl/);
  });

  it('builds the switching URL of an adopted order (D6)', () => {
    expect(switchingUrl('https://api.jibit.ir/ppg/v2/', 'Ab12Cd34')).toBe('https://api.jibit.ir/ppg/v2/orders/Ab12Cd34/payments');
  });
});

describe('jibit transformers: tokens (D3)', () => {
  const sentAt = new Date('2026-03-01T09:00:00.000Z');
  const jwt = (exp: number) => `eyJhbGciOiJIUzI1NiJ9.${Buffer.from(JSON.stringify({ exp })).toString('base64url')}.c2ln`;

  it('counts 24 h and 48 h from the send time for opaque tokens', () => {
    const token = tokenFromPair({ accessToken: 'opaque-a', refreshToken: 'opaque-r' }, sentAt);
    expect(token.expiresAt.toISOString()).toBe('2026-03-02T09:00:00.000Z');
    expect(token.refreshExpiresAt!.toISOString()).toBe('2026-03-03T09:00:00.000Z');
    expect(token.value).toBe('opaque-a');
    expect(token.refreshToken).toBe('opaque-r');
  });

  it('lets an earlier JWT exp win, and ignores a later one', () => {
    const early = sentAt.getTime() / 1000 + 3600;
    const late = sentAt.getTime() / 1000 + 10 * 86400;
    expect(tokenFromPair({ accessToken: jwt(early), refreshToken: 'r' }, sentAt).expiresAt.toISOString()).toBe('2026-03-01T10:00:00.000Z');
    expect(tokenFromPair({ accessToken: jwt(late), refreshToken: 'r' }, sentAt).expiresAt.toISOString()).toBe('2026-03-02T09:00:00.000Z');
  });

  it('reads exp only from JWT-shaped tokens', () => {
    expect(jwtExpiryMs(jwt(1000))).toBe(1_000_000);
    expect(jwtExpiryMs('not-a-jwt')).toBeUndefined();
    expect(jwtExpiryMs('a.%%%.c')).toBeUndefined();
    expect(jwtExpiryMs(`a.${Buffer.from('{"exp":"soon"}').toString('base64url')}.c`)).toBeUndefined();
  });

  it('refuses a pair with a missing token', () => {
    expect(parseTokenPair({ accessToken: 'a', refreshToken: 'r' })).toEqual({ accessToken: 'a', refreshToken: 'r' });
    expect(parseTokenPair({ accessToken: 'a' })).toBeUndefined();
    expect(parseTokenPair({ accessToken: '', refreshToken: 'r' })).toBeUndefined();
  });
});

describe('jibit transformers: statuses', () => {
  it('reads the three verify statuses and marks anything else unrecognised', () => {
    expect(parseVerifyStatus({ status: 'Successful' })).toEqual({ status: 'Successful', text: 'Successful' });
    expect(parseVerifyStatus({ status: 'Failed' })!.status).toBe('Failed');
    expect(parseVerifyStatus({ status: 'Unknown' })!.status).toBe('Unknown');
    expect(parseVerifyStatus({ status: 'SUCCESSFUL' })).toEqual({ status: 'unrecognised', text: 'SUCCESSFUL' });
    expect(parseVerifyStatus({})).toBeUndefined();
  });

  it.each([
    ['SUCCESS', 'paid'],
    ['FAILED', 'failed'],
    ['EXPIRED', 'expired'],
    ['IN_PROGRESS', 'pending'],
    ['UNKNOWN', 'unknown'],
    ['REVERSED', 'unknown'],
  ])('maps inquiry %s to %s (§5)', (status, outcome) => {
    expect(inquiryOutcome(order({ status }), irr(150000))).toBe(outcome);
  });

  it.each([
    ['SUCCESS', 'paid'],
    ['FAILED', 'failed'],
    ['EXPIRED', 'expired'],
    ['IN_PROGRESS', 'pending'],
    ['UNKNOWN', 'unknown'],
    ['MANUALLY_SUCCESS', 'unknown'],
  ])('maps a listed record %s to %s', (status, outcome) => {
    expect(recordOutcome(order({ status }).status)).toBe(outcome);
  });

  it('parses an order, keeping the unrecognised status text and the TOMAN amount in IRR', () => {
    const parsed = order({ status: 'REVERSED', currency: 'TOMAN', amount: 15000, createdAt: '2020-06-10T15:50:55.247079Z', payerCard: '603799******1234' });
    expect(parsed.status).toBeUndefined();
    expect(parsed.statusText).toBe('REVERSED');
    expect(parsed.amount!.equals(irr(150000))).toBe(true);
    expect(parsed.wireAmount).toBe(15000n);
    expect(parsed.orderIdentifier).toBe('Ab12Cd34');
    expect(parsed.createdAt!.toISOString()).toBe('2020-06-10T15:50:55.247Z');
    expect(parsed.payerCard).toBe('603799******1234');
  });

  it('prefers an explicit orderIdentifier over id', () => {
    expect(order({ orderIdentifier: 'Zz99Yy88' }).orderIdentifier).toBe('Zz99Yy88');
  });

  it('refuses something that is not an order', () => {
    expect(parseOrder({ amount: 1 })).toBeUndefined();
    expect(parseOrder({ status: 'SUCCESS', amount: 'lots' })).toBeUndefined();
    expect(parseOrder([])).toBeUndefined();
    expect(parseOrder(null)).toBeUndefined();
  });
});

describe('jibit transformers: amount check and the D8 rule', () => {
  const expected = irr(150000);

  it('matches only RIALS and the exact amount', () => {
    expect(amountMatches(order(), expected)).toBe(true);
    expect(amountMatches(order({ amount: 150001 }), expected)).toBe(false);
    // A TOMAN reply is a mismatch even when ×10 agrees: we created the order in RIALS.
    expect(amountMatches(order({ amount: 15000, currency: 'TOMAN' }), expected)).toBe(false);
  });

  it('verify Successful + inquiry SUCCESS with the same amount → paid; another amount → amount_mismatch', () => {
    expect(decideOutcome('Successful', order(), expected).outcome).toBe('paid');
    expect(decideOutcome('Successful', order({ amount: 151000 }), expected).outcome).toBe('amount_mismatch');
  });

  it('verify Successful but inquiry not yet SUCCESS → pending', () => {
    expect(decideOutcome('Successful', order({ status: 'IN_PROGRESS' }), expected).outcome).toBe('pending');
    expect(decideOutcome('Successful', 'unreachable', expected).outcome).toBe('pending');
  });

  it.each([
    ['FAILED', 'failed'],
    ['EXPIRED', 'expired'],
    ['SUCCESS', 'paid'],
    ['IN_PROGRESS', 'pending'],
    ['UNKNOWN', 'unknown'],
    ['REVERSED', 'unknown'],
  ])('verify Failed: inquiry %s decides → %s', (status, outcome) => {
    expect(decideOutcome('Failed', order({ status }), expected).outcome).toBe(outcome);
  });

  it('verify Failed with an unreachable inquiry is unknown, never failed', () => {
    expect(decideOutcome('Failed', 'unreachable', expected).outcome).toBe('unknown');
  });

  it.each(['Unknown', 'unrecognised', 'unreachable'] as const)('verify %s → unknown, whatever an inquiry says', (verify) => {
    expect(decideOutcome(verify, undefined, expected).outcome).toBe('unknown');
    expect(decideOutcome(verify, order(), expected).outcome).toBe('unknown');
  });

  it('says what it saw', () => {
    expect(decideOutcome('Successful', order(), expected).detail).toBe('verify Successful, inquiry SUCCESS');
  });
});

describe('jibit transformers: list page and callback', () => {
  it('reads numberOfElements, falls back to numberOfElemnts, and follows hasNext', () => {
    const a = parseOrderPage({ hasNext: true, numberOfElements: 7, elements: [{ id: 'A1', amount: 100, currency: 'RIALS', status: 'SUCCESS', referenceNumber: 'r1' }] });
    expect(a).toMatchObject({ hasNext: true, totalElements: 7 });
    const b = parseOrderPage({ hasNext: false, numberOfElemnts: 3, elements: [] });
    expect(b).toMatchObject({ hasNext: false, totalElements: 3 });
    expect(parseOrderPage({ elements: [] })).toMatch(/hasNext/);
    expect(parseOrderPage({ hasNext: false })).toMatch(/elements/);
    expect(parseOrderPage({ hasNext: false, elements: [{ nope: 1 }] })).toMatch(/not an order/);
  });

  it('finds our reference on a page', () => {
    const page = parseOrderPage({
      hasNext: false,
      elements: [
        { id: 'A1', amount: 100, currency: 'RIALS', status: 'IN_PROGRESS', referenceNumber: 'r1' },
        { id: 'B2', amount: 100, currency: 'RIALS', status: 'IN_PROGRESS', referenceNumber: 'r2' },
      ],
    });
    if (typeof page === 'string') throw new Error(page);
    expect(findByReference(page, 'r2')?.orderIdentifier).toBe('B2');
    expect(findByReference(page, 'r3')).toBeUndefined();
  });

  it('turns the callback state and amount into untrusted claims', () => {
    expect(callbackClaim('SUCCESSFUL', '200000')).toEqual({ status: 'SUCCESSFUL', outcome: 'paid', amount: irr(200000) });
    expect(callbackClaim('FAILED', undefined)).toEqual({ status: 'FAILED', outcome: 'failed' });
    expect(callbackClaim('ORDER_NOT_FOUND', 'x')).toEqual({ status: 'ORDER_NOT_FOUND', amount: undefined });
    expect(callbackClaim(undefined, undefined)).toEqual({});
  });
});
