/** Jibit PPG v2 wire shapes (shared/gateways/jibit.md §3). Only the transformers read or build them. */

export type JibitWireCurrency = 'RIALS' | 'TOMAN';

/** §3.2 (D2: the adapter always sends this form). */
export interface JibitGenerateTokenRequest {
  apiKey: string;
  secretKey: string;
}

/** §3.3: the access token goes bare, without `Bearer `. */
export interface JibitRefreshTokenRequest {
  accessToken: string;
  refreshToken: string;
}

/** §3.2 / §3.3 reply. No expiry times are given. */
export interface JibitTokenPairResponse {
  accessToken: string;
  refreshToken: string;
}

/** §3.4 */
export interface JibitCreateOrderRequest {
  amount: number;
  currency: JibitWireCurrency;
  referenceNumber: string;
  userIdentifier: string;
  callbackUrl: string;
  description?: string;
  additionalData?: string;
  payerCardNumber?: string;
  forcePayerCardNumber: boolean;
  nationalCode?: string;
}

export interface JibitCreateOrderResponse {
  orderIdentifier: string;
  referenceNumber: string;
  pspSwitchingUrl: string;
}

/** §3.6 */
export const JIBIT_VERIFY_STATUSES = ['Successful', 'Failed', 'Unknown'] as const;
export type JibitVerifyStatus = (typeof JIBIT_VERIFY_STATUSES)[number];
export interface JibitVerifyResponse {
  status: string;
}

/** §3.7 */
export const JIBIT_ORDER_STATUSES = ['SUCCESS', 'FAILED', 'UNKNOWN', 'EXPIRED', 'IN_PROGRESS'] as const;
export type JibitOrderStatus = (typeof JIBIT_ORDER_STATUSES)[number];

export interface JibitOrderResponse {
  id?: string;
  amount: number;
  currency: string;
  referenceNumber?: string;
  userIdentifier?: string;
  callbackUrl?: string;
  description?: string;
  additionalData?: string;
  status: string;
  initPayerIp?: string;
  redirectPayerIp?: string;
  createdAt?: string;
  modifiedAt?: string;
  expirationDate?: string;
  payerCard?: string;
  nationalCode?: string;
}

/** §3.8: the document spells the count `numberOfElemnts`; v3 spells it right. */
export interface JibitOrderPageResponse {
  pageNumber?: number;
  size?: number;
  numberOfElements?: number;
  numberOfElemnts?: number;
  hasNext: boolean;
  hasPrevious?: boolean;
  elements: JibitOrderResponse[];
}

export interface JibitListOrdersQuery {
  status?: JibitOrderStatus;
  page: number;
  size: number;
  from: string;
  to: string;
}

/** §4: the browser's GET to our callback. */
export const JIBIT_CALLBACK_STATES = ['SUCCESSFUL', 'FAILED', 'ORDER_NOT_FOUND'] as const;
export type JibitCallbackState = (typeof JIBIT_CALLBACK_STATES)[number];

/** §3.1 */
export interface JibitErrorEnvelope {
  fingerprint?: string;
  errors?: Array<{ code?: string; message?: string }>;
}
