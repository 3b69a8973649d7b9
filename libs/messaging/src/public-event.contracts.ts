import type {
  GatewayInboundReceivedData,
  GatewayRequestFailedData,
  GatewayRequestSentData,
  GatewayResponseReceivedData,
} from '@payledger/gateways';
import { INTERACTION_EVENT_TYPES } from '@payledger/gateways';
import {
  PAYMENT_EVENT_TYPES,
  PaymentAmountMismatchedData,
  PaymentAttemptCheckedData,
  PaymentAttemptCreatedData,
  PaymentAttemptCreateUncertainData,
  PaymentAttemptRefusedData,
  PaymentAttemptStartedData,
  PaymentCanceledData,
  PaymentConfirmationStartedData,
  PaymentDecisionData,
  PaymentEventType,
  PaymentInitiatedData,
  PaymentOrderIdUpdatedData,
  PaymentSucceededData,
  PAYOUT_EVENT_TYPES,
  PayoutBeneficiaryRegisteredData,
  PayoutEventType,
  PayoutRequestedData,
  PayoutSettledData,
  RefundFailedData,
  RefundOutcomeUnknownData,
  RefundRequestedData,
  RefundSucceededData,
} from '@payledger/payments';
import { nullable, ObjectType } from './public-payload.schema';

/**
 * The one place where a domain event becomes its public payload. Each contract names its payload
 * version, declares the payload (public-payload.schema.ts), maps stored data onto it, and carries the
 * example docs/events.md shows. What stays private, and why, is said per contract; the rule is: the
 * payload says what happened to money and to whom it belongs by id, not how we keep our books
 * internally (leases, retry hints, raw gateway bodies, credentials' lifetimes) and not personal data
 * beyond ids (contact details, account numbers beyond their last four digits, names).
 *
 * Absent optional values are published as `null`, so every key of a version is always present.
 * A change of shape is a new version: bump `version`, add the new shape to public-event.shapes.json
 * and keep the old one there (a published version is never edited).
 */
export interface PublicEventContract<TData = Record<string, unknown>> {
  readonly type: string;
  readonly version: number;
  readonly summary: string;
  readonly payload: ObjectType;
  toPayload(data: TData, streamId: string): Record<string, unknown>;
  /** Stored data with every optional field set. */
  readonly example: { readonly streamId: string; readonly data: TData };
  /** Stored data with every optional field left out (when the event has any). */
  readonly minimalExample?: { readonly streamId: string; readonly data: TData };
}

/** Session and anomaly events gateway adapters record through `InteractionRecorder.custom`. */
export const GATEWAY_SESSION_EVENT_TYPES = {
  tokenIssued: 'GatewayTokenIssued',
  sessionRenewed: 'GatewaySessionRenewed',
  anomalyDetected: 'GatewayAnomalyDetected',
} as const;

type InteractionEventType = (typeof INTERACTION_EVENT_TYPES)[keyof typeof INTERACTION_EVENT_TYPES];
type SessionEventType = (typeof GATEWAY_SESSION_EVENT_TYPES)[keyof typeof GATEWAY_SESSION_EVENT_TYPES];

// The stored data of every event arrives as jsonb, so each mapping tolerates a missing field (→ null)
// even where the domain type says it is always there: an event written by an older build is still published.
const orNull = <T>(value: T | undefined | null): T | null => (value === undefined ? null : value);
const amountOrNull = (value: unknown): string | null => (value === undefined || value === null ? null : String(value));
const idFromStream = (streamId: string, category: string): string | null => (streamId.startsWith(`${category}-`) ? streamId.slice(category.length + 1) : null);
const lastFour = (accountNo: string | undefined): string | null => (accountNo ? accountNo.replace(/\s+/g, '').slice(-4) : null);

function define<TData>(contract: PublicEventContract<TData>): PublicEventContract {
  return contract as unknown as PublicEventContract;
}

// ---------------------------------------------------------------------------------------------------
// Examples share one payment so docs/events.md reads as one story.
const PAYMENT_ID = 'pay_7Hq2mZrT0bVxLw4nYc9kPa';
const PAYMENT_STREAM = `payment-${PAYMENT_ID}`;
const REFERENCE = 'PL3nX9aQ7cVb2Lm8Tz4Rk1YwQe';
const REFS = { trackId: 'c5f1e9a2-77d4-4c1e-9a51-0b3f6f2d9e10', checkoutId: '66a1b2c3d4e5f60718293a4b' };

const DECISION_PAYLOAD: ObjectType = {
  paymentId: 'string',
  gateway: 'string',
  reference: 'string?',
  trigger: 'string',
  reason: 'string?',
};
function decisionPayload(data: PaymentDecisionData, streamId: string): Record<string, unknown> {
  return {
    paymentId: data.paymentId ?? idFromStream(streamId, 'payment'),
    gateway: orNull(data.gateway),
    reference: orNull(data.reference),
    trigger: orNull(data.trigger),
    reason: orNull(data.reason),
  };
}
function decisionContract(type: string, summary: string, reason: string): PublicEventContract {
  return define<PaymentDecisionData>({
    type,
    version: 1,
    summary,
    payload: DECISION_PAYLOAD,
    toPayload: decisionPayload,
    example: { streamId: PAYMENT_STREAM, data: { paymentId: PAYMENT_ID, gateway: 'mispay', reference: REFERENCE, trigger: 'webhook', reason } },
    minimalExample: { streamId: PAYMENT_STREAM, data: { paymentId: PAYMENT_ID, gateway: 'mispay', trigger: 'deadline' } },
  });
}

