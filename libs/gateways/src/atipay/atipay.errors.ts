import { GatewayError } from '../port/gateway-error';
import { AtipayFailure } from './atipay.transformers';

/**
 * AtiPay's error vocabulary is undocumented beyond the callback states, so refusals are classified by
 * what they name: anything about the API key (or HTTP 401/403) is our credentials, the callback states
 * 8, 11 and 12 are our setup; everything else is a refusal of this one attempt.
 */
const AUTH_CODE_PATTERN = /api.?key|unauthori[sz]ed|forbidden|authentication/i;
export const ATIPAY_CONFIGURATION_ERROR_CODES: ReadonlySet<string> = new Set(['MerchantIpAddressIsInvalid', 'TokenRequired', 'TerminalNotFound']);

export type AtipayFailureKind = 'auth' | 'configuration' | 'refused';

export function classifyAtipayFailure(failure: AtipayFailure): AtipayFailureKind {
  if (failure.httpStatus === 401 || failure.httpStatus === 403) return 'auth';
  if (failure.source === 'errorCode' && AUTH_CODE_PATTERN.test(failure.gatewayCode)) return 'auth';
  if (failure.source === 'errorCode' && ATIPAY_CONFIGURATION_ERROR_CODES.has(failure.gatewayCode)) return 'configuration';
  return 'refused';
}

/**
 * The error a get-token refusal becomes. Auth and configuration refusals are thrown (the operator must
 * act; a new attempt would fail the same way); a refusal of the attempt itself is returned as `failed`.
 * No money moved either way, so repeating is safe.
 */
export function atipayFailureError(operation: string, failure: AtipayFailure): GatewayError {
  const kind = classifyAtipayFailure(failure);
  const code = kind === 'auth' ? 'GATEWAY.AUTH_FAILED' : kind === 'configuration' ? 'GATEWAY.CONFIGURATION' : 'GATEWAY.REJECTED';
  return new GatewayError(code, `atipay ${operation}: ${failure.gatewayCode}: ${failure.message}`, {
    retrySafe: true,
    httpStatus: failure.httpStatus,
    gatewayCode: failure.gatewayCode,
    details: { operation, source: failure.source },
  });
}

/** HTTP 5xx: AtiPay may or may not have acted; transient for withRetries' purposes. */
export function atipayServerError(operation: string, httpStatus: number): GatewayError {
  return new GatewayError('GATEWAY.UNAVAILABLE', `atipay ${operation}: HTTP ${httpStatus}`, {
    retrySafe: true,
    outcomeUncertain: true,
    httpStatus,
    gatewayCode: `HTTP_${httpStatus}`,
    details: { operation },
  });
}
