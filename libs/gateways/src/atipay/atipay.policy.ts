import { MINUTE_MS } from '@payledger/kernel';
import { AttemptOutcome, AttemptSnapshot, InboundVerdict } from '../port/gateway.types';
import { ATIPAY_ABANDON_AFTER_MINUTES_DEFAULT, ATIPAY_VERIFY_JOB_EXHAUSTED_OUTCOME, ATIPAY_VERIFY_JOB_OFFSETS_MS } from './atipay.config';

/**
 * Pure rules the payment flow applies around AtiPay's unauthenticated callbacks (D6, D7, D9). The
 * adapter's `confirm` applies the same plan, so a flow that skips it still cannot verify twice or let
 * a forged callback undo a payment; the flow uses it to answer duplicates without a gateway call.
 */

/** Ref that says how an AtiPay attempt's outcome was decided (ConfirmResult.refs; merge into the attempt's refs). */
export const ATIPAY_DECIDED_BY_REF = 'decidedBy';
export type AtipayDecidedBy = 'verify' | 'callback' | 'no-callback';

export type AtipayInboundPlan =
  /** Call verify (D4). `lateSuccess`: the attempt had ended without a verify and may still turn paid (D7). */
  | { action: 'verify'; lateSuccess: boolean; reason: string }
  /** A non-OK callback on an open attempt: ends it per §3.3 without calling AtiPay. */
  | { action: 'apply_claimed'; outcome: AttemptOutcome; reason: string }
  /** A duplicate or a notice that cannot change the attempt: record it, answer as before. */
  | { action: 'answer_from_state'; reason: string }
  /** Recorded as an anomaly, never verified (D7: a second OK with another referenceNumber). */
  | { action: 'anomaly'; anomaly: 'ok_with_other_reference_number'; reason: string }
  | { action: 'reject'; reason: string };

/** True when the verdict is an OK/"2" callback (the only kind that is verified). */
export function atipayClaimsSuccess(verdict: InboundVerdict): boolean {
  return verdict.accepted && verdict.claimed?.outcome === 'paid';
}

export function planAtipayInbound(attempt: Pick<AttemptSnapshot, 'outcome' | 'refs'>, verdict: InboundVerdict): AtipayInboundPlan {
  if (!verdict.accepted) return { action: 'reject', reason: verdict.rejection?.message ?? 'rejected callback' };
  const claimsOk = atipayClaimsSuccess(verdict);
  const claimedOutcome = verdict.claimed?.outcome ?? 'failed';
  const incoming = verdict.refs?.referenceNumber;
  const known = attempt.refs.referenceNumber;
  const sameReference = known !== undefined && incoming === known;
  const otherReference = known !== undefined && incoming !== known;

  switch (attempt.outcome) {
    case 'pending':
    case 'create_unknown':
    case 'authorized':
      return claimsOk
        ? { action: 'verify', lateSuccess: false, reason: 'OK/2 callback on an open attempt' }
        : { action: 'apply_claimed', outcome: claimedOutcome, reason: `callback ${verdict.claimed?.status ?? ''} ends the attempt without verify` };
    case 'unknown':
      // A verify is in doubt: repeating it is what the job does anyway; another referenceNumber could be
      // a forgery whose failed verify would bury the capture in doubt, so it is not verified.
      if (!claimsOk) return { action: 'answer_from_state', reason: 'a non-OK callback cannot settle a verify in doubt' };
      if (otherReference) return { action: 'anomaly', anomaly: 'ok_with_other_reference_number', reason: 'OK callback with another referenceNumber while a verify is in doubt' };
      return { action: 'verify', lateSuccess: false, reason: 'OK callback repeats the verify in doubt' };
    case 'paid':
    case 'amount_mismatch':
    case 'failed_needs_review':
      if (claimsOk && otherReference) {
        return { action: 'anomaly', anomaly: 'ok_with_other_reference_number', reason: `second OK callback with another referenceNumber for a ${attempt.outcome} attempt` };
      }
      return { action: 'answer_from_state', reason: `attempt already ${attempt.outcome}` };
    case 'failed':
    case 'expired':
    case 'canceled': {
      if (!claimsOk) return { action: 'answer_from_state', reason: `attempt already ${attempt.outcome}` };
      const decidedByVerify = attempt.refs[ATIPAY_DECIDED_BY_REF] === 'verify';
      if (decidedByVerify && sameReference) return { action: 'answer_from_state', reason: 'this referenceNumber was already verified' };
      return { action: 'verify', lateSuccess: true, reason: `late OK callback for a ${attempt.outcome} attempt (D7)` };
    }
  }
}

/**
 * D6: what the verify job does after `jobVerifiesDone` repeats of a verify that ended `unknown`
 * (0 = none yet): wait `delayMs` and verify again, or give up to ops.
 */
export function atipayVerifyJobStep(jobVerifiesDone: number): { delayMs: number } | { outcome: typeof ATIPAY_VERIFY_JOB_EXHAUSTED_OUTCOME } {
  if (!Number.isInteger(jobVerifiesDone) || jobVerifiesDone < 0) throw new RangeError(`jobVerifiesDone must be a non-negative integer, got ${jobVerifiesDone}`);
  if (jobVerifiesDone >= ATIPAY_VERIFY_JOB_OFFSETS_MS.length) return { outcome: ATIPAY_VERIFY_JOB_EXHAUSTED_OUTCOME };
  const previous = jobVerifiesDone === 0 ? 0 : ATIPAY_VERIFY_JOB_OFFSETS_MS[jobVerifiesDone - 1];
  return { delayMs: ATIPAY_VERIFY_JOB_OFFSETS_MS[jobVerifiesDone] - previous };
}

/** D9: when an attempt with a token but no callback becomes `expired`. */
export function atipayAbandonAt(createdAt: Date, abandonAfterMinutes: number | undefined): Date {
  const minutes = abandonAfterMinutes && abandonAfterMinutes > 0 ? abandonAfterMinutes : ATIPAY_ABANDON_AFTER_MINUTES_DEFAULT;
  return new Date(createdAt.getTime() + minutes * MINUTE_MS);
}
