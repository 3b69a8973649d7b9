import type { GatewayName } from '@payledger/gateways';
import type { PaymentEventLike, PaymentState, PayoutState } from '@payledger/payments';
import { ALQASEH_CREATE_LOOKUP_DELAYS_MS, ALQASEH_UNKNOWN_POLL_HORIZON_MS, ALQASEH_UNKNOWN_POLL_INTERVAL_MS } from '../../gateways/src/alqaseh/alqaseh.config';
import { nextPollDelayMs as alqasehNextPollDelayMs } from '../../gateways/src/alqaseh/alqaseh.polling';
import { atipayAbandonAt, atipayVerifyJobStep } from '../../gateways/src/atipay/atipay.policy';
import {
  JIBIT_CREATE_LOOKUP_SCHEDULE_MS,
  JIBIT_DEADLINE_CAPTURE_AT_MS,
  JIBIT_DEADLINE_SETTLE_AT_MS,
  JIBIT_INQUIRY_SCHEDULE,
  JIBIT_VERIFY_WINDOW_MS,
  jibitNextCreateLookupAtMs,
  jibitNextInquiryAtMs,
} from '../../gateways/src/jibit/jibit.config';
import { END_JOB_INTERVAL_MS, END_JOB_WINDOW_MS, nextTrackCheckoutDelayMs, TRACK_AFTER_LONG_POLL_MS, TRACK_WINDOW_MS } from '../../gateways/src/mispay/mispay.config';
import { MOCASA_CREATE_RECOVERY_SCHEDULE_MS, MOCASA_REQUERY_WINDOW_MS, MOCASA_TRANSFER_RECOVERY_SCHEDULE_MS } from '../../gateways/src/mocasa/mocasa.config';
import { mocasaRequeryDelayMs } from '../../gateways/src/mocasa/mocasa.transformers';
import { PAYMENT_EVENT_TYPES, PAYOUT_EVENT_TYPES } from '../../payments/src/payment.events';
import { currentAttempt, evolve, isFinal } from '../../payments/src/payment.state';
import type { TaskJobName } from './job.names';

/**
 * What must happen next to an open payment or payout, and when: pure rules over its events. The task
 * projection stores the plan; the jobs carry it out. Every time comes from event data or `occurredAt`,
 * never from a clock, so replaying the same events plans the same tasks. The schedules are the gateways'
 * own (shared/gateways/*.md decisions, exported by each adapter); only the glue between them is here.
 */

/** What a job does with a task: a look at the gateway through CheckPaymentCommand, or a final outcome. */
export type TaskOperation = 'confirm' | 'inquire' | 'recoverCreate' | 'expire' | 'review' | 'refreshPayout' | 'await-ops';
export type TaskTrigger = 'job' | 'deadline';

export interface TaskPlan {
  taskId: string;
  subject: 'payment' | 'payout';
  subjectId: string;
  gateway: GatewayName;
  job: TaskJobName;
  operation: TaskOperation;
  trigger: TaskTrigger;
  /** The attempt (payments) or transfer serial (payouts) the task is about. */
  reference?: string;
  reason: string;
  /** Looks at the gateway already made in the current phase (since `sinceAt`). */
  attempt: number;
  /** Null: nothing automatic is left; the task waits for ops (`await-ops`). */
  nextRunAt: Date | null;
  /** When this phase's plan ends with a final outcome, when it has such an end. */
  deadlineAt?: Date;
  /** When the subject entered the state this plan is about. */
  sinceAt: Date;
  /** Stream version the plan was made from. */
  sourceVersion: number;
  /** `occurredAt` of the last event the plan saw. */
  plannedAt: Date;
}

export interface TaskRulesConfig {
  /** jibit.md D10: the +13 min capture (inquiry, verify while IN_PROGRESS). */
  jibitVerifyBeforeDeadline: boolean;
  /** atipay.md D9. */
  atipayAbandonAfterMinutes: number;
  /** alqaseh.md D10 polls until the hosted-page token expiry + 15 min. */
  alqasehTokenExpiryHours: number;
}

const SECOND_MS = 1000;
const MINUTE_MS = 60 * SECOND_MS;
const HOUR_MS = 60 * MINUTE_MS;

