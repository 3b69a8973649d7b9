import { createRedactor } from '@payledger/event-store';
import { isTransient, withRetries } from '../http/retry';
import type { GatewayAdapterDeps } from '../port/adapter-deps';
import { GatewayError, isGatewayError, unsupported } from '../port/gateway-error';
import type { GatewayPort } from '../port/gateway.port';
import {
  AttemptOutcome,
  AttemptSnapshot,
  BeneficiaryInput,
  BeneficiaryResult,
  CancelResult,
  ConfirmInput,
  ConfirmResult,
  FINAL_ATTEMPT_OUTCOMES,
  GatewayCallContext,
  GatewayCapabilities,
  GatewayRecord,
  InboundRequest,
  InboundVerdict,
  RecordPage,
  RefundInput,
  RefundResult,
  StartPaymentInput,
  StartPaymentResult,
  TransferInput,
  TransferResult,
} from '../port/gateway.types';
import { JibitClient } from './jibit.client';
import {
  JIBIT_CREATE_LOOKUP_PAGES_MAX,
  JIBIT_CREATE_LOOKUP_WINDOW_MS,
  JIBIT_DEADLINE_CAPTURE_AT_MS,
  JIBIT_DEADLINE_SETTLE_AT_MS,
  JIBIT_LIST_PAGE_SIZE,
  JIBIT_LIST_PAGES_PER_WINDOW_MAX,
  JIBIT_READ_RETRY_PLAN,
  JIBIT_VERIFY_WINDOW_MS,
  JibitConfig,
  jibitNeedsManualReconciliation,
  jibitNextCreateLookupAtMs,
  jibitNextInquiryAtMs,
} from './jibit.config';
import { decodeListCursor, encodeListCursor, JibitListPosition, listWindowEndMs } from './jibit-list.cursor';
import {
  callbackClaim,
  decideOutcome,
  findByReference,
  inquiryOutcome,
  isOrderIdentifier,
  JibitDecision,
  JibitOrderView,
  JibitVerifyResult,
  recordOutcome,
  switchingUrl,
  toCreateOrderRequest,
} from './jibit.transformers';

export const JIBIT_CAPABILITIES: GatewayCapabilities = {
  startPayment: true,
  recoverCreate: true,
  confirm: true,
  inquire: true,
  // v2 has no reverse or refund endpoint: money goes back only through Jibit support (§5).
  refund: false,
  partialRefund: false,
  cancel: false,
  retry: false,
  updateOrderId: false,
  listRecords: true,
  payouts: false,
  inbound: { return: true, webhook: false },
  currency: 'IRR',
};

/** The ref under which the attempt stores Jibit's `orderIdentifier`; a callback's `refnum` is looked up by it. */
export const JIBIT_ORDER_REF = 'orderIdentifier';
/** D6: `StartPaymentResult.failure.code` of an order the last lookup did not find. */
export const JIBIT_CREATE_LOST = 'create_lost';

const CALLBACK_PARAMS_RECORDED_MAX = 20;
const CALLBACK_VALUE_LENGTH_MAX = 256;
const DEDUP_PART_LENGTH_MAX = 64;

/**
 * Jibit PPG v2 (shared/gateways/jibit.md). Stateless apart from the token pair: everything it needs about
 * an attempt comes in the AttemptSnapshot, and every decision follows §6.
 */
export class JibitAdapter implements GatewayPort {
  readonly name = 'jibit' as const;
  readonly capabilities = JIBIT_CAPABILITIES;
  private readonly client: JibitClient;
  private readonly redactInbound = createRedactor();

  constructor(private readonly deps: GatewayAdapterDeps<JibitConfig>) {
    this.client = new JibitClient(deps.config, deps);
  }

  private get config(): JibitConfig {
    return this.deps.config;
  }

  private get callbackUrl(): string {
    return `${this.deps.publicBaseUrl.replace(/\/+$/, '')}/callbacks/jibit`;
  }

