import { createHash } from 'node:crypto';
import { SANDBOX_CREDENTIALS } from '@payledger/config';
import { createMocasaSimulator } from '../../apps/sandbox/src/mocasa';
import { CaptureServer, CapturedRequest, startCaptureServer, startTestSandbox, TestSandbox } from '../support/sandbox';

/** The Mocasa simulator over real HTTP (mocasa.md §7), with a capture server as payledger. */
let sandbox: TestSandbox;
let capture: CaptureServer;
const SECRET = SANDBOX_CREDENTIALS.mocasa.clientSecret;
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

interface ApiAnswer {
  status: number;
  body: { success: boolean; code: string; message: string; data: Record<string, any> | null };
}

async function api(path: string, fields: Record<string, string>, options: { token?: string; headers?: Record<string, string>; method?: string; raw?: string } = {}): Promise<ApiAnswer> {
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', ...(options.token ? { accessToken: options.token } : {}), ...(options.headers ?? {}) };
  const method = options.method ?? 'POST';
  const response = await fetch(`${sandbox.url}/mocasa${path}`, { method, headers, body: method === 'GET' ? undefined : (options.raw ?? new URLSearchParams(fields).toString()) });
  return { status: response.status, body: (await response.json()) as ApiAnswer['body'] };
}

async function token(): Promise<string> {
  const answer = await api('/auth/token/apply', { clientKey: SANDBOX_CREDENTIALS.mocasa.clientKey, clientSecret: SECRET });
  return answer.body.data!.accessToken as string;
}

let orderCounter = 0;
const ORDER_FIELDS = (orderNo: string) => ({ orderNo, amount: '1500.00', productName: 'Bag', customerId: 'c-1', returnUrl: `${capture.url}/callbacks/mocasa?reference=${orderNo}` });

async function createOrder(scenario?: Record<string, unknown>): Promise<{ orderNo: string; paymentLink: string; token: string }> {
  orderCounter += 1;
  const orderNo = `PLSIM${orderCounter}`;
  if (scenario) expect((await sandbox.control('POST', '/mocasa/scenarios', { reference: orderNo, ...scenario })).status).toBe(201);
  const t = await token();
  const answer = await api('/payment/order/create', ORDER_FIELDS(orderNo), { token: t });
  expect(answer.body.success).toBe(true);
  return { orderNo, paymentLink: answer.body.data!.paymentLink as string, token: t };
}

async function query(orderNo: string, t: string) {
  return (await api('/payment/order/query', { orderNo }, { token: t })).body;
}

async function openPage(url: string, init: RequestInit = {}) {
  const response = await fetch(url, { redirect: 'manual', ...init });
  return { status: response.status, location: response.headers.get('location'), html: await response.text() };
}

async function click(paymentLink: string, action: string) {
  return openPage(paymentLink, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `action=${action}` });
}

function webhooks(orderNo: string): CapturedRequest[] {
  return capture.requests.filter((r) => r.path === '/webhooks/mocasa' && r.rawBody.includes(orderNo));
}

async function waitForWebhooks(orderNo: string, count: number): Promise<CapturedRequest[]> {
  const deadline = Date.now() + 5000;
  while (webhooks(orderNo).length < count) {
    if (Date.now() > deadline) throw new Error(`expected ${count} webhooks for ${orderNo}, got ${webhooks(orderNo).length}`);
    await new Promise((r) => setTimeout(r, 10));
  }
  return webhooks(orderNo);
}

/** Lets a would-be delivery happen before asserting that none did. */
const settle = () => new Promise((r) => setTimeout(r, 100));
const sign = (orderNo: string, txStatus: string, secret = SECRET) => createHash('sha256').update(`${orderNo}|${txStatus}|${secret}`).digest();
const advance = (advanceMs: number) => sandbox.control('POST', '/clock', { advanceMs });
const setOptions = (options: Record<string, unknown>) => sandbox.control('POST', '/mocasa/options', options);
const fault = (body: Record<string, unknown>) => sandbox.control('POST', '/mocasa/faults', { count: 1, ...body });

beforeAll(async () => {
  capture = await startCaptureServer();
  sandbox = await startTestSandbox({ simulators: { mocasa: createMocasaSimulator }, merchantBaseUrl: capture.url, seed: 'mocasa-int' });
});

afterAll(async () => {
  await sandbox.close();
  await capture.close();
});

