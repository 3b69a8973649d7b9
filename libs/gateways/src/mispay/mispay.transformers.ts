import { Money } from '@payledger/kernel';
import { GatewayError } from '../port/gateway-error';
import { AttemptOutcome, AttemptSnapshot, LineItem, RefundInput, StartPaymentInput } from '../port/gateway.types';
import { ITEMS_MAX, LANG_DEFAULT, MISPAY_CURRENCY, ORDER_ID_PATTERN, SCHEMA_VERSION, TOKEN_LIFETIME_FALLBACK_MS } from './mispay.config';
import {
  MispayCallbackPayload,
  MispayItem,
  MispayRefundRequest,
  MispayStartCheckoutRequest,
  MispayStartCheckoutResult,
  MispayTokenPayload,
  MispayWebhookPayload,
} from './mispay.types';

/**
 * Pure mapping between MIS Pay's wire formats and payledger's canonical types. No I/O; the only place
 * that knows how MIS Pay writes money, statuses, codes and envelopes.
 */

// ───── money ─────

/** Plain decimal text with at most two decimals: no sign, exponent, or empty value. */
const WIRE_DECIMAL = /^\d{1,15}(?:\.\d{1,2})?$/;

/** Minor units → `"200.00"`. Only SAR exists at MIS Pay. */
export function toWireAmount(money: Money): string {
  if (money.currency !== MISPAY_CURRENCY) throw new RangeError(`MIS Pay amounts are SAR, not ${money.currency}`);
  return money.toDecimalString();
}

/**
 * A wire amount (decimal string, or a JSON number turned into text with String(n), its shortest
 * round-trip form) → Money; undefined for anything that is not plain decimal text. Never rounds.
 */
export function fromWireAmount(value: unknown, currency: string = MISPAY_CURRENCY): Money | undefined {
  let text: string;
  if (typeof value === 'string') text = value.trim();
  else if (typeof value === 'number' && Number.isFinite(value)) text = String(value);
  else return undefined;
  if (!WIRE_DECIMAL.test(text) || currency !== MISPAY_CURRENCY) return undefined;
  return Money.parse(text, currency);
}

// ───── start-checkout ─────

function invalid(field: string, message: string, extra: Record<string, unknown> = {}): GatewayError {
  return new GatewayError('GATEWAY.INVALID_REQUEST', `mispay: ${message}`, { details: { field, ...extra } });
}

const LOCAL_MOBILE = /^05\d{8}$/;
const INTERNATIONAL_MOBILE = /^9665\d{8}$/;
const PLUS_MOBILE = /^\+9665\d{8}$/;

/**
 * D4: the three forms MIS Pay documents (`05XXXXXXXX`, `9665XXXXXXXX`, `+9665XXXXXXXX`), spaces and
 * dashes ignored, all sent as `+9665XXXXXXXX`. Anything else: undefined (refused locally).
 */
export function normaliseMobile(raw: string | undefined): string | undefined {
  if (typeof raw !== 'string') return undefined;
  const compact = raw.replace(/[\s-]/g, '');
  if (LOCAL_MOBILE.test(compact)) return `+966${compact.slice(1)}`;
  if (INTERNATIONAL_MOBILE.test(compact)) return `+${compact}`;
  if (PLUS_MOBILE.test(compact)) return compact;
  return undefined;
}

/** The shopper's language; MIS Pay knows `en` and `ar` (default `ar`, D4). */
export function wireLang(lang: string | undefined): 'en' | 'ar' {
  const primary = (lang ?? '').trim().toLowerCase().split(/[-_]/)[0];
  return primary === 'en' ? 'en' : primary === 'ar' ? 'ar' : LANG_DEFAULT;
}

const ARABIC_SCRIPT = /[\u0600-\u06FF\u0750-\u077F\u08A0-\u08FF]/;

