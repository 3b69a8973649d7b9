import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SANDBOX_CREDENTIALS } from '@payledger/config';
import type { NewEvent } from '@payledger/event-store';
import { GatewayCallContext, InboundVerdict, InteractionRecorder } from '@payledger/gateways';
import { Money } from '@payledger/kernel';
import { ATIPAY_ANOMALY_EVENT_TYPE, AtipayAdapter, createAtipayAdapter } from '../../libs/gateways/src/atipay';
import { assertNoSecrets, runGatewayScenarioSuite } from '../gateways/scenarios';
import { AtipayHarness, ATIPAY_TEST_TIMEOUTS_MS, createAtipayScenarioDriver } from '../gateways/atipay.driver';
import { toInbound } from '../support/sandbox';

runGatewayScenarioSuite(() => createAtipayScenarioDriver());

const API_KEY = SANDBOX_CREDENTIALS.atipay.apiKey;
const MINUTE_MS = 60_000;

describe('atipay adapter against the simulator: decisions', () => {
  const h = new AtipayHarness();
  /** Every event every test recorded, for the redaction scan at the end. */
  const allEvents: NewEvent[] = [];
  const tokens: string[] = [];
  let recorder: InteractionRecorder;
  let ctx: GatewayCallContext;

  beforeAll(() => h.setup());
  afterAll(() => h.teardown());
  beforeEach(async () => {
    await h.reset();
    recorder = new InteractionRecorder();
    ctx = { recorder };
  });
  afterEach(() => {
    allEvents.push(...recorder.drain());
  });

  const queue = (reference: string, outcome: string, options: Record<string, unknown> = {}) =>
    h.sandbox.control('POST', '/atipay/scenarios', { reference, outcome, ...options });
  const fault = (endpoint: string, kind: string, count: number, extra: Record<string, unknown> = {}) =>
    h.sandbox.control('POST', '/atipay/faults', { endpoint, kind, count, ...extra });
  const options = (values: Record<string, unknown>) => h.sandbox.control('POST', '/atipay/options', values);
  const sent = (operation: string) => recorder.peek().filter((e) => e.type === 'GatewayRequestSent' && (e.data as any).operation === operation);

  async function started(reference = h.nextReference()) {
    const run = await h.start(ctx, reference);
    if (run.result.redirect?.fields?.token) tokens.push(run.result.redirect.fields.token);
    return run;
  }

  async function paidAttempt(verdicts: InboundVerdict[] = [], seen = new Set<string>()) {
    const reference = h.nextReference();
    await queue(reference, 'pay');
    const { result, attempt } = await started(reference);
    const html = await h.openPage(result);
    const captured = await h.submitCallback(html);
    await h.handleReturn(ctx, attempt, captured, seen, verdicts);
    return { attempt, html, result, captured, verdicts, seen };
  }

  describe('D1–D3 get-token and redirect', () => {
    it('sends the D2 body and returns a POST redirect with the token; refs keep only its tail', async () => {
      const reference = h.nextReference();
      const { result } = await started(reference);
      expect(result.outcome).toBe('pending');
      expect(result.redirect).toEqual({ method: 'POST', url: `${h.config.baseUrl}/redirect-to-gateway`, fields: { token: expect.stringMatching(/^[0-9a-f]{32}$/) } });
      const token = result.redirect!.fields!.token;
      expect(result.refs).toEqual({ invoiceNumber: reference, tokenTail: `…${token.slice(-6)}` });
      expect(result.expiresAt).toBeInstanceOf(Date);
      const log = (await h.sandbox.control('GET', '/requests?gateway=atipay&path=/get-token')).body.requests;
      expect(JSON.parse(log[0].body)).toEqual({
        amount: 250_000,
        cellNumber: '09121234567',
        description: 'scenario',
        invoiceNumber: reference,
        redirectUrl: `${h.capture.url}/callbacks/atipay`,
        apiKey: API_KEY,
      });
      const recordedBody = (sent('get-token')[0].data as any).body;
      expect(recordedBody.apiKey).toBe('[REDACTED]');
      expect(JSON.stringify(recorder.peek())).not.toContain(token);
    });

    it('a get-token timeout is retried once with the same invoiceNumber', async () => {
      await fault('get-token', 'timeout', 1);
      const reference = h.nextReference();
      const { result } = await started(reference);
      expect(result.outcome).toBe('pending');
      const tries = sent('get-token').map((e) => e.data as any);
      expect(tries.map((t) => t.attempt)).toEqual([1, 2]);
      expect(tries.map((t) => t.body.invoiceNumber)).toEqual([reference, reference]);
      expect(recorder.peek().some((e) => e.type === 'GatewayRequestFailed' && (e.data as any).reason === 'timeout')).toBe(true);
    });

    it('a refused number after the retry ends the attempt failed, so a new attempt follows', async () => {
      await options({ uniqueInvoiceNumber: true });
      await fault('get-token', 'commit-then-drop', 1);
      const { result } = await started();
      expect(result.outcome).toBe('failed');
      expect(result.failure).toMatchObject({ code: 'GATEWAY.REJECTED', gatewayCode: 'DuplicateInvoiceNumber' });
      await options({ uniqueInvoiceNumber: false });
    });

    it('a 5xx twice leaves the attempt failed (lost), never create_unknown', async () => {
      await fault('get-token', '5xx', 2);
      const { result } = await started();
      expect(result).toMatchObject({ outcome: 'failed', failure: { code: 'GATEWAY.UNAVAILABLE' } });
      expect(sent('get-token')).toHaveLength(2);
    });

    it('refusals: the failure envelope and the legacy faMessage shape become failed with the gateway code', async () => {
      await options({ strictCellNumber: true });
      const reference = h.nextReference();
      const refused = await h.adapter.startPayment(ctx, { paymentId: 'p', reference, orderId: 'o', amount: Money.of(1000, 'IRR'), customer: {} });
      expect(refused).toMatchObject({ outcome: 'failed', failure: { code: 'GATEWAY.REJECTED', gatewayCode: 'InvalidParameters' } });
      await options({ legacyFailureShape: true });
      const legacy = await h.adapter.startPayment(ctx, { paymentId: 'p', reference: h.nextReference(), orderId: 'o', amount: Money.of(1000, 'IRR'), customer: {} });
      expect(legacy).toMatchObject({ outcome: 'failed', failure: { code: 'GATEWAY.REJECTED', gatewayCode: 'faMessage' } });
      await options({ strictCellNumber: false, legacyFailureShape: false });
    });

    it('credentials and setup refusals are thrown: InvalidApiKey → AUTH_FAILED, a refused source address → CONFIGURATION', async () => {
      const stale = h.makeAdapter({ apiKey: 'another-atipay-api-key' });
      await expect(h.start(ctx, h.nextReference(), stale)).rejects.toMatchObject({ code: 'GATEWAY.AUTH_FAILED', gatewayCode: 'InvalidApiKey', retrySafe: true });
      await options({ allowedSourceIps: ['10.1.2.3'] });
      await expect(h.start(ctx, h.nextReference())).rejects.toMatchObject({ code: 'GATEWAY.CONFIGURATION', gatewayCode: 'MerchantIpAddressIsInvalid' });
      await options({ allowedSourceIps: [] });
      assertNoSecrets([...recorder.peek()], ['another-atipay-api-key']);
    });

    it('refuses input AtiPay cannot take before sending anything', async () => {
      await expect(h.adapter.startPayment(ctx, { paymentId: 'p', reference: 'bad reference!', orderId: 'o', amount: Money.of(1000, 'IRR'), customer: {} })).rejects.toMatchObject({
        code: 'GATEWAY.INVALID_REQUEST',
      });
      await expect(h.adapter.startPayment(ctx, { paymentId: 'p', reference: h.nextReference(), orderId: 'o', amount: Money.of(1000, 'SAR'), customer: {} })).rejects.toMatchObject({
        code: 'GATEWAY.INVALID_REQUEST',
      });
      expect(sent('get-token')).toHaveLength(0);
    });

    it('recoverCreate sends get-token once more with the same invoiceNumber', async () => {
      const reference = h.nextReference();
      const attempt = { reference, paymentId: 'p', amount: Money.of(5000, 'IRR'), createdAt: new Date(), outcome: 'create_unknown' as const, refs: {}, orderId: 'o' };
      const result = await h.adapter.recoverCreate(ctx, attempt);
      expect(result.outcome).toBe('pending');
      expect((sent('get-token')[0].data as any).body).toMatchObject({ invoiceNumber: reference, amount: 5000, cellNumber: '' });
    });
  });

  describe('D4 callback', () => {
    const base = { headers: { 'content-type': 'application/x-www-form-urlencoded' }, query: {}, receivedAt: new Date(), sourceIp: '127.0.0.1' };
    const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

    it('refuses GET (METHOD_NOT_ALLOWED), other content types and missing fields (INVALID)', () => {
      const ok = { state: 'OK', status: '2', reservationNumber: 'R-1', referenceNumber: 'A'.repeat(50), terminalId: 't' };
      expect(h.adapter.parseInbound(toInbound('return', { ...base, method: 'GET', rawBody: '' })).rejection?.code).toBe('CALLBACK.METHOD_NOT_ALLOWED');
      expect(
        h.adapter.parseInbound(toInbound('return', { ...base, method: 'POST', headers: { 'content-type': 'application/json' }, rawBody: JSON.stringify(ok) })).rejection?.code,
      ).toBe('CALLBACK.INVALID');
      for (const missing of ['reservationNumber', 'state', 'status', 'referenceNumber', 'terminalId']) {
        const fields = { ...ok } as Record<string, string>;
        delete fields[missing];
        const verdict = h.adapter.parseInbound(toInbound('return', { ...base, method: 'POST', rawBody: form(fields) }));
        expect(verdict).toMatchObject({ accepted: false, rejection: { code: 'CALLBACK.INVALID' } });
      }
      // Only OK/2 needs referenceNumber and terminalId.
      const cancel = h.adapter.parseInbound(toInbound('return', { ...base, method: 'POST', rawBody: form({ state: 'CanceledByUser', status: '1', reservationNumber: 'R-1' }) }));
      expect(cancel).toMatchObject({ accepted: true, claimed: { outcome: 'canceled' }, lookup: { by: 'reference', value: 'R-1' } });
    });

    it('learns referenceNumber, terminalId, traceNumber, rrn and maskedPan from an OK callback', async () => {
      const { verdicts, attempt } = await paidAttempt();
      expect(verdicts[0]).toMatchObject({
        accepted: true,
        authenticity: 'unauthenticated',
        lookup: { by: 'reference', value: attempt.reference },
        claimed: { outcome: 'paid', status: 'OK/2' },
        subject: 'payment',
      });
      expect(verdicts[0].refs).toEqual({
        referenceNumber: expect.stringMatching(/^[A-Za-z0-9]{50}$/),
        terminalId: SANDBOX_CREDENTIALS.atipay.terminalId,
        traceNumber: expect.stringMatching(/^\d{6}$/),
        rrn: expect.stringMatching(/^\d{12}$/),
        maskedPan: expect.stringMatching(/^603799\*{6}\d{4}$/),
      });
      expect(attempt.outcome).toBe('paid');
      expect(attempt.refs).toMatchObject({ referenceNumber: verdicts[0].refs!.referenceNumber, decidedBy: 'verify' });
      const verifyBody = (sent('verify-payment')[0].data as any).body;
      expect(verifyBody).toEqual({ referenceNumber: verdicts[0].refs!.referenceNumber, terminalId: SANDBOX_CREDENTIALS.atipay.terminalId, apiKey: '[REDACTED]' });
    });

    it.each([
      ['config-error', { status: 8 }, 'failed', 'MerchantIpAddressIsInvalid/8'],
      ['config-error', { status: 12 }, 'failed', 'TerminalNotFound/12'],
      ['config-error', {}, 'failed', 'InvalidParameters/5'],
      ['timeout', {}, 'expired', 'SessionIsNull/4'],
      ['pay', { inconsistentStatus: '3' }, 'failed', 'OK/3'],
    ])('%s %j ends %s without calling verify', async (outcome, extra, expected, label) => {
      const reference = h.nextReference();
      await queue(reference, outcome, extra);
      const { result, attempt } = await started(reference);
      const verdicts: InboundVerdict[] = [];
      await h.handleReturn(ctx, attempt, await h.submitCallback(await h.openPage(result)), new Set(), verdicts);
      expect(verdicts[0].claimed?.status).toBe(label);
      expect(attempt.outcome).toBe(expected);
      expect(attempt.refs.decidedBy).toBe('callback');
      expect(sent('verify-payment')).toHaveLength(0);
    });

    it('a consumed token comes back as 10/TokenNotFound and cannot undo a paid attempt', async () => {
      const { attempt, result, seen, verdicts } = await paidAttempt();
      const again = await h.submitCallback(await h.openPage(result));
      await h.handleReturn(ctx, attempt, again, seen, verdicts);
      expect(verdicts[1].claimed?.status).toBe('TokenNotFound/10');
      expect(attempt.outcome).toBe('paid');
    });

    it('in direct mode the simulator POSTs the callback to our route itself', async () => {
      const reference = h.nextReference();
      await queue(reference, 'cancel', { callback: 'direct' });
      const { result, attempt } = await started(reference);
      await h.openPage(result);
      const [captured] = await h.capture.waitFor(1);
      await h.handleReturn(ctx, attempt, captured, new Set(), []);
      expect(attempt.outcome).toBe('canceled');
    });
  });

  describe('D5–D6 verify', () => {
    it('D5: another terminal in the callback is recorded as an anomaly and verified with that terminal', async () => {
      await options({ callbackTerminalId: 'terminal-elsewhere' });
      const { attempt, verdicts } = await paidAttempt();
      expect(attempt.outcome).toBe('paid');
      expect(verdicts[0].recorded.anomalies).toContain('terminal_mismatch');
      expect((sent('verify-payment')[0].data as any).body.terminalId).toBe('terminal-elsewhere');
      expect(recorder.peek().find((e) => e.type === ATIPAY_ANOMALY_EVENT_TYPE)?.data).toMatchObject({ kind: 'terminal_mismatch', receivedTerminalId: 'terminal-elsewhere' });
    });

    it('D6: retries a 5xx and a dropped connection inside the budget, then decides on the answer', async () => {
      await fault('verify-payment', 'fail-before-commit', 1);
      await fault('verify-payment', 'fail-before-commit', 1, { mode: 'drop' });
      const { attempt } = await paidAttempt();
      expect(attempt.outcome).toBe('paid');
      expect(sent('verify-payment').map((e) => (e.data as any).attempt)).toEqual([1, 2, 3]);
    });

    it('D6: six timeouts make the verify unknown with the +2 min job hint; the job resolves it', async () => {
      await fault('verify-payment', 'timeout', 6);
      const reference = h.nextReference();
      await queue(reference, 'pay');
      const { result, attempt } = await started(reference);
      const verdict = h.adapter.parseInbound(toInbound('return', await h.submitCallback(await h.openPage(result))));
      const confirmed = await h.adapter.confirm(ctx, attempt, { trigger: 'return', inbound: verdict });
      expect(confirmed).toMatchObject({ outcome: 'unknown', retryAfterMs: 2 * MINUTE_MS, refs: { referenceNumber: verdict.refs!.referenceNumber } });
      expect(sent('verify-payment')).toHaveLength(6);
      Object.assign(attempt.refs, confirmed.refs);
      attempt.outcome = confirmed.outcome;
      expect(await h.runVerifyJob(ctx, attempt)).toEqual(['paid']);
    });

    it('D6: error body → failed (verify_failed); after the reversal window a late verify fails too', async () => {
      const reference = h.nextReference();
      await queue(reference, 'pay');
      const { result, attempt } = await started(reference);
      const captured = await h.submitCallback(await h.openPage(result));
      await h.sandbox.control('POST', '/clock', { advanceMs: 30 * MINUTE_MS });
      await h.handleReturn(ctx, attempt, captured, new Set(), []);
      expect(attempt.outcome).toBe('failed');
      expect(attempt.refs.decidedBy).toBe('verify');
    });
  });

  describe('D7 duplicates and late success', () => {
    it('a repeated OK callback for a paid attempt is answered from state without verify', async () => {
      const { attempt, html, seen, verdicts } = await paidAttempt();
      await h.handleReturn(ctx, attempt, await h.submitCallback(html), seen, verdicts);
      expect(verdicts[0].dedupKey).toBe(verdicts[1].dedupKey);
      expect(await h.verifyCalls()).toBe(1);
      // confirm applies the same rule if a flow calls it anyway.
      const again = await h.adapter.confirm(ctx, attempt, { trigger: 'return', inbound: verdicts[1] });
      expect(again.outcome).toBe('paid');
      expect(await h.verifyCalls()).toBe(1);
    });

    it('a second OK with another referenceNumber for a paid attempt is an anomaly, not verified', async () => {
      const { attempt, captured, verdicts, seen } = await paidAttempt();
      const fields = Object.fromEntries(new URLSearchParams(captured.rawBody));
      const other = await h.postCallback(`${h.capture.url}/callbacks/atipay`, { ...fields, referenceNumber: 'B'.repeat(50) });
      const storedReference = attempt.refs.referenceNumber;
      await h.handleReturn(ctx, attempt, other, seen, verdicts);
      expect(attempt.outcome).toBe('paid');
      expect(attempt.refs.referenceNumber).toBe(storedReference);
      expect(await h.verifyCalls()).toBe(1);
      expect(recorder.peek().find((e) => e.type === ATIPAY_ANOMALY_EVENT_TYPE)?.data).toMatchObject({ kind: 'ok_with_other_reference_number' });
    });

    it('a failure decided by a callback does not block a later OK: verified, it turns paid', async () => {
      const reference = h.nextReference();
      await queue(reference, 'pay');
      const { result, attempt } = await started(reference);
      const okCapture = await h.submitCallback(await h.openPage(result));
      const okFields = Object.fromEntries(new URLSearchParams(okCapture.rawBody));
      const seen = new Set<string>();
      // A forged (or out-of-order) cancel arrives first and ends the attempt without verify.
      const cancel = await h.postCallback(`${h.capture.url}/callbacks/atipay`, {
        state: 'CanceledByUser',
        status: '1',
        reservationNumber: reference,
        referenceNumber: '',
        terminalId: okFields.terminalId,
      });
      await h.handleReturn(ctx, attempt, cancel, seen, []);
      expect(attempt.outcome).toBe('canceled');
      const verdicts: InboundVerdict[] = [];
      await h.handleReturn(ctx, attempt, okCapture, seen, verdicts);
      expect(attempt.outcome).toBe('paid');
    });

    it('an expired (D9) attempt whose late OK fails verify stays expired', async () => {
      const reference = h.nextReference();
      const { attempt } = await started(reference);
      attempt.outcome = 'expired';
      attempt.refs.decidedBy = 'no-callback';
      const forged = await h.postCallback(`${h.capture.url}/callbacks/atipay`, {
        state: 'OK',
        status: '2',
        reservationNumber: reference,
        referenceNumber: 'C'.repeat(50),
        terminalId: SANDBOX_CREDENTIALS.atipay.terminalId,
      });
      await h.handleReturn(ctx, attempt, forged, new Set(), []);
      expect(attempt.outcome).toBe('expired');
      expect(await h.verifyCalls()).toBe(1);
    });
  });

  describe('D9 abandonment and inquire', () => {
    it('without a referenceNumber: pending until abandonAfterMinutes, then expired', async () => {
      const { attempt } = await started();
      const at = (ms: number) => h.makeAdapter({ abandonAfterMinutes: 40 }, () => new Date(attempt.createdAt.getTime() + ms));
      expect(await at(39 * MINUTE_MS).inquire(ctx, attempt)).toMatchObject({ outcome: 'pending', retryAfterMs: MINUTE_MS });
      expect(await at(40 * MINUTE_MS).inquire(ctx, attempt)).toMatchObject({ outcome: 'expired', refs: { decidedBy: 'no-callback' } });
      expect(await h.makeAdapter({ abandonAfterMinutes: 5 }, () => new Date(attempt.createdAt.getTime() + 5 * MINUTE_MS)).inquire(ctx, attempt)).toMatchObject({ outcome: 'expired' });
      expect(sent('verify-payment')).toHaveLength(0);
    });

    it('with a referenceNumber: repeats the same verify once', async () => {
      const { attempt } = await paidAttempt();
      const again = await h.adapter.inquire(ctx, attempt);
      expect(again).toMatchObject({ outcome: 'paid', gatewayAmount: Money.of(250_000, 'IRR') });
      expect(await h.verifyCalls()).toBe(2);
    });
  });

  describe('D10 and other unsupported operations', () => {
    it('throws GATEWAY.UNSUPPORTED for refunds, listing, cancel and payouts', async () => {
      const adapter = createAtipayAdapter({ config: h.config, publicBaseUrl: h.capture.url, now: () => new Date() });
      expect(adapter.capabilities).toMatchObject({ refund: false, listRecords: false, cancel: false, payouts: false, confirm: true, inquire: true, currency: 'IRR' });
      const attempt = { reference: 'R', paymentId: 'p', amount: Money.of(1, 'IRR'), createdAt: new Date(), outcome: 'paid' as const, refs: {}, orderId: 'o' };
      await expect(adapter.refund(ctx, attempt, { refundId: 'r', amount: Money.of(1, 'IRR'), refundedBefore: Money.zero('IRR') })).rejects.toMatchObject({ code: 'GATEWAY.UNSUPPORTED' });
      await expect(adapter.listRecords(ctx, { from: new Date(0), to: new Date() })).rejects.toMatchObject({ code: 'GATEWAY.UNSUPPORTED' });
      await expect(adapter.cancel(ctx, attempt)).rejects.toMatchObject({ code: 'GATEWAY.UNSUPPORTED' });
      await expect(adapter.updateOrderId(ctx, attempt, 'x')).rejects.toMatchObject({ code: 'GATEWAY.UNSUPPORTED' });
      await expect(adapter.queryTransfer(ctx, 'x')).rejects.toMatchObject({ code: 'GATEWAY.UNSUPPORTED' });
    });
  });

  it('redaction: no apiKey, no page token and no card number in any event recorded above', () => {
    expect(allEvents.length).toBeGreaterThan(20);
    expect(tokens.length).toBeGreaterThan(5);
    assertNoSecrets(allEvents, [API_KEY, ...tokens]);
  });
});

