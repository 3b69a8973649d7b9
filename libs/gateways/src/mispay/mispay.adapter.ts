import { isTransient, withRetries } from '../http/retry';
import { GatewayAdapterDeps } from '../port/adapter-deps';
import { GatewayError, isGatewayError, unsupported } from '../port/gateway-error';
import { GatewayPort } from '../port/gateway.port';
import {
  AttemptSnapshot,
  BeneficiaryResult,
  CancelResult,
  ConfirmInput,
  ConfirmResult,
  FINAL_ATTEMPT_OUTCOMES,
  GatewayCallContext,
  GatewayCapabilities,
  GatewayRefs,
  InboundRequest,
  InboundVerdict,
  RecordPage,
  RefundInput,
  RefundResult,
  StartPaymentInput,
  StartPaymentResult,
  TransferResult,
} from '../port/gateway.types';
import { MispayClient } from './mispay.client';
import {
  CALLBACK_PATH,
  END_JOB_INTERVAL_MS,
  END_RETRY_PLAN,
  MISPAY_GATEWAY,
  MISPAY_OPERATIONS,
  MispayConfig,
  NEW_ORDER_ID_PATTERN,
  TRACK_AFTER_LONG_POLL_MS,
  TRACK_BACKOFF_INITIAL_MS,
  TRACK_WINDOW_MS,
} from './mispay.config';
import { decryptCallbackValue, decryptCallbackValueSync, MispayCryptoError, parseDecryptedJson } from './mispay.crypto';
import {
  buildRefundRequest,
  buildStartCheckoutRequest,
  CheckoutFacts,
  compareWithAttempt,
  readCallbackPayload,
  readCheckoutResult,
  readEndResult,
  readRefundResult,
  readStartCheckoutResult,
  readTrackReply,
  readWebhookPayload,
  resultCodeOutcome,
  trackStatusOutcome,
} from './mispay.transformers';

export const MISPAY_CAPABILITIES: GatewayCapabilities = {
  startPayment: true,
  // A create that got no answer is abandoned, never looked up (D4).
  recoverCreate: false,
  confirm: true,
  inquire: true,
  refund: true,
  partialRefund: true,
  cancel: false,
  retry: false,
  updateOrderId: true,
  // No listing endpoint: reconciliation reads per checkout.
  listRecords: false,
  payouts: false,
  inbound: { return: true, webhook: true },
  currency: 'SAR',
};

/** A callback that passed the cheap checks and still needs its (CPU-heavy) decryption. */
interface PendingCallback {
  value: string;
  secret: string;
  recorded: Record<string, unknown>;
}

type Inspection = { verdict: InboundVerdict } | { callback: PendingCallback };

/**
 * MIS Pay (mispay.md): start-checkout, the encrypted callback and the unsigned webhook, the
 * compare-then-end confirmation, track-checkout polling, refunds and update-order-id.
 * Refs it hands out: `trackId` (start-checkout), `checkoutId` (success), `transactionId` (end),
 * `orderId` (update-order-id, when MIS Pay's order id is no longer the reference).
 */
export class MispayAdapter implements GatewayPort {
  readonly name = MISPAY_GATEWAY;
  readonly capabilities = MISPAY_CAPABILITIES;
  readonly client: MispayClient;

  constructor(private readonly deps: GatewayAdapterDeps<MispayConfig>) {
    this.client = new MispayClient(deps);
  }

  // ───── start ─────

