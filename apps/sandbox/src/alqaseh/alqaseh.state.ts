/**
 * Al Qaseh payment contexts and their state machine (alqaseh.md §5). Pure bookkeeping: the router decides
 * when a transition happens, this file decides whether it may.
 */
export const API_STATUSES = ['prepared', 'revoked', 'failed', 'retried', 'succeeded', 'expired', 'duplicated', 'declined', 'unknown'] as const;
export type ApiStatus = (typeof API_STATUSES)[number];
export type CoarseStatus = 'Success' | 'Failed' | 'Pending';

/** Where the buyer can still pay and the merchant can still revoke. */
const OPEN_STATUSES: ReadonlySet<ApiStatus> = new Set(['prepared', 'retried']);
const RETRYABLE_STATUSES: ReadonlySet<ApiStatus> = new Set(['expired', 'declined', 'failed', 'unknown']);

export const TRANSACTION_TYPES = ['Retail', 'Authorization', 'Reversal', 'CompleteSales'] as const;
export type TransactionType = (typeof TRANSACTION_TYPES)[number];
/** The simulator implements one-step sales only; the adapter never sends the other two (D14). */
export const UNSUPPORTED_TRANSACTION_TYPES: ReadonlySet<string> = new Set(['Reversal', 'CompleteSales']);

export const RESPONSE_CODES = { approved: '00', declined: '05', error: '96' } as const;

export function isOpen(status: ApiStatus): boolean {
  return OPEN_STATUSES.has(status);
}

export function isRetryable(status: ApiStatus): boolean {
  return RETRYABLE_STATUSES.has(status);
}

/** §7: the redirect's `status` and the webhook's `payment_status` use three coarse words. */
export function coarseStatus(status: ApiStatus): CoarseStatus {
  switch (status) {
    case 'succeeded':
      return 'Success';
    case 'failed':
    case 'declined':
    case 'expired':
    case 'revoked':
      return 'Failed';
    case 'prepared':
    case 'retried':
    case 'unknown':
    case 'duplicated':
      return 'Pending';
  }
}

export interface StatusHistoryEntry {
  status: ApiStatus;
  created_at: string;
}

export interface SimPaymentContext {
  paymentId: string;
  orderId: string;
  /** What the merchant asked for. */
  requestedAmount: number;
  /** What the context reports (the scenario's `wrongAmount` adds its delta here). */
  amount: number;
  currency: string;
  description: string;
  redirectUrl: string;
  webhookUrl?: string;
  transactionType: TransactionType;
  email?: string;
  country?: string;
  customData?: Record<string, unknown>;
  tokenExpiryHours: number;
  token: string;
  /** Tokens that no longer pay but still identify the context (revoke issues a new one). */
  formerTokens: string[];
  status: ApiStatus;
  histories: StatusHistoryEntry[];
  rc: string;
  approval: string;
  rrn: string;
  terminalId: string;
  createdAtMs: number;
  updatedAtMs: number;
  expiresAtMs: number;
  /** Set while `unknown` is waiting for the scenario's resolution. */
  resolveAtMs?: number;
  resolveTo?: 'succeeded' | 'failed';
  /** The newer context `/retry` made from this one: a context is retried once. */
  retriedAs?: string;
  retriedFrom?: string;
  requestNonce?: string;
  requestPSign?: string;
}

export interface HistoryFilters {
  amount?: number;
  approval?: string;
  currency?: string;
  fromMs?: number;
  toMs?: number;
  orderId?: string;
  paymentId?: string;
  paymentStatus?: string;
  rc?: string;
  rrn?: string;
  transactionType?: string;
}

export const ORDER_FIELDS = ['created_at', 'updated_at', 'amount', 'order_id', 'payment_id'] as const;
export type OrderField = (typeof ORDER_FIELDS)[number];

/** Contexts held at once; the oldest go first, so a long `npm start` session cannot grow without end. */
const CONTEXTS_MAX = 50_000;

