import { isGatewayError } from '../port/gateway-error';
import type { InboundRequest } from '../port/gateway.types';
import { AlqasehAdapter, ALQASEH_CAPABILITIES } from './alqaseh.adapter';
import type { AlqasehConfig } from './alqaseh.config';
import { computePSign } from './alqaseh.signing';
import type { AlqasehWebhookFields } from './alqaseh.types';

const SECRET = 'whsec-unit-secret';
const config = (webhookSecret: string | undefined): AlqasehConfig => ({
  baseUrl: 'http://127.0.0.1:9/alqaseh/v1',
  payBaseUrl: 'http://127.0.0.1:9/alqaseh',
  clientId: 'public_test',
  clientSecret: 'client-secret-value',
  webhookSecret,
  tokenExpiryHours: 1,
  isSandbox: true,
});
const withSecret = (webhookSecret: string | undefined) =>
  new AlqasehAdapter({ config: config(webhookSecret), publicBaseUrl: 'http://merchant', now: () => new Date('2026-03-01T09:00:00Z') });
const adapter = () => withSecret(SECRET);
const unsigned = () => withSecret(undefined);

const fields: AlqasehWebhookFields = {
  amount: '25000',
  currency: 'IQD',
  terminal_id: 'SBX00001',
  order_id: 'AQ-REF-0001',
  trtype: 'Retail',
  rc: '00',
  approval: '123456',
  rrn: '503112345678',
  nonce: 'abcdef0123456789',
  timestamp: '20260301090000',
  payment_status: 'Success',
};
const signed = (f: AlqasehWebhookFields = fields) => ({ ...f, p_sign: computePSign(f, SECRET) });

const webhook = (body: unknown, overrides: Partial<InboundRequest> = {}): InboundRequest => ({
  kind: 'webhook',
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  query: {},
  body,
  rawBody: JSON.stringify(body),
  receivedAt: new Date(),
  ...overrides,
});
const ret = (query: InboundRequest['query'], method = 'GET'): InboundRequest => ({ kind: 'return', method, headers: {}, query, body: undefined, receivedAt: new Date() });

