import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { NewEvent } from '@payledger/event-store';
import { Money } from '@payledger/kernel';
import { CollectingSessionSink, InMemoryTokenStore } from '../../libs/gateways/src/http';
import { AttemptSnapshot, GatewayError, InboundVerdict } from '../../libs/gateways/src/port';
import { encodeCallbackValue, encryptToBlob, matchRefundNotice, MispayAdapter, TOKEN_ISSUED_EVENT } from '../../libs/gateways/src/mispay';
import { runGatewayScenarioSuite, assertNoSecrets } from '../gateways/scenarios';
import {
  apply,
  control,
  createMispayDriver,
  MispayHarness,
  newContext,
  nextReference,
  paymentInput,
  PURCHASE,
  sandboxCalls,
  snapshot,
  startMispayHarness,
  visit,
} from '../gateways/mispay.driver';
import { redirectAsCaptured, toInbound } from '../support/sandbox';

runGatewayScenarioSuite(() => createMispayDriver());

const SECRET = 'sandbox-secret-123';
const JWT_PATTERN = /eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+/;

let h: MispayHarness;
/** Every event any test here recorded, for the redaction scan at the end. */
const allEvents: NewEvent[] = [];

beforeAll(async () => {
  h = await startMispayHarness();
});

afterAll(() => h.close());

beforeEach(async () => {
  for (const key of Object.keys(h.sb.sandbox.contexts.mispay!.options)) delete h.sb.sandbox.contexts.mispay!.options[key];
  h.sb.sandbox.contexts.mispay!.faults.reset();
});

function ctx() {
  const context = newContext(h.sb);
  const drain = context.recorder.drain.bind(context.recorder);
  context.recorder.drain = () => {
    const events = drain();
    allEvents.push(...events);
    return events;
  };
  return context;
}

function events(context: ReturnType<typeof ctx>): NewEvent[] {
  return context.recorder.drain();
}

const sar = (minor: number) => Money.of(BigInt(minor), 'SAR');

/** Starts an attempt (optionally with a scenario) and returns it with the shopper url. */
async function begin(adapter: MispayAdapter, context: ReturnType<typeof ctx>, scenario?: Record<string, unknown>, reference = nextReference()) {
  if (scenario) await control(h.sb, 'POST', '/mispay/scenarios', { reference, ...scenario });
  const result = await adapter.startPayment(context, paymentInput(reference));
  expect(result.outcome).toBe('pending');
  return { attempt: snapshot(reference, result.refs, h.sb.clock.now()), url: result.redirect!.url, result };
}

async function returnOf(adapter: MispayAdapter, location: string): Promise<InboundVerdict> {
  return adapter.parseInboundAsync(toInbound('return', redirectAsCaptured(location)));
}

/** Pays through the page and confirms the return: an attempt that is `paid`. */
async function paidAttempt(adapter = h.adapter, context = ctx(), scenario: Record<string, unknown> = {}) {
  const started = await begin(adapter, context, { outcome: 'pay', ...scenario });
  const page = await visit(started.url);
  const verdict = await returnOf(adapter, page.location!);
  apply(started.attempt, await adapter.confirm(context, started.attempt, { trigger: 'return', inbound: verdict }));
  return { ...started, verdict, page };
}

function checkoutInSandbox(trackId: string): Promise<any> {
  return h.sb.control('GET', '/mispay/state').then((r) => r.body.state.checkouts.find((c: any) => c.trackId === trackId));
}

function tokenCalls(): number {
  return sandboxCalls(h.sb, '/mispay/v1/api/token');
}

