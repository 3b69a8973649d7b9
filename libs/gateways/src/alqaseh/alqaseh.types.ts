/** Al Qaseh Payment API v2 wire shapes (alqaseh.md §3, §4). Snake case as on the wire. */

/** The nine lowercase values of the API (§5). */
export const ALQASEH_PAYMENT_STATUSES = ['prepared', 'revoked', 'failed', 'retried', 'succeeded', 'expired', 'duplicated', 'declined', 'unknown'] as const;
export type AlqasehPaymentStatus = (typeof ALQASEH_PAYMENT_STATUSES)[number];

/** The redirect's `status` and the webhook's `payment_status` (§4.1, §4.2). */
export const ALQASEH_COARSE_STATUSES = ['Success', 'Failed', 'Pending'] as const;
export type AlqasehCoarseStatus = (typeof ALQASEH_COARSE_STATUSES)[number];

export type AlqasehTransactionType = 'Retail' | 'Authorization' | 'Reversal' | 'CompleteSales';

/** `POST /egw/payments/create` (§3.1, D4). No `nonce`/`p_sign`: the request MAC recipe is unknown. */
export interface AlqasehCreateRequest {
  amount: number;
  currency: 'IQD';
  order_id: string;
  description: string;
  redirect_url: string;
  webhook_url: string;
  transaction_type: 'Retail';
  token_expiry_in_hour: number;
  custom_data: { attemptRef: string; paymentRef: string };
  email?: string;
  country: 'IQ';
}

export interface AlqasehCreateResponse {
  payment_id: string;
  token: string;
}

export interface AlqasehStatusHistoryEntry {
  status: string;
  created_at?: string;
}

/** A payment context as `GET /egw/payments/{payment_id}` and the history rows carry it (§3.2). */
export interface AlqasehPaymentContext {
  payment_id: string;
  order_id?: string;
  /** A JSON number on the wire; kept as its decimal text so no float ever reaches Money. */
  amountText?: string;
  currency?: string;
  payment_status: string;
  transaction_type?: string;
  approval_code?: string;
  rc?: string;
  rrn?: string;
  created_at?: string;
  token?: string;
  payment_status_histories?: AlqasehStatusHistoryEntry[];
}

export interface AlqasehRevokeResponse {
  payment_id?: string;
  order_id?: string;
  payment_status: string;
}

export interface AlqasehRetryResponse {
  payment_id: string;
  payment_status: string;
  token: string;
}

export interface AlqasehInfoResponse {
  amountText?: string;
  currency?: string;
  description?: string;
  payment_status: string;
}

/** Query of `GET /egw/payments/history` (§3). */
export interface AlqasehHistoryQuery {
  limit?: number;
  offset?: number;
  order_by?: 'asc' | 'desc';
  order_field?: string;
  from?: string;
  to?: string;
  order_id?: string;
  payment_id?: string;
  payment_status?: string;
  amount?: number;
  approval?: string;
  currency?: string;
  language?: string;
  rc?: string;
  rrn?: string;
  transaction_type?: string;
}

/** Non-2xx reply body (§3.3). */
export interface AlqasehErrorBody {
  err?: string;
  error_code?: string;
  reference_code?: string;
}

/** Webhook fields (§4.2), each as received text; a missing field is undefined. */
export interface AlqasehWebhookFields {
  amount?: string;
  currency?: string;
  terminal_id?: string;
  order_id?: string;
  trtype?: string;
  rc?: string;
  approval?: string;
  rrn?: string;
  p_sign?: string;
  nonce?: string;
  timestamp?: string;
  payment_status?: string;
}

/** Browser redirect query (§4.1). */
export interface AlqasehRedirectQuery {
  payment_id?: string;
  order_id?: string;
  status?: string;
}
