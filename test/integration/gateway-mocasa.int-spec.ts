import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { NewEvent } from '@payledger/event-store';
import { AttemptSnapshot, GatewayCallContext, GatewayError, InboundVerdict, InteractionRecorder } from '@payledger/gateways';
import { Money } from '@payledger/kernel';
import { SANDBOX_CREDENTIALS } from '@payledger/config';
import { MOCASA_CAPABILITIES, MocasaAdapter } from '../../libs/gateways/src/mocasa';
import { assertNoSecrets, runGatewayScenarioSuite } from '../gateways/scenarios';
import { createMocasaDriver, MocasaTestRig, nextReference, PAYMENT_AMOUNT, snapshotFrom, startMocasaRig, visitPaymentLink, webhooksFor } from '../gateways/mocasa.driver';
import { redirectAsCaptured, toInbound } from '../support/sandbox';

runGatewayScenarioSuite(() => createMocasaDriver());

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const SECRET = SANDBOX_CREDENTIALS.mocasa.clientSecret;

describe('mocasa adapter decisions', () => {
  let rig: MocasaTestRig;
  const adapters: MocasaAdapter[] = [];
  /** Full identity numbers sent to Mocasa: none may be recorded. */
  const identityValues: string[] = [];

  const fresh = (overrides?: Parameters<MocasaTestRig['makeAdapter']>[0]) => {
    const adapter = rig.makeAdapter(overrides);
    adapters.push(adapter);
    return adapter;
  };
  const control = (method: 'GET' | 'POST', path: string, body?: unknown) => rig.sandbox.control(method, path, body);
  const fault = (body: Record<string, unknown>) => control('POST', '/mocasa/faults', { count: 1, ...body });
  const scenario = (reference: string, body: Record<string, unknown>) => control('POST', '/mocasa/scenarios', { reference, ...body });
  const setOptions = (options: Record<string, unknown>) => control('POST', '/mocasa/options', options);
  const simState = async () => (await control('GET', '/mocasa/state')).body.state;
  const inbound = (path: string) => rig.sandbox.sandbox.log.list({ gateway: 'mocasa', direction: 'in', path });
  const operations = (events: readonly NewEvent[], type = 'GatewayRequestSent') =>
    events.filter((e) => e.type === type).map((e) => (e.data as { operation: string }).operation);

  async function start(adapter: MocasaAdapter, ctx: GatewayCallContext, reference = nextReference('A'), customer: { id?: string } = { id: 'cust-7' }) {
    const started = await adapter.startPayment(ctx, { paymentId: `pay_${reference}`, reference, orderId: `ORD-${reference}`, amount: PAYMENT_AMOUNT, description: 'Rice cooker', customer });
    return { reference, started, attempt: snapshotFrom(reference, PAYMENT_AMOUNT, rig.sandbox.clock.now(), started) };
  }

  async function paidAttempt(adapter: MocasaAdapter, ctx: GatewayCallContext): Promise<AttemptSnapshot> {
    const reference = nextReference('P');
    await scenario(reference, { outcome: 'pay' });
    const { started, attempt } = await start(adapter, ctx, reference);
    await visitPaymentLink(started.redirect!.url);
    const confirmed = await adapter.inquire(ctx, attempt);
    expect(confirmed.outcome).toBe('paid');
    return { ...attempt, outcome: 'paid' };
  }

  beforeAll(async () => {
    rig = await startMocasaRig();
  });

  afterAll(async () => {
    await rig.close();
  });

  beforeEach(async () => {
    await control('POST', '/reset');
    for (const key of Object.keys(rig.sandbox.sandbox.contexts.mocasa!.options)) delete rig.sandbox.sandbox.contexts.mocasa!.options[key];
    rig.sleeps.splice(0);
    rig.capture.requests.splice(0);
    rig.capture.respondWith(200);
  });

  describe('token (D1–D3)', () => {
    it('applies once for concurrent calls; the apply is recorded on the session stream, not the payment', async () => {
      const adapter = fresh();
      const ctx = rig.context();
      await Promise.all([1, 2, 3, 4, 5].map(() => start(adapter, ctx)));
      expect(inbound('/mocasa/auth/token/apply')).toHaveLength(1);
      expect(operations(ctx.recorder.peek())).not.toContain('token-apply');
      const session = rig.sessionSink.events.map((e) => e.event);
      const apply = session.find((e) => e.type === 'GatewayRequestSent' && (e.data as { operation: string }).operation === 'token-apply')!;
      expect((apply.data as { body: Record<string, string> }).body).toEqual({ clientKey: 'mp_sandbox', clientSecret: '[REDACTED]' });
      expect(session.some((e) => e.type === 'GatewayTokenIssued')).toBe(true);
      const sent = ctx.recorder.peek().find((e) => e.type === 'GatewayRequestSent')!;
      expect((sent.data as { headers: Record<string, string> }).headers.accesstoken).toBe('[REDACTED]');
    });

    it('renews 60 s before expiry and not earlier', async () => {
      const adapter = fresh();
      const ctx = rig.context();
      await start(adapter, ctx);
      expect(adapter.mocasaClient.peekToken()!.expiresAt.getTime()).toBe(rig.sandbox.clock.nowMs() + 2 * HOUR);
      await control('POST', '/clock', { advanceMs: 2 * HOUR - 61_000 });
      await start(adapter, ctx);
      expect(inbound('/mocasa/auth/token/apply')).toHaveLength(1);
      await control('POST', '/clock', { advanceMs: 2_000 });
      await start(adapter, ctx);
      expect(inbound('/mocasa/auth/token/apply')).toHaveLength(2);
    });

    it('reads expireTime as seconds from the request when it is small (D2)', async () => {
      await setOptions({ expireTimeAsSecondsFromNow: true, tokenLifetimeMs: 10 * MINUTE });
      const adapter = fresh();
      await start(adapter, rig.context());
      expect(adapter.mocasaClient.peekToken()!.expiresAt.getTime()).toBe(rig.sandbox.clock.nowMs() + 10 * MINUTE);
    });

    it('caps a lifetime above 24 h at 24 h (D2)', async () => {
      await setOptions({ tokenLifetimeMs: 48 * HOUR });
      const adapter = fresh();
      await start(adapter, rig.context());
      expect(adapter.mocasaClient.peekToken()!.expiresAt.getTime()).toBe(rig.sandbox.clock.nowMs() + 24 * HOUR);
    });

    it('re-applies once and retries once on an auth envelope code with HTTP 200', async () => {
      const adapter = fresh();
      const ctx = rig.context();
      const { attempt } = await start(adapter, ctx);
      await fault({ endpoint: 'payment/order/query', kind: 'success-false', code: '401', message: 'token expired' });
      expect((await adapter.inquire(ctx, attempt)).outcome).toBe('pending');
      expect(inbound('/mocasa/auth/token/apply')).toHaveLength(2);
      const queries = ctx.recorder.peek().filter((e) => e.type === 'GatewayRequestSent' && (e.data as { operation: string }).operation === 'query-order');
      expect(queries.map((e) => (e.data as { attempt: number }).attempt)).toEqual([1, 2]);
    });

    it('gives up with GATEWAY.AUTH_FAILED when the new token is refused too', async () => {
      const adapter = fresh();
      const ctx = rig.context();
      const { attempt } = await start(adapter, ctx);
      await fault({ endpoint: 'payment/order/query', kind: 'success-false', code: '403', httpStatus: 403, count: 2 });
      await expect(adapter.inquire(ctx, attempt)).rejects.toMatchObject({ code: 'GATEWAY.AUTH_FAILED' });
      expect(inbound('/mocasa/auth/token/apply')).toHaveLength(2);
      expect(operations(ctx.recorder.peek()).filter((o) => o === 'query-order')).toHaveLength(2);
    });

    it('uses the configured auth codes (MOCASA_AUTH_CODES)', async () => {
      const adapter = fresh({ config: { authCodes: ['TOKEN_EXPIRED'] } });
      const ctx = rig.context();
      const { attempt } = await start(adapter, ctx);
      await fault({ endpoint: 'payment/order/query', kind: 'success-false', code: 'TOKEN_EXPIRED' });
      expect((await adapter.inquire(ctx, attempt)).outcome).toBe('pending');
      await fault({ endpoint: 'payment/order/query', kind: 'success-false', code: '401' });
      await expect(adapter.inquire(ctx, attempt)).rejects.toMatchObject({ code: 'GATEWAY.REJECTED', gatewayCode: '401' });
    });

    it('re-applies when Mocasa has expired the token before the time it gave (HTTP 401)', async () => {
      const adapter = fresh({ now: () => new Date(rig.sandbox.clock.nowMs() - 3 * HOUR) });
      const ctx = rig.context();
      await start(adapter, ctx);
      await start(adapter, ctx);
      expect(inbound('/mocasa/auth/token/apply')).toHaveLength(1);
      // The adapter's clock says the token is young; Mocasa's says it is dead.
      await control('POST', '/clock', { advanceMs: 2 * HOUR });
      const third = await start(adapter, ctx);
      expect(third.started.outcome).toBe('pending');
      expect(ctx.recorder.peek().some((e) => e.type === 'GatewayResponseReceived' && (e.data as { httpStatus: number }).httpStatus === 401)).toBe(true);
      expect(inbound('/mocasa/auth/token/apply')).toHaveLength(2);
    });

    it('refuses wrong credentials with GATEWAY.AUTH_FAILED, recorded without the secret', async () => {
      const adapter = fresh({ config: { clientSecret: 'wrong-secret-value-123' } });
      await expect(start(adapter, rig.context())).rejects.toMatchObject({ code: 'GATEWAY.AUTH_FAILED' });
      const session = rig.sessionSink.events.map((e) => e.event);
      expect(session.some((e) => e.type === 'GatewayResponseReceived' && (e.data as { httpStatus: number }).httpStatus === 401)).toBe(true);
      expect(JSON.stringify(session)).not.toContain('wrong-secret-value-123');
    });
  });

  describe('startPayment (D6)', () => {
    it('creates with orderNo = reference, a two-decimal amount, customerId and our returnUrl', async () => {
      const adapter = fresh();
      const { reference, started } = await start(adapter, rig.context());
      const order = (await simState()).orders[0];
      expect(order).toMatchObject({
        orderNo: reference,
        amount: '1500.00',
        productName: 'Rice cooker',
        customerId: 'cust-7',
        returnUrl: `${rig.capture.url}/callbacks/mocasa?reference=${reference}`,
      });
      expect(started).toMatchObject({
        outcome: 'pending',
        redirect: { method: 'GET', url: `${rig.sandbox.url}/mocasa/pay/${reference}` },
        refs: { orderNo: reference, paymentLink: `${rig.sandbox.url}/mocasa/pay/${reference}`, customerId: 'cust-7', productName: 'Rice cooker' },
      });
    });

    it('refuses a missing customer.id locally, naming it', async () => {
      const adapter = fresh();
      const error = await start(adapter, rig.context(), nextReference('C'), {}).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(GatewayError);
      expect(error).toMatchObject({ code: 'GATEWAY.INVALID_REQUEST', details: { field: 'customer.id' } });
      expect((error as Error).message).toContain('customer.id');
      expect(inbound('/mocasa/payment/order/create')).toHaveLength(0);
    });

    it('refuses another currency, a bad reference and one that looks like a transfer serial', async () => {
      const adapter = fresh();
      const ctx = rig.context();
      const base = { paymentId: 'p', orderId: 'o', customer: { id: 'c' } };
      await expect(adapter.startPayment(ctx, { ...base, reference: 'PLX1', amount: Money.of(100n, 'SAR') })).rejects.toMatchObject({ code: 'GATEWAY.INVALID_REQUEST' });
      await expect(adapter.startPayment(ctx, { ...base, reference: 'bad ref', amount: PAYMENT_AMOUNT })).rejects.toMatchObject({ code: 'GATEWAY.INVALID_REQUEST' });
      await expect(adapter.startPayment(ctx, { ...base, reference: 'PO-123', amount: PAYMENT_AMOUNT })).rejects.toMatchObject({ code: 'GATEWAY.INVALID_REQUEST' });
      expect(inbound('/mocasa/payment/order/create')).toHaveLength(0);
    });

    it('a refused create is failed, with Mocasa code and message', async () => {
      const adapter = fresh();
      await fault({ endpoint: 'payment/order/create', kind: 'success-false', code: '400', message: 'productName is required' });
      const { started } = await start(adapter, rig.context());
      expect(started).toMatchObject({ outcome: 'failed', failure: { code: 'GATEWAY.INVALID_REQUEST', gatewayCode: '400' } });
    });

    it('a duplicate orderNo on create means an earlier try got through: the order is adopted', async () => {
      const adapter = fresh();
      const ctx = rig.context();
      const first = await start(adapter, ctx);
      const again = await start(adapter, ctx, first.reference);
      expect(again.started).toMatchObject({ outcome: 'pending', redirect: { url: first.started.redirect!.url } });
      expect(operations(ctx.recorder.peek()).slice(-2)).toEqual(['create-order', 'query-order']);
    });
  });

  describe('recoverCreate (D6)', () => {
    it('a create that timed out uncommitted: not found twice → created again with the same orderNo', async () => {
      const adapter = fresh();
      const ctx = rig.context();
      await fault({ endpoint: 'payment/order/create', kind: 'timeout', delayMs: 5000 });
      const { reference, started, attempt } = await start(adapter, ctx);
      expect(started).toMatchObject({ outcome: 'create_unknown', refs: { orderNo: reference, customerId: 'cust-7' } });
      rig.sleeps.splice(0);
      const recovered = await adapter.recoverCreate(ctx, attempt);
      expect(recovered).toMatchObject({ outcome: 'pending', redirect: { url: `${rig.sandbox.url}/mocasa/pay/${reference}` } });
      expect(rig.sleeps).toEqual([5000, 10_000]);
      expect(operations(ctx.recorder.peek())).toEqual(['create-order', 'query-order', 'query-order', 'create-order']);
      expect((await simState()).orders.map((o: { orderNo: string }) => o.orderNo)).toEqual([reference]);
    });

    it('a create done at Mocasa whose reply was lost: found on the first look and adopted', async () => {
      const adapter = fresh();
      const ctx = rig.context();
      await fault({ endpoint: 'payment/order/create', kind: 'commit-then-timeout', delayMs: 5000 });
      const { reference, attempt } = await start(adapter, ctx);
      rig.sleeps.splice(0);
      const recovered = await adapter.recoverCreate(ctx, attempt);
      expect(recovered).toMatchObject({ outcome: 'pending', refs: { paymentLink: `${rig.sandbox.url}/mocasa/pay/${reference}` } });
      expect(rig.sleeps).toEqual([5000]);
      expect(operations(ctx.recorder.peek()).filter((o) => o === 'create-order')).toHaveLength(1);
    });

    it('no answer at all: stays create_unknown and nothing is created again', async () => {
      const adapter = fresh();
      const ctx = rig.context();
      await fault({ endpoint: 'payment/order/create', kind: 'timeout', delayMs: 5000 });
      const { attempt } = await start(adapter, ctx);
      await fault({ endpoint: 'payment/order/query', kind: '5xx', count: 3 });
      rig.sleeps.splice(0);
      expect((await adapter.recoverCreate(ctx, attempt)).outcome).toBe('create_unknown');
      expect(rig.sleeps).toEqual([5000, 10_000, 30_000]);
      expect(operations(ctx.recorder.peek()).filter((o) => o === 'create-order')).toHaveLength(1);
      expect((await simState()).orders).toEqual([]);
    });

    it('"not found", no answer, "not found" is not twice in a row: no second create', async () => {
      const adapter = fresh();
      const ctx = rig.context();
      await fault({ endpoint: 'payment/order/create', kind: 'timeout', delayMs: 5000 });
      const { attempt } = await start(adapter, ctx);
      await fault({ endpoint: 'payment/order/query', kind: 'success-false', code: 'ORDER_NOT_FOUND' });
      await fault({ endpoint: 'payment/order/query', kind: '5xx' });
      expect((await adapter.recoverCreate(ctx, attempt)).outcome).toBe('create_unknown');
      expect(operations(ctx.recorder.peek())).toEqual(['create-order', 'query-order', 'query-order', 'query-order']);
    });

    it('a duplicate refusal of the second create means it exists: queried again and adopted', async () => {
      const adapter = fresh();
      const ctx = rig.context();
      await fault({ endpoint: 'payment/order/create', kind: 'commit-then-timeout', delayMs: 5000 });
      const { reference, attempt } = await start(adapter, ctx);
      await fault({ endpoint: 'payment/order/query', kind: 'success-false', code: 'ORDER_NOT_FOUND', count: 2 });
      const recovered = await adapter.recoverCreate(ctx, attempt);
      expect(recovered).toMatchObject({ outcome: 'pending', refs: { orderNo: reference } });
      expect(operations(ctx.recorder.peek())).toEqual(['create-order', 'query-order', 'query-order', 'create-order', 'query-order']);
      const duplicate = ctx.recorder.peek().find((e) => e.type === 'GatewayResponseReceived' && (e.data as { operation: string }).operation === 'create-order')!;
      expect((duplicate.data as { body: { code: string } }).body.code).toBe('DUPLICATE_ORDER_NO');
    });

    it('honours the configured not-found codes (MOCASA_ORDER_NOT_FOUND_CODES)', async () => {
      const adapter = fresh({ config: { orderNotFoundCodes: ['NO_SUCH_ORDER'] } });
      const ctx = rig.context();
      await fault({ endpoint: 'payment/order/create', kind: 'timeout', delayMs: 5000 });
      const { attempt } = await start(adapter, ctx);
      // ORDER_NOT_FOUND is not in this set: it counts as no answer.
      expect((await adapter.recoverCreate(ctx, attempt)).outcome).toBe('create_unknown');
      await fault({ endpoint: 'payment/order/query', kind: 'success-false', code: 'NO_SUCH_ORDER', count: 2 });
      expect((await adapter.recoverCreate(ctx, attempt)).outcome).toBe('pending');
    });

    it('cannot create again without the customer id it stored, and says create_unknown', async () => {
      const adapter = fresh();
      const ctx = rig.context();
      const reference = nextReference('N');
      const attempt: AttemptSnapshot = { reference, paymentId: 'p', amount: PAYMENT_AMOUNT, createdAt: new Date(), outcome: 'create_unknown', refs: {}, orderId: 'o' };
      expect((await adapter.recoverCreate(ctx, attempt)).outcome).toBe('create_unknown');
      expect(operations(ctx.recorder.peek())).toEqual(['query-order', 'query-order']);
    });
  });

  describe('inbound and confirm (D7–D10)', () => {
    async function payWith(adapter: MocasaAdapter, ctx: GatewayCallContext, settings: Record<string, unknown>, copies = 1) {
      const reference = nextReference('W');
      await scenario(reference, settings);
      const { started, attempt } = await start(adapter, ctx, reference);
      const location = await visitPaymentLink(started.redirect!.url);
      const hooks = settings.drop ? [] : await webhooksFor(rig.capture, reference, copies);
      const verdicts: InboundVerdict[] = hooks.map((h) => adapter.parseInbound(toInbound('webhook', h)));
      return { reference, attempt, location, verdicts };
    }

    it('statusLies: a correctly signed success is not believed; the query says failed', async () => {
      const adapter = fresh();
      const ctx = rig.context();
      const { attempt, verdicts } = await payWith(adapter, ctx, { outcome: 'fail', statusLies: true });
      expect(verdicts[0]).toMatchObject({ accepted: true, authenticity: 'verified', claimed: { outcome: 'paid' } });
      const confirmed = await adapter.confirm(ctx, attempt, { trigger: 'webhook', inbound: verdicts[0] });
      expect(confirmed).toMatchObject({ outcome: 'failed', gatewayStatus: 'failed' });
      expect(confirmed.detail).toContain('the query wins');
    });

    it('hex signatures and form bodies are accepted, and the matching form recorded', async () => {
      const adapter = fresh();
      const ctx = rig.context();
      const { verdicts } = await payWith(adapter, ctx, { outcome: 'pay', hexSignature: true, form: true });
      expect(verdicts[0]).toMatchObject({ accepted: true, recorded: { signatureForm: 'base64-hex-lower', contentType: 'application/x-www-form-urlencoded' } });
      expect(verdicts[0].claimed?.amount?.equals(PAYMENT_AMOUNT)).toBe(true);
    });

    it.each([['badSignature'], ['noSignature']])('%s: refused as forged with CALLBACK.SIGNATURE_INVALID', async (control) => {
      const adapter = fresh();
      const { verdicts } = await payWith(adapter, rig.context(), { outcome: 'pay', [control]: true });
      expect(verdicts[0]).toMatchObject({ accepted: false, authenticity: 'forged', rejection: { code: 'CALLBACK.SIGNATURE_INVALID' } });
    });

    it('burst: every copy has the same dedupKey (orderNo|txStatus)', async () => {
      const adapter = fresh();
      const { reference, verdicts } = await payWith(adapter, rig.context(), { outcome: 'pay', burst: 3 }, 3);
      expect(new Set(verdicts.map((v) => v.dedupKey))).toEqual(new Set([`${reference}|success`]));
    });

    it('wrongAmount: the claimed amount is recorded and the attempt is held as amount_mismatch, not paid', async () => {
      const adapter = fresh();
      const ctx = rig.context();
      const { attempt, verdicts } = await payWith(adapter, ctx, { outcome: 'pay', wrongAmount: '1499.99' });
      expect(verdicts[0].claimed?.amount?.toDecimalString()).toBe('1499.99');
      const confirmed = await adapter.confirm(ctx, attempt, { trigger: 'webhook', inbound: verdicts[0] });
      expect(confirmed).toMatchObject({ outcome: 'amount_mismatch', gatewayStatus: 'success' });
      expect(confirmed.gatewayAmount).toBeUndefined();
    });

    it('the return only triggers a query: parameters Mocasa appends are ignored', async () => {
      await setOptions({ appendOrderNo: true });
      const adapter = fresh();
      const ctx = rig.context();
      const { reference, attempt, location } = await payWith(adapter, ctx, { outcome: 'pay' });
      const verdict = adapter.parseInbound(toInbound('return', redirectAsCaptured(location!)));
      expect(verdict).toMatchObject({ accepted: true, authenticity: 'unauthenticated', lookup: { by: 'reference', value: reference }, recorded: { query: { orderNo: reference } } });
      ctx.recorder.drain();
      expect((await adapter.confirm(ctx, attempt, { trigger: 'return', inbound: verdict })).outcome).toBe('paid');
      expect(operations(ctx.recorder.peek())).toEqual(['query-order']);
    });

    it('a pending order is re-queried on the D10 schedule; after 24 h it is for manual review', async () => {
      const adapter = fresh();
      const ctx = rig.context();
      const { attempt } = await start(adapter, ctx);
      const now = rig.sandbox.clock.nowMs();
      expect(await adapter.inquire(ctx, { ...attempt, createdAt: new Date(now - 3 * MINUTE) })).toMatchObject({ outcome: 'pending', gatewayStatus: 'pending', retryAfterMs: 2 * MINUTE });
      expect(await adapter.inquire(ctx, { ...attempt, createdAt: new Date(now - 11 * MINUTE) })).toMatchObject({ outcome: 'pending', retryAfterMs: 29 * MINUTE });
      const late = await adapter.inquire(ctx, { ...attempt, createdAt: new Date(now - 25 * HOUR) });
      expect(late.outcome).toBe('unknown');
      expect(late.retryAfterMs).toBeUndefined();
      expect(late.detail).toContain('manual review');
    });

    it('a transient query failure is tried again (the query is read-only); an unknown order is GATEWAY.NOT_FOUND', async () => {
      const adapter = fresh();
      const ctx = rig.context();
      const { attempt } = await start(adapter, ctx);
      rig.sleeps.splice(0);
      await fault({ endpoint: 'payment/order/query', kind: '5xx' });
      expect((await adapter.inquire(ctx, attempt)).outcome).toBe('pending');
      expect(rig.sleeps).toEqual([500]);
      await fault({ endpoint: 'payment/order/query', kind: '5xx', count: 3 });
      await expect(adapter.inquire(ctx, attempt)).rejects.toMatchObject({ code: 'GATEWAY.UNAVAILABLE' });
      await expect(adapter.inquire(ctx, { ...attempt, reference: 'PLnever' })).rejects.toMatchObject({ code: 'GATEWAY.NOT_FOUND', gatewayCode: 'ORDER_NOT_FOUND' });
    });
  });

  describe('refund (D11)', () => {
    const refundInput = (amount = PAYMENT_AMOUNT, reason?: string) => ({ refundId: 'rf_1', amount, refundedBefore: Money.zero('PHP'), reason });

    it('refunds the whole order with the default reason; a second refund is refused', async () => {
      const adapter = fresh();
      const ctx = rig.context();
      const attempt = await paidAttempt(adapter, ctx);
      const refund = await adapter.refund(ctx, attempt, refundInput());
      expect(refund).toMatchObject({ status: 'succeeded' });
      expect(refund.gatewayRefundRef).toMatch(/^RF\d+$/);
      const sent = ctx.recorder.peek().filter((e) => e.type === 'GatewayRequestSent' && (e.data as { operation: string }).operation === 'refund-order');
      expect((sent[0].data as { body: Record<string, string> }).body).toEqual({ orderNo: attempt.reference, reason: 'refund' });
      const again = await adapter.refund(ctx, attempt, refundInput(PAYMENT_AMOUNT, 'second'));
      expect(again.status).toBe('failed');
      expect(again.detail).toContain('REFUND_NOT_ALLOWED');
    });

    it('refuses a partial refund locally: partial refunds are unsupported', async () => {
      const adapter = fresh();
      const ctx = rig.context();
      const attempt = await paidAttempt(adapter, ctx);
      const partial = await adapter.refund(ctx, attempt, refundInput(Money.parse('100.00', 'PHP'))).catch((e: unknown) => e);
      expect(partial).toMatchObject({ code: 'GATEWAY.UNSUPPORTED', details: { operation: 'partialRefund', partialRefundsSupported: false } });
      expect((partial as Error).message).toContain('partial refunds are unsupported');
      await expect(adapter.refund(ctx, attempt, { ...refundInput(), refundedBefore: Money.parse('1.00', 'PHP') })).rejects.toMatchObject({ code: 'GATEWAY.UNSUPPORTED' });
      expect(operations(ctx.recorder.peek())).not.toContain('refund-order');
    });

    it('another refundStatus is pending_review', async () => {
      await setOptions({ refundStatus: 'processing' });
      const adapter = fresh();
      const ctx = rig.context();
      const refund = await adapter.refund(ctx, await paidAttempt(adapter, ctx), refundInput(PAYMENT_AMOUNT, 'damaged'));
      expect(refund.status).toBe('pending_review');
    });

    it.each([
      ['timeout', { kind: 'timeout', delayMs: 5000 }],
      ['5xx', { kind: '5xx' }],
      ['commit-then-drop', { kind: 'commit-then-drop' }],
    ])('a refund without an answer (%s) is unknown and never resent', async (_name, spec) => {
      const adapter = fresh();
      const ctx = rig.context();
      const attempt = await paidAttempt(adapter, ctx);
      await fault({ endpoint: 'payment/order/refund', ...spec });
      expect((await adapter.refund(ctx, attempt, refundInput())).status).toBe('unknown');
      expect(operations(ctx.recorder.peek()).filter((o) => o === 'refund-order')).toHaveLength(1);
    });
  });

  describe('payouts (D12)', () => {
    const beneficiary = {
      beneficiaryId: 'ben_1',
      idType: 'TIN',
      idNo: 'ID-998877665544',
      name: 'Maria Santos',
      phone: '+639171234567',
      businessLicense: 'LIC-ABCDEF-4321',
      shopName: 'Santos Store',
    };
    let serialCounter = 0;
    const serial = () => `PO-${Date.now().toString(36)}-${(serialCounter += 1)}`;

    async function payee(adapter: MocasaAdapter, ctx: GatewayCallContext): Promise<string> {
      identityValues.push(beneficiary.idNo, beneficiary.businessLicense);
      return (await adapter.createBeneficiary(ctx, beneficiary)).accountNo;
    }

    it('creates a beneficiary with businessLisence, recording identity data masked', async () => {
      const adapter = fresh();
      const ctx = rig.context();
      const result = await adapter.createBeneficiary(ctx, beneficiary);
      identityValues.push(beneficiary.idNo, beneficiary.businessLicense);
      expect(result).toMatchObject({ status: 'active' });
      expect(result.accountNo).toMatch(/^MA\d{12}$/);
      const sent = ctx.recorder.peek().find((e) => e.type === 'GatewayRequestSent')!;
      expect((sent.data as { body: Record<string, string> }).body).toMatchObject({ idNo: '***********5544', businessLisence: '***********4321', beneficiaryName: 'Maria Santos' });
      expect(JSON.stringify(ctx.recorder.peek())).not.toContain(beneficiary.idNo);
      await expect(adapter.createBeneficiary(ctx, { ...beneficiary, shopName: ' ' })).rejects.toMatchObject({ code: 'GATEWAY.INVALID_REQUEST', details: { field: 'shopName' } });
    });

    it('transfers synchronously with transferSerialNo = our reference; a failure is final', async () => {
      const adapter = fresh();
      const ctx = rig.context();
      const payeeAccountNo = await payee(adapter, ctx);
      const ok = serial();
      expect(await adapter.initiateTransfer(ctx, { payoutId: 'po_1', reference: ok, amount: Money.parse('250.00', 'PHP'), payeeAccountNo, purpose: 'weekly payout' })).toMatchObject({ status: 'succeeded', gatewayStatus: 'success' });
      const failing = serial();
      await scenario(failing, { outcome: 'fail' });
      expect(await adapter.initiateTransfer(ctx, { payoutId: 'po_2', reference: failing, amount: Money.parse('1.00', 'PHP'), payeeAccountNo, purpose: 'p' })).toMatchObject({ status: 'failed' });
      expect(await adapter.queryTransfer(ctx, ok)).toMatchObject({ status: 'succeeded' });
      await expect(adapter.queryTransfer(ctx, 'PO-none')).rejects.toMatchObject({ code: 'GATEWAY.NOT_FOUND', gatewayCode: 'TRANSFER_NOT_FOUND' });
    });

    it('the payout webhook is a payout notice (subject payout)', async () => {
      const adapter = fresh();
      const ctx = rig.context();
      const payeeAccountNo = await payee(adapter, ctx);
      const reference = serial();
      await adapter.initiateTransfer(ctx, { payoutId: 'po', reference, amount: Money.parse('3.00', 'PHP'), payeeAccountNo, purpose: 'p' });
      const [hook] = await webhooksFor(rig.capture, reference, 1);
      expect(adapter.parseInbound(toInbound('webhook', hook))).toMatchObject({ accepted: true, subject: 'payout', lookup: { by: 'reference', value: reference }, dedupKey: `${reference}|success` });
    });

    it('a lost reply of a committed transfer is found by the query and adopted', async () => {
      const adapter = fresh();
      const ctx = rig.context();
      const payeeAccountNo = await payee(adapter, ctx);
      await fault({ endpoint: 'payout/transfer/initiate', kind: 'commit-then-drop' });
      rig.sleeps.splice(0);
      const result = await adapter.initiateTransfer(ctx, { payoutId: 'po', reference: serial(), amount: Money.parse('9.00', 'PHP'), payeeAccountNo, purpose: 'p' });
      expect(result).toMatchObject({ status: 'succeeded' });
      expect(result.detail).toContain('adopted');
      expect(rig.sleeps).toEqual([5000]);
      expect((await simState()).transfers).toHaveLength(1);
    });

    it('a transfer not made: "not found" twice → initiated again with the same serial', async () => {
      const adapter = fresh();
      const ctx = rig.context();
      const payeeAccountNo = await payee(adapter, ctx);
      const reference = serial();
      await fault({ endpoint: 'payout/transfer/initiate', kind: 'drop' });
      rig.sleeps.splice(0);
      expect(await adapter.initiateTransfer(ctx, { payoutId: 'po', reference, amount: Money.parse('9.00', 'PHP'), payeeAccountNo, purpose: 'p' })).toMatchObject({ status: 'succeeded' });
      expect(rig.sleeps).toEqual([5000, 10_000]);
      expect(operations(ctx.recorder.peek()).slice(-4)).toEqual(['initiate-transfer', 'query-transfer', 'query-transfer', 'initiate-transfer']);
      expect((await simState()).transfers.map((t: { transferSerialNo: string }) => t.transferSerialNo)).toEqual([reference]);
    });

    it('no answer from the query either: unknown, for ops', async () => {
      const adapter = fresh();
      const ctx = rig.context();
      const payeeAccountNo = await payee(adapter, ctx);
      await fault({ endpoint: 'payout/transfer/initiate', kind: 'timeout', delayMs: 5000 });
      await fault({ endpoint: 'payout/transfer/query', kind: '5xx', count: 3 });
      const result = await adapter.initiateTransfer(ctx, { payoutId: 'po', reference: serial(), amount: Money.parse('9.00', 'PHP'), payeeAccountNo, purpose: 'p' });
      expect(result.status).toBe('unknown');
      expect(operations(ctx.recorder.peek()).filter((o) => o === 'initiate-transfer')).toHaveLength(1);
    });

    it('a serial reused with other parameters is unknown (never adopted); a low balance is failed', async () => {
      await setOptions({ merchantBalance: '20.00' });
      const adapter = fresh();
      const ctx = rig.context();
      const payeeAccountNo = await payee(adapter, ctx);
      const reference = serial();
      await adapter.initiateTransfer(ctx, { payoutId: 'po', reference, amount: Money.parse('5.00', 'PHP'), payeeAccountNo, purpose: 'p' });
      expect(await adapter.initiateTransfer(ctx, { payoutId: 'po', reference, amount: Money.parse('6.00', 'PHP'), payeeAccountNo, purpose: 'p' })).toMatchObject({ status: 'unknown' });
      const poor = await adapter.initiateTransfer(ctx, { payoutId: 'po', reference: serial(), amount: Money.parse('50.00', 'PHP'), payeeAccountNo, purpose: 'p' });
      expect(poor).toMatchObject({ status: 'failed', gatewayStatus: 'INSUFFICIENT_BALANCE' });
    });

    it('refuses a serial that is not recognisable as one, locally', async () => {
      const adapter = fresh();
      await expect(adapter.initiateTransfer(rig.context(), { payoutId: 'po', reference: 'PL-1', amount: Money.parse('1.00', 'PHP'), payeeAccountNo: 'MA1', purpose: 'p' })).rejects.toMatchObject({
        code: 'GATEWAY.INVALID_REQUEST',
      });
    });
  });

  describe('unsupported operations (D13)', () => {
    it('has no listing, cancel or order-id update', async () => {
      const adapter = fresh();
      const ctx = rig.context();
      const attempt = snapshotFrom('PLx', PAYMENT_AMOUNT, new Date(), { outcome: 'pending', refs: {} });
      await expect(adapter.listRecords(ctx, { from: new Date(0), to: new Date() })).rejects.toMatchObject({ code: 'GATEWAY.UNSUPPORTED' });
      await expect(adapter.cancel(ctx, attempt)).rejects.toMatchObject({ code: 'GATEWAY.UNSUPPORTED' });
      await expect(adapter.updateOrderId(ctx, attempt, 'new')).rejects.toMatchObject({ code: 'GATEWAY.UNSUPPORTED' });
      expect(MOCASA_CAPABILITIES).toMatchObject({ listRecords: false, partialRefund: false, refund: true, payouts: true, currency: 'PHP', inbound: { return: true, webhook: true } });
    });
  });

  describe('replies that are not Mocasa envelopes', () => {
    let server: http.Server;
    let url: string;
    let reply: (path: string) => { status: number; contentType?: string; body: string };

    beforeAll(async () => {
      server = http.createServer((req, res) => {
        req.resume();
        req.on('end', () => {
          if (req.url?.endsWith('/auth/token/apply')) {
            res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ success: true, code: '200', message: 'success', data: { accessToken: 'tok-garbage-test-1234567890', expireTime: 7200 } }));
            return;
          }
          const answer = reply(req.url ?? '');
          res.writeHead(answer.status, answer.contentType ? { 'content-type': answer.contentType } : {}).end(answer.body);
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });

    afterAll(async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });

    const envelope = (data: unknown) => JSON.stringify({ success: true, code: '200', message: 'success', data });
    const attempt = snapshotFrom('PLbad1', PAYMENT_AMOUNT, new Date(), { outcome: 'pending', refs: {} });

    it.each([
      ['garbage', { status: 200, contentType: 'text/plain', body: 'garbage' }],
      ['HTML', { status: 200, contentType: 'text/html', body: '<html><body>maintenance</body></html>' }],
      ['an empty body', { status: 200, contentType: 'application/json', body: '' }],
      ['JSON with a wrong content type', { status: 200, contentType: 'text/html', body: envelope({ txStatus: 'success' }) }],
      ['JSON that is not the envelope', { status: 200, contentType: 'application/json', body: '{"status":"ok"}' }],
      ['a successful envelope without data', { status: 200, contentType: 'application/json', body: '{"success":true,"code":"200","message":"success"}' }],
      ['a reply about another order', { status: 200, contentType: 'application/json', body: envelope({ orderNo: 'PLother', txStatus: 'success' }) }],
    ])('%s → GATEWAY.BAD_RESPONSE, every request answered in the record', async (_name, answer) => {
      reply = () => answer;
      const adapter = fresh({ baseUrl: url });
      const ctx = rig.context();
      await expect(adapter.inquire(ctx, attempt)).rejects.toMatchObject({ code: 'GATEWAY.BAD_RESPONSE' });
      const events = ctx.recorder.peek();
      const sent = events.filter((e) => e.type === 'GatewayRequestSent').map((e) => (e.data as { requestId: string }).requestId);
      const answered = new Set(events.filter((e) => e.type !== 'GatewayRequestSent').map((e) => (e.data as { requestId: string }).requestId));
      for (const id of sent) expect(answered.has(id)).toBe(true);
    });

    it('an unknown txStatus is pending (D10); a missing one is unknown; both polled', async () => {
      const adapter = fresh({ baseUrl: url });
      reply = () => ({ status: 200, contentType: 'application/json; charset=utf-8', body: envelope({ orderNo: 'PLbad1', txStatus: 'PROCESSING' }) });
      expect(await adapter.inquire(rig.context(), attempt)).toMatchObject({ outcome: 'pending', gatewayStatus: 'PROCESSING' });
      reply = () => ({ status: 200, contentType: 'application/json', body: envelope({ orderNo: 'PLbad1' }) });
      const missing = await adapter.inquire(rig.context(), attempt);
      expect(missing.outcome).toBe('unknown');
      expect(missing.retryAfterMs).toBeGreaterThan(0);
    });

    it('an HTML 502 is GATEWAY.UNAVAILABLE after the bounded query retries', async () => {
      reply = () => ({ status: 502, contentType: 'text/html', body: '<h1>Bad Gateway</h1>' });
      const adapter = fresh({ baseUrl: url });
      const ctx = rig.context();
      await expect(adapter.inquire(ctx, attempt)).rejects.toMatchObject({ code: 'GATEWAY.UNAVAILABLE', httpStatus: 502 });
      expect(operations(ctx.recorder.peek())).toEqual(['query-order', 'query-order', 'query-order']);
    });

    it('an unreadable create reply is create_unknown (it may have been created), never failed', async () => {
      reply = () => ({ status: 200, contentType: 'text/html', body: '<html>oops</html>' });
      const adapter = fresh({ baseUrl: url });
      expect((await start(adapter, rig.context())).started.outcome).toBe('create_unknown');
      reply = () => ({ status: 200, contentType: 'application/json', body: envelope({ orderNo: 'x', paymentLink: 'javascript:alert(1)' }) });
      expect((await start(adapter, rig.context())).started.outcome).toBe('create_unknown');
    });

    it('an unreadable token reply is GATEWAY.BAD_RESPONSE', async () => {
      const broken = http.createServer((req, res) => {
        req.resume();
        req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end(envelope({ accessToken: 'x' })));
      });
      await new Promise<void>((resolve) => broken.listen(0, '127.0.0.1', resolve));
      try {
        const adapter = fresh({ baseUrl: `http://127.0.0.1:${(broken.address() as AddressInfo).port}` });
        await expect(start(adapter, rig.context())).rejects.toMatchObject({ code: 'GATEWAY.BAD_RESPONSE' });
      } finally {
        broken.closeAllConnections();
        await new Promise<void>((resolve) => broken.close(() => resolve()));
      }
    });
  });

  describe('redaction', () => {
    it('no configured secret, token, identity number or card number in any recorded event', () => {
      const events: NewEvent[] = [...rig.recorders.flatMap((r: InteractionRecorder) => [...r.peek()]), ...rig.sessionSink.events.map((e) => e.event)];
      expect(events.length).toBeGreaterThan(100);
      const tokens = adapters.map((a) => a.mocasaClient.peekToken()?.value).filter((v): v is string => typeof v === 'string');
      expect(tokens.length).toBeGreaterThan(0);
      assertNoSecrets(events, [SECRET, ...tokens, ...identityValues]);
    });
  });
});
