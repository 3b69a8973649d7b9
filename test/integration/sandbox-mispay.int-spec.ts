import { SANDBOX_CREDENTIALS } from '@payledger/config';
import { createMispaySimulator } from '../../apps/sandbox/src/mispay/mispay.simulator';
import { decryptBlob, decryptCallbackValue } from '../../libs/gateways/src/mispay/mispay.crypto';
import { CaptureServer, startCaptureServer, startTestSandbox, TestSandbox } from '../support/sandbox';

/** The MIS Pay simulator over real HTTP: every endpoint, error, scenario, option and fault of mispay.md §7. */

const { appId: APP_ID, appSecret: APP_SECRET } = SANDBOX_CREDENTIALS.mispay;
let sb: TestSandbox;
let capture: CaptureServer;
let orderSeq = 0;

beforeAll(async () => {
  capture = await startCaptureServer();
  sb = await startTestSandbox({ simulators: { mispay: createMispaySimulator }, merchantBaseUrl: capture.url, seed: 'mispay-sim' });
});

afterAll(async () => {
  await sb.close();
  await capture.close();
});

beforeEach(() => {
  sb.sandbox.reset();
  for (const key of Object.keys(sb.sandbox.contexts.mispay!.options)) delete sb.sandbox.contexts.mispay!.options[key];
  capture.requests.length = 0;
  capture.respondWith(200);
});

const api = (path: string) => `${sb.url}/mispay/v1/api${path}`;
const nextOrderId = () => `ORD-${Date.now().toString(36)}-${++orderSeq}`;

async function http(method: string, url: string, options: { headers?: Record<string, string>; body?: unknown; raw?: string } = {}) {
  const response = await fetch(url, {
    method,
    headers: { ...(options.body !== undefined || options.raw !== undefined ? { 'content-type': 'application/json' } : {}), ...(options.headers ?? {}) },
    body: options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
    redirect: 'manual',
  });
  const text = await response.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, json, text, location: response.headers.get('location') ?? undefined, contentType: response.headers.get('content-type') ?? '' };
}

async function getToken(): Promise<{ jwt: string; expiration?: string }> {
  const reply = await http('GET', api('/token'), { headers: { 'x-app-id': APP_ID, 'x-app-secret': APP_SECRET } });
  expect(reply.status).toBe(200);
  const payload = JSON.parse(await decryptBlob(reply.json.result.token, APP_SECRET));
  return { jwt: payload.token, expiration: payload.expiration };
}

let jwt: string;
async function authed(method: string, path: string, body?: unknown, raw?: string) {
  jwt ??= (await getToken()).jwt;
  return http(method, api(path), { headers: { 'x-app-id': APP_ID, authorization: `Bearer ${jwt}` }, body, raw });
}

function checkoutBody(orderId: string, overrides: Record<string, unknown> = {}) {
  return {
    orderId,
    totalPrice: '200.00',
    shippingAmount: '0.00',
    vat: '30.00',
    discount: { amount: '10.00' },
    purchaseAmount: '220.00',
    purchaseCurrency: 'SAR',
    lang: 'en',
    version: 'v1.2',
    customerDetails: { mobileNumber: '+966512345678', firstName: 'Sara' },
    orderDetails: { items: [{ nameEnglish: 'Kettle', quantity: '2', unitPrice: '100.00' }] },
    ...overrides,
  };
}

async function startCheckout(scenario?: Record<string, unknown>, overrides: Record<string, unknown> | ((orderId: string) => Record<string, unknown>) = {}) {
  const orderId = nextOrderId();
  if (scenario) expect((await sb.control('POST', '/mispay/scenarios', { reference: orderId, ...scenario })).status).toBe(201);
  const reply = await authed('POST', '/start-checkout', checkoutBody(orderId, typeof overrides === 'function' ? overrides(orderId) : overrides));
  expect(reply.status).toBe(200);
  return { orderId, trackId: reply.json.result.trackId as string, url: reply.json.result.url as string };
}

/**
 * Deliveries are fire-and-forget, so one test's webhook may land during the next: every check looks
 * only at what concerns its own order (in the webhook body, or in the callback URL's query).
 */
function deliveriesFor(orderId: string) {
  return capture.requests.filter((r) => r.rawBody.includes(orderId) || Object.values(r.query).some((v) => v.includes(orderId)));
}

