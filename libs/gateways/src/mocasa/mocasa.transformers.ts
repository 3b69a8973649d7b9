import { Money } from '@payledger/kernel';
import { GatewayError } from '../port/gateway-error';
import type { AttemptOutcome, RefundResult, StartPaymentInput, TransferResult } from '../port/gateway.types';
import {
  MOCASA_CURRENCY,
  MOCASA_EXPIRE_TIME_EPOCH_MS_THRESHOLD,
  MOCASA_PRODUCT_NAME_LENGTH_MAX,
  MOCASA_REQUERY_EARLY_OFFSETS_MS,
  MOCASA_REQUERY_INTERVAL_MS,
  MOCASA_REQUERY_WINDOW_MS,
  MOCASA_RETURN_PATH,
  MOCASA_RETURN_REFERENCE_PARAM,
  MOCASA_TOKEN_LIFETIME_MAX_MS,
} from './mocasa.config';
import type { MocasaCreateOrderForm, MocasaEnvelope } from './mocasa.types';

/**
 * Pure mapping between Mocasa's wire formats and payledger's canonical types. The only place that knows
 * how Mocasa writes amounts, statuses and times.
 */

/** `orderNo` / `transferSerialNo` as we send them: the shared reference rule (≤ 32 of [A-Za-z0-9-]). */
export const MOCASA_REFERENCE_PATTERN = /^[A-Za-z0-9-]{1,32}$/;
/** Peso amounts as decimal text: no sign, no exponent, at most two decimals. The length bound keeps BigInt cheap. */
const WIRE_AMOUNT_PATTERN = /^\d{1,15}(?:\.\d{1,2})?$/;

export function isMocasaReference(value: unknown): value is string {
  return typeof value === 'string' && MOCASA_REFERENCE_PATTERN.test(value);
}

/** `150000` centavos → `"1500.00"`: exactly two decimals (§1). */
export function toMocasaAmount(amount: Money, field = 'amount'): string {
  if (amount.currency !== MOCASA_CURRENCY) {
    throw new GatewayError('GATEWAY.INVALID_REQUEST', `mocasa takes ${MOCASA_CURRENCY} only, not ${amount.currency}`, {
      details: { field, currency: amount.currency },
    });
  }
  if (!amount.isPositive()) {
    throw new GatewayError('GATEWAY.INVALID_REQUEST', `mocasa ${field} must be positive`, { details: { field, amountMinor: amount.amountMinor.toString() } });
  }
  return amount.toDecimalString();
}

export type WireAmountParse = { ok: true; amount: Money } | { ok: false; reason: string };

/**
 * A wire amount (the webhook's JSON number, or a string) as pesos. A number is read through `String(n)`
 * and then as decimal text, so nothing is rounded: more than two decimals, an exponent or a sign is refused.
 */
export function parseMocasaAmount(value: unknown): WireAmountParse {
  let text: string;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return { ok: false, reason: `amount ${String(value)} is not a finite number` };
    text = String(value);
  } else if (typeof value === 'string') {
    text = value.trim();
  } else {
    return { ok: false, reason: 'amount is neither a number nor a string' };
  }
  if (!WIRE_AMOUNT_PATTERN.test(text)) return { ok: false, reason: `amount ${JSON.stringify(text)} is not a peso amount with at most two decimals` };
  return { ok: true, amount: Money.parse(text, MOCASA_CURRENCY) };
}

function normaliseStatus(value: unknown): string | undefined {
  return typeof value === 'string' ? value.trim().toLowerCase() : undefined;
}

/**
 * D10: the order query's `txStatus`, case-insensitive: `success` → paid, `failed` → failed; any other
 * text is a payment still in progress (Mocasa documents no other values) and is polled. A missing
 * `txStatus` says nothing at all: unknown, also polled.
 */
export function mocasaQueryOutcome(txStatus: unknown): AttemptOutcome {
  const status = normaliseStatus(txStatus);
  if (status === undefined || status === '') return 'unknown';
  if (status === 'success') return 'paid';
  if (status === 'failed') return 'failed';
  return 'pending';
}

/** D12(2): a transfer's `txStatus` is final when it is `success` or `failed`; anything else is for ops. */
export function mocasaTransferStatus(txStatus: unknown): TransferResult['status'] {
  const status = normaliseStatus(txStatus);
  if (status === 'success') return 'succeeded';
  if (status === 'failed') return 'failed';
  return 'unknown';
}

/** D11: only `refundStatus: success` (case-insensitive) is a refund done; there is no refund query, so anything else waits for ops. */
export function mocasaRefundStatus(refundStatus: unknown): Extract<RefundResult['status'], 'succeeded' | 'pending_review'> {
  return normaliseStatus(refundStatus) === 'success' ? 'succeeded' : 'pending_review';
}

