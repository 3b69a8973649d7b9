import { Money } from '@payledger/kernel';
import { realSleep, Sleep, withRetries } from '../http/retry';
import type { GatewayAdapterDeps } from '../port/adapter-deps';
import { GatewayError, isGatewayError, unsupported } from '../port/gateway-error';
import type { GatewayPort } from '../port/gateway.port';
import type {
  AttemptSnapshot,
  BeneficiaryInput,
  BeneficiaryResult,
  CancelResult,
  ConfirmInput,
  ConfirmResult,
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
  TransferInput,
  TransferResult,
} from '../port/gateway.types';
import { MocasaClient } from './mocasa.client';
import {
  MOCASA_CREATE_RECOVERY_SCHEDULE_MS,
  MOCASA_CURRENCY,
  MOCASA_DUPLICATE_ORDER_CODES,
  MOCASA_DUPLICATE_TRANSFER_CODES,
  MOCASA_GATEWAY,
  MOCASA_MASK_VISIBLE_TAIL,
  MOCASA_NOT_FOUND_STREAK_TO_RESEND,
  MOCASA_QUERY_RETRY_PLAN,
  MOCASA_REFUND_REASON_DEFAULT,
  MOCASA_REFUND_REASON_LENGTH_MAX,
  MOCASA_TRANSFER_RECOVERY_SCHEDULE_MS,
  MOCASA_TRANSFER_SERIAL_PREFIX,
  MocasaConfig,
} from './mocasa.config';
import { parseMocasaInbound } from './mocasa.inbound';
import {
  isMocasaReference,
  isUsablePaymentLink,
  maskTail,
  mocasaCreateOrderForm,
  mocasaProductName,
  mocasaQueryOutcome,
  mocasaRefundStatus,
  mocasaRequeryDelayMs,
  mocasaReturnUrl,
  mocasaTransferStatus,
  stringField,
  toMocasaAmount,
} from './mocasa.transformers';
import type { MocasaCreateOrderForm, MocasaTransferForm } from './mocasa.types';

export const MOCASA_CAPABILITIES: GatewayCapabilities = {
  startPayment: true,
  recoverCreate: true,
  confirm: true,
  inquire: true,
  refund: true,
  // D11: full refunds only.
  partialRefund: false,
  cancel: false,
  retry: false,
  updateOrderId: false,
  // D13: no listing endpoint; reconciliation queries order by order.
  listRecords: false,
  payouts: true,
  inbound: { return: true, webhook: true },
  currency: MOCASA_CURRENCY,
};

export interface MocasaAdapterOptions {
  /**
   * D9: whether a webhook `orderNo` is one of our transfer serials. parseInbound has no storage, so the
   * serials must be recognisable by their form; default: they start with MOCASA_TRANSFER_SERIAL_PREFIX.
   */
  isTransferSerial?: (value: string) => boolean;
}

/** Refs this adapter stores on an attempt. `orderNo` is our reference; the other two let recoverCreate create again (D6). */
export const MOCASA_REFS = { orderNo: 'orderNo', paymentLink: 'paymentLink', customerId: 'customerId', productName: 'productName' } as const;

type Lookup<T> = { kind: 'found'; data: T } | { kind: 'not_found' } | { kind: 'no_answer'; error: unknown };

export class MocasaAdapter implements GatewayPort {
  readonly name = MOCASA_GATEWAY;
  readonly capabilities = MOCASA_CAPABILITIES;
  private readonly client: MocasaClient;
  private readonly sleep: Sleep;
  private readonly isTransferSerial: (value: string) => boolean;

  constructor(
    private readonly deps: GatewayAdapterDeps<MocasaConfig>,
    options: MocasaAdapterOptions = {},
  ) {
    this.client = new MocasaClient(deps);
    this.sleep = deps.sleep ?? realSleep;
    this.isTransferSerial = options.isTransferSerial ?? ((value) => value.startsWith(MOCASA_TRANSFER_SERIAL_PREFIX));
  }

  /** The plumbing, for tests that look at the token. */
  get mocasaClient(): MocasaClient {
    return this.client;
  }

