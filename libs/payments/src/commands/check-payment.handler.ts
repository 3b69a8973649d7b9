import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { DomainError } from '@payledger/kernel';
import { CheckTrigger } from '../payment.events';
import { CommandContext, PaymentFlow } from '../payment.flow';
import { currentAttempt, isPaid, PaymentState } from '../payment.state';

export type CheckKind = 'confirm' | 'inquire' | 'recoverCreate';

export class CheckPaymentCommand {
  constructor(
    readonly paymentId: string,
    readonly kind: CheckKind,
    readonly trigger: CheckTrigger,
    readonly ctx: CommandContext,
    /** The attempt to ask about; the current one when absent. */
    readonly reference?: string,
  ) {}
}

export interface CheckPaymentResult {
  state: PaymentState;
  /** False when nothing was asked (already paid, or another instance's confirmation answered instead). */
  checked: boolean;
}

/**
 * A job's or an operator's look at the gateway: confirm (verify / end / re-query), inquire, or recover a
 * create that got no answer. Runs through the same lease as a buyer's return, so a job racing a callback
 * ends in one gateway confirmation and one decision.
 */
@CommandHandler(CheckPaymentCommand)
export class CheckPaymentHandler implements ICommandHandler<CheckPaymentCommand, CheckPaymentResult> {
  constructor(@Inject(PaymentFlow) private readonly flow: PaymentFlow) {}

  async execute({ paymentId, kind, trigger, ctx, reference }: CheckPaymentCommand): Promise<CheckPaymentResult> {
    const loaded = await this.flow.require(paymentId);
    const attempt = reference ? loaded.state.attempts.find((a) => a.reference === reference) : currentAttempt(loaded.state);
    if (!attempt) throw new DomainError('PAYMENT.UNKNOWN_ATTEMPT', `payment ${paymentId} has no attempt ${reference ?? ''}`);
    const result = await this.flow.check(
      paymentId,
      attempt.reference,
      trigger,
      kind,
      ctx,
      async (port, gatewayCtx, state, a) => {
        const snapshot = this.flow.snapshot(state, a);
        if (kind === 'recoverCreate') {
          const created = await port.recoverCreate(gatewayCtx, snapshot);
          const outcome = created.outcome === 'pending' ? 'pending' : created.outcome === 'failed' ? 'failed' : 'create_unknown';
          return { outcome, refs: created.refs, detail: created.failure?.message ?? `create lookup: ${created.outcome}` };
        }
        return kind === 'confirm' ? port.confirm(gatewayCtx, snapshot, { trigger: trigger === 'merchant' ? 'ops' : trigger }) : port.inquire(gatewayCtx, snapshot);
      },
      { skip: (state) => isPaid(state.status) },
    );
    return { state: result.state, checked: result.checked };
  }
}
