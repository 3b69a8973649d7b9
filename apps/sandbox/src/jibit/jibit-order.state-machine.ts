import type { CreateOrderFields, JibitSimCurrency } from './jibit-order.validation';
import type { JibitScenario } from './jibit.scenario';

/** Inquiry statuses (§3.7). */
export type JibitSimOrderStatus = 'IN_PROGRESS' | 'SUCCESS' | 'FAILED' | 'EXPIRED' | 'UNKNOWN';
export const JIBIT_SIM_ORDER_STATUSES: readonly JibitSimOrderStatus[] = ['IN_PROGRESS', 'SUCCESS', 'FAILED', 'EXPIRED', 'UNKNOWN'];
/** Verify replies (§3.6). */
export type JibitSimVerifyStatus = 'Successful' | 'Failed' | 'Unknown';
/** What the buyer does on the payment page. */
export type BuyerAction = 'pay' | 'cancel' | 'fail' | 'abandon';
export const BUYER_ACTIONS: readonly BuyerAction[] = ['pay', 'cancel', 'fail', 'abandon'];
/** Callback `state` values the simulator sends (§4). */
export type CallbackState = 'SUCCESSFUL' | 'FAILED';

export interface JibitSimOrder extends CreateOrderFields {
  orderIdentifier: string;
  status: JibitSimOrderStatus;
  /** The buyer paid at the PSP; until our verify the inquiry still says IN_PROGRESS. */
  paid: boolean;
  createdAtMs: number;
  modifiedAtMs: number;
  /** The 15-minute verify deadline (§5), configurable. */
  deadlineAtMs: number;
  scenario?: JibitScenario;
  payerCard?: string;
  initPayerIp?: string;
  redirectPayerIp?: string;
  /** An UNKNOWN order settles here, ignoring the 15-minute expiry. */
  resolveAtMs?: number;
  resolution?: 'SUCCESS' | 'FAILED';
  /** The resolution is on the sandbox clock's schedule. */
  resolveScheduled?: boolean;
  /** Buyer-page action taken, for the state view. */
  buyerAction?: BuyerAction;
}

/** The document's sample `expirationDate` is three hours after `createdAt` (§3.7); the verify rule is 15 minutes regardless. */
export const EXPIRATION_DATE_OFFSET_MS = 3 * 60 * 60 * 1000;
export const RIALS_PER_TOMAN = 10;

export function newOrder(fields: CreateOrderFields, orderIdentifier: string, nowMs: number, expiryMs: number, scenario?: JibitScenario): JibitSimOrder {
  return {
    ...fields,
    orderIdentifier,
    status: 'IN_PROGRESS',
    paid: false,
    createdAtMs: nowMs,
    modifiedAtMs: nowMs,
    deadlineAtMs: nowMs + expiryMs,
    scenario,
  };
}

/**
 * Brings the order up to `nowMs`: an UNKNOWN order resolves once `resolveAtMs` passed; an unverified
 * order (paid or not) expires at the deadline, a paid one being reversed by the PSP.
 * Returns true when something changed.
 */
export function settleDue(order: JibitSimOrder, nowMs: number): boolean {
  if (order.status === 'UNKNOWN' && order.resolveAtMs !== undefined && nowMs >= order.resolveAtMs) {
    order.status = order.resolution ?? 'FAILED';
    order.modifiedAtMs = order.resolveAtMs;
    return true;
  }
  if (order.status === 'IN_PROGRESS' && nowMs >= order.deadlineAtMs) {
    order.status = 'EXPIRED';
    order.modifiedAtMs = order.deadlineAtMs;
    return true;
  }
  return false;
}

/** True when the buyer can still act on the payment page. */
export function isPayable(order: JibitSimOrder, nowMs: number): boolean {
  settleDue(order, nowMs);
  return order.status === 'IN_PROGRESS' && !order.paid && order.buyerAction === undefined;
}

/**
 * The buyer's choice on the payment page. Returns the callback state to send, or undefined when the
 * buyer leaves without coming back (abandon).
 */
