import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { EventStore } from '@payledger/event-store';
import { GatewayName, InboundRequest, InboundVerdict, isGatewayName, matchRefundNotice } from '@payledger/gateways';
import { DomainError } from '@payledger/kernel';
import { PaymentLookup } from '../payment-lookup.projection';
import { payoutStreamId } from '../payment.events';
import { CommandContext, PaymentFlow } from '../payment.flow';
import { findAttempt, isPaid, PaymentState } from '../payment.state';
import { PayoutState } from '../payout.state';
import { loadPayout, payoutIdOfSerial, refreshPayout } from './payouts.handler';

export class HandleGatewayNoticeCommand {
  constructor(
    readonly gateway: GatewayName,
    readonly request: InboundRequest,
    readonly ctx: CommandContext,
  ) {}
}

export interface NoticeOutcome {
  paymentId: string;
  state: PaymentState;
  duplicate: boolean;
  /** Webhooks: the confirmation still running after the answer (the caller may await it in tests). */
  settled: Promise<PaymentState>;
}

/** A gateway's notice about one of our payouts (Mocasa D12(4)); only ever a webhook. */
export interface PayoutNoticeOutcome {
  payoutId: string;
  payout: PayoutState;
  duplicate: boolean;
  settled: Promise<PayoutState>;
}

/** Where a notice naming no payment of ours is kept: refused, but recorded. */
export function inboundStreamId(gateway: string): string {
  return `inbound-${gateway}`;
}

/**
 * A buyer's return or a gateway's webhook: recorded first (accepted or not), authenticated by the
 * adapter, then confirmed with the gateway — never trusted for money on its own word. Returns confirm
 * before answering (the buyer is redirected with a settled status); webhooks answer once recorded and
 * confirm after. Duplicates are recorded as such and change nothing.
 */
@CommandHandler(HandleGatewayNoticeCommand)
export class HandleGatewayNoticeHandler implements ICommandHandler<HandleGatewayNoticeCommand, NoticeOutcome | PayoutNoticeOutcome> {
  constructor(
    @Inject(PaymentFlow) private readonly flow: PaymentFlow,
    @Inject(PaymentLookup) private readonly lookup: PaymentLookup,
    @Inject(EventStore) private readonly store: EventStore,
  ) {}

  async execute({ gateway, request, ctx }: HandleGatewayNoticeCommand): Promise<NoticeOutcome | PayoutNoticeOutcome> {
    if (!isGatewayName(gateway)) throw new DomainError('CALLBACK.INVALID', `no gateway ${String(gateway)}`);
    const port = this.flow.gateways(gateway) as ReturnType<PaymentFlow['gateways']> & { parseInboundAsync?: (r: InboundRequest) => Promise<InboundVerdict> };
    const verdict = port.parseInboundAsync ? await port.parseInboundAsync(request) : port.parseInbound(request);
    if (verdict.accepted && verdict.subject === 'payout') return this.payoutNotice(gateway, request, verdict, ctx);
    const location = verdict.lookup ? await this.lookup.findAttempt(gateway, verdict.lookup.by, verdict.lookup.value) : undefined;

    if (!verdict.accepted || !location) {
      const code = !verdict.accepted ? (verdict.rejection?.code ?? 'CALLBACK.INVALID') : 'CALLBACK.UNKNOWN_REFERENCE';
      const message = !verdict.accepted ? (verdict.rejection?.message ?? 'refused') : 'the notice names no attempt of ours';
      await this.recordRejected(gateway, request, verdict, code, ctx, location?.paymentId);
      throw new DomainError(code, message, { gateway });
    }

    const { paymentId, reference } = location;
    const recorder = this.flow.recorder(ctx);
    let duplicate = false;
    const recordNotice = (state: PaymentState) => {
      duplicate = verdict.dedupKey !== undefined && state.seenNotices.has(verdict.dedupKey);
      recorder.drain();
      recorder.inboundReceived(gateway, request.kind, verdict, { duplicate, sourceIp: request.sourceIp, receivedAt: request.receivedAt });
      return recorder.drain();
    };

    if (verdict.subject === 'refund') {
      const done = await this.flow.decideAndAppend(paymentId, ctx, (loaded) => {
        if (!loaded) throw new DomainError('PAYMENT.NOT_FOUND', `no payment ${paymentId}`);
        const records = recordNotice(loaded.state);
        if (duplicate) return { records };
        const match = matchRefundNotice({ isFullyRefunded: readFullyRefunded(verdict) }, loaded.state.captured, loaded.state.refunds.filter((r) => r.status !== 'requested').map((r) => ({ refundId: r.refundId, status: r.status as 'succeeded', amount: r.amount })));
        if (match.kind !== 'confirms') return { records };
        return { records, command: { kind: 'recordRefundResult', refundId: match.refundId, result: { status: 'succeeded', detail: 'confirmed by the gateway\'s refund notice' } } };
      });
      return { paymentId, state: done.state, duplicate, settled: Promise.resolve(done.state) };
    }

    const skip = (state: PaymentState) => duplicate || (isPaid(state.status) && findAttempt(state, reference)?.outcome === 'paid');
    const stored = deferred<void>();
    const settled = this.flow
      .check(paymentId, reference, request.kind, 'confirm', ctx, (p, gatewayCtx, state, attempt) => p.confirm(gatewayCtx, this.flow.snapshot(state, attempt), { trigger: request.kind, inbound: verdict }), {
        records: (loaded) => recordNotice(loaded.state),
        skip,
        onRecorded: () => stored.resolve(),
      })
      .then((r) => r.state);
    if (request.kind === 'return') {
      const state = await settled;
      return { paymentId, state, duplicate, settled };
    }
    // A webhook is answered as soon as it is stored: the confirmation continues behind the answer, and
    // the inquiry job is the safety net should this process die before it ends.
    settled.catch(() => undefined);
    await Promise.race([stored.promise, settled]);
    const { state } = await this.flow.require(paymentId);
    return { paymentId, state, duplicate, settled };
  }