  async startPayment(ctx: GatewayCallContext, input: StartPaymentInput): Promise<StartPaymentResult> {
    this.client.requireSecret();
    const callbackUri = this.deps.config.sendCallbackUri ? `${this.deps.publicBaseUrl.replace(/\/+$/, '')}${CALLBACK_PATH}` : undefined;
    const body = buildStartCheckoutRequest(input, { callbackUri });
    let result: Record<string, unknown>;
    try {
      result = await this.client.startCheckout(ctx, body);
    } catch (error) {
      return createFailed(error);
    }
    const started = readStartCheckoutResult(result);
    if (!started) {
      return { outcome: 'failed', refs: {}, failure: { code: 'create_lost', message: 'mispay start-checkout: success without a usable url and trackId; abandoned (D4)' } };
    }
    return {
      outcome: 'pending',
      // The only copy of the url that leaves the adapter: the browser gets it once (D4).
      redirect: { method: 'GET', url: started.url },
      refs: { trackId: started.trackId },
      expiresAt: new Date(this.deps.now().getTime() + TRACK_WINDOW_MS),
    };
  }

  /** D4: nothing to look up. A lost create is abandoned; its checkout cannot complete without its url. */
  async recoverCreate(_ctx: GatewayCallContext, attempt: AttemptSnapshot): Promise<StartPaymentResult> {
    return {
      outcome: 'failed',
      refs: attempt.refs,
      failure: { code: 'create_lost', message: 'mispay: a start-checkout without an answer is abandoned, never looked up or re-sent (D4)' },
    };
  }

  // ───── inbound ─────

  /**
   * Synchronous per the port, so the callback key is derived with pbkdf2Sync (tens of ms of CPU).
   * Callers that can wait should use parseInboundAsync, which does the same off the event loop.
   */
  parseInbound(request: InboundRequest): InboundVerdict {
    const inspection = this.inspect(request);
    if ('verdict' in inspection) return inspection.verdict;
    const { callback } = inspection;
    let plaintext: string | MispayCryptoError;
    try {
      plaintext = decryptCallbackValueSync(callback.value, callback.secret);
    } catch (error) {
      if (!(error instanceof MispayCryptoError)) throw error;
      plaintext = error;
    }
    return this.callbackVerdict(callback, plaintext);
  }

  async parseInboundAsync(request: InboundRequest): Promise<InboundVerdict> {
    const inspection = this.inspect(request);
    if ('verdict' in inspection) return inspection.verdict;
    const { callback } = inspection;
    let plaintext: string | MispayCryptoError;
    try {
      plaintext = await decryptCallbackValue(callback.value, callback.secret);
    } catch (error) {
      if (!(error instanceof MispayCryptoError)) throw error;
      plaintext = error;
    }
    return this.callbackVerdict(callback, plaintext);
  }

  /** Everything short of decryption; the cheap refusals come first so forgeries cost no PBKDF2 run where avoidable. */
  private inspect(request: InboundRequest): Inspection {
    if (request.kind === 'webhook') return { verdict: this.webhookVerdict(request) };
    const method = request.method.toUpperCase();
    const query = request.query ?? {};
    const value = query._;
    const appId = query.appId;
    const recorded: Record<string, unknown> = { method, query: { _: value, appId } };
    if (method !== 'GET') return { verdict: rejected('CALLBACK.METHOD_NOT_ALLOWED', 'the MIS Pay callback is a GET', 'not_checked', recorded) };
    if (!this.client.hasSecret()) return { verdict: rejected('CALLBACK.INVALID', 'no app secret configured: callbacks cannot be decrypted (D2)', 'not_checked', recorded) };
    if (typeof value !== 'string' || value === '') return { verdict: rejected('CALLBACK.INVALID', 'missing `_` parameter', 'not_checked', recorded) };
    if (appId !== this.deps.config.appId) return { verdict: rejected('CALLBACK.INVALID', 'appId is not ours', 'not_checked', recorded) };
    return { callback: { value, secret: this.deps.config.appSecret, recorded } };
  }