/** A create with no answer recorded at all (the process stopped mid-call): looked up once any create's own timeout has passed. */
export const INITIATED_GRACE_MS = 2 * MINUTE_MS;
/** jibit.md D10/D12: a capture whose inquiry or verify went unanswered is tried again this much later, while the window is open. */
export const JIBIT_CAPTURE_RETRY_MS = 30 * SECOND_MS;
/** A capture runs at most this many times (the first and its retries). */
export const JIBIT_CAPTURES_MAX = 3;
/** Where a gateway's own schedule has ended and its create is still in doubt, or where no rule fits: one look this often… */
export const FALLBACK_INTERVAL_MS = 30 * MINUTE_MS;
/** …until this long after the phase began; then the payment is flagged for review. */
export const FALLBACK_HORIZON_MS = 24 * HOUR_MS;
/** Jitter on polls: a tenth of the wait, at most this much, so tasks planned at the same instant spread out. */
export const JITTER_RATIO = 0.1;
export const JITTER_MAX_MS = 30 * SECOND_MS;

// ───── facts gathered from a payment's events ─────

export interface CheckFact {
  at: Date;
  trigger: string;
  operation: string;
  outcome?: string;
  gatewayStatus?: string;
  retryAfterMs?: number;
  /** The look ended in an error (no answer, refused): what the gateway thinks is not known from it. */
  failed: boolean;
}

export interface PaymentTaskFacts {
  state: PaymentState;
  /** When the payment entered its current status with its current attempt. */
  sinceAt: Date;
  /** Looks at the current attempt since `sinceAt`, oldest first. */
  checks: CheckFact[];
  /** Every look at the current attempt, oldest first (the deadline sweep and the track back-off look further back). */
  attemptChecks: CheckFact[];
  lastEventAt: Date;
}

interface CheckedData {
  reference?: string;
  trigger?: string;
  operation?: string;
  outcome?: string;
  gatewayStatus?: string;
  retryAfterMs?: number;
  error?: unknown;
}

/**
 * Folds a payment's whole stream (from PaymentInitiated) into what the rules need. `visit` sees each event
 * with the state before it (the projection measures verify timing with it).
 */
export function paymentTaskFacts(events: readonly PaymentEventLike[], visit?: (event: PaymentEventLike, before: PaymentState | undefined) => void): PaymentTaskFacts | undefined {
  let state: PaymentState | undefined;
  let sinceAt: Date | undefined;
  let checks: CheckFact[] = [];
  let attemptChecks: CheckFact[] = [];
  let lastEventAt: Date | undefined;
  for (const event of events) {
    const before = state;
    visit?.(event, before);
    state = evolve(state, event);
    if (!state) continue;
    lastEventAt = event.occurredAt;
    const reference = currentAttempt(state)?.reference;
    const referenceBefore = before ? currentAttempt(before)?.reference : undefined;
    if (reference !== referenceBefore) attemptChecks = [];
    if (!before || before.status !== state.status || reference !== referenceBefore) {
      sinceAt = event.occurredAt;
      checks = [];
    }
    if (event.type === PAYMENT_EVENT_TYPES.attemptChecked) {
      const d = event.data as CheckedData;
      if (d.reference !== undefined && d.reference === reference) {
        const fact: CheckFact = {
          at: event.occurredAt,
          trigger: d.trigger ?? 'unknown',
          operation: d.operation ?? 'unknown',
          outcome: d.outcome,
          gatewayStatus: d.gatewayStatus,
          retryAfterMs: d.retryAfterMs,
          failed: d.error !== undefined,
        };
        checks.push(fact);
        attemptChecks.push(fact);
      }
    }
  }
  if (!state || !sinceAt || !lastEventAt) return undefined;
  return { state, sinceAt, checks, attemptChecks, lastEventAt };
}

export interface PayoutTaskFacts {
  state: PayoutState;
  sinceAt: Date;
  /** Transfer queries sent since `sinceAt` (first tries only; retries inside one query do not count). */
  queries: Date[];
  version: number;
  lastEventAt: Date;
}

