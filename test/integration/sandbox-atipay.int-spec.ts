import { SANDBOX_CREDENTIALS } from '@payledger/config';
import { createAtipaySimulator } from '../../apps/sandbox/src/atipay/atipay.simulator';
import { parseAutoSubmitForm } from '../../apps/sandbox/src/atipay/atipay.pages';
import { CaptureServer, startCaptureServer, startTestSandbox, TestSandbox } from '../support/sandbox';

/** The AtiPay simulator over real HTTP (atipay.md §7), without the adapter. */

const API_KEY = SANDBOX_CREDENTIALS.atipay.apiKey;
const TERMINAL = SANDBOX_CREDENTIALS.atipay.terminalId;
const MINUTE_MS = 60_000;

let sandbox: TestSandbox;
let capture: CaptureServer;
let base: string;
let counter = 0;

beforeAll(async () => {
  capture = await startCaptureServer();
  sandbox = await startTestSandbox({ simulators: { atipay: createAtipaySimulator }, merchantBaseUrl: capture.url, seed: 'atipay-sandbox' });
  base = `${sandbox.url}/atipay/v1`;
});

afterAll(async () => {
  await sandbox.close();
  await capture.close();
});

beforeEach(async () => {
  await sandbox.control('POST', '/reset');
  // Options survive a reset: put every switch back.
  await sandbox.control('POST', '/atipay/options', {
    strictCellNumber: false,
    legacyFailureShape: false,
    uniqueInvoiceNumber: false,
    allowedSourceIps: [],
    callbackMode: 'browser',
    pageTimeoutMs: 10 * MINUTE_MS,
    reversalWindowMs: 30 * MINUTE_MS,
    apiKeyRefusalHttpStatus: 200,
    callbackTerminalId: null,
  });
  capture.requests.splice(0, capture.requests.length);
  capture.respondWith(200);
});

function invoice(): string {
  counter += 1;
  return `INV-${counter}-${Date.now().toString(36)}`;
}

function tokenBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { amount: 150_000, cellNumber: '09121234567', invoiceNumber: invoice(), redirectUrl: `${capture.url}/callbacks/atipay`, apiKey: API_KEY, ...overrides };
}

async function postJson(path: string, body: unknown, contentType = 'application/json'): Promise<{ status: number; json: any; text: string }> {
  const response = await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': contentType }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const text = await response.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, json, text };
}

async function postForm(path: string, fields: Record<string, string>): Promise<{ status: number; text: string; contentType: string }> {
  const response = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  });
  return { status: response.status, text: await response.text(), contentType: response.headers.get('content-type') ?? '' };
}

async function issue(overrides: Record<string, unknown> = {}): Promise<{ token: string; invoiceNumber: string; amount: number }> {
  const body = tokenBody(overrides);
  const { status, json } = await postJson('/get-token', body);
  expect(status).toBe(200);
  expect(json.status).toBe('1');
  return { token: json.token, invoiceNumber: body.invoiceNumber as string, amount: body.amount as number };
}

async function payAndGetCallback(overrides: Record<string, unknown> = {}): Promise<{ fields: Record<string, string>; invoiceNumber: string; amount: number; token: string }> {
  const issued = await issue(overrides);
  const page = await postForm(`/redirect-to-gateway/pay`, { token: issued.token });
  const form = parseAutoSubmitForm(page.text);
  expect(form).toBeDefined();
  return { fields: form!.fields, ...issued };
}

const verify = (body: Record<string, unknown>) => postJson('/verify-payment', { apiKey: API_KEY, terminalId: TERMINAL, ...body });

