import { loadConfig } from '@payledger/config';
import { Money } from '@payledger/kernel';
import { createGatewayAdapters, GATEWAY_CAPABILITIES } from './gateway.registry';
import { InteractionRecorder } from './http/interaction-recorder';
import { GatewayError } from './port/gateway-error';
import { AttemptSnapshot, GATEWAY_NAMES, GatewayName } from './port/gateway.types';

// Nothing listens here: an operation that reached the network would fail with UNAVAILABLE, not UNSUPPORTED.
const config = loadConfig({ SANDBOX_PORT: '1' });
const adapters = createGatewayAdapters({ config: config.gateways, publicBaseUrl: 'http://localhost:3000', now: () => new Date('2026-03-01T09:00:00Z'), sleep: async () => undefined });
const currencies: Record<GatewayName, string> = { jibit: 'IRR', atipay: 'IRR', mispay: 'SAR', mocasa: 'PHP', alqaseh: 'IQD' };

function attempt(gateway: GatewayName): AttemptSnapshot {
  return {
    reference: 'PLtest0000000000000000001',
    paymentId: 'pay_test',
    amount: Money.of(100000n, currencies[gateway]),
    createdAt: new Date('2026-03-01T09:00:00Z'),
    outcome: 'paid',
    refs: {},
    orderId: 'ORD-1',
  };
}

async function errorOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    return error;
  }
}

describe('gateway registry and capability table', () => {
  it('has one adapter per gateway, each naming itself and its ledger currency', () => {
    for (const gateway of GATEWAY_NAMES) {
      expect(adapters[gateway].name).toBe(gateway);
      expect(adapters[gateway].capabilities).toBe(GATEWAY_CAPABILITIES[gateway]);
      expect(GATEWAY_CAPABILITIES[gateway].currency).toBe(currencies[gateway]);
    }
  });

  it('says which gateways refund, cancel, list and pay out, as the gateway files decide', () => {
    const table = Object.fromEntries(
      GATEWAY_NAMES.map((g) => [g, (['refund', 'partialRefund', 'cancel', 'listRecords', 'payouts', 'updateOrderId'] as const).filter((op) => GATEWAY_CAPABILITIES[g][op])]),
    );
    expect(table).toEqual({
      jibit: ['listRecords'],
      atipay: [],
      mispay: ['refund', 'partialRefund', 'updateOrderId'],
      mocasa: ['refund', 'payouts'],
      alqaseh: ['cancel', 'listRecords'],
    });
  });

  it.each(GATEWAY_NAMES.map((g) => [g]))('%s: every unsupported operation is GATEWAY.UNSUPPORTED, never a silent no-op', async (gateway) => {
    const adapter = adapters[gateway as GatewayName];
    const caps = adapter.capabilities;
    const ctx = { recorder: new InteractionRecorder() };
    const snapshot = attempt(gateway as GatewayName);
    const calls: Array<[boolean, () => Promise<unknown>]> = [
      [caps.refund, () => adapter.refund(ctx, snapshot, { refundId: 'rf_1', amount: snapshot.amount, refundedBefore: Money.zero(snapshot.amount.currency) })],
      [caps.cancel, () => adapter.cancel(ctx, snapshot)],
      [caps.updateOrderId, () => adapter.updateOrderId(ctx, snapshot, 'ORD-2')],
      [caps.listRecords, () => adapter.listRecords(ctx, { from: new Date('2026-03-01'), to: new Date('2026-03-02') })],
      [caps.payouts, () => adapter.queryTransfer(ctx, 'PO1')],
    ];
    for (const [supported, call] of calls) {
      if (supported) continue;
      const error = await errorOf(call());
      expect(error).toBeInstanceOf(GatewayError);
      expect((error as GatewayError).code).toBe('GATEWAY.UNSUPPORTED');
    }
    expect(ctx.recorder.peek().filter((e) => e.type === 'GatewayRequestSent')).toEqual([]);
  });
});