describe('MIS Pay adapter: token (D3)', () => {
  it('fetches one token for concurrent callers and records it on the session stream only', async () => {
    const sessionSink = new CollectingSessionSink();
    const adapter = h.makeAdapter({ sessionSink });
    const context = ctx();
    const { attempt } = await begin(h.adapter, ctx());
    const before = tokenCalls();
    const results = await Promise.all(Array.from({ length: 5 }, () => adapter.inquire(context, attempt)));
    expect(results.map((r) => r.outcome)).toEqual(Array(5).fill('pending'));
    expect(tokenCalls() - before).toBe(1);
    const sessionTypes = sessionSink.events.map((e) => e.event.type);
    expect(sessionTypes).toEqual(['GatewayRequestSent', 'GatewayResponseReceived', TOKEN_ISSUED_EVENT]);
    expect(sessionSink.events[2].event.data).toMatchObject({ expirySource: 'expiration' });
    const paymentEvents = events(context);
    expect(paymentEvents.some((e) => (e.data as { operation?: string }).operation === 'token')).toBe(false);
    allEvents.push(...sessionSink.events.map((e) => e.event));
    const recorded = JSON.stringify(sessionSink.events);
    expect(recorded).not.toMatch(JWT_PATTERN);
    expect(recorded).not.toContain(SECRET);
  });

  it('renews 60 s before expiry, not earlier', async () => {
    const adapter = h.makeAdapter();
    const context = ctx();
    const { attempt } = await begin(h.adapter, ctx());
    const before = tokenCalls();
    await adapter.inquire(context, attempt);
    await h.sb.clock.advance(3600_000 - 61_000);
    await adapter.inquire(context, attempt);
    expect(tokenCalls() - before).toBe(1);
    await h.sb.clock.advance(2_000);
    await adapter.inquire(context, attempt);
    expect(tokenCalls() - before).toBe(2);
    events(context);
  });

  it('takes the expiry from the JWT exp when the payload has no expiration', async () => {
    await control(h.sb, 'POST', '/mispay/options', { tokenOmitExpiration: true, tokenTtlSeconds: 600 });
    const tokenStore = new InMemoryTokenStore();
    const sessionSink = new CollectingSessionSink();
    const adapter = h.makeAdapter({ tokenStore, sessionSink });
    const { attempt } = await begin(h.adapter, ctx());
    const now = h.sb.clock.nowMs();
    await adapter.inquire(ctx(), attempt);
    const token = await tokenStore.load('mispay');
    expect(Math.abs(token!.expiresAt.getTime() - (now + 600_000))).toBeLessThan(1_000);
    expect(sessionSink.events.find((e) => e.event.type === TOKEN_ISSUED_EVENT)!.event.data).toMatchObject({ expirySource: 'jwt-exp' });
  });

  it('on 401 ME10 gets a new token once and retries once; a second refusal is AUTH_FAILED', async () => {
    const adapter = h.makeAdapter();
    const { attempt } = await begin(h.adapter, ctx());
    await adapter.inquire(ctx(), attempt);
    const tokensBefore = tokenCalls();
    const tracksBefore = sandboxCalls(h.sb, '/track-checkout/');
    await control(h.sb, 'POST', '/mispay/faults', { endpoint: 'track-checkout', kind: 'invalid-token', count: 1 });
    const context = ctx();
    expect((await adapter.inquire(context, attempt)).outcome).toBe('pending');
    const statuses = events(context)
      .filter((e) => e.type === 'GatewayResponseReceived')
      .map((e) => (e.data as { httpStatus: number }).httpStatus);
    expect(statuses).toEqual([401, 200]);
    expect(tokenCalls() - tokensBefore).toBe(1);

    await control(h.sb, 'POST', '/mispay/faults', { endpoint: 'track-checkout', kind: 'expired-token', count: 2 });
    await expect(adapter.inquire(ctx(), attempt)).rejects.toMatchObject({ code: 'GATEWAY.AUTH_FAILED', gatewayCode: 'ME11' });
    expect(tokenCalls() - tokensBefore).toBe(2);
    expect(sandboxCalls(h.sb, '/track-checkout/') - tracksBefore).toBe(4);
  });

  it('re-authenticates on ME11 at end', async () => {
    const adapter = h.makeAdapter();
    const started = await begin(adapter, ctx(), { outcome: 'pay' });
    const page = await visit(started.url);
    await control(h.sb, 'POST', '/mispay/faults', { endpoint: 'end', kind: 'expired-token', count: 1 });
    const result = await adapter.confirm(ctx(), started.attempt, { trigger: 'return', inbound: await returnOf(adapter, page.location!) });
    expect(result.outcome).toBe('paid');
  });

  it('re-authenticates after the gateway forgot its tokens (sandbox reset → ME10)', async () => {
    // A reset also moves the frozen clock to wall time; start from there so the held token stays fresh.
    h.sb.sandbox.reset();
    const adapter = h.makeAdapter();
    await begin(adapter, ctx());
    h.sb.sandbox.reset();
    const context = ctx();
    const result = await adapter.startPayment(context, paymentInput(nextReference()));
    expect(result.outcome).toBe('pending');
    const statuses = events(context)
      .filter((e) => e.type === 'GatewayResponseReceived')
      .map((e) => (e.data as { httpStatus: number }).httpStatus);
    expect(statuses).toEqual([401, 200]);
  });

  it('wrong credentials (ME03): the create fails without a start-checkout being sent', async () => {
    const adapter = h.makeAdapter({ config: { appSecret: 'not-the-secret' } });
    const before = sandboxCalls(h.sb, '/start-checkout');
    const result = await adapter.startPayment(ctx(), paymentInput(nextReference()));
    expect(result).toMatchObject({ outcome: 'failed', failure: { code: 'GATEWAY.AUTH_FAILED', gatewayCode: 'ME03' } });
    expect(sandboxCalls(h.sb, '/start-checkout') - before).toBe(0);
  });
});