beforeEach(async () => {
  await sandbox.control('POST', '/reset');
  // Options survive a reset by design; put back the defaults every test expects.
  for (const key of Object.keys(sandbox.sandbox.contexts.mocasa!.options)) delete sandbox.sandbox.contexts.mocasa!.options[key];
  capture.requests.splice(0);
  capture.respondWith(200);
});

describe('auth/token/apply', () => {
  it('issues a token with expireTime in epoch ms, two hours out by default', async () => {
    const answer = await api('/auth/token/apply', { clientKey: 'mp_sandbox', clientSecret: SECRET });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ success: true, code: '200', message: 'success' });
    expect(answer.body.data!.expireTime).toBe(sandbox.clock.nowMs() + 2 * HOUR);
    expect(typeof answer.body.data!.accessToken).toBe('string');
  });

  it('writes expireTime as seconds from now, and uses the configured lifetime, when asked', async () => {
    await setOptions({ expireTimeAsSecondsFromNow: true, tokenLifetimeMs: 30 * MINUTE });
    expect((await api('/auth/token/apply', { clientKey: 'mp_sandbox', clientSecret: SECRET })).body.data!.expireTime).toBe(1800);
  });

  it('refuses wrong credentials with HTTP 401 code "401", and missing fields with code "400" naming the field', async () => {
    const wrong = await api('/auth/token/apply', { clientKey: 'mp_sandbox', clientSecret: 'nope' });
    expect(wrong).toMatchObject({ status: 401, body: { success: false, code: '401' } });
    const missing = await api('/auth/token/apply', { clientKey: 'mp_sandbox' });
    expect(missing).toMatchObject({ status: 200, body: { success: false, code: '400' } });
    expect(missing.body.message).toContain('clientSecret');
  });

  it('accepts only the accessToken header: missing, unknown and expired tokens get HTTP 401', async () => {
    const t = await token();
    expect(await api('/payment/order/query', { orderNo: 'X' })).toMatchObject({ status: 401, body: { code: '401' } });
    expect(await api('/payment/order/query', { orderNo: 'X' }, { token: 'forged' })).toMatchObject({ status: 401, body: { code: '401' } });
    expect(await api('/payment/order/query', { orderNo: 'X' }, { headers: { authorization: `Bearer ${t}` } })).toMatchObject({ status: 401 });
    expect(await api('/payment/order/query', { orderNo: 'X' }, { token: t })).toMatchObject({ status: 200, body: { code: 'ORDER_NOT_FOUND' } });
    await advance(2 * HOUR);
    expect(await api('/payment/order/query', { orderNo: 'X' }, { token: t })).toMatchObject({ status: 401, body: { code: '401' } });
  });

  it('also accepts an Authorization header with lenientAuthHeader', async () => {
    await setOptions({ lenientAuthHeader: true });
    const t = await token();
    expect(await api('/payment/order/query', { orderNo: 'X' }, { headers: { authorization: `Bearer ${t}` } })).toMatchObject({ status: 200, body: { code: 'ORDER_NOT_FOUND' } });
    expect(await api('/payment/order/query', { orderNo: 'X' }, { headers: { authorization: t } })).toMatchObject({ status: 200 });
  });
});

describe('transport conventions', () => {
  it('answers other methods with 405, unknown paths with 404, and non-form bodies with code "400"', async () => {
    const t = await token();
    expect(await api('/payment/order/query', {}, { token: t, method: 'GET' })).toMatchObject({ status: 405, body: { success: false, code: '405' } });
    expect(await api('/payment/order/list', {}, { token: t })).toMatchObject({ status: 404, body: { success: false, code: '404' } });
    const json = await api('/payment/order/query', {}, { token: t, headers: { 'content-type': 'application/json' }, raw: '{"orderNo":"X"}' });
    expect(json).toMatchObject({ status: 200, body: { success: false, code: '400' } });
  });
});

