import { createRedactor, Redactor } from '@payledger/event-store';
import { Money } from '@payledger/kernel';
import { realSleep, Sleep, isTransient } from '../http/retry';
import { GatewayAdapterDeps } from '../port/adapter-deps';
import { GatewayError, isGatewayError, unsupported } from '../port/gateway-error';
import { GatewayPort } from '../port/gateway.port';
import {
  AttemptSnapshot,
  BeneficiaryResult,
  CallbackErrorCode,
  CancelResult,
  ConfirmInput,
  ConfirmResult,
  GatewayCallContext,
  GatewayCapabilities,
  GatewayRefs,
  InboundRequest,
  InboundVerdict,
  RecordPage,
  RefundResult,
  StartPaymentInput,
  StartPaymentResult,
  TransferResult,
} from '../port/gateway.types';
import { AtipayClient } from './atipay.client';
import {
  ATIPAY_CALLBACK_FIELDS_MAX,
  ATIPAY_CALLBACK_FIELD_LENGTH_MAX,
  ATIPAY_CALLBACK_PATH,
  ATIPAY_GET_TOKEN_RETRIES_MAX,
  ATIPAY_OPERATIONS,
  ATIPAY_REFERENCE_NUMBER_LENGTH_MAX,
  ATIPAY_REFERENCE_PATTERN,
  ATIPAY_VERIFY_BUDGET_MS,
  ATIPAY_VERIFY_JOB_OFFSETS_MS,
  ATIPAY_VERIFY_TRY_OFFSETS_MS,
  AtipayConfig,
} from './atipay.config';
import { atipayFailureError, classifyAtipayFailure } from './atipay.errors';
import { ATIPAY_DECIDED_BY_REF, AtipayDecidedBy, atipayAbandonAt, planAtipayInbound } from './atipay.policy';
import {
  buildGetTokenRequest,
  buildVerifyRequest,
  decideAtipayCallback,
  interpretGetTokenReply,
  interpretVerifyReply,
  maskCardNumber,
  tokenTail,
} from './atipay.transformers';
import { AtipayCallbackForm, AtipayGetTokenRequest } from './atipay.types';

const GATEWAY = 'atipay' as const;

/** AtiPay has get-token, a browser callback and verify; nothing else (atipay.md §3.4, D10). */
export const ATIPAY_CAPABILITIES: GatewayCapabilities = Object.freeze({
  startPayment: true,
  recoverCreate: true,
  confirm: true,
  inquire: true,
  refund: false,
  partialRefund: false,
  cancel: false,
  retry: false,
  updateOrderId: false,
  listRecords: false,
  payouts: false,
  inbound: Object.freeze({ return: true, webhook: false }),
  currency: 'IRR',
});

/** Event type of an AtiPay oddity that is recorded but not refused (D5 terminal, D7 second OK). */
export const ATIPAY_ANOMALY_EVENT_TYPE = 'GatewayAnomalyDetected';

/** Refs a callback teaches us (§3.3); the page token is never one of them (D1). */
const LEARNED_REF_FIELDS = ['referenceNumber', 'terminalId', 'traceNumber', 'rrn', 'maskedPan'] as const;

type VerifyTry =
  | { outcome: 'paid' | 'amount_mismatch'; gatewayAmount: Money; detail: string }
  | { outcome: 'failed'; gatewayAmount?: Money; detail: string; gatewayCode: string }
  /** Network error, timeout or 5xx: worth another try inside the budget. */
  | { outcome: 'no_answer'; detail: string }
  /** An answer that cannot be decided on; repeating it now would get the same. */
  | { outcome: 'unusable'; detail: string };

type VerifyRun = Exclude<VerifyTry, { outcome: 'no_answer' | 'unusable' }> | { outcome: 'unknown'; detail: string };

/**
 * AtiPay MIPG v1 (atipay.md). Token by get-token, buyer sent with a POST form, callback by browser POST,
 * then verify decides. The adapter keeps no state: what it learns goes back in refs.
 */
