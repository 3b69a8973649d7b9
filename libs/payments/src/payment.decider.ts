import type { AttemptOutcome, ConfirmResult, GatewayName, GatewayRefs, RefundResult, StartPaymentResult } from '@payledger/gateways';
import { DomainError, Money } from '@payledger/kernel';
import {
  CheckOperation,
  CheckTrigger,
  PAYMENT_EVENT_TYPES as T,
  PaymentAttemptCheckedData,
  PaymentDecisionData,
  PaymentInitiatedData,
} from './payment.events';
import { AttemptState, currentAttempt, findAttempt, isFinal, isPaid, PaymentState } from './payment.state';

/** A domain event before it is stored. */
export interface DecidedEvent {
  type: string;
  data: Record<string, unknown>;
}

export type PaymentCommand =
  | { kind: 'initiate'; payment: Omit<PaymentInitiatedData, 'initiatedAt'>; reference: string }
  | { kind: 'recordCreateResult'; reference: string; result: StartPaymentResult }
  | { kind: 'recordCreateError'; reference: string; code: string; message: string; outcomeUncertain: boolean; gatewayCode?: string }
  | { kind: 'beginConfirmation'; reference: string; trigger: CheckTrigger; leaseMs: number }
  | { kind: 'recordCheck'; reference: string; trigger: CheckTrigger; operation: CheckOperation; result: ConfirmResult }
  | { kind: 'recordCheckError'; reference: string; trigger: CheckTrigger; operation: CheckOperation; code: string; message: string; outcomeUncertain: boolean }
  | { kind: 'expire'; trigger: CheckTrigger; reason: string }
  | { kind: 'cancelLocally'; reason?: string }
  | { kind: 'requestRefund'; refundId: string; amount?: Money; reason: string; partialSupported: boolean }
  | { kind: 'recordRefundResult'; refundId: string; result: RefundResult }
  | { kind: 'startRetry'; reference: string }
  | { kind: 'updateOrderId'; orderId: string; reference?: string; refs?: GatewayRefs };

/** Codes of the payment's refusals; the HTTP edge maps them (409 unless said otherwise). */
export const PAYMENT_ERROR_CODES = [
  'PAYMENT.NOT_FOUND',
  'PAYMENT.ALREADY_EXISTS',
  'PAYMENT.ALREADY_FINAL',
  'PAYMENT.NOT_PAID',
  'PAYMENT.AMOUNT_MISMATCH',
  'PAYMENT.OUTCOME_PENDING',
  'PAYMENT.CONFIRMATION_IN_PROGRESS',
  'PAYMENT.RETRY_NOT_ALLOWED',
  'PAYMENT.UNKNOWN_ATTEMPT',
  'REFUND.EXCEEDS_REMAINING',
  'REFUND.EXCEEDS_CAPTURED',
  'REFUND.PARTIAL_NOT_SUPPORTED',
  'REFUND.INVALID_AMOUNT',
  'REFUND.NOT_FOUND',
] as const;

/** Statuses from which a retry (Al Qaseh: a new attempt) may start. */
const RETRYABLE: ReadonlySet<string> = new Set(['expired', 'failed']);

/**
 * The payment's rules: given its state and a command, the events that follow — or a DomainError. Pure:
 * no I/O, time passed in. Gateway calls happen in the handlers; their results come back as commands.
 */
