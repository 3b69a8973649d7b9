import { createHash } from 'node:crypto';
import type { GatewayAdapterDeps } from '../port/adapter-deps';
import { GatewayError, isGatewayError, unsupported } from '../port/gateway-error';
import type { GatewayPort } from '../port/gateway.port';
import type {
  AttemptSnapshot,
  BeneficiaryResult,
  CancelResult,
  ConfirmInput,
  ConfirmResult,
  GatewayCallContext,
  GatewayCapabilities,
  InboundRequest,
  InboundVerdict,
  RecordPage,
  RefundResult,
  StartPaymentInput,
  StartPaymentResult,
  TransferResult,
} from '../port/gateway.types';
import { AlqasehClient } from './alqaseh.client';
import { ALQASEH_CREATE_LOST_AFTER_MS, ALQASEH_HISTORY_OFFSET_MAX, ALQASEH_HISTORY_PAGE_LIMIT, ALQASEH_ORDER_LOOKUP_ROWS_MAX, AlqasehConfig } from './alqaseh.config';
import { nextPollDelayMs } from './alqaseh.polling';
import { pSignCanonicalString, verifyPSign } from './alqaseh.signing';
import {
  ALQASEH_REFS,
  AlqasehDecision,
  amountTextOf,
  attemptRefs,
  claimedOutcomeOfCoarse,
  decideOutcome,
  historyPageQuery,
  isOpenStatus,
  isPlausibleOrderId,
  payPageRedirect,
  pickNewestContext,
  readRedirectQuery,
  readWebhookBody,
  toCreateRequest,
  toGatewayRecord,
  wireAmountToMoney,
} from './alqaseh.transformers';
import type { AlqasehPaymentContext } from './alqaseh.types';

export const ALQASEH_CAPABILITIES: GatewayCapabilities = {
  startPayment: true,
  recoverCreate: true,
  confirm: true,
  inquire: true,
  refund: false,
  partialRefund: false,
  cancel: true,
  // A customer retry is a new attempt with a new order_id (D3); the gateway's own /retry is for ops.
  retry: true,
  updateOrderId: false,
  listRecords: true,
  payouts: false,
  inbound: { return: true, webhook: true },
  currency: 'IQD',
};

const HOUR_MS = 3_600_000;

/**
 * Al Qaseh Payment API v2 (alqaseh.md). Nothing the browser or the webhook says is believed: every
 * outcome comes from re-querying the payment context (D6, D7, D9).
 */
export class AlqasehAdapter implements GatewayPort {
  readonly name = 'alqaseh' as const;
  readonly capabilities = ALQASEH_CAPABILITIES;
  private readonly client: AlqasehClient;
  private readonly config: AlqasehConfig;

  constructor(private readonly deps: GatewayAdapterDeps<AlqasehConfig>) {
    this.config = deps.config;
    this.client = new AlqasehClient({ config: deps.config, sleep: deps.sleep, random: deps.random, now: deps.now, timeoutsMs: deps.timeoutsMs });
  }

  /** The client, for ops tooling that needs the gateway's own `/retry` or `info` (not the payment flow). */
  get wire(): AlqasehClient {
    return this.client;
  }

  // ---- create -----------------------------------------------------------------------------------------

  async startPayment(ctx: GatewayCallContext, input: StartPaymentInput): Promise<StartPaymentResult> {
    const body = toCreateRequest(input, { publicBaseUrl: this.deps.publicBaseUrl, tokenExpiryHours: this.config.tokenExpiryHours });
    const sentAt = this.deps.now();
    try {
      const created = await this.client.createPayment(ctx, body);
      return {
        outcome: 'pending',
        redirect: payPageRedirect(this.config.payBaseUrl, created.token),
        refs: attemptRefs(input.reference, created.payment_id, created.token),
        expiresAt: new Date(sentAt.getTime() + this.config.tokenExpiryHours * HOUR_MS),
      };
    } catch (error) {
      if (!isGatewayError(error)) throw error;
      switch (error.code) {
        case 'GATEWAY.AUTH_FAILED':
          throw error;
        // D5: no answer, a 5xx or an unreadable 2xx may all hide a created context; look it up, never re-POST.
        case 'GATEWAY.TIMEOUT':
        case 'GATEWAY.UNAVAILABLE':
        case 'GATEWAY.BAD_RESPONSE':
          return { outcome: 'create_unknown', refs: { [ALQASEH_REFS.orderId]: input.reference }, failure: { code: error.code, message: error.message } };
        default:
          return {
            outcome: 'failed',
            refs: { [ALQASEH_REFS.orderId]: input.reference },
            failure: { code: error.code, message: error.message, gatewayCode: error.gatewayCode },
          };
      }
    }
  }