export class AtipayAdapter implements GatewayPort {
  readonly name = GATEWAY;
  readonly capabilities = ATIPAY_CAPABILITIES;
  private readonly client: AtipayClient;
  private readonly sleep: Sleep;
  private readonly redact: Redactor;

  constructor(
    private readonly deps: GatewayAdapterDeps<AtipayConfig>,
    client?: AtipayClient,
  ) {
    this.client = client ?? new AtipayClient(deps.config, deps.timeoutsMs, deps.now);
    this.sleep = deps.sleep ?? realSleep;
    this.redact = createRedactor({ secretValues: [deps.config.apiKey] });
  }

  // ------------------------------------------------------------ start

  async startPayment(ctx: GatewayCallContext, input: StartPaymentInput): Promise<StartPaymentResult> {
    assertReference(input.reference);
    const body = buildGetTokenRequest({
      reference: input.reference,
      amount: input.amount,
      description: input.description,
      mobile: input.customer?.mobile,
      apiKey: this.deps.config.apiKey,
      redirectUrl: this.redirectUrl(),
    });
    return this.requestToken(ctx, body, ATIPAY_GET_TOKEN_RETRIES_MAX);
  }

  /**
   * An attempt left `create_unknown` (the process stopped mid-call) gets one more get-token with the same
   * invoiceNumber (D2); the buyer's mobile and description are not in the snapshot, so they are left out.
   */
  async recoverCreate(ctx: GatewayCallContext, attempt: AttemptSnapshot): Promise<StartPaymentResult> {
    assertReference(attempt.reference);
    const body = buildGetTokenRequest({
      reference: attempt.reference,
      amount: attempt.amount,
      apiKey: this.deps.config.apiKey,
      redirectUrl: this.redirectUrl(),
    });
    return this.requestToken(ctx, body, 0);
  }

  private async requestToken(ctx: GatewayCallContext, body: AtipayGetTokenRequest, retriesMax: number): Promise<StartPaymentResult> {
    const refs: GatewayRefs = { invoiceNumber: body.invoiceNumber };
    for (let attempt = 1; ; attempt++) {
      try {
        const reply = await this.client.getToken(ctx, body, attempt);
        return this.tokenResult(body.invoiceNumber, reply.httpStatus, reply.body);
      } catch (error) {
        if (isTransient(error) && attempt <= retriesMax) continue;
        // No token reached anyone, so nothing can be paid on this attempt: it is lost, not in doubt.
        if (isTransient(error) || isGatewayError(error, 'GATEWAY.BAD_RESPONSE')) {
          const e = error as GatewayError;
          return { outcome: 'failed', refs, failure: { code: e.code, message: e.message, gatewayCode: e.gatewayCode } };
        }
        throw error;
      }
    }
  }

  private tokenResult(reference: string, httpStatus: number, body: Record<string, unknown>): StartPaymentResult {
    const refs: GatewayRefs = { invoiceNumber: reference };
    const reply = interpretGetTokenReply(httpStatus, body);
    if (reply.kind === 'token') {
      return {
        outcome: 'pending',
        // D3: a POST form; the token lives only here and in refs as its tail (D1, §2 redaction).
        redirect: { method: 'POST', url: this.client.redirectToGatewayUrl, fields: { token: reply.token } },
        refs: { ...refs, tokenTail: tokenTail(reply.token) },
        expiresAt: atipayAbandonAt(this.deps.now(), this.deps.config.abandonAfterMinutes),
      };
    }
    const kind = classifyAtipayFailure(reply.failure);
    if (kind !== 'refused') throw atipayFailureError(ATIPAY_OPERATIONS.getToken, reply.failure);
    const code = reply.failure.gatewayCode === 'TOKEN_MISSING' ? 'GATEWAY.BAD_RESPONSE' : 'GATEWAY.REJECTED';
    // A refused invoiceNumber (e.g. a duplicate after the D2 retry) means a new attempt with a new reference.
    return { outcome: 'failed', refs, failure: { code, message: reply.failure.message, gatewayCode: reply.failure.gatewayCode } };
  }