describe('payment/order/create and query', () => {
  it('creates an order whose paymentLink is {sandbox}/mocasa/pay/{orderNo}, pending until the shopper acts', async () => {
    const { orderNo, paymentLink, token: t } = await createOrder();
    expect(paymentLink).toBe(`${sandbox.url}/mocasa/pay/${orderNo}`);
    const q = await query(orderNo, t);
    expect(q).toMatchObject({ success: true, data: { orderNo, paymentLink, txStatus: 'pending', paymentMode: 'Mocasa BNPL' } });
    expect(typeof q.data!.txTime).toBe('number');
  });

  it.each(['orderNo', 'amount', 'productName', 'customerId', 'returnUrl'])('refuses a create without %s (code "400" naming it)', async (field) => {
    const t = await token();
    const fields: Record<string, string> = ORDER_FIELDS('PLMISSING');
    delete fields[field];
    const answer = await api('/payment/order/create', fields, { token: t });
    expect(answer).toMatchObject({ status: 200, body: { success: false, code: '400' } });
    expect(answer.body.message).toContain(field);
  });

  it.each(['0', '0.00', '-1.00', '1.234', '1e3', 'abc', '1,000.00'])('refuses amount %p', async (amount) => {
    const t = await token();
    const answer = await api('/payment/order/create', { ...ORDER_FIELDS('PLAMT'), amount }, { token: t });
    expect(answer.body).toMatchObject({ success: false, code: '400' });
    expect(answer.body.message).toContain('amount');
  });

  it('refuses a bad returnUrl or orderNo, and a duplicate orderNo with DUPLICATE_ORDER_NO', async () => {
    const t = await token();
    expect((await api('/payment/order/create', { ...ORDER_FIELDS('PLURL'), returnUrl: 'not a url' }, { token: t })).body).toMatchObject({ code: '400' });
    expect((await api('/payment/order/create', ORDER_FIELDS('bad ref!'), { token: t })).body).toMatchObject({ code: '400' });
    expect((await api('/payment/order/create', ORDER_FIELDS('PLDUP'), { token: t })).body.success).toBe(true);
    expect((await api('/payment/order/create', ORDER_FIELDS('PLDUP'), { token: t })).body).toMatchObject({ success: false, code: 'DUPLICATE_ORDER_NO' });
  });

  it('answers an unknown order with ORDER_NOT_FOUND and a missing orderNo with "400"', async () => {
    const t = await token();
    expect(await query('PLNONE', t)).toMatchObject({ success: false, code: 'ORDER_NOT_FOUND' });
    expect((await api('/payment/order/query', {}, { token: t })).body).toMatchObject({ success: false, code: '400' });
  });
});

describe('payment page', () => {
  it('shows Pay, Fail and Abandon; Pay → 302 to returnUrl unchanged, query success, signed JSON webhook', async () => {
    const { orderNo, paymentLink, token: t } = await createOrder();
    const page = await openPage(paymentLink);
    expect(page.status).toBe(200);
    for (const label of ['Pay', 'Fail', 'Abandon']) expect(page.html).toContain(`>${label}</button>`);
    const back = await click(paymentLink, 'pay');
    expect(back).toMatchObject({ status: 302, location: `${capture.url}/callbacks/mocasa?reference=${orderNo}` });
    expect(await query(orderNo, t)).toMatchObject({ data: { txStatus: 'success' } });
    const [hook] = await waitForWebhooks(orderNo, 1);
    expect(hook.method).toBe('POST');
    expect(hook.headers['content-type']).toContain('application/json');
    const body = JSON.parse(hook.rawBody);
    expect(body).toMatchObject({ orderNo, txStatus: 'success', amount: 1500, paymentMode: 'Mocasa BNPL' });
    expect(typeof body.txTime).toBe('string');
    expect(hook.headers.signature).toBe(sign(orderNo, 'success').toString('base64'));
  });

  it('Fail and Abandon end failed, Abandon with a cancel message; a second click changes nothing', async () => {
    const a = await createOrder();
    await click(a.paymentLink, 'fail');
    expect(await query(a.orderNo, a.token)).toMatchObject({ data: { txStatus: 'failed', txMessage: 'payment failed' } });
    const b = await createOrder();
    await click(b.paymentLink, 'abandon');
    await click(b.paymentLink, 'pay');
    expect(await query(b.orderNo, b.token)).toMatchObject({ data: { txStatus: 'failed', txMessage: 'cancelled by shopper' } });
    expect((await openPage(b.paymentLink)).html).toContain('is failed');
  });

  it('appends orderNo to the return with appendOrderNo', async () => {
    await setOptions({ appendOrderNo: true });
    const { orderNo, paymentLink } = await createOrder();
    const back = await click(paymentLink, 'pay');
    expect(new URL(back.location!).searchParams.get('orderNo')).toBe(orderNo);
    expect(new URL(back.location!).searchParams.get('reference')).toBe(orderNo);
  });

  it('sends the shopper back itself in directReturn mode', async () => {
    await setOptions({ directReturn: true });
    const { orderNo, paymentLink } = await createOrder();
    expect((await click(paymentLink, 'pay')).status).toBe(200);
    await capture.waitFor(1);
    const deadline = Date.now() + 5000;
    while (!capture.requests.some((r) => r.path === '/callbacks/mocasa') && Date.now() < deadline) await settle();
    expect(capture.requests.find((r) => r.path === '/callbacks/mocasa')).toMatchObject({ method: 'GET', query: { reference: orderNo } });
  });

  it('404s an unknown order and 400s an unknown action', async () => {
    expect((await openPage(`${sandbox.url}/mocasa/pay/PLNOPE`)).status).toBe(404);
    const { paymentLink } = await createOrder();
    expect((await click(paymentLink, 'explode')).status).toBe(400);
  });
});

