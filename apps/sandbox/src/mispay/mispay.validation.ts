import { Money } from '@payledger/kernel';

/** How MIS Pay's start-checkout and refund requests are checked by the simulator (mispay.md §3.2, §3.6, §7). */

const MONEY_TEXT = /^\d{1,15}(?:\.\d{1,2})?$/;
const MOBILE_FORMS = [/^05\d{8}$/, /^9665\d{8}$/, /^\+9665\d{8}$/];
const ITEMS_MAX = 500;
const PROBLEMS_MAX = 20;

/** Money as MIS Pay accepts it: a decimal string (v1.2) or a JSON number (v1.1 plugins). Minor units, or undefined. */
export function parseWireMoney(value: unknown): bigint | undefined {
  let text: string;
  if (typeof value === 'string') text = value.trim();
  else if (typeof value === 'number' && Number.isFinite(value)) text = String(value);
  else return undefined;
  if (!MONEY_TEXT.test(text)) return undefined;
  return Money.parse(text, 'SAR').amountMinor;
}

export function formatMoneyText(minor: bigint): string {
  return Money.of(minor, 'SAR').toDecimalString();
}

/** Replies that use JSON numbers (track-checkout, refund): the decimal text read as a number. */
export function formatMoneyNumber(minor: bigint): number {
  return Number(formatMoneyText(minor));
}

export function isMobileNumber(value: unknown): boolean {
  return typeof value === 'string' && MOBILE_FORMS.some((form) => form.test(value));
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function nonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.trim() !== '';
}

function positiveInteger(value: unknown): boolean {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 1;
  return typeof value === 'string' && /^\d{1,9}$/.test(value.trim()) && Number(value) >= 1;
}

export interface AmountLimits {
  /** Inclusive, minor units; the default is "more than zero". */
  minMinor?: bigint;
  maxMinor?: bigint;
}

export interface StartCheckoutRequest {
  orderId: string;
  purchaseMinor: bigint;
  callbackUri?: string;
  lang: string;
}

export type Validated<T> = { ok: true; value: T } | { ok: false; problems: string[] };

/**
 * Required fields, phone forms, at least one item name, integer quantities, SAR, `en`/`ar`, a known
 * schema version, and purchaseAmount = totalPrice + shippingAmount + vat − discount.amount exactly.
 */
