import { Money } from '@payledger/kernel';
import { InteractionRecorder } from '../http/interaction-recorder';
import { GatewayError } from '../port/gateway-error';
import type { AttemptSnapshot, InboundRequest } from '../port/gateway.types';
import { createJibitAdapter, JIBIT_CAPABILITIES } from './index';

/** No I/O here: parsing, capabilities, and the checks that happen before anything is sent. */
const adapter = createJibitAdapter({
  config: {
    baseUrl: 'http://127.0.0.1:9/jibit/ppg/v2',
    apiKey: 'unit-api-key-123',
    secretKey: 'unit-secret-key-456',
    verifyBeforeDeadline: true,
    amountMin: 100n,
    isSandbox: true,
  },
  publicBaseUrl: 'https://payledger.example',
  now: () => new Date('2026-03-01T09:00:00Z'),
  sleep: async () => undefined,
});

const inbound = (query: InboundRequest['query'], overrides: Partial<InboundRequest> = {}): InboundRequest => ({
  kind: 'return',
  method: 'GET',
  headers: {},
  query,
  body: undefined,
  receivedAt: new Date('2026-03-01T09:05:00Z'),
  ...overrides,
});

const attempt: AttemptSnapshot = {
  reference: 'att-1',
  paymentId: 'pay_1',
  amount: Money.of(150000, 'IRR'),
  createdAt: new Date('2026-03-01T09:00:00Z'),
  outcome: 'pending',
  refs: { orderIdentifier: 'Ab12Cd34' },
  orderId: 'ORD-1',
};

describe('jibit adapter: parseInbound (§4, D7)', () => {
  it('accepts the GET return, looks it up by orderIdentifier and records amount and state as untrusted claims', () => {
    const verdict = adapter.parseInbound(inbound({ amount: '150000', refnum: 'Ab12Cd34', state: 'SUCCESSFUL' }));
    expect(verdict.accepted).toBe(true);
    expect(verdict.authenticity).toBe('unauthenticated');
    expect(verdict.lookup).toEqual({ by: 'orderIdentifier', value: 'Ab12Cd34' });
    expect(verdict.claimed).toEqual({ status: 'SUCCESSFUL', outcome: 'paid', amount: Money.of(150000, 'IRR') });
    expect(verdict.subject).toBe('payment');
    expect(verdict.recorded).toEqual({ method: 'GET', query: { amount: '150000', refnum: 'Ab12Cd34', state: 'SUCCESSFUL' } });
  });

  it('accepts any state, missing or unknown, as long as refnum is there', () => {
    expect(adapter.parseInbound(inbound({ refnum: 'Ab12Cd34' })).accepted).toBe(true);
    expect(adapter.parseInbound(inbound({ refnum: 'Ab12Cd34', state: 'ORDER_NOT_FOUND' })).accepted).toBe(true);
    expect(adapter.parseInbound(inbound({ refnum: 'Ab12Cd34', state: 'WHATEVER' })).claimed?.outcome).toBeUndefined();
  });

  it('gives replays the same dedupKey and different notices different keys', () => {
    const a = adapter.parseInbound(inbound({ amount: '150000', refnum: 'Ab12Cd34', state: 'SUCCESSFUL' }));
    const b = adapter.parseInbound(inbound({ amount: '150000', refnum: 'Ab12Cd34', state: 'SUCCESSFUL' }));
    const c = adapter.parseInbound(inbound({ amount: '150000', refnum: 'Ab12Cd34', state: 'FAILED' }));
    expect(a.dedupKey).toBe(b.dedupKey);
    expect(a.dedupKey).not.toBe(c.dedupKey);
  });

  it.each([
    ['a POST', inbound({ refnum: 'Ab12Cd34' }, { method: 'POST' }), 'CALLBACK.METHOD_NOT_ALLOWED'],
    ['no refnum', inbound({ amount: '1000', state: 'SUCCESSFUL' }), 'CALLBACK.INVALID'],
    ['an empty refnum', inbound({ refnum: '' }), 'CALLBACK.INVALID'],
    ['a refnum that is no identifier', inbound({ refnum: '../../etc' }), 'CALLBACK.INVALID'],
    ['a repeated refnum', inbound({ refnum: ['Ab12Cd34', 'Zz99Yy88'] }), 'CALLBACK.INVALID'],
    ['a webhook', inbound({ refnum: 'Ab12Cd34' }, { kind: 'webhook', method: 'POST' }), 'CALLBACK.INVALID'],
  ])('rejects %s', (_name, request, code) => {
    const verdict = adapter.parseInbound(request);
    expect(verdict.accepted).toBe(false);
    expect(verdict.rejection?.code).toBe(code);
    expect(verdict.lookup).toBeUndefined();
    expect(verdict.recorded).toBeDefined();
  });

  it('masks a card number someone put in the query before it is recorded', () => {
    const verdict = adapter.parseInbound(inbound({ refnum: 'Ab12Cd34', note: '6037991234567893' }));
    expect(JSON.stringify(verdict.recorded)).not.toContain('6037991234567893');
  });
});