describe('scenarios (automated shopper)', () => {
  it.each([
    ['pay', 'success', 'payment success'],
    ['fail', 'failed', 'payment failed'],
    ['cancel', 'failed', 'cancelled by shopper'],
  ])('%s: opening the page acts and redirects at once', async (outcome, txStatus, txMessage) => {
    const { orderNo, paymentLink, token: t } = await createOrder({ outcome });
    expect((await openPage(paymentLink)).status).toBe(302);
    expect(await query(orderNo, t)).toMatchObject({ data: { txStatus, txMessage } });
  });

  it('timeout: the page waits and the order stays pending, with no webhook', async () => {
    const { orderNo, paymentLink } = await createOrder({ outcome: 'timeout' });
    expect((await openPage(paymentLink)).status).toBe(200);
    await advance(24 * HOUR);
    await settle();
    expect(await query(orderNo, await token())).toMatchObject({ data: { txStatus: 'pending' } });
    expect(webhooks(orderNo)).toHaveLength(0);
  });

  it.each([
    ['unknown-then-pay', 'success'],
    ['unknown-then-fail', 'failed'],
  ])('%s: pending and no webhook for resolveAfterMs, then the outcome and its webhook', async (outcome, txStatus) => {
    const { orderNo, paymentLink, token: t } = await createOrder({ outcome, resolveAfterMs: 10 * MINUTE });
    await openPage(paymentLink);
    await advance(10 * MINUTE - 1);
    await settle();
    expect(await query(orderNo, t)).toMatchObject({ data: { txStatus: 'pending' } });
    expect(webhooks(orderNo)).toHaveLength(0);
    await advance(1);
    expect(await query(orderNo, t)).toMatchObject({ data: { txStatus } });
    expect(JSON.parse((await waitForWebhooks(orderNo, 1))[0].rawBody).txStatus).toBe(txStatus);
  });

  it('a scenario without a reference applies to the next order', async () => {
    await sandbox.control('POST', '/mocasa/scenarios', { outcome: 'fail' });
    const { orderNo, paymentLink, token: t } = await createOrder();
    await openPage(paymentLink);
    expect(await query(orderNo, t)).toMatchObject({ data: { txStatus: 'failed' } });
  });

  it('refuses an unknown outcome or bad option', async () => {
    expect((await sandbox.control('POST', '/mocasa/scenarios', { outcome: 'explode' })).status).toBe(400);
    expect((await sandbox.control('POST', '/mocasa/scenarios', { outcome: 'pay', repeat: 'lots' })).body.error.code).toBe('SANDBOX.INVALID_SCENARIO');
  });
});

