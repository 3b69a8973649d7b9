import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { GATEWAY_CAPABILITIES, GatewayError, isGatewayError, RefundResult } from '@payledger/gateways';
import { DomainError, Money, newPrefixedId } from '@payledger/kernel';
import { CommandContext, PaymentFlow } from '../payment.flow';
import { currentAttempt, PaymentState, RefundState } from '../payment.state';

export class RefundPaymentCommand {
  constructor(
    readonly paymentId: string,
    readonly amount: Money | undefined,
    readonly reason: string | undefined,
    readonly ctx: CommandContext,
    readonly refundId: string = newPrefixedId('rfd'),
  ) {}
}

export const REFUND_REASON_DEFAULT = 'refund';

/**
 * A refund is reserved against the captured amount (RefundRequested) before the gateway is asked, so two
 * concurrent refunds can never together exceed what was paid; the gateway's answer settles it.
 */
@CommandHandler(RefundPaymentCommand)
export class RefundPaymentHandler implements ICommandHandler<RefundPaymentCommand, { state: PaymentState; refund: RefundState }> {
  constructor(@Inject(PaymentFlow) private readonly flow: PaymentFlow) {}

  async execute({ paymentId, amount, reason, ctx, refundId }: RefundPaymentCommand): Promise<{ state: PaymentState; refund: RefundState }> {
    const { state } = await this.flow.require(paymentId);
    const capabilities = GATEWAY_CAPABILITIES[state.gateway];
    if (!capabilities.refund) throw new GatewayError('GATEWAY.UNSUPPORTED', `${state.gateway} has no refunds`, { details: { gateway: state.gateway, operation: 'refund' } });
    const requested = await this.flow.decideAndAppend(paymentId, ctx, () => ({
      command: { kind: 'requestRefund', refundId, amount, reason: reason ?? REFUND_REASON_DEFAULT, partialSupported: capabilities.partialRefund },
    }));
    const refund = requested.state.refunds.find((r) => r.refundId === refundId)!;
    if (refund.status !== 'requested') return { state: requested.state, refund };

    const recorder = this.flow.recorder(ctx);
    const port = this.flow.gateways(state.gateway);
    const attempt = requested.state.attempts.find((a) => a.outcome === 'paid') ?? currentAttempt(requested.state)!;
    let result: RefundResult;
    try {
      result = await port.refund(this.flow.callContext(recorder, ctx), this.flow.snapshot(requested.state, attempt), {
        refundId,
        amount: refund.amount,
        refundedBefore: requested.state.refunded,
        reason: refund.reason,
      });
    } catch (error) {
      if (!isGatewayError(error)) throw error;
      result = refundResultOfError(error);
    }
    const records = recorder.drain();
    const done = await this.flow.decideAndAppend(paymentId, ctx, () => ({ records, command: { kind: 'recordRefundResult', refundId, result } }));
    const settled = done.state.refunds.find((r) => r.refundId === refundId)!;
    if (settled.status === 'failed' && result.detail?.startsWith('REFUND.EXCEEDS_REMAINING')) {
      throw new DomainError('REFUND.EXCEEDS_REMAINING', 'the gateway says less remains to refund than requested', { refundId });
    }
    return { state: done.state, refund: settled };
  }
}

/** A refund call that failed: refused for sure → failed; no answer → unknown (the gateway may have done it). */
function refundResultOfError(error: GatewayError): RefundResult {
  if (error.code === 'GATEWAY.INVALID_REQUEST' && error.details?.rule === 'REFUND.EXCEEDS_REMAINING') return { status: 'failed', detail: `REFUND.EXCEEDS_REMAINING: ${error.message}` };
  if (error.outcomeUncertain || error.code === 'GATEWAY.TIMEOUT' || error.code === 'GATEWAY.UNAVAILABLE' || error.code === 'GATEWAY.BAD_RESPONSE') {
    return { status: 'unknown', detail: `${error.code}: ${error.message}` };
  }
  return { status: 'failed', detail: `${error.code}: ${error.message}` };
}
