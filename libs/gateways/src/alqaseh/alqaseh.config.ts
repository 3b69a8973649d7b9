import type { RetryPlan } from '../http/retry';

export type { AlqasehConfig } from '@payledger/config';

/** Operation names: recorded on every interaction and the keys of `deps.timeoutsMs`. */
export const ALQASEH_OPERATIONS = {
  create: 'create',
  getPayment: 'get-payment',
  history: 'history',
  revoke: 'revoke',
  retry: 'retry',
  info: 'info',
} as const;
export type AlqasehOperation = (typeof ALQASEH_OPERATIONS)[keyof typeof ALQASEH_OPERATIONS];

/** §2: 30 s per request (the 5 s connect limit is the platform's; fetch has no separate knob). */
export const ALQASEH_REQUEST_TIMEOUT_MS = 30_000;

/** D15: GETs are repeated on network errors and 5xx after 1, 2 and 4 s; POSTs never are (D5, D11). */
export const ALQASEH_GET_RETRY_PLAN: RetryPlan = { delaysMs: [1_000, 2_000, 4_000], jitterRatio: 0.1 };

/** D5: after a create got no answer, look the order_id up this long after the create was sent. */
export const ALQASEH_CREATE_LOOKUP_DELAYS_MS = [10_000, 60_000] as const;
/** Not found at the last lookup: the create is lost (`create_lost`) and its order_id is never reused. */
export const ALQASEH_CREATE_LOST_AFTER_MS = ALQASEH_CREATE_LOOKUP_DELAYS_MS[ALQASEH_CREATE_LOOKUP_DELAYS_MS.length - 1];

/** D10: non-final attempts are re-queried this long after creation… */
export const ALQASEH_POLL_OFFSETS_MS = [60_000, 120_000, 300_000, 600_000] as const;
/** …then at this interval… */
export const ALQASEH_POLL_INTERVAL_MS = 15 * 60_000;
/** …until the token expiry plus this. */
export const ALQASEH_POLL_AFTER_EXPIRY_MS = 15 * 60_000;
/** D10: an `unknown` attempt is re-queried hourly… */
export const ALQASEH_UNKNOWN_POLL_INTERVAL_MS = 3_600_000;
/** …up to this long after creation, then it goes to manual reconciliation. */
export const ALQASEH_UNKNOWN_POLL_HORIZON_MS = 24 * 3_600_000;

/** D13: history page size and the bound on how far a reconciliation walk may page. */
export const ALQASEH_HISTORY_PAGE_LIMIT = 100;
export const ALQASEH_HISTORY_OFFSET_MAX = 1_000_000;
/** Rows a `history?order_id=` lookup may bring back before the reply is called malformed. */
export const ALQASEH_ORDER_LOOKUP_ROWS_MAX = 100;

/** D3/D4 field limits. */
export const ALQASEH_ORDER_ID_LENGTH_MAX = 32;
export const ALQASEH_DESCRIPTION_LENGTH_MAX = 250;
export const ALQASEH_EMAIL_LENGTH_MAX = 80;
/** Events keep only this tail of the hosted-page token (§2 Redaction). */
export const ALQASEH_TOKEN_TAIL_LENGTH = 6;
