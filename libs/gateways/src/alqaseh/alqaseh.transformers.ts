import { isCurrency, Money } from '@payledger/kernel';
import { GatewayError } from '../port/gateway-error';
import type { AttemptOutcome, GatewayRecord, GatewayRefs, RedirectInstruction, StartPaymentInput } from '../port/gateway.types';
import {
  ALQASEH_DESCRIPTION_LENGTH_MAX,
  ALQASEH_EMAIL_LENGTH_MAX,
  ALQASEH_HISTORY_PAGE_LIMIT,
  ALQASEH_ORDER_ID_LENGTH_MAX,
  ALQASEH_TOKEN_TAIL_LENGTH,
} from './alqaseh.config';
import { plainDecimalText } from './alqaseh.signing';
import {
  ALQASEH_PAYMENT_STATUSES,
  AlqasehCreateRequest,
  AlqasehCreateResponse,
  AlqasehInfoResponse,
  AlqasehPaymentContext,
  AlqasehPaymentStatus,
  AlqasehRedirectQuery,
  AlqasehRetryResponse,
  AlqasehRevokeResponse,
  AlqasehWebhookFields,
} from './alqaseh.types';

/**
 * Pure mapping between Al Qaseh's wire formats and payledger's canonical types: the only place wire
 * field names, status words and amount formats are interpreted.
 */

/** The ref names this adapter stores on an attempt (and the `lookup.by` values besides `reference`). */
export const ALQASEH_REFS = {
  /** Al Qaseh `payment_id` of the newest payment context: the redirect and the API name it. */
  paymentId: 'paymentId',
  /** The `order_id` sent, which is our attempt reference (D3): the webhook names only this. */
  orderId: 'orderId',
  /** Last characters of the hosted-page token; the token itself is a capability and is not stored. */
  tokenTail: 'tokenTail',
} as const;

/** A reply whose shape this adapter cannot use; the client turns it into GATEWAY.BAD_RESPONSE. */
export class AlqasehWireShapeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AlqasehWireShapeError';
  }
}

const REFERENCE_PATTERN = /^[A-Za-z0-9-]{1,32}$/;
/** Identifiers from outside: printable, no spaces, bounded. */
const IDENTIFIER_PATTERN = /^[\x21-\x7e]{1,128}$/;
const TEXT_FIELD_LENGTH_MAX = 256;

// ---- create -----------------------------------------------------------------------------------------

/** D4: the create body exactly. */
export function toCreateRequest(input: StartPaymentInput, options: { publicBaseUrl: string; tokenExpiryHours: number }): AlqasehCreateRequest {
  if (input.amount.currency !== 'IQD') {
    throw new GatewayError('GATEWAY.INVALID_REQUEST', `alqaseh takes IQD only, not ${input.amount.currency}`, { details: { currency: input.amount.currency } });
  }
  if (!REFERENCE_PATTERN.test(input.reference)) {
    throw new GatewayError('GATEWAY.INVALID_REQUEST', `alqaseh order_id must be 1-${ALQASEH_ORDER_ID_LENGTH_MAX} characters of [A-Za-z0-9-]`, {
      details: { reference: input.reference },
    });
  }
  const base = options.publicBaseUrl.replace(/\/+$/, '');
  const email = input.customer.email?.trim();
  return {
    amount: wholeDinars(input.amount),
    currency: 'IQD',
    order_id: input.reference,
    description: trimDescription(input.description ?? `Order ${input.orderId}`),
    redirect_url: `${base}/callbacks/alqaseh`,
    webhook_url: `${base}/webhooks/alqaseh`,
    transaction_type: 'Retail',
    token_expiry_in_hour: options.tokenExpiryHours,
    custom_data: { attemptRef: input.reference, paymentRef: input.paymentId },
    ...(email && email.length <= ALQASEH_EMAIL_LENGTH_MAX ? { email } : {}),
    country: 'IQ',
  };
}

/** D12: whole IQD as a JSON integer. */
export function wholeDinars(amount: Money): number {
  const value = Number(amount.amountMinor);
  if (amount.currency !== 'IQD' || amount.amountMinor <= 0n || !Number.isSafeInteger(value)) {
    throw new GatewayError('GATEWAY.INVALID_REQUEST', `alqaseh amount must be a positive whole IQD amount, got ${amount.toString()}`);
  }
  return value;
}

/** Trimmed, then cut to 250 characters without splitting a character in two. */
export function trimDescription(text: string): string {
  const characters = Array.from(text.trim());
  const kept = characters.length > ALQASEH_DESCRIPTION_LENGTH_MAX ? characters.slice(0, ALQASEH_DESCRIPTION_LENGTH_MAX).join('').trimEnd() : characters.join('');
  return kept === '' ? 'Payment' : kept;
}

