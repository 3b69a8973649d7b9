import type { AttemptOutcome, ConfirmTrigger, Customer, GatewayName, GatewayRefs, PaymentStatus, RedirectInstruction } from '@payledger/gateways';

/**
 * The domain events of a payment (stream `payment-<paymentId>`) and of a payout (`payout-<payoutId>`).
 * Amounts are strings of integer minor units beside an ISO currency, as everywhere in JSON. A published
 * shape is never edited: a change bumps the schema version and adds an upcaster.
 *
 * Gateway interactions (request sent, response, callback received…) live in the same stream; their types
 * are in libs/gateways/src/http/interaction-events.ts.
 */
export const PAYMENT_EVENT_TYPES = {
  initiated: 'PaymentInitiated',
  attemptStarted: 'PaymentAttemptStarted',
  attemptCreated: 'PaymentAttemptCreated',
  attemptCreateUncertain: 'PaymentAttemptCreateUncertain',
  attemptRefused: 'PaymentAttemptRefused',
  confirmationStarted: 'PaymentConfirmationStarted',
  attemptChecked: 'PaymentAttemptChecked',
  authorized: 'PaymentAuthorized',
  succeeded: 'PaymentSucceeded',
  failed: 'PaymentFailed',
  expired: 'PaymentExpired',
  canceled: 'PaymentCanceled',
  outcomeUnknown: 'PaymentOutcomeUnknown',
  amountMismatched: 'PaymentAmountMismatched',
  reviewRequired: 'PaymentReviewRequired',
  orderIdUpdated: 'PaymentOrderIdUpdated',
  refundRequested: 'RefundRequested',
  refundSucceeded: 'RefundSucceeded',
  refundFailed: 'RefundFailed',
  refundOutcomeUnknown: 'RefundOutcomeUnknown',
} as const;

export const PAYOUT_EVENT_TYPES = {
  beneficiaryRegistered: 'PayoutBeneficiaryRegistered',
  requested: 'PayoutRequested',
  transferred: 'PayoutTransferred',
  failed: 'PayoutFailed',
  outcomeUnknown: 'PayoutOutcomeUnknown',
} as const;

export type PaymentEventType = (typeof PAYMENT_EVENT_TYPES)[keyof typeof PAYMENT_EVENT_TYPES];
export type PayoutEventType = (typeof PAYOUT_EVENT_TYPES)[keyof typeof PAYOUT_EVENT_TYPES];

/** What made payledger look at the gateway: the buyer's return, a webhook, a job, the deadline, ops, a merchant call. */
export type CheckTrigger = ConfirmTrigger | 'merchant';

export interface LineItemData {
  sku?: string;
  name: string;
  quantity: number;
  unitAmountMinor: string;
}

export interface PaymentInitiatedData {
  paymentId: string;
  gateway: GatewayName;
  orderId: string;
  amountMinor: string;
  currency: string;
  description?: string;
  returnUrl: string;
  customer: Customer;
  items?: LineItemData[];
  breakdown?: { shippingMinor: string; vatMinor: string; discountMinor: string };
  metadata?: Record<string, unknown>;
  /** Which API key (its public id, never the key) created it. */
  merchantKeyId?: string;
  initiatedAt: string;
}

export interface PaymentAttemptStartedData {
  paymentId: string;
  attemptNo: number;
  /** Our merchant reference for this attempt, sent to the gateway (≤ 32 chars). */
  reference: string;
  orderId: string;
  amountMinor: string;
  currency: string;
  /** Stored before the request goes out: deadlines (Jibit 15 min, MIS Pay 24 h) count from here. */
  startedAt: string;
}

export interface PaymentAttemptCreatedData {
  reference: string;
  refs: GatewayRefs;
  /** Where the buyer goes. Fields carrying a one-time token are redacted to their tail by the store. */
  redirect?: RedirectInstruction;
  expiresAt?: string;
}

export interface PaymentAttemptCreateUncertainData {
  reference: string;
  refs: GatewayRefs;
  reason: string;
}

