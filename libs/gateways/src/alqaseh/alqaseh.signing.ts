import { createHmac, timingSafeEqual } from 'node:crypto';
import type { AlqasehWebhookFields } from './alqaseh.types';

/**
 * `p_sign`, the project's canonical form (alqaseh.md §4.3, D8): Al Qaseh's own recipe is unpublished,
 * so this verifies what the simulator signs and whatever Al Qaseh may later confirm to match it.
 */
export const ALQASEH_P_SIGN_FIELDS = [
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
] as const satisfies readonly (keyof AlqasehWebhookFields)[];

const HEX_SIGNATURE_PATTERN = /^[0-9a-fA-F]{64}$/;
/** Digits a plain-decimal amount may expand to; a longer exponent form is left as received. */
const PLAIN_DIGITS_MAX = 64;

/**
 * Decimal text without exponent, trailing fractional zeros or trailing point (`2.5e4` → `25000`,
 * `1500.00` → `1500`). Text that is not a number comes back unchanged (and will not verify).
 */
export function plainDecimalText(value: string): string {
  const text = value.trim();
  const match = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!match || (match[2] === '' && (match[3] ?? '') === '')) return text;
  const [, sign, whole, fraction = '', exponentText] = match;
  const exponent = exponentText === undefined ? 0 : Number(exponentText);
  if (!Number.isSafeInteger(exponent) || Math.abs(exponent) > PLAIN_DIGITS_MAX) return text;
  let digits = whole + fraction;
  let point = whole.length + exponent;
  if (point < 0) {
    digits = '0'.repeat(-point) + digits;
    point = 0;
  }
  if (point > digits.length) digits = digits.padEnd(point, '0');
  const integerPart = digits.slice(0, point).replace(/^0+(?=\d)/, '') || '0';
  const fractionPart = digits.slice(point).replace(/0+$/, '');
  const body = fractionPart ? `${integerPart}.${fractionPart}` : integerPart;
  return sign === '-' && body !== '0' ? `-${body}` : body;
}

/** The eleven values joined with `|`; a missing field is the empty string. */
export function pSignCanonicalString(fields: AlqasehWebhookFields): string {
  return ALQASEH_P_SIGN_FIELDS.map((name) => {
    const value = fields[name];
    if (value === undefined) return '';
    return name === 'amount' ? plainDecimalText(value) : value;
  }).join('|');
}

/** HMAC-SHA256 keyed with the webhook secret's UTF-8 bytes, as lowercase hex. */
export function computePSign(fields: AlqasehWebhookFields, webhookSecret: string): string {
  return createHmac('sha256', Buffer.from(webhookSecret, 'utf8')).update(pSignCanonicalString(fields), 'utf8').digest('hex');
}

/** Constant-time comparison that ignores hex letter case; anything but 64 hex digits fails. */
export function verifyPSign(fields: AlqasehWebhookFields, webhookSecret: string): boolean {
  const received = fields.p_sign?.trim() ?? '';
  if (!HEX_SIGNATURE_PATTERN.test(received)) return false;
  const expected = Buffer.from(computePSign(fields, webhookSecret), 'hex');
  return timingSafeEqual(expected, Buffer.from(received.toLowerCase(), 'hex'));
}
