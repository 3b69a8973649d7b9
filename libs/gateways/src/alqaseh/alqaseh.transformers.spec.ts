import { Money } from '@payledger/kernel';
import { isGatewayError } from '../port/gateway-error';
import type { StartPaymentInput } from '../port/gateway.types';
import {
  amountTextOf,
  attemptRefs,
  AlqasehWireShapeError,
  claimedOutcomeOfCoarse,
  decideOutcome,
  historyPageQuery,
  isOpenStatus,
  outcomeOfStatus,
  payPageRedirect,
  pickNewestContext,
  readCreateResponse,
  readHistory,
  readInfoResponse,
  readPaymentContext,
  readRedirectQuery,
  readRetryResponse,
  readRevokeResponse,
  readWebhookBody,
  toCreateRequest,
  toGatewayRecord,
  tokenTail,
  trimDescription,
  wireAmountToMoney,
  wholeDinars,
} from './alqaseh.transformers';
import type { AlqasehPaymentContext } from './alqaseh.types';

const input: StartPaymentInput = {
  paymentId: 'pay-1',
  reference: 'AQ-REF-0001',
  orderId: 'ORD-1001',
  amount: Money.of(25000n, 'IQD'),
  description: '  Two books  ',
  customer: { email: 'buyer@example.iq' },
};

const context = (overrides: Partial<AlqasehPaymentContext> = {}): AlqasehPaymentContext => ({
  payment_id: 'p1',
  order_id: 'AQ-REF-0001',
  amountText: '25000',
  currency: 'IQD',
  payment_status: 'succeeded',
  ...overrides,
});
const attempt = { reference: 'AQ-REF-0001', amount: Money.of(25000n, 'IQD') };