  /**
   * For the scheduled token job (D3): renews the pair through the same single-flight path when less than
   * 5 minutes of access-token life remain. The job holds the cluster-wide lease around this call.
   */
  async ensureSession(): Promise<{ expiresAt: Date; refreshExpiresAt?: Date }> {
    const token = await this.client.accessToken();
    return { expiresAt: token.expiresAt, refreshExpiresAt: token.refreshExpiresAt };
  }

  // ---- create (D5, D6)

  async startPayment(ctx: GatewayCallContext, input: StartPaymentInput): Promise<StartPaymentResult> {
    if (!this.config.isSandbox && !this.callbackUrl.startsWith('https://')) {
      // D5: the buyer's browser carries refnum back to us; outside the sandbox only over HTTPS.
      throw new GatewayError('GATEWAY.CONFIGURATION', 'jibit callbackUrl must be HTTPS outside the sandbox (PUBLIC_BASE_URL)', {
        details: { gateway: 'jibit', callbackUrl: this.callbackUrl },
      });
    }
    // D5: checked before anything is sent; the caller persisted the attempt (reference, amount) already.
    const draft = toCreateOrderRequest(input, { callbackUrl: this.callbackUrl, amountMin: this.config.amountMin });
    const sentAt = this.deps.now();
    try {
      const created = await this.client.createOrder(ctx, draft.body, draft.recordable);
      if (created.referenceNumber !== input.reference) {
        // An answer about some other order: ours may or may not exist, so it is looked up, never re-sent.
        return {
          outcome: 'create_unknown',
          refs: {},
          failure: { code: 'GATEWAY.BAD_RESPONSE', message: `create answered for referenceNumber ${created.referenceNumber}` },
        };
      }
      return {
        outcome: 'pending',
        redirect: { method: 'GET', url: created.pspSwitchingUrl },
        refs: { [JIBIT_ORDER_REF]: created.orderIdentifier },
        expiresAt: new Date(sentAt.getTime() + JIBIT_VERIFY_WINDOW_MS),
      };
    } catch (error) {
      if (!isGatewayError(error)) throw error;
      // D6: a timeout, a dropped connection, a 5xx or a garbled reply may hide a created order.
      if (error.outcomeUncertain) return { outcome: 'create_unknown', refs: {}, failure: failureOf(error) };
      // Refused by Jibit (validation, merchant state): nothing was created.
      if (error.details?.stage !== 'token' && error.code !== 'GATEWAY.AUTH_FAILED') return { outcome: 'failed', refs: {}, failure: failureOf(error) };
      // No token, or refused for auth twice: the create was not executed; the caller may try again.
      throw error;
    }
  }

  /**
   * D6: finds an order whose create got no answer through GET /orders around our send time, matching
   * `referenceNumber` here (v2 cannot filter by it). The recovery job calls this at
   * JIBIT_CREATE_LOOKUP_SCHEDULE_MS; not found at the last lookup means `failed` (create_lost).
   */
  async recoverCreate(ctx: GatewayCallContext, attempt: AttemptSnapshot): Promise<StartPaymentResult> {
    const sentAtMs = attempt.createdAt.getTime();
    const known = attempt.refs[JIBIT_ORDER_REF];
    if (known) return this.adopted(known, sentAtMs);
    const from = new Date(sentAtMs - JIBIT_CREATE_LOOKUP_WINDOW_MS.before).toISOString();
    const to = new Date(sentAtMs + JIBIT_CREATE_LOOKUP_WINDOW_MS.after).toISOString();
    let found: JibitOrderView | undefined;
    let walkedAll = false;
    try {
      for (let page = 1; page <= JIBIT_CREATE_LOOKUP_PAGES_MAX; page++) {
        const result = await this.retryingRead((n) => this.client.listOrders(ctx, { from, to, page, size: JIBIT_LIST_PAGE_SIZE }, n));
        found = findByReference(result, attempt.reference);
        if (found) break;
        if (!result.hasNext) {
          walkedAll = true;
          break;
        }
      }
    } catch (error) {
      if (!isGatewayError(error)) throw error;
      // A lookup that failed proves nothing: the order may exist. The next lookup tries again.
      return { outcome: 'create_unknown', refs: {}, failure: failureOf(error) };
    }
    if (found?.orderIdentifier) return this.adopted(found.orderIdentifier, sentAtMs);
    if (found) {
      return { outcome: 'create_unknown', refs: {}, failure: { code: 'GATEWAY.BAD_RESPONSE', message: 'order found without a usable identifier' } };
    }
    const lastLookupDone = jibitNextCreateLookupAtMs(sentAtMs, this.deps.now().getTime()) === undefined;
    if (walkedAll && lastLookupDone) {
      // Nobody holds the order's URL, so it cannot be paid; it simply expires at Jibit.
      return { outcome: 'failed', refs: {}, failure: { code: JIBIT_CREATE_LOST, message: `no order with referenceNumber ${attempt.reference} between ${from} and ${to}` } };
    }
    return {
      outcome: 'create_unknown',
      refs: {},
      failure: { code: 'GATEWAY.NOT_FOUND', message: walkedAll ? 'not listed yet' : `more than ${JIBIT_CREATE_LOOKUP_PAGES_MAX} pages in the lookup window` },
    };
  }