export function tokenTail(token: string): string {
  return token.slice(-ALQASEH_TOKEN_TAIL_LENGTH);
}

export function payPageRedirect(payBaseUrl: string, token: string): RedirectInstruction {
  return { method: 'GET', url: `${payBaseUrl.replace(/\/+$/, '')}/pay/${encodeURIComponent(token)}` };
}

export function attemptRefs(reference: string, paymentId: string, token?: string): GatewayRefs {
  return {
    [ALQASEH_REFS.paymentId]: paymentId,
    [ALQASEH_REFS.orderId]: reference,
    ...(token ? { [ALQASEH_REFS.tokenTail]: tokenTail(token) } : {}),
  };
}

// ---- replies ----------------------------------------------------------------------------------------

function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

function requiredText(json: Record<string, unknown>, key: string, what: string): string {
  const value = text(json[key]);
  if (value === undefined || value.trim() === '') throw new AlqasehWireShapeError(`${what}: ${key} missing or empty`);
  return value.trim();
}

/** D4: 200 or 201 with non-empty `payment_id` and `token`. */
export function readCreateResponse(json: Record<string, unknown>): AlqasehCreateResponse {
  return { payment_id: requiredText(json, 'payment_id', 'create reply'), token: requiredText(json, 'token', 'create reply') };
}

/**
 * A JSON amount kept as exact decimal text. A JSON number has already been through a double, which holds
 * every whole dinar below 2^53 exactly; its shortest text is what the gateway wrote.
 */
export function amountTextOf(value: unknown): string | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? plainDecimalText(String(value)) : undefined;
  if (typeof value === 'string' && /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/.test(value)) return plainDecimalText(value);
  return undefined;
}

export function readPaymentContext(json: Record<string, unknown>, what = 'payment context'): AlqasehPaymentContext {
  const status = text(json.payment_status);
  if (status === undefined || status.trim() === '') throw new AlqasehWireShapeError(`${what}: payment_status missing`);
  const histories = Array.isArray(json.payment_status_histories)
    ? json.payment_status_histories
        .filter((h): h is Record<string, unknown> => h !== null && typeof h === 'object')
        .map((h) => ({ status: text(h.status) ?? '', created_at: text(h.created_at) }))
    : undefined;
  return {
    payment_id: requiredText(json, 'payment_id', what),
    order_id: text(json.order_id),
    amountText: amountTextOf(json.amount),
    currency: text(json.currency),
    payment_status: status.trim(),
    transaction_type: text(json.transaction_type),
    approval_code: text(json.approval_code),
    rc: text(json.rc),
    rrn: text(json.rrn),
    created_at: text(json.created_at),
    token: text(json.token),
    payment_status_histories: histories,
  };
}

/** `{ payments: [...] }` ([LARA] README). */
export function readHistory(json: Record<string, unknown>, rowsMax = ALQASEH_HISTORY_PAGE_LIMIT): AlqasehPaymentContext[] {
  if (!Array.isArray(json.payments)) throw new AlqasehWireShapeError('history reply: payments is not an array');
  if (json.payments.length > rowsMax) throw new AlqasehWireShapeError(`history reply: ${json.payments.length} rows, more than asked for`);
  return json.payments.map((row, i) => {
    if (row === null || typeof row !== 'object' || Array.isArray(row)) throw new AlqasehWireShapeError(`history reply: row ${i} is not an object`);
    return readPaymentContext(row as Record<string, unknown>, `history row ${i}`);
  });
}

export function readRevokeResponse(json: Record<string, unknown>): AlqasehRevokeResponse {
  return { payment_id: text(json.payment_id), order_id: text(json.order_id), payment_status: (text(json.payment_status) ?? '').trim() };
}

export function readRetryResponse(json: Record<string, unknown>): AlqasehRetryResponse {
  return {
    payment_id: requiredText(json, 'payment_id', 'retry reply'),
    payment_status: (text(json.payment_status) ?? '').trim(),
    token: requiredText(json, 'token', 'retry reply'),
  };
}

export function readInfoResponse(json: Record<string, unknown>): AlqasehInfoResponse {
  return {
    amountText: amountTextOf(json.amount),
    currency: text(json.currency),
    description: text(json.description),
    payment_status: requiredText(json, 'payment_status', 'info reply'),
  };
}

// ---- money ------------------------------------------------------------------------------------------