describe('MIS Pay adapter: start-checkout (D4)', () => {
  it('sends the v1.2 body with the normalised mobile, stores trackId and records the url only as issued', async () => {
    const context = ctx();
    const { attempt, url, result } = await begin(h.adapter, context);
    expect(result.refs).toEqual({ trackId: expect.any(String) });
    expect(result.expiresAt!.getTime() - h.sb.clock.nowMs()).toBe(24 * 3600_000);
    const sent = (await checkoutInSandbox(attempt.refs.trackId)).request;
    expect(sent).toMatchObject({
      orderId: attempt.reference,
      totalPrice: '200.00',
      shippingAmount: '0.00',
      vat: '30.00',
      discount: { amount: '10.00' },
      purchaseAmount: '220.00',
      purchaseCurrency: 'SAR',
      lang: 'ar',
      version: 'v1.2',
      customerDetails: { mobileNumber: '+966512345678' },
      orderDetails: { items: [{ sku: 'KETTLE-1', nameEnglish: 'Kettle', quantity: '2', unitPrice: '100.00' }] },
    });
    expect(sent.callbackUri).toBeUndefined();
    const recorded = JSON.stringify(events(context));
    expect(recorded).not.toContain(url);
    expect(recorded).toContain('[issued]');
  });

  it('refuses a mobile in another form locally, naming customer.mobile', async () => {
    const before = sandboxCalls(h.sb, '/start-checkout');
    const context = ctx();
    const error = await h.adapter.startPayment(context, paymentInput(nextReference(), { customer: { mobile: '+971501234567' } })).catch((e) => e);
    expect(error).toBeInstanceOf(GatewayError);
    expect(error).toMatchObject({ code: 'GATEWAY.INVALID_REQUEST', details: { field: 'customer.mobile' } });
    await expect(h.adapter.startPayment(context, paymentInput(nextReference(), { amount: sar(22_001) }))).rejects.toMatchObject({ details: { field: 'amount' } });
    await expect(h.adapter.startPayment(context, paymentInput(nextReference(), { items: [{ name: 'x', quantity: 2.5, unitAmount: sar(8_800) }] }))).rejects.toMatchObject({
      details: { field: 'items[0].quantity' },
    });
    expect(sandboxCalls(h.sb, '/start-checkout') - before).toBe(0);
    expect(events(context)).toHaveLength(0);
  });

  it('sends callbackUri only when configured, and the buyer comes back there', async () => {
    const adapter = h.makeAdapter({ config: { sendCallbackUri: true } });
    const started = await begin(adapter, ctx(), { outcome: 'pay' });
    expect((await checkoutInSandbox(started.attempt.refs.trackId)).request.callbackUri).toBe(`${h.capture.url}/callbacks/mispay`);
    expect((await visit(started.url)).location!.startsWith(`${h.capture.url}/callbacks/mispay?_=`)).toBe(true);
  });

  it('abandons a create that timed out at once: failed (create_lost), one request, never re-sent', async () => {
    await control(h.sb, 'POST', '/mispay/faults', { endpoint: 'start-checkout', kind: 'timeout', count: 1 });
    const context = ctx();
    const result = await h.adapter.startPayment(context, paymentInput(nextReference()));
    expect(result).toMatchObject({ outcome: 'failed', failure: { code: 'create_lost' } });
    const recorded = events(context);
    const sent = recorded.filter((e) => e.type === 'GatewayRequestSent' && (e.data as { operation: string }).operation === 'start-checkout');
    expect(sent).toHaveLength(1);
    const failed = recorded.filter((e) => e.type === 'GatewayRequestFailed');
    expect(failed.map((e) => (e.data as { reason: string }).reason)).toEqual(['timeout']);
    // The fault was used up by the one request: nothing else reached the gateway.
    expect(h.sb.sandbox.contexts.mispay!.faults.list()).toEqual([]);
    expect(await h.adapter.recoverCreate(ctx(), snapshot('x', {}, new Date()))).toMatchObject({ outcome: 'failed', failure: { code: 'create_lost' } });
  });

  it('a 5xx create is lost too; a refusal (ME97) fails with its code; 201 is a success', async () => {
    await control(h.sb, 'POST', '/mispay/faults', { endpoint: 'start-checkout', kind: '5xx', count: 1 });
    expect(await h.adapter.startPayment(ctx(), paymentInput(nextReference()))).toMatchObject({ outcome: 'failed', failure: { code: 'create_lost' } });
    await control(h.sb, 'POST', '/mispay/options', { amountMin: '1000.00' });
    expect(await h.adapter.startPayment(ctx(), paymentInput(nextReference()))).toMatchObject({
      outcome: 'failed',
      failure: { code: 'GATEWAY.INVALID_REQUEST', gatewayCode: 'ME97' },
    });
    await control(h.sb, 'POST', '/mispay/options', { amountMin: null, startCheckoutStatus: 201 });
    expect((await h.adapter.startPayment(ctx(), paymentInput(nextReference()))).outcome).toBe('pending');
  });
});

