import { Money } from '@payledger/kernel';
import type { InteractionRecorder } from '../http/interaction-recorder';

export const GATEWAY_NAMES = ['jibit', 'atipay', 'mispay', 'mocasa', 'alqaseh'] as const;
export type GatewayName = (typeof GATEWAY_NAMES)[number];

export function isGatewayName(value: unknown): value is GatewayName {
  return typeof value === 'string' && (GATEWAY_NAMES as readonly string[]).includes(value);
}

/**
 * The outcome of one attempt, in the vocabulary of shared/gateways/*.md. The payment's canonical status
 * follows its latest attempt (see attemptOutcomeToPaymentStatus).
 */
export const ATTEMPT_OUTCOMES = [
  'pending',
  'authorized',
  'paid',
  'failed',
  'expired',
  'canceled',
  'unknown',
  'create_unknown',
  'amount_mismatch',
  'failed_needs_review',
] as const;
export type AttemptOutcome = (typeof ATTEMPT_OUTCOMES)[number];

/** Outcomes no automatic process moves on from (ops may, through a resolution). */
export const FINAL_ATTEMPT_OUTCOMES: ReadonlySet<AttemptOutcome> = new Set(['paid', 'failed', 'expired', 'canceled', 'amount_mismatch', 'failed_needs_review']);

/** Gateway-side identifiers of an attempt: Jibit orderIdentifier, MIS Pay trackId/checkoutId, Al Qaseh payment_id… */
export type GatewayRefs = Record<string, string>;

/** What the payment knows about one attempt; adapters hold no state of their own beyond tokens. */
export interface AttemptSnapshot {
  /** Our merchant reference for this attempt: unique, at most 32 characters of [A-Za-z0-9-]. */
  reference: string;
  paymentId: string;
  amount: Money;
  /** When we sent the create (Jibit's 15-minute rule and MIS Pay's 24 h count from here). */
  createdAt: Date;
  outcome: AttemptOutcome;
  refs: GatewayRefs;
  /** Merchant's order id (MIS Pay refunds use the current one, Al Qaseh shows it). */
  orderId: string;
}

export interface Customer {
  id?: string;
  mobile?: string;
  email?: string;
  firstName?: string;
  lastName?: string;
  nationalCode?: string;
}

export interface LineItem {
  sku?: string;
  name: string;
  quantity: number;
  unitAmount: Money;
}

export interface StartPaymentInput {
  paymentId: string;
  reference: string;
  orderId: string;
  amount: Money;
  description?: string;
  customer: Customer;
  items?: LineItem[];
  breakdown?: { shipping: Money; vat: Money; discount: Money };
  lang?: string;
}

export interface RedirectInstruction {
  method: 'GET' | 'POST';
  url: string;
  fields?: Record<string, string>;
}

export interface StartPaymentResult {
  /** `pending`: created, send the buyer. `create_unknown`: no answer, look it up (recoverCreate). `failed`: refused or lost. */
  outcome: 'pending' | 'create_unknown' | 'failed';
  redirect?: RedirectInstruction;
  refs: GatewayRefs;
  expiresAt?: Date;
  failure?: { code: string; message: string; gatewayCode?: string };
}

/** An inbound HTTP request from a buyer's browser (return) or a gateway's server (webhook), as received. */
export interface InboundRequest {
  kind: 'return' | 'webhook';
  method: string;
  /** Lower-case header names. */
  headers: Record<string, string | undefined>;
  query: Record<string, string | string[] | undefined>;
  /** Parsed body (JSON object or form fields), undefined when none. */
  body: unknown;
  rawBody?: string;
  sourceIp?: string;
  receivedAt: Date;
}

export const CALLBACK_ERROR_CODES = [
  'CALLBACK.INVALID',
  'CALLBACK.UNKNOWN_REFERENCE',
  'CALLBACK.SIGNATURE_INVALID',
  'CALLBACK.SOURCE_REFUSED',
  'CALLBACK.METHOD_NOT_ALLOWED',
] as const;
export type CallbackErrorCode = (typeof CALLBACK_ERROR_CODES)[number];

/**
 * What the adapter makes of an inbound request before anyone trusts it. Parsing and authenticity only:
 * no network. The caller finds the attempt by `lookup` (unknown → CALLBACK.UNKNOWN_REFERENCE).
 */
