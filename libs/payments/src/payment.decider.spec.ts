import { DomainError, Money } from '@payledger/kernel';
import { decide, DecidedEvent, PaymentCommand } from './payment.decider';
import { PAYMENT_EVENT_TYPES as T } from './payment.events';
import { evolve, foldPayment, PaymentState } from './payment.state';

const NOW = new Date('2026-11-22T10:00:00Z');
const REF = 'PLref1';

function given(...commands: PaymentCommand[]): { state: PaymentState | undefined; events: DecidedEvent[] } {
  const events: DecidedEvent[] = [];
  let state: PaymentState | undefined;
  for (const command of commands) {
    const out = decide(state, command, NOW);
    events.push(...out);
    state = foldPayment(events.map((e) => ({ type: e.type, data: e.data, occurredAt: NOW })));
  }
  return { state, events };
}

const initiate = (gateway: 'jibit' | 'mispay' | 'mocasa' | 'alqaseh' | 'atipay' = 'mispay', amount = '21500', currency = 'SAR'): PaymentCommand => ({
  kind: 'initiate',
  reference: REF,
  payment: { paymentId: 'pay_1', gateway, orderId: 'ORD-1', amountMinor: amount, currency, returnUrl: 'https://shop.example/paid', customer: { mobile: '0500000000' } },
});
const created: PaymentCommand = { kind: 'recordCreateResult', reference: REF, result: { outcome: 'pending', refs: { trackId: 't1' }, redirect: { method: 'GET', url: 'https://gw/pay' } } };
const check = (outcome: 'paid' | 'failed' | 'unknown' | 'pending' | 'expired' | 'canceled' | 'authorized' | 'amount_mismatch' | 'failed_needs_review', amount?: Money): PaymentCommand => ({
  kind: 'recordCheck',
  reference: REF,
  trigger: 'return',
  operation: 'confirm',
  result: { outcome, gatewayAmount: amount },
});
const types = (events: DecidedEvent[]): string[] => events.map((e) => e.type);
const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (error) {
    if (error instanceof DomainError) return error.code;
    throw error;
  }
  return undefined;
};

