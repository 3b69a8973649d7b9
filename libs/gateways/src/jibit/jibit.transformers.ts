import { Money } from '@payledger/kernel';
import type { AccessToken } from '../http/token-holder';
import { GatewayError } from '../port/gateway-error';
import type { AttemptOutcome, StartPaymentInput } from '../port/gateway.types';
import {
  JIBIT_ACCESS_TOKEN_LIFETIME_MS,
  JIBIT_DESCRIPTION_LENGTH_MAX,
  JIBIT_REFERENCE_PATTERN,
  JIBIT_REFRESH_TOKEN_LIFETIME_MS,
  JIBIT_USER_IDENTIFIER_LENGTH_MAX,
} from './jibit.config';
import {
  JIBIT_CALLBACK_STATES,
  JIBIT_ORDER_STATUSES,
  JIBIT_VERIFY_STATUSES,
  JibitCallbackState,
  JibitCreateOrderRequest,
  JibitCreateOrderResponse,
  JibitOrderStatus,
  JibitTokenPairResponse,
  JibitVerifyStatus,
  JibitWireCurrency,
} from './jibit.types';

/**
 * Pure mapping between Jibit's wire formats and payledger's canonical types: amounts, statuses, the
 * D8 outcome rule. No I/O here; anything Jibit sends that these functions do not know becomes
 * `unknown` (polled, never guessed) or a malformed reply.
 */

export const RIALS_PER_TOMAN = 10n;

// ---- money

/** §1: IRR minor units (scale 0) go on the wire as a RIALS integer. */
export function moneyToWireAmount(money: Money): number {
  if (money.currency !== 'IRR') throw invalid(`Jibit takes IRR only, got ${money.currency}`, { currency: money.currency });
  if (money.amountMinor > BigInt(Number.MAX_SAFE_INTEGER) || money.amountMinor < 0n) {
    throw invalid(`amount ${money.amountMinor} is not a Jibit amount`, { amountMinor: money.amountMinor.toString() });
  }
  return Number(money.amountMinor);
}

/**
 * A wire amount as IRR: RIALS as is, TOMAN × 10 (only possible for orders we did not create). Undefined
 * for anything that is not a safe integer in a known currency.
 */
export function wireAmountToMoney(amount: unknown, currency: unknown): Money | undefined {
  const integer = wireInteger(amount);
  if (integer === undefined) return undefined;
  if (currency === 'RIALS') return Money.of(integer, 'IRR');
  if (currency === 'TOMAN') return Money.of(integer * RIALS_PER_TOMAN, 'IRR');
  return undefined;
}

/** Integers on the wire pass Number.isSafeInteger before they become bigint (§1). */
export function wireInteger(value: unknown): bigint | undefined {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value);
  if (typeof value === 'string' && /^-?\d{1,15}$/.test(value)) return BigInt(value);
  return undefined;
}

// ---- create (D5)

export interface JibitCreateOrderDraft {
  body: JibitCreateOrderRequest;
  /** The body as it may be recorded: a pinned card masked to first 6 / last 4. */
  recordable: Record<string, unknown>;
}

export interface CreateOrderOptions {
  callbackUrl: string;
  amountMin: bigint;
  /** Card pinning (D5): only this card may pay. */
  pinnedCardNumber?: string;
}