const PAYMENT_CONTRACTS: { readonly [K in PaymentEventType]: PublicEventContract } = {
  PaymentInitiated: define<PaymentInitiatedData>({
    type: PAYMENT_EVENT_TYPES.initiated,
    version: 1,
    summary:
      'A merchant created a payment. Customer contact details (mobile, email, names, national code) and the id of the API key stay private; `customerId` is the merchant\'s own id for the customer.',
    payload: {
      paymentId: 'string',
      gateway: 'string',
      orderId: 'string',
      amountMinor: 'amount',
      currency: 'string',
      description: 'string?',
      returnUrl: 'string',
      customerId: 'string?',
      items: nullable([{ sku: 'string?', name: 'string', quantity: 'integer', unitAmountMinor: 'amount' }]),
      breakdown: nullable({ shippingMinor: 'amount', vatMinor: 'amount', discountMinor: 'amount' }),
      metadata: 'json',
      initiatedAt: 'timestamp',
    },
    toPayload: (d) => ({
      paymentId: d.paymentId,
      gateway: d.gateway,
      orderId: d.orderId,
      amountMinor: amountOrNull(d.amountMinor),
      currency: d.currency,
      description: orNull(d.description),
      returnUrl: d.returnUrl,
      customerId: orNull(d.customer?.id),
      items: d.items ? d.items.map((i) => ({ sku: orNull(i.sku), name: i.name, quantity: i.quantity, unitAmountMinor: amountOrNull(i.unitAmountMinor) })) : null,
      breakdown: d.breakdown
        ? { shippingMinor: amountOrNull(d.breakdown.shippingMinor), vatMinor: amountOrNull(d.breakdown.vatMinor), discountMinor: amountOrNull(d.breakdown.discountMinor) }
        : null,
      metadata: orNull(d.metadata),
      initiatedAt: d.initiatedAt,
    }),
    example: {
      streamId: PAYMENT_STREAM,
      data: {
        paymentId: PAYMENT_ID,
        gateway: 'mispay',
        orderId: 'ORD-1001',
        amountMinor: '21500',
        currency: 'SAR',
        description: 'Two notebooks',
        returnUrl: 'https://shop.example/paid',
        customer: { id: 'cust-42', mobile: '0555555555', email: 'buyer@example.com', firstName: 'Sara', lastName: 'Ali' },
        items: [{ sku: 'NB-A5', name: 'Notebook A5', quantity: 2, unitAmountMinor: '10000' }],
        breakdown: { shippingMinor: '1500', vatMinor: '0', discountMinor: '0' },
        metadata: { cartId: 'cart-9' },
        merchantKeyId: 'key_3fA9',
        initiatedAt: '2026-03-01T09:00:00.000Z',
      },
    },
    minimalExample: {
      streamId: PAYMENT_STREAM,
      data: {
        paymentId: PAYMENT_ID,
        gateway: 'jibit',
        orderId: 'ORD-1002',
        amountMinor: '2000000',
        currency: 'IRR',
        returnUrl: 'https://shop.example/paid',
        customer: { mobile: '09120000000' },
        initiatedAt: '2026-03-01T09:00:00.000Z',
      },
    },
  }),
  PaymentAttemptStarted: define<PaymentAttemptStartedData>({
    type: PAYMENT_EVENT_TYPES.attemptStarted,
    version: 1,
    summary: 'An attempt (one try at the gateway, with its own `reference`) began; a retry starts attempt 2, 3 …',
    payload: { paymentId: 'string', attemptNo: 'integer', reference: 'string', orderId: 'string', amountMinor: 'amount', currency: 'string', startedAt: 'timestamp' },
    toPayload: (d) => ({
      paymentId: d.paymentId,
      attemptNo: d.attemptNo,
      reference: d.reference,
      orderId: d.orderId,
      amountMinor: amountOrNull(d.amountMinor),
      currency: d.currency,
      startedAt: d.startedAt,
    }),
    example: {
      streamId: PAYMENT_STREAM,
      data: { paymentId: PAYMENT_ID, attemptNo: 1, reference: REFERENCE, orderId: 'ORD-1001', amountMinor: '21500', currency: 'SAR', startedAt: '2026-03-01T09:00:00.000Z' },
    },
  }),
  PaymentAttemptCreated: define<PaymentAttemptCreatedData>({
    type: PAYMENT_EVENT_TYPES.attemptCreated,
    version: 1,
    summary: 'The gateway accepted the attempt. The buyer redirect (which may carry a one-time token) stays private.',
    payload: { paymentId: 'string', reference: 'string', gatewayRefs: 'string-map', expiresAt: 'timestamp?' },
    toPayload: (d, streamId) => ({ paymentId: idFromStream(streamId, 'payment'), reference: d.reference, gatewayRefs: d.refs ?? {}, expiresAt: orNull(d.expiresAt) }),
    example: {
      streamId: PAYMENT_STREAM,
      data: { reference: REFERENCE, refs: REFS, redirect: { method: 'GET', url: 'https://sandbox.example/mispay/checkout-page/…4f2a' }, expiresAt: '2026-03-02T09:00:00.000Z' },
    },
    minimalExample: { streamId: PAYMENT_STREAM, data: { reference: REFERENCE, refs: {} } },
  }),
  PaymentAttemptCreateUncertain: define<PaymentAttemptCreateUncertainData>({
    type: PAYMENT_EVENT_TYPES.attemptCreateUncertain,
    version: 1,
    summary: 'The create call got no usable answer; payledger will look the attempt up at the gateway.',
    payload: { paymentId: 'string', reference: 'string', gatewayRefs: 'string-map', reason: 'string' },
    toPayload: (d, streamId) => ({ paymentId: idFromStream(streamId, 'payment'), reference: d.reference, gatewayRefs: d.refs ?? {}, reason: d.reason }),
    example: { streamId: PAYMENT_STREAM, data: { reference: REFERENCE, refs: {}, reason: 'GATEWAY.TIMEOUT: no answer within 15000 ms' } },
  }),
  PaymentAttemptRefused: define<PaymentAttemptRefusedData>({
    type: PAYMENT_EVENT_TYPES.attemptRefused,
    version: 1,
    summary: 'The gateway refused to create the attempt.',
    payload: { paymentId: 'string', reference: 'string', code: 'string', message: 'string', gatewayCode: 'string?' },
    toPayload: (d, streamId) => ({ paymentId: idFromStream(streamId, 'payment'), reference: d.reference, code: d.code, message: d.message, gatewayCode: orNull(d.gatewayCode) }),
    example: { streamId: PAYMENT_STREAM, data: { reference: REFERENCE, code: 'GATEWAY.REJECTED', message: 'amount below the minimum', gatewayCode: 'INVALID_AMOUNT' } },
    minimalExample: { streamId: PAYMENT_STREAM, data: { reference: REFERENCE, code: 'GATEWAY.REJECTED', message: 'refused' } },
  }),
  PaymentConfirmationStarted: define<PaymentConfirmationStartedData>({
    type: PAYMENT_EVENT_TYPES.confirmationStarted,
    version: 1,
    summary: 'payledger began confirming the attempt with the gateway. The lease that keeps two instances from confirming at once stays private.',
    payload: { paymentId: 'string', reference: 'string', trigger: 'string' },
    toPayload: (d, streamId) => ({ paymentId: idFromStream(streamId, 'payment'), reference: d.reference, trigger: d.trigger }),
    example: { streamId: PAYMENT_STREAM, data: { reference: REFERENCE, trigger: 'return', leaseUntil: '2026-03-01T09:05:30.000Z' } },
  }),
  PaymentAttemptChecked: define<PaymentAttemptCheckedData>({
    type: PAYMENT_EVENT_TYPES.attemptChecked,
    version: 1,
    summary:
      'What the gateway said when payledger asked (confirm, inquire, recoverCreate, cancel); `outcome` null and `error` set when the call itself failed. The retry hint stays private.',
    payload: {
      paymentId: 'string',
      reference: 'string',
      trigger: 'string',
      operation: 'string',
      outcome: 'string?',
      gatewayStatus: 'string?',
      gatewayAmountMinor: 'amount?',
      gatewayCurrency: 'string?',
      gatewayRefs: 'string-map',
      detail: 'string?',
      error: nullable({ code: 'string', message: 'string', outcomeUncertain: 'boolean' }),
    },
    toPayload: (d, streamId) => ({
      paymentId: idFromStream(streamId, 'payment'),
      reference: d.reference,
      trigger: d.trigger,
      operation: d.operation,
      outcome: orNull(d.outcome),
      gatewayStatus: orNull(d.gatewayStatus),
      gatewayAmountMinor: amountOrNull(d.gatewayAmountMinor),
      gatewayCurrency: orNull(d.gatewayCurrency),
      gatewayRefs: d.refs ?? {},
      detail: orNull(d.detail),
      error: d.error ? { code: d.error.code, message: d.error.message, outcomeUncertain: d.error.outcomeUncertain } : null,
    }),
    example: {
      streamId: PAYMENT_STREAM,
      data: {
        reference: REFERENCE,
        trigger: 'webhook',
        operation: 'confirm',
        outcome: 'paid',
        gatewayStatus: 'success',
        gatewayAmountMinor: '21500',
        gatewayCurrency: 'SAR',
        refs: REFS,
        detail: 'end-checkout accepted',
        retryAfterMs: 5000,
        error: { code: 'GATEWAY.TIMEOUT', message: 'no answer within 15000 ms', outcomeUncertain: true },
      },
    },
    minimalExample: { streamId: PAYMENT_STREAM, data: { reference: REFERENCE, trigger: 'job', operation: 'inquire' } },
  }),
  PaymentAuthorized: decisionContract(PAYMENT_EVENT_TYPES.authorized, 'The gateway says the buyer paid; not yet confirmed, no money booked.', 'pending end-checkout'),
  PaymentSucceeded: define<PaymentSucceededData>({
    type: PAYMENT_EVENT_TYPES.succeeded,
    version: 1,
    summary: 'Confirmed with the gateway: the money is ours. `lateSuccess` is true when it overturns an earlier failed, expired or canceled outcome.',
    payload: { ...DECISION_PAYLOAD, reference: 'string', orderId: 'string', amountMinor: 'amount', currency: 'string', gatewayRefs: 'string-map', lateSuccess: 'boolean' },
    toPayload: (d, streamId) => ({
      ...decisionPayload(d, streamId),
      orderId: d.orderId,
      amountMinor: amountOrNull(d.amountMinor),
      currency: d.currency,
      gatewayRefs: d.refs ?? {},
      lateSuccess: d.lateSuccess === true,
    }),
    example: {
      streamId: PAYMENT_STREAM,
      data: {
        paymentId: PAYMENT_ID,
        gateway: 'mispay',
        reference: REFERENCE,
        trigger: 'webhook',
        reason: 'end-checkout accepted',
        orderId: 'ORD-1001',
        amountMinor: '21500',
        currency: 'SAR',
        refs: REFS,
        lateSuccess: true,
      },
    },
    minimalExample: {
      streamId: PAYMENT_STREAM,
      data: { paymentId: PAYMENT_ID, gateway: 'mispay', reference: REFERENCE, trigger: 'return', orderId: 'ORD-1001', amountMinor: '21500', currency: 'SAR', refs: {} },
    },
  }),
  PaymentFailed: decisionContract(PAYMENT_EVENT_TYPES.failed, 'The gateway says the payment failed.', 'declined by the issuer'),
  PaymentExpired: decisionContract(PAYMENT_EVENT_TYPES.expired, 'The payment ran out of time (at the gateway, or by payledger\'s deadline).', 'checkout not completed within 24 h'),
  PaymentCanceled: define<PaymentCanceledData>({
    type: PAYMENT_EVENT_TYPES.canceled,
    version: 1,
    summary: 'Given up before it was paid, by the buyer (the gateway says so) or by the merchant.',
    payload: { ...DECISION_PAYLOAD, by: 'string' },
    toPayload: (d, streamId) => ({ ...decisionPayload(d, streamId), by: d.by }),
    example: { streamId: PAYMENT_STREAM, data: { paymentId: PAYMENT_ID, gateway: 'mispay', reference: REFERENCE, trigger: 'merchant', reason: 'order withdrawn', by: 'merchant' } },
    minimalExample: { streamId: PAYMENT_STREAM, data: { paymentId: PAYMENT_ID, gateway: 'mispay', trigger: 'return', by: 'buyer' } },
  }),
  PaymentOutcomeUnknown: decisionContract(PAYMENT_EVENT_TYPES.outcomeUnknown, 'The gateway could not say; payledger keeps asking (never guesses).', 'verify timed out'),
  PaymentAmountMismatched: define<PaymentAmountMismatchedData>({
    type: PAYMENT_EVENT_TYPES.amountMismatched,
    version: 1,
    summary: 'The gateway reports another amount than was asked: not a success; a reconciliation case.',
    payload: { ...DECISION_PAYLOAD, reference: 'string', expectedMinor: 'amount', reportedMinor: 'amount?', currency: 'string' },
    toPayload: (d, streamId) => ({
      ...decisionPayload(d, streamId),
      expectedMinor: amountOrNull(d.expectedMinor),
      reportedMinor: amountOrNull(d.reportedMinor),
      currency: d.currency,
    }),
    example: {
      streamId: PAYMENT_STREAM,
      data: { paymentId: PAYMENT_ID, gateway: 'mispay', reference: REFERENCE, trigger: 'webhook', reason: 'the gateway reports another amount', expectedMinor: '21500', reportedMinor: '20000', currency: 'SAR' },
    },
    minimalExample: { streamId: PAYMENT_STREAM, data: { paymentId: PAYMENT_ID, gateway: 'mispay', reference: REFERENCE, trigger: 'webhook', expectedMinor: '21500', currency: 'SAR' } },
  }),
  PaymentReviewRequired: decisionContract(PAYMENT_EVENT_TYPES.reviewRequired, 'Failed in a way a person must look at (money may have moved).', 'reversal failed at the gateway'),
  PaymentOrderIdUpdated: define<PaymentOrderIdUpdatedData>({
    type: PAYMENT_EVENT_TYPES.orderIdUpdated,
    version: 1,
    summary: 'The merchant changed the order id of a paid payment (MIS Pay update-order-id).',
    payload: { paymentId: 'string', previousOrderId: 'string', orderId: 'string' },
    toPayload: (d) => ({ paymentId: d.paymentId, previousOrderId: d.previousOrderId, orderId: d.orderId }),
    example: { streamId: PAYMENT_STREAM, data: { paymentId: PAYMENT_ID, previousOrderId: 'ORD-1001', orderId: 'ORD-1001-B' } },
  }),
  RefundRequested: define<RefundRequestedData>({
    type: PAYMENT_EVENT_TYPES.refundRequested,
    version: 1,
    summary: 'A refund was asked for (before the gateway call).',
    payload: { refundId: 'string', paymentId: 'string', gateway: 'string', amountMinor: 'amount', currency: 'string', reason: 'string', requestedAt: 'timestamp' },
    toPayload: (d) => ({
      refundId: d.refundId,
      paymentId: d.paymentId,
      gateway: d.gateway,
      amountMinor: amountOrNull(d.amountMinor),
      currency: d.currency,
      reason: d.reason,
      requestedAt: d.requestedAt,
    }),
    example: {
      streamId: PAYMENT_STREAM,
      data: { refundId: 'ref_9aQ7cVb2Lm8Tz4Rk1YwQeP', paymentId: PAYMENT_ID, gateway: 'mispay', amountMinor: '10000', currency: 'SAR', reason: 'one notebook returned', requestedAt: '2026-03-03T10:00:00.000Z' },
    },
  }),
  RefundSucceeded: define<RefundSucceededData>({
    type: PAYMENT_EVENT_TYPES.refundSucceeded,
    version: 1,
    summary: 'The gateway refunded the money.',
    payload: { refundId: 'string', paymentId: 'string', gateway: 'string', amountMinor: 'amount', currency: 'string', gatewayRefundRef: 'string?' },
    toPayload: (d) => ({
      refundId: d.refundId,
      paymentId: d.paymentId,
      gateway: d.gateway,
      amountMinor: amountOrNull(d.amountMinor),
      currency: d.currency,
      gatewayRefundRef: orNull(d.gatewayRefundRef),
    }),
    example: { streamId: PAYMENT_STREAM, data: { refundId: 'ref_9aQ7cVb2Lm8Tz4Rk1YwQeP', paymentId: PAYMENT_ID, gateway: 'mispay', amountMinor: '10000', currency: 'SAR', gatewayRefundRef: 'RF-558201' } },
    minimalExample: { streamId: PAYMENT_STREAM, data: { refundId: 'ref_9aQ7cVb2Lm8Tz4Rk1YwQeP', paymentId: PAYMENT_ID, gateway: 'mocasa', amountMinor: '150000', currency: 'PHP' } },
  }),
  RefundFailed: define<RefundFailedData>({
    type: PAYMENT_EVENT_TYPES.refundFailed,
    version: 1,
    summary: 'The gateway refused the refund; nothing moved.',
    payload: { refundId: 'string', paymentId: 'string', reason: 'string', code: 'string?' },
    toPayload: (d) => ({ refundId: d.refundId, paymentId: d.paymentId, reason: d.reason, code: orNull(d.code) }),
    example: { streamId: PAYMENT_STREAM, data: { refundId: 'ref_9aQ7cVb2Lm8Tz4Rk1YwQeP', paymentId: PAYMENT_ID, reason: 'refund window closed', code: 'GATEWAY.REJECTED' } },
    minimalExample: { streamId: PAYMENT_STREAM, data: { refundId: 'ref_9aQ7cVb2Lm8Tz4Rk1YwQeP', paymentId: PAYMENT_ID, reason: 'the gateway refused the refund' } },
  }),
  RefundOutcomeUnknown: define<RefundOutcomeUnknownData>({
    type: PAYMENT_EVENT_TYPES.refundOutcomeUnknown,
    version: 1,
    summary: 'No final answer about the refund yet: `status` is `unknown` (payledger keeps asking) or `pending_review` (ops decide).',
    payload: { refundId: 'string', paymentId: 'string', status: 'string', reason: 'string' },
    toPayload: (d) => ({ refundId: d.refundId, paymentId: d.paymentId, status: d.status, reason: d.reason }),
    example: { streamId: PAYMENT_STREAM, data: { refundId: 'ref_9aQ7cVb2Lm8Tz4Rk1YwQeP', paymentId: PAYMENT_ID, status: 'unknown', reason: 'no final answer from the gateway' } },
  }),
};

