import type { GatewayName } from '@payledger/gateways';
import { foldPayout, PaymentEventLike } from '@payledger/payments';
import {
  CheckFact,
  FALLBACK_INTERVAL_MS,
  INITIATED_GRACE_MS,
  JITTER_MAX_MS,
  jitterMs,
  paymentTaskFacts,
  payoutTaskFacts,
  planPaymentTask,
  planPayoutTask,
  TaskPlan,
  TaskRulesConfig,
  trackDelayMs,
} from './task.rules';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const T0 = new Date('2026-03-01T09:00:00.000Z');
const at = (ms: number) => new Date(T0.getTime() + ms);
const CONFIG: TaskRulesConfig = { jibitVerifyBeforeDeadline: true, atipayAbandonAfterMinutes: 40, alqasehTokenExpiryHours: 1 };

const CURRENCY: Record<GatewayName, string> = { jibit: 'IRR', atipay: 'IRR', mispay: 'SAR', mocasa: 'PHP', alqaseh: 'IQD' };

/** Given these events (a payment at `gateway` whose attempt REF1 was sent at T0)… */
function started(gateway: GatewayName): PaymentEventLike[] {
  return [
    {
      type: 'PaymentInitiated',
      data: { paymentId: 'pay_1', gateway, orderId: 'O-1', amountMinor: '150000', currency: CURRENCY[gateway], returnUrl: 'https://shop.example/r', customer: {}, initiatedAt: T0.toISOString() },
      occurredAt: T0,
    },
    { type: 'PaymentAttemptStarted', data: { paymentId: 'pay_1', attemptNo: 1, reference: 'REF1', orderId: 'O-1', amountMinor: '150000', currency: CURRENCY[gateway], startedAt: T0.toISOString() }, occurredAt: T0 },
  ];
}
const created = (ms = 0, refs: Record<string, string> = { id: 'G1' }): PaymentEventLike => ({ type: 'PaymentAttemptCreated', data: { reference: 'REF1', refs }, occurredAt: at(ms) });
const uncertain = (ms = 0): PaymentEventLike => ({ type: 'PaymentAttemptCreateUncertain', data: { reference: 'REF1', refs: {}, reason: 'timeout' }, occurredAt: at(ms) });
const checked = (ms: number, data: Partial<{ trigger: string; operation: string; outcome: string; gatewayStatus: string; retryAfterMs: number; error: object }>): PaymentEventLike => ({
  type: 'PaymentAttemptChecked',
  data: { reference: 'REF1', trigger: 'job', operation: 'inquire', ...data },
  occurredAt: at(ms),
});
const decided = (type: string, ms: number): PaymentEventLike => ({ type, data: { paymentId: 'pay_1', reference: 'REF1', trigger: 'job', amountMinor: '150000', currency: 'IRR', refs: {}, orderId: 'O-1' }, occurredAt: at(ms) });
const leased = (ms: number, untilMs: number): PaymentEventLike => ({ type: 'PaymentConfirmationStarted', data: { reference: 'REF1', trigger: 'return', leaseUntil: at(untilMs).toISOString() }, occurredAt: at(ms) });

/** …when the rules plan, then this task. */
function plan(events: PaymentEventLike[], config: TaskRulesConfig = CONFIG): TaskPlan | undefined {
  const facts = paymentTaskFacts(events);
  expect(facts).toBeDefined();
  return planPaymentTask(facts!, config);
}
const offset = (p: TaskPlan | undefined) => (p?.nextRunAt ? p.nextRunAt.getTime() - T0.getTime() : undefined);
/** Polls carry up to a tenth of their wait (at most 30 s) of jitter. */
const expectPollAt = (p: TaskPlan | undefined, ms: number, waitMs: number) => {
  expect(offset(p)).toBeGreaterThanOrEqual(ms);
  expect(offset(p)).toBeLessThan(ms + Math.max(1, Math.min(waitMs * 0.1, JITTER_MAX_MS)));
};