export class AlqasehPaymentBook {
  private readonly byId = new Map<string, SimPaymentContext>();
  private readonly byToken = new Map<string, SimPaymentContext>();
  private readonly orderIds = new Set<string>();

  add(context: SimPaymentContext): void {
    if (this.byId.size >= CONTEXTS_MAX) this.evictOldest();
    this.byId.set(context.paymentId, context);
    this.byToken.set(context.token, context);
    this.orderIds.add(context.orderId);
  }

  hasOrderId(orderId: string): boolean {
    return this.orderIds.has(orderId);
  }

  get(paymentId: string): SimPaymentContext | undefined {
    return this.byId.get(paymentId);
  }

  byPageToken(token: string): SimPaymentContext | undefined {
    return this.byToken.get(token);
  }

  replaceToken(context: SimPaymentContext, token: string): void {
    context.formerTokens.push(context.token);
    context.token = token;
    this.byToken.set(token, context);
  }

  all(): SimPaymentContext[] {
    return [...this.byId.values()];
  }

  search(filters: HistoryFilters, order: { field: OrderField; direction: 'asc' | 'desc' }): SimPaymentContext[] {
    const equalsIgnoringCase = (a: string | undefined, b: string) => a !== undefined && a.toLowerCase() === b.toLowerCase();
    const rows = this.all().filter(
      (c) =>
        (filters.amount === undefined || c.amount === filters.amount) &&
        (filters.approval === undefined || c.approval === filters.approval) &&
        (filters.currency === undefined || equalsIgnoringCase(filters.currency, c.currency)) &&
        (filters.fromMs === undefined || c.createdAtMs >= filters.fromMs) &&
        (filters.toMs === undefined || c.createdAtMs < filters.toMs) &&
        (filters.orderId === undefined || c.orderId === filters.orderId) &&
        (filters.paymentId === undefined || c.paymentId === filters.paymentId) &&
        (filters.paymentStatus === undefined || equalsIgnoringCase(filters.paymentStatus, c.status)) &&
        (filters.rc === undefined || c.rc === filters.rc) &&
        (filters.rrn === undefined || c.rrn === filters.rrn) &&
        (filters.transactionType === undefined || equalsIgnoringCase(filters.transactionType, c.transactionType)),
    );
    const key = (c: SimPaymentContext): number | string => {
      switch (order.field) {
        case 'created_at':
          return c.createdAtMs;
        case 'updated_at':
          return c.updatedAtMs;
        case 'amount':
          return c.amount;
        case 'order_id':
          return c.orderId;
        case 'payment_id':
          return c.paymentId;
      }
    };
    const sign = order.direction === 'asc' ? 1 : -1;
    // Ties keep creation order so paging with offsets is stable.
    const sequence = new Map(rows.map((c, i) => [c.paymentId, i]));
    return rows.sort((a, b) => {
      const ka = key(a);
      const kb = key(b);
      const primary = ka < kb ? -1 : ka > kb ? 1 : 0;
      return primary !== 0 ? primary * sign : (sequence.get(a.paymentId)! - sequence.get(b.paymentId)!) * sign;
    });
  }

  clear(): void {
    this.byId.clear();
    this.byToken.clear();
    this.orderIds.clear();
  }

  private evictOldest(): void {
    const oldest = this.byId.values().next().value as SimPaymentContext | undefined;
    if (!oldest) return;
    this.byId.delete(oldest.paymentId);
    for (const token of [oldest.token, ...oldest.formerTokens]) this.byToken.delete(token);
  }
}

/** Moves a context to `status`, keeping the history the GET endpoint reports. */
export function transition(context: SimPaymentContext, status: ApiStatus, nowMs: number): void {
  context.status = status;
  context.updatedAtMs = nowMs;
  context.histories.push({ status, created_at: new Date(nowMs).toISOString() });
}