  /**
   * Recorded on the payout's stream and answered at once (a refusal would count against the webhook
   * endpoint at Mocasa). A payout whose reply was lost is looked up behind the answer — even on a
   * repeated notice, since that is news we lack; one still `requested` has its transfer call in flight,
   * which settles it.
   */
  private async payoutNotice(gateway: GatewayName, request: InboundRequest, verdict: InboundVerdict, ctx: CommandContext): Promise<PayoutNoticeOutcome> {
    const serial = verdict.lookup?.value ?? '';
    const payoutId = payoutIdOfSerial(serial);
    const loaded = payoutId ? await loadPayout(this.store, payoutId).catch(() => undefined) : undefined;
    if (!payoutId || !loaded || loaded.state.reference !== serial) {
      await this.recordRejected(gateway, request, verdict, 'CALLBACK.UNKNOWN_REFERENCE', ctx);
      throw new DomainError('CALLBACK.UNKNOWN_REFERENCE', 'the notice names no payout of ours', { gateway });
    }
    const duplicate =
      verdict.dedupKey !== undefined &&
      loaded.events.some((e) => {
        const notice = e.data as { accepted?: boolean; dedupKey?: string };
        return e.type === 'GatewayWebhookReceived' && notice.accepted === true && notice.dedupKey === verdict.dedupKey;
      });
    const recorder = this.flow.recorder(ctx);
    recorder.inboundReceived(gateway, request.kind, verdict, { duplicate, sourceIp: request.sourceIp, receivedAt: request.receivedAt });
    await this.store.append(payoutStreamId(payoutId), recorder.drain(), 'any');
    const settled = loaded.state.status === 'unknown' ? refreshPayout(this.flow, payoutId, ctx) : Promise.resolve(loaded.state);
    settled.catch(() => undefined);
    return { payoutId, payout: loaded.state, duplicate, settled };
  }

  private async recordRejected(gateway: GatewayName, request: InboundRequest, verdict: InboundVerdict, code: string, ctx: CommandContext, paymentId?: string): Promise<void> {
    const recorder = this.flow.recorder(ctx);
    recorder.inboundReceived(gateway, request.kind, { ...verdict, accepted: false }, { duplicate: false, sourceIp: request.sourceIp, receivedAt: request.receivedAt, rejectionCode: code });
    const events = recorder.drain();
    await this.store.append(paymentId ? `payment-${paymentId}` : inboundStreamId(gateway), events, 'any');
  }
}

function readFullyRefunded(verdict: InboundVerdict): boolean | undefined {
  const body = (verdict.recorded as { body?: { isFullyRefunded?: unknown } }).body;
  return typeof body?.isFullyRefunded === 'boolean' ? body.isFullyRefunded : undefined;
}

function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void } {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}