describe('POST /atipay/v1/get-token', () => {
  it('issues a 32-hex token with status as the string "1"', async () => {
    const { status, json } = await postJson('/get-token', tokenBody());
    expect(status).toBe(200);
    expect(json).toEqual({ status: '1', token: expect.stringMatching(/^[0-9a-f]{32}$/) });
  });

  it.each([
    ['unknown apiKey', { apiKey: 'nope' }, 'InvalidApiKey'],
    ['missing amount', { amount: undefined }, 'InvalidParameters'],
    ['zero amount', { amount: 0 }, 'InvalidParameters'],
    ['fractional amount', { amount: 10.5 }, 'InvalidParameters'],
    ['amount as text', { amount: '1000' }, 'InvalidParameters'],
    ['empty invoiceNumber', { invoiceNumber: '' }, 'InvalidParameters'],
    ['relative redirectUrl', { redirectUrl: '/callbacks/atipay' }, 'InvalidParameters'],
    ['missing cellNumber key', { cellNumber: undefined }, 'InvalidParameters'],
    ['description not text', { description: 12 }, 'InvalidParameters'],
  ])('refuses %s with HTTP 200 and the failure envelope', async (_name, overrides, errorCode) => {
    const { status, json } = await postJson('/get-token', tokenBody(overrides));
    expect(status).toBe(200);
    expect(json).toEqual({ status: '0', errorCode, errorDescription: expect.any(String) });
    expect(json.token).toBeUndefined();
  });

  it('accepts an empty cellNumber unless strictCellNumber is on', async () => {
    expect((await postJson('/get-token', tokenBody({ cellNumber: '' }))).json.status).toBe('1');
    await sandbox.control('POST', '/atipay/options', { strictCellNumber: true });
    expect((await postJson('/get-token', tokenBody({ cellNumber: '' }))).json.errorCode).toBe('InvalidParameters');
    expect((await postJson('/get-token', tokenBody({ cellNumber: '9121234567' }))).json.errorCode).toBe('InvalidParameters');
    expect((await postJson('/get-token', tokenBody({ cellNumber: '09121234567' }))).json.status).toBe('1');
  });

  it('answers malformed JSON and a wrong content type with InvalidParameters', async () => {
    expect((await postJson('/get-token', '{not json', 'application/json')).json.errorCode).toBe('InvalidParameters');
    expect((await postJson('/get-token', JSON.stringify(tokenBody()), 'text/plain')).json.errorCode).toBe('InvalidParameters');
    expect((await postJson('/get-token', '[1,2]')).json.errorCode).toBe('InvalidParameters');
  });

  it('legacyFailureShape answers { faMessage } without status', async () => {
    await sandbox.control('POST', '/atipay/options', { legacyFailureShape: true });
    const { status, json } = await postJson('/get-token', tokenBody({ amount: -1 }));
    expect(status).toBe(200);
    expect(Object.keys(json)).toEqual(['faMessage']);
  });

  it('apiKeyRefusalHttpStatus 401 turns an apiKey refusal into HTTP 401', async () => {
    await sandbox.control('POST', '/atipay/options', { apiKeyRefusalHttpStatus: 401 });
    const { status, json } = await postJson('/get-token', tokenBody({ apiKey: 'expired' }));
    expect(status).toBe(401);
    expect(json.errorCode).toBe('InvalidApiKey');
  });

  it('a repeated invoiceNumber gets a new token, or DuplicateInvoiceNumber with uniqueInvoiceNumber', async () => {
    const body = tokenBody();
    const first = await postJson('/get-token', body);
    const second = await postJson('/get-token', body);
    expect(second.json.status).toBe('1');
    expect(second.json.token).not.toBe(first.json.token);
    await sandbox.control('POST', '/atipay/options', { uniqueInvoiceNumber: true });
    const third = await postJson('/get-token', body);
    expect(third.json).toEqual({ status: '0', errorCode: 'DuplicateInvoiceNumber', errorDescription: expect.any(String) });
  });

  it('refuses a source address outside the allow-list with MerchantIpAddressIsInvalid', async () => {
    await sandbox.control('POST', '/atipay/options', { allowedSourceIps: ['10.9.8.7'] });
    expect((await postJson('/get-token', tokenBody())).json.errorCode).toBe('MerchantIpAddressIsInvalid');
    expect((await verify({ referenceNumber: 'x' })).json.errorCode).toBe('MerchantIpAddressIsInvalid');
    await sandbox.control('POST', '/atipay/options', { allowedSourceIps: ['127.0.0.1'] });
    expect((await postJson('/get-token', tokenBody())).json.status).toBe('1');
  });
});