  private redirectUrl(): string {
    return `${this.deps.publicBaseUrl.replace(/\/+$/, '')}${ATIPAY_CALLBACK_PATH}`;
  }

  // ------------------------------------------------------------ callback

  parseInbound(request: InboundRequest): InboundVerdict {
    const method = (request.method ?? '').toUpperCase();
    const contentType = (request.headers['content-type'] ?? '').toLowerCase();
    const base = { method, contentType: contentType || undefined };
    const refuse = (code: CallbackErrorCode, message: string, fields?: Record<string, string>): InboundVerdict => {
      const lookup = claimedReservation(request, fields);
      return {
        accepted: false,
        rejection: { code, message },
        authenticity: 'unauthenticated',
        ...(lookup ? { lookup } : {}),
        subject: 'payment',
        recorded: { ...base, ...(fields ? { fields: this.recordableFields(fields) } : {}) },
      };
    };

    if (request.kind !== 'return') return refuse('CALLBACK.INVALID', 'AtiPay sends no webhooks; only the browser callback exists');
    if (method !== 'POST') return refuse('CALLBACK.METHOD_NOT_ALLOWED', `AtiPay's callback is a form POST, not ${method || 'no method'}`);
    if (!contentType.startsWith('application/x-www-form-urlencoded')) {
      return refuse('CALLBACK.INVALID', `AtiPay's callback is application/x-www-form-urlencoded, not ${contentType || 'no content type'}`);
    }
    const parsed = readForm(request);
    if ('problem' in parsed) return refuse('CALLBACK.INVALID', parsed.problem, parsed.fields);
    const fields = parsed.fields;

    const missing = (['reservationNumber', 'state', 'status'] as const).filter((name) => !fields[name]);
    if (missing.length > 0) return refuse('CALLBACK.INVALID', `missing ${missing.join(', ')}`, fields);
    const state = fields.state!;
    const status = fields.status!;
    const reservationNumber = fields.reservationNumber!;
    const decision = decideAtipayCallback(state, status);

    if (decision.verify) {
      const needed = (['referenceNumber', 'terminalId'] as const).filter((name) => !fields[name]);
      if (needed.length > 0) return refuse('CALLBACK.INVALID', `an OK callback needs ${needed.join(', ')}`, fields);
      const referenceNumber = fields.referenceNumber!;
      if (referenceNumber.length > ATIPAY_REFERENCE_NUMBER_LENGTH_MAX || /\s/.test(referenceNumber)) {
        return refuse('CALLBACK.INVALID', `referenceNumber is not a receipt number of at most ${ATIPAY_REFERENCE_NUMBER_LENGTH_MAX} characters`, fields);
      }
    }

    const refs: GatewayRefs = {};
    for (const name of LEARNED_REF_FIELDS) {
      const value = fields[name];
      if (value) refs[name] = name === 'maskedPan' ? maskCardNumber(value) : value;
    }
    const anomalies: string[] = [];
    const configuredTerminal = this.deps.config.terminalId;
    if (configuredTerminal && refs.terminalId && refs.terminalId !== configuredTerminal) anomalies.push('terminal_mismatch');
    if (!decision.knownPair) anomalies.push('unknown_state_status_pair');
    if (decision.configurationAlert) anomalies.push('configuration_alert');

    return {
      accepted: true,
      authenticity: 'unauthenticated',
      lookup: { by: 'reference', value: reservationNumber },
      claimed: { outcome: decision.outcome, status: decision.label },
      refs,
      dedupKey: `atipay:${reservationNumber}:${state}:${status}:${fields.referenceNumber ?? ''}`,
      subject: 'payment',
      recorded: { ...base, fields: this.recordableFields(fields), ...(anomalies.length > 0 ? { anomalies } : {}) },
    };
  }