  private callbackVerdict(callback: PendingCallback, plaintext: string | MispayCryptoError): InboundVerdict {
    if (plaintext instanceof MispayCryptoError) {
      return rejected('CALLBACK.INVALID', `callback does not decrypt: ${plaintext.message}`, 'forged', { ...callback.recorded, decryption: plaintext.reason });
    }
    let json: Record<string, unknown>;
    try {
      json = parseDecryptedJson(plaintext);
    } catch {
      return rejected('CALLBACK.INVALID', 'decrypted callback is not a JSON object', 'verified', { ...callback.recorded, decryption: 'json' });
    }
    const payload = readCallbackPayload(json);
    const recorded = { ...callback.recorded, decrypted: json };
    if (!payload) return rejected('CALLBACK.INVALID', 'decrypted callback lacks orderId or code', 'verified', recorded);
    const outcome = resultCodeOutcome(payload.code, payload.checkoutId !== undefined);
    return {
      accepted: true,
      authenticity: 'verified',
      lookup: { by: 'reference', value: payload.orderId },
      claimed: { outcome, status: payload.code },
      refs: payload.checkoutId ? { checkoutId: payload.checkoutId } : {},
      // The meaning, not the ciphertext: a re-encrypted copy of the same callback is the same notice.
      dedupKey: `mispay:return:${payload.orderId}:${payload.code}:${payload.checkoutId ?? ''}`,
      subject: 'payment',
      recorded,
    };
  }

  private webhookVerdict(request: InboundRequest): InboundVerdict {
    const method = request.method.toUpperCase();
    const sourceIp = normaliseIp(request.sourceIp);
    const body = webhookBody(request);
    const recorded: Record<string, unknown> = { method, sourceIp, body: body ?? request.rawBody };
    if (method !== 'POST') return rejected('CALLBACK.METHOD_NOT_ALLOWED', 'the MIS Pay webhook is a POST', 'not_checked', recorded);
    const allowed = this.deps.config.webhookAllowedIps.map(normaliseIp);
    // D8: the allow-list is the only protection the unsigned webhook has; empty = off (built-in sandbox).
    if (allowed.length > 0 && (!sourceIp || !allowed.includes(sourceIp))) {
      return rejected('CALLBACK.SOURCE_REFUSED', `source ${sourceIp ?? 'unknown'} is not an allowed MIS Pay address`, 'forged', recorded);
    }
    const payload = readWebhookPayload(body);
    if (!payload) return rejected('CALLBACK.INVALID', 'webhook is not a JSON object with code, appId and orderId or checkoutId', 'not_checked', recorded);
    if (payload.appId !== this.deps.config.appId) return rejected('CALLBACK.SOURCE_REFUSED', 'webhook appId is not ours', 'forged', recorded);
    const refs: GatewayRefs = payload.checkoutId ? { checkoutId: payload.checkoutId } : {};
    if (payload.code === 'MP03') {
      const full = payload.isFullyRefunded;
      return {
        accepted: true,
        authenticity: 'unauthenticated',
        // A refund follows a success, so the checkoutId is known by then and survives an order-id update.
        lookup: payload.checkoutId ? { by: 'checkoutId', value: payload.checkoutId } : { by: 'reference', value: payload.orderId! },
        claimed: { status: 'MP03' },
        refs,
        // Partial refunds look alike (no amount, no refund id) and MIS Pay never repeats a webhook, so
        // each partial notice counts; a "fully refunded" notice can only be true once.
        dedupKey: full === true ? `mispay:webhook:MP03:${payload.checkoutId ?? payload.orderId}:full` : `mispay:webhook:MP03:${payload.checkoutId ?? payload.orderId}:${full ?? 'n/a'}:${request.receivedAt.getTime()}`,
        subject: 'refund',
        recorded,
      };
    }
    return {
      accepted: true,
      authenticity: 'unauthenticated',
      lookup: payload.orderId ? { by: 'reference', value: payload.orderId } : { by: 'checkoutId', value: payload.checkoutId! },
      claimed: { outcome: resultCodeOutcome(payload.code, payload.checkoutId !== undefined), status: payload.code },
      refs,
      dedupKey: `mispay:webhook:${payload.code}:${payload.orderId ?? ''}:${payload.checkoutId ?? ''}`,
      subject: 'payment',
      recorded,
    };
  }

  // ───── confirm and inquire ─────