describe('buyer page: POST /atipay/v1/redirect-to-gateway', () => {
  it('shows the page with Pay, Cancel, Fail and Abandon for a known token; 404 HTML for an unknown one; 405 for GET', async () => {
    const { token } = await issue();
    const page = await postForm('/redirect-to-gateway', { token });
    expect(page.status).toBe(200);
    expect(page.contentType).toContain('text/html');
    for (const label of ['Pay', 'Cancel', 'Fail', 'Abandon']) expect(page.text).toContain(`>${label}</button>`);
    const unknown = await postForm('/redirect-to-gateway', { token: 'f'.repeat(32) });
    expect(unknown.status).toBe(404);
    expect(unknown.contentType).toContain('text/html');
    const get = await fetch(`${base}/redirect-to-gateway?token=${token}`);
    expect(get.status).toBe(405);
  });

  it('Pay returns an auto-submitting form POSTing every §3.3 field to redirectUrl', async () => {
    const { token, invoiceNumber } = await issue();
    const page = await postForm('/redirect-to-gateway/pay', { token });
    expect(page.text).toContain('document.forms[0].submit()');
    const form = parseAutoSubmitForm(page.text)!;
    expect(form.action).toBe(`${capture.url}/callbacks/atipay`);
    expect(form.fields).toEqual({
      state: 'OK',
      status: '2',
      referenceNumber: expect.stringMatching(/^[A-Za-z0-9]{50}$/),
      reservationNumber: invoiceNumber,
      terminalId: TERMINAL,
      traceNumber: expect.stringMatching(/^\d{6}$/),
      maskedPan: expect.stringMatching(/^603799\*{6}\d{4}$/),
      rrn: expect.stringMatching(/^\d{12}$/),
    });
  });

  it.each([
    ['cancel', '1', 'CanceledByUser'],
    ['fail', '3', 'Failed'],
  ])('%s ends the page with %s/%s and no referenceNumber', async (action, status, state) => {
    const { token } = await issue();
    const form = parseAutoSubmitForm((await postForm(`/redirect-to-gateway/${action}`, { token })).text)!;
    expect(form.fields).toMatchObject({ state, status, referenceNumber: '' });
    if (action === 'fail') expect(form.fields.maskedPan).toMatch(/^603799\*{6}\d{4}$/);
  });

  it('Abandon sends nothing back; a consumed token gets 10/TokenNotFound', async () => {
    const { token, invoiceNumber } = await issue();
    const abandoned = await postForm('/redirect-to-gateway/abandon', { token });
    expect(parseAutoSubmitForm(abandoned.text)).toBeUndefined();
    const again = parseAutoSubmitForm((await postForm('/redirect-to-gateway', { token })).text)!;
    expect(again.fields).toMatchObject({ state: 'TokenNotFound', status: '10', reservationNumber: invoiceNumber });

    const paid = await payAndGetCallback();
    const replay = parseAutoSubmitForm((await postForm('/redirect-to-gateway', { token: paid.token })).text)!;
    expect(replay.fields).toMatchObject({ state: 'TokenNotFound', status: '10' });
  });

  it('page time limit: after 10 minutes the page ends in 4/SessionIsNull (browser mode shows it at the next request)', async () => {
    const opened = await issue();
    await postForm('/redirect-to-gateway', { token: opened.token });
    await sandbox.control('POST', '/clock', { advanceMs: 10 * MINUTE_MS });
    const shown = parseAutoSubmitForm((await postForm('/redirect-to-gateway/pay', { token: opened.token })).text)!;
    expect(shown.fields).toMatchObject({ state: 'SessionIsNull', status: '4', referenceNumber: '' });

    const late = await issue();
    await sandbox.control('POST', '/clock', { advanceMs: 10 * MINUTE_MS });
    const lateForm = parseAutoSubmitForm((await postForm('/redirect-to-gateway', { token: late.token })).text)!;
    expect(lateForm.fields).toMatchObject({ state: 'SessionIsNull', status: '4' });
  });

  it('page time limit is configurable and, in direct mode, delivered by the simulator itself', async () => {
    await sandbox.control('POST', '/atipay/options', { pageTimeoutMs: 2 * MINUTE_MS, callbackMode: 'direct' });
    const { token, invoiceNumber } = await issue();
    await postForm('/redirect-to-gateway', { token });
    await sandbox.control('POST', '/clock', { advanceMs: MINUTE_MS });
    expect(capture.requests).toHaveLength(0);
    await sandbox.control('POST', '/clock', { advanceMs: MINUTE_MS });
    const [callback] = await capture.waitFor(1);
    expect(callback.method).toBe('POST');
    expect(callback.headers['content-type']).toContain('application/x-www-form-urlencoded');
    expect(Object.fromEntries(new URLSearchParams(callback.rawBody))).toMatchObject({ state: 'SessionIsNull', status: '4', reservationNumber: invoiceNumber });
  });
});