  private adopted(orderIdentifier: string, sentAtMs: number): StartPaymentResult {
    return {
      outcome: 'pending',
      redirect: { method: 'GET', url: switchingUrl(this.client.apiBaseUrl, orderIdentifier) },
      refs: { [JIBIT_ORDER_REF]: orderIdentifier },
      expiresAt: new Date(sentAtMs + JIBIT_VERIFY_WINDOW_MS),
    };
  }

  // ---- callback (§4, D7)

  parseInbound(request: InboundRequest): InboundVerdict {
    const recorded = this.recordableCallback(request);
    const reject = (code: NonNullable<InboundVerdict['rejection']>['code'], message: string): InboundVerdict => ({
      accepted: false,
      rejection: { code, message },
      authenticity: 'unauthenticated',
      subject: 'payment',
      recorded,
    });
    if (request.kind !== 'return') return reject('CALLBACK.INVALID', 'Jibit sends no webhooks; only the buyer returns to /callbacks/jibit');
    if (request.method.toUpperCase() !== 'GET') return reject('CALLBACK.METHOD_NOT_ALLOWED', 'Jibit returns the buyer with a GET');
    const refnum = singleValue(request.query.refnum);
    const amount = singleValue(request.query.amount);
    const state = singleValue(request.query.state);
    if (refnum === null || amount === null || state === null) return reject('CALLBACK.INVALID', 'a callback parameter appears more than once');
    if (refnum === undefined || refnum === '') return reject('CALLBACK.INVALID', 'refnum is required');
    if (!isOrderIdentifier(refnum)) return reject('CALLBACK.INVALID', 'refnum is not an order identifier');
    const claimed = callbackClaim(state === undefined ? undefined : truncate(state, DEDUP_PART_LENGTH_MAX), amount);
    return {
      accepted: true,
      // No signature exists (§4): anyone can forge this URL, so only verify and inquiry establish facts.
      authenticity: 'unauthenticated',
      lookup: { by: JIBIT_ORDER_REF, value: refnum },
      claimed,
      dedupKey: `jibit:return:${refnum}:${truncate(state ?? '', DEDUP_PART_LENGTH_MAX)}:${truncate(amount ?? '', DEDUP_PART_LENGTH_MAX)}`,
      subject: 'payment',
      recorded,
    };
  }

