import { JIBIT_SIM_CODES } from './jibit-sandbox.errors';

export type JibitSimCurrency = 'RIALS' | 'TOMAN';
export const JIBIT_SIM_CURRENCIES: readonly JibitSimCurrency[] = ['RIALS', 'TOMAN'];

/** The §3.4 body once it has passed validation. */
export interface CreateOrderFields {
  amount: number;
  currency: JibitSimCurrency;
  referenceNumber: string;
  userIdentifier: string;
  callbackUrl: string;
  description?: string;
  additionalData?: string;
  payerCardNumber?: string;
  forcePayerCardNumber: boolean;
  nationalCode?: string;
}

export type CreateOrderValidation = { ok: true; fields: CreateOrderFields } | { ok: false; codes: string[] };

/** D11: the minimum is "more than 99", whatever the currency. */
export const JIBIT_SIM_AMOUNT_MIN_EXCLUSIVE = 99;

const STRING_FIELDS = ['referenceNumber', 'userIdentifier', 'callbackUrl', 'description', 'additionalData', 'payerCardNumber', 'nationalCode'] as const;
type StringField = (typeof STRING_FIELDS)[number];
/** Jackson-style: scalars bind to a String field, objects and arrays do not. */
const STRING_LENGTH_MAX = 4096;

class TypeMismatch extends Error {}

/**
 * Validates a create-order body the way a Spring/Jackson service does: a field of the wrong type fails
 * binding first (`binding.type_mismatch`, one error); then every bean-validation error is reported together.
 */
export function validateCreateOrder(body: unknown, limits: { amountMax: number }): CreateOrderValidation {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return { ok: false, codes: [JIBIT_SIM_CODES.invalidBody] };
  const raw = body as Record<string, unknown>;
  let amount: number | undefined;
  let currency: JibitSimCurrency | undefined;
  let currencyBlank = false;
  let forcePayerCardNumber = false;
  const strings: Partial<Record<StringField, string>> = {};
  try {
    amount = bindLong(raw.amount);
    if (raw.currency === undefined) currency = 'RIALS';
    else if (raw.currency === null || raw.currency === '') currencyBlank = true;
    else if (typeof raw.currency === 'string' && (JIBIT_SIM_CURRENCIES as readonly string[]).includes(raw.currency)) currency = raw.currency as JibitSimCurrency;
    else throw new TypeMismatch();
    for (const field of STRING_FIELDS) strings[field] = bindString(raw[field]);
    forcePayerCardNumber = bindBoolean(raw.forcePayerCardNumber);
  } catch (error) {
    if (error instanceof TypeMismatch) return { ok: false, codes: [JIBIT_SIM_CODES.typeMismatch] };
    throw error;
  }

  const codes: string[] = [];
  if (!strings.userIdentifier?.trim()) codes.push(JIBIT_SIM_CODES.userIdentifierRequired);
  if (!strings.referenceNumber?.trim()) codes.push(JIBIT_SIM_CODES.referenceNumberRequired);
  if (amount === undefined) codes.push(JIBIT_SIM_CODES.amountRequired);
  else if (amount <= JIBIT_SIM_AMOUNT_MIN_EXCLUSIVE) codes.push(JIBIT_SIM_CODES.amountPositive);
  else if (amount > limits.amountMax) codes.push(JIBIT_SIM_CODES.amountMaxExceeded);
  if (currencyBlank) codes.push(JIBIT_SIM_CODES.currencyRequired);
  if (!strings.callbackUrl?.trim()) codes.push(JIBIT_SIM_CODES.callbackUrlRequired);
  else if (!isHttpUrl(strings.callbackUrl)) codes.push(JIBIT_SIM_CODES.callbackUrlNotValid);
  if (codes.length > 0) return { ok: false, codes };

  return {
    ok: true,
    fields: {
      amount: amount!,
      currency: currency!,
      referenceNumber: strings.referenceNumber!,
      userIdentifier: strings.userIdentifier!,
      callbackUrl: strings.callbackUrl!,
      description: strings.description,
      additionalData: strings.additionalData,
      payerCardNumber: strings.payerCardNumber,
      forcePayerCardNumber,
      nationalCode: strings.nationalCode,
    },
  };
}

function bindLong(value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
  if (typeof value === 'string' && /^-?\d{1,15}$/.test(value.trim())) return Number(value.trim());
  throw new TypeMismatch();
}

function bindString(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') {
    if (value.length > STRING_LENGTH_MAX) throw new TypeMismatch();
    return value;
  }
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new TypeMismatch();
}

/** The document types it as a string; peers send a JSON boolean. Both bind. */
function bindBoolean(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === 'false') return value === 'true';
  throw new TypeMismatch();
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}
