import { SeededRandom } from '../core';
import {
  applyBuyerAction,
  callbackAmountRials,
  callbackLocation,
  inquiryView,
  isPayable,
  JibitSimOrder,
  microsIso,
  newOrder,
  settleDue,
  verifyOrder,
} from './jibit-order.state-machine';
import { validateCreateOrder } from './jibit-order.validation';
import { errorEnvelope } from './jibit-sandbox.errors';
import { JibitTokenRegistry } from './jibit-token.registry';
import { buyerActionFor, JibitScenario, validateJibitScenario } from './jibit.scenario';
import { parseListQuery } from './jibit.simulator';

const T0 = Date.parse('2026-03-01T09:00:00.000Z');
const MIN = 60_000;
const EXPIRY = 15 * MIN;
const RESOLVE = 5 * MIN;
const card = { lastFour: '1234' };

function order(scenario?: Partial<JibitScenario>, fields: Partial<JibitSimOrder> = {}): JibitSimOrder {
  const created = newOrder(
    {
      amount: 150000,
      currency: 'RIALS',
      referenceNumber: 'ref-1',
      userIdentifier: 'u1',
      callbackUrl: 'https://shop.example/callbacks/jibit',
      forcePayerCardNumber: false,
    },
    'Ab12Cd34',
    T0,
    EXPIRY,
    scenario ? ({ outcome: 'pay', ...scenario } as JibitScenario) : undefined,
  );
  return Object.assign(created, fields);
}

describe('jibit simulator: verify semantics (§7)', () => {
  it('unpaid before the deadline → Failed, and the buyer may still pay', () => {
    const o = order();
    expect(verifyOrder(o, T0 + MIN, RESOLVE)).toBe('Failed');
    expect(o.status).toBe('IN_PROGRESS');
    expect(isPayable(o, T0 + 2 * MIN)).toBe(true);
  });

  it('paid and unverified → Successful and SUCCESS; again → Successful (idempotent)', () => {
    const o = order();
    expect(applyBuyerAction(o, 'pay', T0 + MIN, card)).toBe('SUCCESSFUL');
    expect(inquiryView(o).status).toBe('IN_PROGRESS');
    expect(verifyOrder(o, T0 + 2 * MIN, RESOLVE)).toBe('Successful');
    expect(o.status).toBe('SUCCESS');
    expect(verifyOrder(o, T0 + 3 * MIN, RESOLVE)).toBe('Successful');
  });

  it('FAILED and EXPIRED → Failed', () => {
    const failed = order();
    applyBuyerAction(failed, 'cancel', T0 + MIN, card);
    expect(verifyOrder(failed, T0 + 2 * MIN, RESOLVE)).toBe('Failed');
    const expired = order();
    expect(verifyOrder(expired, T0 + EXPIRY, RESOLVE)).toBe('Failed');
    expect(expired.status).toBe('EXPIRED');
  });

  it('paid but unverified at +15 min → EXPIRED (reversed)', () => {
    const o = order();
    applyBuyerAction(o, 'pay', T0 + MIN, card);
    expect(settleDue(o, T0 + EXPIRY - 1)).toBe(false);
    expect(settleDue(o, T0 + EXPIRY)).toBe(true);
    expect(o.status).toBe('EXPIRED');
    expect(verifyOrder(o, T0 + EXPIRY + 1, RESOLVE)).toBe('Failed');
  });

  it.each([
    ['unknown-then-pay', 'SUCCESS'],
    ['unknown-then-fail', 'FAILED'],
  ] as const)('%s: verify → Unknown and UNKNOWN, resolving to %s after resolveAfter, ignoring the 15-minute expiry', (outcome, resolved) => {
    const o = order({ outcome });
    applyBuyerAction(o, 'pay', T0 + 14 * MIN, card);
    expect(verifyOrder(o, T0 + 14 * MIN, RESOLVE)).toBe('Unknown');
    expect(o.status).toBe('UNKNOWN');
    settleDue(o, T0 + 16 * MIN);
    expect(o.status).toBe('UNKNOWN');
    expect(verifyOrder(o, T0 + 16 * MIN, RESOLVE)).toBe('Unknown');
    settleDue(o, T0 + 19 * MIN);
    expect(o.status).toBe(resolved);
  });

  it('a scenario resolveAfterMs wins over the default', () => {
    const o = order({ outcome: 'unknown-then-pay', resolveAfterMs: 1000 });
    applyBuyerAction(o, 'pay', T0, card);
    verifyOrder(o, T0, RESOLVE);
    settleDue(o, T0 + 1000);
    expect(o.status).toBe('SUCCESS');
  });
});