// ---------------------------------------------------------------------------------------------------
const PAYOUT_ID = 'po_4Rk1YwQeP3nX9aQ7cVb2Lm';
const PAYOUT_STREAM = `payout-${PAYOUT_ID}`;
const PAYOUT_SETTLED_PAYLOAD: ObjectType = {
  payoutId: 'string',
  gateway: 'string',
  reference: 'string',
  amountMinor: 'amount',
  currency: 'string',
  gatewayStatus: 'string?',
  detail: 'string?',
};
function payoutSettledContract(type: string, summary: string, gatewayStatus: string): PublicEventContract {
  return define<PayoutSettledData>({
    type,
    version: 1,
    summary,
    payload: PAYOUT_SETTLED_PAYLOAD,
    toPayload: (d) => ({
      payoutId: d.payoutId,
      gateway: d.gateway,
      reference: d.reference,
      amountMinor: amountOrNull(d.amountMinor),
      currency: d.currency,
      gatewayStatus: orNull(d.gatewayStatus),
      detail: orNull(d.detail),
    }),
    example: {
      streamId: PAYOUT_STREAM,
      data: { payoutId: PAYOUT_ID, gateway: 'mocasa', reference: 'PLpo7Hq2mZrT0bVxLw4nYc9k', amountMinor: '500000', currency: 'PHP', gatewayStatus, detail: 'transfer status from the gateway' },
    },
    minimalExample: { streamId: PAYOUT_STREAM, data: { payoutId: PAYOUT_ID, gateway: 'mocasa', reference: 'PLpo7Hq2mZrT0bVxLw4nYc9k', amountMinor: '500000', currency: 'PHP' } },
  });
}