  async startPayment(ctx: GatewayCallContext, input: StartPaymentInput): Promise<StartPaymentResult> {
    if (!isMocasaReference(input.reference) || this.isTransferSerial(input.reference)) {
      throw invalid('reference', `mocasa orderNo must be 1–32 characters of [A-Za-z0-9-] and not look like a transfer serial: ${JSON.stringify(input.reference)}`);
    }
    const customerId = input.customer?.id?.trim();
    if (!customerId) throw invalid('customer.id', 'mocasa requires customer.id (sent as customerId)');
    const form = mocasaCreateOrderForm(input, customerId, this.deps.publicBaseUrl);
    const refs: GatewayRefs = { [MOCASA_REFS.orderNo]: input.reference, [MOCASA_REFS.customerId]: customerId, [MOCASA_REFS.productName]: form.productName };
    const sent = await this.sendCreate(ctx, form);
    if (sent.kind === 'duplicate') {
      // The orderNo is ours and unique per attempt: an earlier try of this attempt got through.
      const look = await this.lookOrder(ctx, input.reference);
      return look.kind === 'found' ? adoptOrder(look.data, refs) : { outcome: 'create_unknown', refs };
    }
    return sent.kind === 'result' ? { ...sent.result, refs: { ...refs, ...sent.result.refs } } : { outcome: 'create_unknown', refs };
  }

  /**
   * D6: never re-create blindly. Query the orderNo at +5, +15 and +45 s; found → adopt its paymentLink;
   * "not found" twice in a row → create again with the same orderNo (a duplicate refusal then means it
   * exists: query once more); no answer at all → still create_unknown, and the D10 polling continues.
   */
  async recoverCreate(ctx: GatewayCallContext, attempt: AttemptSnapshot): Promise<StartPaymentResult> {
    const refs: GatewayRefs = { ...attempt.refs, [MOCASA_REFS.orderNo]: attempt.reference };
    const startedMs = this.deps.now().getTime();
    let notFoundStreak = 0;
    for (const offsetMs of MOCASA_CREATE_RECOVERY_SCHEDULE_MS) {
      await this.sleepUntil(startedMs + offsetMs);
      const look = await this.lookOrder(ctx, attempt.reference);
      if (look.kind === 'found') return adoptOrder(look.data, refs);
      notFoundStreak = look.kind === 'not_found' ? notFoundStreak + 1 : 0;
      if (notFoundStreak >= MOCASA_NOT_FOUND_STREAK_TO_RESEND) return this.createAgain(ctx, attempt, refs);
    }
    return { outcome: 'create_unknown', refs };
  }

  parseInbound(request: InboundRequest): InboundVerdict {
    return parseMocasaInbound(request, { webhookSecret: this.deps.config.webhookSecret, isTransferSerial: this.isTransferSerial });
  }

  /**
   * D7/D9/D10: whatever triggered it (return, webhook, job), only the order query decides. The query has
   * no amount, so the stored amount is the one booked; a signed webhook claiming a different amount is
   * held for ops as `amount_mismatch` instead of being paid on the spot.
   */
  async confirm(ctx: GatewayCallContext, attempt: AttemptSnapshot, input: ConfirmInput): Promise<ConfirmResult> {
    const data = await this.queryOrder(ctx, attempt.reference);
    const txStatus = stringField(data, 'txStatus');
    let outcome = mocasaQueryOutcome(data.txStatus);
    const notes = [`query txStatus ${txStatus ?? '(none)'}`];
    const claimed = input.inbound?.claimed;
    if (claimed?.status !== undefined && claimed.outcome !== undefined && claimed.outcome !== outcome) {
      notes.push(`webhook said ${claimed.status}: the query wins`);
    }
    if (outcome === 'paid' && claimed?.amount && !claimed.amount.equals(attempt.amount)) {
      outcome = 'amount_mismatch';
      notes.push(`webhook amount ${claimed.amount.toDecimalString()} differs from the stored ${attempt.amount.toDecimalString()}: held for ops`);
    }
    const result: ConfirmResult = { outcome, gatewayStatus: txStatus, refs: orderRefs(attempt.reference, data), detail: notes.join('; ') };
    if (outcome === 'pending' || outcome === 'unknown') {
      const retryAfterMs = mocasaRequeryDelayMs(this.deps.now().getTime() - attempt.createdAt.getTime());
      if (retryAfterMs === undefined) {
        return { ...result, outcome: 'unknown', detail: `${result.detail}; still not final 24 h after creation: manual review` };
      }
      result.retryAfterMs = retryAfterMs;
    }
    return result;
  }

