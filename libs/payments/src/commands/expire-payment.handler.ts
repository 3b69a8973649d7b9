import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { DomainError } from '@payledger/kernel';
import { CheckTrigger, PAYMENT_EVENT_TYPES, PaymentStatus } from '../payment.events';
import { CommandContext, metadataOf, PaymentFlow } from '../payment.flow';
import { currentAttempt, isFinal, PaymentState } from '../payment.state';

/**
 * The end of a wait, when a job's schedule has run out: `expired` when nobody paid as far as anyone knows
 * (the decider's `expire`), `needs_review` when money may have moved and only ops can settle it
 * (PaymentReviewRequired: the status stays `unknown`, flagged). Nothing happens when the payment moved on
 * since the caller planned it (`expectedVersion`), is final, already flagged, or a confirmation is running.
 */
export class ExpirePaymentCommand {
  constructor(
    readonly paymentId: string,
    readonly outcome: 'expired' | 'needs_review',
    readonly trigger: CheckTrigger,
    readonly reason: string,
    readonly ctx: CommandContext,
    /** The stream version the decision was made from; another version means: plan again, do nothing. */
    readonly expectedVersion?: number,
  ) {}
}

export interface ExpirePaymentResult {
  state: PaymentState;
  version: number;
  /** False when nothing was appended (see the command). */
  applied: boolean;
}

/** Only a payment nobody has paid, as far as the gateway said, may simply expire. */
const EXPIRABLE: ReadonlySet<PaymentStatus> = new Set(['initiated', 'awaiting_buyer']);

@CommandHandler(ExpirePaymentCommand)
export class ExpirePaymentHandler implements ICommandHandler<ExpirePaymentCommand, ExpirePaymentResult> {
  constructor(@Inject(PaymentFlow) private readonly flow: PaymentFlow) {}

  async execute({ paymentId, outcome, trigger, reason, ctx, expectedVersion }: ExpirePaymentCommand): Promise<ExpirePaymentResult> {
    let applied = false;
    const done = await this.flow.decideAndAppend(paymentId, ctx, (loaded) => {
      applied = false;
      if (!loaded) throw new DomainError('PAYMENT.NOT_FOUND', `no payment ${paymentId}`);
      const state = loaded.state;
      if (expectedVersion !== undefined && loaded.version !== expectedVersion) return {};
      if (isFinal(state.status) || state.review) return {};
      if (state.confirmation && state.confirmation.leaseUntil.getTime() > this.flow.clock.now().getTime()) return {};
      if (outcome === 'expired') {
        if (!EXPIRABLE.has(state.status)) return {};
        applied = true;
        return { command: { kind: 'expire', trigger, reason } };
      }
      applied = true;
      const data = { paymentId: state.paymentId, gateway: state.gateway, reference: currentAttempt(state)?.reference, trigger, reason };
      return { records: [{ type: PAYMENT_EVENT_TYPES.reviewRequired, data, metadata: metadataOf(ctx), occurredAt: this.flow.clock.now() }] };
    });
    return { state: done.state, version: done.version, applied };
  }
}