export function decide(state: PaymentState | undefined, command: PaymentCommand, now: Date): DecidedEvent[] {
  if (command.kind === 'initiate') {
    if (state) throw new DomainError('PAYMENT.ALREADY_EXISTS', `payment ${state.paymentId} exists`);
    const p = command.payment;
    return [
      { type: T.initiated, data: { ...p, initiatedAt: now.toISOString() } },
      { type: T.attemptStarted, data: { paymentId: p.paymentId, attemptNo: 1, reference: command.reference, orderId: p.orderId, amountMinor: p.amountMinor, currency: p.currency, startedAt: now.toISOString() } },
    ];
  }
  if (!state) throw new DomainError('PAYMENT.NOT_FOUND', 'no such payment');
  switch (command.kind) {
    case 'recordCreateResult':
      return decideCreateResult(state, command.reference, command.result);
    case 'recordCreateError': {
      const attempt = requireAttempt(state, command.reference);
      if (attempt.outcome !== 'initiated') return [];
      if (command.outcomeUncertain) return [{ type: T.attemptCreateUncertain, data: { reference: attempt.reference, refs: {}, reason: `${command.code}: ${command.message}` } }];
      return [{ type: T.attemptRefused, data: { reference: attempt.reference, code: command.code, message: command.message, gatewayCode: command.gatewayCode } }];
    }
    case 'beginConfirmation': {
      const attempt = requireAttempt(state, command.reference);
      if (state.confirmation && state.confirmation.leaseUntil.getTime() > now.getTime()) {
        throw new DomainError('PAYMENT.CONFIRMATION_IN_PROGRESS', 'another confirmation of this payment is running', { leaseUntil: state.confirmation.leaseUntil.toISOString() });
      }
      return [{ type: T.confirmationStarted, data: { reference: attempt.reference, trigger: command.trigger, leaseUntil: new Date(now.getTime() + command.leaseMs).toISOString() } }];
    }
    case 'recordCheck':
      return decideCheck(state, command.reference, command.trigger, command.operation, command.result);
    case 'recordCheckError': {
      const attempt = requireAttempt(state, command.reference);
      const checked: PaymentAttemptCheckedData = {
        reference: attempt.reference,
        trigger: command.trigger,
        operation: command.operation,
        error: { code: command.code, message: command.message, outcomeUncertain: command.outcomeUncertain },
      };
      const events: DecidedEvent[] = [{ type: T.attemptChecked, data: { ...checked } }];
      // A confirm whose answer we lost may have moved money: unknown, polled — never failed.
      if (command.outcomeUncertain && !isFinal(state.status) && state.status !== 'unknown' && command.operation === 'confirm') {
        events.push({ type: T.outcomeUnknown, data: decision(state, attempt, command.trigger, `${command.code}: ${command.message}`) });
      }
      return events;
    }
    case 'expire': {
      if (isFinal(state.status)) throw new DomainError('PAYMENT.ALREADY_FINAL', `payment is ${state.status}`, { status: state.status });
      const attempt = currentAttempt(state);
      return [{ type: T.expired, data: decision(state, attempt, command.trigger, command.reason) }];
    }
    case 'cancelLocally': {
      if (isFinal(state.status)) throw new DomainError('PAYMENT.ALREADY_FINAL', `payment is ${state.status}`, { status: state.status });
      if (state.status === 'authorized' || state.status === 'unknown') {
        // The gateway may already hold the buyer's money; only the gateway's answer may end this attempt.
        throw new DomainError('PAYMENT.OUTCOME_PENDING', `payment is ${state.status}; it cannot be canceled until the gateway has answered`, { status: state.status });
      }
      return [{ type: T.canceled, data: { ...decision(state, currentAttempt(state), 'merchant', command.reason ?? 'canceled by merchant'), by: 'merchant' } }];
    }
    case 'requestRefund':
      return decideRefundRequest(state, command, now);
    case 'recordRefundResult':
      return decideRefundResult(state, command.refundId, command.result);
    case 'startRetry': {
      if (state.status === 'unknown' || state.status === 'authorized') {
        throw new DomainError('PAYMENT.OUTCOME_PENDING', 'the current attempt could still succeed; retry once its outcome is known', { status: state.status });
      }
      if (!RETRYABLE.has(state.status)) throw new DomainError('PAYMENT.RETRY_NOT_ALLOWED', `a ${state.status} payment cannot be retried`, { status: state.status });
      const attemptNo = state.attempts.length + 1;
      return [
        {
          type: T.attemptStarted,
          data: { paymentId: state.paymentId, attemptNo, reference: command.reference, orderId: state.orderId, amountMinor: state.amount.amountMinor.toString(), currency: state.amount.currency, startedAt: now.toISOString() },
        },
      ];
    }
    case 'updateOrderId': {
      if (!isPaid(state.status)) throw new DomainError('PAYMENT.NOT_PAID', 'only a succeeded payment has an order id at the gateway to update', { status: state.status });
      if (command.orderId === state.orderId) return [];
      return [{ type: T.orderIdUpdated, data: { paymentId: state.paymentId, previousOrderId: state.orderId, orderId: command.orderId, ...(command.refs ? { reference: command.reference, refs: command.refs } : {}) } }];
    }
  }
}