describe('POST /atipay/v1/verify-payment', () => {
  it('returns the amount for an OK payment, idempotently', async () => {
    const { fields, amount } = await payAndGetCallback();
    const first = await verify({ referenceNumber: fields.referenceNumber });
    expect(first).toMatchObject({ status: 200, json: { amount } });
    const second = await verify({ referenceNumber: fields.referenceNumber });
    expect(second.json).toEqual({ amount });
    const state = (await sandbox.control('GET', '/atipay/state')).body.state;
    expect(state.payments[0]).toMatchObject({ status: 'verified', verifyCalls: 2 });
  });

  it.each([
    ['unknown referenceNumber', { referenceNumber: 'X'.repeat(50) }, 'TransactionNotFound'],
    ['missing referenceNumber', {}, 'InvalidParameters'],
    ['unknown apiKey', { referenceNumber: 'x', apiKey: 'nope' }, 'InvalidApiKey'],
    ['another terminal', { referenceNumber: 'x', terminalId: 'other-terminal' }, 'TerminalNotFound'],
  ])('answers %s with HTTP 200 { errorCode, errorDescription } and no amount', async (_name, body, errorCode) => {
    const { status, json } = await verify(body);
    expect(status).toBe(200);
    expect(json).toEqual({ errorCode, errorDescription: expect.any(String) });
  });

  it('accepts a verify without terminalId', async () => {
    const { fields, amount } = await payAndGetCallback();
    const { json } = await postJson('/verify-payment', { apiKey: API_KEY, referenceNumber: fields.referenceNumber });
    expect(json).toEqual({ amount });
  });

  it('reverses an OK payment not verified within 30 minutes; a verified one stays', async () => {
    const unverified = await payAndGetCallback();
    const verified = await payAndGetCallback();
    expect((await verify({ referenceNumber: verified.fields.referenceNumber })).json.amount).toBe(verified.amount);
    await sandbox.control('POST', '/clock', { advanceMs: 30 * MINUTE_MS - 1 });
    expect((await verify({ referenceNumber: unverified.fields.referenceNumber })).json.amount).toBe(unverified.amount);

    const late = await payAndGetCallback();
    await sandbox.control('POST', '/clock', { advanceMs: 30 * MINUTE_MS });
    expect((await verify({ referenceNumber: late.fields.referenceNumber })).json).toEqual({ errorCode: 'TransactionReversed', errorDescription: expect.any(String) });
    expect((await verify({ referenceNumber: verified.fields.referenceNumber })).json.amount).toBe(verified.amount);
  });

  it('the reversal window is configurable', async () => {
    await sandbox.control('POST', '/atipay/options', { reversalWindowMs: 5 * MINUTE_MS });
    const { fields } = await payAndGetCallback();
    await sandbox.control('POST', '/clock', { advanceMs: 5 * MINUTE_MS });
    expect((await verify({ referenceNumber: fields.referenceNumber })).json.errorCode).toBe('TransactionReversed');
  });

  it('fault fail-before-commit (5xx or drop) leaves the payment unverified', async () => {
    const { fields, amount } = await payAndGetCallback();
    await sandbox.control('POST', '/atipay/faults', { endpoint: 'verify-payment', kind: 'fail-before-commit', count: 1 });
    const failed = await verify({ referenceNumber: fields.referenceNumber });
    expect(failed.status).toBe(500);
    await sandbox.control('POST', '/atipay/faults', { endpoint: 'verify-payment', kind: 'fail-before-commit', mode: 'drop', count: 1 });
    await expect(verify({ referenceNumber: fields.referenceNumber })).rejects.toThrow();
    let state = (await sandbox.control('GET', '/atipay/state')).body.state;
    expect(state.payments[0]).toMatchObject({ status: 'awaiting_verify', verifyCalls: 0 });
    expect((await verify({ referenceNumber: fields.referenceNumber })).json.amount).toBe(amount);
    state = (await sandbox.control('GET', '/atipay/state')).body.state;
    expect(state.payments[0].status).toBe('verified');
  });

  it('fault commit-then-drop verifies but loses the reply; the next verify returns the same amount', async () => {
    const { fields, amount } = await payAndGetCallback();
    await sandbox.control('POST', '/atipay/faults', { endpoint: 'verify-payment', kind: 'commit-then-drop', count: 1 });
    await expect(verify({ referenceNumber: fields.referenceNumber })).rejects.toThrow();
    const state = (await sandbox.control('GET', '/atipay/state')).body.state;
    expect(state.payments[0]).toMatchObject({ status: 'verified', verifyCalls: 1 });
    await sandbox.control('POST', '/clock', { advanceMs: 31 * MINUTE_MS });
    expect((await verify({ referenceNumber: fields.referenceNumber })).json).toEqual({ amount });
  });
});