export function payoutTaskFacts(events: readonly PaymentEventLike[], fold: (events: readonly PaymentEventLike[]) => PayoutState | undefined): PayoutTaskFacts | undefined {
  const state = fold(events);
  if (!state || events.length === 0) return undefined;
  let sinceAt = state.requestedAt;
  let queries: Date[] = [];
  for (const event of events) {
    if (event.type === PAYOUT_EVENT_TYPES.requested || event.type === PAYOUT_EVENT_TYPES.outcomeUnknown) {
      sinceAt = event.occurredAt;
      queries = [];
    } else if (event.type === 'GatewayRequestSent' && (event.data as { attempt?: number }).attempt === 1) {
      queries.push(event.occurredAt);
    }
  }
  return { state, sinceAt, queries, version: state.version, lastEventAt: events[events.length - 1].occurredAt };
}

// ───── plans ─────

interface Draft {
  job: TaskJobName;
  operation: TaskOperation;
  trigger: TaskTrigger;
  reason: string;
  /** Null: waits for ops. */
  runAtMs: number | null;
  deadlineAtMs?: number;
  /** A poll counted from this instant gets jitter; deadlines, window ends and final outcomes get none. */
  jitterFromMs?: number;
}

const review = (job: TaskJobName, atMs: number, reason: string): Draft => ({ job, operation: 'review', trigger: 'job', reason, runAtMs: atMs, deadlineAtMs: atMs });

export function paymentTaskId(paymentId: string): string {
  return `payment:${paymentId}`;
}

export function payoutTaskId(payoutId: string): string {
  return `payout:${payoutId}`;
}

/** The next task of a payment, or none when nothing automatic is left (final, or waiting for ops). */
export function planPaymentTask(facts: PaymentTaskFacts, config: TaskRulesConfig): TaskPlan | undefined {
  const { state } = facts;
  if (isFinal(state.status) || state.review) return undefined;
  const attempt = currentAttempt(state);
  if (!attempt) return undefined;
  const draft = draftFor(facts, config);
  if (!draft) return undefined;
  let runAtMs = draft.runAtMs;
  if (runAtMs !== null && draft.jitterFromMs !== undefined) runAtMs += jitterMs(`${state.paymentId}:${facts.checks.length}`, runAtMs - draft.jitterFromMs);
  // A confirmation in flight (a buyer's return, another job) holds the payment: look after its lease.
  const lease = state.confirmation?.leaseUntil.getTime();
  if (runAtMs !== null && lease !== undefined && lease > runAtMs && lease > facts.lastEventAt.getTime()) runAtMs = lease;
  return {
    taskId: paymentTaskId(state.paymentId),
    subject: 'payment',
    subjectId: state.paymentId,
    gateway: state.gateway,
    job: draft.job,
    operation: draft.operation,
    trigger: draft.trigger,
    reference: attempt.reference,
    reason: draft.reason,
    attempt: facts.checks.length,
    nextRunAt: runAtMs === null ? null : new Date(runAtMs),
    ...(draft.deadlineAtMs !== undefined ? { deadlineAt: new Date(draft.deadlineAtMs) } : {}),
    sinceAt: facts.sinceAt,
    sourceVersion: state.version,
    plannedAt: facts.lastEventAt,
  };
}

function draftFor(facts: PaymentTaskFacts, config: TaskRulesConfig): Draft | undefined {
  const attempt = currentAttempt(facts.state)!;
  if (attempt.outcome === 'initiated' || attempt.outcome === 'create_unknown') return createLookup(facts);
  switch (facts.state.gateway) {
    case 'jibit':
      return jibit(facts, config);
    case 'atipay':
      return atipay(facts, config);
    case 'mispay':
      return mispay(facts);
    case 'mocasa':
      return mocasa(facts);
    case 'alqaseh':
      return alqaseh(facts, config);
  }
}

const ms = (date: Date) => date.getTime();
const lastOf = <T>(items: readonly T[]): T | undefined => items[items.length - 1];

/** Where the next poll is counted from: the last look in this phase, else the phase's start. */
function lastLookMs(facts: PaymentTaskFacts): number {
  const last = lastOf(facts.checks);
  return last ? ms(last.at) : ms(facts.sinceAt);
}

/**
 * A create without an answer: looked up (recoverCreate) on the gateway's schedule from our send time
 * (Jibit D6, Al Qaseh D5, Mocasa D6; MIS Pay D4 and AtiPay D2 decide at once), then at a slow cadence
 * while the lookups themselves fail, then flagged for review.
 */
