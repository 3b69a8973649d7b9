import type { RetryPlan } from '../http/retry';

export type { JibitConfig } from '@payledger/config';

const SECOND_MS = 1000;
const MINUTE_MS = 60 * SECOND_MS;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

/** Operation names: recorded on every interaction and the keys of `deps.timeoutsMs`. */
export const JIBIT_OPERATIONS = {
  generateToken: 'tokens-generate',
  refreshToken: 'tokens-refresh',
  createOrder: 'create-order',
  verify: 'verify',
  inquiry: 'inquiry',
  listOrders: 'list-orders',
} as const;
export type JibitOperation = (typeof JIBIT_OPERATIONS)[keyof typeof JIBIT_OPERATIONS];

/** §2: whole request 30 s (the 5 s connect timeout has no separate knob in fetch). */
export const JIBIT_REQUEST_TIMEOUT_MS = 30 * SECOND_MS;
export const JIBIT_TIMEOUTS_MS: Readonly<Record<JibitOperation, number>> = {
  'tokens-generate': JIBIT_REQUEST_TIMEOUT_MS,
  'tokens-refresh': JIBIT_REQUEST_TIMEOUT_MS,
  'create-order': JIBIT_REQUEST_TIMEOUT_MS,
  verify: JIBIT_REQUEST_TIMEOUT_MS,
  inquiry: JIBIT_REQUEST_TIMEOUT_MS,
  'list-orders': JIBIT_REQUEST_TIMEOUT_MS,
};

/** D3: lifetimes counted from the moment the generate/refresh request was sent. */
export const JIBIT_ACCESS_TOKEN_LIFETIME_MS = 24 * HOUR_MS;
export const JIBIT_REFRESH_TOKEN_LIFETIME_MS = 48 * HOUR_MS;
/** D3: renew when less than this much access-token life is left; refresh only if the refresh token has more. */
export const JIBIT_TOKEN_RENEW_BEFORE_MS = 5 * MINUTE_MS;

/** §5: verify must happen less than 15 minutes after order creation. */
export const JIBIT_VERIFY_WINDOW_MS = 15 * MINUTE_MS;

/** D12: verify, inquiry and list on network errors and 5xx: 1 s, 2 s, 4 s with jitter (verify only inside the window). */
export const JIBIT_READ_RETRY_PLAN: RetryPlan = { delaysMs: [1 * SECOND_MS, 2 * SECOND_MS, 4 * SECOND_MS], jitterRatio: 0.2 };

/**
 * D6: lookups of a create that got no answer, as offsets from our send time. The recovery job runs
 * `recoverCreate` at each; not found at the last one means the order is lost (`create_lost`).
 */
export const JIBIT_CREATE_LOOKUP_SCHEDULE_MS: readonly number[] = [10 * SECOND_MS, 30 * SECOND_MS, 60 * SECOND_MS, 120 * SECOND_MS];
/** D6: the list window searched around our send time (Jibit's clock may differ from ours). */
export const JIBIT_CREATE_LOOKUP_WINDOW_MS = { before: 2 * MINUTE_MS, after: 5 * MINUTE_MS } as const;
/** D6: pages of 100 walked per lookup; a window of 7 minutes holding 5,000 orders is beyond any merchant here. */
export const JIBIT_CREATE_LOOKUP_PAGES_MAX = 50;

/**
 * D9: inquiries of an UNKNOWN / IN_PROGRESS attempt at +1, +2, +5, +10 minutes, then every 30 minutes;
 * after 72 h without a final status the attempt is flagged for manual reconciliation (it stays `unknown`).
 */
export const JIBIT_INQUIRY_SCHEDULE = {
  offsetsMs: [1 * MINUTE_MS, 2 * MINUTE_MS, 5 * MINUTE_MS, 10 * MINUTE_MS],
  repeatEveryMs: 30 * MINUTE_MS,
  manualReviewAfterMs: 72 * HOUR_MS,
} as const;

/**
 * D10: the deadline sweep, as offsets from our send time. At +13 min an attempt without a successful
 * verify is inquired (and verified while IN_PROGRESS); at +16 min the inquiry decides.
 */
export const JIBIT_DEADLINE_CAPTURE_AT_MS = 13 * MINUTE_MS;
export const JIBIT_DEADLINE_SETTLE_AT_MS = 16 * MINUTE_MS;

/** D13: list windows of at most one day, pages of 100, pages walked from 1 while `hasNext`. */
export const JIBIT_LIST_WINDOW_MAX_MS = DAY_MS;
export const JIBIT_LIST_PAGE_SIZE = 100;
/** A day of one merchant's orders in pages of 100; beyond this the walk stops rather than loop forever. */
export const JIBIT_LIST_PAGES_PER_WINDOW_MAX = 1000;

/** D5: local checks before a create is sent. */
export const JIBIT_REFERENCE_PATTERN = /^[A-Za-z0-9-]{1,32}$/;
export const JIBIT_USER_IDENTIFIER_LENGTH_MAX = 50;
export const JIBIT_DESCRIPTION_LENGTH_MAX = 256;

/**
 * D9: when the next inquiry of an attempt that became unknown/pending at `sinceMs` is due, given that it
 * is `nowMs` now. Undefined once 72 h have passed: the attempt is then flagged for manual reconciliation.
 */
export function jibitNextInquiryAtMs(sinceMs: number, nowMs: number): number | undefined {
  const elapsed = nowMs - sinceMs;
  if (elapsed >= JIBIT_INQUIRY_SCHEDULE.manualReviewAfterMs) return undefined;
  for (const offset of JIBIT_INQUIRY_SCHEDULE.offsetsMs) {
    if (offset > elapsed) return sinceMs + offset;
  }
  const last = JIBIT_INQUIRY_SCHEDULE.offsetsMs[JIBIT_INQUIRY_SCHEDULE.offsetsMs.length - 1];
  const steps = Math.floor((elapsed - last) / JIBIT_INQUIRY_SCHEDULE.repeatEveryMs) + 1;
  const next = sinceMs + last + steps * JIBIT_INQUIRY_SCHEDULE.repeatEveryMs;
  return next - sinceMs > JIBIT_INQUIRY_SCHEDULE.manualReviewAfterMs ? undefined : next;
}

/** D9: true once an attempt has been without a final status for 72 h since `sinceMs`. */
export function jibitNeedsManualReconciliation(sinceMs: number, nowMs: number): boolean {
  return nowMs - sinceMs >= JIBIT_INQUIRY_SCHEDULE.manualReviewAfterMs;
}

/** D6: the lookup after `nowMs`, or undefined when the last one is due or past (then not found = lost). */
export function jibitNextCreateLookupAtMs(sentAtMs: number, nowMs: number): number | undefined {
  const next = JIBIT_CREATE_LOOKUP_SCHEDULE_MS.find((offset) => sentAtMs + offset > nowMs);
  return next === undefined ? undefined : sentAtMs + next;
}