  async confirm(ctx: GatewayCallContext, attempt: AttemptSnapshot, input: ConfirmInput): Promise<ConfirmResult> {
    if (FINAL_ATTEMPT_OUTCOMES.has(attempt.outcome)) return stored(attempt);
    const inbound = input.inbound;
    if (inbound?.accepted && inbound.subject === 'refund') {
      return { ...stored(attempt), detail: 'MP03 refund notice: matched against our refunds (matchRefundNotice), never booked from its word' };
    }
    if (inbound?.accepted && inbound.subject === 'payment') {
      const code = inbound.claimed?.status;
      const checkoutId = inbound.refs?.checkoutId;
      if (inbound.authenticity === 'verified') {
        // D5: the GCM tag authenticates the callback; MP00 still needs the compare and end.
        if (code === 'MP00') {
          if (checkoutId) return this.confirmSuccess(ctx, attempt, checkoutId);
          return { outcome: 'pending', gatewayStatus: 'MP00', refs: attempt.refs, detail: 'MP00 without checkoutId is not final; track-checkout decides', retryAfterMs: TRACK_BACKOFF_INITIAL_MS };
        }
        if (code === 'MP01') return { outcome: 'failed', gatewayStatus: 'MP01', refs: attempt.refs, detail: 'callback MP01 (timed out), authenticated by its GCM tag' };
        if (code === 'MP02') return { outcome: 'canceled', gatewayStatus: 'MP02', refs: attempt.refs, detail: 'callback MP02 (cancelled), authenticated by its GCM tag' };
        return this.track(ctx, attempt);
      }
      // D8: an unsigned webhook changes nothing by itself; track-checkout (or /checkout) decides.
      return this.track(ctx, attempt, code === 'MP00' ? checkoutId : undefined);
    }
    return this.track(ctx, attempt);
  }

  /** D7: one track-checkout call (30 s; a timeout is "no change yet"), then the MP00 path on success. */
  inquire(ctx: GatewayCallContext, attempt: AttemptSnapshot): Promise<ConfirmResult> {
    if (FINAL_ATTEMPT_OUTCOMES.has(attempt.outcome)) return Promise.resolve(stored(attempt));
    return this.track(ctx, attempt);
  }

  private async track(ctx: GatewayCallContext, attempt: AttemptSnapshot, checkoutHint?: string): Promise<ConfirmResult> {
    // D6: an authorized attempt only lacks its end; the job repeats compare + end (end is idempotent).
    if (attempt.outcome === 'authorized' && attempt.refs.checkoutId) return this.confirmSuccess(ctx, attempt, attempt.refs.checkoutId);
    const trackId = attempt.refs.trackId;
    if (!trackId) {
      if (checkoutHint) return this.confirmSuccess(ctx, attempt, checkoutHint);
      throw new GatewayError('GATEWAY.INVALID_REQUEST', 'mispay: the attempt has no trackId to track', { details: { field: 'refs.trackId' } });
    }
    const windowOver = this.deps.now().getTime() - attempt.createdAt.getTime() >= TRACK_WINDOW_MS;
    let reply: CheckoutFacts;
    try {
      reply = await this.trackFacts(ctx, trackId);
    } catch (error) {
      if (windowOver && isGatewayError(error) && error.code !== 'GATEWAY.CONFIGURATION') return expired(attempt, `last track-checkout failed: ${error.message}`);
      // The server may hold the request open (long-poll): running out the timeout means no change yet.
      if (isGatewayError(error, 'GATEWAY.TIMEOUT')) {
        return { outcome: 'pending', refs: { trackId }, detail: 'track-checkout long-poll ended without a change', retryAfterMs: TRACK_AFTER_LONG_POLL_MS };
      }
      throw error;
    }
    const refs: GatewayRefs = { trackId, ...(reply.checkoutId ? { checkoutId: reply.checkoutId } : {}) };
    const outcome = trackStatusOutcome(reply.status);
    switch (outcome) {
      case 'authorized':
        if (reply.checkoutId) return this.confirmSuccess(ctx, attempt, reply.checkoutId, reply);
        return { outcome: 'unknown', gatewayStatus: reply.status, refs, detail: 'track-checkout success without checkoutId', retryAfterMs: TRACK_BACKOFF_INITIAL_MS };
      case 'canceled':
      case 'failed':
        return { outcome, gatewayStatus: reply.status, gatewayAmount: reply.amount, refs, detail: `track-checkout ${reply.status}` };
      case 'pending':
        if (windowOver) return expired(attempt, `still ${reply.status} 24 h after start-checkout`, refs);
        return { outcome: 'pending', gatewayStatus: reply.status, refs, detail: `track-checkout ${reply.status}`, retryAfterMs: TRACK_BACKOFF_INITIAL_MS };
      default:
        return { outcome: 'unknown', gatewayStatus: reply.status, refs, detail: `unmapped track-checkout status ${JSON.stringify(reply.status)}`, retryAfterMs: TRACK_BACKOFF_INITIAL_MS };
    }
  }

