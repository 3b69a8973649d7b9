import { Money } from '@payledger/kernel';
import {
  atipayFailureOf,
  buildGetTokenRequest,
  decideAtipayCallback,
  fromAtipayAmount,
  interpretGetTokenReply,
  interpretVerifyReply,
  maskCardNumber,
  toAtipayAmount,
  toAtipayCellNumber,
  tokenTail,
} from './atipay.transformers';

const irr = (n: number) => Money.of(n, 'IRR');

describe('AtiPay money', () => {
  it('sends IRR minor units (rials, scale 0) as an integer', () => {
    expect(toAtipayAmount(irr(150_000))).toBe(150_000);
    expect(toAtipayAmount(Money.fromToman(15_000))).toBe(150_000);
  });

  it.each([
    ['another currency', Money.of(100, 'SAR')],
    ['zero', irr(0)],
    ['a negative amount', irr(-5)],
    ['more than a safe integer', Money.of(BigInt(Number.MAX_SAFE_INTEGER) + 1n, 'IRR')],
  ])('refuses %s', (_name, amount) => {
    expect(() => toAtipayAmount(amount)).toThrow(expect.objectContaining({ code: 'GATEWAY.INVALID_REQUEST' }));
  });

  it('reads only non-negative safe integers back', () => {
    expect(fromAtipayAmount(1000)?.equals(irr(1000))).toBe(true);
    expect(fromAtipayAmount(0)?.isZero()).toBe(true);
    for (const bad of ['1000', 1000.5, -1, Number.MAX_SAFE_INTEGER + 2, null, undefined, NaN]) expect(fromAtipayAmount(bad)).toBeUndefined();
  });
});

describe('get-token request (D2)', () => {
  it.each([
    ['09121234567', '09121234567'],
    ['+989121234567', '09121234567'],
    ['00989121234567', '09121234567'],
    ['989121234567', '09121234567'],
    ['9121234567', '09121234567'],
    ['0912 123 4567', '09121234567'],
    ['+1 555 0100', ''],
    ['', ''],
    [undefined, ''],
  ])('cellNumber from %p is %p', (mobile, expected) => {
    expect(toAtipayCellNumber(mobile)).toBe(expected);
  });

  it('builds the body with amount, cellNumber, invoiceNumber, redirectUrl, apiKey and an optional description', () => {
    const base = { reference: 'R-1', amount: irr(5000), apiKey: 'k', redirectUrl: 'https://pl.example/callbacks/atipay' };
    expect(buildGetTokenRequest(base)).toEqual({ amount: 5000, cellNumber: '', invoiceNumber: 'R-1', redirectUrl: base.redirectUrl, apiKey: 'k' });
    expect(buildGetTokenRequest({ ...base, description: 'shoes', mobile: '09120000000' })).toMatchObject({ description: 'shoes', cellNumber: '09120000000' });
  });
});

describe('get-token reply (D2)', () => {
  it('success is HTTP 200, String(status) === "1" and a non-empty token', () => {
    expect(interpretGetTokenReply(200, { status: '1', token: 'abc' })).toEqual({ kind: 'token', token: 'abc' });
    expect(interpretGetTokenReply(200, { status: 1, token: 'abc' })).toEqual({ kind: 'token', token: 'abc' });
  });

  it.each([
    ['status 1 but no token', 200, { status: '1' }, 'TOKEN_MISSING'],
    ['status 1 with a blank token', 200, { status: '1', token: '  ' }, 'TOKEN_MISSING'],
    ['a non-200 with a token', 201, { status: '1', token: 'abc' }, 'HTTP_201'],
    ['errorCode', 200, { status: '0', errorCode: 'InvalidParameters', errorDescription: 'amount' }, 'InvalidParameters'],
    ['faMessage', 200, { faMessage: 'خطا' }, 'faMessage'],
    ['message', 400, { message: 'bad' }, 'message'],
    ['nothing but a status', 200, { status: '-3' }, 'HTTP_200'],
    ['nothing at all', 404, {}, 'HTTP_404'],
    ['no body', 503, undefined, 'HTTP_503'],
  ])('%s is a refusal with gatewayCode %s', (_name, status, body, gatewayCode) => {
    const reply = interpretGetTokenReply(status as number, body as never);
    expect(reply.kind).toBe('refused');
    if (reply.kind === 'refused') expect(reply.failure.gatewayCode).toBe(gatewayCode);
  });

  it('prefers errorCode over faMessage over message over the HTTP status', () => {
    expect(atipayFailureOf({ errorCode: 'E', faMessage: 'f', message: 'm' }, 200)).toMatchObject({ gatewayCode: 'E', source: 'errorCode', message: 'E' });
    expect(atipayFailureOf({ errorCode: 'E', errorDescription: 'why' }, 200).message).toBe('why');
    expect(atipayFailureOf({ faMessage: 'f', message: 'm' }, 200)).toMatchObject({ source: 'faMessage', message: 'f' });
    expect(atipayFailureOf({ message: 'm' }, 200)).toMatchObject({ source: 'message', message: 'm' });
    expect(atipayFailureOf({ errorCode: '' }, 418)).toMatchObject({ source: 'httpStatus', gatewayCode: 'HTTP_418' });
  });

  it('keeps six characters of a token', () => {
    expect(tokenTail('0123456789abcdef')).toBe('…abcdef');
    expect(tokenTail('abc')).toBe('[REDACTED]');
  });
});

