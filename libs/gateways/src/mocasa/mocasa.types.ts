/**
 * Mocasa Pay wire shapes (shared/gateways/mocasa.md §3, §4.2). Every request is a form-encoded POST
 * whose fields are all strings; every reply is the envelope below. Field names are Mocasa's, including
 * the misspelt `businessLisence`.
 */

export interface MocasaEnvelope {
  success: boolean;
  code: string;
  message: string;
  data: Record<string, unknown> | undefined;
}

export interface MocasaTokenApplyForm extends Record<string, string> {
  clientKey: string;
  clientSecret: string;
}

export interface MocasaTokenData {
  accessToken: string;
  /** Unit undocumented: epoch ms when above 10^12, else seconds from the request (D2). */
  expireTime: number;
}

export interface MocasaCreateOrderForm extends Record<string, string> {
  orderNo: string;
  /** Two-decimal peso string ("1500.00"). */
  amount: string;
  productName: string;
  customerId: string;
  returnUrl: string;
}

export interface MocasaCreateOrderData {
  paymentLink: string;
  orderNo: string;
}

export interface MocasaOrderQueryData {
  paymentLink?: string;
  orderNo?: string;
  /** `success` / `failed` when final; anything else (the simulator says `pending`) is not final. */
  txStatus?: unknown;
  txMessage?: string;
  /** Epoch ms. */
  txTime?: number;
  paymentMode?: string;
}

export interface MocasaRefundForm extends Record<string, string> {
  orderNo: string;
  reason: string;
}

export interface MocasaRefundData {
  refundStatus?: unknown;
  orderNo?: string;
  refundRef?: string;
}

export interface MocasaAccountCreateForm extends Record<string, string> {
  idType: string;
  idNo: string;
  beneficiaryName: string;
  businessLisence: string;
  shopName: string;
}

export interface MocasaAccountCreateData {
  accountNo: string;
  status: string;
}

export interface MocasaTransferForm extends Record<string, string> {
  transferSerialNo: string;
  amount: string;
  payeeAccountNo: string;
  purpose: string;
}

export interface MocasaTransferData {
  transferSerialNo?: string;
  txStatus?: unknown;
  txMessage?: string;
  txTime?: number;
}

/** The webhook body: JSON (amount a number) or form (every field a string); the encoding is not documented. */
export interface MocasaWebhookFields {
  orderNo: string;
  txStatus: string;
  amount?: unknown;
  txMessage?: string;
  txTime?: string;
  paymentMode?: string;
}

/** Which of the accepted signature encodings matched (D8), recorded with the webhook. */
export type MocasaSignatureForm = 'base64-raw-digest' | 'base64-hex-lower' | 'base64-hex-upper';

export const MOCASA_PATHS = {
  tokenApply: '/auth/token/apply',
  orderCreate: '/payment/order/create',
  orderQuery: '/payment/order/query',
  orderRefund: '/payment/order/refund',
  accountCreate: '/payout/account/create',
  transferInitiate: '/payout/transfer/initiate',
  transferQuery: '/payout/transfer/query',
} as const;

/** Our operation names: recorded with each exchange and used to pick timeouts (`deps.timeoutsMs`). */
export type MocasaOperation = 'token-apply' | 'create-order' | 'query-order' | 'refund-order' | 'create-account' | 'initiate-transfer' | 'query-transfer';
