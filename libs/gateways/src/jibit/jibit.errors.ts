import type { GatewayHttpResponse } from '../http/gateway-http.client';
import { GatewayError, GatewayErrorCode } from '../port/gateway-error';

/**
 * D14: a non-2xx reply read as the §3.1 envelope `{ fingerprint, errors: [{ code, message }] }`. The
 * recorded GatewayResponseReceived already holds the status and the body (codes and fingerprint, or the
 * raw text when the body is not JSON); the same facts travel on the GatewayError's details.
 */
export interface JibitErrorReply {
  httpStatus: number;
  codes: string[];
  messages: string[];
  fingerprint?: string;
  /** The body as text when it was not the envelope (an HTML proxy page, plain text). */
  text?: string;
}

const ERRORS_READ_MAX = 20;
const TEXT_KEPT_MAX = 500;

export function parseJibitError(response: Pick<GatewayHttpResponse, 'status' | 'json' | 'text'>): JibitErrorReply {
  const json = response.json;
  if (json !== null && typeof json === 'object' && !Array.isArray(json) && Array.isArray((json as { errors?: unknown }).errors)) {
    const envelope = json as { fingerprint?: unknown; errors: unknown[] };
    const codes: string[] = [];
    const messages: string[] = [];
    for (const entry of envelope.errors.slice(0, ERRORS_READ_MAX)) {
      if (entry === null || typeof entry !== 'object') continue;
      const { code, message } = entry as { code?: unknown; message?: unknown };
      if (typeof code === 'string') codes.push(code);
      if (typeof message === 'string') messages.push(message);
    }
    return {
      httpStatus: response.status,
      codes,
      messages,
      fingerprint: typeof envelope.fingerprint === 'string' ? envelope.fingerprint : undefined,
    };
  }
  return { httpStatus: response.status, codes: [], messages: [], text: response.text.slice(0, TEXT_KEPT_MAX) };
}

/**
 * D4: HTTP 401, any code starting with `token.` or `security.` (so v2 `token.verification.failed` and v3
 * `token.verification_failed` both match), or `user.not.authenticated`.
 */
export function isJibitAuthError(reply: Pick<JibitErrorReply, 'httpStatus' | 'codes'>): boolean {
  if (reply.httpStatus === 401) return true;
  return reply.codes.some((code) => code.startsWith('token.') || code.startsWith('security.') || code === 'user.not.authenticated');
}

/** Codes that say our request itself was wrong (a bug on our side, not a refusal of the payment). */
const REQUEST_SHAPE_CODE = /^(web\.|binding\.)|\.is_required$|\.not_valid$/;
const NOT_FOUND_CODES = new Set(['order.not_found']);
const CONFIGURATION_CODES = new Set(['merchant.not_found', 'web.no_handler', 'ip.not_trusted']);
const THROTTLED_CODES = new Set(['too_many_requests']);

export interface JibitErrorContext {
  operation: string;
  /** True for calls that may have acted although they failed (create, verify). */
  outcomeUncertainOnServerError?: boolean;
  /** True for calls that may be repeated (verify, inquiry, list). */
  repeatable?: boolean;
}

/** Maps a refused call to a GatewayError with a stable code; retrySafe says whether the same call may be sent again. */
export function jibitErrorToGatewayError(reply: JibitErrorReply, context: JibitErrorContext): GatewayError {
  const code = gatewayCodeFor(reply);
  const serverSide = code === 'GATEWAY.UNAVAILABLE';
  const summary = reply.codes.length > 0 ? reply.codes.join(', ') : reply.text ? 'non-envelope body' : 'no body';
  return new GatewayError(code, `jibit ${context.operation}: HTTP ${reply.httpStatus} (${summary})`, {
    // A refusal for auth was not executed (D4), so repeating it with a new token is safe.
    retrySafe: code === 'GATEWAY.AUTH_FAILED' || (serverSide && context.repeatable === true),
    outcomeUncertain: serverSide && context.outcomeUncertainOnServerError === true,
    httpStatus: reply.httpStatus,
    gatewayCode: reply.codes[0],
    details: {
      gateway: 'jibit',
      operation: context.operation,
      httpStatus: reply.httpStatus,
      codes: reply.codes,
      fingerprint: reply.fingerprint,
      messages: reply.messages,
      ...(reply.text !== undefined ? { text: reply.text } : {}),
    },
  });
}

function gatewayCodeFor(reply: JibitErrorReply): GatewayErrorCode {
  if (isJibitAuthError(reply)) return 'GATEWAY.AUTH_FAILED';
  if (reply.httpStatus >= 500 || reply.httpStatus === 429 || reply.codes.some((c) => THROTTLED_CODES.has(c))) return 'GATEWAY.UNAVAILABLE';
  if (reply.codes.some((c) => NOT_FOUND_CODES.has(c))) return 'GATEWAY.NOT_FOUND';
  if (reply.codes.some((c) => CONFIGURATION_CODES.has(c))) return 'GATEWAY.CONFIGURATION';
  if (reply.httpStatus >= 400 && reply.httpStatus < 500) {
    if (reply.httpStatus === 405 || reply.httpStatus === 406 || reply.httpStatus === 415) return 'GATEWAY.INVALID_REQUEST';
    if (reply.codes.length > 0 && reply.codes.every((c) => REQUEST_SHAPE_CODE.test(c))) return 'GATEWAY.INVALID_REQUEST';
    if (reply.httpStatus === 404) return reply.codes.length === 0 ? 'GATEWAY.CONFIGURATION' : 'GATEWAY.NOT_FOUND';
    return 'GATEWAY.REJECTED';
  }
  // 1xx/3xx: nothing Jibit documents; not a reply the adapter can use.
  return 'GATEWAY.BAD_RESPONSE';
}
