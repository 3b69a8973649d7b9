import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { GATEWAY_CAPABILITIES } from '@payledger/gateways';
import { DomainError } from '@payledger/kernel';
import { CommandContext, PaymentFlow } from '../payment.flow';
import { isFinal, PaymentState } from '../payment.state';

export class CancelPaymentCommand {
  constructor(
    readonly paymentId: string,
    readonly ctx: CommandContext,
    readonly reason?: string,
  ) {}
}

/**
 * Gives up a payment not yet paid. Where the gateway can revoke (Al Qaseh) it is asked first, and its
 * answer rules: a revoke that finds the payment paid books the success and refuses the cancel.
 * Elsewhere the cancel is local (the gateway's attempt simply expires unpaid).
 */
@CommandHandler(CancelPaymentCommand)
export class CancelPaymentHandler implements ICommandHandler<CancelPaymentCommand, PaymentState> {
  constructor(@Inject(PaymentFlow) private readonly flow: PaymentFlow) {}

  async execute({ paymentId, ctx, reason }: CancelPaymentCommand): Promise<PaymentState> {
    const { state } = await this.flow.require(paymentId);
    if (isFinal(state.status)) throw new DomainError('PAYMENT.ALREADY_FINAL', `payment is ${state.status}`, { status: state.status });
    if (!GATEWAY_CAPABILITIES[state.gateway].cancel) {
      const done = await this.flow.decideAndAppend(paymentId, ctx, () => ({ command: { kind: 'cancelLocally', reason } }));
      return done.state;
    }
    const { state: after } = await this.flow.check(paymentId, undefined, 'merchant', 'cancel', ctx, async (port, gatewayCtx, s, attempt) => {
      const result = await port.cancel(gatewayCtx, this.flow.snapshot(s, attempt));
      return { outcome: result.outcome, refs: result.refs, detail: result.detail ?? reason };
    });
    if (after.status !== 'canceled') {
      throw new DomainError(after.status === 'succeeded' ? 'PAYMENT.ALREADY_FINAL' : 'PAYMENT.OUTCOME_PENDING', `the gateway did not cancel: the payment is ${after.status}`, { status: after.status });
    }
    return after;
  }
}
