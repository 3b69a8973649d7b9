import type { AttemptOutcome, AttemptSnapshot, Customer, GatewayName, GatewayRefs, PaymentStatus, RedirectInstruction } from '@payledger/gateways';
import { Money } from '@payledger/kernel';
import {
  LineItemData,
  PAYMENT_EVENT_TYPES as T,
  PaymentAmountMismatchedData,
  PaymentAttemptCheckedData,
  PaymentAttemptCreatedData,
  PaymentAttemptCreateUncertainData,
  PaymentAttemptRefusedData,
  PaymentAttemptStartedData,
  PaymentConfirmationStartedData,
  PaymentInitiatedData,
  PaymentOrderIdUpdatedData,
  PaymentSucceededData,
  RefundFailedData,
  RefundOutcomeUnknownData,
  RefundRequestedData,
  RefundStatus,
  RefundSucceededData,
} from './payment.events';

export interface AttemptState {
  attemptNo: number;
  reference: string;
  startedAt: Date;
  outcome: AttemptOutcome | 'initiated';
  refs: GatewayRefs;
  redirect?: RedirectInstruction;
  expiresAt?: Date;
  lastCheckedAt?: Date;
  gatewayStatus?: string;
}

export interface RefundState {
  refundId: string;
  amount: Money;
  status: RefundStatus;
  reason: string;
  requestedAt: Date;
  settledAt?: Date;
  gatewayRefundRef?: string;
  failure?: string;
}

export interface PaymentState {
  paymentId: string;
  gateway: GatewayName;
  orderId: string;
  amount: Money;
  description?: string;
  returnUrl: string;
  customer: Customer;
  items?: LineItemData[];
  breakdown?: PaymentInitiatedData['breakdown'];
  metadata?: Record<string, unknown>;
  status: PaymentStatus;
  attempts: AttemptState[];
  refunds: RefundState[];
  captured: Money;
  refunded: Money;
  /** A confirmation some instance is running now, and until when it holds the payment. */
  confirmation?: { reference: string; trigger: string; leaseUntil: Date };
  /** Inbound notices already handled, by the adapter's dedup key. */
  seenNotices: Set<string>;
  /** Why the payment waits for ops (amount mismatch, failed_needs_review), when it does. */
  review?: string;
  failureReason?: string;
  createdAt: Date;
  updatedAt: Date;
  succeededAt?: Date;
  /** Stream version after the last event applied. */
  version: number;
}

/** The shape evolve needs: a stored event's type, data and timestamps. */
export interface PaymentEventLike {
  type: string;
  data: unknown;
  occurredAt: Date;
  metadata?: Record<string, unknown>;
}

const FINAL_STATUSES: ReadonlySet<PaymentStatus> = new Set(['succeeded', 'failed', 'expired', 'canceled', 'partially_refunded', 'refunded']);
const PAID_STATUSES: ReadonlySet<PaymentStatus> = new Set(['succeeded', 'partially_refunded', 'refunded']);

export function isFinal(status: PaymentStatus): boolean {
  return FINAL_STATUSES.has(status);
}

export function isPaid(status: PaymentStatus): boolean {
  return PAID_STATUSES.has(status);
}

export function currentAttempt(state: PaymentState): AttemptState | undefined {
  return state.attempts[state.attempts.length - 1];
}

export function findAttempt(state: PaymentState, reference: string): AttemptState | undefined {
  return state.attempts.find((a) => a.reference === reference);
}

/** What an adapter needs to know about an attempt. */
export function attemptSnapshot(state: PaymentState, attempt: AttemptState): AttemptSnapshot {
  return {
    reference: attempt.reference,
    paymentId: state.paymentId,
    amount: state.amount,
    createdAt: attempt.startedAt,
    outcome: attempt.outcome === 'initiated' ? 'create_unknown' : attempt.outcome,
    refs: attempt.refs,
    orderId: state.orderId,
  };
}

