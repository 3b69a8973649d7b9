import { GatewayError, GatewayErrorCode } from '../port/gateway-error';

/** A MIS Pay error reply, whichever of the two envelope shapes it came in (mispay.md §2). */
export interface MispayWireError {
  /** `ME01` … `ME97`, or whatever the gateway put there. */
  gatewayCode?: string;
  /** The HTTP code written inside the envelope (`"error : 400"`, `result.code`). */
  envelopeHttpCode?: number;
  shape: 'A' | 'B' | 'other';
}

const EXCEPTION_PREFIX = /ExceptionType\.([A-Za-z0-9_]+)/;
const STATUS_HTTP_CODE = /^error\s*:{1,2}\s*(\d{3})\b/i;
const ME_CODE = /^ME\d{2}$/;

/** Reads an error envelope; undefined when the body is not one (a success, or something else). */
export function readWireError(body: Record<string, unknown>): MispayWireError | undefined {
  const status = body.status;
  if (typeof status !== 'string' || !/^error\b/i.test(status.trim())) return undefined;
  const statusCode = STATUS_HTTP_CODE.exec(status.trim());
  // A bare track-checkout reply of a failed checkout is `{status:"error", orderId…}`: no result, no code.
  if (!('result' in body) && !statusCode) return undefined;
  const envelopeHttpCode = statusCode ? Number(statusCode[1]) : undefined;
  const result = body.result;
  if (typeof result === 'string') {
    const match = EXCEPTION_PREFIX.exec(result);
    return { shape: 'A', gatewayCode: match ? match[1] : ME_CODE.test(result.trim()) ? result.trim() : undefined, envelopeHttpCode };
  }
  if (result !== null && typeof result === 'object' && !Array.isArray(result)) {
    const inner = result as Record<string, unknown>;
    const message = typeof inner.message === 'string' ? inner.message.trim() : undefined;
    const fromMessage = message ? (EXCEPTION_PREFIX.exec(message)?.[1] ?? (ME_CODE.test(message) ? message : undefined)) : undefined;
    const fromCode = typeof inner.code === 'string' && ME_CODE.test(inner.code) ? inner.code : undefined;
    const innerHttp = typeof inner.code === 'number' ? inner.code : typeof inner.code === 'string' && /^\d{3}$/.test(inner.code) ? Number(inner.code) : undefined;
    return { shape: 'B', gatewayCode: fromMessage ?? fromCode, envelopeHttpCode: innerHttp ?? envelopeHttpCode };
  }
  return { shape: 'other', envelopeHttpCode };
}

/** D3: these mean "get a new token and try once more". */
export function isTokenRejected(httpStatus: number, wire: MispayWireError | undefined): boolean {
  return httpStatus === 401 || wire?.gatewayCode === 'ME10' || wire?.gatewayCode === 'ME11';
}

const CODE_MEANINGS: Record<string, { code: GatewayErrorCode; message: string; retrySafe: boolean }> = {
  ME01: { code: 'GATEWAY.AUTH_FAILED', message: 'app id missing', retrySafe: false },
  ME02: { code: 'GATEWAY.AUTH_FAILED', message: 'app secret missing', retrySafe: false },
  ME03: { code: 'GATEWAY.AUTH_FAILED', message: 'merchant application not found (wrong app id or secret)', retrySafe: false },
  ME04: { code: 'GATEWAY.REJECTED', message: 'checkout session invalid', retrySafe: false },
  ME05: { code: 'GATEWAY.NOT_FOUND', message: 'transaction not found', retrySafe: false },
  ME10: { code: 'GATEWAY.AUTH_FAILED', message: 'token invalid', retrySafe: true },
  ME11: { code: 'GATEWAY.AUTH_FAILED', message: 'session expired', retrySafe: true },
  ME97: { code: 'GATEWAY.INVALID_REQUEST', message: 'invalid request', retrySafe: false },
};

/** A wire error (or a bare HTTP failure status) as the GatewayError the rest of payledger understands. */
export function toGatewayError(operation: string, httpStatus: number, wire: MispayWireError | undefined): GatewayError {
  const gatewayCode = wire?.gatewayCode;
  const known = gatewayCode ? CODE_MEANINGS[gatewayCode] : undefined;
  const details = { operation, shape: wire?.shape, envelopeHttpCode: wire?.envelopeHttpCode };
  // A 5xx is the server failing, whatever its body says: the same call may work later.
  if (httpStatus >= 500) {
    return new GatewayError('GATEWAY.UNAVAILABLE', `mispay ${operation}: server error (HTTP ${httpStatus})`, {
      retrySafe: true,
      httpStatus,
      gatewayCode,
      details,
    });
  }
  if (known) {
    return new GatewayError(known.code, `mispay ${operation}: ${gatewayCode} ${known.message} (HTTP ${httpStatus})`, {
      retrySafe: known.retrySafe,
      httpStatus,
      gatewayCode,
      details,
    });
  }
  if (httpStatus === 401 || httpStatus === 403) {
    return new GatewayError('GATEWAY.AUTH_FAILED', `mispay ${operation}: not authorised (HTTP ${httpStatus})`, { httpStatus, gatewayCode, details });
  }
  if (httpStatus === 404 && !wire) {
    return new GatewayError('GATEWAY.NOT_FOUND', `mispay ${operation}: not found (HTTP 404)`, { httpStatus, details });
  }
  return new GatewayError('GATEWAY.REJECTED', `mispay ${operation}: refused${gatewayCode ? ` with ${gatewayCode}` : ''} (HTTP ${httpStatus})`, {
    httpStatus,
    gatewayCode,
    details,
  });
}