async function delivered(orderId: string, count: number, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = deliveriesFor(orderId);
    if (found.length >= count) return found;
    if (Date.now() > deadline) throw new Error(`expected ${count} deliveries for ${orderId}, got ${found.length}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A callback URL that names the order in its query, so direct deliveries can be told apart. */
const taggedCallback = (orderId: string) => ({ callbackUri: `${capture.url}/callbacks/mispay?o=${orderId}` });

async function readCallback(location: string) {
  const url = new URL(location);
  return { url, appId: url.searchParams.get('appId'), payload: JSON.parse(await decryptCallbackValue(url.searchParams.get('_')!, APP_SECRET)) };
}

async function state(): Promise<any> {
  return (await sb.control('GET', '/mispay/state')).body.state;
}

async function checkoutState(trackId: string) {
  return (await state()).checkouts.find((c: any) => c.trackId === trackId);
}

async function paidCheckout(): Promise<{ orderId: string; trackId: string; checkoutId: string }> {
  const started = await startCheckout({ outcome: 'pay' });
  const page = await http('GET', started.url);
  expect(page.status).toBe(302);
  const { payload } = await readCallback(page.location!);
  return { ...started, checkoutId: payload.checkoutId };
}

async function endedCheckout() {
  const paid = await paidCheckout();
  expect((await authed('PUT', `/checkout/${paid.checkoutId}/end`)).status).toBe(200);
  return paid;
}

beforeEach(() => {
  jwt = undefined as unknown as string;
});

describe('MIS Pay simulator: /token and Bearer auth', () => {
  it('issues an encrypted HS256 JWT expiring in one hour, with the same instant as `expiration`', async () => {
    const token = await getToken();
    const claims = JSON.parse(Buffer.from(token.jwt.split('.')[1], 'base64url').toString());
    const header = JSON.parse(Buffer.from(token.jwt.split('.')[0], 'base64url').toString());
    expect(header.alg).toBe('HS256');
    expect(claims.exp - claims.iat).toBe(3600);
    expect(new Date(token.expiration!).getTime()).toBe(claims.exp * 1000);
  });

  it('answers ME01, ME02 and ME03 in shape A', async () => {
    expect(await http('GET', api('/token'), { headers: { 'x-app-secret': APP_SECRET } })).toMatchObject({ status: 400, json: { status: 'error : 400', result: 'ExceptionType.ME01' } });
    expect(await http('GET', api('/token'), { headers: { 'x-app-id': APP_ID } })).toMatchObject({ status: 400, json: { result: 'ExceptionType.ME02' } });
    expect(await http('GET', api('/token'), { headers: { 'x-app-id': APP_ID, 'x-app-secret': 'wrong' } })).toMatchObject({ status: 400, json: { result: 'ExceptionType.ME03' } });
    expect(await http('GET', api('/token'), { headers: { 'x-app-id': 'other', 'x-app-secret': APP_SECRET } })).toMatchObject({ status: 400, json: { result: 'ExceptionType.ME03' } });
  });

  it('honours tokenTtlSeconds and tokenOmitExpiration', async () => {
    await sb.control('POST', '/mispay/options', { tokenTtlSeconds: 120, tokenOmitExpiration: true });
    const token = await getToken();
    const claims = JSON.parse(Buffer.from(token.jwt.split('.')[1], 'base64url').toString());
    expect(claims.exp - claims.iat).toBe(120);
    expect(token.expiration).toBeUndefined();
  });

  it('refuses a missing or bad Bearer with ME10 and an expired one with ME11 (shape B, 401)', async () => {
    const base = { 'x-app-id': APP_ID };
    expect(await http('GET', api('/track-checkout/x'), { headers: base })).toMatchObject({ status: 401, json: { status: 'error', result: { code: 401, message: 'ME10' } } });
    expect(await http('GET', api('/track-checkout/x'), { headers: { ...base, authorization: 'Bearer a.b.c' } })).toMatchObject({ status: 401, json: { result: { message: 'ME10' } } });
    const { jwt: token } = await getToken();
    expect(await http('GET', api('/track-checkout/x'), { headers: { authorization: `Bearer ${token}` } })).toMatchObject({ status: 400, json: { result: 'ExceptionType.ME01' } });
    expect(await http('GET', api('/track-checkout/x'), { headers: { 'x-app-id': 'other', authorization: `Bearer ${token}` } })).toMatchObject({ status: 401, json: { result: { message: 'ME10' } } });
    expect((await http('GET', api('/track-checkout/x'), { headers: { ...base, authorization: `Bearer ${token}` } })).json.result).toBe('ExceptionType.ME05');
    await sb.clock.advance(3600_000);
    expect(await http('GET', api('/track-checkout/x'), { headers: { ...base, authorization: `Bearer ${token}` } })).toMatchObject({ status: 401, json: { result: { message: 'ME11' } } });
  });

  it('forgets tokens on reset', async () => {
    const { jwt: token } = await getToken();
    sb.sandbox.reset();
    expect(await http('GET', api('/track-checkout/x'), { headers: { 'x-app-id': APP_ID, authorization: `Bearer ${token}` } })).toMatchObject({ status: 401, json: { result: { message: 'ME10' } } });
  });

  it('answers expired-token and invalid-token faults on the next calls only', async () => {
    await sb.control('POST', '/mispay/faults', { endpoint: 'track-checkout', kind: 'expired-token', count: 1 });
    await sb.control('POST', '/mispay/faults', { endpoint: 'checkout', kind: 'invalid-token', count: 1 });
    expect((await authed('GET', '/track-checkout/x')).json.result).toEqual({ code: 401, message: 'ME11' });
    expect((await authed('GET', '/track-checkout/x')).json.result).toBe('ExceptionType.ME05');
    expect((await authed('GET', '/checkout/x')).json.result).toEqual({ code: 401, message: 'ME10' });
  });
});

describe('MIS Pay simulator: start-checkout', () => {
  it('answers url and trackId (200; 201 as an option)', async () => {
    const started = await startCheckout();
    expect(started.url).toBe(`${sb.url}/mispay/checkout-page/${started.trackId}`);
    expect((await checkoutState(started.trackId)).status).toBe('in-progress');
    await sb.control('POST', '/mispay/options', { startCheckoutStatus: 201 });
    expect((await authed('POST', '/start-checkout', checkoutBody(nextOrderId()))).status).toBe(201);
  });

  it('accepts money as JSON numbers', async () => {
    const reply = await authed('POST', '/start-checkout', checkoutBody(nextOrderId(), { totalPrice: 200, vat: 30, shippingAmount: 0, discount: { amount: 10 }, purchaseAmount: 220 }));
    expect(reply.status).toBe(200);
  });

  it.each([
    [{ purchaseAmount: '220.01' }, 'purchaseAmount'],
    [{ customerDetails: { mobileNumber: '0041791234567' } }, 'mobileNumber'],
    [{ orderDetails: { items: [{ quantity: '1', unitPrice: '200.00' }] } }, 'nameEnglish'],
    [{ purchaseCurrency: 'USD' }, 'purchaseCurrency'],
    [{ lang: undefined }, 'lang'],
  ])('refuses %j with ME97 (shape B)', async (overrides, mention) => {
    const reply = await authed('POST', '/start-checkout', checkoutBody(nextOrderId(), overrides));
    expect(reply).toMatchObject({ status: 400, json: { status: 'error', result: { code: 400, message: 'ME97' } } });
    expect(reply.json.result.details.join(' ')).toContain(mention);
  });

  it('refuses a body that is not JSON with ME97', async () => {
    expect(await authed('POST', '/start-checkout', undefined, '{nope')).toMatchObject({ status: 400, json: { result: { message: 'ME97' } } });
  });

  it('refuses a second checkout for the same orderId with ME04 written "error :: 400"', async () => {
    const orderId = nextOrderId();
    expect((await authed('POST', '/start-checkout', checkoutBody(orderId))).status).toBe(200);
    expect(await authed('POST', '/start-checkout', checkoutBody(orderId))).toMatchObject({ status: 400, json: { status: 'error :: 400', result: 'ExceptionType.ME04' } });
  });

  it('applies amountMin and amountMax', async () => {
    await sb.control('POST', '/mispay/options', { amountMin: '300.00' });
    expect((await authed('POST', '/start-checkout', checkoutBody(nextOrderId()))).json.result.message).toBe('ME97');
    await sb.control('POST', '/mispay/options', { amountMin: undefined, amountMax: 100 });
    expect((await authed('POST', '/start-checkout', checkoutBody(nextOrderId()))).json.result.message).toBe('ME97');
    await sb.control('POST', '/mispay/options', { amountMin: '220.00', amountMax: '220.00' });
    expect((await authed('POST', '/start-checkout', checkoutBody(nextOrderId()))).status).toBe(200);
  });

  it('honours callbackUri over the registered callback URL', async () => {
    const started = await startCheckout({ outcome: 'pay' }, { callbackUri: 'https://shop.example/mispay/back?x=1' });
    const page = await http('GET', started.url);
    const { url } = await readCallback(page.location!);
    expect(`${url.origin}${url.pathname}`).toBe('https://shop.example/mispay/back');
    expect(url.searchParams.get('x')).toBe('1');
  });
});

describe('MIS Pay simulator: shopper page, callback and webhook', () => {
  it('walks in-progress → pending → success on Approve, 302s with a double-base64 `_` and appId, and posts the MP00 webhook once', async () => {
    const started = await startCheckout();
    const page = await http('GET', started.url);
    expect(page.status).toBe(200);
    expect(page.text).toContain('Approve');
    expect(page.text).toContain('Cancel');
    expect(page.text).toContain('Abandon');
    const approved = await http('POST', started.url, { raw: 'action=approve', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(approved.status).toBe(302);
    const { url, appId, payload } = await readCallback(approved.location!);
    expect(url.origin + url.pathname).toBe(`${capture.url}/callbacks/mispay`);
    expect(appId).toBe(APP_ID);
    expect(payload).toEqual({ orderId: started.orderId, code: 'MP00', checkoutId: expect.stringMatching(/^[0-9a-f]{24}$/) });
    // The raw Location keeps `+`, `/` and `=` percent-encoded.
    expect(approved.location).not.toMatch(/_=[^&]*[+/=]/);
    const [hook] = await delivered(started.orderId, 1);
    expect(hook).toMatchObject({ method: 'POST', path: '/webhooks/mispay' });
    expect(JSON.parse(hook.rawBody)).toEqual({ checkoutId: payload.checkoutId, orderId: started.orderId, code: 'MP00', appId: APP_ID });
    const checkout = await checkoutState(started.trackId);
    expect(checkout.history.map((h: any) => h.status)).toEqual(['in-progress', 'pending', 'success']);
    await new Promise((r) => setTimeout(r, 50));
    expect(deliveriesFor(started.orderId)).toHaveLength(1);
  });

  it('cancels with MP02 and no checkoutId; a reload replays the same return', async () => {
    const started = await startCheckout();
    const canceled = await http('POST', started.url, { raw: 'action=cancel' });
    const { payload } = await readCallback(canceled.location!);
    expect(payload).toEqual({ orderId: started.orderId, code: 'MP02' });
    expect((await http('GET', started.url)).location).toBe(canceled.location);
    const [hook] = await delivered(started.orderId, 1);
    expect(JSON.parse(hook.rawBody)).toEqual({ orderId: started.orderId, code: 'MP02', appId: APP_ID });
  });

  it('abandons to pending; the idle session times out after 30 minutes → error, MP01 on the next visit', async () => {
    const started = await startCheckout();
    const left = await http('POST', started.url, { raw: 'action=abandon' });
    expect(left.status).toBe(200);
    expect((await checkoutState(started.trackId)).status).toBe('pending');
    await sb.clock.advance(29 * 60_000);
    expect((await checkoutState(started.trackId)).status).toBe('pending');
    await sb.clock.advance(60_000);
    expect((await checkoutState(started.trackId)).status).toBe('error');
    const back = await http('GET', started.url);
    expect((await readCallback(back.location!)).payload).toEqual({ orderId: started.orderId, code: 'MP01' });
    expect(JSON.parse((await delivered(started.orderId, 1))[0].rawBody).code).toBe('MP01');
  });

  it('times out an unopened checkout too, with a configurable period', async () => {
    await sb.control('POST', '/mispay/options', { sessionTimeoutMinutes: 5 });
    const started = await startCheckout();
    await sb.clock.advance(5 * 60_000);
    const checkout = await checkoutState(started.trackId);
    // Nobody acted, so no `pending` step.
    expect(checkout.history.map((h: any) => h.status)).toEqual(['in-progress', 'error']);
  });

  it('answers an unknown page with 404 and an unknown action with 400', async () => {
    expect((await http('GET', `${sb.url}/mispay/checkout-page/nope`)).status).toBe(404);
    const started = await startCheckout();
    expect((await http('POST', started.url, { raw: 'action=dance' })).status).toBe(400);
  });
});

describe('MIS Pay simulator: scenarios', () => {
  it('pay: opening the page pays and redirects at once (automated buyer)', async () => {
    const started = await startCheckout({ outcome: 'pay' });
    const page = await http('GET', started.url);
    expect(page.status).toBe(302);
    expect((await readCallback(page.location!)).payload.code).toBe('MP00');
  });

  it('cancel → MP02; fail → status error, MP01', async () => {
    const canceled = await startCheckout({ outcome: 'cancel' });
    expect((await readCallback((await http('GET', canceled.url)).location!)).payload.code).toBe('MP02');
    const failed = await startCheckout({ outcome: 'fail' });
    expect((await readCallback((await http('GET', failed.url)).location!)).payload.code).toBe('MP01');
    expect((await checkoutState(failed.trackId)).status).toBe('error');
  });

  it('a scenario queued without reference applies to the next checkout', async () => {
    await sb.control('POST', '/mispay/scenarios', { outcome: 'cancel' });
    const started = await startCheckout();
    expect((await readCallback((await http('GET', started.url)).location!)).payload.code).toBe('MP02');
  });

  it('timeout: the buyer never acts and the session times out (MP01)', async () => {
    const started = await startCheckout({ outcome: 'timeout' });
    expect((await http('GET', started.url)).status).toBe(200);
    await sb.clock.advance(30 * 60_000);
    expect((await checkoutState(started.trackId)).status).toBe('error');
    expect((await readCallback((await http('GET', started.url)).location!)).payload.code).toBe('MP01');
  });

  it.each([
    ['unknown-then-pay', 'success', 'MP00'],
    ['unknown-then-fail', 'error', 'MP01'],
  ])('%s: pending for resolveAfterMs with the callback withheld, then %s', async (outcome, status, code) => {
    const started = await startCheckout({ outcome, resolveAfterMs: 120_000 });
    const page = await http('GET', started.url);
    expect(page.status).toBe(200);
    expect((await authed('GET', `/track-checkout/${started.trackId}`)).json.result.status).toBe('pending');
    await sb.clock.advance(119_000);
    expect((await authed('GET', `/track-checkout/${started.trackId}`)).json.result.status).toBe('pending');
    expect(deliveriesFor(started.orderId)).toHaveLength(0);
    await sb.clock.advance(1_000);
    expect((await authed('GET', `/track-checkout/${started.trackId}`)).json.result.status).toBe(status);
    expect((await readCallback((await http('GET', started.url)).location!)).payload.code).toBe(code);
    expect(JSON.parse((await delivered(started.orderId, 1))[0].rawBody).code).toBe(code);
  });

  it('refuses an unknown outcome or bad options', async () => {
    expect((await sb.control('POST', '/mispay/scenarios', { outcome: 'explode' })).status).toBe(400);
    expect((await sb.control('POST', '/mispay/scenarios', { outcome: 'pay', callbackDelayMs: -1 })).status).toBe(400);
    expect((await sb.control('POST', '/mispay/scenarios', { outcome: 'pay', callbackMode: 'pigeon' })).status).toBe(400);
    expect((await sb.control('POST', '/mispay/scenarios', { outcome: 'pay', wrongAmount: 'lots' })).status).toBe(400);
  });
});

describe('MIS Pay simulator: callback and webhook controls', () => {
  it('direct mode: the simulator calls the callback itself, after callbackDelayMs, callbackRepeat times', async () => {
    const started = await startCheckout({ outcome: 'pay', callbackMode: 'direct', callbackDelayMs: 5_000, callbackRepeat: 2, webhookDrop: true }, taggedCallback);
    const page = await http('GET', started.url);
    expect(page.status).toBe(200);
    expect(page.text).toContain('directly');
    await new Promise((r) => setTimeout(r, 50));
    expect(deliveriesFor(started.orderId)).toHaveLength(0);
    await sb.clock.advance(5_000);
    const calls = await delivered(started.orderId, 2);
    expect(calls.map((c) => `${c.method} ${c.path}`)).toEqual(['GET /callbacks/mispay', 'GET /callbacks/mispay']);
    expect(JSON.parse(await decryptCallbackValue(calls[0].query._, APP_SECRET)).code).toBe('MP00');
    const out = (await sb.control('GET', '/requests?gateway=mispay&direction=out')).body.requests;
    expect(out.filter((r: any) => r.path.includes(started.orderId)).map((r: any) => r.status)).toEqual([200, 200]);
  });

  it('accepts the nested spelling: callback { mode, repeat } and webhook { drop }', async () => {
    const started = await startCheckout({ outcome: 'fail', callback: { mode: 'direct', repeat: 2 }, webhook: { drop: true } }, taggedCallback);
    expect((await http('GET', started.url)).status).toBe(200);
    const calls = await delivered(started.orderId, 2);
    expect(calls.every((c) => c.method === 'GET')).toBe(true);
    await new Promise((r) => setTimeout(r, 50));
    expect(deliveriesFor(started.orderId)).toHaveLength(2);
  });

  it('direct mode as an option for every checkout', async () => {
    await sb.control('POST', '/mispay/options', { callbackMode: 'direct', webhookUrl: '' });
    const started = await startCheckout({ outcome: 'cancel' }, taggedCallback);
    expect((await http('GET', started.url)).status).toBe(200);
    const [call] = await delivered(started.orderId, 1);
    expect(call.path).toBe('/callbacks/mispay');
    await new Promise((r) => setTimeout(r, 50));
    expect(deliveriesFor(started.orderId)).toHaveLength(1);
  });

  it('callbackDrop: the browser is not sent back', async () => {
    const started = await startCheckout({ outcome: 'pay', callbackDrop: true });
    const page = await http('GET', started.url);
    expect(page.status).toBe(200);
    expect(page.text).toContain('dropped');
  });

  it('corrupt: the `_` value fails its GCM tag', async () => {
    const started = await startCheckout({ outcome: 'pay', corrupt: true });
    const page = await http('GET', started.url);
    await expect(readCallback(page.location!)).rejects.toMatchObject({ reason: 'tag' });
  });

  it('singleBase64: the `_` value is the blob itself (wrong layering)', async () => {
    const started = await startCheckout({ outcome: 'pay', singleBase64: true });
    const value = new URL((await http('GET', started.url)).location!).searchParams.get('_')!;
    expect(JSON.parse(await decryptBlob(value, APP_SECRET)).code).toBe('MP00');
    await expect(decryptCallbackValue(value, APP_SECRET)).rejects.toBeDefined();
  });

  it('includeCheckoutId and callbackWrongAppId', async () => {
    const started = await startCheckout({ outcome: 'cancel', includeCheckoutId: true, callbackWrongAppId: true });
    const { appId, payload } = await readCallback((await http('GET', started.url)).location!);
    expect(appId).not.toBe(APP_ID);
    expect(payload).toEqual({ orderId: started.orderId, code: 'MP02', checkoutId: expect.stringMatching(/^[0-9a-f]{24}$/) });
  });

  it('webhook: webhookDelayMs, webhookRepeat and wrongAppId', async () => {
    const started = await startCheckout({ outcome: 'pay', webhookDelayMs: 10_000, webhookRepeat: 2, wrongAppId: true });
    await http('GET', started.url);
    await new Promise((r) => setTimeout(r, 50));
    expect(deliveriesFor(started.orderId)).toHaveLength(0);
    await sb.clock.advance(10_000);
    const hooks = await delivered(started.orderId, 2);
    expect(hooks.map((h) => JSON.parse(h.rawBody).appId)).toEqual(['not-your-app-id', 'not-your-app-id']);
  });

  it('webhook: a custom webhookUrl, and none when set to empty', async () => {
    await sb.control('POST', '/mispay/options', { webhookUrl: `${capture.url}/hooks/custom` });
    const first = await startCheckout({ outcome: 'pay' });
    await http('GET', first.url);
    expect((await delivered(first.orderId, 1))[0].path).toBe('/hooks/custom');
    await sb.control('POST', '/mispay/options', { webhookUrl: '' });
    const second = await startCheckout({ outcome: 'pay' });
    await http('GET', second.url);
    await new Promise((r) => setTimeout(r, 50));
    expect(deliveriesFor(second.orderId)).toHaveLength(0);
    expect((await state()).registeredWebhookUrl).toBeNull();
  });

  it('logs our answer to a webhook and does not retry a failure', async () => {
    capture.respondWith(500);
    const started = await startCheckout({ outcome: 'pay' });
    await http('GET', started.url);
    await delivered(started.orderId, 1);
    await new Promise((r) => setTimeout(r, 100));
    expect(deliveriesFor(started.orderId)).toHaveLength(1);
    const out = (await sb.control('GET', '/requests?gateway=mispay&direction=out')).body.requests;
    expect(out.filter((r: any) => JSON.stringify(r.body).includes(started.orderId)).map((r: any) => r.status)).toEqual([500]);
  });
});

describe('MIS Pay simulator: track-checkout', () => {
  it('answers enveloped by default, bare as an option, with numeric amounts', async () => {
    const paid = await paidCheckout();
    const enveloped = await authed('GET', `/track-checkout/${paid.trackId}`);
    expect(enveloped.json).toEqual({ status: 'success', result: { checkoutId: paid.checkoutId, orderId: paid.orderId, purchaseAmount: 220, purchaseCurrency: 'SAR', status: 'success' } });
    await sb.control('POST', '/mispay/options', { trackCheckoutBare: true });
    expect((await authed('GET', `/track-checkout/${paid.trackId}`)).json).toEqual({ checkoutId: paid.checkoutId, orderId: paid.orderId, purchaseAmount: 220, purchaseCurrency: 'SAR', status: 'success' });
  });

  it('omits checkoutId before success and answers ME05 (shape A) for an unknown trackId', async () => {
    const started = await startCheckout();
    expect((await authed('GET', `/track-checkout/${started.trackId}`)).json.result).toEqual({ orderId: started.orderId, purchaseAmount: 220, purchaseCurrency: 'SAR', status: 'in-progress' });
    expect(await authed('GET', '/track-checkout/unknown')).toMatchObject({ status: 400, json: { status: 'error : 400', result: 'ExceptionType.ME05' } });
  });

  it('holdSeconds: a held request returns as soon as the status changes', async () => {
    await sb.control('POST', '/mispay/options', { holdSeconds: 20 });
    const started = await startCheckout();
    const held = authed('GET', `/track-checkout/${started.trackId}`);
    await new Promise((r) => setTimeout(r, 100));
    expect((await state()).openHolds).toBe(1);
    const approving = http('POST', started.url, { raw: 'action=approve' });
    // Approve passes through `pending`, which is already a change.
    expect((await held).json.result.status).toBe('pending');
    const next = authed('GET', `/track-checkout/${started.trackId}`);
    await approving;
    expect((await next).json.result.status).toBe('success');
    expect((await state()).openHolds).toBe(0);
  });

  it('holdSeconds: the hold ends when the sandbox clock passes it, or in wall time', async () => {
    await sb.control('POST', '/mispay/options', { holdSeconds: 30 });
    const started = await startCheckout();
    const held = authed('GET', `/track-checkout/${started.trackId}`);
    await new Promise((r) => setTimeout(r, 100));
    await sb.clock.advance(30_000);
    expect((await held).json.result.status).toBe('in-progress');
    await sb.control('POST', '/mispay/options', { holdSeconds: 0.3 });
    const started2 = Date.now();
    expect((await authed('GET', `/track-checkout/${started.trackId}`)).json.result.status).toBe('in-progress');
    expect(Date.now() - started2).toBeGreaterThanOrEqual(250);
  });

  it('holdSeconds: a client that gives up releases its hold', async () => {
    await sb.control('POST', '/mispay/options', { holdSeconds: 60 });
    const started = await startCheckout();
    jwt ??= (await getToken()).jwt;
    await expect(
      fetch(api(`/track-checkout/${started.trackId}`), { headers: { 'x-app-id': APP_ID, authorization: `Bearer ${jwt}` }, signal: AbortSignal.timeout(200) }),
    ).rejects.toBeDefined();
    await new Promise((r) => setTimeout(r, 100));
    expect((await state()).openHolds).toBe(0);
  });
});

describe('MIS Pay simulator: /checkout, end, order-id', () => {
  it('GET /checkout/{id} gives the §3.3 fields with string amounts; ME05 when unknown or faulted', async () => {
    const paid = await paidCheckout();
    expect((await authed('GET', `/checkout/${paid.checkoutId}`)).json.result).toEqual({
      id: paid.checkoutId,
      orderId: paid.orderId,
      purchaseAmount: '220.00',
      purchaseCurrency: 'SAR',
      purchaseDate: expect.any(String),
    });
    expect(await authed('GET', '/checkout/unknown')).toMatchObject({ status: 400, json: { result: 'ExceptionType.ME05' } });
    await sb.control('POST', '/mispay/faults', { endpoint: 'checkout', kind: 'not-found', count: 1 });
    expect((await authed('GET', `/checkout/${paid.checkoutId}`)).json.result).toBe('ExceptionType.ME05');
  });

  it('wrongAmount: /checkout and track-checkout report purchaseAmount + delta', async () => {
    const started = await startCheckout({ outcome: 'pay', wrongAmount: 150 });
    const { payload } = await readCallback((await http('GET', started.url)).location!);
    expect((await authed('GET', `/checkout/${payload.checkoutId}`)).json.result.purchaseAmount).toBe('221.50');
    expect((await authed('GET', `/track-checkout/${started.trackId}`)).json.result.purchaseAmount).toBe(221.5);
  });

  it('end: ME05 unknown, ME04 not successful, idempotent transactionId', async () => {
    expect(await authed('PUT', '/checkout/unknown/end')).toMatchObject({ status: 400, json: { result: 'ExceptionType.ME05' } });
    const canceled = await startCheckout({ outcome: 'cancel', includeCheckoutId: true });
    const { payload } = await readCallback((await http('GET', canceled.url)).location!);
    expect(await authed('PUT', `/checkout/${payload.checkoutId}/end`)).toMatchObject({ status: 400, json: { result: 'ExceptionType.ME04' } });
    const paid = await paidCheckout();
    const first = await authed('PUT', `/checkout/${paid.checkoutId}/end`);
    const second = await authed('PUT', `/checkout/${paid.checkoutId}/end`);
    expect(first.json.result.transactionId).toMatch(/^[0-9a-f]{24}$/);
    expect(second.json.result.transactionId).toBe(first.json.result.transactionId);
  });

  it('end faults: failing before commit leaves it open, failing after commit ends it, commit-then-drop ends it', async () => {
    const paid = await paidCheckout();
    await sb.control('POST', '/mispay/faults', { endpoint: 'end', kind: 'fail-before-commit', count: 1 });
    expect((await authed('PUT', `/checkout/${paid.checkoutId}/end`)).status).toBe(500);
    expect((await checkoutState(paid.trackId)).ended).toBe(false);
    await sb.control('POST', '/mispay/faults', { endpoint: 'end', kind: 'fail-after-commit', count: 1 });
    expect((await authed('PUT', `/checkout/${paid.checkoutId}/end`)).status).toBe(500);
    const ended = await checkoutState(paid.trackId);
    expect(ended.ended).toBe(true);
    expect((await authed('PUT', `/checkout/${paid.checkoutId}/end`)).json.result.transactionId).toBe(ended.transactionId);

    const other = await paidCheckout();
    await sb.control('POST', '/mispay/faults', { endpoint: 'end', kind: 'commit-then-drop', count: 1 });
    await expect(authed('PUT', `/checkout/${other.checkoutId}/end`)).rejects.toBeDefined();
    expect((await checkoutState(other.trackId)).ended).toBe(true);
  });

  it('autoCancelIfNotEnded cancels a success that was not ended in time', async () => {
    await sb.control('POST', '/mispay/options', { autoCancelIfNotEnded: 10 });
    const paid = await paidCheckout();
    await sb.clock.advance(10 * 60_000);
    expect((await checkoutState(paid.trackId)).status).toBe('canceled');
    expect((await authed('PUT', `/checkout/${paid.checkoutId}/end`)).json.result).toBe('ExceptionType.ME04');
    const ended = await endedCheckout();
    await sb.clock.advance(10 * 60_000);
    expect((await checkoutState(ended.trackId)).status).toBe('success');
  });

  it('order-id: updates, answers result.orderId; ME05 in shape B; ME97 without orderId', async () => {
    const paid = await paidCheckout();
    expect((await authed('PUT', `/checkout/${paid.checkoutId}/order-id`, { orderId: 'NEW-1' })).json).toEqual({ status: 'success', result: { orderId: 'NEW-1' } });
    expect((await authed('GET', `/track-checkout/${paid.trackId}`)).json.result.orderId).toBe('NEW-1');
    expect(await authed('PUT', '/checkout/unknown/order-id', { orderId: 'X' })).toMatchObject({ status: 400, json: { status: 'error', result: { code: 400, message: 'ME05' } } });
    expect((await authed('PUT', `/checkout/${paid.checkoutId}/order-id`, {})).json.result.message).toBe('ME97');
  });
});

describe('MIS Pay simulator: refunds', () => {
  const refundBody = (checkoutId: string, orderId: string, amount: string | number, extra: Record<string, unknown> = {}) => ({
    purchaseId: checkoutId,
    totalAmount: '220.00',
    amount,
    currency: 'SAR',
    orderId,
    ...extra,
  });

  it('refunds partially then fully, reducing newPurchaseAmount and posting MP03 with isFullyRefunded', async () => {
    const c = await endedCheckout();
    await delivered(c.orderId, 1);
    const first = await authed('POST', '/refund', refundBody(c.checkoutId, c.orderId, '70.50', { merchantRefundId: 'r1' }));
    expect(first.status).toBe(200);
    expect(first.json.result).toMatchObject({ transactionId: expect.any(String), orderId: c.orderId, newPurchaseAmount: 149.5, moneyRefundAmount: 70.5 });
    expect(JSON.parse((await delivered(c.orderId, 2))[1].rawBody)).toEqual({ checkoutId: c.checkoutId, orderId: c.orderId, code: 'MP03', appId: APP_ID, isFullyRefunded: false });
    const second = await authed('POST', '/refund', refundBody(c.checkoutId, c.orderId, 149.5, { merchantRefundId: 'r2' }));
    expect(second.json.result.newPurchaseAmount).toBe(0);
    expect(JSON.parse((await delivered(c.orderId, 3))[2].rawBody).isFullyRefunded).toBe(true);
  });

  it('answers the same merchantRefundId with the first result and refunds nothing twice', async () => {
    const c = await endedCheckout();
    const first = await authed('POST', '/refund', refundBody(c.checkoutId, c.orderId, '20.00', { merchantRefundId: 'same' }));
    const again = await authed('POST', '/refund', refundBody(c.checkoutId, c.orderId, '99.00', { merchantRefundId: 'same' }));
    expect(again.json).toEqual(first.json);
    expect((await checkoutState(c.trackId)).refundedAmount).toBe('20.00');
  });

  it('refuses over-refunds, non-ended checkouts, a wrong total or order id with ME97 (shape B), unknown purchases with ME05', async () => {
    const c = await endedCheckout();
    expect(await authed('POST', '/refund', refundBody(c.checkoutId, c.orderId, '220.01'))).toMatchObject({ status: 400, json: { status: 'error', result: { code: 400, message: 'ME97' } } });
    expect((await authed('POST', '/refund', refundBody(c.checkoutId, c.orderId, '10.00', { totalAmount: '200.00' }))).json.result.message).toBe('ME97');
    expect((await authed('POST', '/refund', refundBody(c.checkoutId, 'SOMEONE-ELSE', '10.00'))).json.result.message).toBe('ME97');
    expect((await authed('POST', '/refund', { purchaseId: c.checkoutId })).json.result.message).toBe('ME97');
    const notEnded = await paidCheckout();
    expect((await authed('POST', '/refund', refundBody(notEnded.checkoutId, notEnded.orderId, '10.00'))).json.result.details).toContain('the checkout is not ended');
    expect(await authed('POST', '/refund', refundBody('unknown', c.orderId, '10.00'))).toMatchObject({ status: 400, json: { result: 'ExceptionType.ME05' } });
  });

  it('uses the current order id after an update, and answers 201 as an option', async () => {
    const c = await endedCheckout();
    await authed('PUT', `/checkout/${c.checkoutId}/order-id`, { orderId: 'NEW-2' });
    expect((await authed('POST', '/refund', refundBody(c.checkoutId, c.orderId, '1.00'))).json.result.message).toBe('ME97');
    await sb.control('POST', '/mispay/options', { refundStatus: 201 });
    expect((await authed('POST', '/refund', refundBody(c.checkoutId, 'NEW-2', '1.00'))).status).toBe(201);
  });
});

describe('MIS Pay simulator: faults, log, reset', () => {
  it('5xx, slow, timeout and drop on start-checkout, and 5xx on token', async () => {
    await sb.control('POST', '/mispay/faults', { endpoint: 'start-checkout', kind: '5xx', count: 1 });
    expect(await authed('POST', '/start-checkout', checkoutBody(nextOrderId()))).toMatchObject({ status: 500, json: { status: 'error : 500' } });
    await sb.control('POST', '/mispay/faults', { endpoint: 'start-checkout', kind: 'slow', delayMs: 300, count: 1 });
    const t0 = Date.now();
    expect((await authed('POST', '/start-checkout', checkoutBody(nextOrderId()))).status).toBe(200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(280);
    await sb.control('POST', '/mispay/faults', { endpoint: 'start-checkout', kind: 'timeout', count: 1 });
    await expect(
      fetch(api('/start-checkout'), { method: 'POST', headers: { 'x-app-id': APP_ID, authorization: `Bearer ${jwt}` }, body: '{}', signal: AbortSignal.timeout(300) }),
    ).rejects.toMatchObject({ name: 'TimeoutError' });
    await sb.control('POST', '/mispay/faults', { endpoint: 'start-checkout', kind: 'drop', count: 1 });
    await expect(authed('POST', '/start-checkout', checkoutBody(nextOrderId()))).rejects.toBeDefined();
    await sb.control('POST', '/mispay/faults', { endpoint: 'token', kind: '5xx', count: 1 });
    expect((await http('GET', api('/token'), { headers: { 'x-app-id': APP_ID, 'x-app-secret': APP_SECRET } })).status).toBe(500);
  });

  it('logs requests, answers unknown paths with a 404 envelope, and forgets everything on reset', async () => {
    const started = await startCheckout();
    expect(await http('GET', `${sb.url}/mispay/v1/api/nope`)).toMatchObject({ status: 404, json: { status: 'error : 404' } });
    const log = (await sb.control('GET', '/requests?gateway=mispay&direction=in')).body.requests;
    expect(log.some((r: any) => r.path === '/mispay/v1/api/start-checkout' && r.status === 200)).toBe(true);
    expect(log.every((r: any) => !JSON.stringify(r).includes(APP_SECRET))).toBe(true);
    expect((await sb.control('POST', '/reset', {})).status).toBe(200);
    expect((await state()).checkouts).toEqual([]);
    expect((await http('GET', started.url)).status).toBe(404);
  });
});