/** D12: whole IQD only; a fractional or non-IQD amount is a discrepancy, never rounded. */
export function wireAmountToMoney(amountText: string | undefined, currency: string | undefined): { money?: Money; problem?: string } {
  if (amountText === undefined) return { problem: 'amount missing or not a number' };
  const code = (currency ?? '').trim().toUpperCase();
  if (code !== 'IQD') return { problem: `currency ${JSON.stringify(currency ?? null)} is not IQD` };
  if (!isCurrency(code)) return { problem: `currency ${code} unsupported` };
  try {
    return { money: Money.parse(amountText, code) };
  } catch {
    return { problem: `amount ${amountText} is not a whole IQD amount` };
  }
}

// ---- statuses ---------------------------------------------------------------------------------------

export function isAlqasehPaymentStatus(value: string): value is AlqasehPaymentStatus {
  return (ALQASEH_PAYMENT_STATUSES as readonly string[]).includes(value);
}

/** D9 without the amount comparison; anything unrecognised is `unknown` (polled, never guessed). */
export function outcomeOfStatus(status: string): AttemptOutcome {
  const normalised = status.trim().toLowerCase();
  if (!isAlqasehPaymentStatus(normalised)) return 'unknown';
  switch (normalised) {
    case 'succeeded':
      return 'paid';
    case 'failed':
    case 'declined':
      return 'failed';
    case 'expired':
      return 'expired';
    case 'revoked':
      return 'canceled';
    case 'prepared':
    case 'retried':
      return 'pending';
    case 'unknown':
    case 'duplicated':
      return 'unknown';
  }
}

/** Where the buyer can still pay and the merchant can still revoke (§5). */
export function isOpenStatus(status: string): boolean {
  const normalised = status.trim().toLowerCase();
  return normalised === 'prepared' || normalised === 'retried';
}

/** The coarse words of the redirect and webhook, as a claim only (compared case-insensitively). */
export function claimedOutcomeOfCoarse(status: string | undefined): AttemptOutcome | undefined {
  switch (status?.trim().toLowerCase()) {
    case 'success':
      return 'paid';
    case 'failed':
      return 'failed';
    case 'pending':
      return 'pending';
    default:
      return undefined;
  }
}

export interface AlqasehDecision {
  outcome: AttemptOutcome;
  gatewayAmount?: Money;
  gatewayStatus: string;
  detail: string;
  /** Set when ops must look (D9: amount mismatch, duplicated order_id). */
  alert?: string;
}

/** D9: the outcome of a re-query, compared with what the attempt asked for. */
export function decideOutcome(context: AlqasehPaymentContext, attempt: { reference: string; amount: Money }): AlqasehDecision {
  const status = context.payment_status.trim().toLowerCase();
  const amount = wireAmountToMoney(context.amountText, context.currency);
  const base = { gatewayAmount: amount.money, gatewayStatus: context.payment_status };
  if (status === 'succeeded') {
    const differences: string[] = [];
    if (amount.problem) differences.push(amount.problem);
    else if (amount.money && !amount.money.equals(attempt.amount)) differences.push(`amount ${amount.money.toString()} ≠ asked ${attempt.amount.toString()}`);
    if (context.order_id !== attempt.reference) differences.push(`order_id ${JSON.stringify(context.order_id ?? null)} ≠ ${attempt.reference}`);
    if (differences.length > 0) {
      const detail = `succeeded with ${differences.join('; ')}`;
      return { ...base, outcome: 'amount_mismatch', detail, alert: detail };
    }
    return { ...base, outcome: 'paid', detail: `succeeded, ${amount.money!.toString()} for ${attempt.reference}` };
  }
  if (status === 'duplicated') {
    const detail = `order_id ${attempt.reference} reported duplicated: it collided with another context`;
    return { ...base, outcome: 'unknown', detail, alert: detail };
  }
  const outcome = outcomeOfStatus(status);
  return { ...base, outcome, detail: isAlqasehPaymentStatus(status) ? status : `unrecognised payment_status ${JSON.stringify(context.payment_status)}` };
}

/** The context a lookup by order_id should adopt: the newest, preferring any that is not `duplicated`. */
export function pickNewestContext(rows: AlqasehPaymentContext[]): AlqasehPaymentContext | undefined {
  const time = (row: AlqasehPaymentContext) => {
    const ms = row.created_at ? Date.parse(row.created_at) : NaN;
    return Number.isFinite(ms) ? ms : -Infinity;
  };
  const usable = rows.filter((row) => row.payment_status.trim().toLowerCase() !== 'duplicated');
  const pool = usable.length > 0 ? usable : rows;
  return pool.reduce<AlqasehPaymentContext | undefined>((newest, row) => (newest === undefined || time(row) >= time(newest) ? row : newest), undefined);
}

// ---- reconciliation ---------------------------------------------------------------------------------