describe('webhook controls', () => {
  it('delayMs holds the webhook until the clock reaches it', async () => {
    const { orderNo, paymentLink } = await createOrder({ outcome: 'pay', delayMs: 30_000 });
    await openPage(paymentLink);
    await settle();
    expect(webhooks(orderNo)).toHaveLength(0);
    await advance(30_000);
    await waitForWebhooks(orderNo, 1);
  });

  it('repeat sends the same notice again; burst sends several at once; drop sends none', async () => {
    const repeated = await createOrder({ outcome: 'pay', repeat: 2 });
    await openPage(repeated.paymentLink);
    expect(await waitForWebhooks(repeated.orderNo, 3)).toHaveLength(3);
    const burst = await createOrder({ outcome: 'pay', burst: 4 });
    await openPage(burst.paymentLink);
    const hooks = await waitForWebhooks(burst.orderNo, 4);
    expect(new Set(hooks.map((h) => h.rawBody)).size).toBe(1);
    const dropped = await createOrder({ outcome: 'pay', drop: true });
    await openPage(dropped.paymentLink);
    await settle();
    expect(webhooks(dropped.orderNo)).toHaveLength(0);
  });

  it('signs with base64 of the hex digest (option or scenario), a wrong secret, or not at all', async () => {
    const hex = await createOrder({ outcome: 'pay', hexSignature: true });
    await openPage(hex.paymentLink);
    expect((await waitForWebhooks(hex.orderNo, 1))[0].headers.signature).toBe(Buffer.from(sign(hex.orderNo, 'success').toString('hex')).toString('base64'));
    await setOptions({ webhookSignature: 'hex' });
    const hexOption = await createOrder({ outcome: 'fail' });
    await openPage(hexOption.paymentLink);
    expect((await waitForWebhooks(hexOption.orderNo, 1))[0].headers.signature).toBe(Buffer.from(sign(hexOption.orderNo, 'failed').toString('hex')).toString('base64'));
    const bad = await createOrder({ outcome: 'pay', badSignature: true });
    await openPage(bad.paymentLink);
    const badSig = (await waitForWebhooks(bad.orderNo, 1))[0].headers.signature;
    expect(badSig).toBeDefined();
    expect(badSig).not.toBe(sign(bad.orderNo, 'success').toString('base64'));
    expect(badSig).not.toBe(Buffer.from(sign(bad.orderNo, 'success').toString('hex')).toString('base64'));
    const none = await createOrder({ outcome: 'pay', noSignature: true });
    await openPage(none.paymentLink);
    expect((await waitForWebhooks(none.orderNo, 1))[0].headers.signature).toBeUndefined();
  });

  it('sends a form body with form (scenario) or webhookEncoding (option)', async () => {
    const { orderNo, paymentLink } = await createOrder({ outcome: 'pay', form: true });
    await openPage(paymentLink);
    const [hook] = await waitForWebhooks(orderNo, 1);
    expect(hook.headers['content-type']).toContain('application/x-www-form-urlencoded');
    expect(Object.fromEntries(new URLSearchParams(hook.rawBody))).toMatchObject({ orderNo, txStatus: 'success', amount: '1500.00', paymentMode: 'Mocasa BNPL' });
  });

  it('statusLies: a correctly signed success while the query says failed', async () => {
    const { orderNo, paymentLink, token: t } = await createOrder({ outcome: 'fail', statusLies: true });
    await openPage(paymentLink);
    const [hook] = await waitForWebhooks(orderNo, 1);
    expect(JSON.parse(hook.rawBody).txStatus).toBe('success');
    expect(hook.headers.signature).toBe(sign(orderNo, 'success').toString('base64'));
    expect(await query(orderNo, t)).toMatchObject({ data: { txStatus: 'failed' } });
  });

  it('wrongAmount: the webhook amount differs from the order', async () => {
    const plus = await createOrder({ outcome: 'pay', wrongAmount: true });
    await openPage(plus.paymentLink);
    expect(JSON.parse((await waitForWebhooks(plus.orderNo, 1))[0].rawBody).amount).toBe(1501);
    const chosen = await createOrder({ outcome: 'pay', wrongAmount: '10.50' });
    await openPage(chosen.paymentLink);
    expect(JSON.parse((await waitForWebhooks(chosen.orderNo, 1))[0].rawBody).amount).toBe(10.5);
  });

  it('goes to the configured webhookUrl', async () => {
    await setOptions({ webhookUrl: `${capture.url}/elsewhere` });
    const { paymentLink } = await createOrder({ outcome: 'pay' });
    await openPage(paymentLink);
    await capture.waitFor(1);
    expect(capture.requests[0].path).toBe('/elsewhere');
  });

  it('retries any non-2xx (3xx included) at 1, 2, 4, 8, 16 min and disables the endpoint after more than five failures, until reset', async () => {
    capture.respondWith(302);
    const { orderNo, paymentLink } = await createOrder({ outcome: 'pay' });
    await openPage(paymentLink);
    await waitForWebhooks(orderNo, 1);
    await advance(MINUTE - 1);
    await settle();
    expect(webhooks(orderNo)).toHaveLength(1);
    let expected = 1;
    for (const minutes of [1, 2, 4, 8, 16]) {
      await advance(minutes * MINUTE - (expected === 1 ? MINUTE - 1 : 0));
      expected += 1;
      await waitForWebhooks(orderNo, expected);
    }
    const state = (await sandbox.control('GET', '/mocasa/state')).body.state;
    expect(state.webhooks).toMatchObject({ disabled: true, consecutiveFailures: 6 });
    // Disabled: the 32-minute retry and new notices are not sent.
    await advance(32 * MINUTE);
    capture.respondWith(200);
    const next = await createOrder({ outcome: 'pay' });
    await openPage(next.paymentLink);
    await settle();
    expect(webhooks(orderNo)).toHaveLength(6);
    expect(webhooks(next.orderNo)).toHaveLength(0);
    await sandbox.control('POST', '/reset');
    const after = await createOrder({ outcome: 'pay' });
    await openPage(after.paymentLink);
    await waitForWebhooks(after.orderNo, 1);
  });

  it('a 2xx after failures delivers and clears the failure count', async () => {
    capture.respondWith(500);
    const { orderNo, paymentLink } = await createOrder({ outcome: 'pay' });
    await openPage(paymentLink);
    await waitForWebhooks(orderNo, 1);
    capture.respondWith(204);
    await advance(MINUTE);
    await waitForWebhooks(orderNo, 2);
    const state = (await sandbox.control('GET', '/mocasa/state')).body.state;
    expect(state.webhooks).toMatchObject({ disabled: false, consecutiveFailures: 0 });
    expect(state.webhooks.deliveries[0]).toMatchObject({ state: 'delivered' });
  });
});