  private async trackFacts(ctx: GatewayCallContext, trackId: string): Promise<CheckoutFacts> {
    const { body, response } = await this.client.trackCheckout(ctx, trackId);
    const reply = readTrackReply(body);
    if (!reply) throw this.client.http.malformed(ctx, MISPAY_OPERATIONS.trackCheckout, response, 'neither an enveloped nor a bare track-checkout reply');
    return reply;
  }

  /** D5 MP00 path: read the checkout, compare orderId/amount/currency, then end (D6). */
  private async confirmSuccess(ctx: GatewayCallContext, attempt: AttemptSnapshot, checkoutId: string, trackReply?: CheckoutFacts): Promise<ConfirmResult> {
    const baseRefs: GatewayRefs = { ...(attempt.refs.trackId ? { trackId: attempt.refs.trackId } : {}), checkoutId };
    let read: CheckoutFacts | undefined;
    let source = 'checkout';
    try {
      const result = await this.client.getCheckout(ctx, checkoutId);
      read = readCheckoutResult(result);
      if (!read) throw new GatewayError('GATEWAY.BAD_RESPONSE', 'mispay get-checkout: result without id and orderId', { details: { operation: MISPAY_OPERATIONS.getCheckout } });
    } catch (error) {
      // D5: `/checkout` may not know a fresh checkout (ME05); track-checkout's reply stands in.
      if (!isGatewayError(error, 'GATEWAY.NOT_FOUND')) throw error;
      const trackId = attempt.refs.trackId;
      if (!trackReply && !trackId) throw error;
      read = trackReply ?? (await this.trackFacts(ctx, trackId!));
      source = 'track-checkout';
      if (read.status !== 'success' || (read.checkoutId !== undefined && read.checkoutId !== checkoutId)) {
        const outcome = read.status === 'success' ? 'unknown' : trackStatusOutcome(read.status);
        return {
          outcome: outcome === 'authorized' ? 'unknown' : outcome,
          gatewayStatus: read.status,
          refs: attempt.refs,
          detail: `checkout ${checkoutId} not found (ME05) and track-checkout says ${read.status}${read.checkoutId ? ` for ${read.checkoutId}` : ''}`,
          ...(outcome === 'pending' || outcome === 'unknown' ? { retryAfterMs: TRACK_BACKOFF_INITIAL_MS } : {}),
        };
      }
    }
    const problems = compareWithAttempt(attempt, read);
    if (problems.length > 0) {
      return {
        outcome: 'amount_mismatch',
        gatewayAmount: read.amount,
        gatewayStatus: 'success',
        refs: baseRefs,
        detail: `${source} does not match the attempt (${problems.join('; ')}); end not called, ops alerted`,
      };
    }
    return this.end(ctx, attempt, checkoutId, read, baseRefs, source);
  }

