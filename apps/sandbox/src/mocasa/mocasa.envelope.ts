/**
 * Mocasa's reply envelope `{ success, code, message, data }` (mocasa.md §2) and the simulator's code
 * vocabulary (§7: Mocasa documents no codes, so these are the project's conventions).
 */
export const MOCASA_CODES = {
  ok: '200',
  validation: '400',
  auth: '401',
  notFound: '404',
  methodNotAllowed: '405',
  serverError: '500',
  orderNotFound: 'ORDER_NOT_FOUND',
  duplicateOrder: 'DUPLICATE_ORDER_NO',
  refundNotAllowed: 'REFUND_NOT_ALLOWED',
  accountNotFound: 'ACCOUNT_NOT_FOUND',
  transferNotFound: 'TRANSFER_NOT_FOUND',
  duplicateTransfer: 'DUPLICATE_TRANSFER_SERIAL_NO',
  insufficientBalance: 'INSUFFICIENT_BALANCE',
} as const;

export interface MocasaReply {
  status: number;
  body: { success: boolean; code: string; message: string; data: Record<string, unknown> | null };
}

export function mocasaOk(data: Record<string, unknown>): MocasaReply {
  return { status: 200, body: { success: true, code: MOCASA_CODES.ok, message: 'success', data } };
}

/** Business refusals travel as HTTP 200 with `success: false`; auth is the exception (HTTP 401). */
export function mocasaFail(code: string, message: string, status = 200): MocasaReply {
  return { status, body: { success: false, code, message, data: null } };
}

export function mocasaMissing(field: string): MocasaReply {
  return mocasaFail(MOCASA_CODES.validation, `${field} is required`);
}

export function mocasaInvalid(field: string, why: string): MocasaReply {
  return mocasaFail(MOCASA_CODES.validation, `${field} ${why}`);
}