describe('payment/order/refund', () => {
  async function paidOrder() {
    const order = await createOrder({ outcome: 'pay' });
    await openPage(order.paymentLink);
    return order;
  }

  it('refunds a successful order once; the query still says success', async () => {
    const { orderNo, token: t } = await paidOrder();
    const refund = await api('/payment/order/refund', { orderNo, reason: 'refund' }, { token: t });
    expect(refund.body).toMatchObject({ success: true, data: { refundStatus: 'success', orderNo } });
    expect(refund.body.data!.refundRef).toMatch(/^RF\d+$/);
    expect(await query(orderNo, t)).toMatchObject({ data: { txStatus: 'success' } });
    expect((await api('/payment/order/refund', { orderNo, reason: 'again' }, { token: t })).body).toMatchObject({ success: false, code: 'REFUND_NOT_ALLOWED' });
  });

  it('refuses pending and failed orders, settled orders, a missing reason and unknown orders', async () => {
    const pending = await createOrder();
    expect((await api('/payment/order/refund', { orderNo: pending.orderNo, reason: 'r' }, { token: pending.token })).body).toMatchObject({ code: 'REFUND_NOT_ALLOWED' });
    const failed = await createOrder({ outcome: 'fail' });
    await openPage(failed.paymentLink);
    expect((await api('/payment/order/refund', { orderNo: failed.orderNo, reason: 'r' }, { token: failed.token })).body).toMatchObject({ code: 'REFUND_NOT_ALLOWED' });
    const paid = await paidOrder();
    expect((await api('/payment/order/refund', { orderNo: paid.orderNo }, { token: paid.token })).body).toMatchObject({ code: '400' });
    await advance(24 * HOUR);
    const t = await token();
    expect((await api('/payment/order/refund', { orderNo: paid.orderNo, reason: 'late' }, { token: t })).body).toMatchObject({ code: 'REFUND_NOT_ALLOWED', message: 'order is settled' });
    expect((await api('/payment/order/refund', { orderNo: 'PLNONE', reason: 'r' }, { token: t })).body).toMatchObject({ code: 'ORDER_NOT_FOUND' });
  });

  it('honours a configurable settleAfterMs and refundStatus', async () => {
    await setOptions({ settleAfterMs: MINUTE, refundStatus: 'processing' });
    const a = await paidOrder();
    expect((await api('/payment/order/refund', { orderNo: a.orderNo, reason: 'r' }, { token: a.token })).body.data).toMatchObject({ refundStatus: 'processing' });
    const b = await paidOrder();
    await advance(MINUTE);
    const t = await token();
    expect((await api('/payment/order/refund', { orderNo: b.orderNo, reason: 'r' }, { token: t })).body).toMatchObject({ code: 'REFUND_NOT_ALLOWED' });
  });
});

