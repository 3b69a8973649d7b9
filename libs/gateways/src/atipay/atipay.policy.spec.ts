import { AttemptOutcome, InboundVerdict } from '../port/gateway.types';
import { ATIPAY_VERIFY_JOB_EXHAUSTED_OUTCOME } from './atipay.config';
import { atipayAbandonAt, atipayVerifyJobStep, planAtipayInbound } from './atipay.policy';

const REF_A = 'A'.repeat(50);
const REF_B = 'B'.repeat(50);

function verdict(claimed: AttemptOutcome, referenceNumber?: string, accepted = true): InboundVerdict {
  return {
    accepted,
    authenticity: 'unauthenticated',
    lookup: { by: 'reference', value: 'R-1' },
    claimed: { outcome: claimed, status: claimed === 'paid' ? 'OK/2' : 'CanceledByUser/1' },
    refs: referenceNumber ? { referenceNumber } : {},
    subject: 'payment',
    recorded: {},
  };
}

const attempt = (outcome: AttemptOutcome, refs: Record<string, string> = {}) => ({ outcome, refs });

describe('planAtipayInbound (D4, D7)', () => {
  it('an open attempt: OK is verified, anything else ends it as claimed', () => {
    expect(planAtipayInbound(attempt('pending'), verdict('paid', REF_A))).toMatchObject({ action: 'verify', lateSuccess: false });
    expect(planAtipayInbound(attempt('pending'), verdict('canceled'))).toMatchObject({ action: 'apply_claimed', outcome: 'canceled' });
    expect(planAtipayInbound(attempt('pending'), verdict('expired'))).toMatchObject({ action: 'apply_claimed', outcome: 'expired' });
  });

  it('a paid attempt: the same OK again is answered from state; another referenceNumber is an anomaly', () => {
    const paid = attempt('paid', { referenceNumber: REF_A, decidedBy: 'verify' });
    expect(planAtipayInbound(paid, verdict('paid', REF_A)).action).toBe('answer_from_state');
    expect(planAtipayInbound(paid, verdict('paid', REF_B))).toMatchObject({ action: 'anomaly', anomaly: 'ok_with_other_reference_number' });
    expect(planAtipayInbound(paid, verdict('canceled')).action).toBe('answer_from_state');
  });

  it.each(['failed', 'expired', 'canceled'] as const)('a %s attempt decided without verify still takes a late OK (verified)', (outcome) => {
    expect(planAtipayInbound(attempt(outcome, { decidedBy: 'callback' }), verdict('paid', REF_A))).toMatchObject({ action: 'verify', lateSuccess: true });
    expect(planAtipayInbound(attempt(outcome, { decidedBy: 'no-callback' }), verdict('paid', REF_A))).toMatchObject({ action: 'verify', lateSuccess: true });
    expect(planAtipayInbound(attempt(outcome, {}), verdict('canceled')).action).toBe('answer_from_state');
  });

  it('a failure decided by verify is not re-verified for the same referenceNumber', () => {
    const failed = attempt('failed', { referenceNumber: REF_A, decidedBy: 'verify' });
    expect(planAtipayInbound(failed, verdict('paid', REF_A)).action).toBe('answer_from_state');
    expect(planAtipayInbound(failed, verdict('paid', REF_B))).toMatchObject({ action: 'verify', lateSuccess: true });
  });

  it('a verify in doubt: the same OK repeats it; another referenceNumber is not verified; a non-OK cannot settle it', () => {
    const unknown = attempt('unknown', { referenceNumber: REF_A });
    expect(planAtipayInbound(unknown, verdict('paid', REF_A)).action).toBe('verify');
    expect(planAtipayInbound(unknown, verdict('paid', REF_B)).action).toBe('anomaly');
    expect(planAtipayInbound(unknown, verdict('canceled')).action).toBe('answer_from_state');
  });

  it.each(['amount_mismatch', 'failed_needs_review'] as const)('%s waits for ops', (outcome) => {
    const held = attempt(outcome, { referenceNumber: REF_A });
    expect(planAtipayInbound(held, verdict('paid', REF_A)).action).toBe('answer_from_state');
    expect(planAtipayInbound(held, verdict('paid', REF_B)).action).toBe('anomaly');
  });

  it('a rejected verdict is never acted on', () => {
    expect(planAtipayInbound(attempt('pending'), verdict('paid', REF_A, false)).action).toBe('reject');
  });
});

describe('D6 verify job schedule', () => {
  it('repeats at +2, +5 and +10 minutes after the unknown, then hands over to ops', () => {
    expect(atipayVerifyJobStep(0)).toEqual({ delayMs: 2 * 60_000 });
    expect(atipayVerifyJobStep(1)).toEqual({ delayMs: 3 * 60_000 });
    expect(atipayVerifyJobStep(2)).toEqual({ delayMs: 5 * 60_000 });
    expect(atipayVerifyJobStep(3)).toEqual({ outcome: ATIPAY_VERIFY_JOB_EXHAUSTED_OUTCOME });
    expect(ATIPAY_VERIFY_JOB_EXHAUSTED_OUTCOME).toBe('failed_needs_review');
    expect(() => atipayVerifyJobStep(-1)).toThrow(RangeError);
  });
});

describe('D9 abandonment', () => {
  it('expires abandonAfterMinutes after creation, default 40', () => {
    const created = new Date('2026-03-01T09:00:00Z');
    expect(atipayAbandonAt(created, 40).toISOString()).toBe('2026-03-01T09:40:00.000Z');
    expect(atipayAbandonAt(created, 15).toISOString()).toBe('2026-03-01T09:15:00.000Z');
    expect(atipayAbandonAt(created, undefined).toISOString()).toBe('2026-03-01T09:40:00.000Z');
  });
});