/** Builds the §3.4 body after D5's local checks; a violation is GATEWAY.INVALID_REQUEST and nothing is sent. */
export function toCreateOrderRequest(input: StartPaymentInput, options: CreateOrderOptions): JibitCreateOrderDraft {
  const amount = moneyToWireAmount(input.amount);
  if (input.amount.amountMinor < options.amountMin) {
    throw invalid(`amount ${input.amount.amountMinor} IRR is below the Jibit minimum of ${options.amountMin}`, {
      field: 'amount',
      amountMin: options.amountMin.toString(),
    });
  }
  if (!JIBIT_REFERENCE_PATTERN.test(input.reference)) {
    throw invalid('referenceNumber must be 1–32 characters of [A-Za-z0-9-]', { field: 'referenceNumber' });
  }
  const userIdentifier = (input.customer.id ?? input.customer.mobile ?? '').trim();
  if (userIdentifier === '') throw invalid('Jibit needs customer.id or customer.mobile as userIdentifier', { field: 'userIdentifier' });
  if (userIdentifier.length > JIBIT_USER_IDENTIFIER_LENGTH_MAX) {
    throw invalid(`userIdentifier is longer than ${JIBIT_USER_IDENTIFIER_LENGTH_MAX} characters`, { field: 'userIdentifier' });
  }
  if (input.description !== undefined && input.description.length > JIBIT_DESCRIPTION_LENGTH_MAX) {
    throw invalid(`description is longer than ${JIBIT_DESCRIPTION_LENGTH_MAX} characters`, { field: 'description' });
  }
  let payerCardNumber: string | undefined;
  if (options.pinnedCardNumber !== undefined) {
    payerCardNumber = options.pinnedCardNumber.replace(/[\s-]/g, '');
    if (!/^\d{16}$/.test(payerCardNumber)) throw invalid('a pinned card number must have 16 digits', { field: 'payerCardNumber' });
  }
  const body: JibitCreateOrderRequest = {
    amount,
    currency: 'RIALS',
    referenceNumber: input.reference,
    userIdentifier,
    callbackUrl: options.callbackUrl,
    ...(input.description !== undefined && input.description !== '' ? { description: input.description } : {}),
    ...(payerCardNumber ? { payerCardNumber } : {}),
    forcePayerCardNumber: payerCardNumber !== undefined,
    ...(input.customer.nationalCode ? { nationalCode: input.customer.nationalCode } : {}),
  };
  const recordable: Record<string, unknown> = { ...body };
  if (payerCardNumber) recordable.payerCardNumber = maskCardNumber(payerCardNumber);
  return { body, recordable };
}

/** First six and last four digits (§2 redaction rule for a card we send). */
export function maskCardNumber(card: string): string {
  const digits = card.replace(/\D/g, '');
  if (digits.length < 10) return '*'.repeat(digits.length);
  return `${digits.slice(0, 6)}${'*'.repeat(digits.length - 10)}${digits.slice(-4)}`;
}

export function parseCreateOrderResponse(json: Record<string, unknown>): JibitCreateOrderResponse | string {
  const { orderIdentifier, referenceNumber, pspSwitchingUrl } = json;
  if (!isOrderIdentifier(orderIdentifier)) return 'orderIdentifier missing or malformed';
  if (typeof referenceNumber !== 'string') return 'referenceNumber missing';
  if (typeof pspSwitchingUrl !== 'string' || !isHttpUrl(pspSwitchingUrl)) return 'pspSwitchingUrl missing or not a URL';
  return { orderIdentifier, referenceNumber, pspSwitchingUrl };
}

