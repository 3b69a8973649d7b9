import { SANDBOX_CREDENTIALS } from '@payledger/config';
import { createJibitSimulator } from '../../apps/sandbox/src/jibit';
import { CaptureServer, startCaptureServer, startTestSandbox, TestSandbox } from '../support/sandbox';

/** The Jibit PPG v2 simulator over real HTTP (shared/gateways/jibit.md §7). */

const MIN = 60_000;
const HOUR = 60 * MIN;
let sandbox: TestSandbox;
let capture: CaptureServer;
let api: string;
let refCounter = 0;

interface Reply {
  status: number;
  json: any;
  text: string;
  headers: Headers;
}

async function call(method: string, path: string, options: { token?: string; body?: unknown; headers?: Record<string, string>; raw?: string } = {}): Promise<Reply> {
  const headers: Record<string, string> = { accept: 'application/json', ...(options.headers ?? {}) };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let body: string | undefined = options.raw;
  if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  }
  const response = await fetch(path.startsWith('http') ? path : `${api}${path}`, { method, headers, body, redirect: 'manual' });
  const text = await response.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, json, text, headers: response.headers };
}

async function generate(): Promise<{ accessToken: string; refreshToken: string }> {
  const reply = await call('POST', '/tokens/generate', { body: SANDBOX_CREDENTIALS.jibit });
  expect(reply.status).toBe(200);
  return reply.json;
}

const nextRef = () => `sim-ref-${++refCounter}`;

async function createOrder(token: string, overrides: Record<string, unknown> = {}): Promise<{ orderIdentifier: string; referenceNumber: string; pspSwitchingUrl: string }> {
  const reply = await call('POST', '/orders', {
    token,
    body: { amount: 150000, currency: 'RIALS', referenceNumber: nextRef(), userIdentifier: 'u-1', callbackUrl: `${capture.url}/callbacks/jibit`, forcePayerCardNumber: false, ...overrides },
  });
  expect(reply.status).toBe(200);
  return reply.json;
}

function expectEnvelope(reply: Reply, status: number, codes: string[]): void {
  expect(reply.status).toBe(status);
  expect(reply.json.errors.map((e: { code: string }) => e.code)).toEqual(codes);
  expect(typeof reply.json.fingerprint).toBe('string');
  expect(reply.json.fingerprint.length).toBeGreaterThan(10);
}