  private recordableFields(fields: Record<string, string>): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [key, value] of Object.entries(fields)) {
      if (key === 'token' || key === 'pageToken') out[key] = tokenTail(value);
      else if (key === 'maskedPan') out[key] = maskCardNumber(value);
      else out[key] = value;
    }
    return this.redact(out);
  }

  // ------------------------------------------------------------ confirm / inquire

  async confirm(ctx: GatewayCallContext, attempt: AttemptSnapshot, input: ConfirmInput): Promise<ConfirmResult> {
    const verdict = input.inbound;
    if (!verdict) return this.inquire(ctx, attempt);
    if (!verdict.accepted) {
      throw new GatewayError('GATEWAY.INVALID_REQUEST', `a rejected callback cannot confirm anything (${verdict.rejection?.code})`);
    }
    if (verdict.lookup?.value !== attempt.reference) {
      throw new GatewayError('GATEWAY.INVALID_REQUEST', `callback is for ${verdict.lookup?.value}, not attempt ${attempt.reference}`);
    }
    const plan = planAtipayInbound(attempt, verdict);
    const gatewayStatus = verdict.claimed?.status;
    switch (plan.action) {
      case 'reject':
        throw new GatewayError('GATEWAY.INVALID_REQUEST', plan.reason);
      case 'answer_from_state':
        return { outcome: attempt.outcome, gatewayStatus, detail: `not verified: ${plan.reason}` };
      case 'apply_claimed':
        return { outcome: plan.outcome, gatewayStatus, refs: { ...verdict.refs, [ATIPAY_DECIDED_BY_REF]: decided('callback') }, detail: plan.reason };
      case 'anomaly':
        ctx.recorder.custom(ATIPAY_ANOMALY_EVENT_TYPE, GATEWAY, {
          gateway: GATEWAY,
          reference: attempt.reference,
          kind: plan.anomaly,
          storedReferenceNumber: attempt.refs.referenceNumber,
          receivedReferenceNumber: verdict.refs?.referenceNumber,
          detail: plan.reason,
        });
        // The other referenceNumber is not returned in refs: it must not replace the verified one.
        return { outcome: attempt.outcome, gatewayStatus, detail: `anomaly, not verified: ${plan.reason}` };
      case 'verify': {
        const refs = { ...verdict.refs };
        this.noteTerminal(ctx, attempt.reference, refs.terminalId);
        const run = await this.verifyWithinBudget(ctx, attempt.amount, refs.referenceNumber!, refs.terminalId!);
        return this.settle(attempt, run, refs, gatewayStatus, plan.lateSuccess);
      }
    }
  }

  /**
   * AtiPay has no inquiry API: with a referenceNumber the same verify is repeated once (the D6 job);
   * without one the attempt is `pending` until D9 makes it `expired`.
   */
  async inquire(ctx: GatewayCallContext, attempt: AttemptSnapshot): Promise<ConfirmResult> {
    const referenceNumber = attempt.refs.referenceNumber;
    if (referenceNumber) {
      const terminalId = attempt.refs.terminalId || this.deps.config.terminalId;
      const single = await this.verifyOnce(ctx, attempt.amount, referenceNumber, terminalId, 1);
      const run: VerifyRun = single.outcome === 'no_answer' || single.outcome === 'unusable' ? { outcome: 'unknown', detail: single.detail } : single;
      const lateSuccess = attempt.outcome === 'failed' || attempt.outcome === 'expired' || attempt.outcome === 'canceled';
      const result = this.settle(attempt, run, { referenceNumber, terminalId }, undefined, lateSuccess);
      // Final money outcomes change only through ops; a repeat verify only adds to the record.
      if (attempt.outcome === 'paid' || attempt.outcome === 'amount_mismatch') {
        return { ...result, outcome: attempt.outcome, detail: `kept ${attempt.outcome}; repeat verify: ${result.detail}` };
      }
      if (result.outcome === 'unknown') return { ...result, retryAfterMs: undefined };
      return result;
    }
    if (attempt.outcome !== 'pending' && attempt.outcome !== 'create_unknown') {
      return { outcome: attempt.outcome, detail: 'no referenceNumber: nothing to verify at AtiPay' };
    }
    const abandonAt = atipayAbandonAt(attempt.createdAt, this.deps.config.abandonAfterMinutes);
    const leftMs = abandonAt.getTime() - this.deps.now().getTime();
    if (leftMs <= 0) {
      return {
        outcome: 'expired',
        refs: { [ATIPAY_DECIDED_BY_REF]: decided('no-callback') },
        detail: `no callback by ${abandonAt.toISOString()} (D9); anything paid has been reversed by AtiPay`,
      };
    }
    return { outcome: 'pending', retryAfterMs: leftMs, detail: `waiting for the callback until ${abandonAt.toISOString()}` };
  }

  private settle(attempt: AttemptSnapshot, run: VerifyRun, learned: GatewayRefs, gatewayStatus: string | undefined, lateSuccess: boolean): ConfirmResult {
    const late = lateSuccess ? ' (late success after a callback-decided end, D7)' : '';
    switch (run.outcome) {
      case 'paid':
        return { outcome: 'paid', gatewayAmount: run.gatewayAmount, gatewayStatus, refs: { ...learned, [ATIPAY_DECIDED_BY_REF]: decided('verify') }, detail: run.detail + late };
      case 'amount_mismatch':
        return { outcome: 'amount_mismatch', gatewayAmount: run.gatewayAmount, gatewayStatus, refs: { ...learned, [ATIPAY_DECIDED_BY_REF]: decided('verify') }, detail: run.detail };
      case 'failed':
        if (lateSuccess) return { outcome: attempt.outcome, gatewayStatus: run.gatewayCode, detail: `late OK callback not confirmed: ${run.detail}` };
        return { outcome: 'failed', gatewayAmount: run.gatewayAmount, gatewayStatus: run.gatewayCode, refs: { ...learned, [ATIPAY_DECIDED_BY_REF]: decided('verify') }, detail: run.detail };
      case 'unknown':
        // The capture may have happened; the refs let the job repeat the same verify (D6).
        return { outcome: 'unknown', gatewayStatus, refs: learned, detail: run.detail, retryAfterMs: ATIPAY_VERIFY_JOB_OFFSETS_MS[0] };
    }
  }

  /** D6: tries at fixed offsets from the first, each with its own timeout, none starting after the budget. */
  private async verifyWithinBudget(ctx: GatewayCallContext, expected: Money, referenceNumber: string, terminalId: string): Promise<VerifyRun> {
    const nowMs = () => this.deps.now().getTime();
    const started = nowMs();
    let lastProblem = 'no try made';
    for (let index = 0; index < ATIPAY_VERIFY_TRY_OFFSETS_MS.length; index++) {
      const waitMs = started + ATIPAY_VERIFY_TRY_OFFSETS_MS[index] - nowMs();
      if (waitMs > 0) await this.sleep(waitMs);
      if (nowMs() - started > ATIPAY_VERIFY_BUDGET_MS) break;
      const single = await this.verifyOnce(ctx, expected, referenceNumber, terminalId, index + 1);
      if (single.outcome === 'unusable') return { outcome: 'unknown', detail: single.detail };
      if (single.outcome !== 'no_answer') return single;
      lastProblem = single.detail;
    }
    return { outcome: 'unknown', detail: `no usable verify answer within ${ATIPAY_VERIFY_BUDGET_MS / 1000} s: ${lastProblem}` };
  }

  private async verifyOnce(ctx: GatewayCallContext, expected: Money, referenceNumber: string, terminalId: string, attempt: number): Promise<VerifyTry> {
    const body = buildVerifyRequest({ referenceNumber, terminalId, apiKey: this.deps.config.apiKey });
    try {
      const reply = await this.client.verify(ctx, body, attempt);
      const verdict = interpretVerifyReply(reply.httpStatus, reply.body, expected);
      return verdict;
    } catch (error) {
      if (isTransient(error)) return { outcome: 'no_answer', detail: (error as GatewayError).message };
      if (isGatewayError(error, 'GATEWAY.BAD_RESPONSE')) return { outcome: 'unusable', detail: error.message };
      throw error;
    }
  }

  /** D5: another terminal than ours is recorded, not refused. */
  private noteTerminal(ctx: GatewayCallContext, reference: string, terminalId: string | undefined): void {
    const configured = this.deps.config.terminalId;
    if (!configured || !terminalId || terminalId === configured) return;
    ctx.recorder.custom(ATIPAY_ANOMALY_EVENT_TYPE, GATEWAY, {
      gateway: GATEWAY,
      reference,
      kind: 'terminal_mismatch',
      expectedTerminalId: configured,
      receivedTerminalId: terminalId,
      detail: 'callback terminalId differs from the configured terminal; verified with the callback value (D5)',
    });
  }

  // ------------------------------------------------------------ unsupported (D10, §3.4)

  async refund(): Promise<RefundResult> {
    throw unsupported(GATEWAY, 'refund');
  }

  async cancel(): Promise<CancelResult> {
    throw unsupported(GATEWAY, 'cancel');
  }

  async updateOrderId(): Promise<{ refs: Record<string, string> }> {
    throw unsupported(GATEWAY, 'updateOrderId');
  }

  async listRecords(): Promise<RecordPage> {
    throw unsupported(GATEWAY, 'listRecords');
  }

  async createBeneficiary(): Promise<BeneficiaryResult> {
    throw unsupported(GATEWAY, 'createBeneficiary');
  }

  async initiateTransfer(): Promise<TransferResult> {
    throw unsupported(GATEWAY, 'initiateTransfer');
  }

  async queryTransfer(): Promise<TransferResult> {
    throw unsupported(GATEWAY, 'queryTransfer');
  }
}

