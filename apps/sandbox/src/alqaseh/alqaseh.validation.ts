import type { SimErrorCode } from './alqaseh.errors';
import { HistoryFilters, ORDER_FIELDS, OrderField, TRANSACTION_TYPES, TransactionType, UNSUPPORTED_TRANSACTION_TYPES } from './alqaseh.state';

/** What the gateway stores of an order id, although its OpenAPI allows 250 (alqaseh.md §3.1). */
export const ORDER_ID_LENGTH_MAX = 32;
export const DESCRIPTION_LENGTH_MAX = 250;
export const EMAIL_LENGTH_MAX = 80;
export const NONCE_LENGTH_MAX = 64;
export const P_SIGN_LENGTH_MAX = 256;
export const TOKEN_EXPIRY_HOURS_DEFAULT = 1;
/** The simulator's own ceiling on `token_expiry_in_hour` (30 days); Al Qaseh's is unknown. */
export const TOKEN_EXPIRY_HOURS_MAX = 720;
export const HISTORY_LIMIT_DEFAULT = 20;
export const HISTORY_LIMIT_MAX = 1000;
export const HISTORY_OFFSET_MAX = 10_000_000;
const URL_LENGTH_MAX = 2048;

export interface Refusal {
  code: SimErrorCode;
  message: string;
}

export interface CreateRequest {
  amount: number;
  currency: string;
  orderId: string;
  description: string;
  redirectUrl: string;
  webhookUrl?: string;
  transactionType: TransactionType;
  email?: string;
  country?: string;
  customData?: Record<string, unknown>;
  tokenExpiryHours: number;
  nonce?: string;
  pSign?: string;
}

const invalid = (message: string): Refusal => ({ code: 'invalid_request', message });

function isHttpUrl(value: unknown): value is string {
  if (typeof value !== 'string' || value.length > URL_LENGTH_MAX) return false;
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

function optionalString(body: Record<string, unknown>, key: string, lengthMin: number, lengthMax: number): Refusal | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || value.length < lengthMin || value.length > lengthMax) return invalid(`${key} must be a string of ${lengthMin}-${lengthMax} characters`);
  return undefined;
}

/** §3.1 validation, first problem wins. */
export function validateCreate(body: unknown): CreateRequest | Refusal {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return invalid('body must be a JSON object');
  const b = body as Record<string, unknown>;
  if (typeof b.amount !== 'number' || !Number.isFinite(b.amount) || b.amount <= 0 || b.amount > Number.MAX_SAFE_INTEGER) return invalid('amount must be a number greater than 0');
  if (typeof b.currency !== 'string' || !/^[A-Z]{3}$/.test(b.currency)) return invalid('currency must be an ISO 4217 alpha-3 code');
  if (typeof b.order_id !== 'string' || b.order_id.length === 0) return invalid('order_id is required');
  if (b.order_id.length > ORDER_ID_LENGTH_MAX) return invalid(`order_id must be at most ${ORDER_ID_LENGTH_MAX} characters`);
  if (typeof b.description !== 'string' || b.description.length === 0 || b.description.length > DESCRIPTION_LENGTH_MAX) {
    return invalid(`description must be a string of 1-${DESCRIPTION_LENGTH_MAX} characters`);
  }
  if (!isHttpUrl(b.redirect_url)) return invalid('redirect_url must be an http(s) URL');
  if (typeof b.transaction_type !== 'string' || !(TRANSACTION_TYPES as readonly string[]).includes(b.transaction_type)) {
    return invalid(`transaction_type must be one of ${TRANSACTION_TYPES.join(', ')}`);
  }
  if (UNSUPPORTED_TRANSACTION_TYPES.has(b.transaction_type)) {
    return { code: 'unsupported_transaction_type', message: `transaction_type ${b.transaction_type} is not supported by the sandbox` };
  }
  if (b.webhook_url !== undefined && b.webhook_url !== null && !isHttpUrl(b.webhook_url)) return invalid('webhook_url must be an http(s) URL');
  const problem =
    optionalString(b, 'email', 1, EMAIL_LENGTH_MAX) ?? optionalString(b, 'nonce', 1, NONCE_LENGTH_MAX) ?? optionalString(b, 'p_sign', 1, P_SIGN_LENGTH_MAX);
  if (problem) return problem;
  if (b.country !== undefined && b.country !== null && (typeof b.country !== 'string' || !/^[A-Z]{2}$/.test(b.country))) return invalid('country must be an ISO 3166 alpha-2 code');
  if (b.custom_data !== undefined && b.custom_data !== null && (typeof b.custom_data !== 'object' || Array.isArray(b.custom_data))) return invalid('custom_data must be an object');
  const hours = b.token_expiry_in_hour;
  if (hours !== undefined && hours !== null && !(Number.isInteger(hours) && (hours as number) >= 1 && (hours as number) <= TOKEN_EXPIRY_HOURS_MAX)) {
    return invalid(`token_expiry_in_hour must be an integer of 1-${TOKEN_EXPIRY_HOURS_MAX}`);
  }
  return {
    amount: b.amount,
    currency: b.currency,
    orderId: b.order_id,
    description: b.description,
    redirectUrl: b.redirect_url as string,
    webhookUrl: typeof b.webhook_url === 'string' ? b.webhook_url : undefined,
    transactionType: b.transaction_type as TransactionType,
    email: typeof b.email === 'string' ? b.email : undefined,
    country: typeof b.country === 'string' ? b.country : undefined,
    customData: (b.custom_data as Record<string, unknown> | undefined) ?? undefined,
    tokenExpiryHours: typeof hours === 'number' ? hours : TOKEN_EXPIRY_HOURS_DEFAULT,
    nonce: typeof b.nonce === 'string' ? b.nonce : undefined,
    pSign: typeof b.p_sign === 'string' ? b.p_sign : undefined,
  };
}