  private async end(ctx: GatewayCallContext, attempt: AttemptSnapshot, checkoutId: string, read: CheckoutFacts, refs: GatewayRefs, source: string): Promise<ConfirmResult> {
    const authorized = (why: string): ConfirmResult => ({
      outcome: 'authorized',
      gatewayAmount: read.amount,
      gatewayStatus: 'success',
      refs,
      detail: `${why}; end is retried every ${END_JOB_INTERVAL_MS / 60_000} min for 24 h (D6)`,
      retryAfterMs: END_JOB_INTERVAL_MS,
    });
    let transactionId: string;
    try {
      const result = await withRetries(END_RETRY_PLAN, (attemptNo) => this.client.endCheckout(ctx, checkoutId, attemptNo), {
        sleep: this.deps.sleep,
        random: this.deps.random,
        isRetryable: isTransient,
      });
      const ended = readEndResult(result);
      if (!ended) return authorized('end answered success without transactionId');
      transactionId = ended.transactionId;
    } catch (error) {
      if (!isGatewayError(error)) throw error;
      // End is idempotent, so an unclear failure is simply repeated later.
      if (isTransient(error) || error.code === 'GATEWAY.BAD_RESPONSE') return authorized(`end failed: ${error.message}`);
      if (error.code === 'GATEWAY.AUTH_FAILED' || error.code === 'GATEWAY.CONFIGURATION') throw error;
      const after = attempt.refs.trackId ? await this.trackFacts(ctx, attempt.refs.trackId).catch(() => undefined) : undefined;
      if (after?.status === 'canceled') {
        return { outcome: 'canceled', gatewayStatus: 'canceled', refs, detail: `end refused (${error.gatewayCode ?? error.code}) and track-checkout says canceled` };
      }
      return { outcome: 'failed_needs_review', gatewayAmount: read.amount, gatewayStatus: after?.status ?? 'success', refs, detail: `end refused: ${error.message}; ops review` };
    }
    return {
      outcome: 'paid',
      gatewayAmount: read.amount,
      gatewayStatus: 'success',
      refs: { ...refs, transactionId },
      detail: `${source} matched orderId, amount and currency; end returned transactionId`,
    };
  }

  // ───── refunds and order id ─────

  async refund(ctx: GatewayCallContext, attempt: AttemptSnapshot, input: RefundInput): Promise<RefundResult> {
    this.client.requireSecret();
    const checkoutId = attempt.refs.checkoutId;
    if (!checkoutId || attempt.outcome !== 'paid') {
      throw new GatewayError('GATEWAY.INVALID_REQUEST', 'mispay: only a paid (ended) checkout can be refunded', { details: { field: 'attempt', outcome: attempt.outcome } });
    }
    const body = buildRefundRequest(attempt, input, checkoutId);
    let result: Record<string, unknown>;
    try {
      result = await this.client.refund(ctx, body);
    } catch (error) {
      if (!isGatewayError(error) || error.code === 'GATEWAY.CONFIGURATION') throw error;
      if (isTransient(error) || error.code === 'GATEWAY.BAD_RESPONSE') {
        return {
          status: 'unknown',
          detail: `${error.message}; not resent (no read-back endpoint, MIS Pay's merchantRefundId dedup unknown): the MP03 webhook or ops resolve it (D9)`,
        };
      }
      return { status: 'failed', detail: `${error.gatewayCode ?? error.code}: ${error.message}` };
    }
    const refunded = readRefundResult(result);
    if (!refunded) return { status: 'unknown', detail: 'refund answered success without transactionId; the MP03 webhook or ops resolve it' };
    return {
      status: 'succeeded',
      gatewayRefundRef: refunded.transactionId,
      ...(refunded.remaining ? { remaining: refunded.remaining } : {}),
      detail: `transactionId ${refunded.transactionId}${refunded.remaining ? `, newPurchaseAmount ${refunded.remaining.toDecimalString()}` : ''}`,
    };
  }