describe('alqaseh transformers', () => {
  describe('create (D4)', () => {
    it('builds the body exactly', () => {
      expect(toCreateRequest(input, { publicBaseUrl: 'https://pay.example.com/', tokenExpiryHours: 1 })).toEqual({
        amount: 25000,
        currency: 'IQD',
        order_id: 'AQ-REF-0001',
        description: 'Two books',
        redirect_url: 'https://pay.example.com/callbacks/alqaseh',
        webhook_url: 'https://pay.example.com/webhooks/alqaseh',
        transaction_type: 'Retail',
        token_expiry_in_hour: 1,
        custom_data: { attemptRef: 'AQ-REF-0001', paymentRef: 'pay-1' },
        email: 'buyer@example.iq',
        country: 'IQ',
      });
    });

    it('sends the amount as a JSON integer', () => {
      const body = toCreateRequest(input, { publicBaseUrl: 'http://x', tokenExpiryHours: 3 });
      expect(JSON.stringify(body)).toContain('"amount":25000,');
      expect(body.token_expiry_in_hour).toBe(3);
    });

    it('leaves out an email longer than 80 characters and defaults the description', () => {
      const body = toCreateRequest({ ...input, description: undefined, customer: { email: `${'a'.repeat(76)}@x.iq` } }, { publicBaseUrl: 'http://x', tokenExpiryHours: 1 });
      expect(body.email).toBeUndefined();
      expect(body.description).toBe('Order ORD-1001');
    });

    it('trims the description to 250 characters without splitting a character', () => {
      expect(trimDescription('x'.repeat(300))).toHaveLength(250);
      const emoji = trimDescription('😀'.repeat(300));
      expect(Array.from(emoji)).toHaveLength(250);
      expect(emoji.endsWith('😀')).toBe(true);
      expect(trimDescription('   ')).toBe('Payment');
    });

    it('refuses other currencies, bad references and non-positive amounts', () => {
      const refused = (fn: () => unknown) => {
        try {
          fn();
        } catch (error) {
          return isGatewayError(error, 'GATEWAY.INVALID_REQUEST');
        }
        return false;
      };
      expect(refused(() => toCreateRequest({ ...input, amount: Money.of(100n, 'IRR') }, { publicBaseUrl: 'http://x', tokenExpiryHours: 1 }))).toBe(true);
      expect(refused(() => toCreateRequest({ ...input, reference: 'x'.repeat(33) }, { publicBaseUrl: 'http://x', tokenExpiryHours: 1 }))).toBe(true);
      expect(refused(() => toCreateRequest({ ...input, reference: 'has space' }, { publicBaseUrl: 'http://x', tokenExpiryHours: 1 }))).toBe(true);
      expect(refused(() => wholeDinars(Money.of(0n, 'IQD')))).toBe(true);
      expect(refused(() => wholeDinars(Money.of(2n ** 60n, 'IQD')))).toBe(true);
    });

    it('reads the create reply and builds refs and the pay-page redirect', () => {
      expect(readCreateResponse({ payment_id: 'p1', token: 'tok_abcdef123456' })).toEqual({ payment_id: 'p1', token: 'tok_abcdef123456' });
      expect(() => readCreateResponse({ payment_id: 'p1' })).toThrow(AlqasehWireShapeError);
      expect(() => readCreateResponse({ payment_id: '', token: 't' })).toThrow(AlqasehWireShapeError);
      expect(attemptRefs('R1', 'p1', 'tok_abcdef123456')).toEqual({ paymentId: 'p1', orderId: 'R1', tokenTail: '123456' });
      expect(tokenTail('abc')).toBe('abc');
      expect(payPageRedirect('https://pay-test.alqaseh.com/', 'to/k')).toEqual({ method: 'GET', url: 'https://pay-test.alqaseh.com/pay/to%2Fk' });
    });
  });

  describe('money (D12)', () => {
    it.each([
      [25000, '25000'],
      [1500.5, '1500.5'],
      ['25000.00', '25000'],
      [1e21, '1000000000000000000000'],
      ['abc', undefined],
      [null, undefined],
      [Number.NaN, undefined],
    ])('amountTextOf(%p) = %p', (value, expected) => {
      expect(amountTextOf(value)).toBe(expected);
    });

    it('accepts whole IQD only', () => {
      expect(wireAmountToMoney('25000', 'IQD').money?.equals(Money.of(25000n, 'IQD'))).toBe(true);
      expect(wireAmountToMoney('25000', 'iqd').money?.equals(Money.of(25000n, 'IQD'))).toBe(true);
      expect(wireAmountToMoney('25000.5', 'IQD').problem).toMatch(/not a whole IQD/);
      expect(wireAmountToMoney('25000', 'USD').problem).toMatch(/not IQD/);
      expect(wireAmountToMoney(undefined, 'IQD').problem).toMatch(/missing/);
    });
  });

  describe('statuses (D9)', () => {
    it.each([
      ['succeeded', 'paid'],
      ['failed', 'failed'],
      ['declined', 'failed'],
      ['expired', 'expired'],
      ['revoked', 'canceled'],
      ['prepared', 'pending'],
      ['retried', 'pending'],
      ['unknown', 'unknown'],
      ['duplicated', 'unknown'],
      ['SUCCEEDED', 'paid'],
      [' Declined ', 'failed'],
      ['mystery_status', 'unknown'],
      ['', 'unknown'],
    ])('%j → %s', (status, outcome) => {
      expect(outcomeOfStatus(status)).toBe(outcome);
    });

    it('knows which statuses can still be paid or revoked', () => {
      expect(isOpenStatus('prepared')).toBe(true);
      expect(isOpenStatus('Retried')).toBe(true);
      expect(isOpenStatus('succeeded')).toBe(false);
      expect(isOpenStatus('expired')).toBe(false);
    });

    it('reads the coarse words as claims only', () => {
      expect(claimedOutcomeOfCoarse('Success')).toBe('paid');
      expect(claimedOutcomeOfCoarse('failed')).toBe('failed');
      expect(claimedOutcomeOfCoarse('PENDING')).toBe('pending');
      expect(claimedOutcomeOfCoarse('Maybe')).toBeUndefined();
      expect(claimedOutcomeOfCoarse(undefined)).toBeUndefined();
    });

    it('paid needs amount, currency and order_id equal to the attempt', () => {
      const paid = decideOutcome(context(), attempt);
      expect(paid.outcome).toBe('paid');
      expect(paid.gatewayAmount?.equals(attempt.amount)).toBe(true);
      expect(paid.alert).toBeUndefined();
    });

    it.each([
      ['a different amount', { amountText: '26000' }, /amount 26000 IQD/],
      ['a fractional amount', { amountText: '25000.5' }, /not a whole IQD/],
      ['another currency', { currency: 'USD' }, /not IQD/],
      ['another order_id', { order_id: 'SOMEONE-ELSE' }, /order_id/],
      ['no amount', { amountText: undefined }, /missing/],
    ])('succeeded with %s → amount_mismatch with an alert', (_label, overrides, detail) => {
      const decision = decideOutcome(context(overrides), attempt);
      expect(decision.outcome).toBe('amount_mismatch');
      expect(decision.alert).toMatch(detail);
    });

    it('duplicated → unknown with an alert; unrecognised → unknown', () => {
      const duplicated = decideOutcome(context({ payment_status: 'duplicated' }), attempt);
      expect(duplicated).toMatchObject({ outcome: 'unknown', gatewayStatus: 'duplicated' });
      expect(duplicated.alert).toMatch(/duplicated/);
      const odd = decideOutcome(context({ payment_status: 'teleported' }), attempt);
      expect(odd).toMatchObject({ outcome: 'unknown' });
      expect(odd.detail).toMatch(/unrecognised/);
      expect(decideOutcome(context({ payment_status: 'declined', amountText: '1.5' }), attempt).outcome).toBe('failed');
    });
  });

  describe('replies', () => {
    it('reads a payment context, keeping the amount as decimal text', () => {
      const read = readPaymentContext({
        payment_id: 'p1',
        order_id: 'R1',
        amount: 25000,
        currency: 'IQD',
        payment_status: 'succeeded',
        token: 'tok',
        payment_status_histories: [{ status: 'prepared', created_at: '2026-03-01T09:00:00Z' }, null],
      });
      expect(read).toMatchObject({ payment_id: 'p1', amountText: '25000', payment_status: 'succeeded', token: 'tok' });
      expect(read.payment_status_histories).toEqual([{ status: 'prepared', created_at: '2026-03-01T09:00:00Z' }]);
      expect(() => readPaymentContext({ payment_id: 'p1' })).toThrow(/payment_status/);
      expect(() => readPaymentContext({ payment_status: 'prepared' })).toThrow(/payment_id/);
    });

    it('reads history pages and refuses wrong shapes', () => {
      expect(readHistory({ payments: [] })).toEqual([]);
      expect(readHistory({ payments: [{ payment_id: 'p', payment_status: 'prepared' }] })).toHaveLength(1);
      expect(() => readHistory({ data: [] })).toThrow(AlqasehWireShapeError);
      expect(() => readHistory({ payments: ['x'] })).toThrow(AlqasehWireShapeError);
      expect(() => readHistory({ payments: new Array(3).fill({ payment_id: 'p', payment_status: 'x' }) }, 2)).toThrow(/more than asked/);
    });

    it('reads revoke, retry and info replies', () => {
      expect(readRevokeResponse({ payment_id: 'p', payment_status: 'revoked' }).payment_status).toBe('revoked');
      expect(readRevokeResponse({}).payment_status).toBe('');
      expect(readRetryResponse({ payment_id: 'p2', payment_status: 'retried', token: 't2' })).toEqual({ payment_id: 'p2', payment_status: 'retried', token: 't2' });
      expect(() => readRetryResponse({ payment_id: 'p2' })).toThrow(AlqasehWireShapeError);
      expect(readInfoResponse({ amount: 5, currency: 'IQD', payment_status: 'prepared' })).toMatchObject({ amountText: '5', payment_status: 'prepared' });
    });

    it('adopts the newest context, preferring one that is not duplicated', () => {
      const rows = [
        context({ payment_id: 'old', created_at: '2026-03-01T09:00:00Z', payment_status: 'expired' }),
        context({ payment_id: 'new', created_at: '2026-03-01T10:00:00Z', payment_status: 'retried' }),
        context({ payment_id: 'dup', created_at: '2026-03-01T11:00:00Z', payment_status: 'duplicated' }),
      ];
      expect(pickNewestContext(rows)?.payment_id).toBe('new');
      expect(pickNewestContext([rows[2]])?.payment_id).toBe('dup');
      expect(pickNewestContext([])).toBeUndefined();
    });
  });

  describe('reconciliation (D13)', () => {
    it('asks for one ascending page of 100 by created_at', () => {
      expect(historyPageQuery({ from: new Date('2026-03-01T00:00:00Z'), to: new Date('2026-03-02T00:00:00Z') }, 200)).toEqual({
        from: '2026-03-01T00:00:00.000Z',
        to: '2026-03-02T00:00:00.000Z',
        limit: '100',
        offset: '200',
        order_by: 'asc',
        order_field: 'created_at',
      });
    });

    it('maps rows to records', () => {
      const record = toGatewayRecord(context({ created_at: '2026-03-01T09:00:00.000Z' }));
      expect(record).toMatchObject({ reference: 'AQ-REF-0001', refs: { paymentId: 'p1', orderId: 'AQ-REF-0001' }, outcome: 'paid', gatewayStatus: 'succeeded' });
      expect(record.amount?.equals(Money.of(25000n, 'IQD'))).toBe(true);
      expect(record.createdAt?.toISOString()).toBe('2026-03-01T09:00:00.000Z');
      expect(toGatewayRecord(context({ amountText: '10.5' }))).toMatchObject({ outcome: 'amount_mismatch', amount: undefined });
      expect(toGatewayRecord(context({ payment_status: 'weird', created_at: 'not a date' }))).toMatchObject({ outcome: 'unknown', createdAt: undefined });
    });
  });

  describe('inbound', () => {
    it('reads the redirect query', () => {
      expect(readRedirectQuery({ payment_id: 'p1', order_id: 'R1', status: 'Success' })).toEqual({ ok: true, value: { payment_id: 'p1', order_id: 'R1', status: 'Success' } });
      expect(readRedirectQuery({ order_id: 'R1' })).toEqual({ ok: true, value: { order_id: 'R1' } });
      expect(readRedirectQuery({ status: 'Success' })).toMatchObject({ ok: false });
      expect(readRedirectQuery({ payment_id: ['a', 'b'] })).toMatchObject({ ok: false, message: expect.stringMatching(/more than once/) });
      expect(readRedirectQuery({ payment_id: 'has space' })).toMatchObject({ ok: false });
      expect(readRedirectQuery({ payment_id: 'x'.repeat(129) })).toMatchObject({ ok: false });
    });

    it('reads webhook bodies as JSON objects, form fields or raw text', () => {
      const json = readWebhookBody({ amount: 25000, order_id: 'R1', payment_status: 'Success', extra: true }, undefined, 'application/json');
      expect(json).toMatchObject({ ok: true, value: { encoding: 'json', fields: { amount: '25000', order_id: 'R1', payment_status: 'Success' }, all: { extra: 'true' } } });
      const form = readWebhookBody(undefined, 'amount=25000&order_id=R1&payment_status=Failed', 'application/x-www-form-urlencoded');
      expect(form).toMatchObject({ ok: true, value: { encoding: 'form', fields: { amount: '25000', order_id: 'R1', payment_status: 'Failed' } } });
      const rawJson = readWebhookBody(undefined, '{"order_id":"R1"}', 'text/plain');
      expect(rawJson).toMatchObject({ ok: true, value: { encoding: 'json', fields: { order_id: 'R1' } } });
      expect(readWebhookBody(undefined, '{broken', 'application/json')).toMatchObject({ ok: false });
      expect(readWebhookBody(undefined, undefined, undefined)).toMatchObject({ ok: false });
      expect(readWebhookBody({ order_id: { nested: 1 } }, undefined, 'application/json')).toMatchObject({ ok: false });
      expect(readWebhookBody(['x'], undefined, 'application/json')).toMatchObject({ ok: false });
      expect(readWebhookBody({ order_id: 'x'.repeat(300) }, undefined, 'application/json')).toMatchObject({ ok: false });
    });
  });
});
