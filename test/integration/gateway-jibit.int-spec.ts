import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { NewEvent } from '@payledger/event-store';
import { AttemptSnapshot, GatewayCallContext, InMemoryTokenStore, InteractionRecorder, isGatewayError } from '@payledger/gateways';
import { Money } from '@payledger/kernel';
import { JIBIT_CREATE_LOST, JIBIT_SESSION_RENEWED_EVENT, JibitAdapter } from '../../libs/gateways/src/jibit';
import { createJibitScenarioDriver, JIBIT_TEST_AMOUNT, JibitHarness } from '../gateways/jibit.driver';
import { assertNoSecrets, runGatewayScenarioSuite } from '../gateways/scenarios';
import { redirectAsCaptured, toInbound } from '../support/sandbox';

const SEC = 1000;
const MIN = 60 * SEC;
const HOUR = 60 * MIN;

runGatewayScenarioSuite(() => createJibitScenarioDriver());

describe('jibit adapter against the simulator: decisions', () => {
  const h = new JibitHarness();
  let recorder: InteractionRecorder;
  let ctx: GatewayCallContext;

  beforeAll(() => h.setup());
  afterAll(() => h.teardown());
  beforeEach(async () => {
    await h.reset();
    recorder = new InteractionRecorder(h.now);
    ctx = { recorder };
  });

  const events = (type?: string): NewEvent[] => recorder.peek().filter((e) => !type || e.type === type) as NewEvent[];
  const sessionEvents = () => h.sessionSink.events.map((e) => e.event);
  const loggedBodies = (pathPart: string) =>
    h.sandbox.sandbox.log
      .list({ gateway: 'jibit', direction: 'in' })
      .filter((r) => r.path.includes(pathPart))
      .map((r) => (typeof r.body === 'string' ? JSON.parse(r.body) : r.body));
  const loggedPaths = (pathPart: string) =>
    h.sandbox.sandbox.log
      .list({ gateway: 'jibit', direction: 'in' })
      .filter((r) => r.path.includes(pathPart))
      .map((r) => r.path);

  async function paidAndReturned(reference = h.nextReference(), options: Record<string, unknown> = {}) {
    await h.scenario(reference, 'pay', options);
    const { result, attempt } = await h.start(ctx, reference);
    expect(result.outcome).toBe('pending');
    const page = await h.visit(result.redirect!.url);
    return { attempt, page };
  }

  describe('tokens (D3)', () => {
    it('generates on first use, records it on the session stream only, and times the pair from the send time', async () => {
      const sentAt = h.now();
      const session = await h.adapter.ensureSession();
      expect(session.expiresAt.getTime()).toBe(sentAt.getTime() + 24 * HOUR);
      expect(session.refreshExpiresAt!.getTime()).toBe(sentAt.getTime() + 48 * HOUR);
      expect(sessionEvents().map((e) => e.type)).toEqual(['GatewayRequestSent', 'GatewayResponseReceived', JIBIT_SESSION_RENEWED_EVENT]);
      const stored = await h.tokenStore.load('jibit');
      assertNoSecrets(sessionEvents(), [h.config.apiKey, h.config.secretKey, stored!.value, stored!.refreshToken!]);
      expect(events()).toEqual([]);
    });

    it('is single-flight: concurrent callers share one generate', async () => {
      await Promise.all(Array.from({ length: 5 }, () => h.adapter.ensureSession()));
      expect(h.requestsTo('POST', '/tokens/generate')).toBe(1);
    });

    it('refreshes with the bare access token when less than 5 minutes remain, not before', async () => {
      await h.adapter.ensureSession();
      const first = (await h.tokenStore.load('jibit'))!;
      await h.advanceClock(24 * HOUR - 6 * MIN);
      await h.adapter.ensureSession();
      expect(h.requestsTo('POST', '/tokens/refresh')).toBe(0);
      await h.advanceClock(2 * MIN);
      const renewed = await h.adapter.ensureSession();
      expect(loggedBodies('/tokens/refresh')).toEqual([{ accessToken: first.value, refreshToken: first.refreshToken }]);
      expect(h.requestsTo('POST', '/tokens/generate')).toBe(1);
      expect(renewed.expiresAt.getTime()).toBe(h.now().getTime() + 24 * HOUR);
      const { result } = await h.start(ctx, h.nextReference());
      expect(result.outcome).toBe('pending');
      expect(sessionEvents().filter((e) => e.type === JIBIT_SESSION_RENEWED_EVENT).map((e) => (e.data as { via: string }).via)).toEqual(['generate', 'refresh']);
    });

    it('falls back to generate when the refresh fails', async () => {
      await h.adapter.ensureSession();
      await h.advanceClock(24 * HOUR - 4 * MIN);
      await h.fault('tokens-refresh', '5xx');
      await h.adapter.ensureSession();
      expect(h.requestsTo('POST', '/tokens/refresh')).toBe(1);
      expect(h.requestsTo('POST', '/tokens/generate')).toBe(2);
      expect((await h.start(ctx, h.nextReference())).result.outcome).toBe('pending');
    });

    it('generates directly when the refresh token itself has less than 5 minutes left', async () => {
      const store = new InMemoryTokenStore();
      await store.save('jibit', { value: 'stale', expiresAt: new Date(h.now().getTime() + MIN), refreshToken: 'stale-r', refreshExpiresAt: new Date(h.now().getTime() + 2 * MIN) });
      const adapter = h.makeAdapter({}, { tokenStore: store });
      await adapter.ensureSession();
      expect(h.requestsTo('POST', '/tokens/refresh')).toBe(0);
      expect(h.requestsTo('POST', '/tokens/generate')).toBe(1);
    });

    it('shares one pair between instances through the token store', async () => {
      await h.adapter.ensureSession();
      const second = h.makeAdapter();
      expect((await h.start(ctx, h.nextReference(), second)).result.outcome).toBe('pending');
      expect(h.requestsTo('POST', '/tokens/generate')).toBe(1);
    });
  });

  describe('auth errors (D4)', () => {
    it('regenerates once and repeats a create refused for auth; the 401 is recorded on the payment', async () => {
      await h.adapter.ensureSession();
      await h.fault('orders-create', 'auth');
      const { result } = await h.start(ctx, h.nextReference());
      expect(result.outcome).toBe('pending');
      expect(h.requestsTo('POST', '/orders')).toBe(2);
      expect(h.requestsTo('POST', '/tokens/generate')).toBe(2);
      expect(events('GatewayResponseReceived').map((e) => (e.data as { httpStatus: number }).httpStatus)).toEqual([401, 200]);
    });

    it('fails with GATEWAY.AUTH_FAILED on a second auth error, without a third try', async () => {
      const { attempt } = await h.start(ctx, h.nextReference());
      await h.fault('orders-inquiry', 'auth', 2);
      await expect(h.adapter.inquire(ctx, attempt)).rejects.toMatchObject({ code: 'GATEWAY.AUTH_FAILED' });
      expect(h.requestsTo('GET', `/orders/${attempt.refs.orderIdentifier}$`)).toBe(2);
    });

    it('throws without sending the create when no token can be had', async () => {
      const adapter = h.makeAdapter({ secretKey: 'wrong-secret-value' }, { tokenStore: new InMemoryTokenStore() });
      const error = await adapter.startPayment(ctx, { paymentId: 'p', reference: h.nextReference(), orderId: 'o', amount: JIBIT_TEST_AMOUNT, customer: { id: 'c' } }).catch((e) => e);
      expect(error).toMatchObject({ code: 'GATEWAY.AUTH_FAILED', retrySafe: true, outcomeUncertain: false });
      expect(error.details.stage).toBe('token');
      expect(h.requestsTo('POST', '/orders')).toBe(0);
      assertNoSecrets(sessionEvents(), ['wrong-secret-value']);
    });
  });

  describe('create (D5, D6)', () => {
    it('checks D5 locally and sends nothing', async () => {
      await expect(h.start(ctx, h.nextReference(), h.adapter, Money.of(99, 'IRR'))).rejects.toMatchObject({ code: 'GATEWAY.INVALID_REQUEST' });
      expect(h.sandbox.sandbox.log.list({ gateway: 'jibit' })).toEqual([]);
    });

    it('sends RIALS, our reference, the customer and our callback URL', async () => {
      const reference = h.nextReference();
      await h.start(ctx, reference);
      expect(loggedBodies('/orders')[0]).toEqual({
        amount: 150000,
        currency: 'RIALS',
        referenceNumber: reference,
        userIdentifier: `cust-${reference}`,
        callbackUrl: `${h.capture.url}/callbacks/jibit`,
        description: 'scenario suite',
        forcePayerCardNumber: false,
      });
    });

    it('reports a refusal as failed with the gateway code', async () => {
      const reference = h.nextReference();
      await h.start(ctx, reference);
      const { result } = await h.start(ctx, reference);
      expect(result).toMatchObject({ outcome: 'failed', failure: { code: 'GATEWAY.REJECTED', gatewayCode: 'order_create.reference_number.duplicated' } });
    });

    it('commit-then-drop: create_unknown, found by the lookup, adopted, payable — and never re-POSTed', async () => {
      const reference = h.nextReference();
      await h.fault('orders-create', 'commit-then-drop');
      const started = await h.start(ctx, reference);
      expect(started.result.outcome).toBe('create_unknown');
      expect(started.result.redirect).toBeUndefined();
      await h.advanceClock(10 * SEC);
      const recovered = await h.adapter.recoverCreate(ctx, started.attempt);
      const held = (await h.sandbox.control('GET', '/jibit/state')).body.state.orders[0];
      expect(recovered).toMatchObject({ outcome: 'pending', refs: { orderIdentifier: held.orderIdentifier } });
      expect(recovered.redirect).toEqual({ method: 'GET', url: `${h.config.baseUrl}/orders/${held.orderIdentifier}/payments` });
      const sentAt = started.attempt.createdAt.getTime();
      expect(loggedPaths('/orders?')).toEqual([
        `/jibit/ppg/v2/orders?from=${encodeURIComponent(new Date(sentAt - 2 * MIN).toISOString())}&to=${encodeURIComponent(new Date(sentAt + 5 * MIN).toISOString())}&page=1&size=100`,
      ]);
      const attempt = h.advanceAttempt(started.attempt, recovered);
      const back = await h.visit(recovered.redirect!.url, 'pay');
      const confirmed = await h.confirmReturn(ctx, attempt, h.returnVia(back));
      expect(confirmed.outcome).toBe('paid');
      // The dropped reply is not in the sandbox's log, so count what the adapter sent.
      expect(events('GatewayRequestSent').filter((e) => (e.data as { operation: string }).operation === 'create-order')).toHaveLength(1);
      expect((await h.sandbox.control('GET', '/jibit/state')).body.state.orders).toHaveLength(1);
    });

    it('commit-then-timeout: the timeout is recorded and the order recovered', async () => {
      await h.fault('orders-create', 'commit-then-timeout', 1, { delayMs: 5000 });
      const started = await h.start(ctx, h.nextReference());
      expect(started.result.outcome).toBe('create_unknown');
      expect(events('GatewayRequestFailed').map((e) => (e.data as { reason: string }).reason)).toEqual(['timeout']);
      await h.advanceClock(10 * SEC);
      expect((await h.adapter.recoverCreate(ctx, started.attempt)).outcome).toBe('pending');
    });

    it('a 5xx create that never executed: looked up at +10/+30/+60 s, lost at +120 s', async () => {
      await h.fault('orders-create', '5xx');
      const started = await h.start(ctx, h.nextReference());
      expect(started.result).toMatchObject({ outcome: 'create_unknown', failure: { code: 'GATEWAY.UNAVAILABLE' } });
      const outcomes = [];
      for (const offset of [10 * SEC, 30 * SEC, 60 * SEC, 120 * SEC]) {
        await h.advanceClock(started.attempt.createdAt.getTime() + offset - h.now().getTime());
        const result = await h.adapter.recoverCreate(ctx, started.attempt);
        outcomes.push(result.outcome);
        if (result.outcome === 'failed') expect(result.failure?.code).toBe(JIBIT_CREATE_LOST);
      }
      expect(outcomes).toEqual(['create_unknown', 'create_unknown', 'create_unknown', 'failed']);
      expect(h.requestsTo('POST', '/orders$')).toBe(1);
    });

    it('pages through the lookup window while hasNext and matches the reference client-side', async () => {
      h.sandbox.sandbox.contexts.jibit!.options.listSizeMax = 3;
      for (let i = 0; i < 7; i++) {
        await h.start(ctx, h.nextReference());
        await h.advanceClock(SEC);
      }
      await h.fault('orders-create', 'commit-then-drop');
      const started = await h.start(ctx, h.nextReference());
      await h.advanceClock(10 * SEC);
      const recovered = await h.adapter.recoverCreate(ctx, started.attempt);
      expect(recovered.outcome).toBe('pending');
      expect(loggedPaths('/orders?').map((p) => new URL(p, 'http://x').searchParams.get('page'))).toEqual(['1', '2', '3']);
    });

    it('a lookup that cannot reach Jibit proves nothing: still create_unknown at +120 s', async () => {
      await h.fault('orders-create', '5xx');
      const started = await h.start(ctx, h.nextReference());
      await h.advanceClock(120 * SEC);
      await h.fault('orders-list', '5xx', 4);
      const result = await h.adapter.recoverCreate(ctx, started.attempt);
      expect(result).toMatchObject({ outcome: 'create_unknown', failure: { code: 'GATEWAY.UNAVAILABLE' } });
      expect(h.requestsTo('GET', '/orders?')).toBe(4);
    });
  });

  describe('callback and confirm (D7, D8)', () => {
    it.each([
      ['FAILED', 'state=FAILED'],
      ['ORDER_NOT_FOUND', 'state=ORDER_NOT_FOUND'],
      ['missing', ''],
    ])('verifies whatever the state says (%s): a paid order is paid', async (_name, state) => {
      const { attempt } = await paidAndReturned();
      const url = `${h.capture.url}/callbacks/jibit?amount=1&refnum=${attempt.refs.orderIdentifier}${state ? `&${state}` : ''}`;
      const verdict = h.adapter.parseInbound(toInbound('return', redirectAsCaptured(url)));
      const result = await h.confirmReturn(ctx, attempt, verdict);
      expect(result).toMatchObject({ outcome: 'paid', gatewayStatus: 'SUCCESS', refs: { orderIdentifier: attempt.refs.orderIdentifier } });
      expect(result.gatewayAmount!.equals(JIBIT_TEST_AMOUNT)).toBe(true);
      expect(h.requestsTo('GET', '/verify')).toBe(1);
    });

    it('verify Unknown → unknown without an inquiry; the job inquiry later says failed (unknown-then-fail)', async () => {
      const reference = h.nextReference();
      await h.scenario(reference, 'unknown-then-fail');
      const { result: started, attempt } = await h.start(ctx, reference);
      const result = await h.confirmReturn(ctx, attempt, h.returnVia(await h.visit(started.redirect!.url)));
      expect(result.outcome).toBe('unknown');
      expect(result.retryAfterMs).toBe(MIN);
      expect(loggedPaths('/orders/').filter((p) => p === `/jibit/ppg/v2/orders/${attempt.refs.orderIdentifier}`)).toEqual([]);
      await h.advanceClock(5 * MIN);
      expect((await h.adapter.inquire(ctx, h.advanceAttempt(attempt, result))).outcome).toBe('failed');
    });

    it('verify 5xx is retried three times inside the window, with the injected back-off', async () => {
      const sleeps: number[] = [];
      const adapter = h.makeAdapter({}, { sleep: async (ms) => void sleeps.push(ms) });
      const { attempt, page } = await paidAndReturned();
      await h.fault('orders-verify', '5xx', 2);
      const result = await h.confirmReturn(ctx, attempt, h.returnVia(page, adapter), adapter);
      expect(result.outcome).toBe('paid');
      expect(h.requestsTo('GET', '/verify')).toBe(3);
      expect(sleeps).toEqual([1000, 2000]);
    });

    it('verify is not retried once the 15-minute window has closed (D12)', async () => {
      const { attempt, page } = await paidAndReturned();
      await h.advanceClock(16 * MIN);
      await h.fault('orders-verify', '5xx', 4);
      const result = await h.confirmReturn(ctx, attempt, h.returnVia(page));
      expect(result.outcome).toBe('unknown');
      expect(h.requestsTo('GET', '/verify')).toBe(1);
    });

    it('inquiry 5xx is retried up to three times (D12)', async () => {
      const { attempt } = await paidAndReturned();
      await h.fault('orders-inquiry', '5xx', 3);
      const result = await h.adapter.inquire(ctx, attempt);
      expect(result.outcome).toBe('pending');
      expect(h.requestsTo('GET', `/orders/${attempt.refs.orderIdentifier}$`)).toBe(4);
      await h.fault('orders-inquiry', '5xx', 4);
      await expect(h.adapter.inquire(ctx, attempt)).rejects.toMatchObject({ code: 'GATEWAY.UNAVAILABLE' });
    });
  });

  describe('deadline sweep (D10)', () => {
    it('+13 min: a paid buyer who never came back is captured by verify', async () => {
      const { attempt, page } = await paidAndReturned(h.nextReference(), { drop: true });
      expect(page.status).toBe(200);
      await h.advanceClock(13 * MIN);
      const result = await h.adapter.confirm(ctx, attempt, { trigger: 'deadline' });
      expect(result).toMatchObject({ outcome: 'paid', gatewayStatus: 'SUCCESS' });
      expect(h.requestsTo('GET', '/verify')).toBe(1);
    });

    it('+13 min: an unpaid order answers verify Failed, which is not final; +16 min: the inquiry says expired', async () => {
      const { attempt } = await h.start(ctx, h.nextReference());
      await h.advanceClock(13 * MIN);
      const early = await h.adapter.confirm(ctx, attempt, { trigger: 'deadline' });
      expect(early.outcome).toBe('pending');
      expect(early.retryAfterMs).toBe(3 * MIN);
      expect(early.detail).toMatch(/not final/);
      await h.advanceClock(3 * MIN);
      const late = await h.adapter.confirm(ctx, attempt, { trigger: 'deadline' });
      expect(late.outcome).toBe('expired');
      expect(h.requestsTo('GET', '/verify')).toBe(1);
    });

    it('switched off: no verify at +13 min, so an unreturned payment expires', async () => {
      const adapter = h.makeAdapter({ verifyBeforeDeadline: false });
      const { attempt } = await paidAndReturned(h.nextReference(), { drop: true });
      await h.advanceClock(13 * MIN);
      expect((await adapter.confirm(ctx, attempt, { trigger: 'deadline' })).outcome).toBe('pending');
      await h.advanceClock(3 * MIN);
      expect((await adapter.confirm(ctx, attempt, { trigger: 'deadline' })).outcome).toBe('expired');
      expect(h.requestsTo('GET', '/verify')).toBe(0);
    });

    it('an order already verified is settled by the inquiry without another verify', async () => {
      const { attempt, page } = await paidAndReturned();
      const confirmed = await h.confirmReturn(ctx, attempt, h.returnVia(page));
      await h.advanceClock(16 * MIN);
      const result = await h.adapter.confirm(ctx, h.advanceAttempt(attempt, { outcome: 'pending', refs: confirmed.refs }), { trigger: 'deadline' });
      expect(result.outcome).toBe('paid');
      expect(h.requestsTo('GET', '/verify')).toBe(1);
    });
  });

  describe('reconciliation list (D13)', () => {
    it('walks day windows and 1-based pages with an opaque cursor, converting TOMAN records', async () => {
      h.sandbox.sandbox.contexts.jibit!.options.listSizeMax = 2;
      h.sandbox.sandbox.contexts.jibit!.options.listCountField = 'numberOfElemnts';
      const from = h.now();
      const references: string[] = [];
      for (let i = 0; i < 5; i++) {
        const reference = h.nextReference();
        references.push(reference);
        await h.start(ctx, reference);
        await h.advanceClock(10 * HOUR);
      }
      // An order some other system created in TOMAN.
      const token = (await h.tokenStore.load('jibit'))!.value;
      const toman = await fetch(`${h.config.baseUrl}/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ amount: 15000, currency: 'TOMAN', referenceNumber: 'other-system-1', userIdentifier: 'u', callbackUrl: 'https://other.example/cb' }),
      });
      expect(toman.status).toBe(200);
      const to = new Date(h.now().getTime() + 1);

      const records = [];
      let cursor: string | undefined;
      for (let call = 0; call < 20; call++) {
        const page = await h.adapter.listRecords(ctx, { from, to, cursor });
        records.push(...page.records);
        cursor = page.nextCursor;
        if (!cursor) break;
      }
      expect(cursor).toBeUndefined();
      expect(records.map((r) => r.reference)).toEqual([...references, 'other-system-1']);
      // Ten hours apart, every order but the last has passed its 15-minute deadline.
      expect(records.map((r) => `${r.gatewayStatus}/${r.outcome}`)).toEqual([...Array(5).fill('EXPIRED/expired'), 'IN_PROGRESS/pending']);
      expect(records.every((r) => /^[A-Za-z0-9]{8}$/.test(r.refs.orderIdentifier))).toBe(true);
      expect(records[5].amount!.equals(Money.of(150000, 'IRR'))).toBe(true);
      const queries = loggedPaths('/orders?').map((p) => new URL(p, 'http://x').searchParams);
      for (const q of queries) {
        expect(Date.parse(q.get('to')!) - Date.parse(q.get('from')!)).toBeLessThanOrEqual(24 * HOUR);
        expect(q.get('size')).toBe('100');
      }
      expect(queries[0].get('page')).toBe('1');
      expect(queries.some((q) => q.get('page') === '2')).toBe(true);
    });

    it('returns nothing for an empty period without asking', async () => {
      expect(await h.adapter.listRecords(ctx, { from: h.now(), to: h.now() })).toEqual({ records: [] });
      expect(h.sandbox.sandbox.log.list({ gateway: 'jibit' })).toEqual([]);
    });
  });

  describe('refunds and other operations v2 lacks', () => {
    it('refund is GATEWAY.UNSUPPORTED and sends nothing', async () => {
      const { attempt } = await h.start(ctx, h.nextReference());
      const before = h.sandbox.sandbox.log.list({ gateway: 'jibit' }).length;
      await expect(h.adapter.refund(ctx, attempt, { refundId: 'rf', amount: JIBIT_TEST_AMOUNT, refundedBefore: Money.zero('IRR') })).rejects.toMatchObject({
        code: 'GATEWAY.UNSUPPORTED',
      });
      await expect(h.adapter.cancel(ctx, attempt)).rejects.toMatchObject({ code: 'GATEWAY.UNSUPPORTED' });
      expect(h.sandbox.sandbox.log.list({ gateway: 'jibit' }).length).toBe(before);
    });
  });

  describe('redaction', () => {
    it('no credential, token or full card number in anything recorded', async () => {
      const seenTokens = new Set<string>();
      const remember = async () => {
        const token = await h.tokenStore.load('jibit');
        if (token) [token.value, token.refreshToken!].forEach((t) => seenTokens.add(t));
      };
      const { attempt, page } = await paidAndReturned();
      await remember();
      await h.confirmReturn(ctx, attempt, h.returnVia(page));
      await h.advanceClock(24 * HOUR - 4 * MIN);
      await h.adapter.ensureSession();
      await remember();
      await h.fault('orders-inquiry', 'auth');
      await h.adapter.inquire(ctx, attempt);
      await remember();
      expect(seenTokens.size).toBeGreaterThanOrEqual(6);
      const all = [...recorder.peek(), ...sessionEvents()] as NewEvent[];
      assertNoSecrets(all, [h.config.apiKey, h.config.secretKey, ...seenTokens]);
      const inquiry = events('GatewayResponseReceived').find((e) => (e.data as { operation: string }).operation === 'inquiry');
      expect((inquiry!.data as { body: { payerCard: string } }).body.payerCard).toMatch(/^603799\*{6}\d{4}$/);
      const sent = events('GatewayRequestSent').map((e) => (e.data as { headers: Record<string, string> }).headers.authorization);
      expect(sent.every((value) => value === '[REDACTED]')).toBe(true);
    });
  });
});

describe('jibit adapter: bad responses', () => {
  type Answer = { status: number; contentType?: string; body: string };
  let server: http.Server;
  let baseUrl: string;
  const answers = new Map<string, Answer>();
  const h = new JibitHarness();
  let adapter: JibitAdapter;
  let recorder: InteractionRecorder;
  let ctx: GatewayCallContext;
  const attempt: AttemptSnapshot = {
    reference: 'bad-1',
    paymentId: 'pay_bad',
    amount: JIBIT_TEST_AMOUNT,
    createdAt: new Date(),
    outcome: 'pending',
    refs: { orderIdentifier: 'Ab12Cd34' },
    orderId: 'ORD-bad',
  };
  const pair = JSON.stringify({ accessToken: 'garbage-server-access-token', refreshToken: 'garbage-server-refresh-token' });

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        const path = new URL(req.url ?? '/', 'http://x').pathname.replace(/^\/ppg\/v2/, '');
        const key = `${req.method} ${path}`;
        const answer = answers.get(key) ?? (key === 'POST /tokens/generate' ? { status: 200, contentType: 'application/json', body: pair } : { status: 404, body: '' });
        res.writeHead(answer.status, answer.contentType ? { 'content-type': answer.contentType } : {});
        res.end(answer.body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/ppg/v2`;
    await h.setup();
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
    await h.teardown();
  });
  beforeEach(() => {
    answers.clear();
    adapter = h.makeAdapter({ baseUrl }, { now: () => new Date(), tokenStore: new InMemoryTokenStore() });
    recorder = new InteractionRecorder();
    ctx = { recorder };
  });

  const failures = () => recorder.peek().filter((e) => e.type === 'GatewayRequestFailed').map((e) => (e.data as { reason: string }).reason);

  it.each([
    ['garbage', { status: 200, contentType: 'text/plain', body: '\u0000 garbage {' }],
    ['HTML', { status: 200, contentType: 'text/html', body: '<html><body>hello</body></html>' }],
    ['an empty body', { status: 200, contentType: 'application/json', body: '' }],
    ['JSON under a wrong content type', { status: 200, contentType: 'text/html', body: '{"status":"SUCCESS","amount":150000,"currency":"RIALS"}' }],
    ['a JSON array', { status: 200, contentType: 'application/json', body: '[]' }],
    ['an object that is no order', { status: 200, contentType: 'application/json', body: '{"hello":"world"}' }],
  ])('inquiry answering %s → GATEWAY.BAD_RESPONSE, recorded as malformed', async (_name, answer) => {
    answers.set('GET /orders/Ab12Cd34', answer);
    await expect(adapter.inquire(ctx, attempt)).rejects.toMatchObject({ code: 'GATEWAY.BAD_RESPONSE' });
    expect(failures()).toEqual(['malformed']);
  });

  it('an inquiry status nobody documents is unknown, not an error', async () => {
    answers.set('GET /orders/Ab12Cd34', { status: 200, contentType: 'application/json', body: '{"status":"REVERSED","amount":150000,"currency":"RIALS"}' });
    expect(await adapter.inquire(ctx, attempt)).toMatchObject({ outcome: 'unknown', gatewayStatus: 'REVERSED' });
  });

  it('a garbled or unknown verify reply makes the attempt unknown and skips the inquiry', async () => {
    answers.set('GET /orders/Ab12Cd34/verify', { status: 200, contentType: 'text/html', body: '<html></html>' });
    expect((await adapter.confirm(ctx, attempt, { trigger: 'return' })).outcome).toBe('unknown');
    answers.set('GET /orders/Ab12Cd34/verify', { status: 200, contentType: 'application/json', body: '{"status":"Pending"}' });
    expect((await adapter.confirm(ctx, attempt, { trigger: 'return' })).outcome).toBe('unknown');
    expect(recorder.peek().filter((e) => e.type === 'GatewayRequestSent').map((e) => (e.data as { operation: string }).operation)).toEqual(['verify', 'verify']);
  });

  it('a garbled 200 to the create is create_unknown: the order may exist', async () => {
    answers.set('POST /orders', { status: 200, contentType: 'application/json', body: '{"orderIdentifier":' });
    const result = await adapter.startPayment(ctx, { paymentId: 'p', reference: 'bad-2', orderId: 'o', amount: JIBIT_TEST_AMOUNT, customer: { id: 'c' } });
    expect(result).toMatchObject({ outcome: 'create_unknown', failure: { code: 'GATEWAY.BAD_RESPONSE' } });
  });

  it('a garbled token reply stops before the create, with no token text recorded', async () => {
    answers.set('POST /tokens/generate', { status: 200, contentType: 'application/json', body: '{"accessToken":"half-a-pair-token-value"}' });
    const sink = h.sessionSink.events.length;
    const error = await adapter.startPayment(ctx, { paymentId: 'p', reference: 'bad-3', orderId: 'o', amount: JIBIT_TEST_AMOUNT, customer: { id: 'c' } }).catch((e) => e);
    expect(isGatewayError(error, 'GATEWAY.BAD_RESPONSE')).toBe(true);
    expect(error.details.stage).toBe('token');
    expect(recorder.peek()).toEqual([]);
    expect(JSON.stringify(h.sessionSink.events.slice(sink))).not.toContain('half-a-pair-token-value');
  });

  it('an HTML error page is kept as text with its status (D14) and retried as a 5xx', async () => {
    answers.set('GET /orders/Ab12Cd34', { status: 502, contentType: 'text/html', body: '<html><h1>502 Bad Gateway</h1></html>' });
    const error = await adapter.inquire(ctx, attempt).catch((e) => e);
    expect(error).toMatchObject({ code: 'GATEWAY.UNAVAILABLE', httpStatus: 502 });
    expect(error.details.text).toContain('502 Bad Gateway');
    const received = recorder.peek().filter((e) => e.type === 'GatewayResponseReceived');
    expect(received).toHaveLength(4);
    expect(received[0].data).toMatchObject({ httpStatus: 502, body: '<html><h1>502 Bad Gateway</h1></html>' });
  });

  it('an error envelope is recorded with status, codes and fingerprint (D14) and the create fails', async () => {
    answers.set('POST /orders', {
      status: 400,
      contentType: 'application/json',
      body: JSON.stringify({ fingerprint: 'fp-123-abc', errors: [{ code: 'order_create.amount.positive' }, { code: 'merchant.inactive', message: 'off' }] }),
    });
    const result = await adapter.startPayment(ctx, { paymentId: 'p', reference: 'bad-4', orderId: 'o', amount: JIBIT_TEST_AMOUNT, customer: { id: 'c' } });
    expect(result).toMatchObject({ outcome: 'failed', failure: { code: 'GATEWAY.REJECTED', gatewayCode: 'order_create.amount.positive' } });
    const received = recorder.peek().find((e) => e.type === 'GatewayResponseReceived')!;
    expect(received.data).toMatchObject({
      httpStatus: 400,
      body: { fingerprint: 'fp-123-abc', errors: [{ code: 'order_create.amount.positive' }, { code: 'merchant.inactive', message: 'off' }] },
    });
  });
});
