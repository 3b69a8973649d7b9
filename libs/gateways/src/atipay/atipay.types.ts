/** AtiPay MIPG v1 wire shapes (atipay.md §3). Only transformers and the client read or build them. */

/** POST /get-token body (§3.1, D2). `terminal` and split settlement are never sent: nothing configures them. */
export interface AtipayGetTokenRequest {
  amount: number;
  cellNumber: string;
  description?: string;
  invoiceNumber: string;
  redirectUrl: string;
  apiKey: string;
}

/**
 * POST /get-token reply. The document warns the shape will change; `status` arrives as a string or a
 * number, and failures come as errorCode/errorDescription or as faMessage/message without `status`.
 */
export interface AtipayGetTokenReply {
  status?: unknown;
  token?: unknown;
  errorCode?: unknown;
  errorDescription?: unknown;
  faMessage?: unknown;
  message?: unknown;
}

/** POST /verify-payment body (§3.4, D5): all three fields, terminalId from the callback. */
export interface AtipayVerifyRequest {
  referenceNumber: string;
  terminalId: string;
  apiKey: string;
}

/** POST /verify-payment reply: `{ amount }` in rials; failures are undocumented (no amount, maybe error fields). */
export interface AtipayVerifyReply {
  amount?: unknown;
  errorCode?: unknown;
  errorDescription?: unknown;
  faMessage?: unknown;
  message?: unknown;
}

/** The §3.3 callback form, every value a string. */
export const ATIPAY_CALLBACK_FIELD_NAMES = ['state', 'status', 'referenceNumber', 'reservationNumber', 'terminalId', 'traceNumber', 'maskedPan', 'rrn'] as const;
export type AtipayCallbackFieldName = (typeof ATIPAY_CALLBACK_FIELD_NAMES)[number];
/** Field name → value as received; the §3.3 names plus anything AtiPay may add (§8 question 7). */
export type AtipayCallbackForm = Record<string, string>;

/** §3.3 state table: numeric status → textual state. */
export const ATIPAY_CALLBACK_STATES = {
  '1': 'CanceledByUser',
  '2': 'OK',
  '3': 'Failed',
  '4': 'SessionIsNull',
  '5': 'InvalidParameters',
  '8': 'MerchantIpAddressIsInvalid',
  '10': 'TokenNotFound',
  '11': 'TokenRequired',
  '12': 'TerminalNotFound',
} as const;
export type AtipayCallbackStatus = keyof typeof ATIPAY_CALLBACK_STATES;
export type AtipayCallbackState = (typeof ATIPAY_CALLBACK_STATES)[AtipayCallbackStatus];

export const ATIPAY_OK_STATE = 'OK';
export const ATIPAY_OK_STATUS = '2';
