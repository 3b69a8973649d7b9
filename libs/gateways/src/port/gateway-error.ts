/** Stable codes for everything a gateway call can end in besides a canonical answer. */
export const GATEWAY_ERROR_CODES = [
  'GATEWAY.TIMEOUT',
  'GATEWAY.UNAVAILABLE',
  'GATEWAY.AUTH_FAILED',
  'GATEWAY.REJECTED',
  'GATEWAY.BAD_RESPONSE',
  'GATEWAY.UNSUPPORTED',
  'GATEWAY.NOT_FOUND',
  'GATEWAY.INVALID_REQUEST',
  'GATEWAY.CONFIGURATION',
] as const;
export type GatewayErrorCode = (typeof GATEWAY_ERROR_CODES)[number];

export interface GatewayErrorOptions {
  /** True when repeating the same call cannot move money twice. */
  retrySafe?: boolean;
  /** True when the gateway may have acted although we got no answer (a create or verify that timed out). */
  outcomeUncertain?: boolean;
  httpStatus?: number;
  gatewayCode?: string;
  details?: Record<string, unknown>;
}

export class GatewayError extends Error {
  readonly retrySafe: boolean;
  readonly outcomeUncertain: boolean;
  readonly httpStatus?: number;
  readonly gatewayCode?: string;
  readonly details?: Record<string, unknown>;

  constructor(
    readonly code: GatewayErrorCode,
    message: string,
    options: GatewayErrorOptions = {},
  ) {
    super(message);
    this.name = 'GatewayError';
    this.retrySafe = options.retrySafe ?? false;
    this.outcomeUncertain = options.outcomeUncertain ?? false;
    this.httpStatus = options.httpStatus;
    this.gatewayCode = options.gatewayCode;
    this.details = options.details;
  }

  toJSON(): Record<string, unknown> {
    return {
      code: this.code,
      message: this.message,
      retrySafe: this.retrySafe,
      outcomeUncertain: this.outcomeUncertain,
      httpStatus: this.httpStatus,
      gatewayCode: this.gatewayCode,
      details: this.details,
    };
  }
}

export function isGatewayError(error: unknown, code?: GatewayErrorCode): error is GatewayError {
  return error instanceof GatewayError && (code === undefined || error.code === code);
}

export function unsupported(gateway: string, operation: string): GatewayError {
  return new GatewayError('GATEWAY.UNSUPPORTED', `${gateway} does not support ${operation}`, { details: { gateway, operation } });
}
