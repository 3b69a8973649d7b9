import type { RedirectInstruction } from '@payledger/gateways';
import type { PaymentState, PayoutState } from '@payledger/payments';
import { currentAttempt } from '@payledger/payments';

/** The merchant's view of a payment: amounts as strings of minor units, times as ISO 8601. */
export function paymentView(state: PaymentState, redirect?: RedirectInstruction): Record<string, unknown> {
  const attempt = currentAttempt(state);
  return {
    id: state.paymentId,
    gateway: state.gateway,
    orderId: state.orderId,
    status: state.status,
    amountMinor: state.amount.amountMinor.toString(),
    currency: state.amount.currency,
    capturedMinor: state.captured.amountMinor.toString(),
    refundedMinor: state.refunded.amountMinor.toString(),
    description: state.description,
    returnUrl: state.returnUrl,
    redirect: redirect ?? (state.status === 'awaiting_buyer' ? attempt?.redirect : undefined),
    attempts: state.attempts.map((a) => ({
      reference: a.reference,
      attemptNo: a.attemptNo,
      outcome: a.outcome,
      gatewayStatus: a.gatewayStatus,
      refs: a.refs,
      startedAt: a.startedAt.toISOString(),
      expiresAt: a.expiresAt?.toISOString(),
    })),
    refunds: state.refunds.map((r) => refundView(state, r.refundId)),
    failureReason: state.failureReason,
    review: state.review,
    createdAt: state.createdAt.toISOString(),
    updatedAt: state.updatedAt.toISOString(),
    succeededAt: state.succeededAt?.toISOString(),
    expiresAt: attempt?.expiresAt?.toISOString(),
    metadata: state.metadata,
  };
}

export function refundView(state: PaymentState, refundId: string): Record<string, unknown> {
  const r = state.refunds.find((x) => x.refundId === refundId)!;
  return {
    id: r.refundId,
    paymentId: state.paymentId,
    amountMinor: r.amount.amountMinor.toString(),
    currency: r.amount.currency,
    // `requested` is internal: the merchant sees a refund whose answer is not in yet as unknown.
    status: r.status === 'requested' ? 'unknown' : r.status,
    reason: r.reason,
    gatewayRefundRef: r.gatewayRefundRef,
    failure: r.failure,
    createdAt: r.requestedAt.toISOString(),
    settledAt: r.settledAt?.toISOString(),
  };
}

export function payoutView(state: PayoutState): Record<string, unknown> {
  return {
    id: state.payoutId,
    gateway: state.gateway,
    reference: state.reference,
    amountMinor: state.amount.amountMinor.toString(),
    currency: state.amount.currency,
    payeeAccountNo: state.payeeAccountNo,
    purpose: state.purpose,
    status: state.status,
    gatewayStatus: state.gatewayStatus,
    detail: state.detail,
    createdAt: state.requestedAt.toISOString(),
    updatedAt: state.updatedAt.toISOString(),
  };
}