export interface InboundVerdict {
  accepted: boolean;
  /** Set when not accepted. */
  rejection?: { code: CallbackErrorCode; message: string };
  /** `verified`: a signature or cipher proved it. `unauthenticated`: the gateway offers no proof. `forged`: proof failed. */
  authenticity: 'verified' | 'unauthenticated' | 'forged' | 'not_checked';
  /** How to find the attempt: a ref name of AttemptSnapshot.refs, or `reference` for our own reference. */
  lookup?: { by: string; value: string };
  /** What the request claims; recorded, never trusted for money. */
  claimed?: { outcome?: AttemptOutcome; status?: string; amount?: Money };
  /** Refs the request teaches us (AtiPay referenceNumber/terminalId, MIS Pay checkoutId). */
  refs?: GatewayRefs;
  /** Same key = the same notice again (a duplicate or replay). */
  dedupKey?: string;
  /** What this notice is about. */
  subject: 'payment' | 'refund' | 'payout';
  /** The request as it may be stored: redacted, with decrypted content where the gateway encrypts. */
  recorded: Record<string, unknown>;
}

export type ConfirmTrigger = 'return' | 'webhook' | 'job' | 'deadline' | 'ops';

export interface ConfirmInput {
  trigger: ConfirmTrigger;
  /** The accepted inbound verdict that caused this confirmation, when there is one. */
  inbound?: InboundVerdict;
}

/** A gateway's answer about an attempt, after every API call the spec requires (verify, inquiry, end, re-query). */
export interface ConfirmResult {
  outcome: AttemptOutcome;
  /** The amount the gateway reports, when it reports one. */
  gatewayAmount?: Money;
  /** The gateway's own status text, for the record. */
  gatewayStatus?: string;
  refs?: GatewayRefs;
  /** Why, in a few words (`verify Successful, inquiry SUCCESS`). */
  detail?: string;
  /** When the gateway should be asked again, if it should. */
  retryAfterMs?: number;
}

export interface RefundInput {
  refundId: string;
  amount: Money;
  /** Already refunded before this one (MIS Pay checks the purchase total). */
  refundedBefore: Money;
  reason?: string;
}

export interface RefundResult {
  status: 'succeeded' | 'failed' | 'unknown' | 'pending_review';
  gatewayRefundRef?: string;
  /** What the gateway says is left of the purchase, when it says. */
  remaining?: Money;
  detail?: string;
}

export interface CancelResult {
  outcome: AttemptOutcome;
  refs?: GatewayRefs;
  detail?: string;
}

/** One row of a gateway's own records, for reconciliation. */
export interface GatewayRecord {
  reference: string;
  refs: GatewayRefs;
  amount?: Money;
  outcome: AttemptOutcome;
  gatewayStatus: string;
  createdAt?: Date;
}

export interface RecordPage {
  records: GatewayRecord[];
  /** Opaque; absent on the last page. */
  nextCursor?: string;
}

export interface BeneficiaryInput {
  beneficiaryId: string;
  idType: string;
  idNo: string;
  name: string;
  phone?: string;
  email?: string;
  businessLicense: string;
  businessScope?: string;
  shopName: string;
  shopAddress?: string;
}

export interface BeneficiaryResult {
  accountNo: string;
  status: string;
}

export interface TransferInput {
  payoutId: string;
  /** Our transfer serial: unique, never reused for a different transfer. */
  reference: string;
  amount: Money;
  payeeAccountNo: string;
  purpose: string;
}

export interface TransferResult {
  status: 'succeeded' | 'failed' | 'unknown';
  gatewayStatus?: string;
  detail?: string;
}

export interface GatewayCallContext {
  recorder: InteractionRecorder;
  correlationId?: string;
}

export type GatewayOperation =
  | 'startPayment'
  | 'recoverCreate'
  | 'confirm'
  | 'inquire'
  | 'refund'
  | 'partialRefund'
  | 'cancel'
  | 'retry'
  | 'updateOrderId'
  | 'listRecords'
  | 'payouts';

export type GatewayCapabilities = Readonly<Record<GatewayOperation, boolean>> & {
  /** Where the buyer returns and which server-to-server notices exist. */
  readonly inbound: { return: boolean; webhook: boolean };
  readonly currency: 'IRR' | 'SAR' | 'PHP' | 'IQD';
};
