import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { ConcurrencyError, EventStore, RecordedEvent } from '@payledger/event-store';
import { BeneficiaryInput, GATEWAY_CAPABILITIES, GatewayError, GatewayName, isGatewayError, TransferResult } from '@payledger/gateways';
import { DomainError, Money, newPrefixedId } from '@payledger/kernel';
import { PAYOUT_EVENT_TYPES as T, PayoutBeneficiaryRegisteredData, payoutStreamId } from '../payment.events';
import { CommandContext, metadataOf, PaymentFlow } from '../payment.flow';
import { decidePayoutResult, foldPayout, PayoutState } from '../payout.state';

/** Mocasa tells our transfer serials apart by this prefix (its adapter checks it too). */
const TRANSFER_SERIAL_PREFIX = 'PO';
const PAYOUT_ID_PREFIX = 'po_';
const TRANSFER_SERIAL = /^PO[A-Za-z0-9]{22}$/;

/**
 * A payout's transfer serial is its id under Mocasa's prefix: unique as the id is, and a payout notice
 * (which carries only the serial) leads to its stream without a lookup table.
 */
export function transferSerialOf(payoutId: string): string {
  return `${TRANSFER_SERIAL_PREFIX}${payoutId.slice(PAYOUT_ID_PREFIX.length)}`;
}

export function payoutIdOfSerial(serial: string): string | undefined {
  return TRANSFER_SERIAL.test(serial) ? `${PAYOUT_ID_PREFIX}${serial.slice(TRANSFER_SERIAL_PREFIX.length)}` : undefined;
}

export class RegisterBeneficiaryCommand {
  constructor(
    readonly gateway: GatewayName,
    readonly input: Omit<BeneficiaryInput, 'beneficiaryId'>,
    readonly ctx: CommandContext,
    readonly beneficiaryId: string = newPrefixedId('ben'),
  ) {}
}

export class RequestPayoutCommand {
  constructor(
    readonly gateway: GatewayName,
    readonly amount: Money,
    readonly payeeAccountNo: string,
    readonly purpose: string,
    readonly ctx: CommandContext,
    readonly payoutId: string = newPrefixedId('po'),
  ) {}
}

export class RefreshPayoutCommand {
  constructor(
    readonly payoutId: string,
    readonly ctx: CommandContext,
  ) {}
}

function requirePayouts(gateway: GatewayName): void {
  if (!GATEWAY_CAPABILITIES[gateway].payouts) throw new GatewayError('GATEWAY.UNSUPPORTED', `${gateway} has no payouts`, { details: { gateway, operation: 'payouts' } });
}

@CommandHandler(RegisterBeneficiaryCommand)
export class RegisterBeneficiaryHandler implements ICommandHandler<RegisterBeneficiaryCommand, PayoutBeneficiaryRegisteredData> {
  constructor(@Inject(PaymentFlow) private readonly flow: PaymentFlow) {}

  async execute({ gateway, input, ctx, beneficiaryId }: RegisterBeneficiaryCommand): Promise<PayoutBeneficiaryRegisteredData> {
    requirePayouts(gateway);
    const recorder = this.flow.recorder(ctx);
    const streamId = `beneficiary-${beneficiaryId}`;
    try {
      const result = await this.flow.gateways(gateway).createBeneficiary(this.flow.callContext(recorder, ctx), { ...input, beneficiaryId });
      const data: PayoutBeneficiaryRegisteredData = { beneficiaryId, gateway, accountNo: result.accountNo, status: result.status, name: input.name };
      await this.flow.store.append(streamId, [...recorder.drain(), { type: T.beneficiaryRegistered, data, metadata: metadataOf(ctx), occurredAt: this.flow.clock.now() }], 'any');
      return data;
    } catch (error) {
      const records = recorder.drain();
      if (records.length) await this.flow.store.append(streamId, records, 'any');
      throw error;
    }
  }
}

/** Loads a payout stream. */
export async function loadPayout(store: EventStore, payoutId: string): Promise<{ state: PayoutState; events: RecordedEvent[] }> {
  const events = await store.readStream(payoutStreamId(payoutId));
  const state = foldPayout(events);
  if (!state) throw new DomainError('PAYOUT.NOT_FOUND', `no payout ${payoutId}`);
  return { state, events };
}

