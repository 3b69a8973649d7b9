import { GatewayError, GatewayErrorCode } from '../port/gateway-error';
import type { AlqasehErrorBody } from './alqaseh.types';

/** The simulator's `error_code`s; Al Qaseh's own are unpublished (§3.3), so only these get special meaning. */
export const ALQASEH_ERROR_CODES = {
  unauthorized: 'unauthorized',
  invalidRequest: 'invalid_request',
  notFound: 'not_found',
  invalidState: 'invalid_state',
  internalError: 'internal_error',
  unsupportedTransactionType: 'unsupported_transaction_type',
} as const;

const TEXT_LENGTH_MAX = 500;

/** `{ err, error_code, reference_code }` when the body has that shape; each part is optional. */
export function parseAlqasehErrorBody(json: unknown): AlqasehErrorBody {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) return {};
  const body = json as Record<string, unknown>;
  const text = (value: unknown) => (typeof value === 'string' ? value.slice(0, TEXT_LENGTH_MAX) : typeof value === 'number' ? String(value) : undefined);
  return { err: text(body.err), error_code: text(body.error_code), reference_code: text(body.reference_code) };
}

/** §3.3: a reply that carries `error_code` is an error whatever its HTTP status. */
export function hasAlqasehErrorCode(json: unknown): boolean {
  return parseAlqasehErrorBody(json).error_code !== undefined;
}

/**
 * A refusal as a GatewayError. 401/403 are configuration errors (D15: never retried); 5xx and 429 may
 * pass (GETs are retried on them); 4xx say the request itself was refused.
 */
export function toAlqasehError(operation: string, httpStatus: number, json: unknown): GatewayError {
  const body = parseAlqasehErrorBody(json);
  const message = `alqaseh ${operation}: HTTP ${httpStatus}${body.error_code ? ` ${body.error_code}` : ''}${body.err ? `: ${body.err}` : ''}`;
  const details = { operation, referenceCode: body.reference_code };
  const make = (code: GatewayErrorCode, retrySafe: boolean) => new GatewayError(code, message, { retrySafe, httpStatus, gatewayCode: body.error_code, details });
  if (httpStatus === 401 || httpStatus === 403 || body.error_code === ALQASEH_ERROR_CODES.unauthorized) return make('GATEWAY.AUTH_FAILED', false);
  if (httpStatus >= 500 || httpStatus === 429 || httpStatus === 408) return make('GATEWAY.UNAVAILABLE', true);
  if (httpStatus === 404 || body.error_code === ALQASEH_ERROR_CODES.notFound) return make('GATEWAY.NOT_FOUND', true);
  if (body.error_code === ALQASEH_ERROR_CODES.invalidState) return make('GATEWAY.REJECTED', false);
  if (httpStatus >= 400 && httpStatus < 500) return make('GATEWAY.INVALID_REQUEST', false);
  // A 2xx (or 3xx) that still names an error_code.
  return make('GATEWAY.REJECTED', false);
}