describe('payouts', () => {
  const beneficiary = { idType: 'TIN', idNo: '123-456-789', beneficiaryName: 'Juan', businessLisence: 'BL-2026-77', shopName: 'Sari-sari' };

  async function account(t: string): Promise<string> {
    const answer = await api('/payout/account/create', beneficiary, { token: t });
    expect(answer.body).toMatchObject({ success: true, data: { status: 'active' } });
    return answer.body.data!.accountNo as string;
  }

  it.each(['idType', 'idNo', 'beneficiaryName', 'businessLisence', 'shopName'])('account/create requires %s', async (field) => {
    const t = await token();
    const fields: Record<string, string> = { ...beneficiary };
    delete fields[field];
    const answer = await api('/payout/account/create', fields, { token: t });
    expect(answer.body).toMatchObject({ success: false, code: '400' });
    expect(answer.body.message).toContain(field);
  });

  it('transfers synchronously, returns the original for the same serial and parameters, refuses other parameters', async () => {
    const t = await token();
    const payee = await account(t);
    const transfer = { transferSerialNo: 'PO-1', amount: '250.00', payeeAccountNo: payee, purpose: 'payout' };
    const first = await api('/payout/transfer/initiate', transfer, { token: t });
    expect(first.body).toMatchObject({ success: true, data: { transferSerialNo: 'PO-1', txStatus: 'success' } });
    const again = await api('/payout/transfer/initiate', transfer, { token: t });
    expect(again.body.data).toEqual(first.body.data);
    expect((await api('/payout/transfer/initiate', { ...transfer, amount: '251.00' }, { token: t })).body).toMatchObject({ success: false, code: 'DUPLICATE_TRANSFER_SERIAL_NO' });
    expect((await api('/payout/transfer/query', { transferSerialNo: 'PO-1' }, { token: t })).body.data).toEqual(first.body.data);
    expect((await api('/payout/transfer/query', { transferSerialNo: 'PO-404' }, { token: t })).body).toMatchObject({ success: false, code: 'TRANSFER_NOT_FOUND' });
    const [hook] = await waitForWebhooks('PO-1', 1);
    expect(JSON.parse(hook.rawBody)).toMatchObject({ orderNo: 'PO-1', txStatus: 'success', amount: 250 });
    expect(hook.headers.signature).toBe(sign('PO-1', 'success').toString('base64'));
    const state = (await sandbox.control('GET', '/mocasa/state')).body.state;
    expect(state.merchantBalance).toBe('999750.00');
  });

  it('refuses an unknown payee, a bad amount, a missing field, and more than the merchant balance', async () => {
    await setOptions({ merchantBalance: '100.00' });
    const t = await token();
    const payee = await account(t);
    expect((await api('/payout/transfer/initiate', { transferSerialNo: 'PO-2', amount: '1.00', payeeAccountNo: 'MA000', purpose: 'p' }, { token: t })).body).toMatchObject({ code: 'ACCOUNT_NOT_FOUND' });
    expect((await api('/payout/transfer/initiate', { transferSerialNo: 'PO-2', amount: '-1.00', payeeAccountNo: payee, purpose: 'p' }, { token: t })).body).toMatchObject({ code: '400' });
    expect((await api('/payout/transfer/initiate', { transferSerialNo: 'PO-2', amount: '1.00', payeeAccountNo: payee }, { token: t })).body).toMatchObject({ code: '400', message: 'purpose is required' });
    const answer = await api('/payout/transfer/initiate', { transferSerialNo: 'PO-2', amount: '100.01', payeeAccountNo: payee, purpose: 'p' }, { token: t });
    expect(answer).toMatchObject({ status: 200, body: { success: false, code: 'INSUFFICIENT_BALANCE' } });
    expect((await api('/payout/transfer/query', { transferSerialNo: 'PO-2' }, { token: t })).body).toMatchObject({ code: 'TRANSFER_NOT_FOUND' });
  });

  it('scenario fail makes the transfer failed (by serial)', async () => {
    const t = await token();
    const payee = await account(t);
    await sandbox.control('POST', '/mocasa/scenarios', { reference: 'PO-3', outcome: 'fail' });
    const answer = await api('/payout/transfer/initiate', { transferSerialNo: 'PO-3', amount: '5.00', payeeAccountNo: payee, purpose: 'p' }, { token: t });
    expect(answer.body.data).toMatchObject({ txStatus: 'failed' });
    expect(JSON.parse((await waitForWebhooks('PO-3', 1))[0].rawBody).txStatus).toBe('failed');
  });

  it('commit-then-drop on initiate: no answer, but the transfer exists', async () => {
    const t = await token();
    const payee = await account(t);
    await fault({ endpoint: 'payout/transfer/initiate', kind: 'commit-then-drop' });
    await expect(api('/payout/transfer/initiate', { transferSerialNo: 'PO-4', amount: '5.00', payeeAccountNo: payee, purpose: 'p' }, { token: t })).rejects.toThrow();
    expect((await api('/payout/transfer/query', { transferSerialNo: 'PO-4' }, { token: t })).body.data).toMatchObject({ txStatus: 'success' });
  });
});