const PAYOUT_CONTRACTS: { readonly [K in PayoutEventType]: PublicEventContract } = {
  PayoutBeneficiaryRegistered: define<PayoutBeneficiaryRegisteredData>({
    type: PAYOUT_EVENT_TYPES.beneficiaryRegistered,
    version: 1,
    summary: 'A payee was registered at the gateway (Mocasa). Only the last four digits of the account number are published; the name stays private.',
    payload: { beneficiaryId: 'string', gateway: 'string', accountNoLast4: 'string?', status: 'string' },
    toPayload: (d) => ({ beneficiaryId: d.beneficiaryId, gateway: d.gateway, accountNoLast4: lastFour(d.accountNo), status: d.status }),
    example: { streamId: 'beneficiary-ben_2Lm8Tz4Rk1YwQeP3nX9aQ7', data: { beneficiaryId: 'ben_2Lm8Tz4Rk1YwQeP3nX9aQ7', gateway: 'mocasa', accountNo: '09171234567', status: 'ACTIVE', name: 'Juan Dela Cruz' } },
  }),
  PayoutRequested: define<PayoutRequestedData>({
    type: PAYOUT_EVENT_TYPES.requested,
    version: 1,
    summary: 'A payout was asked for (before the gateway call). Only the last four digits of the payee account are published.',
    payload: { payoutId: 'string', gateway: 'string', reference: 'string', amountMinor: 'amount', currency: 'string', payeeAccountNoLast4: 'string?', purpose: 'string', requestedAt: 'timestamp' },
    toPayload: (d) => ({
      payoutId: d.payoutId,
      gateway: d.gateway,
      reference: d.reference,
      amountMinor: amountOrNull(d.amountMinor),
      currency: d.currency,
      payeeAccountNoLast4: lastFour(d.payeeAccountNo),
      purpose: d.purpose,
      requestedAt: d.requestedAt,
    }),
    example: {
      streamId: PAYOUT_STREAM,
      data: {
        payoutId: PAYOUT_ID,
        gateway: 'mocasa',
        reference: 'PLpo7Hq2mZrT0bVxLw4nYc9k',
        amountMinor: '500000',
        currency: 'PHP',
        payeeAccountNo: '09171234567',
        purpose: 'seller settlement',
        requestedAt: '2026-03-04T08:00:00.000Z',
      },
    },
  }),
  PayoutTransferred: payoutSettledContract(PAYOUT_EVENT_TYPES.transferred, 'The gateway transferred the money to the payee.', 'SUCCESS'),
  PayoutFailed: payoutSettledContract(PAYOUT_EVENT_TYPES.failed, 'The transfer failed; nothing moved.', 'FAILED'),
  PayoutOutcomeUnknown: payoutSettledContract(PAYOUT_EVENT_TYPES.outcomeUnknown, 'No final answer about the transfer yet; payledger keeps asking.', 'PROCESSING'),
};