  inquire(ctx: GatewayCallContext, attempt: AttemptSnapshot): Promise<ConfirmResult> {
    return this.confirm(ctx, attempt, { trigger: 'job' });
  }

  /**
   * D11: full refunds only, refused locally otherwise; `reason` is required by Mocasa. Sent once: a
   * refund without an answer is `unknown` and left to ops (there is no refund query).
   */
  async refund(ctx: GatewayCallContext, attempt: AttemptSnapshot, input: RefundInput): Promise<RefundResult> {
    if (input.amount.currency !== MOCASA_CURRENCY || input.refundedBefore.currency !== MOCASA_CURRENCY) {
      throw invalid('amount', `mocasa refunds are in ${MOCASA_CURRENCY}, not ${input.amount.currency}`);
    }
    if (!input.refundedBefore.isZero() || !input.amount.equals(attempt.amount)) {
      throw new GatewayError('GATEWAY.UNSUPPORTED', 'mocasa refunds the whole order only: partial refunds are unsupported', {
        details: {
          gateway: MOCASA_GATEWAY,
          operation: 'partialRefund',
          partialRefundsSupported: false,
          requestedMinor: input.amount.amountMinor.toString(),
          refundedBeforeMinor: input.refundedBefore.amountMinor.toString(),
          fullAmountMinor: attempt.amount.amountMinor.toString(),
        },
      });
    }
    const reason = (input.reason?.trim() || MOCASA_REFUND_REASON_DEFAULT).slice(0, MOCASA_REFUND_REASON_LENGTH_MAX);
    try {
      const data = await this.client.call(ctx, 'refund-order', { orderNo: attempt.reference, reason });
      const status = mocasaRefundStatus(data.refundStatus);
      const refundStatus = stringField(data, 'refundStatus') ?? '(none)';
      return {
        status,
        gatewayRefundRef: stringField(data, 'refundRef'),
        remaining: status === 'succeeded' ? Money.zero(MOCASA_CURRENCY) : undefined,
        detail: status === 'succeeded' ? `refundStatus ${refundStatus}` : `refundStatus ${refundStatus}: no refund query exists, ops review`,
      };
    } catch (error) {
      if (isGatewayError(error) && error.outcomeUncertain) return { status: 'unknown', detail: `${error.message}: not resent, ops review` };
      if (isGatewayError(error) && isRefusal(error)) return { status: 'failed', detail: error.message };
      throw error;
    }
  }

  async cancel(_ctx: GatewayCallContext, _attempt: AttemptSnapshot): Promise<CancelResult> {
    throw unsupported(MOCASA_GATEWAY, 'cancel');
  }

  async updateOrderId(_ctx: GatewayCallContext, _attempt: AttemptSnapshot, _newOrderId: string): Promise<{ refs: Record<string, string> }> {
    throw unsupported(MOCASA_GATEWAY, 'updateOrderId');
  }

  /** D13: Mocasa has no listing; reconciliation queries each order and transfer of the window. */
  async listRecords(_ctx: GatewayCallContext, _window: { from: Date; to: Date; cursor?: string }): Promise<RecordPage> {
    throw unsupported(MOCASA_GATEWAY, 'listRecords');
  }