describe('scenarios (automated buyer: opening the page performs the queued outcome)', () => {
  async function visit(scenario: Record<string, unknown>): Promise<{ form?: { action: string; fields: Record<string, string> }; invoiceNumber: string; text: string }> {
    const invoiceNumber = invoice();
    const queued = await sandbox.control('POST', '/atipay/scenarios', { reference: invoiceNumber, ...scenario });
    expect(queued.status).toBe(201);
    const { token } = await issue({ invoiceNumber });
    const page = await postForm('/redirect-to-gateway', { token });
    return { form: parseAutoSubmitForm(page.text), invoiceNumber, text: page.text };
  }

  it.each([
    [{ outcome: 'pay' }, 'OK', '2'],
    [{ outcome: 'cancel' }, 'CanceledByUser', '1'],
    [{ outcome: 'fail' }, 'Failed', '3'],
    [{ outcome: 'timeout' }, 'SessionIsNull', '4'],
    [{ outcome: 'config-error' }, 'InvalidParameters', '5'],
    [{ outcome: 'config-error', status: 8 }, 'MerchantIpAddressIsInvalid', '8'],
    [{ outcome: 'config-error', status: '11' }, 'TokenRequired', '11'],
    [{ outcome: 'config-error', status: 12 }, 'TerminalNotFound', '12'],
    [{ outcome: 'pay', inconsistentStatus: '3' }, 'OK', '3'],
  ])('%j → %s/%s', async (scenario, state, status) => {
    const { form, invoiceNumber } = await visit(scenario);
    expect(form!.fields).toMatchObject({ state, status, reservationNumber: invoiceNumber });
  });

  it('"next" scenario applies to the next token without a reference', async () => {
    await sandbox.control('POST', '/atipay/scenarios', { outcome: 'cancel' });
    const { token } = await issue();
    const form = parseAutoSubmitForm((await postForm('/redirect-to-gateway', { token })).text)!;
    expect(form.fields.status).toBe('1');
  });

  it('abandon: no callback at all', async () => {
    const { form } = await visit({ outcome: 'abandon' });
    expect(form).toBeUndefined();
  });

  it('wrongAmount: verify returns amount + delta', async () => {
    const { form } = await visit({ outcome: 'pay', wrongAmount: -1000 });
    expect((await verify({ referenceNumber: form!.fields.referenceNumber })).json.amount).toBe(149_000);
  });

  it('refuses unknown scenarios and bad options', async () => {
    expect((await sandbox.control('POST', '/atipay/scenarios', { outcome: 'unknown-then-resolve' })).status).toBe(400);
    expect((await sandbox.control('POST', '/atipay/scenarios', { outcome: 'config-error', status: 3 })).status).toBe(400);
    expect((await sandbox.control('POST', '/atipay/scenarios', { outcome: 'pay', repeat: 99 })).status).toBe(400);
    expect((await sandbox.control('POST', '/atipay/scenarios', { outcome: 'pay', callback: 'carrier-pigeon' })).status).toBe(400);
  });

  it('a repeated get-token inherits the scenario of the unopened earlier token', async () => {
    const invoiceNumber = invoice();
    await sandbox.control('POST', '/atipay/scenarios', { reference: invoiceNumber, outcome: 'cancel' });
    await sandbox.control('POST', '/atipay/faults', { endpoint: 'get-token', kind: 'commit-then-drop', count: 1 });
    await expect(postJson('/get-token', tokenBody({ invoiceNumber }))).rejects.toThrow();
    const { token } = await issue({ invoiceNumber });
    const form = parseAutoSubmitForm((await postForm('/redirect-to-gateway', { token })).text)!;
    expect(form.fields.status).toBe('1');
  });
});