describe('jibit simulator: buyer actions and callbacks', () => {
  it('fail and cancel end FAILED; abandon sends no callback', () => {
    const failed = order();
    expect(applyBuyerAction(failed, 'fail', T0, card)).toBe('FAILED');
    expect(failed.status).toBe('FAILED');
    expect(failed.payerCard).toBe('603799******1234');
    const abandoned = order();
    expect(applyBuyerAction(abandoned, 'abandon', T0, card)).toBeUndefined();
    expect(abandoned.status).toBe('IN_PROGRESS');
    expect(isPayable(abandoned, T0)).toBe(false);
  });

  it('masks a pinned card into payerCard', () => {
    const o = order(undefined, { payerCardNumber: '6037991234567890' });
    applyBuyerAction(o, 'pay', T0, card);
    expect(o.payerCard).toBe('603799******7890');
  });

  it('appends the parameters with ? or & and keeps the merchant query and fragment', () => {
    const params = { amount: '1000', refnum: 'Ab12Cd34', state: 'SUCCESSFUL' };
    expect(callbackLocation('https://m.example/cb', params)).toBe('https://m.example/cb?amount=1000&refnum=Ab12Cd34&state=SUCCESSFUL');
    expect(callbackLocation('https://m.example/cb?x=1', params)).toBe('https://m.example/cb?x=1&amount=1000&refnum=Ab12Cd34&state=SUCCESSFUL');
    expect(callbackLocation('https://m.example/cb?', params)).toBe('https://m.example/cb?amount=1000&refnum=Ab12Cd34&state=SUCCESSFUL');
    expect(callbackLocation('https://m.example/cb?x=1#top', params)).toBe('https://m.example/cb?x=1&amount=1000&refnum=Ab12Cd34&state=SUCCESSFUL#top');
  });

  it('reports the callback amount in rials (TOMAN ×10) and adds a wrongAmount delta everywhere', () => {
    const toman = order(undefined, { currency: 'TOMAN', amount: 15000 });
    expect(callbackAmountRials(toman)).toBe(150000);
    const wrong = order({ wrongAmount: 500 });
    expect(callbackAmountRials(wrong)).toBe(150500);
    expect(inquiryView(wrong).amount).toBe(150500);
  });

  it('writes timestamps with microseconds', () => {
    expect(microsIso(T0)).toBe('2026-03-01T09:00:00.000000Z');
    expect(inquiryView(order()).expirationDate).toBe('2026-03-01T12:00:00.000000Z');
  });
});

describe('jibit simulator: create validation (§3.4, D11)', () => {
  const valid = { amount: 1000, referenceNumber: 'r1', userIdentifier: 'u1', callbackUrl: 'https://m.example/cb' };
  const codes = (body: unknown) => {
    const result = validateCreateOrder(body, { amountMax: 2_000_000_000 });
    return result.ok ? [] : result.codes;
  };

  it('accepts a minimal body, defaulting currency to RIALS and forcePayerCardNumber to false', () => {
    const result = validateCreateOrder(valid, { amountMax: 2_000_000_000 });
    expect(result).toEqual({ ok: true, fields: expect.objectContaining({ currency: 'RIALS', forcePayerCardNumber: false, amount: 1000 }) });
  });

  it('reports every missing field together', () => {
    expect(codes({})).toEqual([
      'order_create.user_identifier.is_required',
      'order_create.reference_number.is_required',
      'order_create.amount.is_required',
      'order_create.callback_url.is_required',
    ]);
  });

  it.each([
    [{ amount: 99 }, 'order_create.amount.positive'],
    [{ amount: 99, currency: 'TOMAN' }, 'order_create.amount.positive'],
    [{ amount: 2_000_000_001 }, 'order_create.amount.max_exceeded'],
    [{ currency: '' }, 'order_create.currency.is_required'],
    [{ callbackUrl: 'not a url' }, 'order_create.callback_url.not_valid'],
    [{ callbackUrl: 'ftp://m.example/cb' }, 'order_create.callback_url.not_valid'],
    [{ amount: 'ten' }, 'binding.type_mismatch'],
    [{ amount: 100.5 }, 'binding.type_mismatch'],
    [{ currency: 'USD' }, 'binding.type_mismatch'],
    [{ referenceNumber: { a: 1 } }, 'binding.type_mismatch'],
    [{ forcePayerCardNumber: 'yes' }, 'binding.type_mismatch'],
  ])('%j → %s', (change, code) => {
    expect(codes({ ...valid, ...change })).toEqual([code]);
  });

  it('binds forcePayerCardNumber from a boolean or its string form, and a numeric amount string', () => {
    const result = validateCreateOrder({ ...valid, amount: '1000', forcePayerCardNumber: 'true' }, { amountMax: 10_000 });
    expect(result.ok && result.fields.forcePayerCardNumber).toBe(true);
    expect(result.ok && result.fields.amount).toBe(1000);
  });

  it('refuses a body that is not an object', () => {
    expect(codes([])).toEqual(['web.invalid_or_missing_body']);
    expect(codes(null)).toEqual(['web.invalid_or_missing_body']);
  });
});