  /** D10: only for a succeeded checkout; the new id is used from then on (refunds, MP03 matching). */
  async updateOrderId(ctx: GatewayCallContext, attempt: AttemptSnapshot, newOrderId: string): Promise<{ refs: Record<string, string> }> {
    this.client.requireSecret();
    const checkoutId = attempt.refs.checkoutId;
    if (!checkoutId || (attempt.outcome !== 'paid' && attempt.outcome !== 'authorized')) {
      throw new GatewayError('GATEWAY.INVALID_REQUEST', 'mispay: the order id can only change on a succeeded checkout', { details: { field: 'attempt', outcome: attempt.outcome } });
    }
    if (!NEW_ORDER_ID_PATTERN.test(newOrderId)) {
      throw new GatewayError('GATEWAY.INVALID_REQUEST', 'mispay: an order id is 1–32 printable characters without spaces', { details: { field: 'orderId' } });
    }
    const result = await this.client.updateOrderId(ctx, checkoutId, newOrderId);
    const orderId = typeof result.orderId === 'string' && result.orderId.trim() !== '' ? result.orderId.trim() : newOrderId;
    return { refs: { orderId } };
  }

  // ───── not offered by MIS Pay ─────

  async cancel(_ctx: GatewayCallContext, _attempt: AttemptSnapshot): Promise<CancelResult> {
    throw unsupported(MISPAY_GATEWAY, 'cancel');
  }

  async listRecords(_ctx: GatewayCallContext, _window: { from: Date; to: Date; cursor?: string }): Promise<RecordPage> {
    throw unsupported(MISPAY_GATEWAY, 'listRecords');
  }

  async createBeneficiary(): Promise<BeneficiaryResult> {
    throw unsupported(MISPAY_GATEWAY, 'createBeneficiary');
  }

  async initiateTransfer(): Promise<TransferResult> {
    throw unsupported(MISPAY_GATEWAY, 'initiateTransfer');
  }

  async queryTransfer(): Promise<TransferResult> {
    throw unsupported(MISPAY_GATEWAY, 'queryTransfer');
  }
}

function createFailed(error: unknown): StartPaymentResult {
  if (!isGatewayError(error) || error.code === 'GATEWAY.CONFIGURATION') throw error;
  const lost = error.outcomeUncertain || isTransient(error) || error.code === 'GATEWAY.BAD_RESPONSE';
  if (lost) {
    // D4: never re-posted; nobody holds this checkout's url, so it cannot complete.
    return { outcome: 'failed', refs: {}, failure: { code: 'create_lost', message: `${error.message}; abandoned, never re-sent (D4)`, gatewayCode: error.gatewayCode } };
  }
  return { outcome: 'failed', refs: {}, failure: { code: error.code, message: error.message, gatewayCode: error.gatewayCode } };
}

function stored(attempt: AttemptSnapshot): ConfirmResult {
  return { outcome: attempt.outcome, refs: attempt.refs, detail: 'already final: answered from stored state' };
}

function expired(attempt: AttemptSnapshot, why: string, refs: GatewayRefs = attempt.refs): ConfirmResult {
  return { outcome: 'expired', refs, detail: `${why}; no terminal status within 24 h (D7)` };
}

function rejected(code: NonNullable<InboundVerdict['rejection']>['code'], message: string, authenticity: InboundVerdict['authenticity'], recorded: Record<string, unknown>): InboundVerdict {
  return { accepted: false, rejection: { code, message }, authenticity, subject: 'payment', recorded };
}

function normaliseIp(ip: string | undefined): string | undefined {
  if (!ip) return undefined;
  const trimmed = ip.trim();
  return trimmed.startsWith('::ffff:') && trimmed.includes('.') ? trimmed.slice('::ffff:'.length) : trimmed;
}

function webhookBody(request: InboundRequest): unknown {
  if (request.body !== undefined) return request.body;
  if (!request.rawBody) return undefined;
  try {
    return JSON.parse(request.rawBody);
  } catch {
    return undefined;
  }
}