/** D6: the switching URL of an order found by lookup: `{base}/orders/{orderIdentifier}/payments`. */
export function switchingUrl(baseUrl: string, orderIdentifier: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/orders/${encodeURIComponent(orderIdentifier)}/payments`;
}

// ---- tokens (D3)

export function parseTokenPair(json: Record<string, unknown>): JibitTokenPairResponse | undefined {
  const { accessToken, refreshToken } = json;
  if (typeof accessToken !== 'string' || accessToken === '' || typeof refreshToken !== 'string' || refreshToken === '') return undefined;
  return { accessToken, refreshToken };
}

/**
 * D3: 24 h / 48 h from the moment the request was sent; when a token is a JWT with an `exp` claim, the
 * earlier of the two wins.
 */
export function tokenFromPair(pair: JibitTokenPairResponse, sentAt: Date): AccessToken {
  const sentAtMs = sentAt.getTime();
  const earlier = (lifetimeMs: number, token: string) => {
    const exp = jwtExpiryMs(token);
    return new Date(exp === undefined ? sentAtMs + lifetimeMs : Math.min(sentAtMs + lifetimeMs, exp));
  };
  return {
    value: pair.accessToken,
    expiresAt: earlier(JIBIT_ACCESS_TOKEN_LIFETIME_MS, pair.accessToken),
    refreshToken: pair.refreshToken,
    refreshExpiresAt: earlier(JIBIT_REFRESH_TOKEN_LIFETIME_MS, pair.refreshToken),
  };
}

const JWT_LENGTH_MAX = 8192;

/** The `exp` claim (ms) of a JWT-shaped token, or undefined for an opaque one. */
export function jwtExpiryMs(token: string): number | undefined {
  if (token.length > JWT_LENGTH_MAX) return undefined;
  const parts = token.split('.');
  if (parts.length !== 3 || !/^[A-Za-z0-9_-]+$/.test(parts[1])) return undefined;
  try {
    const payload = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as { exp?: unknown };
    return typeof payload.exp === 'number' && Number.isFinite(payload.exp) ? payload.exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

// ---- verify and inquiry (§3.6, §3.7)

/** A verify reply as the D8 rule sees it: a documented status, one nobody documents, or no answer at all. */
export type JibitVerifyResult = JibitVerifyStatus | 'unrecognised' | 'unreachable';

export function parseVerifyStatus(json: Record<string, unknown>): { status: JibitVerifyResult; text: string } | undefined {
  if (typeof json.status !== 'string') return undefined;
  const known = (JIBIT_VERIFY_STATUSES as readonly string[]).includes(json.status);
  return { status: known ? (json.status as JibitVerifyStatus) : 'unrecognised', text: json.status };
}

/** An order (§3.7) as the adapter uses it. */
export interface JibitOrderView {
  /**
   * §3.7 names the order's `id` a "hashed order identifier"; the simulator (and this adapter) read it as the
   * public identifier the paths use. An explicit `orderIdentifier` field wins when present.
   */
  orderIdentifier?: string;
  referenceNumber?: string;
  /** Undefined when Jibit sent a status no document lists (→ `unknown`). */
  status?: JibitOrderStatus;
  statusText: string;
  /** In IRR (TOMAN × 10). */
  amount?: Money;
  wireAmount?: bigint;
  wireCurrency?: string;
  createdAt?: Date;
  payerCard?: string;
}

/** Undefined when the object is not an order at all (no status, no usable amount). */
export function parseOrder(json: unknown): JibitOrderView | undefined {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) return undefined;
  const raw = json as Record<string, unknown>;
  if (typeof raw.status !== 'string') return undefined;
  const wireAmount = wireInteger(raw.amount);
  if (wireAmount === undefined) return undefined;
  const known = (JIBIT_ORDER_STATUSES as readonly string[]).includes(raw.status);
  const createdAtMs = typeof raw.createdAt === 'string' ? Date.parse(raw.createdAt) : Number.NaN;
  const orderIdentifier = isOrderIdentifier(raw.orderIdentifier) ? raw.orderIdentifier : isOrderIdentifier(raw.id) ? raw.id : undefined;
  return {
    orderIdentifier,
    referenceNumber: typeof raw.referenceNumber === 'string' ? raw.referenceNumber : undefined,
    status: known ? (raw.status as JibitOrderStatus) : undefined,
    statusText: raw.status,
    amount: wireAmountToMoney(raw.amount, raw.currency),
    wireAmount,
    wireCurrency: typeof raw.currency === 'string' ? raw.currency : undefined,
    createdAt: Number.isNaN(createdAtMs) ? undefined : new Date(createdAtMs),
    payerCard: typeof raw.payerCard === 'string' ? raw.payerCard : undefined,
  };
}

export interface JibitOrderPage {
  elements: JibitOrderView[];
  hasNext: boolean;
  /** D13: `numberOfElements`, else the document's `numberOfElemnts`; informative only, paging follows `hasNext`. */
  totalElements?: number;
}

export function parseOrderPage(json: Record<string, unknown>): JibitOrderPage | string {
  if (typeof json.hasNext !== 'boolean') return 'hasNext missing';
  if (!Array.isArray(json.elements)) return 'elements missing';
  const elements: JibitOrderView[] = [];
  for (const element of json.elements) {
    const order = parseOrder(element);
    if (!order) return 'an element is not an order';
    elements.push(order);
  }
  const count = typeof json.numberOfElements === 'number' ? json.numberOfElements : typeof json.numberOfElemnts === 'number' ? json.numberOfElemnts : undefined;
  return { elements, hasNext: json.hasNext, totalElements: count };
}

/** D6: the element whose `referenceNumber` is ours (v2 has no server-side filter for it). */
export function findByReference(page: JibitOrderPage, reference: string): JibitOrderView | undefined {
  return page.elements.find((order) => order.referenceNumber === reference);
}

// ---- outcomes (§5, D8)

/** D8 amount rule: RIALS and the exact amount we created. A TOMAN reply is a mismatch even when ×10 agrees. */
export function amountMatches(order: JibitOrderView, expected: Money): boolean {
  return expected.currency === 'IRR' && order.wireCurrency === 'RIALS' && order.wireAmount === expected.amountMinor;
}

/** §5 mapping of an inquiry status to an attempt outcome, with the amount check on SUCCESS. */
export function inquiryOutcome(order: JibitOrderView, expected: Money): AttemptOutcome {
  switch (order.status) {
    case 'SUCCESS':
      return amountMatches(order, expected) ? 'paid' : 'amount_mismatch';
    case 'FAILED':
      return 'failed';
    case 'EXPIRED':
      return 'expired';
    case 'IN_PROGRESS':
      return 'pending';
    case 'UNKNOWN':
    case undefined:
      return 'unknown';
  }
}

/** Outcome of a record we did not necessarily create (reconciliation): no stored amount to compare. */
export function recordOutcome(status: JibitOrderStatus | undefined): AttemptOutcome {
  switch (status) {
    case 'SUCCESS':
      return 'paid';
    case 'FAILED':
      return 'failed';
    case 'EXPIRED':
      return 'expired';
    case 'IN_PROGRESS':
      return 'pending';
    case 'UNKNOWN':
    case undefined:
      return 'unknown';
  }
}

export interface JibitDecision {
  outcome: AttemptOutcome;
  detail: string;
}

/**
 * D8: the outcome after verify and inquiry. Only inquiry SUCCESS with the exact RIALS amount is `paid`;
 * the callback's amount and state never count. `inquiry` is undefined when it was not asked (verify
 * Unknown or unreachable: inquiry is scheduled instead) and `unreachable` when it got no usable answer.
 */
export function decideOutcome(verify: JibitVerifyResult, inquiry: JibitOrderView | 'unreachable' | undefined, expected: Money): JibitDecision {
  const inquiryText = inquiry === undefined ? 'not asked' : inquiry === 'unreachable' ? 'unreachable' : inquiry.statusText;
  const detail = `verify ${verify}, inquiry ${inquiryText}`;
  switch (verify) {
    case 'Successful':
      if (inquiry !== undefined && inquiry !== 'unreachable' && inquiry.status === 'SUCCESS') {
        return { outcome: amountMatches(inquiry, expected) ? 'paid' : 'amount_mismatch', detail };
      }
      return { outcome: 'pending', detail };
    case 'Failed':
      if (inquiry === undefined || inquiry === 'unreachable') return { outcome: 'unknown', detail };
      return { outcome: inquiryOutcome(inquiry, expected), detail };
    case 'Unknown':
    case 'unrecognised':
    case 'unreachable':
      return { outcome: 'unknown', detail };
  }
}

// ---- callback (§4, D7)

export interface JibitCallbackClaim {
  outcome?: AttemptOutcome;
  status?: string;
  amount?: Money;
}

/** What the (unauthenticated) callback claims: recorded, never trusted. */
export function callbackClaim(state: string | undefined, amountText: string | undefined): JibitCallbackClaim {
  const claim: JibitCallbackClaim = {};
  if (state !== undefined) {
    claim.status = state;
    const known = (JIBIT_CALLBACK_STATES as readonly string[]).includes(state) ? (state as JibitCallbackState) : undefined;
    if (known === 'SUCCESSFUL') claim.outcome = 'paid';
    else if (known === 'FAILED') claim.outcome = 'failed';
  }
  // The callback's amount is always rials (§4).
  if (amountText !== undefined) claim.amount = wireAmountToMoney(amountText, 'RIALS' satisfies JibitWireCurrency);
  return claim;
}

const ORDER_IDENTIFIER_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

export function isOrderIdentifier(value: unknown): value is string {
  return typeof value === 'string' && ORDER_IDENTIFIER_PATTERN.test(value);
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

function invalid(message: string, details: Record<string, unknown>): GatewayError {
  return new GatewayError('GATEWAY.INVALID_REQUEST', message, { retrySafe: false, details: { gateway: 'jibit', ...details } });
}