describe('AlqasehAdapter.parseInbound', () => {
  describe('return (D6)', () => {
    it('accepts the redirect unauthenticated, looking up by payment_id, status as a hint only', () => {
      const verdict = adapter().parseInbound(ret({ payment_id: 'pay_1', order_id: 'AQ-REF-0001', status: 'Success' }));
      expect(verdict).toMatchObject({
        accepted: true,
        authenticity: 'unauthenticated',
        lookup: { by: 'paymentId', value: 'pay_1' },
        claimed: { status: 'Success', outcome: 'paid' },
        refs: { paymentId: 'pay_1' },
        subject: 'payment',
        recorded: { method: 'GET', query: { payment_id: 'pay_1', order_id: 'AQ-REF-0001', status: 'Success' } },
      });
    });

    it('falls back to our reference (order_id) and gives the same dedupKey to the same return', () => {
      const first = adapter().parseInbound(ret({ order_id: 'AQ-REF-0001', status: 'Failed' }));
      const second = adapter().parseInbound(ret({ order_id: 'AQ-REF-0001', status: 'Failed' }));
      expect(first.lookup).toEqual({ by: 'reference', value: 'AQ-REF-0001' });
      expect(first.dedupKey).toBe(second.dedupKey);
      expect(adapter().parseInbound(ret({ order_id: 'AQ-REF-0001', status: 'Success' })).dedupKey).not.toBe(first.dedupKey);
    });

    it('refuses a POST, a return naming nothing, and repeated parameters', () => {
      expect(adapter().parseInbound(ret({ payment_id: 'p' }, 'POST')).rejection?.code).toBe('CALLBACK.METHOD_NOT_ALLOWED');
      expect(adapter().parseInbound(ret({ status: 'Success' })).rejection?.code).toBe('CALLBACK.INVALID');
      expect(adapter().parseInbound(ret({ payment_id: ['a', 'b'] })).rejection?.code).toBe('CALLBACK.INVALID');
    });
  });

  describe('webhook with a secret (D7, D8)', () => {
    it('verifies p_sign and looks up by our reference', () => {
      const verdict = adapter().parseInbound(webhook(signed()));
      expect(verdict).toMatchObject({
        accepted: true,
        authenticity: 'verified',
        lookup: { by: 'reference', value: 'AQ-REF-0001' },
        claimed: { status: 'Success', outcome: 'paid' },
        dedupKey: 'alqaseh:webhook:AQ-REF-0001:abcdef0123456789',
        subject: 'payment',
      });
      expect(verdict.claimed?.amount?.toString()).toBe('25000 IQD');
      expect(verdict.recorded).toMatchObject({ encoding: 'json', fields: { order_id: 'AQ-REF-0001', p_sign: expect.any(String) } });
    });

    it('verifies a JSON number amount and an upper-case signature', () => {
      const body = { ...signed(), amount: 25000 };
      body.p_sign = body.p_sign.toUpperCase();
      expect(adapter().parseInbound(webhook(body)).authenticity).toBe('verified');
    });

    it('verifies a form body', () => {
      const form = new URLSearchParams(signed() as Record<string, string>).toString();
      const verdict = adapter().parseInbound(webhook(undefined, { headers: { 'content-type': 'application/x-www-form-urlencoded' }, rawBody: form }));
      expect(verdict).toMatchObject({ accepted: true, authenticity: 'verified', recorded: { encoding: 'form' } });
    });

    it('refuses a missing or wrong p_sign as forged, before anything else', () => {
      const missing = adapter().parseInbound(webhook({ ...fields }));
      expect(missing).toMatchObject({ accepted: false, authenticity: 'forged', rejection: { code: 'CALLBACK.SIGNATURE_INVALID' } });
      const lying = adapter().parseInbound(webhook({ ...signed(), payment_status: 'Success', rc: '05' }));
      expect(lying).toMatchObject({ accepted: false, authenticity: 'forged', rejection: { code: 'CALLBACK.SIGNATURE_INVALID' } });
      expect(lying.lookup).toEqual({ by: 'reference', value: 'AQ-REF-0001' });
      const noOrder = adapter().parseInbound(webhook({ payment_status: 'Success' }));
      expect(noOrder.rejection?.code).toBe('CALLBACK.SIGNATURE_INVALID');
    });

    it('gives a replay (same order_id and nonce) the same dedupKey', () => {
      expect(adapter().parseInbound(webhook(signed())).dedupKey).toBe(adapter().parseInbound(webhook(signed())).dedupKey);
      const other = signed({ ...fields, nonce: 'another-nonce' });
      expect(adapter().parseInbound(webhook(other)).dedupKey).not.toBe(adapter().parseInbound(webhook(signed())).dedupKey);
    });

    it('dedups nonce-less notices by content', () => {
      const noNonce = { ...fields, nonce: undefined };
      const a = adapter().parseInbound(webhook(signed(noNonce)));
      const b = adapter().parseInbound(webhook(signed(noNonce)));
      const c = adapter().parseInbound(webhook(signed({ ...noNonce, payment_status: 'Failed' })));
      expect(a.accepted).toBe(true);
      expect(a.dedupKey).toBe(b.dedupKey);
      expect(a.dedupKey).not.toBe(c.dedupKey);
    });
  });

  describe('webhook without a secret', () => {
    it('records p_sign and ignores it', () => {
      const verdict = unsigned().parseInbound(webhook({ ...fields, p_sign: 'not-a-signature' }));
      expect(verdict).toMatchObject({ accepted: true, authenticity: 'not_checked', recorded: { fields: { p_sign: 'not-a-signature' } } });
    });

    it('still refuses a GET, an unreadable body and a missing order_id', () => {
      expect(unsigned().parseInbound(webhook(fields, { method: 'GET' })).rejection?.code).toBe('CALLBACK.METHOD_NOT_ALLOWED');
      expect(unsigned().parseInbound(webhook(undefined, { rawBody: '{nope' })).rejection?.code).toBe('CALLBACK.INVALID');
      expect(unsigned().parseInbound(webhook({ payment_status: 'Success' })).rejection?.code).toBe('CALLBACK.INVALID');
      expect(unsigned().parseInbound(webhook({ order_id: 'has space' })).rejection?.code).toBe('CALLBACK.INVALID');
    });

    it('keeps a non-integral amount out of the claim', () => {
      const verdict = unsigned().parseInbound(webhook({ ...fields, amount: 25000.5 }));
      expect(verdict.accepted).toBe(true);
      expect(verdict.claimed?.amount).toBeUndefined();
    });
  });
});

describe('AlqasehAdapter: what Al Qaseh does not offer', () => {
  it('declares its capabilities', () => {
    expect(ALQASEH_CAPABILITIES).toMatchObject({ refund: false, partialRefund: false, payouts: false, updateOrderId: false, cancel: true, listRecords: true, currency: 'IQD', inbound: { return: true, webhook: true } });
  });

  it.each(['refund', 'updateOrderId', 'createBeneficiary', 'initiateTransfer', 'queryTransfer'] as const)('%s throws GATEWAY.UNSUPPORTED', async (operation) => {
    const port = adapter() as unknown as Record<string, () => Promise<unknown>>;
    const error = await port[operation].call(port).catch((e: unknown) => e);
    expect(isGatewayError(error, 'GATEWAY.UNSUPPORTED')).toBe(true);
  });
});