describe('task rules', () => {
  describe('Jibit (D9, D10)', () => {
    const open = () => [...started('jibit'), created(0, { orderIdentifier: 'AbC12345' })];

    it('an order awaiting its buyer is captured at +13 min by the verify-deadline job, before the 15-minute window closes', () => {
      const p = plan(open());
      expect(p).toMatchObject({ job: 'verify-deadline', operation: 'confirm', trigger: 'deadline', reference: 'REF1', attempt: 0, taskId: 'payment:pay_1' });
      expect(offset(p)).toBe(13 * MINUTE);
      expect(p!.deadlineAt).toEqual(at(15 * MINUTE));
    });

    it('without the capture (JIBIT_VERIFY_BEFORE_DEADLINE=false) the first look is the +16 min settlement', () => {
      const p = plan(open(), { ...CONFIG, jibitVerifyBeforeDeadline: false });
      expect(p).toMatchObject({ job: 'verify-deadline', trigger: 'deadline' });
      expect(offset(p)).toBe(16 * MINUTE);
    });

    it('after a capture that found it unpaid (pending), the +16 min inquiry settles it', () => {
      const p = plan([...open(), checked(13 * MINUTE, { trigger: 'deadline', operation: 'confirm', outcome: 'pending', gatewayStatus: 'IN_PROGRESS' })]);
      expect(p).toMatchObject({ job: 'verify-deadline', operation: 'confirm', trigger: 'deadline', attempt: 1 });
      expect(offset(p)).toBe(16 * MINUTE);
    });

    it('a capture that went unanswered is tried again while the window is open, at most three times, then the settlement', () => {
      const unanswered = (ms: number) => [checked(ms, { trigger: 'deadline', operation: 'confirm', outcome: 'unknown' })];
      const first = [...open(), ...unanswered(13 * MINUTE), decided('PaymentOutcomeUnknown', 13 * MINUTE)];
      expect(plan(first)).toMatchObject({ job: 'verify-deadline', trigger: 'deadline' });
      expect(offset(plan(first))).toBe(13 * MINUTE + 30 * SECOND);
      const third = [...first, ...unanswered(13 * MINUTE + 30 * SECOND), ...unanswered(14 * MINUTE)];
      // No fourth capture: the D9 inquiry (+2 min after it became unknown), then the settlement.
      expect(plan(third)).toMatchObject({ job: 'inquiry', operation: 'inquire', trigger: 'job' });
      expectPollAt(plan(third), 15 * MINUTE, MINUTE);
      const inquired = [...third, checked(15 * MINUTE, { outcome: 'unknown', gatewayStatus: 'IN_PROGRESS' })];
      expect(plan(inquired)).toMatchObject({ job: 'verify-deadline', trigger: 'deadline', reason: expect.stringContaining('+16 min') });
      expect(offset(plan(inquired))).toBe(16 * MINUTE);
    });

    it('verify Unknown at the return: inquiries at +1, +2, +5, +10 min after it became unknown (inquiry only), the +16 min settlement in between', () => {
      const unknownAt = 2 * MINUTE;
      let events = [...open(), checked(unknownAt, { trigger: 'return', operation: 'confirm', outcome: 'unknown', gatewayStatus: 'Unknown' }), decided('PaymentOutcomeUnknown', unknownAt)];
      let p = plan(events);
      expect(p).toMatchObject({ job: 'inquiry', operation: 'inquire', trigger: 'job', attempt: 0 });
      expectPollAt(p, unknownAt + 1 * MINUTE, MINUTE);
      for (const [lookAt, nextAt] of [
        [3, 4],
        [4, 7],
        [7, 12],
      ]) {
        events = [...events, checked(lookAt * MINUTE, { outcome: 'unknown', gatewayStatus: 'UNKNOWN' })];
        p = plan(events);
        expect(p).toMatchObject({ job: 'inquiry', operation: 'inquire' });
        expectPollAt(p, nextAt * MINUTE, (nextAt - lookAt) * MINUTE);
      }
      events = [...events, checked(12 * MINUTE, { outcome: 'unknown', gatewayStatus: 'UNKNOWN' })];
      p = plan(events);
      expect(p).toMatchObject({ job: 'verify-deadline', trigger: 'deadline' });
      expect(offset(p)).toBe(16 * MINUTE);
    });

    it('an order still IN_PROGRESS after the settlement is inquired every 30 min, and flagged for review 72 h on', () => {
      const events = [...open(), checked(13 * MINUTE, { trigger: 'deadline', operation: 'confirm', outcome: 'pending' }), checked(16 * MINUTE, { trigger: 'deadline', operation: 'confirm', outcome: 'pending' })];
      const p = plan(events);
      expect(p).toMatchObject({ job: 'inquiry', operation: 'inquire', trigger: 'job' });
      expectPollAt(p, 40 * MINUTE, 24 * MINUTE);
      const late = [...events, checked(72 * HOUR - 10 * MINUTE, { outcome: 'pending' })];
      expect(plan(late)).toMatchObject({ operation: 'review', job: 'inquiry' });
    });

    it('nothing to do once final or flagged for review', () => {
      expect(plan([...open(), decided('PaymentSucceeded', 13 * MINUTE)])).toBeUndefined();
      expect(plan([...open(), decided('PaymentExpired', 16 * MINUTE)])).toBeUndefined();
      expect(plan([...open(), decided('PaymentReviewRequired', 16 * MINUTE)])).toBeUndefined();
    });

    it('a confirmation in flight holds the task until its lease ends', () => {
      const p = plan([...open(), checked(13 * MINUTE, { trigger: 'deadline', operation: 'confirm', outcome: 'pending' }), leased(15 * MINUTE, 17 * MINUTE)]);
      expect(offset(p)).toBe(17 * MINUTE);
    });

    it('a create without an answer is looked up at +10, +30, +60 and +120 s after the send (D6), then every 30 min', () => {
      let events = [...started('jibit'), uncertain(1 * SECOND)];
      const lookups: number[] = [];
      for (let i = 0; i < 5; i++) {
        const p = plan(events)!;
        expect(p).toMatchObject({ job: 'inquiry', operation: 'recoverCreate' });
        lookups.push(offset(p)!);
        events = [...events, checked(offset(p)!, { operation: 'recoverCreate', outcome: 'create_unknown' })];
      }
      expect(lookups).toEqual([10 * SECOND, 30 * SECOND, 60 * SECOND, 120 * SECOND, 120 * SECOND + 30 * MINUTE]);
    });

    it('a create with nothing recorded after it (a process stopped mid-call) is looked up only after the grace', () => {
      const p = plan(started('jibit'));
      expect(p).toMatchObject({ operation: 'recoverCreate' });
      expect(offset(p)).toBe(INITIATED_GRACE_MS);
    });
  });

  describe('AtiPay (D6, D9)', () => {
    const open = () => [...started('atipay'), created(0, { invoiceNumber: 'REF1' })];

    it('a token without a callback is asked about (and so expired) at the abandon time', () => {
      const p = plan(open());
      expect(p).toMatchObject({ job: 'inquiry', operation: 'inquire', trigger: 'job' });
      expect(offset(p)).toBe(40 * MINUTE);
      expect(offset(plan(open(), { ...CONFIG, atipayAbandonAfterMinutes: 10 }))).toBe(10 * MINUTE);
    });

    it('a verify in doubt is repeated at +2, +5, +10 min, then flagged failed_needs_review', () => {
      const unknownAt = 1 * MINUTE;
      let events = [...open(), checked(unknownAt, { trigger: 'return', operation: 'confirm', outcome: 'unknown' }), decided('PaymentOutcomeUnknown', unknownAt)];
      const runs: number[] = [];
      for (let i = 0; i < 3; i++) {
        const p = plan(events)!;
        expect(p).toMatchObject({ operation: 'inquire', job: 'inquiry' });
        runs.push(offset(p)!);
        events = [...events, checked(offset(p)!, { outcome: 'unknown' })];
      }
      expect(runs[0]).toBeGreaterThanOrEqual(unknownAt + 2 * MINUTE);
      expect(runs[1] - runs[0]).toBeGreaterThanOrEqual(3 * MINUTE);
      expect(runs[2] - runs[1]).toBeGreaterThanOrEqual(5 * MINUTE);
      expect(plan(events)).toMatchObject({ operation: 'review', reason: expect.stringContaining('failed_needs_review') });
    });
  });

  describe('MIS Pay (D6, D7)', () => {
    const open = () => [...started('mispay'), created(2 * SECOND, { trackId: 'T1' })];

    it('a new checkout is tracked at once by the track-checkout job', () => {
      const p = plan(open());
      expect(p).toMatchObject({ job: 'mispay-track-checkout', operation: 'confirm', trigger: 'job' });
      expect(offset(p)).toBe(2 * SECOND);
      expect(p!.deadlineAt).toEqual(at(24 * HOUR));
    });

    it('quick replies back off 5 s doubling to 3 min; a long poll that ran out asks again at once; a status change resets to 5 s', () => {
      const quick = (status: string): CheckFact => ({ at: T0, trigger: 'job', operation: 'confirm', outcome: 'pending', gatewayStatus: status, retryAfterMs: 5000, failed: false });
      const longPoll: CheckFact = { at: T0, trigger: 'job', operation: 'confirm', outcome: 'pending', retryAfterMs: 0, failed: false };
      const error: CheckFact = { at: T0, trigger: 'job', operation: 'confirm', failed: true };
      expect(trackDelayMs([])).toBe(0);
      expect(trackDelayMs([quick('in-progress')])).toBe(5000);
      expect(trackDelayMs([quick('in-progress'), quick('in-progress')])).toBe(10_000);
      expect(trackDelayMs(Array(12).fill(quick('pending')))).toBe(3 * MINUTE);
      expect(trackDelayMs([quick('in-progress'), quick('in-progress'), longPoll])).toBe(0);
      expect(trackDelayMs([quick('in-progress'), quick('in-progress'), longPoll, quick('in-progress')])).toBe(5000);
      expect(trackDelayMs([quick('in-progress'), quick('in-progress'), quick('pending')])).toBe(5000);
      expect(trackDelayMs([quick('in-progress'), error, error])).toBe(20_000);
    });

    it('the next track is counted from the last look, with jitter, and never later than 24 h after start-checkout', () => {
      const events = [...open(), checked(2 * SECOND, { operation: 'confirm', outcome: 'pending', gatewayStatus: 'in-progress', retryAfterMs: 5000 })];
      expectPollAt(plan(events), 7 * SECOND, 5 * SECOND);
      const late = [...open(), checked(24 * HOUR - 3 * SECOND, { operation: 'confirm', outcome: 'pending', gatewayStatus: 'in-progress', retryAfterMs: 5000 })];
      expect(offset(plan(late))).toBe(24 * HOUR);
      const after = [...late, checked(24 * HOUR, { operation: 'confirm', outcome: 'unknown', gatewayStatus: 'weird' }), decided('PaymentOutcomeUnknown', 24 * HOUR)];
      expect(plan(after)).toMatchObject({ operation: 'review' });
    });

    it('an authorized checkout whose end failed is ended again every 5 min for 24 h, then goes to ops', () => {
      let events = [...open(), checked(MINUTE, { operation: 'confirm', outcome: 'authorized' }), decided('PaymentAuthorized', MINUTE)];
      expectPollAt(plan(events), 6 * MINUTE, 5 * MINUTE);
      events = [...events, checked(24 * HOUR - MINUTE, { operation: 'confirm', outcome: 'authorized' })];
      expect(plan(events)).toMatchObject({ operation: 'review', job: 'mispay-track-checkout' });
    });
  });

  describe('Mocasa (D10) and Al Qaseh (D10)', () => {
    it('Mocasa: +1, +2, +5, +10 min after creation, then every 30 min; review after 24 h', () => {
      let events = [...started('mocasa'), created(0, { orderNo: 'REF1' })];
      const runs: number[] = [];
      for (let i = 0; i < 5; i++) {
        const p = plan(events)!;
        expect(p).toMatchObject({ job: 'inquiry', operation: 'confirm' });
        runs.push(offset(p)!);
        events = [...events, checked(offset(p)!, { operation: 'confirm', outcome: 'pending' })];
      }
      expect(runs.map((r) => Math.floor(r / MINUTE))).toEqual([1, 2, 5, 10, 40]);
      expect(plan([...events, checked(24 * HOUR, { operation: 'confirm', outcome: 'pending' })])).toMatchObject({ operation: 'review' });
    });

    it('Al Qaseh: +1, +2, +5, +10, then every 15 min; unknown hourly; review 24 h after creation', () => {
      let events = [...started('alqaseh'), created(0, { paymentId: 'P1' })];
      const runs: number[] = [];
      for (let i = 0; i < 6; i++) {
        const p = plan(events)!;
        expect(p).toMatchObject({ job: 'inquiry', operation: 'confirm' });
        runs.push(offset(p)!);
        events = [...events, checked(offset(p)!, { operation: 'confirm', outcome: 'pending' })];
      }
      expect(runs.map((r) => Math.floor(r / MINUTE))).toEqual([1, 2, 5, 10, 25, 40]);
      const unknown = [...events, checked(2 * HOUR, { operation: 'confirm', outcome: 'unknown' }), decided('PaymentOutcomeUnknown', 2 * HOUR)];
      expectPollAt(plan(unknown), 3 * HOUR, HOUR);
      expect(plan([...unknown, checked(24 * HOUR, { operation: 'confirm', outcome: 'unknown' })])).toMatchObject({ operation: 'review' });
    });
  });

  describe('payouts (Mocasa D12)', () => {
    const requested: PaymentEventLike = {
      type: 'PayoutRequested',
      data: { payoutId: 'po_1', gateway: 'mocasa', reference: 'PO1', amountMinor: '1000', currency: 'PHP', payeeAccountNo: 'A', purpose: 'p', requestedAt: T0.toISOString() },
      occurredAt: T0,
    };
    const unknown: PaymentEventLike = { type: 'PayoutOutcomeUnknown', data: { payoutId: 'po_1', gateway: 'mocasa', reference: 'PO1', amountMinor: '1000', currency: 'PHP' }, occurredAt: at(SECOND) };
    const query = (ms: number): PaymentEventLike => ({ type: 'GatewayRequestSent', data: { operation: 'query-transfer', attempt: 1 }, occurredAt: at(ms) });
    const payoutPlan = (events: PaymentEventLike[]) => planPayoutTask(payoutTaskFacts(events, foldPayout)!);

    it('a transfer whose reply was lost is queried at +5, +15, +45 s, then waits for ops (never dropped)', () => {
      expect(payoutPlan([requested, unknown])).toMatchObject({ operation: 'refreshPayout', job: 'inquiry', taskId: 'payout:po_1', reference: 'PO1', nextRunAt: at(6 * SECOND) });
      expect(payoutPlan([requested, unknown, query(6 * SECOND)])!.nextRunAt).toEqual(at(16 * SECOND));
      const done = payoutPlan([requested, unknown, query(6 * SECOND), query(16 * SECOND), query(46 * SECOND)]);
      expect(done).toMatchObject({ operation: 'await-ops', nextRunAt: null });
      expect(payoutPlan([requested, unknown, { ...unknown, type: 'PayoutTransferred', occurredAt: at(7 * SECOND) }])).toBeUndefined();
    });
  });

  describe('determinism and jitter', () => {
    it('the same events always give the same plan, and jitter stays within a tenth of the wait, 30 s at most', () => {
      const events = [...started('mocasa'), created(0), checked(MINUTE, { operation: 'confirm', outcome: 'pending' })];
      expect(plan(events)).toEqual(plan(events));
      for (let i = 0; i < 200; i++) {
        const j = jitterMs(`pay_${i}:3`, 10 * MINUTE);
        expect(j).toBeGreaterThanOrEqual(0);
        expect(j).toBeLessThan(JITTER_MAX_MS);
        expect(jitterMs(`pay_${i}:3`, 10 * MINUTE)).toBe(j);
        expect(jitterMs(`pay_${i}:3`, 5 * SECOND)).toBeLessThan(500);
      }
      expect(new Set(Array.from({ length: 50 }, (_, i) => jitterMs(`pay_${i}:0`, 10 * MINUTE))).size).toBeGreaterThan(40);
    });

    it('a state no gateway rule speaks of is asked about every 30 min and flagged after 24 h', () => {
      const events = [...started('atipay'), created(0), checked(MINUTE, { trigger: 'return', operation: 'confirm', outcome: 'authorized' }), decided('PaymentAuthorized', MINUTE)];
      expect(offset(plan(events))).toBe(MINUTE);
      const asked = [...events, checked(2 * MINUTE, { outcome: 'authorized' })];
      expectPollAt(plan(asked), 2 * MINUTE + FALLBACK_INTERVAL_MS, FALLBACK_INTERVAL_MS);
    });
  });
});
