import type { GatewayName } from '@payledger/gateways';
import { Money } from '@payledger/kernel';
import { PAYOUT_EVENT_TYPES as T, PayoutRequestedData, PayoutSettledData } from './payment.events';
import type { PaymentEventLike } from './payment.state';

export type PayoutStatus = 'requested' | 'succeeded' | 'failed' | 'unknown';

export interface PayoutState {
  payoutId: string;
  gateway: GatewayName;
  reference: string;
  amount: Money;
  payeeAccountNo: string;
  purpose: string;
  status: PayoutStatus;
  gatewayStatus?: string;
  detail?: string;
  requestedAt: Date;
  updatedAt: Date;
  version: number;
}

/** A payout's state from its stream; interaction events only move the version. */
export function foldPayout(events: readonly PaymentEventLike[]): PayoutState | undefined {
  let state: PayoutState | undefined;
  for (const event of events) {
    if (event.type === T.requested) {
      const d = event.data as PayoutRequestedData;
      state = {
        payoutId: d.payoutId,
        gateway: d.gateway,
        reference: d.reference,
        amount: Money.of(d.amountMinor, d.currency),
        payeeAccountNo: d.payeeAccountNo,
        purpose: d.purpose,
        status: 'requested',
        requestedAt: new Date(d.requestedAt),
        updatedAt: event.occurredAt,
        version: 1,
      };
      continue;
    }
    if (!state) continue;
    state = { ...state, version: state.version + 1, updatedAt: event.occurredAt };
    const settled = event.data as PayoutSettledData;
    if (event.type === T.transferred) state = { ...state, status: 'succeeded', gatewayStatus: settled.gatewayStatus, detail: settled.detail };
    else if (event.type === T.failed) state = { ...state, status: 'failed', gatewayStatus: settled.gatewayStatus, detail: settled.detail };
    else if (event.type === T.outcomeUnknown) state = { ...state, status: 'unknown', gatewayStatus: settled.gatewayStatus, detail: settled.detail };
  }
  return state;
}

/** The event a transfer answer leads to; none when it says what we already know. */
export function decidePayoutResult(state: PayoutState, result: { status: 'succeeded' | 'failed' | 'unknown'; gatewayStatus?: string; detail?: string }): { type: string; data: PayoutSettledData } | undefined {
  if (state.status === 'succeeded' || state.status === 'failed') return undefined;
  if (result.status === 'unknown' && state.status === 'unknown') return undefined;
  const type = result.status === 'succeeded' ? T.transferred : result.status === 'failed' ? T.failed : T.outcomeUnknown;
  return {
    type,
    data: { payoutId: state.payoutId, gateway: state.gateway, reference: state.reference, amountMinor: state.amount.amountMinor.toString(), currency: state.amount.currency, gatewayStatus: result.gatewayStatus, detail: result.detail },
  };
}
