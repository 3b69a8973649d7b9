import { Money } from '@payledger/kernel';
import { InteractionRecorder } from '../http/interaction-recorder';
import { GatewayError } from '../port/gateway-error';
import { AttemptSnapshot, InboundRequest } from '../port/gateway.types';
import { AtipayAdapter } from './atipay.adapter';
import { AtipayClient, AtipayReply } from './atipay.client';
import { AtipayConfig } from './atipay.config';

/** The adapter with a fake client and a virtual clock: no I/O. */

const config: AtipayConfig = { baseUrl: 'https://mipg.example/v1', apiKey: 'unit-api-key-123', terminalId: 'T-1', abandonAfterMinutes: 40, isSandbox: false };

function harness(verifyReplies: Array<(nowMs: number) => AtipayReply | GatewayError>, tryDurationMs = 0) {
  let nowMs = Date.parse('2026-03-01T09:00:00Z');
  const started = nowMs;
  const tries: number[] = [];
  const client = {
    redirectToGatewayUrl: `${config.baseUrl}/redirect-to-gateway`,
    getToken: jest.fn(),
    verify: jest.fn(async () => {
      tries.push(nowMs - started);
      const next = verifyReplies.shift() ?? (() => new GatewayError('GATEWAY.TIMEOUT', 'timeout'));
      nowMs += tryDurationMs;
      const reply = next(nowMs);
      if (reply instanceof GatewayError) throw reply;
      return reply;
    }),
  } as unknown as AtipayClient;
  const adapter = new AtipayAdapter(
    {
      config,
      publicBaseUrl: 'https://payledger.example',
      now: () => new Date(nowMs),
      sleep: async (ms) => {
        nowMs += ms;
      },
    },
    client,
  );
  return { adapter, tries, client };
}

const timeout = () => new GatewayError('GATEWAY.TIMEOUT', 'no answer');
const attempt = (): AttemptSnapshot => ({
  reference: 'R-1',
  paymentId: 'p',
  amount: Money.of(1000, 'IRR'),
  createdAt: new Date('2026-03-01T09:00:00Z'),
  outcome: 'pending',
  refs: { invoiceNumber: 'R-1' },
  orderId: 'o',
});

function okCallback(adapter: AtipayAdapter, extra: Record<string, string> = {}) {
  const fields = { state: 'OK', status: '2', reservationNumber: 'R-1', referenceNumber: 'A'.repeat(50), terminalId: 'T-1', ...extra };
  const request: InboundRequest = {
    kind: 'return',
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    query: {},
    body: fields,
    rawBody: new URLSearchParams(fields).toString(),
    receivedAt: new Date(),
  };
  return adapter.parseInbound(request);
}

describe('AtipayAdapter verify retries (D6)', () => {
  it('fast failures: tries at 0, 2, 5, 10, 20 and 40 s, then unknown', async () => {
    const { adapter, tries } = harness([]);
    const ctx = { recorder: new InteractionRecorder() };
    const result = await adapter.confirm(ctx, attempt(), { trigger: 'return', inbound: okCallback(adapter) });
    expect(tries).toEqual([0, 2000, 5000, 10000, 20000, 40000]);
    expect(result).toMatchObject({ outcome: 'unknown', retryAfterMs: 120_000, refs: { referenceNumber: 'A'.repeat(50), terminalId: 'T-1' } });
  });

  it('15 s timeouts: no try starts after the 60 s budget', async () => {
    const { adapter, tries } = harness([timeout, timeout, timeout, timeout, timeout, timeout], 15_000);
    const result = await adapter.confirm({ recorder: new InteractionRecorder() }, attempt(), { trigger: 'return', inbound: okCallback(adapter) });
    expect(tries).toEqual([0, 15_000, 30_000, 45_000, 60_000]);
    expect(result.outcome).toBe('unknown');
  });

  it('stops at the first real answer', async () => {
    const { adapter, tries } = harness([timeout, () => ({ httpStatus: 200, body: { amount: 1000 } })]);
    const result = await adapter.confirm({ recorder: new InteractionRecorder() }, attempt(), { trigger: 'return', inbound: okCallback(adapter) });
    expect(tries).toEqual([0, 2000]);
    expect(result).toMatchObject({ outcome: 'paid', gatewayAmount: Money.of(1000, 'IRR'), refs: { decidedBy: 'verify' } });
  });

  it('an unreadable answer is not repeated: unknown at once', async () => {
    const { adapter, tries } = harness([() => new GatewayError('GATEWAY.BAD_RESPONSE', 'html')]);
    const result = await adapter.confirm({ recorder: new InteractionRecorder() }, attempt(), { trigger: 'return', inbound: okCallback(adapter) });
    expect(tries).toEqual([0]);
    expect(result.outcome).toBe('unknown');
  });

  it('auth errors are not retried and surface', async () => {
    const { adapter, tries } = harness([() => new GatewayError('GATEWAY.AUTH_FAILED', 'nope')]);
    await expect(adapter.confirm({ recorder: new InteractionRecorder() }, attempt(), { trigger: 'return', inbound: okCallback(adapter) })).rejects.toMatchObject({
      code: 'GATEWAY.AUTH_FAILED',
    });
    expect(tries).toEqual([0]);
  });

  it('a callback for another attempt is refused before any call', async () => {
    const { adapter, client } = harness([]);
    await expect(adapter.confirm({ recorder: new InteractionRecorder() }, { ...attempt(), reference: 'R-2' }, { trigger: 'return', inbound: okCallback(adapter) })).rejects.toMatchObject({
      code: 'GATEWAY.INVALID_REQUEST',
    });
    expect(client.verify).not.toHaveBeenCalled();
  });
});