  /**
   * D5: one lookup by order_id, to be called at ALQASEH_CREATE_LOOKUP_DELAYS_MS after the create.
   * Found → adopt its payment_id; not found at the last lookup → `failed` (`create_lost`).
   */
  async recoverCreate(ctx: GatewayCallContext, attempt: AttemptSnapshot): Promise<StartPaymentResult> {
    const rows = await this.findByOrderId(ctx, attempt.reference);
    const found = pickNewestContext(rows);
    if (!found) {
      const elapsedMs = this.deps.now().getTime() - attempt.createdAt.getTime();
      if (elapsedMs < ALQASEH_CREATE_LOST_AFTER_MS) return { outcome: 'create_unknown', refs: { [ALQASEH_REFS.orderId]: attempt.reference } };
      return {
        outcome: 'failed',
        refs: { [ALQASEH_REFS.orderId]: attempt.reference },
        failure: { code: 'create_lost', message: `no payment context for order_id ${attempt.reference} ${Math.round(elapsedMs / 1000)} s after the create` },
      };
    }
    // History rows may not carry the page token; the context itself does.
    const context = found.token ? found : await this.client.getPayment(ctx, found.payment_id);
    const createdMs = context.created_at ? Date.parse(context.created_at) : NaN;
    const expiresAt = new Date((Number.isFinite(createdMs) ? createdMs : attempt.createdAt.getTime()) + this.config.tokenExpiryHours * HOUR_MS);
    const canPay = context.token !== undefined && isOpenStatus(context.payment_status);
    return {
      outcome: 'pending',
      ...(canPay ? { redirect: payPageRedirect(this.config.payBaseUrl, context.token!) } : {}),
      refs: attemptRefs(attempt.reference, context.payment_id, context.token),
      expiresAt,
    };
  }

  // ---- inbound ----------------------------------------------------------------------------------------

  parseInbound(request: InboundRequest): InboundVerdict {
    try {
      return request.kind === 'return' ? this.parseReturn(request) : this.parseWebhook(request);
    } catch (error) {
      // Parsing must never throw at the caller; whatever slipped through is an invalid request.
      return reject('CALLBACK.INVALID', `unreadable ${request.kind}: ${error instanceof Error ? error.message : String(error)}`, 'not_checked', {});
    }
  }

  /** §4.1 / D6: unauthenticated; the `status` parameter is a hint that decides nothing. */
  private parseReturn(request: InboundRequest): InboundVerdict {
    const recorded: Record<string, unknown> = { method: request.method, query: pickQuery(request.query) };
    if (request.method.toUpperCase() !== 'GET') return reject('CALLBACK.METHOD_NOT_ALLOWED', 'the Al Qaseh return is a GET', 'unauthenticated', recorded);
    const read = readRedirectQuery(request.query);
    if (!read.ok) return reject('CALLBACK.INVALID', read.message, 'unauthenticated', recorded);
    const { payment_id: paymentId, order_id: orderId, status } = read.value;
    return {
      accepted: true,
      authenticity: 'unauthenticated',
      lookup: paymentId ? { by: ALQASEH_REFS.paymentId, value: paymentId } : { by: 'reference', value: orderId! },
      claimed: { status, outcome: claimedOutcomeOfCoarse(status) },
      refs: paymentId ? { [ALQASEH_REFS.paymentId]: paymentId } : undefined,
      dedupKey: `alqaseh:return:${paymentId ?? ''}:${orderId ?? ''}:${status ?? ''}`,
      subject: 'payment',
      recorded,
    };
  }

  /** §4.2 / D7 / D8: JSON or form; `p_sign` checked first when a secret is configured; then re-queried. */
  private parseWebhook(request: InboundRequest): InboundVerdict {
    const contentType = request.headers['content-type'];
    if (request.method.toUpperCase() !== 'POST') return reject('CALLBACK.METHOD_NOT_ALLOWED', 'the Al Qaseh webhook is a POST', 'not_checked', { method: request.method });
    const read = readWebhookBody(request.body, request.rawBody, contentType);
    if (!read.ok) return reject('CALLBACK.INVALID', read.message, 'not_checked', { method: request.method, contentType });
    const { fields, all, encoding } = read.value;
    const recorded: Record<string, unknown> = { encoding, fields: all };
    const orderId = fields.order_id?.trim();
    const lookup = isPlausibleOrderId(orderId) ? { by: 'reference', value: orderId } : undefined;

    let authenticity: InboundVerdict['authenticity'] = 'not_checked';
    if (this.config.webhookSecret) {
      if (!fields.p_sign) return { ...reject('CALLBACK.SIGNATURE_INVALID', 'p_sign missing', 'forged', recorded), lookup };
      if (!verifyPSign(fields, this.config.webhookSecret)) return { ...reject('CALLBACK.SIGNATURE_INVALID', 'p_sign does not match', 'forged', recorded), lookup };
      authenticity = 'verified';
    }
    if (!lookup) return reject('CALLBACK.INVALID', 'order_id missing or implausible', authenticity, recorded);

    const claimedAmount = wireAmountToMoney(amountTextOf(fields.amount), fields.currency).money;
    // D8: (order_id, nonce) identifies a notice; without a nonce, identical content is the same notice.
    const dedupKey = fields.nonce
      ? `alqaseh:webhook:${orderId}:${fields.nonce}`
      : `alqaseh:webhook:${orderId}:${createHash('sha256').update(pSignCanonicalString(fields)).digest('hex')}`;
    return {
      accepted: true,
      authenticity,
      lookup,
      claimed: { status: fields.payment_status, outcome: claimedOutcomeOfCoarse(fields.payment_status), ...(claimedAmount ? { amount: claimedAmount } : {}) },
      dedupKey,
      subject: 'payment',
      recorded,
    };
  }