export interface PaymentAttemptRefusedData {
  reference: string;
  code: string;
  message: string;
  gatewayCode?: string;
}

export interface PaymentConfirmationStartedData {
  reference: string;
  trigger: CheckTrigger;
  /** Another instance waits for this confirmation until then; after it, a new one may start. */
  leaseUntil: string;
}

export type CheckOperation = 'confirm' | 'inquire' | 'recoverCreate' | 'cancel';

export interface PaymentAttemptCheckedData {
  reference: string;
  trigger: CheckTrigger;
  operation: CheckOperation;
  /** Absent when the call ended in an error (see `error`). */
  outcome?: AttemptOutcome;
  gatewayStatus?: string;
  gatewayAmountMinor?: string;
  gatewayCurrency?: string;
  refs?: GatewayRefs;
  detail?: string;
  retryAfterMs?: number;
  error?: { code: string; message: string; outcomeUncertain: boolean };
}

export interface PaymentDecisionData {
  paymentId: string;
  gateway: GatewayName;
  reference?: string;
  /** What decided it: the PaymentAttemptChecked's trigger, or `merchant`/`ops`/`deadline`. */
  trigger: CheckTrigger;
  reason?: string;
}

export interface PaymentSucceededData extends PaymentDecisionData {
  reference: string;
  orderId: string;
  amountMinor: string;
  currency: string;
  refs: GatewayRefs;
  /** True when an earlier failed/expired outcome is overturned by the gateway (AtiPay D7 late OK). */
  lateSuccess?: boolean;
}

export interface PaymentCanceledData extends PaymentDecisionData {
  by: 'buyer' | 'merchant';
}

export interface PaymentAmountMismatchedData extends PaymentDecisionData {
  reference: string;
  expectedMinor: string;
  reportedMinor?: string;
  currency: string;
}

export interface PaymentOrderIdUpdatedData {
  paymentId: string;
  previousOrderId: string;
  orderId: string;
  /** The paid attempt and the refs the gateway now knows it by (MIS Pay: its order id), so later calls name it right. */
  reference?: string;
  refs?: GatewayRefs;
}

export type RefundStatus = 'requested' | 'succeeded' | 'failed' | 'unknown' | 'pending_review';

export interface RefundRequestedData {
  refundId: string;
  paymentId: string;
  gateway: GatewayName;
  amountMinor: string;
  currency: string;
  reason: string;
  requestedAt: string;
}

export interface RefundSucceededData {
  refundId: string;
  paymentId: string;
  gateway: GatewayName;
  amountMinor: string;
  currency: string;
  gatewayRefundRef?: string;
}

export interface RefundFailedData {
  refundId: string;
  paymentId: string;
  reason: string;
  code?: string;
}

export interface RefundOutcomeUnknownData {
  refundId: string;
  paymentId: string;
  status: 'unknown' | 'pending_review';
  reason: string;
}

export interface PayoutBeneficiaryRegisteredData {
  beneficiaryId: string;
  gateway: GatewayName;
  accountNo: string;
  status: string;
  name: string;
}

export interface PayoutRequestedData {
  payoutId: string;
  gateway: GatewayName;
  reference: string;
  amountMinor: string;
  currency: string;
  payeeAccountNo: string;
  purpose: string;
  requestedAt: string;
}

export interface PayoutSettledData {
  payoutId: string;
  gateway: GatewayName;
  reference: string;
  amountMinor: string;
  currency: string;
  gatewayStatus?: string;
  detail?: string;
}

export type { PaymentStatus };

/** Every event type that changes what money the merchant holds (the ledger posts these). */
export const MONEY_MOVING_EVENT_TYPES: readonly string[] = [PAYMENT_EVENT_TYPES.succeeded, PAYMENT_EVENT_TYPES.refundSucceeded, PAYOUT_EVENT_TYPES.transferred];

export function paymentStreamId(paymentId: string): string {
  return `payment-${paymentId}`;
}

export function payoutStreamId(payoutId: string): string {
  return `payout-${payoutId}`;
}
