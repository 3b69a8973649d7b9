import type { Response } from 'express';
import type { SeededRandom } from '../core';

/**
 * Jibit's error envelope (jibit.md §3.1): every 4xx/5xx carries `{ fingerprint, errors: [{ code, message }] }`.
 * The fingerprint is what a merchant reports to Jibit support; here it is random per reply.
 */
export interface JibitErrorEnvelope {
  fingerprint: string;
  errors: Array<{ code: string; message?: string }>;
}

/** Codes the simulator answers with; the documented ones plus the simulator conventions of §7. */
export const JIBIT_SIM_CODES = {
  invalidBody: 'web.invalid_or_missing_body',
  typeMismatch: 'binding.type_mismatch',
  tokenVerificationFailed: 'token.verification.failed',
  noHandler: 'web.no_handler',
  merchantNotFound: 'merchant.not_found',
  methodNotAllowed: 'web.method_not_allowed',
  notAcceptable: 'web.not_acceptable',
  unsupportedMediaType: 'web.unsupported_media_type',
  internalError: 'service.internal_error',
  generateApiKeyRequired: 'generate_token.api_key.is_required',
  generateSecretKeyRequired: 'generate_token.secret_key.is_required',
  channelNotActive: 'token.channel_not_active',
  tokenGenerationFailed: 'token.generation.failed',
  refreshAccessTokenRequired: 'refresh_token.access_token.is_required',
  refreshRefreshTokenRequired: 'refresh_token.refresh_token.is_required',
  userIdentifierRequired: 'order_create.user_identifier.is_required',
  referenceNumberRequired: 'order_create.reference_number.is_required',
  amountRequired: 'order_create.amount.is_required',
  amountPositive: 'order_create.amount.positive',
  currencyRequired: 'order_create.currency.is_required',
  callbackUrlRequired: 'order_create.callback_url.is_required',
  callbackUrlNotValid: 'order_create.callback_url.not_valid',
  merchantInactive: 'merchant.inactive',
  /** Simulator convention (§7): production behaviour unknown. */
  referenceNumberDuplicated: 'order_create.reference_number.duplicated',
  /** Simulator convention: v2 documents no maximum. */
  amountMaxExceeded: 'order_create.amount.max_exceeded',
  /** Simulator convention (§7): the document names no code for an unknown order. */
  orderNotFound: 'order.not_found',
} as const;

const MESSAGES: Record<string, string> = {
  [JIBIT_SIM_CODES.invalidBody]: 'Request body is invalid or missing',
  [JIBIT_SIM_CODES.typeMismatch]: 'A field has the wrong type',
  [JIBIT_SIM_CODES.tokenVerificationFailed]: 'Access token is missing, invalid or expired',
  [JIBIT_SIM_CODES.noHandler]: 'No handler for this path',
  [JIBIT_SIM_CODES.methodNotAllowed]: 'Method not allowed',
  [JIBIT_SIM_CODES.notAcceptable]: 'Not acceptable',
  [JIBIT_SIM_CODES.unsupportedMediaType]: 'Unsupported media type',
  [JIBIT_SIM_CODES.internalError]: 'Internal error; report the fingerprint to Jibit',
  [JIBIT_SIM_CODES.channelNotActive]: 'The channel is not active',
  [JIBIT_SIM_CODES.tokenGenerationFailed]: 'Token generation failed',
  [JIBIT_SIM_CODES.amountPositive]: 'Amount must be more than 99',
  [JIBIT_SIM_CODES.referenceNumberDuplicated]: 'An order with this reference number exists',
  [JIBIT_SIM_CODES.orderNotFound]: 'Order not found',
};

export function fingerprint(random: SeededRandom): string {
  const hex = random.hex(32);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function errorEnvelope(random: SeededRandom, codes: readonly string[]): JibitErrorEnvelope {
  return { fingerprint: fingerprint(random), errors: codes.map((code) => ({ code, message: MESSAGES[code] ?? code })) };
}

export function sendJibitError(res: Response, random: SeededRandom, httpStatus: number, codes: string | readonly string[]): void {
  res.status(httpStatus).json(errorEnvelope(random, typeof codes === 'string' ? [codes] : codes));
}