export function isRefusal(value: unknown): value is Refusal {
  return value !== null && typeof value === 'object' && 'code' in value && 'message' in value && !('orderId' in value);
}

export interface HistoryQuery {
  filters: HistoryFilters;
  limit: number;
  offset: number;
  orderBy: 'asc' | 'desc';
  orderField: OrderField;
}

const HISTORY_FILTER_KEYS = ['amount', 'approval', 'currency', 'from', 'to', 'language', 'order_id', 'payment_id', 'payment_status', 'rc', 'rrn', 'transaction_type'] as const;

/** The history query of §3, as Express hands it over (strings, or arrays when a key repeats). */
export function parseHistoryQuery(query: Record<string, unknown>): HistoryQuery | Refusal {
  const text: Record<string, string> = {};
  for (const key of [...HISTORY_FILTER_KEYS, 'limit', 'offset', 'order_by', 'order_field']) {
    const value = query[key];
    if (value === undefined) continue;
    if (typeof value !== 'string') return invalid(`${key} must be given once`);
    text[key] = value;
  }
  const integer = (key: string, fallback: number, min: number, max: number): number | Refusal => {
    if (text[key] === undefined) return fallback;
    if (!/^\d+$/.test(text[key])) return invalid(`${key} must be an integer`);
    const value = Number(text[key]);
    return value >= min && value <= max ? value : invalid(`${key} must be between ${min} and ${max}`);
  };
  const limit = integer('limit', HISTORY_LIMIT_DEFAULT, 1, HISTORY_LIMIT_MAX);
  if (typeof limit !== 'number') return limit;
  const offset = integer('offset', 0, 0, HISTORY_OFFSET_MAX);
  if (typeof offset !== 'number') return offset;
  const orderBy = (text.order_by ?? 'desc').toLowerCase();
  if (orderBy !== 'asc' && orderBy !== 'desc') return invalid('order_by must be asc or desc');
  const orderField = text.order_field ?? 'created_at';
  if (!(ORDER_FIELDS as readonly string[]).includes(orderField)) return invalid(`order_field must be one of ${ORDER_FIELDS.join(', ')}`);
  const filters: HistoryFilters = {};
  if (text.amount !== undefined) {
    if (!/^\d+(\.\d+)?$/.test(text.amount)) return invalid('amount must be a number');
    filters.amount = Number(text.amount);
  }
  for (const key of ['from', 'to'] as const) {
    if (text[key] === undefined) continue;
    const ms = Date.parse(text[key]);
    if (!Number.isFinite(ms)) return invalid(`${key} must be a date or date-time`);
    if (key === 'from') filters.fromMs = ms;
    else filters.toMs = ms;
  }
  filters.approval = text.approval;
  filters.currency = text.currency;
  filters.orderId = text.order_id;
  filters.paymentId = text.payment_id;
  filters.paymentStatus = text.payment_status;
  filters.rc = text.rc;
  filters.rrn = text.rrn;
  filters.transactionType = text.transaction_type;
  return { filters, limit, offset, orderBy, orderField: orderField as OrderField };
}