describe('AtipayAdapter.parseInbound', () => {
  const { adapter } = harness([]);
  const post = (fields: Record<string, string> | string, extra: Partial<InboundRequest> = {}): InboundRequest => ({
    kind: 'return',
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
    query: {},
    body: undefined,
    rawBody: typeof fields === 'string' ? fields : new URLSearchParams(fields).toString(),
    receivedAt: new Date(),
    ...extra,
  });
  const ok = { state: 'OK', status: '2', reservationNumber: 'R-1', referenceNumber: 'A'.repeat(50), terminalId: 'T-1' };

  it('reads an already parsed body when there is no raw body', () => {
    const verdict = adapter.parseInbound(post('', { body: ok }));
    expect(verdict).toMatchObject({ accepted: true, lookup: { by: 'reference', value: 'R-1' }, refs: { referenceNumber: 'A'.repeat(50), terminalId: 'T-1' } });
  });

  it.each([
    ['a repeated field with two values', 'state=OK&status=2&status=3&reservationNumber=R-1&referenceNumber=x&terminalId=T-1'],
    ['an over-long field', new URLSearchParams({ ...ok, traceNumber: 'x'.repeat(300) }).toString()],
    ['an over-long referenceNumber', new URLSearchParams({ ...ok, referenceNumber: 'A'.repeat(65) }).toString()],
    ['an empty body', ''],
  ])('refuses %s as CALLBACK.INVALID', (_name, raw) => {
    expect(adapter.parseInbound(post(raw)).rejection?.code).toBe('CALLBACK.INVALID');
  });

  it('refuses webhooks and non-POST methods', () => {
    expect(adapter.parseInbound(post(ok, { kind: 'webhook' })).rejection?.code).toBe('CALLBACK.INVALID');
    expect(adapter.parseInbound(post(ok, { method: 'PUT' })).rejection?.code).toBe('CALLBACK.METHOD_NOT_ALLOWED');
  });

  it('a refused callback still names the invoice it claims, so it is recorded on that payment; an implausible claim names none', () => {
    expect(adapter.parseInbound(post({ state: 'OK', reservationNumber: 'R-1' })).lookup).toEqual({ by: 'reference', value: 'R-1' });
    expect(adapter.parseInbound(post('', { method: 'GET', rawBody: undefined, query: { reservationNumber: 'R-1' } })).lookup).toEqual({ by: 'reference', value: 'R-1' });
    expect(adapter.parseInbound(post('', { headers: { 'content-type': 'application/json' }, rawBody: undefined, body: ok })).lookup).toEqual({ by: 'reference', value: 'R-1' });
    expect(adapter.parseInbound(post({ state: 'OK', reservationNumber: 'not a reference!' })).lookup).toBeUndefined();
  });

  it('dedupKey is equal for a reposted form and differs for another state or referenceNumber', () => {
    const a = adapter.parseInbound(post(ok)).dedupKey;
    expect(adapter.parseInbound(post(ok)).dedupKey).toBe(a);
    expect(adapter.parseInbound(post({ ...ok, referenceNumber: 'B'.repeat(50) })).dedupKey).not.toBe(a);
    expect(adapter.parseInbound(post({ state: 'CanceledByUser', status: '1', reservationNumber: 'R-1' })).dedupKey).not.toBe(a);
  });

  it('records every field, masking card numbers and tokens and dropping the api key', () => {
    const verdict = adapter.parseInbound(
      post({ ...ok, maskedPan: '6037991234561234', token: '0123456789abcdef', apiKey: 'unit-api-key-123', extra: 'kept', terminalId: 'T-9' }),
    );
    expect(verdict.refs?.maskedPan).toBe('603799******1234');
    expect(verdict.recorded.fields).toMatchObject({ maskedPan: '603799******1234', token: '…abcdef', apiKey: '[REDACTED]', extra: 'kept' });
    expect(verdict.recorded.anomalies).toEqual(['terminal_mismatch']);
    expect(JSON.stringify(verdict.recorded)).not.toContain('unit-api-key-123');
  });

  it('records the raw pair of an unknown state/status and claims failed', () => {
    const verdict = adapter.parseInbound(post({ state: 'Weird', status: '77', reservationNumber: 'R-1' }));
    expect(verdict).toMatchObject({ accepted: true, claimed: { outcome: 'failed', status: 'Weird/77' }, recorded: { anomalies: ['unknown_state_status_pair'] } });
  });
});
