import type { Response } from 'express';
import type { SeededRandom } from '../core';

/** The simulator's `error_code` values; Al Qaseh never published its own (alqaseh.md §3.3). */
export const SIM_ERROR_CODES = ['unauthorized', 'invalid_request', 'not_found', 'invalid_state', 'internal_error', 'unsupported_transaction_type'] as const;
export type SimErrorCode = (typeof SIM_ERROR_CODES)[number];

const STATUS_BY_CODE: Record<SimErrorCode, number> = {
  unauthorized: 401,
  invalid_request: 400,
  not_found: 404,
  invalid_state: 400,
  internal_error: 500,
  unsupported_transaction_type: 400,
};

export interface AlqasehErrorBody {
  err: string;
  error_code: SimErrorCode;
  reference_code: string;
}

export function errorBody(code: SimErrorCode, message: string, random: SeededRandom): AlqasehErrorBody {
  return { err: message, error_code: code, reference_code: `ref_${random.hex(16)}` };
}

export function sendError(res: Response, code: SimErrorCode, message: string, random: SeededRandom): void {
  if (code === 'unauthorized') res.setHeader('www-authenticate', 'Basic realm="alqaseh"');
  res.status(STATUS_BY_CODE[code]).json(errorBody(code, message, random));
}