describe('jibit simulator: tokens', () => {
  let counter = 0;
  const registry = () => new JibitTokenRegistry(() => `tok${++counter}`);
  const ttl = { accessMs: 24 * 60 * MIN, refreshMs: 48 * 60 * MIN };

  it('expires the access token after its TTL', () => {
    const tokens = registry();
    const pair = tokens.issue(T0, ttl);
    expect(tokens.isAccessValid(pair.accessToken, T0 + ttl.accessMs - 1)).toBe(true);
    expect(tokens.isAccessValid(pair.accessToken, T0 + ttl.accessMs)).toBe(false);
    expect(tokens.isAccessValid('nope', T0)).toBe(false);
  });

  it('rotates on refresh: the old refresh token is spent, the old access token lives on', () => {
    const tokens = registry();
    const pair = tokens.issue(T0, ttl);
    const next = tokens.refresh(pair.accessToken, pair.refreshToken, T0 + MIN, ttl);
    expect(typeof next).toBe('object');
    expect(tokens.refresh(pair.accessToken, pair.refreshToken, T0 + 2 * MIN, ttl)).toBe('refresh-token-used');
    expect(tokens.isAccessValid(pair.accessToken, T0 + 2 * MIN)).toBe(true);
  });

  it('refuses a refresh with a Bearer-prefixed, foreign or expired pair', () => {
    const tokens = registry();
    const pair = tokens.issue(T0, ttl);
    expect(tokens.refresh(`Bearer ${pair.accessToken}`, pair.refreshToken, T0, ttl)).toBe('pair-mismatch');
    expect(tokens.refresh(pair.accessToken, 'unknown', T0, ttl)).toBe('unknown-refresh-token');
    expect(tokens.refresh(pair.accessToken, pair.refreshToken, T0 + ttl.refreshMs, ttl)).toBe('refresh-token-expired');
  });

  it('revokes every earlier pair', () => {
    const tokens = registry();
    const pair = tokens.issue(T0, ttl);
    tokens.revokeAll();
    expect(tokens.isAccessValid(pair.accessToken, T0)).toBe(false);
    expect(tokens.refresh(pair.accessToken, pair.refreshToken, T0, ttl)).toBe('revoked');
  });
});

describe('jibit simulator: scenarios, list query, envelope', () => {
  it('accepts the §7 outcomes and options and refuses others', () => {
    expect(validateJibitScenario({ outcome: 'pay', callback: 'direct', repeat: 2, delayMs: 0, drop: false, wrongAmount: -5 })).toBeUndefined();
    expect(validateJibitScenario({ outcome: 'refund' })).toMatch(/outcome/);
    expect(validateJibitScenario({ outcome: 'pay', callback: 'pigeon' })).toMatch(/callback/);
    expect(validateJibitScenario({ outcome: 'pay', repeat: 0 })).toMatch(/repeat/);
    expect(validateJibitScenario({ outcome: 'pay', wrongAmount: 1.5 })).toMatch(/wrongAmount/);
    expect(buyerActionFor('timeout')).toBe('abandon');
    expect(buyerActionFor('unknown-then-fail')).toBe('pay');
  });

  it('parses list queries: 1-based pages, size capped, dates and statuses checked', () => {
    expect(parseListQuery({}, 20, 1000)).toEqual({ page: 1, size: 20 });
    expect(parseListQuery({ page: '2', size: '5000', status: 'SUCCESS', from: '2026-03-01T00:00:00Z' }, 20, 1000)).toEqual({
      page: 2,
      size: 1000,
      status: 'SUCCESS',
      fromMs: Date.parse('2026-03-01T00:00:00Z'),
    });
    expect(parseListQuery({ page: '0' }, 20, 1000)).toBeUndefined();
    expect(parseListQuery({ size: 'x' }, 20, 1000)).toBeUndefined();
    expect(parseListQuery({ status: 'PAID' }, 20, 1000)).toBeUndefined();
    expect(parseListQuery({ from: 'yesterday' }, 20, 1000)).toBeUndefined();
    expect(parseListQuery({ page: ['1', '2'] }, 20, 1000)).toBeUndefined();
  });

  it('wraps errors in the envelope with a fresh fingerprint each time', () => {
    const random = new SeededRandom();
    const a = errorEnvelope(random, ['order.not_found']);
    const b = errorEnvelope(random, ['order.not_found']);
    expect(a.errors).toEqual([{ code: 'order.not_found', message: 'Order not found' }]);
    expect(a.fingerprint).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(a.fingerprint).not.toBe(b.fingerprint);
  });
});