  private recordableCallback(request: InboundRequest): Record<string, unknown> {
    const query: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(request.query).slice(0, CALLBACK_PARAMS_RECORDED_MAX)) {
      query[truncate(key, DEDUP_PART_LENGTH_MAX)] = Array.isArray(value) ? value.slice(0, 5).map((v) => truncate(String(v), CALLBACK_VALUE_LENGTH_MAX)) : value === undefined ? undefined : truncate(value, CALLBACK_VALUE_LENGTH_MAX);
    }
    return this.redactInbound({ method: request.method, query, ...(request.rawBody ? { body: truncate(request.rawBody, CALLBACK_VALUE_LENGTH_MAX) } : {}) });
  }

  // ---- confirm (D7, D8, D10)

  async confirm(ctx: GatewayCallContext, attempt: AttemptSnapshot, input: ConfirmInput): Promise<ConfirmResult> {
    const orderIdentifier = this.orderIdentifierOf(attempt);
    if (FINAL_ATTEMPT_OUTCOMES.has(attempt.outcome) && (input.trigger === 'return' || input.trigger === 'webhook')) {
      // D7: a duplicate return of a settled attempt is answered from stored state, without calling Jibit.
      return { outcome: attempt.outcome, refs: { [JIBIT_ORDER_REF]: orderIdentifier }, detail: 'already final; not asked again' };
    }
    if (input.trigger === 'deadline') return this.deadlineSweep(ctx, attempt, orderIdentifier);
    // D7: whatever the callback's state says, verify then inquiry.
    const verify = await this.verifyOnce(ctx, attempt, orderIdentifier);
    if (verify.status !== 'Successful' && verify.status !== 'Failed') {
      // D8: verify Unknown (or no answer after retries) is `unknown`; the inquiry is scheduled, not run now.
      return this.result(attempt, orderIdentifier, decideOutcome(verify.status, undefined, attempt.amount), undefined, verify.text);
    }
    const inquiry = await this.inquiryOnce(ctx, orderIdentifier);
    return this.result(attempt, orderIdentifier, decideOutcome(verify.status, inquiry, attempt.amount), inquiry, verify.text);
  }

  /**
   * D10. At +13 min (anything before +16): inquiry; an IN_PROGRESS order is verified while the 15-minute
   * window is open, capturing a buyer who paid but never came back; a `Failed` verify is not final before
   * the deadline. From +16 min: the inquiry decides.
   */
  private async deadlineSweep(ctx: GatewayCallContext, attempt: AttemptSnapshot, orderIdentifier: string): Promise<ConfirmResult> {
    const elapsedMs = this.deps.now().getTime() - attempt.createdAt.getTime();
    const first = await this.inquiryOnce(ctx, orderIdentifier);
    if (first === 'unreachable') return this.result(attempt, orderIdentifier, { outcome: 'unknown', detail: 'deadline: inquiry unreachable' }, first);
    const settling = elapsedMs >= JIBIT_DEADLINE_SETTLE_AT_MS;
    if (settling || first.status !== 'IN_PROGRESS') {
      return this.result(attempt, orderIdentifier, { outcome: inquiryOutcome(first, attempt.amount), detail: `deadline +${minutes(elapsedMs)} min: inquiry ${first.statusText}` }, first);
    }
    const windowOpen = elapsedMs < JIBIT_VERIFY_WINDOW_MS;
    if (!this.config.verifyBeforeDeadline || !windowOpen) {
      return this.result(attempt, orderIdentifier, { outcome: 'pending', detail: `deadline +${minutes(elapsedMs)} min: inquiry IN_PROGRESS, not verified` }, first);
    }
    const verify = await this.verifyOnce(ctx, attempt, orderIdentifier);
    if (verify.status === 'Failed') {
      return this.result(attempt, orderIdentifier, { outcome: 'pending', detail: 'deadline: verify Failed before the deadline is not final' }, first, verify.text);
    }
    if (verify.status !== 'Successful') return this.result(attempt, orderIdentifier, decideOutcome(verify.status, undefined, attempt.amount), first, verify.text);
    const second = await this.inquiryOnce(ctx, orderIdentifier);
    return this.result(attempt, orderIdentifier, decideOutcome('Successful', second, attempt.amount), second, verify.text);
  }

  /** D9: inquiry only, never a verify. Errors are thrown for the job to retry on its schedule. */
  async inquire(ctx: GatewayCallContext, attempt: AttemptSnapshot): Promise<ConfirmResult> {
    const orderIdentifier = this.orderIdentifierOf(attempt);
    const order = await this.retryingRead((n) => this.client.inquiry(ctx, orderIdentifier, n));
    return this.result(attempt, orderIdentifier, { outcome: inquiryOutcome(order, attempt.amount), detail: `inquiry ${order.statusText}` }, order);
  }

  /** D12: verify is retried on network errors and 5xx, but only while the 15-minute window is open. */
  private async verifyOnce(ctx: GatewayCallContext, attempt: AttemptSnapshot, orderIdentifier: string): Promise<{ status: JibitVerifyResult; text: string }> {
    const deadlineMs = attempt.createdAt.getTime() + JIBIT_VERIFY_WINDOW_MS;
    try {
      return await this.retryingRead(
        (n) => this.client.verify(ctx, orderIdentifier, n),
        () => this.deps.now().getTime() < deadlineMs,
      );
    } catch (error) {
      if (isUnanswered(error)) return { status: 'unreachable', text: (error as GatewayError).code };
      throw error;
    }
  }

  private async inquiryOnce(ctx: GatewayCallContext, orderIdentifier: string): Promise<JibitOrderView | 'unreachable'> {
    try {
      return await this.retryingRead((n) => this.client.inquiry(ctx, orderIdentifier, n));
    } catch (error) {
      if (isUnanswered(error)) return 'unreachable';
      throw error;
    }
  }

  private retryingRead<T>(operation: (attempt: number) => Promise<T>, stillAllowed: () => boolean = () => true): Promise<T> {
    return withRetries(JIBIT_READ_RETRY_PLAN, operation, {
      sleep: this.deps.sleep,
      random: this.deps.random,
      now: () => this.deps.now().getTime(),
      isRetryable: (error) => isTransient(error) && stillAllowed(),
    });
  }

  private result(attempt: AttemptSnapshot, orderIdentifier: string, decision: JibitDecision, inquiry?: JibitOrderView | 'unreachable', verifyText?: string): ConfirmResult {
    const order = inquiry !== undefined && inquiry !== 'unreachable' ? inquiry : undefined;
    const retryAfterMs = this.retryAfterMs(attempt, decision.outcome);
    const flagged = !FINAL_ATTEMPT_OUTCOMES.has(decision.outcome) && jibitNeedsManualReconciliation(attempt.createdAt.getTime(), this.deps.now().getTime());
    return {
      outcome: decision.outcome,
      gatewayAmount: order?.amount,
      gatewayStatus: order?.statusText ?? verifyText,
      refs: { [JIBIT_ORDER_REF]: orderIdentifier },
      detail: flagged ? `${decision.detail}; no final status after 72 h: manual reconciliation` : decision.detail,
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    };
  }

  /** When to ask again: the next D10 checkpoint still ahead, or the next D9 inquiry, whichever is sooner. */
  private retryAfterMs(attempt: AttemptSnapshot, outcome: AttemptOutcome): number | undefined {
    if (FINAL_ATTEMPT_OUTCOMES.has(outcome)) return undefined;
    const nowMs = this.deps.now().getTime();
    const createdMs = attempt.createdAt.getTime();
    const candidates: number[] = [];
    if (this.config.verifyBeforeDeadline && nowMs < createdMs + JIBIT_DEADLINE_CAPTURE_AT_MS) candidates.push(createdMs + JIBIT_DEADLINE_CAPTURE_AT_MS);
    else if (nowMs < createdMs + JIBIT_DEADLINE_SETTLE_AT_MS) candidates.push(createdMs + JIBIT_DEADLINE_SETTLE_AT_MS);
    const inquiryAt = jibitNextInquiryAtMs(createdMs, nowMs);
    if (inquiryAt !== undefined) candidates.push(inquiryAt);
    return candidates.length === 0 ? undefined : Math.max(0, Math.min(...candidates) - nowMs);
  }

  private orderIdentifierOf(attempt: AttemptSnapshot): string {
    const orderIdentifier = attempt.refs[JIBIT_ORDER_REF];
    if (!orderIdentifier) {
      throw new GatewayError('GATEWAY.INVALID_REQUEST', `attempt ${attempt.reference} has no Jibit orderIdentifier (create not answered yet?)`, {
        details: { gateway: 'jibit', reference: attempt.reference, outcome: attempt.outcome },
      });
    }
    return orderIdentifier;
  }

  // ---- reconciliation (D13)

  async listRecords(ctx: GatewayCallContext, window: { from: Date; to: Date; cursor?: string }): Promise<RecordPage> {
    const period = { fromMs: window.from.getTime(), toMs: window.to.getTime() };
    if (!(period.toMs > period.fromMs)) return { records: [] };
    const position: JibitListPosition = window.cursor ? decodeListCursor(window.cursor, period) : { windowStartMs: period.fromMs, page: 1 };
    const windowEndMs = listWindowEndMs(position.windowStartMs, period.toMs);
    const page = await this.retryingRead((n) =>
      this.client.listOrders(
        ctx,
        { from: new Date(position.windowStartMs).toISOString(), to: new Date(windowEndMs).toISOString(), page: position.page, size: JIBIT_LIST_PAGE_SIZE },
        n,
      ),
    );
    const records = page.elements.map(toRecord);
    let next: JibitListPosition | undefined;
    if (page.hasNext) {
      if (position.page >= JIBIT_LIST_PAGES_PER_WINDOW_MAX) {
        throw new GatewayError('GATEWAY.BAD_RESPONSE', `jibit list-orders: more than ${JIBIT_LIST_PAGES_PER_WINDOW_MAX} pages in one day`, {
          details: { gateway: 'jibit', windowStart: new Date(position.windowStartMs).toISOString() },
        });
      }
      next = { windowStartMs: position.windowStartMs, page: position.page + 1 };
    } else if (windowEndMs < period.toMs) {
      next = { windowStartMs: windowEndMs, page: 1 };
    }
    return { records, ...(next ? { nextCursor: encodeListCursor(period, next) } : {}) };
  }

  // ---- what v2 does not have

  async refund(_ctx: GatewayCallContext, _attempt: AttemptSnapshot, _input: RefundInput): Promise<RefundResult> {
    throw unsupported('jibit', 'refund');
  }

  async cancel(_ctx: GatewayCallContext, _attempt: AttemptSnapshot): Promise<CancelResult> {
    throw unsupported('jibit', 'cancel');
  }

  async updateOrderId(_ctx: GatewayCallContext, _attempt: AttemptSnapshot, _newOrderId: string): Promise<{ refs: Record<string, string> }> {
    throw unsupported('jibit', 'updateOrderId');
  }

  async createBeneficiary(_ctx: GatewayCallContext, _input: BeneficiaryInput): Promise<BeneficiaryResult> {
    throw unsupported('jibit', 'payouts');
  }

  async initiateTransfer(_ctx: GatewayCallContext, _input: TransferInput): Promise<TransferResult> {
    throw unsupported('jibit', 'payouts');
  }

  async queryTransfer(_ctx: GatewayCallContext, _reference: string): Promise<TransferResult> {
    throw unsupported('jibit', 'payouts');
  }
}