// ---------------------------------------------------------------------------------------------------
// Interactions: the facts of each exchange with a gateway. Bodies, headers and URLs stay in the event
// store (the audit record, read through the finance timeline): even redacted, they carry customer data
// and gateway internals no consumer should build on.
const REQUEST_ID = '5b0e7f3c-2a41-4d8e-9c6b-7e1f0a2d3c4b';
const INTERACTION_CONTRACTS: { readonly [K in InteractionEventType]: PublicEventContract } = {
  GatewayRequestSent: define<GatewayRequestSentData>({
    type: INTERACTION_EVENT_TYPES.requestSent,
    version: 1,
    summary: 'payledger sent a request to a gateway. `streamId` is the payment, payout or session stream it belongs to.',
    payload: { streamId: 'string', gateway: 'string', operation: 'string', requestId: 'string', attempt: 'integer', method: 'string', timeoutMs: 'integer', sentAt: 'timestamp' },
    toPayload: (d, streamId) => ({
      streamId,
      gateway: d.gateway,
      operation: d.operation,
      requestId: d.requestId,
      attempt: d.attempt,
      method: d.method,
      timeoutMs: d.timeoutMs,
      sentAt: d.sentAt,
    }),
    example: {
      streamId: PAYMENT_STREAM,
      data: {
        gateway: 'mispay',
        operation: 'startCheckout',
        requestId: REQUEST_ID,
        attempt: 1,
        method: 'POST',
        url: 'https://sandbox.example/mispay/v1/api/start-checkout',
        headers: { 'content-type': 'application/json' },
        body: { orderId: 'ORD-1001', purchaseAmount: 215 },
        timeoutMs: 15000,
        sentAt: '2026-03-01T09:00:00.120Z',
      },
    },
  }),
  GatewayResponseReceived: define<GatewayResponseReceivedData>({
    type: INTERACTION_EVENT_TYPES.responseReceived,
    version: 1,
    summary: 'The gateway answered (any HTTP status).',
    payload: { streamId: 'string', gateway: 'string', operation: 'string', requestId: 'string', attempt: 'integer', httpStatus: 'integer', latencyMs: 'integer', contentType: 'string?' },
    toPayload: (d, streamId) => ({
      streamId,
      gateway: d.gateway,
      operation: d.operation,
      requestId: d.requestId,
      attempt: d.attempt,
      httpStatus: d.httpStatus,
      latencyMs: d.latencyMs,
      contentType: orNull(d.contentType),
    }),
    example: {
      streamId: PAYMENT_STREAM,
      data: { gateway: 'mispay', operation: 'startCheckout', requestId: REQUEST_ID, attempt: 1, httpStatus: 200, latencyMs: 184, contentType: 'application/json', body: { status: 'success' } },
    },
    minimalExample: { streamId: PAYMENT_STREAM, data: { gateway: 'mispay', operation: 'startCheckout', requestId: REQUEST_ID, attempt: 1, httpStatus: 204, latencyMs: 90 } },
  }),
  GatewayRequestFailed: define<GatewayRequestFailedData>({
    type: INTERACTION_EVENT_TYPES.requestFailed,
    version: 1,
    summary: 'A request got no usable answer: `reason` is `timeout`, `network` or `malformed`.',
    payload: {
      streamId: 'string',
      gateway: 'string',
      operation: 'string',
      requestId: 'string',
      attempt: 'integer',
      reason: 'string',
      message: 'string',
      latencyMs: 'integer',
      httpStatus: 'integer?',
    },
    toPayload: (d, streamId) => ({
      streamId,
      gateway: d.gateway,
      operation: d.operation,
      requestId: d.requestId,
      attempt: d.attempt,
      reason: d.reason,
      message: d.message,
      latencyMs: d.latencyMs,
      httpStatus: orNull(d.httpStatus),
    }),
    example: {
      streamId: PAYMENT_STREAM,
      data: { gateway: 'mispay', operation: 'trackCheckout', requestId: REQUEST_ID, attempt: 2, reason: 'malformed', message: 'HTML where JSON was expected', latencyMs: 412, httpStatus: 502, body: '<html>' },
    },
    minimalExample: { streamId: PAYMENT_STREAM, data: { gateway: 'mispay', operation: 'trackCheckout', requestId: REQUEST_ID, attempt: 1, reason: 'timeout', message: 'no answer within 15000 ms', latencyMs: 15000 } },
  }),
  GatewayCallbackReceived: inboundContract(INTERACTION_EVENT_TYPES.callbackReceived, 'A buyer\'s browser came back from the gateway (a return).', 'return'),
  GatewayWebhookReceived: inboundContract(INTERACTION_EVENT_TYPES.webhookReceived, 'The gateway called payledger server to server (a webhook).', 'webhook'),
};