function createLookup(facts: PaymentTaskFacts): Draft {
  const attempt = currentAttempt(facts.state)!;
  const sentMs = ms(attempt.startedAt);
  const lookups = facts.attemptChecks.filter((c) => c.operation === 'recoverCreate');
  const lastMs = lookups.length > 0 ? ms(lastOf(lookups)!.at) : undefined;
  // Nothing recorded after the create went out: the request may still be in flight in another process.
  const notBeforeMs = attempt.outcome === 'initiated' ? sentMs + INITIATED_GRACE_MS : sentMs;
  const plan = (runAtMs: number, reason: string, horizonMs: number): Draft => {
    if (runAtMs >= horizonMs) return review('inquiry', Math.max(horizonMs, lastMs ?? horizonMs), `create still unanswered after its lookups (${reason}): review`);
    return { job: 'inquiry', operation: 'recoverCreate', trigger: 'job', reason, runAtMs: Math.max(runAtMs, notBeforeMs), deadlineAtMs: horizonMs };
  };
  const fallback = (everyMs: number, horizonMs: number, why: string) => plan(lastMs === undefined ? sentMs : lastMs + everyMs, why, horizonMs);
  switch (facts.state.gateway) {
    case 'jibit': {
      const next = jibitNextCreateLookupAtMs(sentMs, lastMs ?? sentMs - 1);
      const horizonMs = sentMs + JIBIT_INQUIRY_SCHEDULE.manualReviewAfterMs;
      if (next !== undefined) return plan(next, 'jibit D6: list lookup of a create without an answer', horizonMs);
      if (lastMs === undefined || lastMs < sentMs + lastOf(JIBIT_CREATE_LOOKUP_SCHEDULE_MS)!) return plan(sentMs + lastOf(JIBIT_CREATE_LOOKUP_SCHEDULE_MS)!, 'jibit D6: last lookup (not found = create_lost)', horizonMs);
      return fallback(JIBIT_INQUIRY_SCHEDULE.repeatEveryMs, horizonMs, 'jibit D6: lookups failed; looking again every 30 min');
    }
    case 'alqaseh': {
      const horizonMs = sentMs + ALQASEH_UNKNOWN_POLL_HORIZON_MS;
      const next = ALQASEH_CREATE_LOOKUP_DELAYS_MS.map((d) => sentMs + d).find((at) => lastMs === undefined || at > lastMs);
      if (next !== undefined) return plan(next, 'alqaseh D5: history lookup of a create without an answer', horizonMs);
      return fallback(ALQASEH_UNKNOWN_POLL_INTERVAL_MS, horizonMs, 'alqaseh D5: lookups failed; looking again hourly');
    }
    case 'mocasa': {
      // The adapter walks the +5/+15/+45 s queries itself in one call; after that the D10 cadence.
      const horizonMs = sentMs + MOCASA_REQUERY_WINDOW_MS;
      if (lastMs === undefined) return plan(sentMs + MOCASA_CREATE_RECOVERY_SCHEDULE_MS[0], 'mocasa D6: order query of a create without an answer', horizonMs);
      const delay = mocasaRequeryDelayMs(lastMs - sentMs);
      return delay === undefined ? review('inquiry', lastMs, 'mocasa D6/D10: create still unanswered 24 h later: review') : plan(lastMs + delay, 'mocasa D6/D10: create still unanswered; querying on the D10 cadence', horizonMs);
    }
    case 'mispay':
    case 'atipay':
      // MIS Pay D4 abandons at once; AtiPay D2 sends get-token once more. Only a failing lookup repeats.
      return fallback(FALLBACK_INTERVAL_MS, ms(facts.sinceAt) + FALLBACK_HORIZON_MS, `${facts.state.gateway}: settle the create that got no answer`);
  }
}