describe('MIS Pay adapter: callback and confirm (D5, D6)', () => {
  it('pays: compare via /checkout, end, transactionId', async () => {
    const context = ctx();
    const { attempt, verdict } = await paidAttempt(h.adapter, context);
    expect(verdict).toMatchObject({ accepted: true, authenticity: 'verified', lookup: { by: 'reference', value: attempt.reference } });
    expect(attempt.outcome).toBe('paid');
    const sandbox = await checkoutInSandbox(attempt.refs.trackId);
    expect(attempt.refs).toEqual({ trackId: sandbox.trackId, checkoutId: sandbox.checkoutId, transactionId: sandbox.transactionId });
    const operations = events(context)
      .filter((e) => e.type === 'GatewayRequestSent')
      .map((e) => (e.data as { operation: string }).operation);
    expect(operations).toEqual(['start-checkout', 'get-checkout', 'end-checkout']);
  });

  it('wrong amount: amount_mismatch and end is never called', async () => {
    const before = sandboxCalls(h.sb, '/end');
    const { attempt } = await paidAttempt(h.adapter, ctx(), { wrongAmount: 1 });
    expect(attempt.outcome).toBe('amount_mismatch');
    expect(sandboxCalls(h.sb, '/end') - before).toBe(0);
  });

  it('refuses a callback with another appId, one in the wrong layering, and a POST', async () => {
    for (const scenario of [{ callbackWrongAppId: true }, { singleBase64: true }]) {
      const started = await begin(h.adapter, ctx(), { outcome: 'pay', ...scenario });
      const verdict = await returnOf(h.adapter, (await visit(started.url)).location!);
      expect(verdict).toMatchObject({ accepted: false, rejection: { code: 'CALLBACK.INVALID' } });
    }
    const started = await begin(h.adapter, ctx(), { outcome: 'pay' });
    const captured = redirectAsCaptured((await visit(started.url)).location!);
    expect(h.adapter.parseInbound(toInbound('return', { ...captured, method: 'POST' })).rejection?.code).toBe('CALLBACK.METHOD_NOT_ALLOWED');
    // + turned into spaces by some query decoder: still accepted.
    const spaced = { ...captured, query: { ...captured.query, _: captured.query._.replace(/\+/g, ' ') } };
    expect(h.adapter.parseInbound(toInbound('return', spaced)).accepted).toBe(true);
  });

  it('MP00 without checkoutId is not final: pending until track-checkout decides', async () => {
    const { attempt } = await begin(h.adapter, ctx());
    const value = encodeCallbackValue(await encryptToBlob(JSON.stringify({ orderId: attempt.reference, code: 'MP00' }), SECRET));
    const verdict = await returnOf(h.adapter, `${h.capture.url}/callbacks/mispay?_=${encodeURIComponent(value)}&appId=sandbox-app-id`);
    expect(verdict).toMatchObject({ accepted: true, claimed: { outcome: 'pending', status: 'MP00' } });
    const before = sandboxCalls(h.sb, '/checkout/');
    expect((await h.adapter.confirm(ctx(), attempt, { trigger: 'return', inbound: verdict })).outcome).toBe('pending');
    expect(sandboxCalls(h.sb, '/checkout/') - before).toBe(0);
  });

  it('falls back to track-checkout when /checkout answers ME05', async () => {
    const started = await begin(h.adapter, ctx(), { outcome: 'pay' });
    const verdict = await returnOf(h.adapter, (await visit(started.url)).location!);
    await control(h.sb, 'POST', '/mispay/faults', { endpoint: 'checkout', kind: 'not-found', count: 1 });
    const context = ctx();
    const result = await h.adapter.confirm(context, started.attempt, { trigger: 'return', inbound: verdict });
    expect(result.outcome).toBe('paid');
    expect(result.detail).toContain('track-checkout');
    expect(
      events(context)
        .filter((e) => e.type === 'GatewayRequestSent')
        .map((e) => (e.data as { operation: string }).operation),
    ).toEqual(['get-checkout', 'track-checkout', 'end-checkout']);
  });

  it('retries end on 5xx after 1, 2 and 4 s', async () => {
    const waits: number[] = [];
    const adapter = h.makeAdapter({ sleep: async (ms) => void waits.push(ms) });
    const started = await begin(adapter, ctx(), { outcome: 'pay' });
    const verdict = await returnOf(adapter, (await visit(started.url)).location!);
    await control(h.sb, 'POST', '/mispay/faults', { endpoint: 'end', kind: '5xx', count: 2 });
    const before = sandboxCalls(h.sb, '/end');
    expect((await adapter.confirm(ctx(), started.attempt, { trigger: 'return', inbound: verdict })).outcome).toBe('paid');
    expect(sandboxCalls(h.sb, '/end') - before).toBe(3);
    expect(waits).toHaveLength(2);
    expect(waits[0]).toBeGreaterThanOrEqual(900);
    expect(waits[0]).toBeLessThanOrEqual(1100);
    expect(waits[1]).toBeGreaterThanOrEqual(1800);
    expect(waits[1]).toBeLessThanOrEqual(2200);
  });

  it('stays authorized when end keeps failing; the job then ends it (idempotent)', async () => {
    const started = await begin(h.adapter, ctx(), { outcome: 'pay' });
    const verdict = await returnOf(h.adapter, (await visit(started.url)).location!);
    await control(h.sb, 'POST', '/mispay/faults', { endpoint: 'end', kind: 'fail-after-commit', count: 4 });
    const first = await h.adapter.confirm(ctx(), started.attempt, { trigger: 'return', inbound: verdict });
    expect(first).toMatchObject({ outcome: 'authorized', retryAfterMs: 5 * 60_000 });
    apply(started.attempt, first);
    const later = await h.adapter.inquire(ctx(), started.attempt);
    expect(later.outcome).toBe('paid');
    expect(later.refs!.transactionId).toBe((await checkoutInSandbox(started.attempt.refs.trackId)).transactionId);
  });

  it('treats end timeouts like 5xx (authorized, retried later)', async () => {
    const adapter = h.makeAdapter({ timeoutsMs: { 'end-checkout': 150 } });
    const started = await begin(adapter, ctx(), { outcome: 'pay' });
    const verdict = await returnOf(adapter, (await visit(started.url)).location!);
    await control(h.sb, 'POST', '/mispay/faults', { endpoint: 'end', kind: 'timeout', count: 4 });
    expect((await adapter.confirm(ctx(), started.attempt, { trigger: 'return', inbound: verdict })).outcome).toBe('authorized');
  });

  it('an end refused because MIS Pay cancelled the unended checkout → canceled', async () => {
    await control(h.sb, 'POST', '/mispay/options', { autoCancelIfNotEnded: 1 });
    const started = await begin(h.adapter, ctx(), { outcome: 'pay' });
    const verdict = await returnOf(h.adapter, (await visit(started.url)).location!);
    await h.sb.clock.advance(60_000);
    const result = await h.adapter.confirm(ctx(), started.attempt, { trigger: 'return', inbound: verdict });
    expect(result).toMatchObject({ outcome: 'canceled' });
    expect(result.detail).toContain('ME04');
  });

  it('answers a duplicate return for a final attempt from stored state, without calls', async () => {
    const { attempt, page } = await paidAttempt();
    const before = h.sb.sandbox.log.list({ gateway: 'mispay', direction: 'in' }).length;
    const again = await returnOf(h.adapter, page.location!);
    expect((await h.adapter.confirm(ctx(), attempt, { trigger: 'return', inbound: again })).outcome).toBe('paid');
    expect(h.sb.sandbox.log.list({ gateway: 'mispay', direction: 'in' }).length).toBe(before);
  });
});

