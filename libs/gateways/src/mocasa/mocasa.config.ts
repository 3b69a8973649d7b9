import type { RetryPlan } from '../http/retry';
import type { MocasaOperation } from './mocasa.types';

export type { MocasaConfig } from '@payledger/config';

const SECOND_MS = 1000;
const MINUTE_MS = 60 * SECOND_MS;
const HOUR_MS = 60 * MINUTE_MS;

export const MOCASA_GATEWAY = 'mocasa' as const;
export const MOCASA_CURRENCY = 'PHP' as const;

/** §2: 30 s per request. (The 5 s connect limit cannot be set apart through fetch; the request limit covers it.) */
export const MOCASA_REQUEST_TIMEOUT_MS = 30 * SECOND_MS;
export const MOCASA_TIMEOUTS_MS: Readonly<Record<MocasaOperation, number>> = {
  'token-apply': MOCASA_REQUEST_TIMEOUT_MS,
  'create-order': MOCASA_REQUEST_TIMEOUT_MS,
  'query-order': MOCASA_REQUEST_TIMEOUT_MS,
  'refund-order': MOCASA_REQUEST_TIMEOUT_MS,
  'create-account': MOCASA_REQUEST_TIMEOUT_MS,
  'initiate-transfer': MOCASA_REQUEST_TIMEOUT_MS,
  'query-transfer': MOCASA_REQUEST_TIMEOUT_MS,
};

/** D3: renew this long before the token's expiry. */
export const MOCASA_TOKEN_RENEW_BEFORE_MS = 60 * SECOND_MS;
/** D2: a lifetime above this is a misread `expireTime`; capping it keeps a dead token from being trusted for long. */
export const MOCASA_TOKEN_LIFETIME_MAX_MS = 24 * HOUR_MS;
/** D2: `expireTime` above this is epoch ms, at or below it seconds from the request. */
export const MOCASA_EXPIRE_TIME_EPOCH_MS_THRESHOLD = 1e12;

/** D6: after a create without an answer, the order is queried at these offsets from the start of recovery. */
export const MOCASA_CREATE_RECOVERY_SCHEDULE_MS: readonly number[] = [5 * SECOND_MS, 15 * SECOND_MS, 45 * SECOND_MS];
/** D12(3): the same schedule for a transfer whose initiate reply was lost. */
export const MOCASA_TRANSFER_RECOVERY_SCHEDULE_MS: readonly number[] = [5 * SECOND_MS, 15 * SECOND_MS, 45 * SECOND_MS];
/** D6/D12: "not found" this many times in a row before the create / initiate is sent again with the same id. */
export const MOCASA_NOT_FOUND_STREAK_TO_RESEND = 2;

/** D10: re-query offsets for a non-final order (+1, +2, +5, +10 min), then every 30 min up to 24 h. */
export const MOCASA_REQUERY_EARLY_OFFSETS_MS: readonly number[] = [1 * MINUTE_MS, 2 * MINUTE_MS, 5 * MINUTE_MS, 10 * MINUTE_MS];
export const MOCASA_REQUERY_INTERVAL_MS = 30 * MINUTE_MS;
export const MOCASA_REQUERY_WINDOW_MS = 24 * HOUR_MS;

/**
 * The order and transfer queries change nothing at Mocasa, so a transient failure is tried again a
 * couple of times before the caller's polling takes over. Mutating calls are never repeated.
 */
export const MOCASA_QUERY_RETRY_PLAN: RetryPlan = { delaysMs: [500, 1500], jitterRatio: 0.2 };

/** Envelope codes that mean "this orderNo / transferSerialNo is already taken" (simulator convention; D6, D12). */
export const MOCASA_DUPLICATE_ORDER_CODES: readonly string[] = ['DUPLICATE_ORDER_NO'];
export const MOCASA_DUPLICATE_TRANSFER_CODES: readonly string[] = ['DUPLICATE_TRANSFER_SERIAL_NO'];

/** The query parameter of our returnUrl that carries the attempt reference (D6, D7). */
export const MOCASA_RETURN_REFERENCE_PARAM = 'reference';
export const MOCASA_RETURN_PATH = '/callbacks/mocasa';
export const MOCASA_WEBHOOK_PATH = '/webhooks/mocasa';
export const MOCASA_SIGNATURE_HEADER = 'signature';

/** Field bounds of our own choosing (Mocasa documents none): long enough for any real text. */
export const MOCASA_PRODUCT_NAME_LENGTH_MAX = 128;
export const MOCASA_REFUND_REASON_LENGTH_MAX = 256;
export const MOCASA_REFUND_REASON_DEFAULT = 'refund';
/** D8: a signature header longer than this is not one of the three encodings (the longest is 88 characters). */
export const MOCASA_SIGNATURE_LENGTH_MAX = 256;
/** Beneficiary identity data is recorded with only this many trailing characters (§2 Redaction). */
export const MOCASA_MASK_VISIBLE_TAIL = 4;

/**
 * Our payout references, as payouts create them for Mocasa, start with this prefix: the webhook shares
 * `orderNo` between orders and transfers, and parseInbound has no storage to ask which one it names.
 */
export const MOCASA_TRANSFER_SERIAL_PREFIX = 'PO';