/**
 * A payout is stored (with its serial) before the transfer is sent, so a lost reply is looked up by that
 * serial and never sent twice under another one.
 */
@CommandHandler(RequestPayoutCommand)
export class RequestPayoutHandler implements ICommandHandler<RequestPayoutCommand, PayoutState> {
  constructor(@Inject(PaymentFlow) private readonly flow: PaymentFlow) {}

  async execute({ gateway, amount, payeeAccountNo, purpose, ctx, payoutId }: RequestPayoutCommand): Promise<PayoutState> {
    requirePayouts(gateway);
    if (amount.currency !== GATEWAY_CAPABILITIES[gateway].currency) throw new DomainError('REQUEST.INVALID', `${gateway} pays out in ${GATEWAY_CAPABILITIES[gateway].currency}`, { fields: [{ field: 'currency', code: 'gateway_currency' }] });
    const reference = transferSerialOf(payoutId);
    const requested = { payoutId, gateway, reference, amountMinor: amount.amountMinor.toString(), currency: amount.currency, payeeAccountNo, purpose, requestedAt: this.flow.clock.now().toISOString() };
    await this.flow.store.append(payoutStreamId(payoutId), [{ type: T.requested, data: requested, metadata: metadataOf(ctx), occurredAt: this.flow.clock.now() }], 'no_stream');
    return settle(this.flow, payoutId, ctx, (gatewayCtx, state) =>
      this.flow.gateways(gateway).initiateTransfer(gatewayCtx, { payoutId, reference: state.reference, amount, payeeAccountNo, purpose }),
    );
  }
}

/** Asks the gateway about a payout whose outcome is not known yet (GET /v1/payouts/:id and the jobs). */
@CommandHandler(RefreshPayoutCommand)
export class RefreshPayoutHandler implements ICommandHandler<RefreshPayoutCommand, PayoutState> {
  constructor(@Inject(PaymentFlow) private readonly flow: PaymentFlow) {}

  execute({ payoutId, ctx }: RefreshPayoutCommand): Promise<PayoutState> {
    return refreshPayout(this.flow, payoutId, ctx);
  }
}

/** The transfer query for a payout not settled yet (GET, jobs, and a lost reply the gateway's notice speaks of). */
export async function refreshPayout(flow: PaymentFlow, payoutId: string, ctx: CommandContext): Promise<PayoutState> {
  const { state } = await loadPayout(flow.store, payoutId);
  if (state.status === 'succeeded' || state.status === 'failed') return state;
  return settle(flow, payoutId, ctx, (gatewayCtx, s) => flow.gateways(s.gateway).queryTransfer(gatewayCtx, s.reference));
}

async function settle(flow: PaymentFlow, payoutId: string, ctx: CommandContext, call: (gatewayCtx: ReturnType<PaymentFlow['callContext']>, state: PayoutState) => Promise<TransferResult>): Promise<PayoutState> {
  const { state } = await loadPayout(flow.store, payoutId);
  const recorder = flow.recorder(ctx);
  let result: TransferResult;
  try {
    result = await call(flow.callContext(recorder, ctx), state);
  } catch (error) {
    if (!isGatewayError(error)) throw error;
    result = error.outcomeUncertain || error.code === 'GATEWAY.TIMEOUT' || error.code === 'GATEWAY.UNAVAILABLE' || error.code === 'GATEWAY.BAD_RESPONSE' || error.code === 'GATEWAY.NOT_FOUND'
      ? { status: 'unknown', detail: `${error.code}: ${error.message}` }
      : { status: 'failed', detail: `${error.code}: ${error.message}` };
  }
  const records = recorder.drain();
  for (let round = 1; ; round += 1) {
    const { state: latest, events } = await loadPayout(flow.store, payoutId);
    const decided = decidePayoutResult(latest, result);
    const all = [...records, ...(decided ? [{ type: decided.type, data: decided.data, metadata: metadataOf(ctx), occurredAt: flow.clock.now() }] : [])];
    if (all.length === 0) return latest;
    try {
      await flow.store.append(payoutStreamId(payoutId), all, events.length);
      return (await loadPayout(flow.store, payoutId)).state;
    } catch (error) {
      if (!(error instanceof ConcurrencyError) || round >= 10) throw error;
    }
  }
}