function decideCreateResult(state: PaymentState, reference: string, result: StartPaymentResult): DecidedEvent[] {
  const attempt = requireAttempt(state, reference);
  if (attempt.outcome !== 'initiated' && attempt.outcome !== 'create_unknown') return [];
  switch (result.outcome) {
    case 'pending':
      return [{ type: T.attemptCreated, data: { reference, refs: result.refs, redirect: result.redirect, expiresAt: result.expiresAt?.toISOString() } }];
    case 'create_unknown':
      return attempt.outcome === 'create_unknown' ? [] : [{ type: T.attemptCreateUncertain, data: { reference, refs: result.refs, reason: result.failure?.message ?? 'no answer to create' } }];
    case 'failed':
      return [
        {
          type: T.attemptRefused,
          data: { reference, code: result.failure?.code ?? 'GATEWAY.REJECTED', message: result.failure?.message ?? 'the gateway refused the payment', gatewayCode: result.failure?.gatewayCode },
        },
      ];
  }
}

/**
 * A gateway's answer about an attempt. Records the check, then the decision it implies. A final status
 * moves only where a gateway file allows it: a paid answer overturns failed/expired (AtiPay D7's verified
 * late OK; money the gateway holds must be booked), never the other way round.
 */
function decideCheck(state: PaymentState, reference: string, trigger: CheckTrigger, operation: CheckOperation, result: ConfirmResult): DecidedEvent[] {
  const attempt = requireAttempt(state, reference);
  const checked: DecidedEvent = {
    type: T.attemptChecked,
    data: {
      reference,
      trigger,
      operation,
      outcome: result.outcome,
      gatewayStatus: result.gatewayStatus,
      gatewayAmountMinor: result.gatewayAmount?.amountMinor.toString(),
      gatewayCurrency: result.gatewayAmount?.currency,
      refs: result.refs,
      detail: result.detail,
      retryAfterMs: result.retryAfterMs,
    },
  };
  const decided = decisionFor(state, attempt, trigger, result);
  return [checked, ...decided];
}

function decisionFor(state: PaymentState, attempt: AttemptState, trigger: CheckTrigger, result: ConfirmResult): DecidedEvent[] {
  const outcome: AttemptOutcome = result.outcome;
  const isCurrent = currentAttempt(state)?.reference === attempt.reference;
  if (isPaid(state.status)) return []; // already booked; a later contrary answer is reconciliation's business
  if (attempt.outcome === outcome) return [];
  // A reported amount that differed is held for review: a later look (a query without an amount, a
  // return after the webhook) neither books it nor flags it again; ops settle it.
  if (attempt.outcome === 'amount_mismatch') return [];
  if (outcome === 'paid' || outcome === 'amount_mismatch') {
    if (result.gatewayAmount && !result.gatewayAmount.equals(state.amount)) {
      return [{ type: T.amountMismatched, data: { ...decision(state, attempt, trigger, 'the gateway reports another amount'), expectedMinor: state.amount.amountMinor.toString(), reportedMinor: result.gatewayAmount.amountMinor.toString(), currency: result.gatewayAmount.currency } }];
    }
    if (outcome === 'amount_mismatch') {
      return [{ type: T.amountMismatched, data: { ...decision(state, attempt, trigger, result.detail ?? 'amount mismatch'), expectedMinor: state.amount.amountMinor.toString(), currency: state.amount.currency } }];
    }
    const late = state.status === 'failed' || state.status === 'expired' || state.status === 'canceled';
    return [
      {
        type: T.succeeded,
        data: {
          ...decision(state, attempt, trigger, result.detail),
          reference: attempt.reference,
          orderId: state.orderId,
          amountMinor: state.amount.amountMinor.toString(),
          currency: state.amount.currency,
          refs: { ...attempt.refs, ...(result.refs ?? {}) },
          ...(late ? { lateSuccess: true } : {}),
        },
      },
    ];
  }
  // Only the current attempt speaks for the payment; an older one's failure changes nothing.
  if (!isCurrent || isFinal(state.status)) return [];
  switch (outcome) {
    case 'pending':
    case 'create_unknown':
      return [];
    case 'authorized':
      return state.status === 'authorized' ? [] : [{ type: T.authorized, data: decision(state, attempt, trigger, result.detail) }];
    case 'failed':
      return [{ type: T.failed, data: decision(state, attempt, trigger, result.detail ?? result.gatewayStatus ?? 'failed') }];
    case 'expired':
      return [{ type: T.expired, data: decision(state, attempt, trigger, result.detail ?? 'expired at the gateway') }];
    case 'canceled':
      return [{ type: T.canceled, data: { ...decision(state, attempt, trigger, result.detail ?? 'canceled'), by: trigger === 'merchant' ? 'merchant' : 'buyer' } }];
    case 'unknown':
      return state.status === 'unknown' ? [] : [{ type: T.outcomeUnknown, data: decision(state, attempt, trigger, result.detail ?? 'the gateway could not say') }];
    case 'failed_needs_review':
      return [{ type: T.reviewRequired, data: decision(state, attempt, trigger, result.detail ?? 'failed; needs review') }];
  }
}