function wireItem(item: LineItem, index: number): { wire: MispayItem; total: Money } {
  const name = typeof item.name === 'string' ? item.name.trim() : '';
  if (name === '') throw invalid(`items[${index}].name`, `item ${index} needs a name`);
  if (!Number.isSafeInteger(item.quantity) || item.quantity < 1) {
    throw invalid(`items[${index}].quantity`, `item ${index} quantity must be a positive integer`, { quantity: item.quantity });
  }
  if (item.unitAmount.currency !== MISPAY_CURRENCY || item.unitAmount.isNegative()) {
    throw invalid(`items[${index}].unitAmount`, `item ${index} unit amount must be a non-negative SAR amount`);
  }
  const wire: MispayItem = {
    ...(item.sku ? { sku: item.sku } : {}),
    ...(ARABIC_SCRIPT.test(name) ? { nameArabic: name } : { nameEnglish: name }),
    quantity: String(item.quantity),
    unitPrice: toWireAmount(item.unitAmount),
  };
  return { wire, total: Money.of(item.unitAmount.amountMinor * BigInt(item.quantity), MISPAY_CURRENCY) };
}

function breakdownPart(value: Money | undefined, field: string): Money {
  if (value === undefined) return Money.zero(MISPAY_CURRENCY);
  if (value.currency !== MISPAY_CURRENCY || value.isNegative()) throw invalid(`breakdown.${field}`, `${field} must be a non-negative SAR amount`);
  return value;
}

/**
 * D4, checked before anything is sent: SAR only; `purchaseAmount` = totalPrice + shipping + vat −
 * discount exactly in minor units and equal to the payment amount; mobile in a documented form; every
 * item named with an integer quantity. Throws GatewayError `GATEWAY.INVALID_REQUEST` naming the field.
 */
export function buildStartCheckoutRequest(input: StartPaymentInput, options: { callbackUri?: string } = {}): MispayStartCheckoutRequest {
  if (!ORDER_ID_PATTERN.test(input.reference)) {
    throw invalid('reference', 'the attempt reference must be 1–32 characters of [A-Za-z0-9-]', { reference: input.reference });
  }
  if (input.amount.currency !== MISPAY_CURRENCY) throw invalid('amount.currency', `MIS Pay takes SAR only, not ${input.amount.currency}`);
  if (!input.amount.isPositive()) throw invalid('amount', 'the amount must be positive');
  const mobileNumber = normaliseMobile(input.customer?.mobile);
  if (!mobileNumber) {
    throw invalid('customer.mobile', 'customer.mobile must be a Saudi mobile number as 05XXXXXXXX, 9665XXXXXXXX or +9665XXXXXXXX');
  }
  const items = input.items ?? [];
  if (items.length === 0) throw invalid('items', 'MIS Pay requires at least one line item');
  if (items.length > ITEMS_MAX) throw invalid('items', `at most ${ITEMS_MAX} line items`);
  const wired = items.map(wireItem);
  const totalPrice = wired.reduce((sum, item) => sum.add(item.total), Money.zero(MISPAY_CURRENCY));
  const shipping = breakdownPart(input.breakdown?.shipping, 'shipping');
  const vat = breakdownPart(input.breakdown?.vat, 'vat');
  const discount = breakdownPart(input.breakdown?.discount, 'discount');
  const purchase = totalPrice.add(shipping).add(vat).subtract(discount);
  if (!purchase.equals(input.amount)) {
    throw invalid('amount', 'amount must equal items total + shipping + vat − discount', {
      amountMinor: input.amount.amountMinor.toString(),
      computedMinor: purchase.amountMinor.toString(),
      totalPriceMinor: totalPrice.amountMinor.toString(),
    });
  }
  const customer = input.customer;
  return {
    orderId: input.reference,
    totalPrice: toWireAmount(totalPrice),
    shippingAmount: toWireAmount(shipping),
    vat: toWireAmount(vat),
    ...(discount.isPositive() ? { discount: { amount: toWireAmount(discount) } } : {}),
    purchaseAmount: toWireAmount(purchase),
    purchaseCurrency: MISPAY_CURRENCY,
    lang: wireLang(input.lang),
    version: SCHEMA_VERSION,
    customerDetails: {
      ...(customer.id ? { id: customer.id } : {}),
      ...(customer.firstName ? { firstName: customer.firstName } : {}),
      ...(customer.lastName ? { lastName: customer.lastName } : {}),
      ...(customer.email ? { email: customer.email } : {}),
      mobileNumber,
    },
    orderDetails: { items: wired.map((item) => item.wire) },
    ...(options.callbackUri ? { callbackUri: options.callbackUri } : {}),
  };
}