/** Events of other kinds (gateway interactions) pass through untouched apart from the version. */
export function evolve(state: PaymentState | undefined, event: PaymentEventLike): PaymentState | undefined {
  if (event.type === T.initiated) return initial(event.data as PaymentInitiatedData, event.occurredAt);
  if (!state) return state;
  const next: PaymentState = { ...state, version: state.version + 1, updatedAt: event.occurredAt };
  const data = event.data as Record<string, unknown>;
  switch (event.type) {
    case T.attemptStarted: {
      const d = data as unknown as PaymentAttemptStartedData;
      next.attempts = [...state.attempts, { attemptNo: d.attemptNo, reference: d.reference, startedAt: new Date(d.startedAt), outcome: 'initiated', refs: {} }];
      next.orderId = d.orderId;
      next.status = 'initiated';
      next.failureReason = undefined;
      next.review = undefined;
      break;
    }
    case T.attemptCreated: {
      const d = data as unknown as PaymentAttemptCreatedData;
      next.attempts = patchAttempt(state, d.reference, (a) => ({ ...a, outcome: 'pending', refs: { ...a.refs, ...d.refs }, redirect: d.redirect, expiresAt: d.expiresAt ? new Date(d.expiresAt) : undefined }));
      next.status = 'awaiting_buyer';
      break;
    }
    case T.attemptCreateUncertain: {
      const d = data as unknown as PaymentAttemptCreateUncertainData;
      next.attempts = patchAttempt(state, d.reference, (a) => ({ ...a, outcome: 'create_unknown', refs: { ...a.refs, ...d.refs } }));
      next.status = 'unknown';
      break;
    }
    case T.attemptRefused: {
      const d = data as unknown as PaymentAttemptRefusedData;
      next.attempts = patchAttempt(state, d.reference, (a) => ({ ...a, outcome: 'failed' }));
      next.status = 'failed';
      next.failureReason = d.code;
      break;
    }
    case T.confirmationStarted: {
      const d = data as unknown as PaymentConfirmationStartedData;
      next.confirmation = { reference: d.reference, trigger: d.trigger, leaseUntil: new Date(d.leaseUntil) };
      break;
    }
    case T.attemptChecked: {
      const d = data as unknown as PaymentAttemptCheckedData;
      next.confirmation = undefined;
      next.attempts = patchAttempt(state, d.reference, (a) => ({
        ...a,
        refs: { ...a.refs, ...(d.refs ?? {}) },
        lastCheckedAt: event.occurredAt,
        gatewayStatus: d.gatewayStatus ?? a.gatewayStatus,
        // A pending answer about a create we were unsure of means the gateway has it after all.
        outcome: d.outcome === 'pending' && (a.outcome === 'create_unknown' || a.outcome === 'initiated') ? 'pending' : a.outcome,
      }));
      if (d.outcome === 'pending' && (state.status === 'unknown' || state.status === 'initiated') && !state.review) next.status = 'awaiting_buyer';
      break;
    }
    case T.authorized:
      next.attempts = patchAttempt(state, refOf(data), (a) => ({ ...a, outcome: 'authorized' }));
      next.status = 'authorized';
      break;
    case T.succeeded: {
      const d = data as unknown as PaymentSucceededData;
      next.attempts = patchAttempt(state, d.reference, (a) => ({ ...a, outcome: 'paid', refs: { ...a.refs, ...d.refs } }));
      next.status = 'succeeded';
      next.captured = Money.of(d.amountMinor, d.currency);
      next.succeededAt = event.occurredAt;
      next.failureReason = undefined;
      next.review = undefined;
      break;
    }
    case T.failed:
      next.attempts = patchAttempt(state, refOf(data), (a) => ({ ...a, outcome: 'failed' }));
      next.status = 'failed';
      next.failureReason = (data.reason as string | undefined) ?? 'failed';
      break;
    case T.expired:
      next.attempts = patchAttempt(state, refOf(data), (a) => ({ ...a, outcome: 'expired' }));
      next.status = 'expired';
      next.failureReason = (data.reason as string | undefined) ?? 'expired';
      break;
    case T.canceled:
      next.attempts = patchAttempt(state, refOf(data), (a) => ({ ...a, outcome: 'canceled' }));
      next.status = 'canceled';
      break;
    case T.outcomeUnknown:
      next.attempts = patchAttempt(state, refOf(data), (a) => ({ ...a, outcome: 'unknown' }));
      next.status = 'unknown';
      break;
    case T.amountMismatched: {
      const d = data as unknown as PaymentAmountMismatchedData;
      next.attempts = patchAttempt(state, d.reference, (a) => ({ ...a, outcome: 'amount_mismatch' }));
      next.status = 'unknown';
      next.review = 'PAYMENT.AMOUNT_MISMATCH';
      break;
    }
    case T.reviewRequired:
      next.attempts = patchAttempt(state, refOf(data), (a) => ({ ...a, outcome: 'failed_needs_review' }));
      next.status = 'unknown';
      next.review = (data.reason as string | undefined) ?? 'review required';
      break;
    case T.orderIdUpdated: {
      const d = data as unknown as PaymentOrderIdUpdatedData;
      next.orderId = d.orderId;
      if (d.refs) next.attempts = patchAttempt(state, d.reference, (a) => ({ ...a, refs: { ...a.refs, ...d.refs } }));
      break;
    }
    case T.refundRequested: {
      const d = data as unknown as RefundRequestedData;
      next.refunds = [...state.refunds, { refundId: d.refundId, amount: Money.of(d.amountMinor, d.currency), status: 'requested', reason: d.reason, requestedAt: new Date(d.requestedAt) }];
      break;
    }
    case T.refundSucceeded: {
      const d = data as unknown as RefundSucceededData;
      const amount = Money.of(d.amountMinor, d.currency);
      next.refunds = patchRefund(state, d.refundId, (r) => ({ ...r, status: 'succeeded', amount, settledAt: event.occurredAt, gatewayRefundRef: d.gatewayRefundRef }));
      next.refunded = state.refunded.add(amount);
      next.status = next.refunded.compare(state.captured) >= 0 ? 'refunded' : 'partially_refunded';
      break;
    }
    case T.refundFailed: {
      const d = data as unknown as RefundFailedData;
      next.refunds = patchRefund(state, d.refundId, (r) => ({ ...r, status: 'failed', settledAt: event.occurredAt, failure: d.reason }));
      break;
    }
    case T.refundOutcomeUnknown: {
      const d = data as unknown as RefundOutcomeUnknownData;
      next.refunds = patchRefund(state, d.refundId, (r) => ({ ...r, status: d.status, failure: d.reason }));
      break;
    }
    default: {
      const dedupKey = (data as { dedupKey?: unknown } | undefined)?.dedupKey;
      if ((event.type === 'GatewayCallbackReceived' || event.type === 'GatewayWebhookReceived') && typeof dedupKey === 'string' && (data as { accepted?: boolean }).accepted) {
        next.seenNotices = new Set([...state.seenNotices, dedupKey]);
      }
    }
  }
  return next;
}