function decideRefundRequest(state: PaymentState, command: Extract<PaymentCommand, { kind: 'requestRefund' }>, now: Date): DecidedEvent[] {
  if (state.refunds.some((r) => r.refundId === command.refundId)) return [];
  if (!isPaid(state.status)) throw new DomainError('PAYMENT.NOT_PAID', `a ${state.status} payment has nothing to refund`, { status: state.status });
  const inFlight = state.refunds.filter((r) => r.status === 'requested' || r.status === 'unknown' || r.status === 'pending_review');
  const reserved = inFlight.reduce((sum, r) => sum.add(r.amount), state.refunded);
  const remaining = state.captured.subtract(reserved);
  const amount = command.amount ?? remaining;
  if (amount.currency !== state.amount.currency) throw new DomainError('REFUND.INVALID_AMOUNT', `refund currency ${amount.currency} is not the payment's ${state.amount.currency}`);
  if (!amount.isPositive()) {
    if (command.amount) throw new DomainError('REFUND.INVALID_AMOUNT', 'a refund amount must be positive');
    throw new DomainError('REFUND.EXCEEDS_REMAINING', 'nothing is left to refund', { remainingMinor: remaining.amountMinor.toString(), inFlight: inFlight.length });
  }
  if (amount.compare(state.captured) > 0) {
    throw new DomainError('REFUND.EXCEEDS_CAPTURED', 'the refund is larger than the captured amount', { capturedMinor: state.captured.amountMinor.toString() });
  }
  if (amount.compare(remaining) > 0) {
    throw new DomainError('REFUND.EXCEEDS_REMAINING', 'the refund is larger than what remains', { remainingMinor: remaining.amountMinor.toString(), requestedMinor: amount.amountMinor.toString() });
  }
  if (!command.partialSupported && (!amount.equals(state.captured) || !state.refunded.isZero())) {
    throw new DomainError('REFUND.PARTIAL_NOT_SUPPORTED', `${state.gateway} refunds only the full amount`, { gateway: state.gateway, capturedMinor: state.captured.amountMinor.toString() });
  }
  return [
    {
      type: T.refundRequested,
      data: { refundId: command.refundId, paymentId: state.paymentId, gateway: state.gateway, amountMinor: amount.amountMinor.toString(), currency: amount.currency, reason: command.reason, requestedAt: now.toISOString() },
    },
  ];
}

function decideRefundResult(state: PaymentState, refundId: string, result: RefundResult): DecidedEvent[] {
  const refund = state.refunds.find((r) => r.refundId === refundId);
  if (!refund) throw new DomainError('REFUND.NOT_FOUND', `no refund ${refundId}`);
  if (refund.status === 'succeeded' || refund.status === 'failed') return [];
  switch (result.status) {
    case 'succeeded':
      return [{ type: T.refundSucceeded, data: { refundId, paymentId: state.paymentId, gateway: state.gateway, amountMinor: refund.amount.amountMinor.toString(), currency: refund.amount.currency, gatewayRefundRef: result.gatewayRefundRef } }];
    case 'failed':
      return [{ type: T.refundFailed, data: { refundId, paymentId: state.paymentId, reason: result.detail ?? 'the gateway refused the refund' } }];
    case 'unknown':
    case 'pending_review':
      if (refund.status === result.status) return [];
      return [{ type: T.refundOutcomeUnknown, data: { refundId, paymentId: state.paymentId, status: result.status, reason: result.detail ?? 'no final answer from the gateway' } }];
  }
}

function decision(state: PaymentState, attempt: AttemptState | undefined, trigger: CheckTrigger, reason?: string): Record<string, unknown> & PaymentDecisionData {
  return { paymentId: state.paymentId, gateway: state.gateway as GatewayName, reference: attempt?.reference, trigger, ...(reason ? { reason } : {}) };
}

function requireAttempt(state: PaymentState, reference: string): AttemptState {
  const attempt = findAttempt(state, reference);
  if (!attempt) throw new DomainError('PAYMENT.UNKNOWN_ATTEMPT', `payment ${state.paymentId} has no attempt ${reference}`);
  return attempt;
}
