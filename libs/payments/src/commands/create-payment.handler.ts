import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { isGatewayError, LineItem, RedirectInstruction } from '@payledger/gateways';
import { Money, newAttemptReference, newPaymentId } from '@payledger/kernel';
import { orderIdTakenError } from '../payment-lookup.projection';
import { CreatePaymentRequest } from '../payment-request.rules';
import { CommandContext, PaymentFlow } from '../payment.flow';
import { PaymentState } from '../payment.state';

export class CreatePaymentCommand {
  constructor(
    readonly request: CreatePaymentRequest,
    readonly ctx: CommandContext,
    /** Chosen by the caller when it must know the id before the payment exists (idempotency records). */
    readonly paymentId: string = newPaymentId(),
  ) {}
}

/**
 * Stores the payment and its first attempt before anything goes to the gateway (so a crash mid-call
 * leaves a payment the jobs can look up, never a charge we do not know of), then creates the attempt.
 */
@CommandHandler(CreatePaymentCommand)
export class CreatePaymentHandler implements ICommandHandler<CreatePaymentCommand, StartedAttempt> {
  constructor(@Inject(PaymentFlow) private readonly flow: PaymentFlow) {}

  async execute({ request, ctx, paymentId }: CreatePaymentCommand): Promise<StartedAttempt> {
    const reference = newAttemptReference();
    try {
      await this.flow.decideAndAppend(paymentId, ctx, () => ({
        command: {
          kind: 'initiate',
          reference,
          payment: {
            paymentId,
            gateway: request.gateway,
            orderId: request.orderId,
            amountMinor: request.amountMinor,
            currency: request.currency,
            description: request.description,
            returnUrl: request.returnUrl,
            customer: request.customer,
            items: request.items,
            breakdown: request.breakdown ? { shippingMinor: request.breakdown.shippingMinor ?? '0', vatMinor: request.breakdown.vatMinor ?? '0', discountMinor: request.breakdown.discountMinor ?? '0' } : undefined,
            metadata: request.metadata,
            merchantKeyId: ctx.actor.startsWith('merchant:') ? ctx.actor.slice('merchant:'.length) : undefined,
          },
        },
      }));
    } catch (error) {
      throw orderIdTakenError(error, request.gateway, request.orderId) ?? error;
    }
    return startAttempt(this.flow, paymentId, reference, ctx);
  }
}

/**
 * The payment after its attempt was created, and where to send the buyer. The redirect is the gateway's
 * own (the stored copy has one-time tokens redacted), so it is only available in this answer.
 */
export interface StartedAttempt {
  state: PaymentState;
  redirect?: RedirectInstruction;
}

/** Creates one attempt at the gateway and records the answer (also used by an Al Qaseh retry). */
export async function startAttempt(flow: PaymentFlow, paymentId: string, reference: string, ctx: CommandContext): Promise<StartedAttempt> {
  const { state } = await flow.require(paymentId);
  const port = flow.gateways(state.gateway);
  const recorder = flow.recorder(ctx);
  const currency = state.amount.currency;
  let outcome: Parameters<PaymentFlow['decideAndAppend']>[2];
  let redirect: RedirectInstruction | undefined;
  try {
    const result = await port.startPayment(flow.callContext(recorder, ctx), {
      paymentId,
      reference,
      orderId: state.orderId,
      amount: state.amount,
      description: state.description,
      customer: state.customer,
      items: state.items?.map((i): LineItem => ({ sku: i.sku, name: i.name, quantity: i.quantity, unitAmount: Money.of(i.unitAmountMinor, currency) })),
      breakdown: state.breakdown
        ? { shipping: Money.of(state.breakdown.shippingMinor, currency), vat: Money.of(state.breakdown.vatMinor, currency), discount: Money.of(state.breakdown.discountMinor, currency) }
        : undefined,
    });
    const records = recorder.drain();
    redirect = result.redirect;
    outcome = () => ({ records, command: { kind: 'recordCreateResult', reference, result } });
  } catch (error) {
    if (!isGatewayError(error)) throw error;
    const records = recorder.drain();
    outcome = () => ({
      records,
      command: { kind: 'recordCreateError', reference, code: error.code, message: error.message, gatewayCode: error.gatewayCode, outcomeUncertain: error.outcomeUncertain || error.code === 'GATEWAY.TIMEOUT' },
    });
  }
  const done = await flow.decideAndAppend(paymentId, ctx, outcome);
  return { state: done.state, redirect: done.state.status === 'awaiting_buyer' ? redirect : undefined };
}