describe('callback state table (§3.3, D4)', () => {
  it('verifies only OK with status "2"', () => {
    expect(decideAtipayCallback('OK', '2')).toEqual({ verify: true, outcome: 'paid', knownPair: true, configurationAlert: false, label: 'OK/2' });
  });

  it.each([
    ['CanceledByUser', '1', 'canceled', false],
    ['Failed', '3', 'failed', false],
    ['SessionIsNull', '4', 'expired', false],
    ['InvalidParameters', '5', 'failed', false],
    ['MerchantIpAddressIsInvalid', '8', 'failed', true],
    ['TokenNotFound', '10', 'failed', false],
    ['TokenRequired', '11', 'failed', true],
    ['TerminalNotFound', '12', 'failed', true],
  ])('%s/%s → %s without verify', (state, status, outcome, alert) => {
    expect(decideAtipayCallback(state, status)).toEqual({ verify: false, outcome, knownPair: true, configurationAlert: alert, label: `${state}/${status}` });
  });

  it.each([
    ['OK', '3'],
    ['OK', '02'],
    ['ok', '2'],
    [' OK', '2'],
    ['Failed', '2'],
    ['CanceledByUser', '3'],
    ['Mystery', '99'],
    ['', ''],
  ])('any other pair (%p, %p) is failed, unknown, never verified', (state, status) => {
    expect(decideAtipayCallback(state, status)).toMatchObject({ verify: false, outcome: 'failed', knownPair: false });
  });

  it('masks a full card number but keeps a masked one', () => {
    expect(maskCardNumber('603799******1234')).toBe('603799******1234');
    expect(maskCardNumber('6037991234561234')).toBe('603799******1234');
    expect(maskCardNumber('')).toBe('');
  });
});

describe('verify reply (D6)', () => {
  const expected = irr(250_000);
  it('equal integer amount → paid', () => {
    expect(interpretVerifyReply(200, { amount: 250_000 }, expected)).toMatchObject({ outcome: 'paid' });
  });
  it('another amount → amount_mismatch with the gateway amount', () => {
    const result = interpretVerifyReply(200, { amount: 240_000 }, expected);
    expect(result.outcome).toBe('amount_mismatch');
    if (result.outcome === 'amount_mismatch') expect(result.gatewayAmount.amountMinor).toBe(240_000n);
  });
  it.each([
    ['no amount', {}],
    ['a null amount', { amount: null }],
    ['amount 0', { amount: 0 }],
    ['an error body', { errorCode: 'TransactionNotFound', errorDescription: 'x' }],
    ['a faMessage', { faMessage: 'خطا' }],
  ])('%s → failed (verify_failed)', (_name, body) => {
    expect(interpretVerifyReply(200, body, expected)).toMatchObject({ outcome: 'failed', detail: expect.stringContaining('verify_failed') });
  });
  it('an error body on a 4xx is a failure too', () => {
    expect(interpretVerifyReply(403, { errorCode: 'InvalidApiKey' }, expected)).toMatchObject({ outcome: 'failed', gatewayCode: 'InvalidApiKey' });
  });
  it.each([
    ['amount as text', 200, { amount: '250000' }],
    ['a fractional amount', 200, { amount: 250_000.5 }],
    ['a negative amount', 200, { amount: -1 }],
    ['an amount with an errorCode', 200, { amount: 250_000, errorCode: 'X' }],
    ['an amount on a 4xx', 400, { amount: 250_000 }],
  ])('%s is unusable (the unknown fallback)', (_name, status, body) => {
    expect(interpretVerifyReply(status, body, expected).outcome).toBe('unusable');
  });
});