/** jibit.md D9/D10. */
function jibit(facts: PaymentTaskFacts, config: TaskRulesConfig): Draft {
  const attempt = currentAttempt(facts.state)!;
  const createdMs = ms(attempt.startedAt);
  const captureAtMs = createdMs + JIBIT_DEADLINE_CAPTURE_AT_MS;
  const settleAtMs = createdMs + JIBIT_DEADLINE_SETTLE_AT_MS;
  const windowEndMs = createdMs + JIBIT_VERIFY_WINDOW_MS;
  const deadlineChecks = facts.attemptChecks.filter((c) => c.trigger === 'deadline');
  const settled = deadlineChecks.some((c) => ms(c.at) >= settleAtMs);
  const captures = deadlineChecks.filter((c) => ms(c.at) < settleAtMs);
  const lastCapture = lastOf(captures);
  const captureInDoubt = lastCapture !== undefined && (lastCapture.failed || lastCapture.outcome === 'unknown');
  const captureRetryAtMs = lastCapture ? ms(lastCapture.at) + JIBIT_CAPTURE_RETRY_MS : undefined;
  const mayRetryCapture = config.jibitVerifyBeforeDeadline && captureInDoubt && captures.length < JIBIT_CAPTURES_MAX && captureRetryAtMs! < windowEndMs;
  const capture = (atMs: number, reason: string): Draft => ({ job: 'verify-deadline', operation: 'confirm', trigger: 'deadline', reason, runAtMs: atMs, deadlineAtMs: windowEndMs });
  const settle: Draft = { job: 'verify-deadline', operation: 'confirm', trigger: 'deadline', reason: 'jibit D10 +16 min: the inquiry settles it', runAtMs: settleAtMs, deadlineAtMs: settleAtMs };

  if (facts.state.status === 'awaiting_buyer' && !settled) {
    if (config.jibitVerifyBeforeDeadline && captures.length === 0) return capture(captureAtMs, 'jibit D10 +13 min: inquiry, and verify while IN_PROGRESS, before the 15-minute window closes');
    if (mayRetryCapture) return capture(captureRetryAtMs!, 'jibit D10: the capture went unanswered; again while the window is open');
    return settle;
  }
  if (facts.state.status === 'unknown' && !settled && mayRetryCapture) return capture(captureRetryAtMs!, 'jibit D10: the capture went unanswered; again while the window is open');
  // D9: UNKNOWN, or IN_PROGRESS after the sweep: inquiry only, on the backoff schedule, 72 h at most.
  const sinceMs = ms(facts.sinceAt);
  const next = jibitNextInquiryAtMs(sinceMs, lastLookMs(facts));
  const horizonMs = sinceMs + JIBIT_INQUIRY_SCHEDULE.manualReviewAfterMs;
  if (next === undefined) return review('inquiry', Math.max(horizonMs, lastLookMs(facts)), 'jibit D9: no final status 72 h after it became uncertain: manual reconciliation');
  const reason = facts.state.status === 'unknown' ? 'jibit D9: inquiry of an UNKNOWN order' : 'jibit D9: inquiry of an order still IN_PROGRESS after the deadline sweep';
  const draft: Draft = { job: 'inquiry', operation: 'inquire', trigger: 'job', reason, runAtMs: next, deadlineAtMs: horizonMs, jitterFromMs: lastLookMs(facts) };
  // The +16 min settlement still applies to an order that became uncertain before it.
  if (facts.state.status !== 'awaiting_buyer' && !settled && settleAtMs < next && settleAtMs > lastLookMs(facts)) return { ...settle, reason: 'jibit D10 +16 min: the inquiry settles an order that became uncertain before the deadline' };
  return draft;
}

/** atipay.md D6 (verify job) and D9 (no callback). AtiPay has no inquiry: the adapter's `inquire` repeats the verify or applies D9. */
function atipay(facts: PaymentTaskFacts, config: TaskRulesConfig): Draft {
  const attempt = currentAttempt(facts.state)!;
  switch (facts.state.status) {
    case 'awaiting_buyer': {
      const abandonMs = ms(atipayAbandonAt(attempt.startedAt, config.atipayAbandonAfterMinutes));
      // A look at or after the abandon time that still said pending (another process configured otherwise): not again at once.
      const lookedLate = facts.checks.some((c) => ms(c.at) >= abandonMs);
      if (lookedLate) return fallbackPoll(facts, 'atipay');
      return { job: 'inquiry', operation: 'inquire', trigger: 'job', reason: 'atipay D9: no callback by then means expired', runAtMs: abandonMs, deadlineAtMs: abandonMs };
    }
    case 'unknown': {
      const jobVerifies = facts.checks.filter((c) => c.trigger === 'job').length;
      const step = atipayVerifyJobStep(jobVerifies);
      const fromMs = lastLookMs(facts);
      if ('outcome' in step) return review('inquiry', fromMs, 'atipay D6: verify still unanswered after +2, +5 and +10 min: failed_needs_review');
      return { job: 'inquiry', operation: 'inquire', trigger: 'job', reason: `atipay D6: repeat the verify in doubt (${jobVerifies + 1} of 3)`, runAtMs: fromMs + step.delayMs, jitterFromMs: fromMs };
    }
    default:
      return fallbackPoll(facts, 'atipay');
  }
}

