import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { GATEWAY_CAPABILITIES, GatewayError } from '@payledger/gateways';
import { DomainError } from '@payledger/kernel';
import { orderIdTakenError, PaymentLookup } from '../payment-lookup.projection';
import { CommandContext, PaymentFlow } from '../payment.flow';
import { currentAttempt, isPaid, PaymentState } from '../payment.state';

export class UpdateOrderIdCommand {
  constructor(
    readonly paymentId: string,
    readonly orderId: string,
    readonly ctx: CommandContext,
  ) {}
}

/** MIS Pay: the merchant renames the order of a succeeded checkout; the gateway first, then our record. */
@CommandHandler(UpdateOrderIdCommand)
export class UpdateOrderIdHandler implements ICommandHandler<UpdateOrderIdCommand, PaymentState> {
  constructor(
    @Inject(PaymentFlow) private readonly flow: PaymentFlow,
    @Inject(PaymentLookup) private readonly lookup: PaymentLookup,
  ) {}

  async execute({ paymentId, orderId, ctx }: UpdateOrderIdCommand): Promise<PaymentState> {
    const { state } = await this.flow.require(paymentId);
    if (!GATEWAY_CAPABILITIES[state.gateway].updateOrderId) throw new GatewayError('GATEWAY.UNSUPPORTED', `${state.gateway} cannot change an order id`, { details: { gateway: state.gateway, operation: 'updateOrderId' } });
    if (!isPaid(state.status)) throw new DomainError('PAYMENT.NOT_PAID', 'only a succeeded payment has an order id at the gateway to update', { status: state.status });
    if (state.orderId === orderId) return state;
    if ((await this.lookup.findByOrderId(orderId, state.gateway)).length > 0) {
      throw new DomainError('PAYMENT.ORDER_ID_TAKEN', `order id ${orderId} already has a payment at ${state.gateway}`, { gateway: state.gateway, orderId });
    }
    const recorder = this.flow.recorder(ctx);
    const attempt = state.attempts.find((a) => a.outcome === 'paid') ?? currentAttempt(state)!;
    let refs: Record<string, string> | undefined;
    try {
      ({ refs } = await this.flow.gateways(state.gateway).updateOrderId(this.flow.callContext(recorder, ctx), this.flow.snapshot(state, attempt), orderId));
    } finally {
      const records = recorder.drain();
      if (records.length) await this.flow.decideAndAppend(paymentId, ctx, () => ({ records }));
    }
    try {
      const done = await this.flow.decideAndAppend(paymentId, ctx, () => ({ command: { kind: 'updateOrderId', orderId, reference: attempt.reference, refs } }));
      return done.state;
    } catch (error) {
      throw orderIdTakenError(error, state.gateway, orderId) ?? error;
    }
  }
}