/** The shopper `url` must never be stored: recorded as issued only. */
export const SHOPPER_URL_RECORDED_AS = '[issued]';

export function readStartCheckoutResult(result: Record<string, unknown>): MispayStartCheckoutResult | undefined {
  const { url, trackId } = result;
  if (typeof url !== 'string' || typeof trackId !== 'string' || trackId.trim() === '') return undefined;
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return undefined;
  } catch {
    return undefined;
  }
  return { url, trackId };
}

// ───── envelopes ─────

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** `{ status: "success", result: {…} }` → the result; undefined for anything else. */
export function readSuccessResult(body: Record<string, unknown>): Record<string, unknown> | undefined {
  return body.status === 'success' && isObject(body.result) ? body.result : undefined;
}

// ───── token ─────

export function readTokenBlob(result: Record<string, unknown>): string | undefined {
  return typeof result.token === 'string' && result.token.length > 0 ? result.token : undefined;
}

export function readTokenPayload(json: Record<string, unknown>): MispayTokenPayload | undefined {
  if (typeof json.token !== 'string' || json.token === '') return undefined;
  return { token: json.token, ...(typeof json.expiration === 'string' ? { expiration: json.expiration } : {}) };
}

/** The `exp` claim of a JWT (seconds since the epoch), without verifying it: we are not its audience. */
export function jwtExpiry(jwt: string): Date | undefined {
  const parts = jwt.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as unknown;
    if (!isObject(claims) || typeof claims.exp !== 'number' || !Number.isFinite(claims.exp)) return undefined;
    return new Date(claims.exp * 1000);
  } catch {
    return undefined;
  }
}

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})$/;

/** D3: `expiration` from the decrypted payload, else the JWT `exp`, else one hour after `now`. */
export function tokenExpiry(payload: MispayTokenPayload, now: Date): { expiresAt: Date; source: 'expiration' | 'jwt-exp' | 'fallback' } {
  if (payload.expiration && ISO_INSTANT.test(payload.expiration.trim())) {
    const at = new Date(payload.expiration.trim());
    if (!Number.isNaN(at.getTime())) return { expiresAt: at, source: 'expiration' };
  }
  const exp = jwtExpiry(payload.token);
  if (exp && !Number.isNaN(exp.getTime())) return { expiresAt: exp, source: 'jwt-exp' };
  return { expiresAt: new Date(now.getTime() + TOKEN_LIFETIME_FALLBACK_MS), source: 'fallback' };
}

// ───── checkout, track-checkout, end ─────

/** What a read (`/checkout/{id}` or track-checkout) says about a checkout, in canonical terms. */
export interface CheckoutFacts {
  checkoutId?: string;
  orderId?: string;
  /** Undefined when absent or not a valid wire amount (`amountText` keeps what was sent). */
  amount?: Money;
  amountText?: string;
  currency?: string;
  /** track-checkout's status; `/checkout/{id}` has none (it exists only for successful checkouts). */
  status?: string;
}