describe('callback delivery: direct mode, delay, repeat, drop', () => {
  async function directPay(options: Record<string, unknown>): Promise<{ invoiceNumber: string; text: string }> {
    const invoiceNumber = invoice();
    await sandbox.control('POST', '/atipay/scenarios', { reference: invoiceNumber, outcome: 'pay', callback: 'direct', ...options });
    const { token } = await issue({ invoiceNumber });
    const page = await postForm('/redirect-to-gateway', { token });
    return { invoiceNumber, text: page.text };
  }

  it('direct mode POSTs the form itself and logs our answer', async () => {
    capture.respondWith(303);
    const { invoiceNumber, text } = await directPay({});
    expect(parseAutoSubmitForm(text)).toBeUndefined();
    expect(text).toContain('HTTP 303');
    const [callback] = await capture.waitFor(1);
    expect(callback.path).toBe('/callbacks/atipay');
    expect(Object.fromEntries(new URLSearchParams(callback.rawBody))).toMatchObject({ state: 'OK', status: '2', reservationNumber: invoiceNumber });
    const log = (await sandbox.control('GET', '/requests?gateway=atipay&direction=out')).body.requests;
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({ method: 'POST', path: '/callbacks/atipay', status: 303 });
  });

  it('callbackMode option switches every page to direct mode', async () => {
    await sandbox.control('POST', '/atipay/options', { callbackMode: 'direct' });
    const invoiceNumber = invoice();
    await sandbox.control('POST', '/atipay/scenarios', { reference: invoiceNumber, outcome: 'fail' });
    const { token } = await issue({ invoiceNumber });
    await postForm('/redirect-to-gateway', { token });
    const [callback] = await capture.waitFor(1);
    expect(new URLSearchParams(callback.rawBody).get('status')).toBe('3');
  });

  it('delayMs waits for the sandbox clock; repeat sends extra copies', async () => {
    await directPay({ delayMs: 5000, repeat: 2 });
    expect(capture.requests).toHaveLength(0);
    await sandbox.control('POST', '/clock', { advanceMs: 5000 });
    const callbacks = await capture.waitFor(3);
    expect(new Set(callbacks.map((c) => c.rawBody)).size).toBe(1);
  });

  it('drop: the payment is taken but no callback arrives (and it is reversed later)', async () => {
    const { invoiceNumber } = await directPay({ drop: true });
    await new Promise((r) => setTimeout(r, 50));
    expect(capture.requests).toHaveLength(0);
    const state = (await sandbox.control('GET', '/atipay/state')).body.state;
    const payment = state.payments.find((p: any) => p.invoiceNumber === invoiceNumber);
    expect(payment.status).toBe('awaiting_verify');
    await sandbox.control('POST', '/clock', { advanceMs: 30 * MINUTE_MS });
    const after = (await sandbox.control('GET', '/atipay/state')).body.state;
    expect(after.payments.find((p: any) => p.invoiceNumber === invoiceNumber).status).toBe('reversed');
  });

  it('drop in browser mode: the page never sends the browser back', async () => {
    const invoiceNumber = invoice();
    await sandbox.control('POST', '/atipay/scenarios', { reference: invoiceNumber, outcome: 'pay', drop: true });
    const { token } = await issue({ invoiceNumber });
    const page = await postForm('/redirect-to-gateway', { token });
    expect(parseAutoSubmitForm(page.text)).toBeUndefined();
  });
});