function decided(by: AtipayDecidedBy): AtipayDecidedBy {
  return by;
}

function assertReference(reference: string): void {
  if (!ATIPAY_REFERENCE_PATTERN.test(reference)) {
    throw new GatewayError('GATEWAY.INVALID_REQUEST', `AtiPay invoiceNumber must be 1–32 characters of [A-Za-z0-9-], got ${JSON.stringify(reference)}`);
  }
}

/**
 * The attempt a refused callback claims to be about, so the refusal is recorded on that payment's stream;
 * an implausible or missing claim leaves it to the gateway's inbound stream.
 */
function claimedReservation(request: InboundRequest, fields?: Record<string, string>): { by: 'reference'; value: string } | undefined {
  const body = request.body !== null && typeof request.body === 'object' && !Array.isArray(request.body) ? (request.body as Record<string, unknown>) : {};
  const candidate = fields?.reservationNumber ?? body.reservationNumber ?? request.query?.reservationNumber;
  return typeof candidate === 'string' && ATIPAY_REFERENCE_PATTERN.test(candidate) ? { by: 'reference', value: candidate } : undefined;
}

/** The callback's fields from the raw form (so repeated keys are seen) or from an already parsed body. */
function readForm(request: InboundRequest): { fields: AtipayCallbackForm } | { problem: string; fields?: Record<string, string> } {
  const fields: Record<string, string> = {};
  const add = (key: string, value: unknown): string | undefined => {
    if (typeof value !== 'string') return `field ${key} is not a single text value`;
    if (value.length > ATIPAY_CALLBACK_FIELD_LENGTH_MAX) return `field ${key} is longer than ${ATIPAY_CALLBACK_FIELD_LENGTH_MAX} characters`;
    if (key in fields && fields[key] !== value) return `field ${key} is sent twice with different values`;
    if (Object.keys(fields).length >= ATIPAY_CALLBACK_FIELDS_MAX && !(key in fields)) return `more than ${ATIPAY_CALLBACK_FIELDS_MAX} fields`;
    fields[key] = value;
    return undefined;
  };
  if (typeof request.rawBody === 'string' && request.rawBody.length > 0) {
    for (const [key, value] of new URLSearchParams(request.rawBody)) {
      const problem = add(key, value);
      if (problem) return { problem, fields };
    }
  } else if (request.body !== null && typeof request.body === 'object' && !Array.isArray(request.body)) {
    for (const [key, value] of Object.entries(request.body as Record<string, unknown>)) {
      const problem = add(key, value);
      if (problem) return { problem, fields };
    }
  }
  if (Object.keys(fields).length === 0) return { problem: 'empty callback body' };
  return { fields: fields as AtipayCallbackForm };
}