const jibitOptions = () => sandbox.sandbox.contexts.jibit!.options;
const inquiry = (token: string, id: string) => call('GET', `/orders/${id}`, { token });
const verify = (token: string, id: string) => call('GET', `/orders/${id}/verify`, { token });
const page = (url: string, action?: string) =>
  action ? call('POST', url, { raw: `action=${action}`, headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' } }) : call('GET', url, { headers: { accept: 'text/html' } });

beforeAll(async () => {
  capture = await startCaptureServer();
  sandbox = await startTestSandbox({ simulators: { jibit: createJibitSimulator }, merchantBaseUrl: capture.url });
  api = `${sandbox.url}/jibit/ppg/v2`;
});
afterAll(async () => {
  await sandbox.close();
  await capture.close();
});
beforeEach(() => {
  sandbox.sandbox.reset();
  for (const key of Object.keys(jibitOptions())) delete jibitOptions()[key];
  capture.requests.splice(0, capture.requests.length);
  capture.respondWith(200);
});

describe('tokens (§3.2, §3.3, D2)', () => {
  it('generates an opaque pair from {apiKey, secretKey} and from {merchantCode, password}', async () => {
    const a = await generate();
    expect(a.accessToken).toMatch(/^[A-Za-z0-9]{20,}$/);
    expect(a.refreshToken).toMatch(/^[A-Za-z0-9]{20,}$/);
    const b = await call('POST', '/tokens/generate', { body: { merchantCode: SANDBOX_CREDENTIALS.jibit.apiKey, password: SANDBOX_CREDENTIALS.jibit.secretKey } });
    expect(b.status).toBe(200);
    expect(b.json.accessToken).not.toBe(a.accessToken);
  });

  it('refuses missing fields, wrong credentials, a disabled channel, other media types and broken JSON', async () => {
    expectEnvelope(await call('POST', '/tokens/generate', { body: {} }), 400, ['generate_token.api_key.is_required', 'generate_token.secret_key.is_required']);
    expectEnvelope(await call('POST', '/tokens/generate', { body: { apiKey: 'x' } }), 400, ['generate_token.secret_key.is_required']);
    expectEnvelope(await call('POST', '/tokens/generate', { body: { apiKey: 1, secretKey: 'x' } }), 400, ['binding.type_mismatch']);
    expectEnvelope(await call('POST', '/tokens/generate', { body: { ...SANDBOX_CREDENTIALS.jibit, secretKey: 'wrong' } }), 401, ['token.generation.failed']);
    expectEnvelope(await call('POST', '/tokens/generate', { raw: 'apiKey=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } }), 415, ['web.unsupported_media_type']);
    expectEnvelope(await call('POST', '/tokens/generate', { raw: '{"apiKey":', headers: { 'content-type': 'application/json' } }), 400, ['web.invalid_or_missing_body']);
    expectEnvelope(await call('POST', '/tokens/generate', { raw: '', headers: { 'content-type': 'application/json' } }), 400, ['web.invalid_or_missing_body']);
    jibitOptions().channelActive = false;
    expectEnvelope(await call('POST', '/tokens/generate', { body: SANDBOX_CREDENTIALS.jibit }), 401, ['token.channel_not_active']);
  });

  it('rotates on refresh: the old refresh token is dead, the old access token lives until its own expiry', async () => {
    const first = await generate();
    const refreshed = await call('POST', '/tokens/refresh', { body: { accessToken: first.accessToken, refreshToken: first.refreshToken } });
    expect(refreshed.status).toBe(200);
    expect(refreshed.json.refreshToken).not.toBe(first.refreshToken);
    expectEnvelope(await call('POST', '/tokens/refresh', { body: { accessToken: first.accessToken, refreshToken: first.refreshToken } }), 401, ['token.generation.failed']);
    expect((await call('GET', '/orders', { token: first.accessToken })).status).toBe(200);
    expect((await call('GET', '/orders', { token: refreshed.json.accessToken })).status).toBe(200);
    await sandbox.clock.advance(24 * HOUR);
    expectEnvelope(await call('GET', '/orders', { token: first.accessToken }), 401, ['token.verification.failed']);
  });

  it('refuses a refresh with the Bearer prefix, missing fields or an expired refresh token', async () => {
    const pair = await generate();
    expectEnvelope(await call('POST', '/tokens/refresh', { body: { accessToken: `Bearer ${pair.accessToken}`, refreshToken: pair.refreshToken } }), 401, ['token.generation.failed']);
    expectEnvelope(await call('POST', '/tokens/refresh', { body: {} }), 400, ['refresh_token.access_token.is_required', 'refresh_token.refresh_token.is_required']);
    await sandbox.clock.advance(48 * HOUR);
    expectEnvelope(await call('POST', '/tokens/refresh', { body: pair }), 401, ['token.generation.failed']);
  });

  it('expires access tokens after 24 h by default and after the configured TTL', async () => {
    const pair = await generate();
    await sandbox.clock.advance(24 * HOUR - 1);
    expect((await call('GET', '/orders', { token: pair.accessToken })).status).toBe(200);
    await sandbox.clock.advance(1);
    expect((await call('GET', '/orders', { token: pair.accessToken })).status).toBe(401);
    jibitOptions().accessTokenTtlMs = 1000;
    const short = await generate();
    await sandbox.clock.advance(1000);
    expectEnvelope(await call('GET', '/orders', { token: short.accessToken }), 401, ['token.verification.failed']);
  });

  it('invalidateOnGenerate kills earlier pairs', async () => {
    const first = await generate();
    await generate();
    expect((await call('GET', '/orders', { token: first.accessToken })).status).toBe(200);
    jibitOptions().invalidateOnGenerate = true;
    const third = await generate();
    expectEnvelope(await call('GET', '/orders', { token: first.accessToken }), 401, ['token.verification.failed']);
    expectEnvelope(await call('POST', '/tokens/refresh', { body: first }), 401, ['token.generation.failed']);
    expect((await call('GET', '/orders', { token: third.accessToken })).status).toBe(200);
  });
});

describe('bearer, routing and content negotiation (§3.1)', () => {
  it('refuses a missing, unknown or malformed bearer with token.verification.failed', async () => {
    expectEnvelope(await call('GET', '/orders'), 401, ['token.verification.failed']);
    expectEnvelope(await call('GET', '/orders', { token: 'made-up' }), 401, ['token.verification.failed']);
    expectEnvelope(await call('GET', '/orders', { headers: { authorization: 'Basic abc' } }), 401, ['token.verification.failed']);
  });

  it('answers unknown paths, wrong methods and unacceptable Accept headers in the envelope', async () => {
    const { accessToken } = await generate();
    expectEnvelope(await call('GET', '/nowhere', { token: accessToken }), 404, ['web.no_handler']);
    expectEnvelope(await call('GET', `${sandbox.url}/jibit/ppg/v1/orders`), 404, ['web.no_handler']);
    const wrongMethod = await call('DELETE', '/orders', { token: accessToken });
    expectEnvelope(wrongMethod, 405, ['web.method_not_allowed']);
    expect(wrongMethod.headers.get('allow')).toBe('POST, GET');
    expectEnvelope(await call('GET', '/tokens/generate'), 405, ['web.method_not_allowed']);
    expectEnvelope(await call('GET', '/orders/%E0%A4%A', { token: accessToken }), 404, ['web.no_handler']);
    expectEnvelope(await call('GET', '/orders', { token: accessToken, headers: { accept: 'text/html' } }), 406, ['web.not_acceptable']);
    expect((await call('GET', '/orders', { token: accessToken, headers: { accept: 'application/json;q=0.9, */*;q=0.1' } })).status).toBe(200);
  });

  it('gives every error a fresh fingerprint', async () => {
    const a = await call('GET', '/orders');
    const b = await call('GET', '/orders');
    expect(a.json.fingerprint).not.toBe(b.json.fingerprint);
  });
});

describe('POST /orders (§3.4, D11)', () => {
  it('creates an order with an 8-character alphanumeric identifier and a switching URL', async () => {
    const { accessToken } = await generate();
    const reference = nextRef();
    const createdAt = sandbox.clock.now().toISOString();
    const created = await createOrder(accessToken, { referenceNumber: reference });
    expect(created.orderIdentifier).toMatch(/^[A-Za-z0-9]{8}$/);
    expect(created.referenceNumber).toBe(reference);
    expect(created.pspSwitchingUrl).toBe(`${api}/orders/${created.orderIdentifier}/payments`);
    const order = await inquiry(accessToken, created.orderIdentifier);
    expect(order.json).toMatchObject({ id: created.orderIdentifier, amount: 150000, currency: 'RIALS', referenceNumber: reference, status: 'IN_PROGRESS', userIdentifier: 'u-1' });
    expect(order.json.createdAt).toBe(createdAt.replace('Z', '000Z'));
  });

  it('reports every §3.4 validation error', async () => {
    const { accessToken } = await generate();
    const post = (body: unknown) => call('POST', '/orders', { token: accessToken, body });
    const base = { amount: 1000, referenceNumber: 'v-1', userIdentifier: 'u', callbackUrl: 'https://m.example/cb' };
    expectEnvelope(await post({}), 400, [
      'order_create.user_identifier.is_required',
      'order_create.reference_number.is_required',
      'order_create.amount.is_required',
      'order_create.callback_url.is_required',
    ]);
    expectEnvelope(await post({ ...base, amount: 99 }), 400, ['order_create.amount.positive']);
    expectEnvelope(await post({ ...base, amount: 99, currency: 'TOMAN' }), 400, ['order_create.amount.positive']);
    expectEnvelope(await post({ ...base, amount: 2_000_000_001 }), 400, ['order_create.amount.max_exceeded']);
    expectEnvelope(await post({ ...base, currency: '' }), 400, ['order_create.currency.is_required']);
    expectEnvelope(await post({ ...base, callbackUrl: 'nope' }), 400, ['order_create.callback_url.not_valid']);
    expectEnvelope(await post({ ...base, amount: 'lots' }), 400, ['binding.type_mismatch']);
    expectEnvelope(await post([1, 2]), 400, ['web.invalid_or_missing_body']);
    expectEnvelope(await call('POST', '/orders', { token: accessToken, raw: 'amount=1', headers: { 'content-type': 'text/plain' } }), 415, ['web.unsupported_media_type']);
    jibitOptions().amountMax = 5000;
    expectEnvelope(await post({ ...base, amount: 5001 }), 400, ['order_create.amount.max_exceeded']);
    jibitOptions().merchantActive = false;
    expectEnvelope(await post(base), 400, ['merchant.inactive']);
  });

  it('refuses a duplicate referenceNumber (simulator convention)', async () => {
    const { accessToken } = await generate();
    await createOrder(accessToken, { referenceNumber: 'dup-1' });
    expectEnvelope(
      await call('POST', '/orders', { token: accessToken, body: { amount: 1000, referenceNumber: 'dup-1', userIdentifier: 'u', callbackUrl: 'https://m.example/cb' } }),
      400,
      ['order_create.reference_number.duplicated'],
    );
  });
});

describe('the payment page and the callback (§3.5, §4)', () => {
  it('shows Pay, Cancel, Fail and Abandon without a scenario', async () => {
    const { accessToken } = await generate();
    const { pspSwitchingUrl } = await createOrder(accessToken);
    const shown = await page(pspSwitchingUrl);
    expect(shown.status).toBe(200);
    expect(shown.headers.get('content-type')).toMatch(/text\/html/);
    for (const action of ['pay', 'cancel', 'fail', 'abandon']) expect(shown.text).toContain(`value="${action}"`);
  });

  it('Pay sends the browser back with a 302 GET carrying amount, refnum and state; the order waits for verify', async () => {
    const { accessToken } = await generate();
    const created = await createOrder(accessToken, { callbackUrl: `${capture.url}/callbacks/jibit?shop=7` });
    const paid = await page(created.pspSwitchingUrl, 'pay');
    expect(paid.status).toBe(302);
    expect(paid.headers.get('location')).toBe(`${capture.url}/callbacks/jibit?shop=7&amount=150000&refnum=${created.orderIdentifier}&state=SUCCESSFUL`);
    const order = await inquiry(accessToken, created.orderIdentifier);
    expect(order.json.status).toBe('IN_PROGRESS');
    expect(order.json.payerCard).toMatch(/^603799\*{6}\d{4}$/);
    expect(order.json.initPayerIp).toBeDefined();
    expect((await page(created.pspSwitchingUrl, 'pay')).status).toBe(409);
  });

  it('appends with ? to a callback without a query, and reports a TOMAN order in rials', async () => {
    const { accessToken } = await generate();
    const created = await createOrder(accessToken, { currency: 'TOMAN', amount: 15000 });
    const paid = await call('GET', `${created.pspSwitchingUrl}?action=pay`);
    expect(paid.headers.get('location')).toBe(`${capture.url}/callbacks/jibit?amount=150000&refnum=${created.orderIdentifier}&state=SUCCESSFUL`);
  });

  it('Cancel and Fail end FAILED with state=FAILED', async () => {
    const { accessToken } = await generate();
    for (const action of ['cancel', 'fail']) {
      const created = await createOrder(accessToken);
      const back = await page(created.pspSwitchingUrl, action);
      expect(back.status).toBe(302);
      expect(new URL(back.headers.get('location')!).searchParams.get('state')).toBe('FAILED');
      expect((await inquiry(accessToken, created.orderIdentifier)).json.status).toBe('FAILED');
      expect((await verify(accessToken, created.orderIdentifier)).json).toEqual({ status: 'Failed' });
    }
  });

  it('Abandon sends nobody back; the order expires at +15 min', async () => {
    const { accessToken } = await generate();
    const created = await createOrder(accessToken);
    const left = await page(created.pspSwitchingUrl, 'abandon');
    expect(left.status).toBe(200);
    expect(left.headers.get('location')).toBeNull();
    await sandbox.clock.advance(15 * MIN - 1);
    expect((await inquiry(accessToken, created.orderIdentifier)).json.status).toBe('IN_PROGRESS');
    await sandbox.clock.advance(1);
    expect((await inquiry(accessToken, created.orderIdentifier)).json.status).toBe('EXPIRED');
  });

  it('answers an unknown order or action on the page with HTML, not a stack trace', async () => {
    expect((await page(`${api}/orders/NOPE1234/payments`)).status).toBe(404);
    const { accessToken } = await generate();
    const created = await createOrder(accessToken);
    expect((await page(created.pspSwitchingUrl, 'steal')).status).toBe(400);
  });
});

describe('verify and inquiry (§3.6, §3.7, §7)', () => {
  it('follows the verify table: unpaid → Failed; paid → Successful and SUCCESS; idempotent', async () => {
    const { accessToken } = await generate();
    const created = await createOrder(accessToken);
    expect((await verify(accessToken, created.orderIdentifier)).json).toEqual({ status: 'Failed' });
    expect((await inquiry(accessToken, created.orderIdentifier)).json.status).toBe('IN_PROGRESS');
    await page(created.pspSwitchingUrl, 'pay');
    expect((await verify(accessToken, created.orderIdentifier)).json).toEqual({ status: 'Successful' });
    expect((await inquiry(accessToken, created.orderIdentifier)).json.status).toBe('SUCCESS');
    expect((await verify(accessToken, created.orderIdentifier)).json).toEqual({ status: 'Successful' });
  });

  it('paid but unverified at +15 min → EXPIRED, and verify then says Failed', async () => {
    const { accessToken } = await generate();
    const created = await createOrder(accessToken);
    await page(created.pspSwitchingUrl, 'pay');
    await sandbox.clock.advance(15 * MIN);
    const state = await sandbox.control('GET', '/jibit/state');
    expect(state.body.state.orders[0]).toMatchObject({ orderIdentifier: created.orderIdentifier, status: 'EXPIRED', paid: true });
    expect((await verify(accessToken, created.orderIdentifier)).json).toEqual({ status: 'Failed' });
  });

  it('unknown-then-pay: verify Unknown, UNKNOWN past the 15-minute expiry, SUCCESS after resolveAfter', async () => {
    const { accessToken } = await generate();
    const reference = nextRef();
    await sandbox.control('POST', '/jibit/scenarios', { reference, outcome: 'unknown-then-pay' });
    const created = await createOrder(accessToken, { referenceNumber: reference });
    expect((await page(created.pspSwitchingUrl)).status).toBe(302);
    await sandbox.clock.advance(14 * MIN);
    expect((await verify(accessToken, created.orderIdentifier)).json).toEqual({ status: 'Unknown' });
    expect((await inquiry(accessToken, created.orderIdentifier)).json.status).toBe('UNKNOWN');
    await sandbox.clock.advance(2 * MIN);
    expect((await inquiry(accessToken, created.orderIdentifier)).json.status).toBe('UNKNOWN');
    await sandbox.clock.advance(3 * MIN);
    expect((await inquiry(accessToken, created.orderIdentifier)).json.status).toBe('SUCCESS');
  });

  it('unknown-then-fail resolves FAILED after a configured resolveAfter', async () => {
    const { accessToken } = await generate();
    jibitOptions().resolveAfterMs = 60_000;
    const reference = nextRef();
    await sandbox.control('POST', '/jibit/scenarios', { reference, outcome: 'unknown-then-fail' });
    const created = await createOrder(accessToken, { referenceNumber: reference });
    await page(created.pspSwitchingUrl);
    expect((await verify(accessToken, created.orderIdentifier)).json.status).toBe('Unknown');
    await sandbox.clock.advance(60_000);
    expect((await inquiry(accessToken, created.orderIdentifier)).json.status).toBe('FAILED');
    expect((await verify(accessToken, created.orderIdentifier)).json.status).toBe('Failed');
  });

  it('answers an unknown order with 404 order.not_found', async () => {
    const { accessToken } = await generate();
    expectEnvelope(await inquiry(accessToken, 'NOPE1234'), 404, ['order.not_found']);
    expectEnvelope(await verify(accessToken, 'NOPE1234'), 404, ['order.not_found']);
    expectEnvelope(await call('POST', '/orders/NOPE1234/verify', { token: accessToken }), 405, ['web.method_not_allowed']);
  });
});

describe('GET /orders (§3.8)', () => {
  it('filters by status and creation time (from inclusive, to exclusive) and pages from 1', async () => {
    const { accessToken } = await generate();
    const created = [];
    const t0 = sandbox.clock.nowMs();
    const at = (minutes: number) => encodeURIComponent(new Date(t0 + minutes * MIN).toISOString());
    for (let i = 0; i < 5; i++) {
      created.push(await createOrder(accessToken));
      await sandbox.clock.advance(MIN);
    }
    await page(created[1].pspSwitchingUrl, 'cancel');
    const first = await call('GET', '/orders?page=1&size=2', { token: accessToken });
    expect(first.json).toMatchObject({ pageNumber: 1, size: 2, numberOfElements: 5, hasNext: true, hasPrevious: false });
    expect(first.json.elements.map((e: { id: string }) => e.id)).toEqual([created[0].orderIdentifier, created[1].orderIdentifier]);
    const last = await call('GET', '/orders?page=3&size=2', { token: accessToken });
    expect(last.json).toMatchObject({ pageNumber: 3, hasNext: false, hasPrevious: true });
    expect(last.json.elements).toHaveLength(1);
    const failed = await call('GET', '/orders?status=FAILED', { token: accessToken });
    expect(failed.json.elements.map((e: { id: string }) => e.id)).toEqual([created[1].orderIdentifier]);
    const window = await call('GET', `/orders?from=${at(1)}&to=${at(3)}`, { token: accessToken });
    expect(window.json.elements.map((e: { id: string }) => e.id)).toEqual([created[1].orderIdentifier, created[2].orderIdentifier]);
  });

  it('caps size by configuration, can spell the count as the document does, and refuses bad parameters', async () => {
    const { accessToken } = await generate();
    for (let i = 0; i < 3; i++) await createOrder(accessToken);
    jibitOptions().listSizeMax = 2;
    jibitOptions().listCountField = 'numberOfElemnts';
    const capped = await call('GET', '/orders?size=100', { token: accessToken });
    expect(capped.json.size).toBe(2);
    expect(capped.json.elements).toHaveLength(2);
    expect(capped.json.numberOfElemnts).toBe(3);
    expect(capped.json.numberOfElements).toBeUndefined();
    expectEnvelope(await call('GET', '/orders?page=0', { token: accessToken }), 400, ['binding.type_mismatch']);
    expectEnvelope(await call('GET', '/orders?status=PAID', { token: accessToken }), 400, ['binding.type_mismatch']);
    expectEnvelope(await call('GET', '/orders?from=yesterday', { token: accessToken }), 400, ['binding.type_mismatch']);
  });
});

describe('scenario controls (§7)', () => {
  it('an outcome per reference lets an automated buyer finish by visiting the page', async () => {
    const { accessToken } = await generate();
    const reference = nextRef();
    expect((await sandbox.control('POST', '/jibit/scenarios', { reference, outcome: 'pay' })).status).toBe(201);
    const created = await createOrder(accessToken, { referenceNumber: reference });
    const back = await page(created.pspSwitchingUrl);
    expect(back.status).toBe(302);
    expect(back.headers.get('location')).toContain('state=SUCCESSFUL');
  });

  it('a queued outcome without reference applies to the next order, and a late one still applies at the page', async () => {
    const { accessToken } = await generate();
    await sandbox.control('POST', '/jibit/scenarios', { outcome: 'fail' });
    const next = await createOrder(accessToken);
    expect(new URL((await page(next.pspSwitchingUrl)).headers.get('location')!).searchParams.get('state')).toBe('FAILED');
    const late = await createOrder(accessToken);
    await sandbox.control('POST', '/jibit/scenarios', { reference: late.referenceNumber, outcome: 'cancel' });
    expect((await page(late.pspSwitchingUrl)).status).toBe(302);
    expect((await inquiry(accessToken, late.orderIdentifier)).json.status).toBe('FAILED');
  });

  it('timeout: the buyer never finishes, nobody is called back, the order expires', async () => {
    const { accessToken } = await generate();
    const reference = nextRef();
    await sandbox.control('POST', '/jibit/scenarios', { reference, outcome: 'timeout', callback: 'direct' });
    const created = await createOrder(accessToken, { referenceNumber: reference });
    expect((await page(created.pspSwitchingUrl)).status).toBe(200);
    await sandbox.clock.advance(15 * MIN);
    expect(capture.requests).toHaveLength(0);
    expect((await inquiry(accessToken, created.orderIdentifier)).json.status).toBe('EXPIRED');
  });

  it('direct mode: the simulator sends the callback itself, repeated, and logs our answer', async () => {
    const { accessToken } = await generate();
    const reference = nextRef();
    await sandbox.control('POST', '/jibit/scenarios', { reference, outcome: 'pay', callback: 'direct', repeat: 2 });
    const created = await createOrder(accessToken, { referenceNumber: reference });
    capture.respondWith(303);
    const shown = await page(created.pspSwitchingUrl);
    expect(shown.status).toBe(200);
    const got = await capture.waitFor(2);
    expect(got.map((r) => r.method)).toEqual(['GET', 'GET']);
    expect(got[0].query).toEqual({ amount: '150000', refnum: created.orderIdentifier, state: 'SUCCESSFUL' });
    const log = await sandbox.control('GET', '/requests?gateway=jibit&direction=out');
    expect(log.body.requests.map((r: { status: number }) => r.status)).toEqual([303, 303]);
  });

  it('direct mode with delayMs waits for the sandbox clock', async () => {
    const { accessToken } = await generate();
    const reference = nextRef();
    await sandbox.control('POST', '/jibit/scenarios', { reference, outcome: 'pay', callback: 'direct', delayMs: 30_000 });
    const created = await createOrder(accessToken, { referenceNumber: reference });
    await page(created.pspSwitchingUrl);
    expect(capture.requests).toHaveLength(0);
    await sandbox.control('POST', '/clock', { advanceMs: 30_000 });
    expect(capture.requests).toHaveLength(1);
  });

  it('drop: the buyer pays and never returns; verify still captures the payment', async () => {
    const { accessToken } = await generate();
    const reference = nextRef();
    await sandbox.control('POST', '/jibit/scenarios', { reference, outcome: 'pay', drop: true });
    const created = await createOrder(accessToken, { referenceNumber: reference });
    const shown = await page(created.pspSwitchingUrl);
    expect(shown.status).toBe(200);
    expect(shown.headers.get('location')).toBeNull();
    expect((await inquiry(accessToken, created.orderIdentifier)).json.status).toBe('IN_PROGRESS');
    expect((await verify(accessToken, created.orderIdentifier)).json.status).toBe('Successful');
  });

  it('wrongAmount: inquiry, list and callback report amount + delta', async () => {
    const { accessToken } = await generate();
    const reference = nextRef();
    await sandbox.control('POST', '/jibit/scenarios', { reference, outcome: 'pay', wrongAmount: 1000 });
    const created = await createOrder(accessToken, { referenceNumber: reference });
    const back = await page(created.pspSwitchingUrl);
    expect(new URL(back.headers.get('location')!).searchParams.get('amount')).toBe('151000');
    await verify(accessToken, created.orderIdentifier);
    expect((await inquiry(accessToken, created.orderIdentifier)).json).toMatchObject({ amount: 151000, status: 'SUCCESS' });
    expect((await call('GET', '/orders', { token: accessToken })).json.elements[0].amount).toBe(151000);
  });

  it('refuses scenarios the simulator does not know', async () => {
    const refused = await sandbox.control('POST', '/jibit/scenarios', { outcome: 'refund' });
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe('SANDBOX.INVALID_SCENARIO');
  });
});

describe('faults (§7)', () => {
  it('5xx answers service.internal_error for the next N calls of one endpoint', async () => {
    const { accessToken } = await generate();
    await sandbox.control('POST', '/jibit/faults', { endpoint: 'orders-create', kind: '5xx', count: 2 });
    const body = { amount: 1000, referenceNumber: 'f-1', userIdentifier: 'u', callbackUrl: 'https://m.example/cb' };
    expectEnvelope(await call('POST', '/orders', { token: accessToken, body }), 500, ['service.internal_error']);
    expectEnvelope(await call('POST', '/orders', { token: accessToken, body }), 500, ['service.internal_error']);
    expect((await call('GET', '/orders', { token: accessToken })).json.elements).toHaveLength(0);
    expect((await call('POST', '/orders', { token: accessToken, body })).status).toBe(200);
  });

  it('commit-then-drop on POST /orders creates the order but the reply never arrives', async () => {
    const { accessToken } = await generate();
    await sandbox.control('POST', '/jibit/faults', { endpoint: 'orders-create', kind: 'commit-then-drop' });
    const body = { amount: 1000, referenceNumber: 'lost-1', userIdentifier: 'u', callbackUrl: 'https://m.example/cb' };
    await expect(call('POST', '/orders', { token: accessToken, body })).rejects.toThrow();
    const listed = await call('GET', '/orders', { token: accessToken });
    expect(listed.json.elements.map((e: { referenceNumber: string }) => e.referenceNumber)).toEqual(['lost-1']);
    expectEnvelope(await call('POST', '/orders', { token: accessToken, body }), 400, ['order_create.reference_number.duplicated']);
  });

  it('timeout holds the request and then drops it; drop closes at once; slow answers late', async () => {
    const { accessToken } = await generate();
    const created = await createOrder(accessToken);
    await sandbox.control('POST', '/jibit/faults', { endpoint: 'orders-verify', kind: 'timeout', delayMs: 150 });
    const started = Date.now();
    await expect(verify(accessToken, created.orderIdentifier)).rejects.toThrow();
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    await sandbox.control('POST', '/jibit/faults', { endpoint: 'orders-inquiry', kind: 'drop' });
    await expect(inquiry(accessToken, created.orderIdentifier)).rejects.toThrow();
    await sandbox.control('POST', '/jibit/faults', { endpoint: 'orders-inquiry', kind: 'slow', delayMs: 150 });
    const slowStart = Date.now();
    expect((await inquiry(accessToken, created.orderIdentifier)).status).toBe(200);
    expect(Date.now() - slowStart).toBeGreaterThanOrEqual(140);
  });

  it('commit-then-timeout does the work and holds the reply', async () => {
    const { accessToken } = await generate();
    await sandbox.control('POST', '/jibit/faults', { endpoint: 'orders-create', kind: 'commit-then-timeout', delayMs: 100 });
    await expect(createOrder(accessToken, { referenceNumber: 'held-1' })).rejects.toThrow();
    expect((await call('GET', '/orders', { token: accessToken })).json.elements[0].referenceNumber).toBe('held-1');
  });

  it('auth, html, garbage, empty and unknown-status replies', async () => {
    const { accessToken } = await generate();
    const created = await createOrder(accessToken);
    await sandbox.control('POST', '/jibit/faults', { endpoint: 'orders-inquiry', kind: 'auth' });
    expectEnvelope(await inquiry(accessToken, created.orderIdentifier), 401, ['token.verification.failed']);
    await sandbox.control('POST', '/jibit/faults', { endpoint: 'orders-inquiry', kind: 'html' });
    const html = await inquiry(accessToken, created.orderIdentifier);
    expect(html.status).toBe(502);
    expect(html.headers.get('content-type')).toMatch(/text\/html/);
    await sandbox.control('POST', '/jibit/faults', { endpoint: 'orders-inquiry', kind: 'garbage' });
    expect((await inquiry(accessToken, created.orderIdentifier)).json).toBeUndefined();
    await sandbox.control('POST', '/jibit/faults', { endpoint: 'orders-verify', kind: 'empty' });
    expect((await verify(accessToken, created.orderIdentifier)).text).toBe('');
    await sandbox.control('POST', '/jibit/faults', { endpoint: 'orders-inquiry', kind: 'unknown-status' });
    expect((await inquiry(accessToken, created.orderIdentifier)).json.status).toBe('REVERSED');
    await sandbox.control('POST', '/jibit/faults', { endpoint: 'orders-verify', kind: 'unknown-status' });
    expect((await verify(accessToken, created.orderIdentifier)).json.status).toBe('Pending');
    await sandbox.control('POST', '/jibit/faults', { endpoint: 'orders-list', kind: '5xx' });
    expect((await call('GET', '/orders', { token: accessToken })).status).toBe(500);
    await sandbox.control('POST', '/jibit/faults', { endpoint: 'tokens-generate', kind: '5xx' });
    expect((await call('POST', '/tokens/generate', { body: SANDBOX_CREDENTIALS.jibit })).status).toBe(500);
  });
});

describe('request log, state and reset', () => {
  it('logs inbound requests and forgets everything on reset', async () => {
    const { accessToken } = await generate();
    const created = await createOrder(accessToken);
    const log = await sandbox.control('GET', '/requests?gateway=jibit&direction=in');
    expect(log.body.requests.map((r: { method: string; path: string }) => `${r.method} ${r.path}`)).toEqual(['POST /jibit/ppg/v2/tokens/generate', 'POST /jibit/ppg/v2/orders']);
    const state = await sandbox.control('GET', '/jibit/state');
    expect(state.body.state.orders).toHaveLength(1);
    expect(state.body.state.tokens.activeAccessTokens).toBe(1);
    expect((await sandbox.control('POST', '/reset')).status).toBe(200);
    expect((await sandbox.control('GET', '/jibit/state')).body.state.orders).toHaveLength(0);
    expectEnvelope(await inquiry(accessToken, created.orderIdentifier), 401, ['token.verification.failed']);
  });

  it('draws the same identifiers and tokens from the same seed', async () => {
    const ids: string[] = [];
    for (let run = 0; run < 2; run++) {
      sandbox.sandbox.reset('seed-1');
      const { accessToken } = await generate();
      ids.push(`${accessToken}/${(await createOrder(accessToken, { referenceNumber: `seeded-${run}` })).orderIdentifier}`);
    }
    expect(ids[0]).toBe(ids[1]);
  });
});