describe('MIS Pay adapter: track-checkout job (D7)', () => {
  it('pending while in progress, with the 5 s first back-off', async () => {
    const { attempt } = await begin(h.adapter, ctx());
    expect(await h.adapter.inquire(ctx(), attempt)).toMatchObject({ outcome: 'pending', gatewayStatus: 'in-progress', retryAfterMs: 5_000 });
  });

  it('a long-poll that runs out the timeout is "no change yet", not an error', async () => {
    await control(h.sb, 'POST', '/mispay/options', { holdSeconds: 30 });
    const adapter = h.makeAdapter({ timeoutsMs: { 'track-checkout': 300 } });
    const { attempt } = await begin(adapter, ctx());
    const context = ctx();
    const result = await adapter.inquire(context, attempt);
    expect(result).toMatchObject({ outcome: 'pending', retryAfterMs: 0 });
    expect(events(context).some((e) => e.type === 'GatewayRequestFailed' && (e.data as { reason: string }).reason === 'timeout')).toBe(true);
    await new Promise((r) => setTimeout(r, 100));
    expect((await h.sb.control('GET', '/mispay/state')).body.state.openHolds).toBe(0);
  });

  it('a held request returns with the change: the buyer pays while the job waits', async () => {
    await control(h.sb, 'POST', '/mispay/options', { holdSeconds: 20 });
    const adapter = h.makeAdapter({ timeoutsMs: { 'track-checkout': 5_000 } });
    const started = await begin(adapter, ctx());
    await visit(started.url);
    const waiting = adapter.inquire(ctx(), started.attempt);
    await new Promise((r) => setTimeout(r, 150));
    await fetch(started.url, { method: 'POST', body: 'action=approve', redirect: 'manual' });
    expect((await waiting).outcome).toBe('pending');
    expect((await adapter.inquire(ctx(), started.attempt)).outcome).toBe('paid');
  });

  it('success runs the MP00 path (compare, end) for both reply shapes', async () => {
    for (const bare of [false, true]) {
      await control(h.sb, 'POST', '/mispay/options', { trackCheckoutBare: bare });
      const started = await begin(h.adapter, ctx(), { outcome: 'pay', webhookDrop: true });
      await visit(started.url);
      const result = await h.adapter.inquire(ctx(), started.attempt);
      expect(result).toMatchObject({ outcome: 'paid', refs: { checkoutId: expect.any(String), transactionId: expect.any(String) } });
    }
  });

  it('canceled → canceled, error → failed, wrong amount → amount_mismatch', async () => {
    const outcomes: Record<string, string> = {};
    for (const [scenario, extra] of [['cancel', {}], ['fail', {}], ['pay', { wrongAmount: 5 }]] as const) {
      const started = await begin(h.adapter, ctx(), { outcome: scenario, ...extra });
      await visit(started.url);
      outcomes[scenario] = (await h.adapter.inquire(ctx(), started.attempt)).outcome;
    }
    expect(outcomes).toEqual({ cancel: 'canceled', fail: 'failed', pay: 'amount_mismatch' });
  });

  it('24 h without a terminal status → expired', async () => {
    await control(h.sb, 'POST', '/mispay/options', { sessionTimeoutMinutes: 100_000 });
    const adapter = h.makeAdapter();
    const { attempt } = await begin(adapter, ctx());
    await h.sb.clock.advance(24 * 3600_000 - 1_000);
    expect((await adapter.inquire(ctx(), attempt)).outcome).toBe('pending');
    await h.sb.clock.advance(1_000);
    expect((await adapter.inquire(ctx(), attempt)).outcome).toBe('expired');
  });

  it('5xx is an error the job backs off from', async () => {
    const { attempt } = await begin(h.adapter, ctx());
    await control(h.sb, 'POST', '/mispay/faults', { endpoint: 'track-checkout', kind: '5xx', count: 1 });
    await expect(h.adapter.inquire(ctx(), attempt)).rejects.toMatchObject({ code: 'GATEWAY.UNAVAILABLE', retrySafe: true });
  });
});

