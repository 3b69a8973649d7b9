import type { AtipayConfig } from '@payledger/config';
import { MINUTE_MS, SECOND_MS } from '@payledger/kernel';

export type { AtipayConfig };

/** Our names for AtiPay's calls: recorded on every interaction and the keys of `deps.timeoutsMs`. */
export const ATIPAY_OPERATIONS = {
  getToken: 'get-token',
  verify: 'verify-payment',
} as const;

export const ATIPAY_PATHS = {
  getToken: '/get-token',
  redirectToGateway: '/redirect-to-gateway',
  verify: '/verify-payment',
} as const;

/** Where the buyer's browser is POSTed back (design/API.md), appended to PUBLIC_BASE_URL. */
export const ATIPAY_CALLBACK_PATH = '/callbacks/atipay';

/**
 * atipay.md §2 asks for a 5 s connect timeout; fetch has no separate connect phase, so each call is
 * bounded by its total timeout only (see the report's known gaps).
 */
export const ATIPAY_CONNECT_TIMEOUT_MS = 5 * SECOND_MS;
export const ATIPAY_GET_TOKEN_TIMEOUT_MS = 30 * SECOND_MS;
export const ATIPAY_VERIFY_TRY_TIMEOUT_MS = 15 * SECOND_MS;

/**
 * D2: a get-token that got no answer is sent once more with the same invoiceNumber. Safe because no
 * money moves before the buyer pays and the first token was never handed to anyone.
 */
export const ATIPAY_GET_TOKEN_RETRIES_MAX = 1;

/** D6: verify tries start at these offsets from the first one, inside the budget, none later. */
export const ATIPAY_VERIFY_TRY_OFFSETS_MS: readonly number[] = [0, 2 * SECOND_MS, 5 * SECOND_MS, 10 * SECOND_MS, 20 * SECOND_MS, 40 * SECOND_MS];
export const ATIPAY_VERIFY_BUDGET_MS = 60 * SECOND_MS;

/**
 * D6: after a verify that ended `unknown`, a job repeats the same verify at these offsets from that
 * decision (+2, +5, +10 minutes); still no answer after the last one → ATIPAY_VERIFY_JOB_EXHAUSTED_OUTCOME.
 */
export const ATIPAY_VERIFY_JOB_OFFSETS_MS: readonly number[] = [2 * MINUTE_MS, 5 * MINUTE_MS, 10 * MINUTE_MS];
export const ATIPAY_VERIFY_JOB_EXHAUSTED_OUTCOME = 'failed_needs_review' as const;

/** D9: a token without a callback for this long means the buyer is gone (10-min page + 30-min reversal). */
export const ATIPAY_ABANDON_AFTER_MINUTES_DEFAULT = 40;

/** D1: our invoiceNumber is the attempt reference. */
export const ATIPAY_REFERENCE_PATTERN = /^[A-Za-z0-9-]{1,32}$/;
/** §3.3: the doc says 50 characters; we accept up to 64. */
export const ATIPAY_REFERENCE_NUMBER_LENGTH_MAX = 64;
/** Callback values longer than this are not AtiPay's (its longest field is 50 characters). */
export const ATIPAY_CALLBACK_FIELD_LENGTH_MAX = 256;
/** A callback has eight fields; far more is not a callback. */
export const ATIPAY_CALLBACK_FIELDS_MAX = 64;
/** The page token is recorded only as this many trailing characters. */
export const ATIPAY_TOKEN_TAIL_LENGTH = 6;
