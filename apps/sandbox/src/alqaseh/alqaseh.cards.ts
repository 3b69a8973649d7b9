/**
 * The simulator's card rules (alqaseh.md §7). Card data is only ever compared here; whatever the
 * simulator logs or echoes goes through `maskCard` / `maskCardFields` first.
 */
export const TEST_CARD = { pan: '5341432900077803', cvv: '971', expiryMonth: '01', expiryYear: '2027' } as const;
export const DECLINED_PAN_SUFFIX = '0002';

export type CardVerdict = 'approved' | 'declined' | 'failed';

export interface CardInput {
  pan: string;
  cvv: string;
  expiryMonth: string;
  expiryYear: string;
}

export function judgeCard(card: CardInput): CardVerdict {
  const pan = card.pan.replace(/[\s-]/g, '');
  const year = card.expiryYear.length === 2 ? `20${card.expiryYear}` : card.expiryYear;
  const month = card.expiryMonth.padStart(2, '0');
  if (pan === TEST_CARD.pan && card.cvv === TEST_CARD.cvv && month === TEST_CARD.expiryMonth && year === TEST_CARD.expiryYear) return 'approved';
  if (/^\d{12,19}$/.test(pan) && pan.endsWith(DECLINED_PAN_SUFFIX)) return 'declined';
  return 'failed';
}

/** Expiry as typed on the page: `MM-YYYY`, `MM/YYYY` or `MM/YY`. */
export function splitExpiry(text: string): { expiryMonth: string; expiryYear: string } {
  const match = /^\s*(\d{1,2})\s*[-/]\s*(\d{2}|\d{4})\s*$/.exec(text);
  return match ? { expiryMonth: match[1], expiryYear: match[2] } : { expiryMonth: '', expiryYear: '' };
}

/** Last four digits only: the sandbox never shows more of a card number. */
export function maskCard(pan: string): string {
  const digits = pan.replace(/\D/g, '');
  return digits.length >= 4 ? `****${digits.slice(-4)}` : '****';
}

/** A card number typed into a field the simulator does not expect still never reaches the log. */
function looksLikePan(value: unknown): boolean {
  if (typeof value !== 'string' && typeof value !== 'number') return false;
  const text = String(value);
  const digits = text.replace(/[\s-]/g, '');
  return /^\d{12,19}$/.test(digits) && /^[\d\s-]+$/.test(text);
}

const CARD_KEYS = new Set(['cardnumber', 'card_number', 'pan']);
const SECRET_CARD_KEYS = new Set(['cvv', 'cvv2', 'expmon', 'expyear', 'expiry']);

/** A copy of submitted fields fit for the request log. */
export function maskCardFields(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    const normalised = key.toLowerCase();
    if (CARD_KEYS.has(normalised) || looksLikePan(value)) out[key] = maskCard(String(value ?? ''));
    else if (SECRET_CARD_KEYS.has(normalised)) out[key] = '***';
    else out[key] = value;
  }
  return out;
}