describe('atipay adapter: bad responses from a broken gateway', () => {
  type Canned = { status: number; contentType?: string; body: string };
  let server: http.Server;
  let url: string;
  const replies: Record<string, Canned[]> = {};
  let adapter: AtipayAdapter;
  let recorder: InteractionRecorder;
  let ctx: GatewayCallContext;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        const canned = replies[req.url ?? '']?.shift() ?? { status: 200, contentType: 'application/json', body: '{}' };
        res.writeHead(canned.status, canned.contentType ? { 'content-type': canned.contentType } : {}).end(canned.body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    adapter = new AtipayAdapter({
      config: { baseUrl: `${url}/v1`, apiKey: API_KEY, terminalId: 'sandbox-terminal-1', abandonAfterMinutes: 40, isSandbox: false },
      publicBaseUrl: 'https://payledger.example',
      now: () => new Date(),
      sleep: async () => undefined,
      timeoutsMs: ATIPAY_TEST_TIMEOUTS_MS,
    });
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => {
    recorder = new InteractionRecorder();
    ctx = { recorder };
    for (const key of Object.keys(replies)) delete replies[key];
  });
  afterEach(() => assertNoSecrets(recorder.drain(), [API_KEY]));

  const json = (body: unknown, status = 200): Canned => ({ status, contentType: 'application/json', body: JSON.stringify(body) });
  const start = () => adapter.startPayment(ctx, { paymentId: 'p', reference: 'R-bad-1', orderId: 'o', amount: Money.of(1000, 'IRR'), customer: {} });

  it.each<[string, Canned, string, string]>([
    ['garbage', { status: 200, contentType: 'application/json', body: 'not json {' }, 'GATEWAY.BAD_RESPONSE', ''],
    ['an HTML page', { status: 200, contentType: 'text/html', body: '<html><body>maintenance</body></html>' }, 'GATEWAY.BAD_RESPONSE', ''],
    ['an empty body', { status: 200, contentType: 'application/json', body: '' }, 'GATEWAY.BAD_RESPONSE', ''],
    ['JSON under a wrong content type', { status: 200, contentType: 'text/plain', body: '{"status":"1","token":"abc"}' }, 'GATEWAY.BAD_RESPONSE', ''],
    ['status 1 without a token', json({ status: '1', token: '' }), 'GATEWAY.BAD_RESPONSE', 'TOKEN_MISSING'],
    ['an unknown status', json({ status: '7' }), 'GATEWAY.REJECTED', 'HTTP_200'],
    ['a numeric status 0 with errorCode', json({ status: 0, errorCode: 'InvalidParameters', errorDescription: 'x' }), 'GATEWAY.REJECTED', 'InvalidParameters'],
    ['a message-only failure', json({ message: 'bad request' }), 'GATEWAY.REJECTED', 'message'],
    ['an HTML 404', { status: 404, contentType: 'text/html', body: '<h1>Not Found</h1>' }, 'GATEWAY.REJECTED', 'HTTP_404'],
  ])('get-token answering %s ends the attempt failed', async (_name, canned, code, gatewayCode) => {
    replies['/v1/get-token'] = [canned];
    const result = await start();
    expect(result.outcome).toBe('failed');
    expect(result.failure?.code).toBe(code);
    if (gatewayCode) expect(result.failure?.gatewayCode).toBe(gatewayCode);
  });

  it('get-token with a numeric status 1 is a success (String(status) === "1")', async () => {
    replies['/v1/get-token'] = [json({ status: 1, token: '0123456789abcdef0123456789abcdef' })];
    expect((await start()).outcome).toBe('pending');
  });

  it('get-token HTML 502 twice: retried once, then failed', async () => {
    replies['/v1/get-token'] = [
      { status: 502, contentType: 'text/html', body: '<h1>Bad Gateway</h1>' },
      { status: 502, contentType: 'text/html', body: '<h1>Bad Gateway</h1>' },
    ];
    expect(await start()).toMatchObject({ outcome: 'failed', failure: { code: 'GATEWAY.UNAVAILABLE' } });
  });

  describe('verify', () => {
    const attempt = () => ({
      reference: 'R-bad-2',
      paymentId: 'p',
      amount: Money.of(1000, 'IRR'),
      createdAt: new Date(),
      outcome: 'unknown' as const,
      refs: { referenceNumber: 'R'.repeat(50), terminalId: 'sandbox-terminal-1' },
      orderId: 'o',
    });

    it.each<[string, Canned, string]>([
      ['garbage', { status: 200, contentType: 'application/json', body: '<<<' }, 'unknown'],
      ['an HTML page', { status: 200, contentType: 'text/html', body: '<html></html>' }, 'unknown'],
      ['an empty body', { status: 200, body: '' }, 'unknown'],
      ['amount as text', json({ amount: '1000' }), 'unknown'],
      ['a fractional amount', json({ amount: 1000.5 }), 'unknown'],
      ['an amount with an errorCode', json({ amount: 1000, errorCode: 'X' }), 'unknown'],
      ['no amount', json({}), 'failed'],
      ['amount 0', json({ amount: 0 }), 'failed'],
      ['an error body', json({ errorCode: 'TransactionNotFound', errorDescription: 'no' }), 'failed'],
      ['a faMessage body', json({ faMessage: 'خطا' }), 'failed'],
      ['another amount', json({ amount: 999 }), 'amount_mismatch'],
      ['the amount', json({ amount: 1000 }), 'paid'],
    ])('answering %s', async (_name, canned, outcome) => {
      replies['/v1/verify-payment'] = [canned];
      const result = await adapter.inquire(ctx, attempt());
      expect(result.outcome).toBe(outcome);
    });

    it('HTML 502 on every try inside the budget → unknown after six tries', async () => {
      replies['/v1/verify-payment'] = Array.from({ length: 6 }, () => ({ status: 502, contentType: 'text/html', body: '<h1>Bad Gateway</h1>' }));
      const verdict = adapter.parseInbound(
        toInbound('return', {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          query: {},
          rawBody: new URLSearchParams({ state: 'OK', status: '2', reservationNumber: 'R-bad-2', referenceNumber: 'R'.repeat(50), terminalId: 'sandbox-terminal-1' }).toString(),
          receivedAt: new Date(),
        }),
      );
      const result = await adapter.confirm(ctx, { ...attempt(), outcome: 'pending', refs: {} }, { trigger: 'return', inbound: verdict });
      expect(result.outcome).toBe('unknown');
      expect(recorder.peek().filter((e) => e.type === 'GatewayRequestSent')).toHaveLength(6);
    });
  });
});