  // ---- confirm / inquire ------------------------------------------------------------------------------

  /** D6/D7: whatever triggered it, the answer is the re-queried context, decided by D9. */
  async confirm(ctx: GatewayCallContext, attempt: AttemptSnapshot, input: ConfirmInput): Promise<ConfirmResult> {
    const learnedPaymentId = input.inbound?.refs?.[ALQASEH_REFS.paymentId];
    return this.requery(ctx, attempt, `${input.trigger} re-query`, learnedPaymentId);
  }

  async inquire(ctx: GatewayCallContext, attempt: AttemptSnapshot): Promise<ConfirmResult> {
    return this.requery(ctx, attempt, 'inquiry');
  }

  /**
   * The stored newest payment_id wins over one a request names (a forged return could name someone
   * else's context); with none stored, the request's, else history by order_id.
   */
  private async requery(ctx: GatewayCallContext, attempt: AttemptSnapshot, why: string, learnedPaymentId?: string): Promise<ConfirmResult> {
    const paymentId = attempt.refs[ALQASEH_REFS.paymentId] ?? learnedPaymentId;
    let context: AlqasehPaymentContext | undefined;
    if (paymentId) {
      context = await this.client.getPayment(ctx, paymentId);
    } else {
      context = pickNewestContext(await this.findByOrderId(ctx, attempt.reference));
    }
    if (!context) {
      const outcome = attempt.outcome === 'create_unknown' ? 'create_unknown' : 'unknown';
      return { outcome, detail: `${why}: no payment context for order_id ${attempt.reference}`, retryAfterMs: this.retryAfter(attempt, outcome) };
    }
    return this.result(attempt, decideOutcome(context, attempt), why, context.payment_id);
  }

  private result(attempt: AttemptSnapshot, decision: AlqasehDecision, why: string, paymentId: string): ConfirmResult {
    const retryAfterMs = this.retryAfter(attempt, decision.outcome);
    return {
      outcome: decision.outcome,
      gatewayAmount: decision.gatewayAmount,
      gatewayStatus: decision.gatewayStatus,
      refs: { [ALQASEH_REFS.paymentId]: paymentId, [ALQASEH_REFS.orderId]: attempt.reference },
      detail: `${why}: ${decision.alert ? `ALERT ${decision.alert}` : decision.detail}`,
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    };
  }

  private retryAfter(attempt: AttemptSnapshot, outcome: ConfirmResult['outcome']): number | undefined {
    return nextPollDelayMs({ outcome, createdAt: attempt.createdAt, now: this.deps.now(), tokenExpiryHours: this.config.tokenExpiryHours });
  }

  // ---- cancel (revoke) --------------------------------------------------------------------------------