describe('faults', () => {
  it('5xx answers HTTP 500 with the envelope, for the next N calls only', async () => {
    const t = await token();
    await fault({ endpoint: 'payment/order/query', kind: '5xx', count: 2 });
    expect(await api('/payment/order/query', { orderNo: 'X' }, { token: t })).toMatchObject({ status: 500, body: { success: false, code: '500' } });
    expect((await api('/payment/order/query', { orderNo: 'X' }, { token: t })).status).toBe(500);
    expect((await api('/payment/order/query', { orderNo: 'X' }, { token: t })).status).toBe(200);
  });

  it('success-false answers with the chosen code (HTTP 200 unless told)', async () => {
    const t = await token();
    await fault({ endpoint: 'payment/order/create', kind: 'success-false', code: 'RISK_REJECTED', message: 'no' });
    expect(await api('/payment/order/create', ORDER_FIELDS('PLF1'), { token: t })).toMatchObject({ status: 200, body: { success: false, code: 'RISK_REJECTED', message: 'no' } });
    await fault({ endpoint: 'payment/order/query', kind: 'success-false', code: '403', httpStatus: 403 });
    expect(await api('/payment/order/query', { orderNo: 'PLF1' }, { token: t })).toMatchObject({ status: 403, body: { code: '403' } });
    expect((await query('PLF1', t)).code).toBe('ORDER_NOT_FOUND');
  });

  it('expire-token kills the presented token', async () => {
    const t = await token();
    await fault({ endpoint: 'payment/order/query', kind: 'expire-token' });
    expect(await api('/payment/order/query', { orderNo: 'X' }, { token: t })).toMatchObject({ status: 401, body: { code: '401' } });
    expect((await api('/payment/order/query', { orderNo: 'X' }, { token: t })).status).toBe(401);
  });

  it('timeout holds the request until the client gives up; slow answers late; drop closes at once', async () => {
    const t = await token();
    await fault({ endpoint: 'payment/order/query', kind: 'timeout' });
    const held = fetch(`${sandbox.url}/mocasa/payment/order/query`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accessToken: t },
      body: 'orderNo=X',
      signal: AbortSignal.timeout(300),
    });
    await expect(held).rejects.toThrow();
    await fault({ endpoint: 'payment/order/query', kind: 'slow', delayMs: 250 });
    const started = Date.now();
    expect((await api('/payment/order/query', { orderNo: 'X' }, { token: t })).body.code).toBe('ORDER_NOT_FOUND');
    expect(Date.now() - started).toBeGreaterThanOrEqual(240);
    await fault({ endpoint: 'payment/order/query', kind: 'drop' });
    await expect(api('/payment/order/query', { orderNo: 'X' }, { token: t })).rejects.toThrow();
  });

  it('commit-then-timeout creates the order but never answers', async () => {
    const t = await token();
    await fault({ endpoint: 'payment/order/create', kind: 'commit-then-timeout', delayMs: 5000 });
    const held = fetch(`${sandbox.url}/mocasa/payment/order/create`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accessToken: t },
      body: new URLSearchParams(ORDER_FIELDS('PLCTT')).toString(),
      signal: AbortSignal.timeout(300),
    });
    await expect(held).rejects.toThrow();
    expect(await query('PLCTT', t)).toMatchObject({ success: true, data: { txStatus: 'pending' } });
  });

  it('faults on the payment page answer a 500 page', async () => {
    const { paymentLink } = await createOrder();
    await fault({ endpoint: 'pay', kind: '5xx' });
    expect((await openPage(paymentLink)).status).toBe(500);
    expect((await openPage(paymentLink)).status).toBe(200);
  });
});

describe('inspection', () => {
  it('state shows orders, tokens, transfers and webhook health; the request log lists the calls; reset forgets', async () => {
    const { orderNo } = await createOrder({ outcome: 'pay' });
    const state = (await sandbox.control('GET', '/mocasa/state')).body;
    expect(state.state.orders).toEqual([expect.objectContaining({ orderNo, amount: '1500.00', txStatus: 'pending', scenario: 'pay' })]);
    expect(state.state.tokens).toHaveLength(1);
    expect(JSON.stringify(state)).not.toMatch(/"accessToken"/);
    const log = (await sandbox.control('GET', '/requests?gateway=mocasa')).body.requests as Array<{ path: string; status: number }>;
    expect(log.map((r) => r.path)).toEqual(expect.arrayContaining(['/mocasa/auth/token/apply', '/mocasa/payment/order/create']));
    await sandbox.control('POST', '/reset');
    expect((await sandbox.control('GET', '/mocasa/state')).body.state.orders).toEqual([]);
  });
});