describe('faults and controls', () => {
  it('get-token 5xx answers HTTP 500 with the failure envelope', async () => {
    await sandbox.control('POST', '/atipay/faults', { endpoint: 'get-token', kind: '5xx', count: 1 });
    const failed = await postJson('/get-token', tokenBody());
    expect(failed.status).toBe(500);
    expect(failed.json).toMatchObject({ status: '0', errorCode: 'InternalServerError' });
    expect((await postJson('/get-token', tokenBody())).json.status).toBe('1');
  });

  it('timeout holds the request until the client gives up; slow answers late', async () => {
    await sandbox.control('POST', '/atipay/faults', { endpoint: 'get-token', kind: 'timeout', count: 1 });
    await expect(fetch(`${base}/get-token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(tokenBody()), signal: AbortSignal.timeout(200) })).rejects.toThrow();
    await sandbox.control('POST', '/atipay/faults', { endpoint: 'verify-payment', kind: 'slow', delayMs: 150, count: 1 });
    const started = Date.now();
    const reply = await verify({ referenceNumber: 'none' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(reply.json.errorCode).toBe('TransactionNotFound');
  });

  it('page 5xx fault answers an HTML error page', async () => {
    const { token } = await issue();
    await sandbox.control('POST', '/atipay/faults', { endpoint: 'redirect-to-gateway', kind: '5xx', count: 1 });
    const page = await postForm('/redirect-to-gateway', { token });
    expect(page.status).toBe(500);
    expect(page.contentType).toContain('text/html');
  });

  it('state lists sessions and payments; reset forgets them; unknown paths are 404 JSON', async () => {
    await payAndGetCallback();
    let state = (await sandbox.control('GET', '/atipay/state')).body.state;
    expect(state.sessions).toHaveLength(1);
    expect(state.sessions[0]).toMatchObject({ status: 'finished', result: { state: 'OK', status: '2' } });
    expect(state.payments).toHaveLength(1);
    await sandbox.control('POST', '/reset');
    state = (await sandbox.control('GET', '/atipay/state')).body.state;
    expect(state).toEqual({ sessions: [], payments: [] });
    const unknown = await postJson('/inquiry', {});
    expect(unknown.status).toBe(404);
    expect(unknown.json.errorCode).toBe('NotFound');
  });

  it('seeded runs hand out the same tokens', async () => {
    await sandbox.control('POST', '/reset', { seed: 'same' });
    const first = (await postJson('/get-token', tokenBody())).json.token;
    await sandbox.control('POST', '/reset', { seed: 'same' });
    const second = (await postJson('/get-token', tokenBody())).json.token;
    expect(second).toBe(first);
  });
});