/** mispay.md D6 (end retries) and D7 (track-checkout). */
function mispay(facts: PaymentTaskFacts): Draft {
  const attempt = currentAttempt(facts.state)!;
  if (facts.state.status === 'authorized') {
    const sinceMs = ms(facts.sinceAt);
    const next = lastLookMs(facts) + END_JOB_INTERVAL_MS;
    if (next > sinceMs + END_JOB_WINDOW_MS) return review('mispay-track-checkout', lastLookMs(facts), 'mispay D6: end still failing 24 h after the checkout succeeded: ops');
    return { job: 'mispay-track-checkout', operation: 'confirm', trigger: 'job', reason: 'mispay D6: end the successful checkout (every 5 min)', runAtMs: next, deadlineAtMs: sinceMs + END_JOB_WINDOW_MS, jitterFromMs: lastLookMs(facts) };
  }
  const windowEndMs = ms(attempt.startedAt) + TRACK_WINDOW_MS;
  const tracks = facts.attemptChecks.filter((c) => c.operation === 'confirm' || c.operation === 'inquire');
  const last = lastOf(tracks);
  if (last && ms(last.at) >= windowEndMs) {
    // The adapter ends a still-pending checkout `expired` at 24 h; an unknown one is left to ops.
    return review('mispay-track-checkout', ms(last.at), 'mispay D7: no terminal status 24 h after start-checkout: review');
  }
  const delayMs = trackDelayMs(tracks);
  const fromMs = last ? ms(last.at) : ms(facts.sinceAt);
  const next = Math.min(fromMs + delayMs, windowEndMs);
  return {
    job: 'mispay-track-checkout',
    operation: 'confirm',
    trigger: 'job',
    reason: next === windowEndMs ? 'mispay D7: the last track-checkout, 24 h after start-checkout (still open = expired)' : 'mispay D7: track-checkout (held up to 30 s), back-off 5 s doubling to 3 min',
    runAtMs: next,
    deadlineAtMs: windowEndMs,
    ...(delayMs > 0 && next < windowEndMs ? { jitterFromMs: fromMs } : {}),
  };
}

/**
 * D7's back-off, replayed over the looks so far: a long poll that ran out its timeout asks again at once;
 * a quick reply waits 5 s, doubling to 3 min, back to 5 s when the status changes.
 */
export function trackDelayMs(tracks: readonly CheckFact[]): number {
  let delay: number | undefined;
  let status: string | undefined;
  for (const check of tracks) {
    if (check.retryAfterMs === TRACK_AFTER_LONG_POLL_MS && !check.failed) {
      delay = TRACK_AFTER_LONG_POLL_MS;
      continue;
    }
    const changed = status !== undefined && check.gatewayStatus !== undefined && check.gatewayStatus !== status;
    delay = nextTrackCheckoutDelayMs(delay, changed);
    if (check.gatewayStatus !== undefined) status = check.gatewayStatus;
  }
  return delay ?? 0;
}

/** mocasa.md D10: +1, +2, +5, +10 min after creation, then every 30 min for 24 h, then manual review. */
function mocasa(facts: PaymentTaskFacts): Draft {
  const attempt = currentAttempt(facts.state)!;
  const createdMs = ms(attempt.startedAt);
  const fromMs = lastLookMs(facts);
  const delay = mocasaRequeryDelayMs(fromMs - createdMs);
  if (delay === undefined) return review('inquiry', fromMs, 'mocasa D10: not final 24 h after creation: manual review');
  return { job: 'inquiry', operation: 'confirm', trigger: 'job', reason: 'mocasa D10: order query of an order without a final status', runAtMs: fromMs + delay, deadlineAtMs: createdMs + MOCASA_REQUERY_WINDOW_MS, jitterFromMs: fromMs };
}

