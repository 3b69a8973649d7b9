import { Money } from '@payledger/kernel';
import { InteractionRecorder } from '../http/interaction-recorder';
import { AttemptSnapshot, InboundRequest } from '../port/gateway.types';
import { MISPAY_CAPABILITIES, MispayAdapter } from './mispay.adapter';
import { END_RETRY_PLAN, MispayConfig, nextTrackCheckoutDelayMs, TRACK_BACKOFF_INITIAL_MS, TRACK_BACKOFF_MAX_MS } from './mispay.config';

// §4.1 vector: {"orderId":"ORD-1","code":"MP00","checkoutId":"chk_1"} under `sandbox-secret-123`.
const CALLBACK_VALUE =
  'QUFFQ0F3UUZCZ2NJQ1FvTERBME9EeEFSRWhNVUZSWVhHQmthRzl6ekgyQmxrelZyK292M08zQ08zZXJhQ1I0L1pNYnlycEpDaHZrRnRuaWgzRHFLa1pKRVplbm9qR1BGSS9MZ002MnU5SG1wa295YWRqOEpwVFl4ajRvV29qdHhlQ0E9';

function config(overrides: Partial<MispayConfig> = {}): MispayConfig {
  return {
    // Nothing listens here: any test that reached the network would fail.
    baseUrl: 'http://127.0.0.1:9/mispay/v1/api',
    appId: 'sandbox-app-id',
    appSecret: 'sandbox-secret-123',
    sendCallbackUri: false,
    webhookAllowedIps: [],
    updateOrderIdPath: '/checkout/{checkoutId}/order-id',
    isSandbox: true,
    ...overrides,
  };
}

function adapter(overrides: Partial<MispayConfig> = {}): MispayAdapter {
  return new MispayAdapter({ config: config(overrides), publicBaseUrl: 'https://pay.example', now: () => new Date('2026-03-01T09:00:00Z'), sleep: async () => undefined });
}

function callback(query: Record<string, string>, method = 'GET'): InboundRequest {
  return { kind: 'return', method, headers: {}, query, body: undefined, receivedAt: new Date() };
}

function webhook(body: unknown, sourceIp = '127.0.0.1', method = 'POST'): InboundRequest {
  return { kind: 'webhook', method, headers: { 'content-type': 'application/json' }, query: {}, body, rawBody: JSON.stringify(body), sourceIp, receivedAt: new Date('2026-03-01T09:00:00Z') };
}

function attempt(overrides: Partial<AttemptSnapshot> = {}): AttemptSnapshot {
  return {
    reference: 'ORD-1',
    paymentId: 'pay_1',
    amount: Money.of(20_000n, 'SAR'),
    createdAt: new Date('2026-03-01T08:00:00Z'),
    outcome: 'pending',
    refs: { trackId: 't1' },
    orderId: 'ORD-1001',
    ...overrides,
  };
}

const ctx = () => ({ recorder: new InteractionRecorder() });

