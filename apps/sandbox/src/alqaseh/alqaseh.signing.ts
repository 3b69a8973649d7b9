import { createHmac } from 'node:crypto';

/**
 * The project's canonical `p_sign` (alqaseh.md §4.3): Al Qaseh never published its recipe, so the
 * simulator signs exactly as payledger verifies. Kept apart from the adapter's copy on purpose: both are
 * checked against the spec's fixed vectors, so a drift in either one shows up.
 */
export const P_SIGN_FIELDS = [
  'amount',
  'currency',
  'terminal_id',
  'order_id',
  'trtype',
  'rc',
  'approval',
  'rrn',
  'nonce',
  'timestamp',
  'payment_status',
] as const;
export type PSignField = (typeof P_SIGN_FIELDS)[number];
export type PSignValues = Partial<Record<PSignField, string | number>>;

/** Digits a plain-decimal rendering may hold; beyond this the amount is not a sensible payment. */
const PLAIN_DIGITS_MAX = 64;

/** `amount` as plain decimal text: no exponent, no trailing fractional zeros, no trailing point. */
export function plainAmountText(amount: number | string): string {
  const text = typeof amount === 'number' ? String(amount) : amount.trim();
  const match = /^([+-]?)(\d*)(?:\.(\d*))?(?:e([+-]?\d+))?$/i.exec(text);
  if (!match || (match[2] === '' && (match[3] ?? '') === '')) return text;
  const [, sign, whole, fraction = '', exponentText] = match;
  const exponent = exponentText ? Number(exponentText) : 0;
  if (!Number.isSafeInteger(exponent) || Math.abs(exponent) > PLAIN_DIGITS_MAX) return text;
  let digits = whole + fraction;
  let point = whole.length + exponent;
  if (point < 0) {
    digits = '0'.repeat(-point) + digits;
    point = 0;
  }
  if (point > digits.length) digits = digits.padEnd(point, '0');
  const intPart = digits.slice(0, point).replace(/^0+(?=\d)/, '') || '0';
  const fracPart = digits.slice(point).replace(/0+$/, '');
  const body = fracPart ? `${intPart}.${fracPart}` : intPart;
  return sign === '-' && body !== '0' ? `-${body}` : body;
}

export function canonicalString(values: PSignValues): string {
  return P_SIGN_FIELDS.map((field) => {
    const value = values[field];
    if (value === undefined || value === null) return '';
    return field === 'amount' ? plainAmountText(value) : String(value);
  }).join('|');
}

export function signWebhook(values: PSignValues, secret: string): string {
  return createHmac('sha256', Buffer.from(secret, 'utf8')).update(canonicalString(values), 'utf8').digest('hex');
}