  /** D12(1): once per beneficiary; identity numbers are recorded masked to their last characters. */
  async createBeneficiary(ctx: GatewayCallContext, input: BeneficiaryInput): Promise<BeneficiaryResult> {
    const required: Array<[string, string | undefined]> = [
      ['idType', input.idType],
      ['idNo', input.idNo],
      ['name', input.name],
      ['businessLicense', input.businessLicense],
      ['shopName', input.shopName],
    ];
    for (const [field, value] of required) if (!value?.trim()) throw invalid(field, `mocasa beneficiaries need ${field}`);
    const form: Record<string, string> = {
      idType: input.idType,
      idNo: input.idNo,
      beneficiaryName: input.name,
      businessLisence: input.businessLicense,
      shopName: input.shopName,
    };
    const optional: Array<[string, string | undefined]> = [
      ['phone', input.phone],
      ['email', input.email],
      ['businessScope', input.businessScope],
      ['shopAddress', input.shopAddress],
    ];
    for (const [field, value] of optional) if (value?.trim()) form[field] = value;
    const recordForm = {
      ...form,
      idNo: maskTail(form.idNo, MOCASA_MASK_VISIBLE_TAIL),
      businessLisence: maskTail(form.businessLisence, MOCASA_MASK_VISIBLE_TAIL),
    };
    const data = await this.client.call(ctx, 'create-account', form, { recordForm });
    const accountNo = stringField(data, 'accountNo');
    if (!accountNo) {
      throw new GatewayError('GATEWAY.BAD_RESPONSE', 'mocasa account/create answered without accountNo', { outcomeUncertain: true, details: { operation: 'create-account' } });
    }
    return { accountNo, status: stringField(data, 'status') ?? 'unknown' };
  }

  /**
   * D12(2)(3): the reply is final (synchronous). A lost reply is looked up at +5, +15, +45 s; "not found"
   * twice in a row → initiate again with the same serial; no answer → `unknown` for ops.
   */
  async initiateTransfer(ctx: GatewayCallContext, input: TransferInput): Promise<TransferResult> {
    if (!isMocasaReference(input.reference) || !this.isTransferSerial(input.reference)) {
      throw invalid('reference', `mocasa transferSerialNo must be 1–32 characters of [A-Za-z0-9-] recognisable as a transfer serial (prefix ${MOCASA_TRANSFER_SERIAL_PREFIX}): ${JSON.stringify(input.reference)}`);
    }
    if (!input.payeeAccountNo?.trim()) throw invalid('payeeAccountNo', 'mocasa transfers need payeeAccountNo');
    if (!input.purpose?.trim()) throw invalid('purpose', 'mocasa transfers need a purpose');
    const form: MocasaTransferForm = {
      transferSerialNo: input.reference,
      amount: toMocasaAmount(input.amount),
      payeeAccountNo: input.payeeAccountNo,
      purpose: input.purpose,
    };
    const sent = await this.sendTransfer(ctx, form);
    if (sent.kind === 'result') return sent.result;
    if (sent.kind === 'duplicate') {
      // Our serial already names a transfer made with other parameters: never adopt it silently.
      return { status: 'unknown', detail: 'transferSerialNo already used with different parameters: ops review' };
    }
    return this.recoverTransfer(ctx, form);
  }

  async queryTransfer(ctx: GatewayCallContext, reference: string): Promise<TransferResult> {
    const data = await withRetries(MOCASA_QUERY_RETRY_PLAN, () => this.client.call(ctx, 'query-transfer', { transferSerialNo: reference }, { notFoundCodes: this.deps.config.transferNotFoundCodes }), {
      sleep: this.sleep,
      random: this.deps.random,
    });
    return transferResult(data, 'query');
  }

  private async recoverTransfer(ctx: GatewayCallContext, form: MocasaTransferForm): Promise<TransferResult> {
    const startedMs = this.deps.now().getTime();
    let notFoundStreak = 0;
    for (const offsetMs of MOCASA_TRANSFER_RECOVERY_SCHEDULE_MS) {
      await this.sleepUntil(startedMs + offsetMs);
      const look = await this.lookTransfer(ctx, form.transferSerialNo);
      if (look.kind === 'found') return transferResult(look.data, 'adopted after a lost reply');
      notFoundStreak = look.kind === 'not_found' ? notFoundStreak + 1 : 0;
      if (notFoundStreak >= MOCASA_NOT_FOUND_STREAK_TO_RESEND) {
        const again = await this.sendTransfer(ctx, form);
        if (again.kind === 'result') return again.result;
        if (again.kind === 'duplicate') {
          const recheck = await this.lookTransfer(ctx, form.transferSerialNo);
          if (recheck.kind === 'found') return transferResult(recheck.data, 'adopted after a duplicate refusal');
        }
        return { status: 'unknown', detail: 'transfer sent again after two "not found" answers, still no answer: ops review' };
      }
    }
    return { status: 'unknown', detail: 'initiate reply lost and the transfer query gave no answer: ops review' };
  }