describe('MispayAdapter (no network)', () => {
  describe('callback (D5)', () => {
    it('accepts the vector callback: lookup by our reference, checkoutId learned, verified', async () => {
      const request = callback({ _: CALLBACK_VALUE, appId: 'sandbox-app-id' });
      const verdict = adapter().parseInbound(request);
      expect(verdict).toMatchObject({
        accepted: true,
        authenticity: 'verified',
        lookup: { by: 'reference', value: 'ORD-1' },
        claimed: { outcome: 'authorized', status: 'MP00' },
        refs: { checkoutId: 'chk_1' },
        subject: 'payment',
      });
      expect(verdict.recorded).toMatchObject({ decrypted: { orderId: 'ORD-1', code: 'MP00', checkoutId: 'chk_1' } });
      expect(await adapter().parseInboundAsync(request)).toEqual(verdict);
    });

    it('survives + turned into spaces by a query decoder', () => {
      expect(adapter().parseInbound(callback({ _: CALLBACK_VALUE.replace(/\+/g, ' '), appId: 'sandbox-app-id' })).accepted).toBe(true);
    });

    it('refuses another appId before decrypting', () => {
      const verdict = adapter().parseInbound(callback({ _: CALLBACK_VALUE, appId: 'someone-else' }));
      expect(verdict).toMatchObject({ accepted: false, rejection: { code: 'CALLBACK.INVALID' }, authenticity: 'not_checked' });
    });

    it('refuses what does not decrypt as forged', async () => {
      const altered = Buffer.from(Buffer.from(CALLBACK_VALUE, 'base64').toString().replace(/^AAEC/, 'AAED')).toString('base64');
      const verdict = await adapter().parseInboundAsync(callback({ _: altered, appId: 'sandbox-app-id' }));
      expect(verdict).toMatchObject({ accepted: false, rejection: { code: 'CALLBACK.INVALID' }, authenticity: 'forged' });
      expect(adapter().parseInbound(callback({ _: 'Z2FyYmFnZQ', appId: 'sandbox-app-id' })).authenticity).toBe('forged');
    });

    it('refuses a POST and a missing `_`', () => {
      expect(adapter().parseInbound(callback({ _: CALLBACK_VALUE, appId: 'sandbox-app-id' }, 'POST')).rejection?.code).toBe('CALLBACK.METHOD_NOT_ALLOWED');
      expect(adapter().parseInbound(callback({ appId: 'sandbox-app-id' })).rejection?.code).toBe('CALLBACK.INVALID');
    });

    it('fails closed without an app secret (D2): no decryption, no outbound call', async () => {
      const closed = adapter({ appSecret: '' });
      expect(closed.parseInbound(callback({ _: CALLBACK_VALUE, appId: 'sandbox-app-id' }))).toMatchObject({ accepted: false, rejection: { code: 'CALLBACK.INVALID' } });
      await expect(closed.inquire(ctx(), attempt())).rejects.toMatchObject({ code: 'GATEWAY.CONFIGURATION' });
      await expect(closed.startPayment(ctx(), {} as never)).rejects.toMatchObject({ code: 'GATEWAY.CONFIGURATION' });
    });
  });

  describe('webhook (D8)', () => {
    const body = { checkoutId: 'c1', orderId: 'ORD-1', code: 'MP00', appId: 'sandbox-app-id' };

    it('accepts an unsigned webhook as unauthenticated, looked up by reference', () => {
      expect(adapter().parseInbound(webhook(body))).toMatchObject({
        accepted: true,
        authenticity: 'unauthenticated',
        lookup: { by: 'reference', value: 'ORD-1' },
        claimed: { outcome: 'authorized', status: 'MP00' },
        refs: { checkoutId: 'c1' },
        subject: 'payment',
        dedupKey: 'mispay:webhook:MP00:ORD-1:c1',
      });
    });

    it('refuses a wrong appId and a source outside the allow-list as SOURCE_REFUSED', () => {
      expect(adapter().parseInbound(webhook({ ...body, appId: 'x' }))).toMatchObject({ accepted: false, rejection: { code: 'CALLBACK.SOURCE_REFUSED' }, authenticity: 'forged' });
      const guarded = adapter({ webhookAllowedIps: ['34.166.80.250'] });
      expect(guarded.parseInbound(webhook(body, '10.0.0.1')).rejection?.code).toBe('CALLBACK.SOURCE_REFUSED');
      expect(guarded.parseInbound(webhook(body, '::ffff:34.166.80.250')).accepted).toBe(true);
      expect(guarded.parseInbound(webhook(body, '34.166.80.250')).accepted).toBe(true);
    });

    it('refuses GET and bodies that are not the webhook', () => {
      expect(adapter().parseInbound(webhook(body, '127.0.0.1', 'GET')).rejection?.code).toBe('CALLBACK.METHOD_NOT_ALLOWED');
      expect(adapter().parseInbound(webhook('nonsense')).rejection?.code).toBe('CALLBACK.INVALID');
      expect(adapter().parseInbound({ ...webhook(undefined), rawBody: '{not json' }).rejection?.code).toBe('CALLBACK.INVALID');
    });

    it('makes MP03 a refund notice looked up by checkoutId', () => {
      const verdict = adapter().parseInbound(webhook({ ...body, code: 'MP03', orderId: 'NEW-1', isFullyRefunded: true }));
      expect(verdict).toMatchObject({ accepted: true, subject: 'refund', lookup: { by: 'checkoutId', value: 'c1' }, claimed: { status: 'MP03' }, dedupKey: 'mispay:webhook:MP03:c1:full' });
    });
  });

  describe('decisions that need no network', () => {
    it('answers a final attempt from stored state', async () => {
      const result = await adapter().confirm(ctx(), attempt({ outcome: 'paid', refs: { trackId: 't1', checkoutId: 'c1', transactionId: 'tx' } }), { trigger: 'return' });
      expect(result.outcome).toBe('paid');
    });

    it('takes verified MP01 and MP02 callbacks as failed and canceled', async () => {
      const base = { accepted: true, authenticity: 'verified' as const, subject: 'payment' as const, recorded: {} };
      expect((await adapter().confirm(ctx(), attempt(), { trigger: 'return', inbound: { ...base, claimed: { status: 'MP01' } } })).outcome).toBe('failed');
      expect((await adapter().confirm(ctx(), attempt(), { trigger: 'return', inbound: { ...base, claimed: { status: 'MP02' } } })).outcome).toBe('canceled');
      const notFinal = await adapter().confirm(ctx(), attempt(), { trigger: 'return', inbound: { ...base, claimed: { status: 'MP00' } } });
      expect(notFinal.outcome).toBe('pending');
    });

    it('refuses an over-refund locally with the rule in its details', async () => {
      const paid = attempt({ outcome: 'paid', refs: { trackId: 't1', checkoutId: 'c1' } });
      await expect(
        adapter().refund(ctx(), paid, { refundId: 'r2', amount: Money.of(15_001n, 'SAR'), refundedBefore: Money.of(5_000n, 'SAR') }),
      ).rejects.toMatchObject({ code: 'GATEWAY.INVALID_REQUEST', details: { rule: 'REFUND.EXCEEDS_REMAINING' } });
      await expect(adapter().refund(ctx(), attempt(), { refundId: 'r', amount: Money.of(1n, 'SAR'), refundedBefore: Money.of(0n, 'SAR') })).rejects.toMatchObject({
        code: 'GATEWAY.INVALID_REQUEST',
      });
    });

    it('changes the order id only for a succeeded checkout', async () => {
      await expect(adapter().updateOrderId(ctx(), attempt(), 'NEW-1')).rejects.toMatchObject({ code: 'GATEWAY.INVALID_REQUEST' });
    });

    it('refuses a bad mobile before anything is sent', async () => {
      const recorder = new InteractionRecorder();
      await expect(
        adapter().startPayment(
          { recorder },
          {
            paymentId: 'p',
            reference: 'ORD-1',
            orderId: 'o',
            amount: Money.of(100n, 'SAR'),
            customer: { mobile: '123' },
            items: [{ name: 'x', quantity: 1, unitAmount: Money.of(100n, 'SAR') }],
          },
        ),
      ).rejects.toMatchObject({ code: 'GATEWAY.INVALID_REQUEST', details: { field: 'customer.mobile' } });
      expect(recorder.peek()).toHaveLength(0);
    });

    it('says what it supports and refuses the rest with GATEWAY.UNSUPPORTED', async () => {
      expect(MISPAY_CAPABILITIES).toMatchObject({ refund: true, partialRefund: true, updateOrderId: true, listRecords: false, payouts: false, cancel: false, currency: 'SAR' });
      const a = adapter();
      await expect(a.listRecords(ctx(), { from: new Date(), to: new Date() })).rejects.toMatchObject({ code: 'GATEWAY.UNSUPPORTED' });
      await expect(a.cancel(ctx(), attempt())).rejects.toMatchObject({ code: 'GATEWAY.UNSUPPORTED' });
      await expect(a.createBeneficiary()).rejects.toMatchObject({ code: 'GATEWAY.UNSUPPORTED' });
      await expect(a.initiateTransfer()).rejects.toMatchObject({ code: 'GATEWAY.UNSUPPORTED' });
      await expect(a.queryTransfer()).rejects.toMatchObject({ code: 'GATEWAY.UNSUPPORTED' });
      expect((await a.recoverCreate(ctx(), attempt())).failure?.code).toBe('create_lost');
    });
  });

  describe('schedules', () => {
    it('backs track-checkout off from 5 s, doubling to 3 minutes, resetting on change (D7)', () => {
      let delay = nextTrackCheckoutDelayMs(undefined, false);
      const seen = [delay];
      for (let i = 0; i < 8; i++) seen.push((delay = nextTrackCheckoutDelayMs(delay, false)));
      expect(seen).toEqual([5_000, 10_000, 20_000, 40_000, 80_000, 160_000, 180_000, 180_000, 180_000]);
      expect(nextTrackCheckoutDelayMs(TRACK_BACKOFF_MAX_MS, true)).toBe(TRACK_BACKOFF_INITIAL_MS);
    });

    it('retries end after 1, 2 and 4 s (D6)', () => {
      expect(END_RETRY_PLAN.delaysMs).toEqual([1_000, 2_000, 4_000]);
    });
  });
});