function toRecord(order: JibitOrderView): GatewayRecord {
  const record: GatewayRecord = {
    reference: order.referenceNumber ?? '',
    refs: order.orderIdentifier ? { [JIBIT_ORDER_REF]: order.orderIdentifier } : {},
    outcome: recordOutcome(order.status),
    gatewayStatus: order.statusText,
  };
  if (order.amount) record.amount = order.amount;
  if (order.createdAt) record.createdAt = order.createdAt;
  return record;
}

/** No usable answer: timeout, connection trouble, 5xx after retries, or a reply that is not Jibit's. */
function isUnanswered(error: unknown): boolean {
  return isGatewayError(error) && (error.code === 'GATEWAY.TIMEOUT' || error.code === 'GATEWAY.UNAVAILABLE' || error.code === 'GATEWAY.BAD_RESPONSE');
}

function failureOf(error: GatewayError): { code: string; message: string; gatewayCode?: string } {
  return { code: error.code, message: error.message, ...(error.gatewayCode ? { gatewayCode: error.gatewayCode } : {}) };
}

/** A query parameter's one value; null when it was repeated. */
function singleValue(value: string | string[] | undefined): string | undefined | null {
  if (Array.isArray(value)) return value.length === 1 ? value[0] : null;
  return value;
}

function truncate(text: string, length: number): string {
  return text.length > length ? text.slice(0, length) : text;
}

function minutes(ms: number): string {
  return (ms / 60_000).toFixed(1);
}