/**
 * D2: `expireTime` above 10^12 is epoch milliseconds, otherwise seconds counted from when the apply was
 * sent; a lifetime above 24 h is cut to 24 h. Undefined when the value is not a number.
 */
export function mocasaTokenExpiresAt(expireTime: unknown, sentAt: Date): Date | undefined {
  const value = typeof expireTime === 'number' ? expireTime : typeof expireTime === 'string' && /^\d{1,16}$/.test(expireTime.trim()) ? Number(expireTime) : NaN;
  if (!Number.isFinite(value) || value < 0) return undefined;
  const sentMs = sentAt.getTime();
  const expiresMs = value > MOCASA_EXPIRE_TIME_EPOCH_MS_THRESHOLD ? value : sentMs + value * 1000;
  return new Date(Math.min(expiresMs, sentMs + MOCASA_TOKEN_LIFETIME_MAX_MS));
}

/** D10's re-query offsets from the attempt's creation, in order, up to the 24 h window. */
export function mocasaRequeryOffsetsMs(): number[] {
  const offsets = [...MOCASA_REQUERY_EARLY_OFFSETS_MS];
  const last = offsets[offsets.length - 1];
  for (let at = last + MOCASA_REQUERY_INTERVAL_MS; at <= MOCASA_REQUERY_WINDOW_MS; at += MOCASA_REQUERY_INTERVAL_MS) offsets.push(at);
  return offsets;
}

const REQUERY_OFFSETS_MS = mocasaRequeryOffsetsMs();

/** How long until the next D10 re-query, `elapsedMs` after the attempt was created; undefined once the 24 h window is over. */
export function mocasaRequeryDelayMs(elapsedMs: number): number | undefined {
  const next = REQUERY_OFFSETS_MS.find((offset) => offset > elapsedMs);
  return next === undefined ? undefined : next - Math.max(0, elapsedMs);
}

/** The §2 envelope, or undefined when the body is not one (`success` must be a boolean). */
export function parseMocasaEnvelope(json: unknown): MocasaEnvelope | undefined {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) return undefined;
  const body = json as Record<string, unknown>;
  if (typeof body.success !== 'boolean') return undefined;
  const data = body.data !== null && typeof body.data === 'object' && !Array.isArray(body.data) ? (body.data as Record<string, unknown>) : undefined;
  return {
    success: body.success,
    code: body.code === undefined || body.code === null ? '' : String(body.code),
    message: typeof body.message === 'string' ? body.message : '',
    data,
  };
}

/** D6: our return endpoint, with the attempt reference in its own query so the return needs nothing from Mocasa. */
export function mocasaReturnUrl(publicBaseUrl: string, reference: string): string {
  const url = new URL(`${publicBaseUrl.replace(/\/+$/, '')}${MOCASA_RETURN_PATH}`);
  url.searchParams.set(MOCASA_RETURN_REFERENCE_PARAM, reference);
  return url.toString();
}

/** `productName` is required: the description, else the item names, else the merchant's order id. */
export function mocasaProductName(input: Pick<StartPaymentInput, 'description' | 'items' | 'orderId'>): string {
  const fromItems = (input.items ?? []).map((item) => item.name.trim()).filter((name) => name !== '');
  const name = input.description?.trim() || (fromItems.length > 0 ? fromItems.join(', ') : `Order ${input.orderId}`);
  return name.length > MOCASA_PRODUCT_NAME_LENGTH_MAX ? `${name.slice(0, MOCASA_PRODUCT_NAME_LENGTH_MAX - 1)}…` : name;
}

/** D6: the create request. The caller has checked the reference and the customer id. */
export function mocasaCreateOrderForm(input: StartPaymentInput, customerId: string, publicBaseUrl: string): MocasaCreateOrderForm {
  return {
    orderNo: input.reference,
    amount: toMocasaAmount(input.amount),
    productName: mocasaProductName(input),
    customerId,
    returnUrl: mocasaReturnUrl(publicBaseUrl, input.reference),
  };
}

/** Identity data as it may be recorded: only the last characters stay (§2 Redaction). */
export function maskTail(value: string, visible: number): string {
  if (value.length <= visible) return '*'.repeat(value.length);
  return `${'*'.repeat(value.length - visible)}${value.slice(-visible)}`;
}

/** A string field of a reply, or undefined. */
export function stringField(data: Record<string, unknown> | undefined, name: string): string | undefined {
  const value = data?.[name];
  return typeof value === 'string' && value !== '' ? value : typeof value === 'number' ? String(value) : undefined;
}

/** A paymentLink worth sending a buyer to: an absolute http(s) URL. */
export function isUsablePaymentLink(value: unknown): value is string {
  if (typeof value !== 'string' || value.length > 2048) return false;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}