  /**
   * D3/D11: revoke only a context that is `prepared` or `retried`; the reply must say `revoked`. Any
   * other reply (or none) is settled by a re-query, whose D9 outcome is returned: `paid` there means the
   * buyer paid first, and the payment flow adopts that success instead of starting a new attempt.
   */
  async cancel(ctx: GatewayCallContext, attempt: AttemptSnapshot): Promise<CancelResult> {
    let paymentId = attempt.refs[ALQASEH_REFS.paymentId];
    if (!paymentId) {
      const found = pickNewestContext(await this.findByOrderId(ctx, attempt.reference));
      if (!found) throw new GatewayError('GATEWAY.NOT_FOUND', `alqaseh cancel: no payment context for order_id ${attempt.reference}`, { retrySafe: true });
      paymentId = found.payment_id;
    }
    const before = await this.client.getPayment(ctx, paymentId);
    if (!isOpenStatus(before.payment_status)) {
      const decision = decideOutcome(before, attempt);
      return { outcome: decision.outcome, refs: { [ALQASEH_REFS.paymentId]: paymentId }, detail: `not revoked: context is ${before.payment_status}; ${decision.alert ?? decision.detail}` };
    }
    let replyNote: string;
    try {
      const reply = await this.client.revoke(ctx, paymentId, `canceled by payledger for payment ${attempt.paymentId}`);
      if (reply.payment_status.trim().toLowerCase() === 'revoked') {
        return { outcome: 'canceled', refs: { [ALQASEH_REFS.paymentId]: paymentId }, detail: 'revoked' };
      }
      replyNote = `revoke answered payment_status ${JSON.stringify(reply.payment_status)}`;
    } catch (error) {
      if (isGatewayError(error, 'GATEWAY.AUTH_FAILED')) throw error;
      if (!isGatewayError(error)) throw error;
      replyNote = `revoke failed: ${error.code}`;
    }
    const after = await this.client.getPayment(ctx, paymentId);
    const decision = decideOutcome(after, attempt);
    return { outcome: decision.outcome, refs: { [ALQASEH_REFS.paymentId]: paymentId }, detail: `${replyNote}; re-query: ${decision.alert ?? decision.detail}` };
  }

  // ---- reconciliation ---------------------------------------------------------------------------------

  /** D13: one history page; the cursor is the next offset, absent once a page comes back short. */
  async listRecords(ctx: GatewayCallContext, window: { from: Date; to: Date; cursor?: string }): Promise<RecordPage> {
    const offset = window.cursor === undefined ? 0 : Number(window.cursor);
    if (!Number.isSafeInteger(offset) || offset < 0 || offset > ALQASEH_HISTORY_OFFSET_MAX || offset % ALQASEH_HISTORY_PAGE_LIMIT !== 0) {
      throw new GatewayError('GATEWAY.INVALID_REQUEST', `alqaseh listRecords: cursor ${JSON.stringify(window.cursor)} is not an offset this adapter issued`);
    }
    const query = historyPageQuery(window, offset);
    const rows = await this.client.history(ctx, query, ALQASEH_HISTORY_PAGE_LIMIT);
    const full = rows.length >= ALQASEH_HISTORY_PAGE_LIMIT;
    const next = offset + ALQASEH_HISTORY_PAGE_LIMIT;
    return { records: rows.map(toGatewayRecord), ...(full && next <= ALQASEH_HISTORY_OFFSET_MAX ? { nextCursor: String(next) } : {}) };
  }

  // ---- not offered ------------------------------------------------------------------------------------

  async refund(): Promise<RefundResult> {
    throw unsupported('alqaseh', 'refund');
  }

  async updateOrderId(): Promise<{ refs: Record<string, string> }> {
    throw unsupported('alqaseh', 'updateOrderId');
  }

  async createBeneficiary(): Promise<BeneficiaryResult> {
    throw unsupported('alqaseh', 'createBeneficiary');
  }

  async initiateTransfer(): Promise<TransferResult> {
    throw unsupported('alqaseh', 'initiateTransfer');
  }

  async queryTransfer(): Promise<TransferResult> {
    throw unsupported('alqaseh', 'queryTransfer');
  }

  // ---- helpers ----------------------------------------------------------------------------------------

  private findByOrderId(ctx: GatewayCallContext, orderId: string): Promise<AlqasehPaymentContext[]> {
    return this.client.history(ctx, { order_id: orderId, limit: ALQASEH_ORDER_LOOKUP_ROWS_MAX, offset: 0, order_by: 'desc', order_field: 'created_at' }, ALQASEH_ORDER_LOOKUP_ROWS_MAX);
  }
}

function reject(code: NonNullable<InboundVerdict['rejection']>['code'], message: string, authenticity: InboundVerdict['authenticity'], recorded: Record<string, unknown>): InboundVerdict {
  return { accepted: false, rejection: { code, message }, authenticity, subject: 'payment', recorded };
}

const RETURN_QUERY_KEYS = ['payment_id', 'order_id', 'status'];
const RECORDED_VALUE_LENGTH_MAX = 256;

/** The return's parameters as they may be recorded: the three known ones, bounded. */
function pickQuery(query: InboundRequest['query']): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of RETURN_QUERY_KEYS) {
    const value = query[key];
    if (value === undefined) continue;
    out[key] = Array.isArray(value) ? value.map((v) => String(v).slice(0, RECORDED_VALUE_LENGTH_MAX)) : String(value).slice(0, RECORDED_VALUE_LENGTH_MAX);
  }
  const others = Object.keys(query).filter((key) => !RETURN_QUERY_KEYS.includes(key));
  if (others.length > 0) out.otherKeys = others.slice(0, 20);
  return out;
}

