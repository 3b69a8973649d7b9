import { FaultInjector, RequestLog, SandboxClock, ScenarioBook, SeededRandom, SimulatorContext } from '../core';
import type { OutboundDelivery } from '../core';
import { parseMocasaScenario } from './mocasa.scenarios';
import { formatMinor, MocasaSimState } from './mocasa.state';

function context(options: Record<string, unknown> = {}) {
  const deliveries: Array<Omit<OutboundDelivery, 'gateway'>> = [];
  let status = 200;
  const clock = new SandboxClock({ startAt: new Date('2026-03-01T09:00:00Z'), frozen: true });
  const ctx: SimulatorContext = {
    gateway: 'mocasa',
    clock,
    random: new SeededRandom('mocasa-unit'),
    log: new RequestLog(),
    scenarios: new ScenarioBook(),
    faults: new FaultInjector(),
    sandboxBaseUrl: 'http://sandbox.test',
    merchantBaseUrl: 'http://merchant.test',
    credentials: {},
    options,
    deliver: async (delivery) => {
      deliveries.push(delivery);
      return { status };
    },
  };
  return { ctx, clock, deliveries, answer: (next: number) => (status = next) };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));
const order = { orderNo: 'PL1', amount: '1500.00', productName: 'Bag', customerId: 'c1', returnUrl: 'http://merchant.test/callbacks/mocasa?reference=PL1' };

describe('mocasa simulator state machine', () => {
  it('keeps an order pending until the shopper acts, then success with a signed webhook', async () => {
    const { ctx, deliveries } = context();
    const sim = new MocasaSimState(ctx);
    expect(sim.createOrder(order).body.data).toEqual({ orderNo: 'PL1', paymentLink: 'http://sandbox.test/mocasa/pay/PL1' });
    expect(sim.queryOrder({ orderNo: 'PL1' }).body.data).toMatchObject({ txStatus: 'pending', paymentMode: 'Mocasa BNPL' });
    sim.act(sim.order('PL1')!, 'pay');
    expect(sim.queryOrder({ orderNo: 'PL1' }).body.data).toMatchObject({ txStatus: 'success' });
    await tick();
    expect(deliveries).toHaveLength(1);
    expect(deliveries[0]).toMatchObject({ url: 'http://merchant.test/webhooks/mocasa', json: { orderNo: 'PL1', txStatus: 'success', amount: 1500 } });
    expect(deliveries[0].headers?.signature).toBeDefined();
  });

  it('an abandoned order is failed with a cancel message; later clicks change nothing', () => {
    const { ctx } = context();
    const sim = new MocasaSimState(ctx);
    sim.createOrder(order);
    sim.act(sim.order('PL1')!, 'abandon');
    sim.act(sim.order('PL1')!, 'pay');
    expect(sim.queryOrder({ orderNo: 'PL1' }).body.data).toMatchObject({ txStatus: 'failed', txMessage: 'cancelled by shopper' });
  });

  it('unknown-then-fail answers pending and withholds the webhook until resolveAfterMs', async () => {
    const { ctx, clock, deliveries } = context();
    ctx.scenarios.add({ reference: 'PL1', outcome: 'unknown-then-fail', resolveAfterMs: 60_000 });
    const sim = new MocasaSimState(ctx);
    sim.createOrder(order);
    sim.act(sim.order('PL1')!, 'fail');
    await clock.advance(59_999);
    await tick();
    expect(sim.queryOrder({ orderNo: 'PL1' }).body.data).toMatchObject({ txStatus: 'pending' });
    expect(deliveries).toHaveLength(0);
    await clock.advance(1);
    await tick();
    expect(sim.queryOrder({ orderNo: 'PL1' }).body.data).toMatchObject({ txStatus: 'failed' });
    expect(deliveries).toHaveLength(1);
  });

  it('keeps the merchant balance and refuses a transfer above it', () => {
    const { ctx } = context({ merchantBalance: '100.00' });
    const sim = new MocasaSimState(ctx);
    const accountNo = sim.createAccount({ idType: 'TIN', idNo: '123456789', beneficiaryName: 'A', businessLisence: 'BL-1', shopName: 'S' }).body.data!.accountNo as string;
    expect(sim.initiateTransfer({ transferSerialNo: 'PO1', amount: '60.00', payeeAccountNo: accountNo, purpose: 'p' }).reply.body.data).toMatchObject({ txStatus: 'success' });
    expect(sim.initiateTransfer({ transferSerialNo: 'PO2', amount: '60.00', payeeAccountNo: accountNo, purpose: 'p' }).reply.body).toMatchObject({ success: false, code: 'INSUFFICIENT_BALANCE' });
    expect(sim.state().merchantBalance).toBe('40.00');
  });

  it('formats centavos as two-decimal pesos', () => {
    expect(formatMinor(150000n)).toBe('1500.00');
    expect(formatMinor(5n)).toBe('0.05');
  });
});

describe('mocasa scenario parsing', () => {
  it('reads the webhook controls', () => {
    expect(parseMocasaScenario({ outcome: 'pay', delayMs: 1000, repeat: 2, burst: 3, hexSignature: true, form: true, statusLies: true, wrongAmount: true })).toMatchObject({
      outcome: 'pay',
      wrongAmount: 'plus-one',
      webhook: { delayMs: 1000, repeat: 2, burst: 3, signature: 'hex', form: true, statusLies: true, drop: false },
    });
    expect(parseMocasaScenario({ outcome: 'fail', badSignature: true })).toMatchObject({ webhook: { signature: 'bad' } });
    expect(parseMocasaScenario({ outcome: 'fail', noSignature: true })).toMatchObject({ webhook: { signature: 'none' } });
    expect(parseMocasaScenario({ outcome: 'unknown-then-pay', resolveAfter: 5000 })).toMatchObject({ resolveAfterMs: 5000 });
  });

  it('refuses unknown outcomes and bad numbers', () => {
    expect(typeof parseMocasaScenario({ outcome: 'explode' })).toBe('string');
    expect(typeof parseMocasaScenario({ outcome: 'pay', repeat: -1 })).toBe('string');
    expect(typeof parseMocasaScenario({ outcome: 'pay', delayMs: 'soon' })).toBe('string');
    expect(typeof parseMocasaScenario({ outcome: 'pay', wrongAmount: '1e3' })).toBe('string');
  });
});