  private async sendTransfer(
    ctx: GatewayCallContext,
    form: MocasaTransferForm,
  ): Promise<{ kind: 'result'; result: TransferResult } | { kind: 'duplicate' } | { kind: 'uncertain'; error: GatewayError }> {
    try {
      const data = await this.client.call(ctx, 'initiate-transfer', form);
      return { kind: 'result', result: transferResult(data, 'initiate') };
    } catch (error) {
      if (!isGatewayError(error)) throw error;
      if (error.gatewayCode && MOCASA_DUPLICATE_TRANSFER_CODES.includes(error.gatewayCode)) return { kind: 'duplicate' };
      if (error.outcomeUncertain) return { kind: 'uncertain', error };
      if (isRefusal(error)) return { kind: 'result', result: { status: 'failed', gatewayStatus: error.gatewayCode, detail: error.message } };
      throw error;
    }
  }

  private async sendCreate(
    ctx: GatewayCallContext,
    form: MocasaCreateOrderForm,
  ): Promise<{ kind: 'result'; result: StartPaymentResult } | { kind: 'duplicate' } | { kind: 'uncertain'; error: GatewayError }> {
    try {
      const data = await this.client.call(ctx, 'create-order', form);
      const paymentLink = data.paymentLink;
      // Created, but with no link to send the buyer to: the query may have one (D6 recovery).
      if (!isUsablePaymentLink(paymentLink)) {
        return { kind: 'uncertain', error: new GatewayError('GATEWAY.BAD_RESPONSE', 'mocasa create answered without a usable paymentLink', { outcomeUncertain: true }) };
      }
      return {
        kind: 'result',
        result: { outcome: 'pending', redirect: { method: 'GET', url: paymentLink }, refs: { [MOCASA_REFS.orderNo]: form.orderNo, [MOCASA_REFS.paymentLink]: paymentLink } },
      };
    } catch (error) {
      if (!isGatewayError(error)) throw error;
      if (error.gatewayCode && MOCASA_DUPLICATE_ORDER_CODES.includes(error.gatewayCode)) return { kind: 'duplicate' };
      if (error.outcomeUncertain) return { kind: 'uncertain', error };
      if (isRefusal(error)) {
        return {
          kind: 'result',
          result: { outcome: 'failed', refs: { [MOCASA_REFS.orderNo]: form.orderNo }, failure: { code: error.code, message: error.message, gatewayCode: error.gatewayCode } },
        };
      }
      throw error;
    }
  }

  private async createAgain(ctx: GatewayCallContext, attempt: AttemptSnapshot, refs: GatewayRefs): Promise<StartPaymentResult> {
    const customerId = refs[MOCASA_REFS.customerId];
    // Without the customer id the create cannot be repeated; the attempt stays under D10 polling.
    if (!customerId) return { outcome: 'create_unknown', refs };
    const form: MocasaCreateOrderForm = {
      orderNo: attempt.reference,
      amount: toMocasaAmount(attempt.amount),
      productName: refs[MOCASA_REFS.productName] || mocasaProductName({ orderId: attempt.orderId }),
      customerId,
      returnUrl: mocasaReturnUrl(this.deps.publicBaseUrl, attempt.reference),
    };
    const sent = await this.sendCreate(ctx, form);
    if (sent.kind === 'result') return { ...sent.result, refs: { ...refs, ...sent.result.refs } };
    if (sent.kind === 'duplicate') {
      const look = await this.lookOrder(ctx, attempt.reference);
      if (look.kind === 'found') return adoptOrder(look.data, refs);
    }
    return { outcome: 'create_unknown', refs };
  }

