import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { GATEWAY_CAPABILITIES, GatewayError } from '@payledger/gateways';
import { newAttemptReference } from '@payledger/kernel';
import { CommandContext, PaymentFlow } from '../payment.flow';
import { StartedAttempt, startAttempt } from './create-payment.handler';

export class RetryPaymentCommand {
  constructor(
    readonly paymentId: string,
    readonly ctx: CommandContext,
  ) {}
}

/** Al Qaseh: a new attempt (new reference) for an expired or failed payment; the old one stays on record. */
@CommandHandler(RetryPaymentCommand)
export class RetryPaymentHandler implements ICommandHandler<RetryPaymentCommand, StartedAttempt> {
  constructor(@Inject(PaymentFlow) private readonly flow: PaymentFlow) {}

  async execute({ paymentId, ctx }: RetryPaymentCommand): Promise<StartedAttempt> {
    const { state } = await this.flow.require(paymentId);
    if (!GATEWAY_CAPABILITIES[state.gateway].retry) throw new GatewayError('GATEWAY.UNSUPPORTED', `${state.gateway} has no retry; create a new payment`, { details: { gateway: state.gateway, operation: 'retry' } });
    const reference = newAttemptReference();
    await this.flow.decideAndAppend(paymentId, ctx, () => ({ command: { kind: 'startRetry', reference } }));
    return startAttempt(this.flow, paymentId, reference, ctx);
  }
}
