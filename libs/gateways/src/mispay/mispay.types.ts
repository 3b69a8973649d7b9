/** MIS Pay wire shapes (mispay.md §3–§4). Money fields are decimal strings in v1.2; some replies use numbers. */

export type MispayWireAmount = string | number;

export interface MispaySuccessEnvelope<T = Record<string, unknown>> {
  status: 'success';
  result: T;
}

/** Shape A: `{ status: "error : 400", result: "ExceptionType.ME01" }` (also `"error :: 400"`). */
export interface MispayErrorEnvelopeA {
  status: string;
  result: string;
}

/** Shape B: `{ status: "error", result: { code: 401, message: "ME10" } }`. */
export interface MispayErrorEnvelopeB {
  status: string;
  result: { code: number | string; message: string };
}

export const MISPAY_ERROR_CODES = ['ME01', 'ME02', 'ME03', 'ME04', 'ME05', 'ME10', 'ME11', 'ME97'] as const;
export type MispayErrorCode = (typeof MISPAY_ERROR_CODES)[number];

export interface MispayTokenResult {
  /** The §4.1 blob, base64 once. */
  token: string;
}

/** The decrypted `/token` blob. Never recorded. */
export interface MispayTokenPayload {
  token: string;
  expiration?: string;
}

export interface MispayDiscount {
  percentage?: string;
  amount?: string;
  voucherName?: string;
}

export interface MispayCustomerDetails {
  id?: string;
  firstName?: string;
  lastName?: string;
  email?: string;
  mobileNumber: string;
}

export interface MispayItem {
  id?: string;
  sku?: string;
  nameArabic?: string;
  nameEnglish?: string;
  quantity: string;
  unitPrice: string;
  itemUrl?: string;
  imageUrl?: string;
}

export interface MispayStartCheckoutRequest {
  orderId: string;
  invoiceId?: string;
  totalPrice: string;
  shippingAmount: string;
  vat: string;
  discount?: MispayDiscount;
  purchaseAmount: string;
  purchaseCurrency: 'SAR';
  lang: 'en' | 'ar';
  version: 'v1.2';
  customerDetails: MispayCustomerDetails;
  orderDetails: { items: MispayItem[] };
  isMobile?: boolean;
  callbackUri?: string;
}

export interface MispayStartCheckoutResult {
  /** The shopper's page: single use, handed to the browser once, never stored. */
  url: string;
  trackId: string;
}

export interface MispayCheckoutResult {
  id: string;
  orderId: string;
  purchaseAmount: MispayWireAmount;
  purchaseCurrency: string;
  purchaseDate?: string;
}

export const MISPAY_TRACK_STATUSES = ['in-progress', 'pending', 'success', 'canceled', 'error'] as const;
export type MispayTrackStatus = (typeof MISPAY_TRACK_STATUSES)[number];

/** Enveloped (`result.*`) per the vendor code, or bare per the document. */
export interface MispayTrackCheckoutResult {
  checkoutId?: string;
  orderId?: string;
  purchaseAmount?: MispayWireAmount;
  purchaseCurrency?: string;
  status: string;
}

export interface MispayEndResult {
  transactionId: string;
  [field: string]: unknown;
}

export interface MispayRefundRequest {
  /** The checkoutId of the purchase (D11: the document's table is shifted; these are the real meanings). */
  purchaseId: string;
  /** The original purchase amount. */
  totalAmount: string;
  /** This refund. */
  amount: string;
  currency: 'SAR';
  orderId: string;
  /** Our refund id. */
  merchantRefundId?: string;
  userDetails?: { id?: string; name?: string; email?: string; userType?: string };
  comments?: string;
}

export interface MispayRefundResult {
  transactionId: string;
  userId?: string;
  merchantId?: string;
  orderId?: string;
  /** What is left of the purchase after this refund (a JSON number). */
  newPurchaseAmount?: number;
  moneyRefundToUser?: number;
  moneyRefundAmount?: number;
  increaseUserBalance?: number;
  refundPaymentHistories?: unknown[];
}

export const MISPAY_RESULT_CODES = ['MP00', 'MP01', 'MP02', 'MP03'] as const;
export type MispayResultCode = (typeof MISPAY_RESULT_CODES)[number];

/** The decrypted callback `_`. */
export interface MispayCallbackPayload {
  orderId: string;
  code: string;
  checkoutId?: string;
}

/** The plain-JSON server-to-server notice (not encrypted, not signed). */
export interface MispayWebhookPayload {
  checkoutId?: string;
  orderId?: string;
  code: string;
  appId: string;
  isFullyRefunded?: boolean;
}