function inboundContract(type: string, summary: string, kind: 'return' | 'webhook'): PublicEventContract {
  return define<GatewayInboundReceivedData>({
    type,
    version: 1,
    summary: `${summary} The request as received, the source address and the dedup key stay private. Stored on the payment's stream, or on \`inbound-<gateway>\` when it names no payment of ours.`,
    payload: {
      streamId: 'string',
      gateway: 'string',
      kind: 'string',
      subject: 'string',
      accepted: 'boolean',
      authenticity: 'string',
      rejectionCode: 'string?',
      duplicate: 'boolean',
      receivedAt: 'timestamp',
    },
    toPayload: (d, streamId) => ({
      streamId,
      gateway: d.gateway,
      kind: d.kind,
      subject: d.subject,
      accepted: d.accepted,
      authenticity: d.authenticity,
      rejectionCode: orNull(d.rejectionCode),
      duplicate: d.duplicate,
      receivedAt: d.receivedAt,
    }),
    example: {
      streamId: 'inbound-mispay',
      data: {
        gateway: 'mispay',
        kind,
        subject: 'payment',
        accepted: false,
        authenticity: 'forged',
        rejectionCode: 'CALLBACK.SIGNATURE_INVALID',
        duplicate: false,
        dedupKey: 'mispay:webhook:c5f1e9a2',
        request: { query: {}, body: '…' },
        sourceIp: '203.0.113.7',
        receivedAt: '2026-03-01T09:04:10.000Z',
      },
    },
    minimalExample: {
      streamId: PAYMENT_STREAM,
      data: { gateway: 'mispay', kind, subject: 'payment', accepted: true, authenticity: 'verified', duplicate: false, request: {}, receivedAt: '2026-03-01T09:04:10.000Z' },
    },
  });
}