export function applyBuyerAction(order: JibitSimOrder, action: BuyerAction, nowMs: number, card: { lastFour: string }): CallbackState | undefined {
  order.buyerAction = action;
  order.modifiedAtMs = nowMs;
  switch (action) {
    case 'pay':
      order.paid = true;
      order.payerCard = maskedCard(order.payerCardNumber, card.lastFour);
      return 'SUCCESSFUL';
    case 'fail':
      order.status = 'FAILED';
      order.payerCard = maskedCard(order.payerCardNumber, card.lastFour);
      return 'FAILED';
    case 'cancel':
      order.status = 'FAILED';
      return 'FAILED';
    case 'abandon':
      return undefined;
  }
}

/**
 * Verify semantics of §7: unpaid before the deadline → Failed (the buyer may still pay); paid and
 * unverified → Successful and SUCCESS, or Unknown for an unknown-then-* scenario; SUCCESS is idempotent;
 * FAILED and EXPIRED → Failed. An UNKNOWN order keeps answering Unknown until it resolves.
 */
export function verifyOrder(order: JibitSimOrder, nowMs: number, resolveAfterMs: number): JibitSimVerifyStatus {
  settleDue(order, nowMs);
  switch (order.status) {
    case 'SUCCESS':
      return 'Successful';
    case 'FAILED':
    case 'EXPIRED':
      return 'Failed';
    case 'UNKNOWN':
      return 'Unknown';
    case 'IN_PROGRESS': {
      if (!order.paid) return 'Failed';
      const outcome = order.scenario?.outcome;
      if (outcome === 'unknown-then-pay' || outcome === 'unknown-then-fail') {
        order.status = 'UNKNOWN';
        order.resolution = outcome === 'unknown-then-pay' ? 'SUCCESS' : 'FAILED';
        order.resolveAtMs = nowMs + (order.scenario?.resolveAfterMs ?? resolveAfterMs);
        order.modifiedAtMs = nowMs;
        return 'Unknown';
      }
      order.status = 'SUCCESS';
      order.modifiedAtMs = nowMs;
      return 'Successful';
    }
  }
}

/** The amount the order reports: `wrongAmount` scenarios add their delta (in the order's currency). */
export function reportedAmount(order: JibitSimOrder): number {
  return order.amount + (order.scenario?.wrongAmount ?? 0);
}

/** The callback's `amount` is always in rials (§4). */
export function callbackAmountRials(order: JibitSimOrder): number {
  return reportedAmount(order) * (order.currency === 'TOMAN' ? RIALS_PER_TOMAN : 1);
}

/** The §3.7 order object. */
export function inquiryView(order: JibitSimOrder): Record<string, unknown> {
  return {
    // §3.7 calls `id` the "hashed order identifier"; it is the identifier the paths use, so a merchant that
    // lost a create reply can find its order in the list and adopt it (D6).
    id: order.orderIdentifier,
    amount: reportedAmount(order),
    currency: order.currency,
    referenceNumber: order.referenceNumber,
    userIdentifier: order.userIdentifier,
    callbackUrl: order.callbackUrl,
    description: order.description,
    additionalData: order.additionalData,
    status: order.status,
    initPayerIp: order.initPayerIp,
    redirectPayerIp: order.redirectPayerIp,
    createdAt: microsIso(order.createdAtMs),
    modifiedAt: microsIso(order.modifiedAtMs),
    expirationDate: microsIso(order.createdAtMs + EXPIRATION_DATE_OFFSET_MS),
    payerCard: order.payerCard,
    nationalCode: order.nationalCode,
  };
}

/** Jibit writes timestamps with microseconds (`2020-06-10T15:50:55.247079Z`). */
export function microsIso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/** Appends the callback parameters after whatever query the merchant's URL already carries (§4). */
export function callbackLocation(callbackUrl: string, params: Record<string, string>): string {
  const hashIndex = callbackUrl.indexOf('#');
  const base = hashIndex >= 0 ? callbackUrl.slice(0, hashIndex) : callbackUrl;
  const fragment = hashIndex >= 0 ? callbackUrl.slice(hashIndex) : '';
  const query = new URLSearchParams(params).toString();
  const separator = !base.includes('?') ? '?' : base.endsWith('?') || base.endsWith('&') ? '' : '&';
  return `${base}${separator}${query}${fragment}`;
}

function maskedCard(payerCardNumber: string | undefined, lastFour: string): string {
  const digits = payerCardNumber?.replace(/\D/g, '') ?? '';
  if (digits.length >= 16) return `${digits.slice(0, 6)}******${digits.slice(-4)}`;
  return `603799******${lastFour}`;
}

export type { JibitSimCurrency };
