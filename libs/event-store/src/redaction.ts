/**
 * The one place secrets and card data are removed before an event is stored. Adapters already record
 * redacted bodies; this is the last line that nothing bypasses.
 */
export type Redactor = <T>(value: T) => T;

export const REDACTED = '[REDACTED]';

/** Keys whose values never enter an event (compared case-insensitively, ignoring `-` and `_`). */
const SECRET_KEYS = new Set([
  'apikey',
  'secretkey',
  'secret',
  'clientsecret',
  'appsecret',
  'xappsecret',
  'webhooksecret',
  'password',
  'passwd',
  'accesstoken',
  'refreshtoken',
  'idtoken',
  'jwt',
  'authorization',
  'proxyauthorization',
  'cookie',
  'setcookie',
  'cvv',
  'cvv2',
  'cvc',
  'expmon',
  'expyear',
  'expiry',
]);
/** Capabilities a person could use (a payment page token): keep only the tail for correlation. */
const TAIL_ONLY_KEYS = new Set(['token', 'pagetoken']);
const TAIL_LENGTH = 6;
/** Card numbers: 13–19 digits, optionally grouped by spaces or dashes, not part of a longer number. */
const PAN_CANDIDATE = /(?<![\d])(?:\d[ -]?){12,18}\d(?![\d])/g;
const DEPTH_MAX = 32;

function normaliseKey(key: string): string {
  return key.toLowerCase().replace(/[-_]/g, '');
}

export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/** First six and last four digits kept, as a masked PAN may be. */
export function maskPan(pan: string): string {
  const digits = pan.replace(/\D/g, '');
  return `${digits.slice(0, 6)}${'*'.repeat(Math.max(0, digits.length - 10))}${digits.slice(-4)}`;
}

export function tailOnly(value: string): string {
  return value.length <= TAIL_LENGTH ? REDACTED : `…${value.slice(-TAIL_LENGTH)}`;
}

export interface RedactorOptions {
  /** Exact secret values (configured credentials): removed wherever they appear inside any string. */
  secretValues?: readonly string[];
  /** Keys whose value is itself a URL or token that should be kept only as a tail. */
  extraTailOnlyKeys?: readonly string[];
}

export function createRedactor(options: RedactorOptions = {}): Redactor {
  // Short values would match innocent text; credentials are long.
  const secrets = (options.secretValues ?? []).filter((s) => s.length >= 6).sort((a, b) => b.length - a.length);
  const tailKeys = new Set([...TAIL_ONLY_KEYS, ...(options.extraTailOnlyKeys ?? []).map(normaliseKey)]);

  const scrubString = (text: string): string => {
    let out = text;
    for (const secret of secrets) {
      if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    }
    return out.replace(PAN_CANDIDATE, (match) => {
      const digits = match.replace(/\D/g, '');
      return luhnValid(digits) ? maskPan(digits) : match;
    });
  };

  const walk = (value: unknown, depth: number): unknown => {
    if (depth > DEPTH_MAX) return REDACTED;
    if (typeof value === 'string') return scrubString(value);
    if (Array.isArray(value)) return value.map((item) => walk(item, depth + 1));
    if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
      const out: Record<string, unknown> = {};
      for (const [key, inner] of Object.entries(value as Record<string, unknown>)) {
        const normalised = normaliseKey(key);
        if (SECRET_KEYS.has(normalised)) {
          out[key] = inner === undefined || inner === null || inner === '' ? inner : REDACTED;
        } else if (tailKeys.has(normalised) && typeof inner === 'string') {
          out[key] = tailOnly(inner);
        } else {
          out[key] = walk(inner, depth + 1);
        }
      }
      return out;
    }
    return value;
  };

  return <T>(value: T) => walk(value, 0) as T;
}