describe('jibit adapter: what v2 does not have', () => {
  it('declares its capabilities', () => {
    expect(JIBIT_CAPABILITIES).toMatchObject({ startPayment: true, recoverCreate: true, confirm: true, inquire: true, listRecords: true, refund: false, cancel: false, payouts: false, currency: 'IRR' });
    expect(JIBIT_CAPABILITIES.inbound).toEqual({ return: true, webhook: false });
  });

  it.each([
    ['refund', () => adapter.refund({ recorder: new InteractionRecorder() }, attempt, { refundId: 'r', amount: attempt.amount, refundedBefore: Money.zero('IRR') })],
    ['cancel', () => adapter.cancel({ recorder: new InteractionRecorder() }, attempt)],
    ['updateOrderId', () => adapter.updateOrderId({ recorder: new InteractionRecorder() }, attempt, 'x')],
    ['queryTransfer', () => adapter.queryTransfer({ recorder: new InteractionRecorder() }, 'x')],
  ])('%s throws GATEWAY.UNSUPPORTED', async (_name, call) => {
    await expect(call()).rejects.toMatchObject({ code: 'GATEWAY.UNSUPPORTED' });
  });

  it('refuses a payment below the minimum before sending anything (D5)', async () => {
    const recorder = new InteractionRecorder();
    await expect(
      adapter.startPayment({ recorder }, { paymentId: 'p', reference: 'att-2', orderId: 'o', amount: Money.of(99, 'IRR'), customer: { id: 'c' } }),
    ).rejects.toBeInstanceOf(GatewayError);
    expect(recorder.drain()).toEqual([]);
  });

  it('refuses a plain-HTTP callback URL outside the sandbox (D5)', async () => {
    const production = createJibitAdapter({
      config: { baseUrl: 'https://api.jibit.ir/ppg/v2', apiKey: 'k-123456', secretKey: 's-123456', verifyBeforeDeadline: true, amountMin: 100n, isSandbox: false },
      publicBaseUrl: 'http://payledger.example',
      now: () => new Date(),
    });
    const recorder = new InteractionRecorder();
    await expect(
      production.startPayment({ recorder }, { paymentId: 'p', reference: 'att-3', orderId: 'o', amount: Money.of(1000, 'IRR'), customer: { id: 'c' } }),
    ).rejects.toMatchObject({ code: 'GATEWAY.CONFIGURATION' });
    expect(recorder.drain()).toEqual([]);
  });

  it('cannot confirm an attempt without an orderIdentifier', async () => {
    await expect(adapter.confirm({ recorder: new InteractionRecorder() }, { ...attempt, refs: {} }, { trigger: 'return' })).rejects.toMatchObject({
      code: 'GATEWAY.INVALID_REQUEST',
    });
  });

  it('answers a duplicate return of a final attempt from stored state, without a request', async () => {
    const recorder = new InteractionRecorder();
    const result = await adapter.confirm({ recorder }, { ...attempt, outcome: 'paid' }, { trigger: 'return' });
    expect(result.outcome).toBe('paid');
    expect(recorder.drain()).toEqual([]);
  });

  it('refuses a list cursor from another period', async () => {
    await expect(
      adapter.listRecords({ recorder: new InteractionRecorder() }, { from: new Date('2026-03-01T00:00:00Z'), to: new Date('2026-03-02T00:00:00Z'), cursor: 'bm9wZQ' }),
    ).rejects.toMatchObject({ code: 'GATEWAY.INVALID_REQUEST' });
  });
});