/** alqaseh.md D10: +1, +2, +5, +10 min, then every 15 min until token expiry + 15 min; unknown hourly to 24 h. */
function alqaseh(facts: PaymentTaskFacts, config: TaskRulesConfig): Draft {
  const attempt = currentAttempt(facts.state)!;
  const fromMs = lastLookMs(facts);
  const outcome = attempt.outcome === 'pending' ? 'pending' : 'unknown';
  const delay = alqasehNextPollDelayMs({ outcome, createdAt: attempt.startedAt, now: new Date(fromMs), tokenExpiryHours: config.alqasehTokenExpiryHours });
  if (delay === undefined) return review('inquiry', fromMs, 'alqaseh D10: not final 24 h after creation: manual reconciliation');
  return {
    job: 'inquiry',
    operation: 'confirm',
    trigger: 'job',
    reason: `alqaseh D10: re-query of a ${outcome} payment context`,
    runAtMs: fromMs + delay,
    deadlineAtMs: ms(attempt.startedAt) + ALQASEH_UNKNOWN_POLL_HORIZON_MS,
    jitterFromMs: fromMs,
  };
}

/** A state no gateway rule speaks of: a slow inquiry, then review. */
function fallbackPoll(facts: PaymentTaskFacts, gateway: string): Draft {
  const horizonMs = ms(facts.sinceAt) + FALLBACK_HORIZON_MS;
  const next = facts.checks.length === 0 ? ms(facts.sinceAt) : lastLookMs(facts) + FALLBACK_INTERVAL_MS;
  if (next >= horizonMs) return review('inquiry', horizonMs, `${gateway}: ${facts.state.status} for 24 h: review`);
  return { job: 'inquiry', operation: 'inquire', trigger: 'job', reason: `${gateway}: ${facts.state.status}; asking every 30 min`, runAtMs: next, deadlineAtMs: horizonMs, jitterFromMs: lastLookMs(facts) };
}

/**
 * mocasa.md D12(3): a transfer whose reply was lost (or a request the process never finished) is queried
 * by its serial at +5, +15 and +45 s; no answer by then leaves it `unknown` for ops.
 */
export function planPayoutTask(facts: PayoutTaskFacts): TaskPlan | undefined {
  const { state } = facts;
  if (state.status === 'succeeded' || state.status === 'failed') return undefined;
  const sinceMs = ms(facts.sinceAt);
  // A requested payout is settled inside the request; only one the process never finished is looked at.
  const offsets = state.status === 'requested' ? MOCASA_TRANSFER_RECOVERY_SCHEDULE_MS.map((o) => o + INITIATED_GRACE_MS) : MOCASA_TRANSFER_RECOVERY_SCHEDULE_MS;
  const n = facts.queries.length;
  const base = {
    taskId: payoutTaskId(state.payoutId),
    subject: 'payout' as const,
    subjectId: state.payoutId,
    gateway: state.gateway,
    job: 'inquiry' as const,
    trigger: 'job' as const,
    reference: state.reference,
    attempt: n,
    sinceAt: facts.sinceAt,
    sourceVersion: facts.version,
    plannedAt: facts.lastEventAt,
    deadlineAt: new Date(sinceMs + lastOf(offsets)!),
  };
  if (n < offsets.length) {
    const runAtMs = Math.max(sinceMs + offsets[n], n > 0 ? ms(facts.queries[n - 1]) : sinceMs);
    return { ...base, operation: 'refreshPayout', reason: `mocasa D12: transfer query by serial (${n + 1} of ${offsets.length})`, nextRunAt: new Date(runAtMs) };
  }
  return { ...base, operation: 'await-ops', reason: 'mocasa D12: the transfer queries gave no answer; the payout stays unknown for ops', nextRunAt: null };
}

/** Deterministic jitter in [0, min(waitMs × ratio, max)): the same task and attempt always get the same. */
export function jitterMs(key: string, waitMs: number): number {
  const span = Math.min(Math.max(0, waitMs) * JITTER_RATIO, JITTER_MAX_MS);
  if (span < 1) return 0;
  return Math.floor(unitHash(key) * span);
}

/** FNV-1a over the key, as a fraction in [0, 1). */
function unitHash(key: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash / 0x1_0000_0000;
}