export function foldPayment(events: readonly PaymentEventLike[]): PaymentState | undefined {
  let state: PaymentState | undefined;
  for (const event of events) state = evolve(state, event);
  return state;
}

function initial(d: PaymentInitiatedData, at: Date): PaymentState {
  const amount = Money.of(d.amountMinor, d.currency);
  return {
    paymentId: d.paymentId,
    gateway: d.gateway,
    orderId: d.orderId,
    amount,
    description: d.description,
    returnUrl: d.returnUrl,
    customer: d.customer,
    items: d.items,
    breakdown: d.breakdown,
    metadata: d.metadata,
    status: 'initiated',
    attempts: [],
    refunds: [],
    captured: Money.zero(d.currency),
    refunded: Money.zero(d.currency),
    seenNotices: new Set(),
    createdAt: new Date(d.initiatedAt ?? at),
    updatedAt: at,
    version: 1,
  };
}

function refOf(data: Record<string, unknown>): string | undefined {
  return typeof data.reference === 'string' ? data.reference : undefined;
}

function patchAttempt(state: PaymentState, reference: string | undefined, patch: (a: AttemptState) => AttemptState): AttemptState[] {
  const target = reference ?? currentAttempt(state)?.reference;
  return state.attempts.map((a) => (a.reference === target ? patch(a) : a));
}

function patchRefund(state: PaymentState, refundId: string, patch: (r: RefundState) => RefundState): RefundState[] {
  return state.refunds.map((r) => (r.refundId === refundId ? patch(r) : r));
}