describe('payment decider', () => {
  it('initiates with a first attempt stored before any gateway call', () => {
    const { state, events } = given(initiate());
    expect(types(events)).toEqual([T.initiated, T.attemptStarted]);
    expect(state?.status).toBe('initiated');
    expect(state?.attempts).toHaveLength(1);
  });

  it('refuses a second initiate of the same payment', () => {
    const { state } = given(initiate());
    expect(codeOf(() => decide(state, initiate(), NOW))).toBe('PAYMENT.ALREADY_EXISTS');
  });

  it('moves to awaiting_buyer when the gateway creates the attempt, to failed when it refuses, to unknown when it does not answer', () => {
    expect(given(initiate(), created).state?.status).toBe('awaiting_buyer');
    expect(given(initiate(), { kind: 'recordCreateResult', reference: REF, result: { outcome: 'failed', refs: {}, failure: { code: 'GATEWAY.REJECTED', message: 'no' } } }).state?.status).toBe('failed');
    expect(given(initiate(), { kind: 'recordCreateError', reference: REF, code: 'GATEWAY.TIMEOUT', message: 't', outcomeUncertain: true }).state?.status).toBe('unknown');
  });

  it('succeeds on a paid answer with the asked amount and records the check before the decision', () => {
    const { state, events } = given(initiate(), created, check('paid', Money.of(21500, 'SAR')));
    expect(types(events).slice(-2)).toEqual([T.attemptChecked, T.succeeded]);
    expect(state?.status).toBe('succeeded');
    expect(state?.captured.amountMinor).toBe(21500n);
  });

  it('never succeeds on another amount: PaymentAmountMismatched, status unknown, flagged for review', () => {
    const { state, events } = given(initiate(), created, check('paid', Money.of(21400, 'SAR')));
    expect(types(events)).not.toContain(T.succeeded);
    expect(types(events)).toContain(T.amountMismatched);
    expect(state?.status).toBe('unknown');
    expect(state?.review).toBe('PAYMENT.AMOUNT_MISMATCH');
  });

  it('a mismatch stays held for review: a later paid answer (no amount, or the wrong one again) decides nothing', () => {
    const { state } = given(initiate('mocasa', '150000', 'PHP'), created, check('amount_mismatch'));
    expect(types(decide(state, check('paid'), NOW))).toEqual([T.attemptChecked]);
    expect(types(decide(state, check('paid', Money.of(150100, 'PHP')), NOW))).toEqual([T.attemptChecked]);
    expect(types(decide(state, check('failed'), NOW))).toEqual([T.attemptChecked]);
  });

  it('a repeated paid answer decides nothing new', () => {
    const { state } = given(initiate(), created, check('paid'));
    expect(types(decide(state, check('paid'), NOW))).toEqual([T.attemptChecked]);
  });

  it('a failed answer after success does not undo the success', () => {
    const { state } = given(initiate(), created, check('paid'));
    expect(types(decide(state, check('failed'), NOW))).toEqual([T.attemptChecked]);
  });

  it('a paid answer overturns failed (AtiPay D7 late OK) and says so', () => {
    const { state, events } = given(initiate('atipay', '150000', 'IRR'), created, check('failed'), check('paid'));
    expect(state?.status).toBe('succeeded');
    expect(events[events.length - 1].data.lateSuccess).toBe(true);
  });

  it('a confirm that timed out leaves the payment unknown, not failed', () => {
    const { state } = given(initiate(), created, { kind: 'recordCheckError', reference: REF, trigger: 'return', operation: 'confirm', code: 'GATEWAY.TIMEOUT', message: 'timeout', outcomeUncertain: true });
    expect(state?.status).toBe('unknown');
  });

  it('a lease stops a second confirmation until it ends or expires', () => {
    const { state } = given(initiate(), created, { kind: 'beginConfirmation', reference: REF, trigger: 'return', leaseMs: 30_000 });
    expect(codeOf(() => decide(state, { kind: 'beginConfirmation', reference: REF, trigger: 'job', leaseMs: 30_000 }, NOW))).toBe('PAYMENT.CONFIRMATION_IN_PROGRESS');
    expect(decide(state, { kind: 'beginConfirmation', reference: REF, trigger: 'job', leaseMs: 30_000 }, new Date(NOW.getTime() + 30_001))).toHaveLength(1);
    const after = given(initiate(), created, { kind: 'beginConfirmation', reference: REF, trigger: 'return', leaseMs: 30_000 }, check('pending')).state;
    expect(after?.confirmation).toBeUndefined();
  });

  describe('refunds', () => {
    const paid = (gateway: 'mispay' | 'mocasa' = 'mispay') => given(initiate(gateway, '21500', gateway === 'mispay' ? 'SAR' : 'PHP'), created, check('paid')).state;

    it('partial then the rest: partially_refunded, then refunded', () => {
      let state = paid();
      const r1 = decide(state, { kind: 'requestRefund', refundId: 'r1', amount: Money.of(1000, 'SAR'), reason: 'x', partialSupported: true }, NOW);
      const ok1 = { type: T.refundSucceeded, data: { refundId: 'r1', paymentId: 'pay_1', gateway: 'mispay', amountMinor: '1000', currency: 'SAR' } };
      state = foldPaymentFrom(state, [...r1, ok1]);
      expect(state.status).toBe('partially_refunded');
      const r2 = decide(state, { kind: 'requestRefund', refundId: 'r2', reason: 'rest', partialSupported: true }, NOW);
      expect(r2[0].data.amountMinor).toBe('20500');
      state = foldPaymentFrom(state, [...r2, ...decide(foldPaymentFrom(state, r2), { kind: 'recordRefundResult', refundId: 'r2', result: { status: 'succeeded' } }, NOW)]);
      expect(state.status).toBe('refunded');
      expect(state.refunded.amountMinor).toBe(21500n);
    });

    it('more than remains is REFUND.EXCEEDS_REMAINING, counting refunds still in flight', () => {
      let state = paid();
      state = foldPaymentFrom(state, decide(state, { kind: 'requestRefund', refundId: 'r1', amount: Money.of(20000, 'SAR'), reason: 'x', partialSupported: true }, NOW));
      expect(codeOf(() => decide(state, { kind: 'requestRefund', refundId: 'r2', amount: Money.of(1501, 'SAR'), reason: 'x', partialSupported: true }, NOW))).toBe('REFUND.EXCEEDS_REMAINING');
      expect(codeOf(() => decide(state, { kind: 'requestRefund', refundId: 'r3', amount: Money.of(30000, 'SAR'), reason: 'x', partialSupported: true }, NOW))).toBe('REFUND.EXCEEDS_CAPTURED');
    });

    it('a partial amount where the gateway refunds only in full is REFUND.PARTIAL_NOT_SUPPORTED', () => {
      const state = paid('mocasa');
      expect(codeOf(() => decide(state, { kind: 'requestRefund', refundId: 'r1', amount: Money.of(100, 'PHP'), reason: 'x', partialSupported: false }, NOW))).toBe('REFUND.PARTIAL_NOT_SUPPORTED');
      expect(decide(state, { kind: 'requestRefund', refundId: 'r1', reason: 'x', partialSupported: false }, NOW)[0].data.amountMinor).toBe('21500');
    });

    it('an unpaid payment has nothing to refund', () => {
      const { state } = given(initiate(), created);
      expect(codeOf(() => decide(state, { kind: 'requestRefund', refundId: 'r1', reason: 'x', partialSupported: true }, NOW))).toBe('PAYMENT.NOT_PAID');
    });
  });

  describe('retry, cancel, expire, order id', () => {
    it('retry is 409 PAYMENT.OUTCOME_PENDING while the attempt is unknown and allowed once it failed', () => {
      const unknown = given(initiate('alqaseh', '5000', 'IQD'), created, check('unknown')).state;
      expect(codeOf(() => decide(unknown, { kind: 'startRetry', reference: 'PLref2' }, NOW))).toBe('PAYMENT.OUTCOME_PENDING');
      const failed = given(initiate('alqaseh', '5000', 'IQD'), created, check('failed'), { kind: 'startRetry', reference: 'PLref2' }).state;
      expect(failed?.attempts.map((a) => a.reference)).toEqual([REF, 'PLref2']);
      expect(failed?.status).toBe('initiated');
    });

    it('a failure of an older attempt does not speak for the payment', () => {
      const { state } = given(initiate('alqaseh', '5000', 'IQD'), created, check('expired'), { kind: 'startRetry', reference: 'PLref2' }, { kind: 'recordCreateResult', reference: 'PLref2', result: { outcome: 'pending', refs: {} } });
      expect(types(decide(state, check('failed'), NOW))).toEqual([T.attemptChecked]);
      // …but an older attempt that turns out paid is money received and is booked.
      expect(types(decide(state, check('paid'), NOW))).toContain(T.succeeded);
    });

    it('a final payment cannot be canceled or expired; an unknown one cannot be canceled locally', () => {
      const paid = given(initiate(), created, check('paid')).state;
      expect(codeOf(() => decide(paid, { kind: 'cancelLocally' }, NOW))).toBe('PAYMENT.ALREADY_FINAL');
      expect(codeOf(() => decide(paid, { kind: 'expire', trigger: 'deadline', reason: 'x' }, NOW))).toBe('PAYMENT.ALREADY_FINAL');
      const unknown = given(initiate(), created, check('unknown')).state;
      expect(codeOf(() => decide(unknown, { kind: 'cancelLocally' }, NOW))).toBe('PAYMENT.OUTCOME_PENDING');
      expect(given(initiate(), created, { kind: 'cancelLocally' }).state?.status).toBe('canceled');
    });

    it('the order id changes only on a paid payment', () => {
      const open = given(initiate(), created).state;
      expect(codeOf(() => decide(open, { kind: 'updateOrderId', orderId: 'ORD-2' }, NOW))).toBe('PAYMENT.NOT_PAID');
      expect(given(initiate(), created, check('paid'), { kind: 'updateOrderId', orderId: 'ORD-2' }).state?.orderId).toBe('ORD-2');
    });

    it('the gateway\'s new name for the paid attempt (MIS Pay: its order id) is kept on the attempt', () => {
      const { state, events } = given(initiate(), created, check('paid'), { kind: 'updateOrderId', orderId: 'ORD-2', reference: REF, refs: { orderId: 'ORD-2' } });
      expect(events.at(-1)?.data).toMatchObject({ previousOrderId: 'ORD-1', orderId: 'ORD-2', reference: REF, refs: { orderId: 'ORD-2' } });
      expect(state?.attempts[0].refs).toEqual({ trackId: 't1', orderId: 'ORD-2' });
    });
  });
});

function foldPaymentFrom(state: PaymentState | undefined, more: DecidedEvent[]): PaymentState {
  let s = state!;
  for (const e of more) s = evolve(s, { type: e.type, data: e.data, occurredAt: NOW })!;
  return s;
}