/** D13 query of one history page, in [from, to). */
export function historyPageQuery(window: { from: Date; to: Date }, offset: number): Record<string, string> {
  return {
    from: window.from.toISOString(),
    to: window.to.toISOString(),
    limit: String(ALQASEH_HISTORY_PAGE_LIMIT),
    offset: String(offset),
    order_by: 'asc',
    order_field: 'created_at',
  };
}

export function toGatewayRecord(row: AlqasehPaymentContext): GatewayRecord {
  const amount = wireAmountToMoney(row.amountText, row.currency);
  const createdMs = row.created_at ? Date.parse(row.created_at) : NaN;
  let outcome = outcomeOfStatus(row.payment_status);
  // D12: a paid row whose amount is not whole IQD is a discrepancy, not a sale.
  if (outcome === 'paid' && amount.problem) outcome = 'amount_mismatch';
  return {
    reference: row.order_id ?? '',
    refs: { [ALQASEH_REFS.paymentId]: row.payment_id, ...(row.order_id ? { [ALQASEH_REFS.orderId]: row.order_id } : {}) },
    amount: amount.money,
    outcome,
    gatewayStatus: row.payment_status,
    createdAt: Number.isFinite(createdMs) ? new Date(createdMs) : undefined,
  };
}

// ---- inbound requests -------------------------------------------------------------------------------

export type InboundRead<T> = { ok: true; value: T } | { ok: false; message: string };

function single(value: string | string[] | undefined, key: string): InboundRead<string | undefined> {
  if (value === undefined) return { ok: true, value: undefined };
  if (Array.isArray(value)) return { ok: false, message: `${key} appears more than once` };
  return { ok: true, value };
}

/** §4.1: `payment_id`, `order_id`, `status` from the browser's GET. */
export function readRedirectQuery(query: Record<string, string | string[] | undefined>): InboundRead<AlqasehRedirectQuery> {
  const out: AlqasehRedirectQuery = {};
  for (const key of ['payment_id', 'order_id', 'status'] as const) {
    const read = single(query[key], key);
    if (!read.ok) return read;
    const value = read.value?.trim();
    if (value === undefined || value === '') continue;
    if (!IDENTIFIER_PATTERN.test(value)) return { ok: false, message: `${key} is not a plausible value` };
    out[key] = value;
  }
  if (!out.payment_id && !out.order_id) return { ok: false, message: 'payment_id or order_id is required' };
  return { ok: true, value: out };
}

const WEBHOOK_FIELDS = ['amount', 'currency', 'terminal_id', 'order_id', 'trtype', 'rc', 'approval', 'rrn', 'p_sign', 'nonce', 'timestamp', 'payment_status'] as const;
const WEBHOOK_FIELD_COUNT_MAX = 64;

/**
 * §4.2 fields from a JSON object or form fields (the encoding is not documented), each as received text.
 * `body` is what the api parsed; `rawBody` is used when it parsed nothing.
 */
export function readWebhookBody(body: unknown, rawBody: string | undefined, contentType: string | undefined): InboundRead<{ fields: AlqasehWebhookFields; all: Record<string, string>; encoding: 'json' | 'form' }> {
  let source: unknown = body;
  let encoding: 'json' | 'form' = (contentType ?? '').includes('x-www-form-urlencoded') ? 'form' : 'json';
  if ((source === undefined || source === null || source === '') && rawBody && rawBody.trim() !== '') {
    const raw = rawBody.trim();
    if (raw.startsWith('{')) {
      encoding = 'json';
      try {
        source = JSON.parse(raw);
      } catch {
        return { ok: false, message: 'body is not valid JSON' };
      }
    } else {
      encoding = 'form';
      source = Object.fromEntries(new URLSearchParams(raw).entries());
    }
  }
  if (source === null || typeof source !== 'object' || Array.isArray(source)) return { ok: false, message: 'body is not a JSON object or form' };
  const entries = Object.entries(source as Record<string, unknown>);
  if (entries.length > WEBHOOK_FIELD_COUNT_MAX) return { ok: false, message: 'too many fields' };
  const all: Record<string, string> = {};
  for (const [key, value] of entries) {
    if (value === null || value === undefined) continue;
    if (typeof value === 'object') return { ok: false, message: `${key} is not a scalar` };
    const asText = String(value);
    if (asText.length > TEXT_FIELD_LENGTH_MAX) return { ok: false, message: `${key} is too long` };
    all[key] = asText;
  }
  const fields: AlqasehWebhookFields = {};
  for (const key of WEBHOOK_FIELDS) if (all[key] !== undefined) fields[key] = all[key];
  return { ok: true, value: { fields, all, encoding } };
}

export function isPlausibleOrderId(value: string | undefined): value is string {
  return value !== undefined && IDENTIFIER_PATTERN.test(value);
}
