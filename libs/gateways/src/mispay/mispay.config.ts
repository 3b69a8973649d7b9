import type { RetryPlan } from '../http/retry';

export type { MispayConfig } from '@payledger/config';

export const MISPAY_GATEWAY = 'mispay' as const;

/** Our names for the calls: recorded with every interaction and the keys of `deps.timeoutsMs`. */
export const MISPAY_OPERATIONS = {
  token: 'token',
  startCheckout: 'start-checkout',
  getCheckout: 'get-checkout',
  trackCheckout: 'track-checkout',
  endCheckout: 'end-checkout',
  refund: 'refund',
  updateOrderId: 'update-order-id',
} as const;
export type MispayOperation = (typeof MISPAY_OPERATIONS)[keyof typeof MISPAY_OPERATIONS];

/** mispay.md §2: 30 s per request; the track-checkout job depends on exactly this (D7). */
export const REQUEST_TIMEOUT_MS = 30_000;
export const MISPAY_TIMEOUTS_MS: Readonly<Record<MispayOperation, number>> = {
  token: REQUEST_TIMEOUT_MS,
  'start-checkout': REQUEST_TIMEOUT_MS,
  'get-checkout': REQUEST_TIMEOUT_MS,
  'track-checkout': REQUEST_TIMEOUT_MS,
  'end-checkout': REQUEST_TIMEOUT_MS,
  refund: REQUEST_TIMEOUT_MS,
  'update-order-id': REQUEST_TIMEOUT_MS,
};

/** D3: renew this long before the token expires. */
export const TOKEN_RENEW_BEFORE_MS = 60_000;
/** D3: lifetime assumed when neither `expiration` nor the JWT `exp` says. */
export const TOKEN_LIFETIME_FALLBACK_MS = 60 * 60_000;
/** D3: after a 401/ME10/ME11, one new token and one more try; never a loop. */
export const AUTH_TRIES_MAX = 2;

/** D6: end is retried on network errors and 5xx after 1 s, 2 s and 4 s. */
export const END_RETRY_PLAN: RetryPlan = { delaysMs: [1_000, 2_000, 4_000], jitterRatio: 0.1 };
/** D6: while end keeps failing the attempt stays `authorized`; a job retries it this often … */
export const END_JOB_INTERVAL_MS = 5 * 60_000;
/** … for this long after the attempt became authorized, then flags it for ops. */
export const END_JOB_WINDOW_MS = 24 * 60 * 60_000;

/** D7: a quick non-terminal track-checkout reply waits 5 s, doubling … */
export const TRACK_BACKOFF_INITIAL_MS = 5_000;
/** … capped at 3 minutes, back to 5 s whenever the status changes. */
export const TRACK_BACKOFF_MAX_MS = 3 * 60_000;
/** D7: the job stops this long after start-checkout and the attempt becomes `expired`. */
export const TRACK_WINDOW_MS = 24 * 60 * 60_000;
/** D7: a long-poll that used up its timeout means "no change yet": ask again at once. */
export const TRACK_AFTER_LONG_POLL_MS = 0;

/**
 * D7 back-off for the track-checkout job, which owns the previous delay: 5 s after the first quick
 * non-terminal reply or a status change, doubling after each unchanged one, never above 3 minutes.
 * Connection errors and 5xx back off the same way.
 */
export function nextTrackCheckoutDelayMs(previousDelayMs: number | undefined, statusChanged: boolean): number {
  if (previousDelayMs === undefined || statusChanged || previousDelayMs <= 0) return TRACK_BACKOFF_INITIAL_MS;
  return Math.min(previousDelayMs * 2, TRACK_BACKOFF_MAX_MS);
}

/** D4: our attempt reference is the MIS Pay `orderId`. */
export const ORDER_ID_PATTERN = /^[A-Za-z0-9-]{1,32}$/;
/** D10: a merchant's replacement order id; MIS Pay publishes no rule, so only the shared 32-character bound. */
export const NEW_ORDER_ID_PATTERN = /^[\x21-\x7E]{1,32}$/;
export const LANG_DEFAULT = 'ar';
export const SCHEMA_VERSION = 'v1.2';
export const MISPAY_CURRENCY = 'SAR';
/** A start-checkout carries at most this many line items (a bound, not a MIS Pay rule). */
export const ITEMS_MAX = 500;

export const CALLBACK_PATH = '/callbacks/mispay';
export const WEBHOOK_PATH = '/webhooks/mispay';