export function validateStartCheckout(body: unknown, limits: AmountLimits = {}): Validated<StartCheckoutRequest> {
  const problems: string[] = [];
  const problem = (text: string) => {
    if (problems.length < PROBLEMS_MAX) problems.push(text);
  };
  if (!isObject(body)) return { ok: false, problems: ['body must be a JSON object'] };

  if (!nonEmptyString(body.orderId)) problem('orderId is required');
  const money: Record<string, bigint | undefined> = {};
  for (const field of ['totalPrice', 'shippingAmount', 'vat', 'purchaseAmount'] as const) {
    if (body[field] === undefined || body[field] === null || body[field] === '') problem(`${field} is required`);
    else if ((money[field] = parseWireMoney(body[field])) === undefined) problem(`${field} must be a decimal amount with at most 2 decimals`);
  }
  let discountMinor = 0n;
  if (body.discount !== undefined && body.discount !== null) {
    if (!isObject(body.discount)) problem('discount must be an object');
    else if (body.discount.amount !== undefined && body.discount.amount !== '') {
      const parsed = parseWireMoney(body.discount.amount);
      if (parsed === undefined) problem('discount.amount must be a decimal amount with at most 2 decimals');
      else discountMinor = parsed;
    }
  }
  if (body.purchaseCurrency !== 'SAR') problem('purchaseCurrency must be "SAR"');
  if (body.lang !== 'en' && body.lang !== 'ar') problem('lang must be "en" or "ar"');
  if (body.version !== 'v1.2' && body.version !== 'v1.1') problem('version must be "v1.2" (or the older "v1.1")');
  if (!isObject(body.customerDetails)) problem('customerDetails is required');
  else if (!isMobileNumber(body.customerDetails.mobileNumber)) problem('customerDetails.mobileNumber must be 05XXXXXXXX, 9665XXXXXXXX or +9665XXXXXXXX');

  const items = isObject(body.orderDetails) ? body.orderDetails.items : undefined;
  if (!Array.isArray(items) || items.length === 0) problem('orderDetails.items must hold at least one item');
  else if (items.length > ITEMS_MAX) problem(`orderDetails.items holds at most ${ITEMS_MAX} items`);
  else {
    items.forEach((item, index) => {
      if (!isObject(item)) return problem(`orderDetails.items[${index}] must be an object`);
      if (!nonEmptyString(item.nameEnglish) && !nonEmptyString(item.nameArabic)) problem(`orderDetails.items[${index}] needs nameEnglish or nameArabic`);
      if (!positiveInteger(item.quantity)) problem(`orderDetails.items[${index}].quantity must be a positive integer`);
      if (parseWireMoney(item.unitPrice) === undefined) problem(`orderDetails.items[${index}].unitPrice must be a decimal amount`);
    });
  }
  if (body.callbackUri !== undefined && !isAbsoluteHttpUrl(body.callbackUri)) problem('callbackUri must be an absolute http(s) URL');
  if (body.isMobile !== undefined && typeof body.isMobile !== 'boolean') problem('isMobile must be a boolean');

  const { totalPrice, shippingAmount, vat, purchaseAmount } = money;
  if (totalPrice !== undefined && shippingAmount !== undefined && vat !== undefined && purchaseAmount !== undefined) {
    const expected = totalPrice + shippingAmount + vat - discountMinor;
    if (purchaseAmount !== expected) problem(`purchaseAmount ${formatMoneyText(purchaseAmount)} must equal totalPrice + shippingAmount + vat - discount.amount = ${formatMoneyText(expected)}`);
  }
  if (purchaseAmount !== undefined) {
    if (purchaseAmount <= 0n) problem('purchaseAmount must be more than 0');
    if (limits.minMinor !== undefined && purchaseAmount < limits.minMinor) problem(`purchaseAmount must be at least ${formatMoneyText(limits.minMinor)}`);
    if (limits.maxMinor !== undefined && purchaseAmount > limits.maxMinor) problem(`purchaseAmount must be at most ${formatMoneyText(limits.maxMinor)}`);
  }
  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    value: {
      orderId: String(body.orderId),
      purchaseMinor: purchaseAmount!,
      lang: String(body.lang),
      ...(typeof body.callbackUri === 'string' ? { callbackUri: body.callbackUri } : {}),
    },
  };
}

export function isAbsoluteHttpUrl(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

export interface RefundRequest {
  purchaseId: string;
  totalMinor: bigint;
  amountMinor: bigint;
  orderId: string;
  merchantRefundId?: string;
}

/** The refund body with the corrected field meanings (mispay.md §3.6, D11). */
export function validateRefund(body: unknown): Validated<RefundRequest> {
  if (!isObject(body)) return { ok: false, problems: ['body must be a JSON object'] };
  const problems: string[] = [];
  if (!nonEmptyString(body.purchaseId)) problems.push('purchaseId (the checkoutId) is required');
  const totalMinor = parseWireMoney(body.totalAmount);
  if (totalMinor === undefined) problems.push('totalAmount (the original purchase amount) must be a decimal amount');
  const amountMinor = parseWireMoney(body.amount);
  if (amountMinor === undefined) problems.push('amount (this refund) must be a decimal amount');
  else if (amountMinor <= 0n) problems.push('amount must be more than 0');
  if (body.currency !== 'SAR') problems.push('currency must be "SAR"');
  if (!nonEmptyString(body.orderId)) problems.push('orderId is required');
  if (body.merchantRefundId !== undefined && !nonEmptyString(body.merchantRefundId)) problems.push('merchantRefundId must be a non-empty string');
  if (body.userDetails !== undefined && !isObject(body.userDetails)) problems.push('userDetails must be an object');
  if (body.comments !== undefined && typeof body.comments !== 'string') problems.push('comments must be a string');
  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    value: {
      purchaseId: String(body.purchaseId),
      totalMinor: totalMinor!,
      amountMinor: amountMinor!,
      orderId: String(body.orderId),
      ...(typeof body.merchantRefundId === 'string' ? { merchantRefundId: body.merchantRefundId } : {}),
    },
  };
}