function text(value: unknown): string | undefined {
  if (typeof value === 'string' && value.trim() !== '') return value.trim();
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

function facts(source: Record<string, unknown>, idField: 'id' | 'checkoutId'): CheckoutFacts {
  const currency = typeof source.purchaseCurrency === 'string' ? source.purchaseCurrency.trim() : undefined;
  return {
    checkoutId: text(source[idField]),
    orderId: text(source.orderId),
    amount: fromWireAmount(source.purchaseAmount, currency === MISPAY_CURRENCY ? currency : MISPAY_CURRENCY),
    amountText: text(source.purchaseAmount),
    currency,
    status: typeof source.status === 'string' ? source.status.trim() : undefined,
  };
}

/** `GET /checkout/{id}` result: needs at least `id` and `orderId`. */
export function readCheckoutResult(result: Record<string, unknown>): CheckoutFacts | undefined {
  const read = facts(result, 'id');
  return read.checkoutId && read.orderId ? { ...read, status: undefined } : undefined;
}

/**
 * track-checkout, in either shape (D7): `{status:"success", result:{…status}}` as the vendor code reads
 * it, or the bare object the document prints. Error envelopes are read before this (they carry a
 * `result`, which a bare reply never has).
 */
export function readTrackReply(body: Record<string, unknown>): CheckoutFacts | undefined {
  if (body.status === 'success' && isObject(body.result)) {
    const inner = facts(body.result, 'checkoutId');
    return inner.status ? inner : undefined;
  }
  if (!('result' in body) && typeof body.status === 'string' && body.status.trim() !== '') return facts(body, 'checkoutId');
  return undefined;
}

/** track-checkout status → attempt outcome. `success` is `authorized`: paid at MIS Pay, end not yet done. */
export function trackStatusOutcome(status: string | undefined): AttemptOutcome {
  switch (status) {
    case 'in-progress':
    case 'pending':
      return 'pending';
    case 'success':
      return 'authorized';
    case 'canceled':
      return 'canceled';
    case 'error':
      return 'failed';
    default:
      return 'unknown';
  }
}

/** MIS Pay's `orderId` for this attempt now: the reference, or the id set by update-order-id (D10). */
export function currentOrderId(attempt: AttemptSnapshot): string {
  return attempt.refs.orderId ?? attempt.reference;
}

/**
 * D5: the checkout must be ours (orderId = the reference or its updated id), in SAR, for exactly the
 * stored amount. Returns the mismatches; empty means it matches.
 */
export function compareWithAttempt(attempt: AttemptSnapshot, read: CheckoutFacts): string[] {
  const problems: string[] = [];
  const ours = new Set([attempt.reference, ...(attempt.refs.orderId ? [attempt.refs.orderId] : [])]);
  if (!read.orderId || !ours.has(read.orderId)) problems.push(`orderId ${JSON.stringify(read.orderId)} is not ${[...ours].join(' or ')}`);
  if (read.currency !== attempt.amount.currency) problems.push(`currency ${JSON.stringify(read.currency)} is not ${attempt.amount.currency}`);
  if (!read.amount) problems.push(`purchaseAmount ${JSON.stringify(read.amountText)} is not a valid amount`);
  else if (read.currency === attempt.amount.currency && !read.amount.equals(attempt.amount)) {
    problems.push(`purchaseAmount ${read.amount.toDecimalString()} is not ${attempt.amount.toDecimalString()}`);
  }
  return problems;
}

export function readEndResult(result: Record<string, unknown>): { transactionId: string } | undefined {
  const transactionId = text(result.transactionId);
  return transactionId ? { transactionId } : undefined;
}

// ───── refund ─────

/**
 * D9/D11: the refund body with the corrected field meanings. Refused locally (nothing sent) when the
 * refunds would exceed the purchase; the payment layer answers that as 409 REFUND.EXCEEDS_REMAINING.
 */
export function buildRefundRequest(attempt: AttemptSnapshot, input: RefundInput, checkoutId: string): MispayRefundRequest {
  if (input.amount.currency !== MISPAY_CURRENCY || input.refundedBefore.currency !== MISPAY_CURRENCY) {
    throw invalid('amount.currency', 'MIS Pay refunds are SAR');
  }
  if (!input.amount.isPositive()) throw invalid('amount', 'a refund amount must be positive');
  if (input.refundedBefore.isNegative()) throw invalid('refundedBefore', 'refundedBefore cannot be negative');
  const remaining = attempt.amount.subtract(input.refundedBefore);
  if (input.refundedBefore.add(input.amount).compare(attempt.amount) > 0) {
    throw new GatewayError('GATEWAY.INVALID_REQUEST', `mispay: refund of ${input.amount.toDecimalString()} exceeds the ${remaining.toDecimalString()} SAR remaining`, {
      details: {
        field: 'amount',
        rule: 'REFUND.EXCEEDS_REMAINING',
        requestedMinor: input.amount.amountMinor.toString(),
        remainingMinor: remaining.amountMinor.toString(),
        purchaseMinor: attempt.amount.amountMinor.toString(),
      },
    });
  }
  const comments = input.reason?.trim();
  return {
    purchaseId: checkoutId,
    totalAmount: toWireAmount(attempt.amount),
    amount: toWireAmount(input.amount),
    currency: MISPAY_CURRENCY,
    orderId: currentOrderId(attempt),
    merchantRefundId: input.refundId,
    ...(comments ? { comments } : {}),
  };
}

export function readRefundResult(result: Record<string, unknown>): { transactionId: string; remaining?: Money } | undefined {
  const transactionId = text(result.transactionId);
  if (!transactionId) return undefined;
  const remaining = fromWireAmount(result.newPurchaseAmount);
  return { transactionId, ...(remaining ? { remaining } : {}) };
}

// ───── callback and webhook ─────

/** A callback/webhook code → what it claims (`authorized`: paid at MIS Pay, not yet ended). */
export function resultCodeOutcome(code: string | undefined, hasCheckoutId: boolean): AttemptOutcome {
  switch (code) {
    case 'MP00':
      return hasCheckoutId ? 'authorized' : 'pending';
    case 'MP01':
      return 'failed';
    case 'MP02':
      return 'canceled';
    default:
      return 'unknown';
  }
}

export function readCallbackPayload(json: Record<string, unknown>): MispayCallbackPayload | undefined {
  const orderId = text(json.orderId);
  const code = typeof json.code === 'string' ? json.code.trim() : undefined;
  if (!orderId || !code) return undefined;
  const checkoutId = text(json.checkoutId);
  return { orderId, code, ...(checkoutId ? { checkoutId } : {}) };
}

export function readWebhookPayload(body: unknown): MispayWebhookPayload | undefined {
  if (!isObject(body)) return undefined;
  const code = typeof body.code === 'string' ? body.code.trim() : undefined;
  const appId = typeof body.appId === 'string' ? body.appId : undefined;
  if (!code || appId === undefined) return undefined;
  const orderId = text(body.orderId);
  const checkoutId = text(body.checkoutId);
  if (!orderId && !checkoutId) return undefined;
  return {
    code,
    appId,
    ...(orderId ? { orderId } : {}),
    ...(checkoutId ? { checkoutId } : {}),
    ...(typeof body.isFullyRefunded === 'boolean' ? { isFullyRefunded: body.isFullyRefunded } : {}),
  };
}

/** A refund of ours, as the payment layer holds it. */
export interface IssuedRefund {
  refundId: string;
  status: 'succeeded' | 'failed' | 'unknown' | 'pending_review';
  amount: Money;
}

export type RefundNoticeMatch = { kind: 'confirms'; refundId: string } | { kind: 'already_known' } | { kind: 'external_refund_notice'; reason: string };

/**
 * D8: an `MP03` has no amount and no refund id, so it can only be matched loosely: it confirms our
 * oldest unresolved refund when `isFullyRefunded` fits that refund; it echoes refunds we already know
 * when those explain it; anything else is an `external_refund_notice` for ops, never booked.
 */
export function matchRefundNotice(notice: { isFullyRefunded?: boolean }, purchase: Money, issued: readonly IssuedRefund[]): RefundNoticeMatch {
  const succeeded = issued.filter((r) => r.status === 'succeeded').reduce((sum, r) => sum.add(r.amount), Money.zero(purchase.currency));
  const unresolved = issued.find((r) => r.status === 'unknown' || r.status === 'pending_review');
  if (unresolved) {
    const wouldBeFull = succeeded.add(unresolved.amount).equals(purchase);
    if (notice.isFullyRefunded === undefined || notice.isFullyRefunded === wouldBeFull) return { kind: 'confirms', refundId: unresolved.refundId };
    return { kind: 'external_refund_notice', reason: `isFullyRefunded=${notice.isFullyRefunded} does not fit refund ${unresolved.refundId}` };
  }
  if (succeeded.isPositive() && (notice.isFullyRefunded === undefined || notice.isFullyRefunded === succeeded.equals(purchase))) return { kind: 'already_known' };
  return { kind: 'external_refund_notice', reason: 'no refund of ours explains this notice' };
}