interface SessionEventData {
  gateway?: string;
  expiresAt?: string;
  accessExpiresAt?: string;
  refreshExpiresAt?: string;
  via?: string;
}
interface AnomalyEventData {
  gateway?: string;
  reference?: string;
  kind?: string;
  detail?: string;
}
const gatewayOfSession = (data: { gateway?: string }, streamId: string): string | null => data.gateway ?? idFromStream(streamId, 'gateway-session');

const SESSION_CONTRACTS: { readonly [K in SessionEventType]: PublicEventContract } = {
  GatewayTokenIssued: define<SessionEventData>({
    type: GATEWAY_SESSION_EVENT_TYPES.tokenIssued,
    version: 1,
    summary: 'payledger obtained a new access token from a gateway (MIS Pay, Mocasa); the token never leaves the gateway client.',
    payload: { streamId: 'string', gateway: 'string', expiresAt: 'timestamp?' },
    toPayload: (d, streamId) => ({ streamId, gateway: gatewayOfSession(d, streamId), expiresAt: orNull(d.expiresAt) }),
    example: { streamId: 'gateway-session-mispay', data: { gateway: 'mispay', expiresAt: '2026-03-01T10:00:00.000Z' } },
    minimalExample: { streamId: 'gateway-session-mocasa', data: {} },
  }),
  GatewaySessionRenewed: define<SessionEventData>({
    type: GATEWAY_SESSION_EVENT_TYPES.sessionRenewed,
    version: 1,
    summary: 'Jibit access token generated or refreshed (`via`).',
    payload: { streamId: 'string', gateway: 'string', via: 'string?', accessExpiresAt: 'timestamp?', refreshExpiresAt: 'timestamp?' },
    toPayload: (d, streamId) => ({
      streamId,
      gateway: gatewayOfSession(d, streamId),
      via: orNull(d.via),
      accessExpiresAt: orNull(d.accessExpiresAt),
      refreshExpiresAt: orNull(d.refreshExpiresAt),
    }),
    example: { streamId: 'gateway-session-jibit', data: { via: 'refresh', accessExpiresAt: '2026-03-02T09:00:00.000Z', refreshExpiresAt: '2026-03-03T09:00:00.000Z' } },
    minimalExample: { streamId: 'gateway-session-jibit', data: {} },
  }),
  GatewayAnomalyDetected: define<AnomalyEventData>({
    type: GATEWAY_SESSION_EVENT_TYPES.anomalyDetected,
    version: 1,
    summary: 'Something a gateway sent does not add up (AtiPay: another reference number or terminal than ours). The values compared stay private.',
    payload: { streamId: 'string', gateway: 'string', reference: 'string?', kind: 'string?', detail: 'string?' },
    toPayload: (d, streamId) => ({ streamId, gateway: orNull(d.gateway), reference: orNull(d.reference), kind: orNull(d.kind), detail: orNull(d.detail) }),
    example: { streamId: PAYMENT_STREAM, data: { gateway: 'atipay', reference: REFERENCE, kind: 'terminal_mismatch', detail: 'callback terminalId differs from the configured terminal' } },
    minimalExample: { streamId: PAYMENT_STREAM, data: { gateway: 'atipay' } },
  }),
};

