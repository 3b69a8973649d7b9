import { GatewayError } from '../port/gateway-error';
import type { MocasaEnvelope, MocasaOperation } from './mocasa.types';

/** Envelope code of a validation refusal (simulator convention; the vocabulary is undocumented, §7). */
export const MOCASA_VALIDATION_CODE = '400';

export interface MocasaErrorContext {
  operation: MocasaOperation;
  /** D3: envelope codes that mean the token was refused. */
  authCodes: ReadonlySet<string>;
  /** D6/D12: envelope codes that mean "no such order / transfer". */
  notFoundCodes: ReadonlySet<string>;
  /** True for calls that change something at Mocasa (create, refund, account, transfer). */
  mutating: boolean;
}

/** D3: HTTP 401/403, or an envelope code in the configured auth set. Such a call was not executed. */
export function isMocasaAuthRefusal(httpStatus: number, envelope: MocasaEnvelope | undefined, authCodes: ReadonlySet<string>): boolean {
  if (httpStatus === 401 || httpStatus === 403) return true;
  return envelope !== undefined && !envelope.success && authCodes.has(envelope.code);
}

/** D5: a reply that is not `success === true` with HTTP 2xx, as a GatewayError carrying Mocasa's code and message. */
export function mocasaEnvelopeError(envelope: MocasaEnvelope, httpStatus: number, ctx: MocasaErrorContext): GatewayError {
  const details = { operation: ctx.operation, code: envelope.code, message: envelope.message, httpStatus };
  const text = `mocasa ${ctx.operation}: ${envelope.code || 'no code'} ${envelope.message}`.trim();
  if (isMocasaAuthRefusal(httpStatus, envelope, ctx.authCodes)) {
    return new GatewayError('GATEWAY.AUTH_FAILED', text, { retrySafe: true, httpStatus, gatewayCode: envelope.code, details });
  }
  if (httpStatus >= 500) return serverError(text, httpStatus, ctx, envelope.code, details);
  if (ctx.notFoundCodes.has(envelope.code)) {
    return new GatewayError('GATEWAY.NOT_FOUND', text, { retrySafe: true, httpStatus, gatewayCode: envelope.code, details });
  }
  if (envelope.code === MOCASA_VALIDATION_CODE) {
    return new GatewayError('GATEWAY.INVALID_REQUEST', text, { httpStatus, gatewayCode: envelope.code, details });
  }
  return new GatewayError('GATEWAY.REJECTED', text, { httpStatus, gatewayCode: envelope.code, details });
}

/** D5: a non-2xx reply whose body is not the envelope carries only its HTTP status. */
export function mocasaHttpError(httpStatus: number, ctx: MocasaErrorContext): GatewayError {
  const text = `mocasa ${ctx.operation}: HTTP ${httpStatus}`;
  const details = { operation: ctx.operation, httpStatus };
  if (httpStatus === 401 || httpStatus === 403) return new GatewayError('GATEWAY.AUTH_FAILED', text, { retrySafe: true, httpStatus, details });
  if (httpStatus >= 500 || httpStatus === 429 || httpStatus === 408) return serverError(text, httpStatus, ctx, undefined, details);
  return new GatewayError('GATEWAY.REJECTED', text, { httpStatus, details });
}

/** A 2xx reply that is not a usable envelope: for a mutating call the work may have been done. */
export function mocasaUnusableReply(reason: string, httpStatus: number, ctx: Pick<MocasaErrorContext, 'operation' | 'mutating'>): GatewayError {
  return new GatewayError('GATEWAY.BAD_RESPONSE', `mocasa ${ctx.operation}: ${reason} (HTTP ${httpStatus})`, {
    httpStatus,
    outcomeUncertain: ctx.mutating,
    retrySafe: !ctx.mutating,
    details: { operation: ctx.operation, reason },
  });
}

/** The server failed: a read may be repeated, a write may or may not have happened. */
function serverError(text: string, httpStatus: number, ctx: MocasaErrorContext, gatewayCode: string | undefined, details: Record<string, unknown>): GatewayError {
  return new GatewayError('GATEWAY.UNAVAILABLE', text, {
    httpStatus,
    gatewayCode,
    retrySafe: !ctx.mutating,
    outcomeUncertain: ctx.mutating,
    details,
  });
}
