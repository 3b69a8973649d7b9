import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SANDBOX_CREDENTIALS } from '@payledger/config';
import type { NewEvent } from '@payledger/event-store';
import { InteractionRecorder, isGatewayError } from '@payledger/gateways';
import type { AttemptSnapshot, InboundVerdict } from '@payledger/gateways';
import { Money } from '@payledger/kernel';
import { AlqasehAdapter, ALQASEH_CREATE_LOOKUP_DELAYS_MS } from '../../libs/gateways/src/alqaseh';
import { createAlqasehDriver } from '../gateways/alqaseh.driver';
import { assertNoSecrets, runGatewayScenarioSuite } from '../gateways/scenarios';
import { redirectAsCaptured, toInbound } from '../support/sandbox';

const { clientId, clientSecret } = SANDBOX_CREDENTIALS.alqaseh;
const TEST_PAN = '5341432900077803';

runGatewayScenarioSuite(() => createAlqasehDriver());

describe('alqaseh adapter decisions', () => {
  const driver = createAlqasehDriver();
  /** Every event recorded in this block, for the redaction scan at the end. */
  const allEvents: NewEvent[] = [];
  /** Every page token handed out, which events may keep only as a tail. */
  const tokens = new Set<string>();

  beforeAll(() => driver.setup());
  afterAll(() => driver.teardown());

  const recorder = () => {
    const r = driver.recorder();
    const drain = r.drain.bind(r);
    r.drain = () => {
      const events = drain();
      allEvents.push(...events);
      return events;
    };
    return r;
  };
  const ctxOf = (r: InteractionRecorder) => ({ recorder: r });
  const tokenOf = (url: string) => decodeURIComponent(url.split('/pay/')[1]);
  const sandboxState = async () => (await driver.sandbox.control('GET', '/alqaseh/state')).body.state.contexts as Array<Record<string, any>>;
  const contextOf = async (paymentId: string) => (await sandboxState()).find((c) => c.payment_id === paymentId)!;
  const logged = async (pathPart: string, method?: string) =>
    ((await driver.sandbox.control('GET', `/requests?gateway=alqaseh&direction=in&path=${encodeURIComponent(pathPart)}`)).body.requests as Array<Record<string, any>>).filter(
      (r) => method === undefined || r.method === method,
    );
  async function startPaid(adapter: AlqasehAdapter, r: InteractionRecorder, scenario: Record<string, unknown> = { outcome: 'pay' }) {
    const reference = driver.reference();
    await driver.scenario({ reference, webhook: { drop: true }, ...scenario });
    const driven = await driver.start(adapter, r, reference);
    tokens.add(tokenOf(driven.started.redirect!.url));
    const visit = await driver.visitPage(driven.started.redirect!.url);
    return { ...driven, visit, reference };
  }

  describe('D4 create', () => {
    it('sends the body exactly, with Basic auth, and keeps only the token tail in refs and events', async () => {
      const r = recorder();
      const adapter = driver.adapter();
      const { started, attempt } = await driver.start(adapter, r);
      const token = tokenOf(started.redirect!.url);
      tokens.add(token);
      expect(started).toMatchObject({
        outcome: 'pending',
        redirect: { method: 'GET', url: `${driver.sandbox.url}/alqaseh/pay/${token}` },
        refs: { paymentId: expect.stringMatching(/^pay_/), orderId: attempt.reference, tokenTail: token.slice(-6) },
      });
      expect(started.expiresAt?.getTime()).toBe(attempt.createdAt.getTime() + 3_600_000);

      const [create] = await logged('/egw/payments/create', 'POST');
      const body = JSON.parse((await logged('/egw/payments/create', 'POST')).find((e) => JSON.parse(e.body).order_id === attempt.reference)!.body);
      expect(create.headers.authorization).toBe('Basic [redacted]');
      expect(body).toEqual({
        amount: 25000,
        currency: 'IQD',
        order_id: attempt.reference,
        description: 'Sandbox order',
        redirect_url: `${driver.capture.url}/callbacks/alqaseh`,
        webhook_url: `${driver.capture.url}/webhooks/alqaseh`,
        transaction_type: 'Retail',
        token_expiry_in_hour: 1,
        custom_data: { attemptRef: attempt.reference, paymentRef: attempt.paymentId },
        email: 'buyer@example.iq',
        country: 'IQ',
      });

      const events = r.drain();
      const sent = events.find((e) => e.type === 'GatewayRequestSent')!.data as Record<string, any>;
      expect(sent.headers.authorization).toBe('[REDACTED]');
      expect(sent.operation).toBe('create');
      const received = events.find((e) => e.type === 'GatewayResponseReceived')!.data as Record<string, any>;
      expect(received.httpStatus).toBe(201);
      expect(received.body.token).toBe(`…${token.slice(-6)}`);
      expect(JSON.stringify(events)).not.toContain(token);
    });

    it('accepts 200 as well as 201', async () => {
      driver.sandbox.sandbox.contexts.alqaseh!.options.createStatus = 200;
      try {
        const r = recorder();
        const { started } = await driver.start(driver.adapter(), r);
        tokens.add(tokenOf(started.redirect!.url));
        expect(started.outcome).toBe('pending');
        r.drain();
      } finally {
        delete driver.sandbox.sandbox.contexts.alqaseh!.options.createStatus;
      }
    });

    it('a refused create is failed with the gateway code; a 401 is a configuration error', async () => {
      const r = recorder();
      // The simulator caps token_expiry_in_hour at 720: a 400 invalid_request.
      const refused = await driver.start(driver.adapter({ config: { tokenExpiryHours: 1000 } }), r);
      expect(refused.started).toMatchObject({ outcome: 'failed', failure: { code: 'GATEWAY.INVALID_REQUEST', gatewayCode: 'invalid_request' } });
      const error = await driver.start(driver.adapter({ config: { clientSecret: 'not-the-secret' } }), r).catch((e: unknown) => e);
      expect(isGatewayError(error, 'GATEWAY.AUTH_FAILED')).toBe(true);
      expect((error as { retrySafe: boolean }).retrySafe).toBe(false);
      assertNoSecrets(r.drain(), ['not-the-secret', clientSecret]);
    });
  });

  describe('D5 create timeout: look up, never re-POST', () => {
    it('commit-then-drop: create_unknown, then the lookup adopts the context and its page', async () => {
      const r = recorder();
      const adapter = driver.adapter();
      await driver.fault({ endpoint: 'create', kind: 'commit-then-drop', count: 1 });
      const driven = await driver.start(adapter, r);
      expect(driven.started).toMatchObject({ outcome: 'create_unknown', refs: { orderId: driven.attempt.reference } });
      await driver.sandbox.clock.advance(ALQASEH_CREATE_LOOKUP_DELAYS_MS[0]);
      const recovered = await adapter.recoverCreate(ctxOf(r), { ...driven.attempt, outcome: 'create_unknown' });
      const [context] = (await sandboxState()).filter((c) => c.order_id === driven.attempt.reference);
      tokens.add(context.token);
      expect(recovered).toMatchObject({
        outcome: 'pending',
        redirect: { method: 'GET', url: `${driver.sandbox.url}/alqaseh/pay/${context.token}` },
        refs: { paymentId: context.payment_id, orderId: driven.attempt.reference, tokenTail: context.token.slice(-6) },
      });
      // A second POST would have made a second (duplicated) context for the order_id.
      expect((await sandboxState()).filter((c) => c.order_id === driven.attempt.reference)).toHaveLength(1);
      const lookups = await logged(`/egw/payments/history?order_id=${driven.attempt.reference}`);
      expect(lookups.length).toBeGreaterThanOrEqual(1);
      expect((await driver.visitPage(recovered.redirect!.url)).status).toBe(200);
      const events = r.drain();
      expect(events.some((e) => e.type === 'GatewayRequestFailed' && (e.data as { reason: string }).reason === 'network')).toBe(true);
      expect(JSON.stringify(events)).not.toContain(context.token);
    });

    it('an unreadable 2xx is treated like no answer, and recovered', async () => {
      const r = recorder();
      const adapter = driver.adapter();
      await driver.fault({ endpoint: 'create', kind: 'garbage', count: 1 });
      const driven = await driver.start(adapter, r);
      expect(driven.started).toMatchObject({ outcome: 'create_unknown', failure: { code: 'GATEWAY.BAD_RESPONSE' } });
      const recovered = await adapter.recoverCreate(ctxOf(r), driven.attempt);
      expect(recovered.outcome).toBe('pending');
      tokens.add(tokenOf(recovered.redirect!.url));
      r.drain();
    });

    it('5xx: not found at +10 s stays create_unknown, not found at +60 s is failed (create_lost)', async () => {
      const r = recorder();
      const adapter = driver.adapter();
      await driver.fault({ endpoint: 'create', kind: '5xx', count: 1 });
      const driven = await driver.start(adapter, r);
      expect(driven.started.outcome).toBe('create_unknown');
      await driver.sandbox.clock.advance(ALQASEH_CREATE_LOOKUP_DELAYS_MS[0]);
      expect((await adapter.recoverCreate(ctxOf(r), driven.attempt)).outcome).toBe('create_unknown');
      await driver.sandbox.clock.advance(ALQASEH_CREATE_LOOKUP_DELAYS_MS[1] - ALQASEH_CREATE_LOOKUP_DELAYS_MS[0]);
      expect(await adapter.recoverCreate(ctxOf(r), driven.attempt)).toMatchObject({ outcome: 'failed', failure: { code: 'create_lost' } });
      r.drain();
    });
  });

  describe('D6 return and D7/D8 webhook', () => {
    it('a return whose status lies is decided by the re-query', async () => {
      const r = recorder();
      const adapter = driver.adapter();
      const { attempt, visit, started } = await startPaid(adapter, r, { outcome: 'decline', redirect: { statusLies: true } });
      const verdict = adapter.parseInbound(toInbound('return', redirectAsCaptured(visit.location!)));
      expect(verdict).toMatchObject({ accepted: true, claimed: { status: 'Success', outcome: 'paid' }, lookup: { by: 'paymentId', value: started.refs.paymentId } });
      const result = await adapter.confirm(ctxOf(r), attempt, { trigger: 'return', inbound: verdict });
      expect(result).toMatchObject({ outcome: 'failed', gatewayStatus: 'declined', refs: { paymentId: started.refs.paymentId } });
      r.drain();
    });

    it('a verified webhook is still re-queried; status-lies ends failed', async () => {
      const r = recorder();
      const adapter = driver.adapter();
      const reference = driver.reference();
      await driver.scenario({ reference, outcome: 'decline', webhook: { statusLies: true } });
      const driven = await driver.start(adapter, r, reference);
      tokens.add(tokenOf(driven.started.redirect!.url));
      await driver.visitPage(driven.started.redirect!.url);
      await driver.waitFor(() => driver.webhooksFor(reference).length === 1, 'webhook');
      const verdict = adapter.parseInbound(toInbound('webhook', driver.webhooksFor(reference)[0]));
      expect(verdict).toMatchObject({ accepted: true, authenticity: 'verified', claimed: { outcome: 'paid' }, lookup: { by: 'reference', value: reference } });
      expect((await adapter.confirm(ctxOf(r), driven.attempt, { trigger: 'webhook', inbound: verdict })).outcome).toBe('failed');
      r.drain();
    });

    it('without a stored payment_id the webhook confirm looks the order_id up in history', async () => {
      const r = recorder();
      const adapter = driver.adapter();
      const { attempt } = await startPaid(adapter, r);
      const { paymentId: _dropped, ...refs } = attempt.refs;
      const result = await adapter.confirm(ctxOf(r), { ...attempt, refs }, { trigger: 'webhook' });
      expect(result).toMatchObject({ outcome: 'paid', refs: { paymentId: attempt.refs.paymentId } });
      expect(result.gatewayAmount?.equals(Money.of(25000n, 'IQD'))).toBe(true);
      const events = r.drain();
      expect(events.some((e) => e.type === 'GatewayRequestSent' && (e.data as { url: string }).url.includes(`history?order_id=${attempt.reference}`))).toBe(true);
    });

    it.each([
      ['badSignature', { badSignature: true }],
      ['noSignature', { noSignature: true }],
    ])('%s → CALLBACK.SIGNATURE_INVALID, forged', async (_label, webhook) => {
      const r = recorder();
      const adapter = driver.adapter();
      const reference = driver.reference();
      await driver.scenario({ reference, outcome: 'pay', webhook });
      const driven = await driver.start(adapter, r, reference);
      tokens.add(tokenOf(driven.started.redirect!.url));
      await driver.visitPage(driven.started.redirect!.url);
      await driver.waitFor(() => driver.webhooksFor(reference).length === 1, 'webhook');
      const verdict = adapter.parseInbound(toInbound('webhook', driver.webhooksFor(reference)[0]));
      expect(verdict).toMatchObject({ accepted: false, authenticity: 'forged', rejection: { code: 'CALLBACK.SIGNATURE_INVALID' } });
      r.drain();
    });

    it('form webhooks verify; repeats are replays (same dedupKey)', async () => {
      const adapter = driver.adapter();
      const r = recorder();
      const reference = driver.reference();
      await driver.scenario({ reference, outcome: 'pay', webhook: { form: true, repeat: 3 } });
      const driven = await driver.start(adapter, r, reference);
      tokens.add(tokenOf(driven.started.redirect!.url));
      await driver.visitPage(driven.started.redirect!.url);
      await driver.waitFor(() => driver.webhooksFor(reference).length === 3, 'three webhooks');
      const verdicts: InboundVerdict[] = driver.webhooksFor(reference).map((c) => adapter.parseInbound(toInbound('webhook', c)));
      expect(verdicts.every((v) => v.accepted && v.authenticity === 'verified' && v.recorded.encoding === 'form')).toBe(true);
      expect(new Set(verdicts.map((v) => v.dedupKey)).size).toBe(1);
      r.drain();
    });

    it('with no webhook secret configured, p_sign is recorded and ignored', async () => {
      const r = recorder();
      const adapter = driver.adapter({ config: { webhookSecret: undefined } });
      const reference = driver.reference();
      await driver.scenario({ reference, outcome: 'pay', webhook: { badSignature: true } });
      const driven = await driver.start(adapter, r, reference);
      tokens.add(tokenOf(driven.started.redirect!.url));
      await driver.visitPage(driven.started.redirect!.url);
      await driver.waitFor(() => driver.webhooksFor(reference).length === 1, 'webhook');
      const verdict = adapter.parseInbound(toInbound('webhook', driver.webhooksFor(reference)[0]));
      expect(verdict).toMatchObject({ accepted: true, authenticity: 'not_checked', recorded: { fields: { p_sign: expect.any(String) } } });
      expect((await adapter.confirm(ctxOf(r), driven.attempt, { trigger: 'webhook', inbound: verdict })).outcome).toBe('paid');
      r.drain();
    });
  });

  describe('D9 outcomes', () => {
    it('expired after the token lifetime, with no further poll', async () => {
      const r = recorder();
      const adapter = driver.adapter();
      const reference = driver.reference();
      await driver.scenario({ reference, outcome: 'timeout' });
      const driven = await driver.start(adapter, r, reference);
      tokens.add(tokenOf(driven.started.redirect!.url));
      const open = await adapter.inquire(ctxOf(r), driven.attempt);
      expect(open).toMatchObject({ outcome: 'pending', gatewayStatus: 'prepared', retryAfterMs: 60_000 });
      await driver.sandbox.clock.advance(3_600_000);
      const expired = await adapter.inquire(ctxOf(r), driven.attempt);
      expect(expired).toMatchObject({ outcome: 'expired', gatewayStatus: 'expired' });
      expect(expired.retryAfterMs).toBeUndefined();
      r.drain();
    });

    it('a reused order_id (duplicated) is unknown with an alert', async () => {
      const r = recorder();
      const adapter = driver.adapter();
      const first = await driver.start(adapter, r);
      const second = await driver.start(adapter, r, first.attempt.reference);
      tokens.add(tokenOf(first.started.redirect!.url));
      tokens.add(tokenOf(second.started.redirect!.url));
      const result = await adapter.inquire(ctxOf(r), second.attempt);
      expect(result).toMatchObject({ outcome: 'unknown', gatewayStatus: 'duplicated' });
      expect(result.detail).toMatch(/ALERT .*duplicated/);
      r.drain();
    });

    it('D12: a fractional amount from the gateway is a discrepancy, never paid', async () => {
      const r = recorder();
      const adapter = driver.adapter();
      const { attempt } = await startPaid(adapter, r, { outcome: 'pay', wrongAmount: 0.5 });
      const result = await adapter.inquire(ctxOf(r), attempt);
      expect(result.outcome).toBe('amount_mismatch');
      expect(result.detail).toMatch(/not a whole IQD/);
      expect(result.gatewayAmount).toBeUndefined();
      r.drain();
    });

    it('an unknown status word is unknown, polled', async () => {
      const r = recorder();
      const adapter = driver.adapter();
      const { attempt } = await startPaid(adapter, r);
      await driver.fault({ endpoint: 'payment', kind: 'unknown-status', count: 1 });
      const result = await adapter.inquire(ctxOf(r), attempt);
      expect(result).toMatchObject({ outcome: 'unknown', gatewayStatus: 'mystery_status' });
      expect(result.retryAfterMs).toBeGreaterThan(0);
      r.drain();
    });
  });

  describe('D3/D11 cancel = revoke', () => {
    it('revokes an open context', async () => {
      const r = recorder();
      const adapter = driver.adapter();
      const { attempt, started } = await driver.start(adapter, r);
      tokens.add(tokenOf(started.redirect!.url));
      expect(await adapter.cancel(ctxOf(r), attempt)).toMatchObject({ outcome: 'canceled', refs: { paymentId: started.refs.paymentId } });
      expect((await contextOf(started.refs.paymentId)).payment_status).toBe('revoked');
      r.drain();
    });

    it('a paid context is not revoked: the success is returned for the payment flow to adopt', async () => {
      const r = recorder();
      const adapter = driver.adapter();
      const { attempt } = await startPaid(adapter, r);
      const revokesBefore = (await logged('/egw/payments/revoke', 'POST')).length;
      const result = await adapter.cancel(ctxOf(r), attempt);
      expect(result.outcome).toBe('paid');
      expect((await logged('/egw/payments/revoke', 'POST')).length).toBe(revokesBefore);
      r.drain();
    });

    it.each([
      ['5xx', 'pending', 'prepared'],
      ['timeout', 'pending', 'prepared'],
      ['unknown-status', 'canceled', 'revoked'],
    ])('a revoke answered with %s is settled by a re-query (%s)', async (kind, outcome, status) => {
      const r = recorder();
      const adapter = driver.adapter({ timeoutsMs: { revoke: 300 } });
      const { attempt, started } = await driver.start(adapter, r);
      tokens.add(tokenOf(started.redirect!.url));
      await driver.fault({ endpoint: 'revoke', kind, count: 1, delayMs: 5_000 });
      const revokesBefore = (await logged('/egw/payments/revoke', 'POST')).length;
      const result = await adapter.cancel(ctxOf(r), attempt);
      expect(result.outcome).toBe(outcome);
      expect(result.detail).toMatch(/re-query/);
      expect((await contextOf(started.refs.paymentId)).payment_status).toBe(status);
      // Never repeated blindly: one revoke POST.
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect((await logged('/egw/payments/revoke', 'POST')).length).toBeLessThanOrEqual(revokesBefore + 1);
      r.drain();
    });

    it('a 401 on revoke is a configuration error', async () => {
      const r = recorder();
      const adapter = driver.adapter();
      const { attempt, started } = await driver.start(adapter, r);
      tokens.add(tokenOf(started.redirect!.url));
      await driver.fault({ endpoint: 'revoke', kind: '401', count: 1 });
      const error = await adapter.cancel(ctxOf(r), attempt).catch((e: unknown) => e);
      expect(isGatewayError(error, 'GATEWAY.AUTH_FAILED')).toBe(true);
      r.drain();
    });
  });

  describe('the gateway /retry and info (ops, not the payment flow)', () => {
    it('retry gives a new payment_id and token under the same order_id; events keep token tails only', async () => {
      const r = recorder();
      const adapter = driver.adapter();
      const { attempt, started } = await startPaid(adapter, r, { outcome: 'decline' });
      const retried = await adapter.wire.retry(ctxOf(r), started.refs.paymentId, 'ops retry');
      tokens.add(retried.token);
      expect(retried.payment_id).not.toBe(started.refs.paymentId);
      expect(retried.payment_status).toBe('retried');
      expect((await contextOf(retried.payment_id)).order_id).toBe(attempt.reference);
      const info = await adapter.wire.info(ctxOf(r), retried.token);
      expect(info).toMatchObject({ amountText: '25000', currency: 'IQD', payment_status: 'retried' });
      // Webhook lookups use the newest payment_id once it is stored.
      const newest = await adapter.inquire(ctxOf(r), { ...attempt, refs: { ...attempt.refs, paymentId: retried.payment_id } });
      expect(newest).toMatchObject({ outcome: 'pending', gatewayStatus: 'retried' });
      const events = r.drain();
      expect(JSON.stringify(events)).not.toContain(retried.token);
    });
  });

  describe('D13 listRecords', () => {
    it('pages history with from/to, limit 100, offset steps of 100, ascending by created_at', async () => {
      await driver.sandbox.control('POST', '/reset');
      const from = driver.sandbox.clock.now();
      const basic = `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`;
      const references: string[] = [];
      const BATCH = 25;
      for (let batch = 0; batch < 205 / BATCH + 1; batch++) {
        const size = Math.min(BATCH, 205 - references.length);
        if (size <= 0) break;
        await Promise.all(
          Array.from({ length: size }, () => {
            const reference = driver.reference();
            references.push(reference);
            return fetch(`${driver.sandbox.url}/alqaseh/v1/egw/payments/create`, {
              method: 'POST',
              headers: { authorization: basic, 'content-type': 'application/json' },
              body: JSON.stringify({ amount: 1000, currency: 'IQD', order_id: reference, description: 'bulk', redirect_url: `${driver.capture.url}/callbacks/alqaseh`, transaction_type: 'Retail' }),
            }).then((res) => res.text());
          }),
        );
        await driver.sandbox.clock.advance(1_000);
      }
      const to = driver.sandbox.clock.now();
      // Outside the window: not listed.
      await driver.start(driver.adapter(), recorder()).then((d) => tokens.add(tokenOf(d.started.redirect!.url)));

      const r = recorder();
      const adapter = driver.adapter();
      const seen: string[] = [];
      let cursor: string | undefined;
      const pageSizes: number[] = [];
      for (let pageNo = 0; pageNo < 10; pageNo++) {
        const page = await adapter.listRecords(ctxOf(r), { from, to, cursor });
        pageSizes.push(page.records.length);
        seen.push(...page.records.map((record) => record.reference));
        cursor = page.nextCursor;
        if (!cursor) break;
      }
      expect(pageSizes).toEqual([100, 100, 5]);
      expect(seen).toHaveLength(new Set(seen).size);
      expect(new Set(seen)).toEqual(new Set(references));
      const record = (await adapter.listRecords(ctxOf(r), { from, to })).records[0];
      expect(record).toMatchObject({ outcome: 'pending', gatewayStatus: 'prepared', refs: { paymentId: expect.stringMatching(/^pay_/) } });
      expect(record.amount?.equals(Money.of(1000n, 'IQD'))).toBe(true);

      const urls = r
        .drain()
        .filter((e) => e.type === 'GatewayRequestSent')
        .map((e) => new URL((e.data as { url: string }).url));
      expect(urls.slice(0, 3).map((u) => u.searchParams.get('offset'))).toEqual(['0', '100', '200']);
      for (const url of urls) {
        expect(Object.fromEntries(url.searchParams)).toMatchObject({ limit: '100', order_by: 'asc', order_field: 'created_at', from: from.toISOString(), to: to.toISOString() });
      }
      const bad = await adapter.listRecords(ctxOf(r), { from, to, cursor: 'abc' }).catch((e: unknown) => e);
      expect(isGatewayError(bad, 'GATEWAY.INVALID_REQUEST')).toBe(true);
    });
  });

  describe('D15 retries', () => {
    it('GETs are retried on 5xx after 1, 2 and 4 s (slept, not waited)', async () => {
      const r = recorder();
      const slept: number[] = [];
      const adapter = driver.adapter({ sleep: async (ms) => void slept.push(ms) });
      const { attempt } = await startPaid(adapter, r);
      await driver.fault({ endpoint: 'payment', kind: '5xx', count: 3 });
      expect((await adapter.inquire(ctxOf(r), attempt)).outcome).toBe('paid');
      expect(slept).toHaveLength(3);
      [1000, 2000, 4000].forEach((base, i) => {
        expect(slept[i]).toBeGreaterThanOrEqual(base * 0.9);
        expect(slept[i]).toBeLessThanOrEqual(base * 1.1);
      });
      const attempts = r
        .drain()
        .filter((e) => e.type === 'GatewayRequestSent' && (e.data as { operation: string }).operation === 'get-payment')
        .map((e) => (e.data as { attempt: number }).attempt);
      expect(attempts).toEqual([1, 2, 3, 4]);
    });

    it('a 401 is not retried', async () => {
      const r = recorder();
      const adapter = driver.adapter();
      const { attempt } = await startPaid(adapter, r);
      r.drain();
      // One queued 401: a retry would get through and be seen.
      await driver.fault({ endpoint: 'payment', kind: '401', count: 1 });
      const error = await adapter.inquire(ctxOf(r), attempt).catch((e: unknown) => e);
      expect(isGatewayError(error, 'GATEWAY.AUTH_FAILED')).toBe(true);
      expect(r.drain().filter((e) => e.type === 'GatewayRequestSent')).toHaveLength(1);
    });
  });

  describe('bad responses', () => {
    it.each(['garbage', 'html', 'empty', 'wrong-content-type'])('%s from the re-query → GATEWAY.BAD_RESPONSE, recorded, not retried', async (kind) => {
      const r = recorder();
      const adapter = driver.adapter();
      const { attempt } = await startPaid(adapter, r);
      r.drain();
      await driver.fault({ endpoint: 'payment', kind, count: 1 });
      const error = await adapter.inquire(ctxOf(r), attempt).catch((e: unknown) => e);
      expect(isGatewayError(error, 'GATEWAY.BAD_RESPONSE')).toBe(true);
      const events = r.drain();
      expect(events.filter((e) => e.type === 'GatewayRequestSent')).toHaveLength(1);
      expect(events.some((e) => e.type === 'GatewayRequestFailed' && (e.data as { reason: string }).reason === 'malformed')).toBe(true);
    });

    it('garbage from history makes listRecords fail with GATEWAY.BAD_RESPONSE', async () => {
      const r = recorder();
      await driver.fault({ endpoint: 'history', kind: 'html', count: 1 });
      const error = await driver
        .adapter()
        .listRecords(ctxOf(r), { from: new Date(0), to: new Date() })
        .catch((e: unknown) => e);
      expect(isGatewayError(error, 'GATEWAY.BAD_RESPONSE')).toBe(true);
      r.drain();
    });

    describe('against a server that answers nonsense', () => {
      let server: http.Server;
      let url: string;
      let answer: { status: number; type: string; body: string } = { status: 200, type: 'application/json', body: '{}' };
      beforeAll(async () => {
        server = http.createServer((req, res) => {
          req.resume();
          req.on('end', () => res.writeHead(answer.status, { 'content-type': answer.type }).end(answer.body));
        });
        await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
        url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      });
      afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

      const attempt = (): AttemptSnapshot => ({
        reference: 'AQ-NONSENSE-1',
        paymentId: 'pay-n',
        amount: Money.of(25000n, 'IQD'),
        createdAt: new Date(),
        outcome: 'pending',
        refs: { paymentId: 'pay_x', orderId: 'AQ-NONSENSE-1' },
        orderId: 'ORD-N',
      });
      const nonsenseAdapter = () => new AlqasehAdapter({ config: { ...driver.config(), baseUrl: url }, publicBaseUrl: 'http://merchant', now: () => new Date(), sleep: async () => undefined, timeoutsMs: { default: 1000 } });

      it.each([
        [{ status: 200, type: 'application/json', body: '{}' }, 'create_unknown'],
        [{ status: 200, type: 'application/json', body: '{"payment_id":"p","token":""}' }, 'create_unknown'],
        [{ status: 200, type: 'text/html', body: '<html>hi</html>' }, 'create_unknown'],
        [{ status: 502, type: 'text/html', body: '<html>Bad gateway</html>' }, 'create_unknown'],
        [{ status: 404, type: 'text/html', body: 'no' }, 'failed'],
      ])('create answered %j → %s', async (reply, outcome) => {
        answer = reply;
        const r = recorder();
        const started = await nonsenseAdapter().startPayment(ctxOf(r), {
          paymentId: 'pay-n',
          reference: 'AQ-NONSENSE-1',
          orderId: 'ORD-N',
          amount: Money.of(25000n, 'IQD'),
          customer: {},
        });
        expect(started.outcome).toBe(outcome);
        r.drain();
      });

      it.each([
        [{ status: 200, type: 'application/json', body: '[1,2]' }, 'GATEWAY.BAD_RESPONSE'],
        [{ status: 200, type: 'application/json', body: '{"payment_id":"pay_x"}' }, 'GATEWAY.BAD_RESPONSE'],
        [{ status: 200, type: 'application/json', body: '{"payment_id":"pay_x","payment_status":"paid?","order_id":"AQ-NONSENSE-1"}' }, undefined],
        [{ status: 302, type: 'text/plain', body: '' }, 'GATEWAY.BAD_RESPONSE'],
        [{ status: 503, type: 'text/plain', body: 'busy' }, 'GATEWAY.UNAVAILABLE'],
        [{ status: 200, type: 'application/json', body: '{"err":"x","error_code":"weird","reference_code":"r"}' }, 'GATEWAY.REJECTED'],
      ])('re-query answered %j → %s', async (reply, code) => {
        answer = reply;
        const r = recorder();
        const result = await nonsenseAdapter()
          .inquire(ctxOf(r), attempt())
          .catch((e: unknown) => e);
        if (code) expect(isGatewayError(result, code as never)).toBe(true);
        else expect(result).toMatchObject({ outcome: 'unknown', gatewayStatus: 'paid?' });
        r.drain();
      });
    });
  });

  describe('refunds', () => {
    it('are unsupported', async () => {
      const error = await driver
        .adapter()
        .refund()
        .catch((e: unknown) => e);
      expect(isGatewayError(error, 'GATEWAY.UNSUPPORTED')).toBe(true);
    });
  });

  it('redaction scan: no secret, Basic credential, full page token or card number in any recorded event', async () => {
    expect(allEvents.length).toBeGreaterThan(50);
    const basicValue = Buffer.from(`${clientId}:${clientSecret}`).toString('base64');
    assertNoSecrets(allEvents, [clientSecret, basicValue, ...tokens]);
    expect(tokens.size).toBeGreaterThan(10);
    const text = JSON.stringify(allEvents);
    expect(text).not.toContain(TEST_PAN);
    expect(text).toContain('[REDACTED]');
  });
});