/** Every mapped event type. The typed tables above make a new domain event type a compile error here. */
export const PUBLIC_EVENT_CONTRACTS: ReadonlyMap<string, PublicEventContract> = new Map(
  [...Object.values(PAYMENT_CONTRACTS), ...Object.values(PAYOUT_CONTRACTS), ...Object.values(INTERACTION_CONTRACTS), ...Object.values(SESSION_CONTRACTS)].map((c) => [c.type, c]),
);

/**
 * What an event without a contract is published as (a ledger or reconciliation event before its contract
 * lands, or a type a gateway adapter adds): never dropped, data as stored (secrets already redacted by
 * the store). Consumers should treat it as unstable and not build on `data`.
 */
export const GENERIC_CONTRACT: PublicEventContract<{ type: string; schemaVersion: number; data: unknown }> = {
  type: '*',
  version: 1,
  summary: 'Any event type without a contract of its own.',
  payload: { streamId: 'string', eventType: 'string', domainSchemaVersion: 'integer', data: 'json' },
  toPayload: (d, streamId) => ({ streamId, eventType: d.type, domainSchemaVersion: d.schemaVersion, data: d.data === undefined ? null : d.data }),
  example: { streamId: 'reconciliation-run_5f2a9c1e7b', data: { type: 'ReconciliationRunStarted', schemaVersion: 1, data: { gateway: 'jibit', from: '2026-03-01', to: '2026-03-02' } } },
};

export function contractFor(type: string): PublicEventContract | undefined {
  return PUBLIC_EVENT_CONTRACTS.get(type);
}