describe('MIS Pay adapter: webhook (D8)', () => {
  async function webhookOf(orderId: string, code: string) {
    const deadline = Date.now() + 5_000;
    for (;;) {
      const found = h.capture.requests.find((r) => r.method === 'POST' && r.rawBody.includes(orderId) && r.rawBody.includes(code));
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no ${code} webhook for ${orderId}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  it('confirms an MP00 webhook through track-checkout before any state change', async () => {
    const started = await begin(h.adapter, ctx(), { outcome: 'pay', callbackDrop: true });
    await visit(started.url);
    const verdict = h.adapter.parseInbound(toInbound('webhook', await webhookOf(started.attempt.reference, 'MP00')));
    expect(verdict).toMatchObject({ accepted: true, authenticity: 'unauthenticated', lookup: { by: 'reference', value: started.attempt.reference }, subject: 'payment' });
    const context = ctx();
    const result = await h.adapter.confirm(context, started.attempt, { trigger: 'webhook', inbound: verdict });
    expect(result.outcome).toBe('paid');
    const operations = events(context)
      .filter((e) => e.type === 'GatewayRequestSent')
      .map((e) => (e.data as { operation: string }).operation);
    expect(operations).toEqual(['track-checkout', 'get-checkout', 'end-checkout']);
  });

  it('refuses a webhook with another appId or from outside the allow-list (SOURCE_REFUSED)', async () => {
    const started = await begin(h.adapter, ctx(), { outcome: 'pay', wrongAppId: true });
    await visit(started.url);
    const wrong = await webhookOf(started.attempt.reference, 'MP00');
    expect(h.adapter.parseInbound(toInbound('webhook', wrong))).toMatchObject({ accepted: false, rejection: { code: 'CALLBACK.SOURCE_REFUSED' }, authenticity: 'forged' });
    const other = await begin(h.adapter, ctx(), { outcome: 'cancel' });
    await visit(other.url);
    const fine = await webhookOf(other.attempt.reference, 'MP02');
    const guarded = h.makeAdapter({ config: { webhookAllowedIps: ['34.166.80.250'] } });
    expect(guarded.parseInbound(toInbound('webhook', fine)).rejection?.code).toBe('CALLBACK.SOURCE_REFUSED');
    expect(h.adapter.parseInbound(toInbound('webhook', fine))).toMatchObject({ accepted: true, claimed: { outcome: 'canceled', status: 'MP02' } });
    expect((await h.adapter.confirm(ctx(), other.attempt, { trigger: 'webhook', inbound: h.adapter.parseInbound(toInbound('webhook', fine)) })).outcome).toBe('canceled');
  });
});

describe('MIS Pay adapter: refunds (D9, D11) and order id (D10)', () => {
  it('refunds partially, refuses more than remains locally, then refunds the rest; MP03 is a refund notice', async () => {
    const { attempt } = await paidAttempt();
    const first = await h.adapter.refund(ctx(), attempt, { refundId: `rf-${attempt.reference}-1`, amount: sar(7_050), refundedBefore: sar(0), reason: 'damaged lid' });
    expect(first).toMatchObject({ status: 'succeeded', gatewayRefundRef: expect.any(String), remaining: sar(14_950) });
    const before = sandboxCalls(h.sb, '/refund');
    await expect(h.adapter.refund(ctx(), attempt, { refundId: 'rf-x', amount: sar(14_951), refundedBefore: sar(7_050) })).rejects.toMatchObject({
      code: 'GATEWAY.INVALID_REQUEST',
      details: { rule: 'REFUND.EXCEEDS_REMAINING', remainingMinor: '14950' },
    });
    expect(sandboxCalls(h.sb, '/refund') - before).toBe(0);
    const rest = await h.adapter.refund(ctx(), attempt, { refundId: `rf-${attempt.reference}-2`, amount: sar(14_950), refundedBefore: sar(7_050) });
    expect(rest).toMatchObject({ status: 'succeeded', remaining: sar(0) });
    const sandbox = await checkoutInSandbox(attempt.refs.trackId);
    expect(sandbox.refunds.map((r: any) => r.merchantRefundId)).toEqual([`rf-${attempt.reference}-1`, `rf-${attempt.reference}-2`]);

    const deadline = Date.now() + 5_000;
    let hook;
    while (!(hook = h.capture.requests.find((r) => r.rawBody.includes(attempt.refs.checkoutId) && r.rawBody.includes('"isFullyRefunded":true')))) {
      if (Date.now() > deadline) throw new Error('no MP03 webhook');
      await new Promise((r) => setTimeout(r, 10));
    }
    const verdict = h.adapter.parseInbound(toInbound('webhook', hook));
    expect(verdict).toMatchObject({ accepted: true, subject: 'refund', lookup: { by: 'checkoutId', value: attempt.refs.checkoutId }, claimed: { status: 'MP03' } });
    const unresolved = [
      { refundId: 'a', status: 'succeeded' as const, amount: sar(7_050) },
      { refundId: 'b', status: 'unknown' as const, amount: sar(14_950) },
    ];
    expect(matchRefundNotice({ isFullyRefunded: true }, PURCHASE, unresolved)).toEqual({ kind: 'confirms', refundId: 'b' });
  });

  it('a refund timeout is unknown and never resent', async () => {
    const { attempt } = await paidAttempt();
    await control(h.sb, 'POST', '/mispay/faults', { endpoint: 'refund', kind: 'timeout', count: 1 });
    const context = ctx();
    const result = await h.adapter.refund(context, attempt, { refundId: `rf-${attempt.reference}`, amount: sar(1_000), refundedBefore: sar(0) });
    expect(result.status).toBe('unknown');
    expect(result.detail).toContain('not resent');
    const recorded = events(context);
    expect(recorded.filter((e) => e.type === 'GatewayRequestSent')).toHaveLength(1);
    expect(recorded.filter((e) => e.type === 'GatewayRequestFailed').map((e) => (e.data as { reason: string }).reason)).toEqual(['timeout']);
    expect(h.sb.sandbox.contexts.mispay!.faults.list()).toEqual([]);
  });

  it('a 5xx refund is unknown; a refusal (ME97) is failed; the same refund id gets the first result', async () => {
    const { attempt } = await paidAttempt();
    await control(h.sb, 'POST', '/mispay/faults', { endpoint: 'refund', kind: '5xx', count: 1 });
    expect((await h.adapter.refund(ctx(), attempt, { refundId: 'rf-5xx', amount: sar(100), refundedBefore: sar(0) })).status).toBe('unknown');
    const refused = await h.adapter.refund(ctx(), { ...attempt, refs: { ...attempt.refs, orderId: 'NOT-THE-ORDER' } }, { refundId: 'rf-no', amount: sar(100), refundedBefore: sar(0) });
    expect(refused).toMatchObject({ status: 'failed' });
    expect(refused.detail).toContain('ME97');
    const once = await h.adapter.refund(ctx(), attempt, { refundId: `rf-same-${attempt.reference}`, amount: sar(100), refundedBefore: sar(0) });
    const twice = await h.adapter.refund(ctx(), attempt, { refundId: `rf-same-${attempt.reference}`, amount: sar(100), refundedBefore: sar(100) });
    expect(twice.gatewayRefundRef).toBe(once.gatewayRefundRef);
  });

  it('updates the order id of a paid checkout and refunds under the new id', async () => {
    const { attempt } = await paidAttempt();
    const newId = `NEW-${attempt.reference}`.slice(0, 32);
    const { refs } = await h.adapter.updateOrderId(ctx(), attempt, newId);
    expect(refs).toEqual({ orderId: newId });
    attempt.refs = { ...attempt.refs, ...refs };
    expect((await checkoutInSandbox(attempt.refs.trackId)).orderId).toBe(newId);
    expect((await h.adapter.refund(ctx(), attempt, { refundId: `rf-new-${attempt.reference}`, amount: sar(500), refundedBefore: sar(0) })).status).toBe('succeeded');
  });

  it('uses the configured update-order-id path', async () => {
    const { attempt } = await paidAttempt();
    const adapter = h.makeAdapter({ config: { updateOrderIdPath: '/orders/{checkoutId}/rename' } });
    await expect(adapter.updateOrderId(ctx(), attempt, 'NEW-X')).rejects.toBeInstanceOf(GatewayError);
    expect(sandboxCalls(h.sb, `/orders/${attempt.refs.checkoutId}/rename`)).toBe(1);
  });
});

describe('MIS Pay adapter: bad responses', () => {
  let server: http.Server;
  let mode = 'garbage';
  let baseUrl: string;
  let tokenBlob: string;

  beforeAll(async () => {
    const claims = Buffer.from(JSON.stringify({ exp: Math.floor(Date.now() / 1000) + 3600 })).toString('base64url');
    tokenBlob = await encryptToBlob(JSON.stringify({ token: `eyJhbGciOiJIUzI1NiJ9.${claims}.sig` }), SECRET);
    server = http.createServer((req, res) => {
      if (req.url?.endsWith('/token')) {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'success', result: { token: tokenBlob } }));
        return;
      }
      switch (mode) {
        case 'garbage':
          res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"succ');
          break;
        case 'html':
          res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>Bad gateway</body></html>');
          break;
        case 'empty':
          res.writeHead(200, { 'content-type': 'application/json' }).end('');
          break;
        case 'wrong-type':
          res.writeHead(200, { 'content-type': 'text/plain' }).end(JSON.stringify({ status: 'success', result: { status: 'success' } }));
          break;
        case 'unknown-status':
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'success', result: { orderId: 'x', purchaseAmount: 1, purchaseCurrency: 'SAR', status: 'on-hold' } }));
          break;
        case 'end-garbage':
          if (req.url?.endsWith('/end')) res.writeHead(200, { 'content-type': 'application/json' }).end('<<not json>>');
          else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'success', result: { id: 'c1', orderId: 'BAD-1', purchaseAmount: '220.00', purchaseCurrency: 'SAR' } }));
          break;
        case 'html-502':
          res.writeHead(502, { 'content-type': 'text/html' }).end('<html>502</html>');
          break;
        default:
          res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/api`;
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const attempt = (outcome: AttemptSnapshot['outcome'] = 'pending'): AttemptSnapshot => ({ ...snapshot('BAD-1', { trackId: 't1', checkoutId: 'c1' }, h.sb.clock.now()), outcome });

  it.each(['garbage', 'html', 'empty', 'wrong-type', 'json-without-envelope'])('%s from track-checkout → GATEWAY.BAD_RESPONSE', async (which) => {
    mode = which;
    const adapter = h.makeAdapter({ config: { baseUrl } });
    const context = ctx();
    await expect(adapter.inquire(context, attempt())).rejects.toMatchObject({ code: 'GATEWAY.BAD_RESPONSE' });
    expect(events(context).some((e) => e.type === 'GatewayRequestFailed' && (e.data as { reason: string }).reason === 'malformed')).toBe(true);
  });

  it('an unknown track-checkout status → outcome unknown (polled, never guessed)', async () => {
    mode = 'unknown-status';
    const adapter = h.makeAdapter({ config: { baseUrl } });
    expect(await adapter.inquire(ctx(), attempt())).toMatchObject({ outcome: 'unknown', gatewayStatus: 'on-hold' });
  });

  it('an HTML 502 → GATEWAY.UNAVAILABLE', async () => {
    mode = 'html-502';
    await expect(h.makeAdapter({ config: { baseUrl } }).inquire(ctx(), attempt())).rejects.toMatchObject({ code: 'GATEWAY.UNAVAILABLE' });
  });

  it('garbage after a create is a lost create; after a refund an unknown refund; after end an authorized attempt', async () => {
    mode = 'garbage';
    const adapter = h.makeAdapter({ config: { baseUrl } });
    expect(await adapter.startPayment(ctx(), paymentInput(nextReference()))).toMatchObject({ outcome: 'failed', failure: { code: 'create_lost' } });
    expect((await adapter.refund(ctx(), attempt('paid'), { refundId: 'r', amount: sar(100), refundedBefore: sar(0) })).status).toBe('unknown');
    mode = 'json-without-envelope';
    await expect(adapter.updateOrderId(ctx(), attempt('paid'), 'NEW-1')).rejects.toMatchObject({ code: 'GATEWAY.BAD_RESPONSE' });
    mode = 'end-garbage';
    expect(await adapter.inquire(ctx(), attempt('authorized'))).toMatchObject({ outcome: 'authorized', retryAfterMs: 5 * 60_000 });
  });

  it('a token reply that does not decrypt is a bad response, never a crash', async () => {
    const original = tokenBlob;
    tokenBlob = Buffer.from('x'.repeat(60)).toString('base64');
    try {
      await expect(h.makeAdapter({ config: { baseUrl } }).inquire(ctx(), attempt())).rejects.toMatchObject({ code: 'GATEWAY.BAD_RESPONSE' });
    } finally {
      tokenBlob = original;
    }
  });
});

describe('MIS Pay adapter: redaction', () => {
  it('never records the app secret, a JWT, x-app-secret or a full card number', () => {
    const sessionEvents = h.sessionSink.events.map((e) => e.event);
    const everything = [...allEvents, ...sessionEvents];
    expect(everything.length).toBeGreaterThan(50);
    assertNoSecrets(everything, [SECRET]);
    const text = JSON.stringify(everything);
    expect(text).not.toMatch(JWT_PATTERN);
    expect(text).toContain('"x-app-secret":"[REDACTED]"');
    expect(text).toContain('"authorization":"[REDACTED]"');
  });
});