  /** One order query as part of a recovery schedule: each try counts as one answer, so no inner retries. */
  private async lookOrder(ctx: GatewayCallContext, reference: string): Promise<Lookup<Record<string, unknown>>> {
    try {
      return { kind: 'found', data: await this.client.call(ctx, 'query-order', { orderNo: reference }, { notFoundCodes: this.deps.config.orderNotFoundCodes }) };
    } catch (error) {
      if (!isGatewayError(error)) throw error;
      return error.code === 'GATEWAY.NOT_FOUND' ? { kind: 'not_found' } : { kind: 'no_answer', error };
    }
  }

  private async lookTransfer(ctx: GatewayCallContext, serial: string): Promise<Lookup<Record<string, unknown>>> {
    try {
      return {
        kind: 'found',
        data: await this.client.call(ctx, 'query-transfer', { transferSerialNo: serial }, { notFoundCodes: this.deps.config.transferNotFoundCodes }),
      };
    } catch (error) {
      if (!isGatewayError(error)) throw error;
      return error.code === 'GATEWAY.NOT_FOUND' ? { kind: 'not_found' } : { kind: 'no_answer', error };
    }
  }

  /** The order query for confirm/inquire: read-only, so transient failures are tried again (bounded). */
  private async queryOrder(ctx: GatewayCallContext, reference: string): Promise<Record<string, unknown>> {
    const data = await withRetries(
      MOCASA_QUERY_RETRY_PLAN,
      () => this.client.call(ctx, 'query-order', { orderNo: reference }, { notFoundCodes: this.deps.config.orderNotFoundCodes }),
      { sleep: this.sleep, random: this.deps.random },
    );
    const echoed = stringField(data, 'orderNo');
    if (echoed !== undefined && echoed !== reference) {
      throw new GatewayError('GATEWAY.BAD_RESPONSE', `mocasa query for ${reference} answered about ${echoed}`, { details: { operation: 'query-order', reference, echoed } });
    }
    return data;
  }

  private async sleepUntil(atMs: number): Promise<void> {
    const waitMs = atMs - this.deps.now().getTime();
    if (waitMs > 0) await this.sleep(waitMs);
  }
}

/** Refusals are answers: the gateway did not do it and said so. */
function isRefusal(error: GatewayError): boolean {
  return error.code === 'GATEWAY.REJECTED' || error.code === 'GATEWAY.INVALID_REQUEST' || error.code === 'GATEWAY.NOT_FOUND';
}

function invalid(field: string, message: string): GatewayError {
  return new GatewayError('GATEWAY.INVALID_REQUEST', message, { details: { gateway: MOCASA_GATEWAY, field } });
}

function orderRefs(reference: string, data: Record<string, unknown>): GatewayRefs {
  const refs: GatewayRefs = { [MOCASA_REFS.orderNo]: reference };
  if (isUsablePaymentLink(data.paymentLink)) refs[MOCASA_REFS.paymentLink] = data.paymentLink;
  return refs;
}

/** An order the query found: the buyer can be sent to its link unless it has already failed. */
function adoptOrder(data: Record<string, unknown>, refs: GatewayRefs): StartPaymentResult {
  const paymentLink = isUsablePaymentLink(data.paymentLink) ? data.paymentLink : refs[MOCASA_REFS.paymentLink];
  const merged: GatewayRefs = { ...refs, ...(paymentLink ? { [MOCASA_REFS.paymentLink]: paymentLink } : {}) };
  if (mocasaQueryOutcome(data.txStatus) === 'failed') {
    return { outcome: 'failed', refs: merged, failure: { code: 'GATEWAY.REJECTED', message: `mocasa order found already failed: ${stringField(data, 'txMessage') ?? ''}`.trim() } };
  }
  return { outcome: 'pending', refs: merged, redirect: paymentLink ? { method: 'GET', url: paymentLink } : undefined };
}

function transferResult(data: Record<string, unknown>, how: string): TransferResult {
  const txStatus = stringField(data, 'txStatus');
  const message = stringField(data, 'txMessage');
  return { status: mocasaTransferStatus(data.txStatus), gatewayStatus: txStatus, detail: `${how}: txStatus ${txStatus ?? '(none)'}${message ? ` (${message})` : ''}` };
}
