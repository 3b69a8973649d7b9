import { SANDBOX_CREDENTIALS } from '@payledger/config';
import { computePSign } from '../../libs/gateways/src/alqaseh';
import { createAlqasehSimulator } from '../../apps/sandbox/src/alqaseh';
import { CapturedRequest, CaptureServer, startCaptureServer, startTestSandbox, TestSandbox } from '../support/sandbox';

/** The Al Qaseh simulator over real HTTP (alqaseh.md §7). */
const TEST_PAN = '5341432900077803';
const { clientId, clientSecret } = SANDBOX_CREDENTIALS.alqaseh;
const HOUR_MS = 3_600_000;

let sandbox: TestSandbox;
let capture: CaptureServer;
let counter = 0;

beforeAll(async () => {
  capture = await startCaptureServer();
  sandbox = await startTestSandbox({ simulators: { alqaseh: createAlqasehSimulator }, merchantBaseUrl: capture.url });
});

afterAll(async () => {
  await sandbox.close();
  await capture.close();
});

beforeEach(async () => {
  await sandbox.control('POST', '/reset');
  sandbox.sandbox.contexts.alqaseh!.options = {};
  sandbox.sandbox.contexts.alqaseh!.credentials = {};
  capture.requests.length = 0;
});

const orderId = () => `SBX-${process.pid}-${++counter}`;
const basic = (id: string = clientId, secret: string = clientSecret) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

async function api(method: 'GET' | 'POST', path: string, body?: unknown, authorization: string | null = basic()) {
  const headers: Record<string, string> = {};
  if (authorization) headers.authorization = authorization;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${sandbox.url}/alqaseh/v1${path}`, { method, headers, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body) });
  const text = await response.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, json, text, contentType: response.headers.get('content-type') ?? '' };
}

function createBody(order: string, overrides: Record<string, unknown> = {}) {
  return {
    amount: 25000,
    currency: 'IQD',
    order_id: order,
    description: 'Two books',
    redirect_url: `${capture.url}/callbacks/alqaseh`,
    webhook_url: `${capture.url}/webhooks/alqaseh`,
    transaction_type: 'Retail',
    token_expiry_in_hour: 1,
    custom_data: { attemptRef: order, paymentRef: 'pay-1' },
    country: 'IQ',
    ...overrides,
  };
}

async function create(overrides: Record<string, unknown> = {}, order = orderId()) {
  const reply = await api('POST', '/egw/payments/create', createBody(order, overrides));
  expect(reply.status).toBe(201);
  return { order, paymentId: reply.json.payment_id as string, token: reply.json.token as string };
}

const getPayment = async (paymentId: string) => (await api('GET', `/egw/payments/${paymentId}`)).json;

async function page(token: string, method: 'GET' | 'POST' = 'GET', form?: Record<string, string>) {
  const response = await fetch(`${sandbox.url}/alqaseh/pay/${token}`, {
    method,
    redirect: 'manual',
    headers: form ? { 'content-type': 'application/x-www-form-urlencoded' } : {},
    body: form ? new URLSearchParams(form).toString() : undefined,
  });
  return { status: response.status, location: response.headers.get('location') ?? undefined, html: await response.text() };
}

const payWithCard = (token: string, pan = TEST_PAN, cvv = '971', expiry = '01-2027') => page(token, 'POST', { action: 'card', card_number: pan, cvv, expiry });

function webhooks(order: string): CapturedRequest[] {
  return capture.requests.filter((r) => r.path === '/webhooks/alqaseh' && r.rawBody.includes(order));
}
function returns(order: string): CapturedRequest[] {
  return capture.requests.filter((r) => r.path === '/callbacks/alqaseh' && r.query.order_id === order);
}
async function waitUntil(predicate: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
const settle = () => new Promise((r) => setTimeout(r, 150));
const webhookBody = (request: CapturedRequest): Record<string, any> =>
  request.headers['content-type']?.includes('json') ? JSON.parse(request.rawBody) : Object.fromEntries(new URLSearchParams(request.rawBody).entries());
const scenario = (body: Record<string, unknown>) => sandbox.control('POST', '/alqaseh/scenarios', body);
const fault = (body: Record<string, unknown>) => sandbox.control('POST', '/alqaseh/faults', body);

describe('alqaseh simulator: auth (D1)', () => {
  it('refuses a missing, wrong or malformed Basic header with the §3.3 envelope', async () => {
    for (const authorization of [null, basic(clientId, 'wrong'), basic('someone', clientSecret), 'Bearer abc', 'Basic !!!']) {
      const reply = await api('GET', '/egw/payments/history', undefined, authorization);
      expect(reply.status).toBe(401);
      expect(reply.json).toEqual({ err: expect.any(String), error_code: 'unauthorized', reference_code: expect.stringMatching(/^ref_/) });
    }
    expect((await api('GET', '/egw/payments/history')).status).toBe(200);
  });

  it('accepts configured credentials instead of the published ones', async () => {
    sandbox.sandbox.contexts.alqaseh!.credentials = { clientId: 'merchant@x=', clientSecret: 'other-secret' };
    expect((await api('GET', '/egw/payments/history')).status).toBe(401);
    expect((await api('GET', '/egw/payments/history', undefined, basic('merchant@x=', 'other-secret'))).status).toBe(200);
  });
});

describe('alqaseh simulator: create (§3.1)', () => {
  it('answers 201 with payment_id and token, and the context is prepared for 1 hour by default', async () => {
    const order = orderId();
    const body = createBody(order);
    delete (body as Record<string, unknown>).token_expiry_in_hour;
    const reply = await api('POST', '/egw/payments/create', body);
    expect(reply.status).toBe(201);
    expect(reply.json).toEqual({ payment_id: expect.stringMatching(/^pay_/), token: expect.any(String) });
    const context = await getPayment(reply.json.payment_id);
    expect(context).toMatchObject({
      payment_id: reply.json.payment_id,
      order_id: order,
      amount: 25000,
      currency: 'IQD',
      country: 'IQ',
      description: 'Two books',
      transaction_type: 'Retail',
      payment_status: 'prepared',
      custom_data: { attemptRef: order, paymentRef: 'pay-1' },
      token: reply.json.token,
      payment_status_histories: [{ status: 'prepared', created_at: expect.any(String) }],
    });
    await sandbox.clock.advance(HOUR_MS - 1);
    expect((await getPayment(reply.json.payment_id)).payment_status).toBe('prepared');
    await sandbox.clock.advance(1);
    expect((await getPayment(reply.json.payment_id)).payment_status).toBe('expired');
  });

  it('answers 200 when the createStatus option says so', async () => {
    sandbox.sandbox.contexts.alqaseh!.options.createStatus = 200;
    const reply = await api('POST', '/egw/payments/create', createBody(orderId()));
    expect(reply.status).toBe(200);
    expect(reply.json.payment_id).toBeDefined();
  });

  it.each([
    ['order_id longer than 32', { order_id: 'x'.repeat(33) }, 'invalid_request'],
    ['no description', { description: undefined }, 'invalid_request'],
    ['amount as text', { amount: '25000' }, 'invalid_request'],
    ['CompleteSales', { transaction_type: 'CompleteSales' }, 'unsupported_transaction_type'],
    ['Reversal', { transaction_type: 'Reversal' }, 'unsupported_transaction_type'],
  ])('refuses %s with 400 %s', async (_label, overrides, code) => {
    const reply = await api('POST', '/egw/payments/create', createBody(orderId(), overrides));
    expect(reply.status).toBe(400);
    expect(reply.json).toMatchObject({ error_code: code, reference_code: expect.any(String) });
  });

  it('refuses a body that is not JSON', async () => {
    const reply = await api('POST', '/egw/payments/create', '{"amount": 25');
    expect(reply).toMatchObject({ status: 400, json: { error_code: 'invalid_request' } });
  });

  it('a reused order_id creates a context that ends duplicated at once', async () => {
    const first = await create();
    const second = await create({}, first.order);
    expect(second.paymentId).not.toBe(first.paymentId);
    expect((await getPayment(second.paymentId)).payment_status).toBe('duplicated');
    expect((await getPayment(first.paymentId)).payment_status).toBe('prepared');
    expect((await page(second.token)).status).toBe(410);
  });

  it('treats Authorization like Retail', async () => {
    const { paymentId } = await create({ transaction_type: 'Authorization' });
    expect((await getPayment(paymentId)).transaction_type).toBe('Authorization');
  });
});

describe('alqaseh simulator: reads', () => {
  it('GET by unknown payment_id and info by unknown token are 404 not_found', async () => {
    expect(await api('GET', '/egw/payments/pay_nope')).toMatchObject({ status: 404, json: { error_code: 'not_found' } });
    expect(await api('GET', '/egw/payments/info/nope')).toMatchObject({ status: 404, json: { error_code: 'not_found' } });
  });

  it('info by token carries amount, currency, description and status only', async () => {
    const { token } = await create();
    const reply = await api('GET', `/egw/payments/info/${token}`);
    expect(reply.json).toEqual({ amount: 25000, currency: 'IQD', description: 'Two books', payment_status: 'prepared' });
  });

  it('unknown endpoints answer in the envelope', async () => {
    expect(await api('GET', '/egw/nothing/here')).toMatchObject({ status: 404, json: { error_code: 'not_found' } });
  });
});

describe('alqaseh simulator: hosted page and notices (§4, §7)', () => {
  it('shows a card form with scenario buttons', async () => {
    const { token, order } = await create();
    const shown = await page(token);
    expect(shown.status).toBe(200);
    expect(shown.html).toContain('name="card_number"');
    expect(shown.html).toContain(order);
    for (const button of ['decline', 'fail', 'cancel', 'abandon']) expect(shown.html).toContain(`value="${button}"`);
  });

  it('approves the test card: 302 back with the coarse status, and a signed JSON webhook', async () => {
    const { token, order, paymentId } = await create();
    const done = await payWithCard(token);
    expect(done.status).toBe(302);
    const back = new URL(done.location!);
    expect(back.pathname).toBe('/callbacks/alqaseh');
    expect(Object.fromEntries(back.searchParams)).toEqual({ payment_id: paymentId, order_id: order, status: 'Success' });

    await waitUntil(() => webhooks(order).length === 1, 'webhook');
    const [request] = webhooks(order);
    expect(request.method).toBe('POST');
    expect(request.headers['content-type']).toContain('application/json');
    const body = webhookBody(request);
    expect(body).toEqual({
      amount: 25000,
      currency: 'IQD',
      terminal_id: 'SBX00001',
      order_id: order,
      trtype: 'Retail',
      rc: '00',
      approval: expect.stringMatching(/^\d{6}$/),
      rrn: expect.stringMatching(/^\d{12}$/),
      nonce: expect.stringMatching(/^[0-9a-f]{16}$/),
      timestamp: sandbox.clock.now().toISOString().replace(/[-:T]/g, '').slice(0, 14),
      payment_status: 'Success',
      p_sign: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    // Signed with the client secret by default, in the form the adapter verifies.
    expect(body.p_sign).toBe(computePSign({ ...body, amount: String(body.amount) }, clientSecret));

    const context = await getPayment(paymentId);
    expect(context).toMatchObject({ payment_status: 'succeeded', rc: '00', approval_code: body.approval, rrn: body.rrn });
    expect(context.payment_status_histories.map((h: { status: string }) => h.status)).toEqual(['prepared', 'succeeded']);
    expect((await page(token)).status).toBe(410);
  });

  it.each([
    ['a PAN ending in 0002', { action: 'card', card_number: '4111111111110002', cvv: '123', expiry: '12-2030' }, 'declined', '05'],
    ['any other PAN', { action: 'card', card_number: '4111111111111111', cvv: '123', expiry: '12-2030' }, 'failed', '96'],
    ['the Decline button', { action: 'decline' }, 'declined', '05'],
    ['the Fail button', { action: 'fail' }, 'failed', '96'],
    ['the Cancel button', { action: 'cancel' }, 'failed', '96'],
  ])('%s ends %s (rc %s), coarse Failed, no approval or rrn', async (_label, form, status, rc) => {
    const { token, order, paymentId } = await create();
    const done = await page(token, 'POST', form);
    expect(done.status).toBe(302);
    expect(new URL(done.location!).searchParams.get('status')).toBe('Failed');
    await waitUntil(() => webhooks(order).length === 1, 'webhook');
    expect(webhookBody(webhooks(order)[0])).toMatchObject({ payment_status: 'Failed', rc, approval: '', rrn: '' });
    expect(await getPayment(paymentId)).toMatchObject({ payment_status: status, rc });
  });

  it('Abandon leaves the context prepared until the token expires', async () => {
    const { token, paymentId } = await create();
    const left = await page(token, 'POST', { action: 'abandon' });
    expect(left.status).toBe(200);
    expect((await getPayment(paymentId)).payment_status).toBe('prepared');
    await sandbox.clock.advance(HOUR_MS);
    expect((await getPayment(paymentId)).payment_status).toBe('expired');
    expect((await page(token)).status).toBe(410);
  });

  it('unknown page tokens are 404; unknown actions 400', async () => {
    expect((await page('not-a-token')).status).toBe(404);
    const { token } = await create();
    expect((await page(token, 'POST', { action: 'teleport' })).status).toBe(400);
  });

  it('never logs or echoes the full card number or CVV2', async () => {
    const { token, order } = await create();
    const done = await payWithCard(token);
    expect(done.location).not.toContain(TEST_PAN);
    const pci = await create();
    const processed = await api('POST', `/egw/payments/process/${pci.token}`, { CardNumber: TEST_PAN, Cvv: '971', EXPMon: '01', EXPYear: '2027' });
    expect(processed.text).not.toContain(TEST_PAN);
    // Refused before the handler runs (bad credentials, a page fault): still masked in the log.
    expect((await api('POST', `/egw/payments/process/${pci.token}`, { CardNumber: TEST_PAN, Cvv: '971', EXPMon: '01', EXPYear: '2027' }, null)).status).toBe(401);
    const other = await create();
    await fault({ endpoint: 'page', kind: '5xx', count: 1 });
    expect((await payWithCard(other.token)).status).toBe(502);
    await waitUntil(() => webhooks(order).length === 1 && webhooks(pci.order).length === 1, 'webhooks');
    const log = JSON.stringify((await sandbox.control('GET', '/requests?gateway=alqaseh')).body);
    expect(log).toContain('7803');
    expect(log).not.toContain(TEST_PAN);
    expect(log).not.toMatch(/cvv=971|"Cvv":"971"/);
    expect(JSON.stringify(capture.requests)).not.toContain(TEST_PAN);
  });
});

describe('alqaseh simulator: process (PCI)', () => {
  it('pays with the test card and answers the context', async () => {
    const { token, order, paymentId } = await create();
    const reply = await api('POST', `/egw/payments/process/${token}`, { CardNumber: TEST_PAN, Cvv: '971', EXPMon: '01', EXPYear: '2027' });
    expect(reply.status).toBe(200);
    expect(reply.json).toMatchObject({ payment_id: paymentId, payment_status: 'succeeded', rc: '00' });
    expect(reply.json.token).toBeUndefined();
    await waitUntil(() => webhooks(order).length === 1, 'webhook');
  });

  it('declines PANs ending 0002 and refuses missing fields, unknown tokens and closed contexts', async () => {
    const { token } = await create();
    expect(await api('POST', `/egw/payments/process/${token}`, { CardNumber: TEST_PAN })).toMatchObject({ status: 400, json: { error_code: 'invalid_request' } });
    expect(await api('POST', `/egw/payments/process/${token}`, { CardNumber: '5555555555550002', Cvv: '1', EXPMon: '1', EXPYear: '30' })).toMatchObject({
      status: 200,
      json: { payment_status: 'declined', rc: '05' },
    });
    expect(await api('POST', `/egw/payments/process/${token}`, { CardNumber: TEST_PAN, Cvv: '971', EXPMon: '01', EXPYear: '2027' })).toMatchObject({
      status: 400,
      json: { error_code: 'invalid_state' },
    });
    expect(await api('POST', '/egw/payments/process/nope', { CardNumber: TEST_PAN, Cvv: '971', EXPMon: '01', EXPYear: '2027' })).toMatchObject({ status: 404 });
  });
});

describe('alqaseh simulator: retry and revoke (§5)', () => {
  it('retries a declined context into a new payment_id and token under the same order_id, once', async () => {
    const { token, order, paymentId } = await create();
    await page(token, 'POST', { action: 'decline' });
    const reply = await api('POST', '/egw/payments/retry', { payment_id: paymentId, details: 'second try' });
    expect(reply.status).toBe(200);
    expect(reply.json).toEqual({ payment_id: expect.any(String), payment_status: 'retried', token: expect.any(String) });
    expect(reply.json.payment_id).not.toBe(paymentId);
    expect(reply.json.token).not.toBe(token);
    expect(await getPayment(reply.json.payment_id)).toMatchObject({ order_id: order, payment_status: 'retried', amount: 25000 });
    expect((await page(reply.json.token)).status).toBe(200);
    expect(await api('POST', '/egw/payments/retry', { payment_id: paymentId })).toMatchObject({ status: 400, json: { error_code: 'invalid_state' } });
    const history = await api('GET', `/egw/payments/history?order_id=${order}`);
    expect(history.json.payments).toHaveLength(2);
  });

  it.each(['expired', 'failed', 'unknown'])('retries from %s', async (from) => {
    const { token, paymentId, order } = await create();
    if (from === 'expired') await sandbox.clock.advance(HOUR_MS);
    if (from === 'failed') await page(token, 'POST', { action: 'fail' });
    if (from === 'unknown') {
      await scenario({ reference: order, outcome: 'unknown-then-pay' });
      await page(token);
    }
    expect((await getPayment(paymentId)).payment_status).toBe(from);
    expect((await api('POST', '/egw/payments/retry', { payment_id: paymentId })).status).toBe(200);
  });

  it('refuses retry from prepared or succeeded, and bad requests', async () => {
    const { paymentId, token } = await create();
    expect(await api('POST', '/egw/payments/retry', { payment_id: paymentId })).toMatchObject({ status: 400, json: { error_code: 'invalid_state' } });
    await payWithCard(token);
    expect(await api('POST', '/egw/payments/retry', { payment_id: paymentId })).toMatchObject({ status: 400, json: { error_code: 'invalid_state' } });
    expect(await api('POST', '/egw/payments/retry', {})).toMatchObject({ status: 400, json: { error_code: 'invalid_request' } });
    expect(await api('POST', '/egw/payments/retry', { payment_id: 'pay_nope' })).toMatchObject({ status: 404, json: { error_code: 'not_found' } });
  });

  it('revokes a prepared context with a new token; the page closes; a second revoke is invalid_state', async () => {
    const { paymentId, token, order } = await create();
    const reply = await api('POST', '/egw/payments/revoke', { payment_id: paymentId, details: 'merchant cancel' });
    expect(reply.status).toBe(200);
    expect(reply.json).toEqual({ payment_id: paymentId, order_id: order, amount: 25000, currency: 'IQD', payment_status: 'revoked', custom_data: { attemptRef: order, paymentRef: 'pay-1' } });
    const context = await getPayment(paymentId);
    expect(context.payment_status).toBe('revoked');
    expect(context.token).not.toBe(token);
    expect((await page(token)).status).toBe(410);
    expect(await api('POST', '/egw/payments/revoke', { payment_id: paymentId })).toMatchObject({ status: 400, json: { error_code: 'invalid_state' } });
  });

  it('revokes a retried context but not a succeeded one', async () => {
    const a = await create();
    await page(a.token, 'POST', { action: 'fail' });
    const retried = (await api('POST', '/egw/payments/retry', { payment_id: a.paymentId })).json;
    expect((await api('POST', '/egw/payments/revoke', { payment_id: retried.payment_id })).json.payment_status).toBe('revoked');
    const b = await create();
    await payWithCard(b.token);
    expect(await api('POST', '/egw/payments/revoke', { payment_id: b.paymentId })).toMatchObject({ status: 400, json: { error_code: 'invalid_state' } });
    expect(await api('POST', '/egw/payments/revoke', { payment_id: 'pay_nope' })).toMatchObject({ status: 404 });
    expect(await api('POST', '/egw/payments/revoke', 'nonsense')).toMatchObject({ status: 400, json: { error_code: 'invalid_request' } });
  });
});

describe('alqaseh simulator: history (§3, D13)', () => {
  it('filters, orders and pages; the CSV export takes the same query', async () => {
    const made: Array<{ order: string; paymentId: string }> = [];
    for (let i = 0; i < 5; i++) {
      made.push(await create({ amount: 1000 * (i + 1) }));
      await sandbox.clock.advance(1000);
    }
    const paid = made[2];
    await payWithCard((await getPayment(paid.paymentId)).token);

    const all = await api('GET', '/egw/payments/history?limit=100&order_by=asc&order_field=created_at');
    expect(all.json.payments.map((p: { payment_id: string }) => p.payment_id)).toEqual(made.map((m) => m.paymentId));
    expect(all.json.payments[0].token).toBeUndefined();

    const desc = await api('GET', '/egw/payments/history');
    expect(desc.json.payments[0].payment_id).toBe(made[4].paymentId);

    const pageTwo = await api('GET', '/egw/payments/history?limit=2&offset=2&order_by=asc');
    expect(pageTwo.json.payments.map((p: { payment_id: string }) => p.payment_id)).toEqual([made[2].paymentId, made[3].paymentId]);
    const last = await api('GET', '/egw/payments/history?limit=2&offset=4&order_by=asc');
    expect(last.json.payments).toHaveLength(1);

    const succeeded = (await api('GET', '/egw/payments/history?payment_status=succeeded')).json.payments;
    expect(succeeded.map((p: { order_id: string }) => p.order_id)).toEqual([paid.order]);
    const context = await getPayment(paid.paymentId);
    for (const query of [
      `rc=00`,
      `approval=${context.approval_code}`,
      `rrn=${context.rrn}`,
      `amount=3000`,
      `order_id=${paid.order}`,
      `payment_id=${paid.paymentId}`,
      `currency=IQD&transaction_type=Retail&language=en&payment_status=SUCCEEDED`,
    ]) {
      const rows = (await api('GET', `/egw/payments/history?${query}`)).json.payments;
      expect(rows.map((p: { payment_id: string }) => p.payment_id)).toEqual([paid.paymentId]);
    }

    const start = Date.parse((await getPayment(made[0].paymentId)).created_at);
    const window = await api('GET', `/egw/payments/history?order_by=asc&from=${new Date(start + 1000).toISOString()}&to=${new Date(start + 3000).toISOString()}`);
    expect(window.json.payments.map((p: { payment_id: string }) => p.payment_id)).toEqual([made[1].paymentId, made[2].paymentId]);

    const csv = await api('GET', '/egw/payments/history/download?order_by=asc&limit=3');
    expect(csv.status).toBe(200);
    expect(csv.contentType).toContain('text/csv');
    const lines = csv.text.trim().split('\r\n');
    expect(lines[0]).toMatch(/^payment_id,order_id,amount,currency,payment_status/);
    expect(lines).toHaveLength(4);
    expect(lines[1]).toContain(made[0].paymentId);
  });

  it('refuses a bad query in the envelope', async () => {
    expect(await api('GET', '/egw/payments/history?limit=zero')).toMatchObject({ status: 400, json: { error_code: 'invalid_request' } });
    expect(await api('GET', '/egw/payments/history?order_field=colour')).toMatchObject({ status: 400, json: { error_code: 'invalid_request' } });
    expect(await api('GET', '/egw/payments/history/download?from=yesterday')).toMatchObject({ status: 400, json: { error_code: 'invalid_request' } });
  });
});

describe('alqaseh simulator: token lifetime (§5)', () => {
  it('follows token_expiry_in_hour on the sandbox clock', async () => {
    const { paymentId } = await create({ token_expiry_in_hour: 2 });
    await sandbox.clock.advance(HOUR_MS);
    expect((await getPayment(paymentId)).payment_status).toBe('prepared');
    await sandbox.clock.advance(HOUR_MS);
    const context = await getPayment(paymentId);
    expect(context.payment_status).toBe('expired');
    expect(context.payment_status_histories.map((h: { status: string }) => h.status)).toEqual(['prepared', 'expired']);
    expect((await api('GET', '/egw/payments/history?payment_status=expired')).json.payments).toHaveLength(1);
  });
});

describe('alqaseh simulator: scenarios (§7)', () => {
  it.each([
    ['pay', 'succeeded', 'Success'],
    ['decline', 'declined', 'Failed'],
    ['fail', 'failed', 'Failed'],
    ['cancel', 'failed', 'Failed'],
  ])('%s: the automated buyer is sent straight back', async (outcome, status, coarse) => {
    const order = orderId();
    await scenario({ reference: order, outcome });
    const { token, paymentId } = await create({}, order);
    const visit = await page(token);
    expect(visit.status).toBe(302);
    expect(new URL(visit.location!).searchParams.get('status')).toBe(coarse);
    expect((await getPayment(paymentId)).payment_status).toBe(status);
  });

  it('a scenario without reference applies to the next create only', async () => {
    await scenario({ outcome: 'decline' });
    const first = await create();
    const second = await create();
    expect((await page(first.token)).status).toBe(302);
    expect((await page(second.token)).status).toBe(200);
  });

  it('a scenario queued for an order after its creation is picked up when the page opens', async () => {
    const { order, token, paymentId } = await create();
    await scenario({ reference: order, outcome: 'pay' });
    expect((await page(token)).status).toBe(302);
    expect((await getPayment(paymentId)).payment_status).toBe('succeeded');
  });

  it('timeout: the buyer abandons and the token expires', async () => {
    const order = orderId();
    await scenario({ reference: order, outcome: 'timeout' });
    const { token, paymentId } = await create({}, order);
    expect((await page(token)).status).toBe(200);
    await sandbox.clock.advance(HOUR_MS);
    expect((await getPayment(paymentId)).payment_status).toBe('expired');
    await settle();
    expect(webhooks(order)).toHaveLength(0);
  });

  it.each([
    ['unknown-then-pay', 'succeeded', 'Success'],
    ['unknown-then-fail', 'failed', 'Failed'],
  ])('%s: unknown (Pending) until resolveAfterMs, then %s with a second webhook', async (outcome, final, coarse) => {
    const order = orderId();
    await scenario({ reference: order, outcome, resolveAfterMs: 30_000 });
    const { token, paymentId } = await create({}, order);
    const visit = await page(token);
    expect(new URL(visit.location!).searchParams.get('status')).toBe('Pending');
    await waitUntil(() => webhooks(order).length === 1, 'first webhook');
    expect(webhookBody(webhooks(order)[0]).payment_status).toBe('Pending');
    expect((await getPayment(paymentId)).payment_status).toBe('unknown');
    await sandbox.clock.advance(29_999);
    expect((await getPayment(paymentId)).payment_status).toBe('unknown');
    await sandbox.clock.advance(1);
    await waitUntil(() => webhooks(order).length === 2, 'second webhook');
    expect(webhookBody(webhooks(order)[1]).payment_status).toBe(coarse);
    expect((await getPayment(paymentId)).payment_status).toBe(final);
  });

  it('wrongAmount: the context and the webhook report amount + delta', async () => {
    const order = orderId();
    await scenario({ reference: order, outcome: 'pay', wrongAmount: 500 });
    const { token, paymentId } = await create({}, order);
    await page(token);
    await waitUntil(() => webhooks(order).length === 1, 'webhook');
    expect(webhookBody(webhooks(order)[0]).amount).toBe(25500);
    expect((await getPayment(paymentId)).amount).toBe(25500);
  });

  it('refuses unknown outcomes and controls', async () => {
    expect((await scenario({ outcome: 'explode' })).status).toBe(400);
    expect((await scenario({ outcome: 'pay', webhook: { sparkle: true } })).status).toBe(400);
  });
});

describe('alqaseh simulator: redirect controls', () => {
  it('direct mode: the simulator sends the GET itself', async () => {
    const order = orderId();
    await scenario({ reference: order, outcome: 'pay', redirect: { mode: 'direct' } });
    const { token, paymentId } = await create({}, order);
    const visit = await page(token);
    expect(visit.status).toBe(200);
    await waitUntil(() => returns(order).length === 1, 'return');
    expect(returns(order)[0]).toMatchObject({ method: 'GET', query: { payment_id: paymentId, order_id: order, status: 'Success' } });
    const logged = (await sandbox.control('GET', '/requests?gateway=alqaseh')).body.requests.filter((r: { direction: string; path: string }) => r.direction === 'out' && r.path.startsWith('/callbacks'));
    expect(logged[0]).toMatchObject({ status: 200 });
  });

  it('direct mode with delayMs and repeat: nothing until the clock moves, then the copies', async () => {
    const order = orderId();
    await scenario({ reference: order, outcome: 'pay', redirect: { mode: 'direct', delayMs: 5000, repeat: 3 } });
    const { token } = await create({}, order);
    await page(token);
    await settle();
    expect(returns(order)).toHaveLength(0);
    await sandbox.clock.advance(5000);
    await waitUntil(() => returns(order).length === 3, 'three returns');
  });

  it('browser mode with repeat: one 302 and the extra copies delivered', async () => {
    const order = orderId();
    await scenario({ reference: order, outcome: 'pay', redirect: { repeat: 2 } });
    const { token } = await create({}, order);
    expect((await page(token)).status).toBe(302);
    await waitUntil(() => returns(order).length === 1, 'extra copy');
  });

  it('drop: no redirect at all; statusLies: Success while the API says declined', async () => {
    const dropped = orderId();
    await scenario({ reference: dropped, outcome: 'pay', redirect: { drop: true, mode: 'direct' } });
    const a = await create({}, dropped);
    expect((await page(a.token)).status).toBe(200);
    const lying = orderId();
    await scenario({ reference: lying, outcome: 'decline', redirect: { statusLies: true } });
    const b = await create({}, lying);
    const visit = await page(b.token);
    expect(new URL(visit.location!).searchParams.get('status')).toBe('Success');
    expect((await getPayment(b.paymentId)).payment_status).toBe('declined');
    await settle();
    expect(returns(dropped)).toHaveLength(0);
  });

  it('the redirectMode option makes direct mode the default', async () => {
    sandbox.sandbox.contexts.alqaseh!.options.redirectMode = 'direct';
    const order = orderId();
    await scenario({ reference: order, outcome: 'fail' });
    const { token } = await create({}, order);
    expect((await page(token)).status).toBe(200);
    await waitUntil(() => returns(order).length === 1, 'return');
  });
});

describe('alqaseh simulator: webhook controls', () => {
  it('delayMs waits for the clock; repeat replays the same nonce', async () => {
    const order = orderId();
    await scenario({ reference: order, outcome: 'pay', webhook: { delayMs: 10_000, repeat: 3 } });
    const { token } = await create({}, order);
    await page(token);
    await settle();
    expect(webhooks(order)).toHaveLength(0);
    await sandbox.clock.advance(10_000);
    await waitUntil(() => webhooks(order).length === 3, 'three webhooks');
    const bodies = webhooks(order).map(webhookBody);
    expect(new Set(bodies.map((b) => b.nonce)).size).toBe(1);
    expect(new Set(bodies.map((b) => b.p_sign)).size).toBe(1);
  });

  it('drop sends nothing', async () => {
    const order = orderId();
    await scenario({ reference: order, outcome: 'pay', webhook: { drop: true } });
    const { token } = await create({}, order);
    await page(token);
    await settle();
    expect(webhooks(order)).toHaveLength(0);
  });

  it('badSignature and noSignature', async () => {
    const bad = orderId();
    await scenario({ reference: bad, outcome: 'pay', webhook: { badSignature: true } });
    const a = await create({}, bad);
    await page(a.token);
    const none = orderId();
    await scenario({ reference: none, outcome: 'pay', webhook: { noSignature: true } });
    const b = await create({}, none);
    await page(b.token);
    await waitUntil(() => webhooks(bad).length === 1 && webhooks(none).length === 1, 'webhooks');
    const badBody = webhookBody(webhooks(bad)[0]);
    expect(badBody.p_sign).toMatch(/^[0-9a-f]{64}$/);
    expect(badBody.p_sign).not.toBe(computePSign({ ...badBody, amount: String(badBody.amount) }, clientSecret));
    expect(webhookBody(webhooks(none)[0]).p_sign).toBeUndefined();
  });

  it('form encoding (per scenario and as the default option), still signed', async () => {
    const order = orderId();
    await scenario({ reference: order, outcome: 'pay', webhook: { form: true } });
    const { token } = await create({}, order);
    await page(token);
    sandbox.sandbox.contexts.alqaseh!.options.webhookEncoding = 'form';
    const second = await create();
    await payWithCard(second.token);
    await waitUntil(() => webhooks(order).length === 1 && webhooks(second.order).length === 1, 'webhooks');
    for (const request of [webhooks(order)[0], webhooks(second.order)[0]]) {
      expect(request.headers['content-type']).toContain('application/x-www-form-urlencoded');
      const body = webhookBody(request);
      expect(body.amount).toBe('25000');
      expect(body.p_sign).toBe(computePSign(body, clientSecret));
    }
  });

  it('status-lies: Success in the webhook while the API says declined', async () => {
    const order = orderId();
    await scenario({ reference: order, outcome: 'decline', webhook: { statusLies: true } });
    const { token, paymentId } = await create({}, order);
    await page(token);
    await waitUntil(() => webhooks(order).length === 1, 'webhook');
    const body = webhookBody(webhooks(order)[0]);
    expect(body).toMatchObject({ payment_status: 'Success', rc: '05' });
    expect(body.p_sign).toBe(computePSign({ ...body, amount: String(body.amount) }, clientSecret));
    expect((await getPayment(paymentId)).payment_status).toBe('declined');
  });

  it('signs with a configured webhook secret', async () => {
    sandbox.sandbox.contexts.alqaseh!.credentials = { webhookSecret: 'whsec-configured' };
    const { token, order } = await create();
    await payWithCard(token);
    await waitUntil(() => webhooks(order).length === 1, 'webhook');
    const body = webhookBody(webhooks(order)[0]);
    expect(body.p_sign).toBe(computePSign({ ...body, amount: String(body.amount) }, 'whsec-configured'));
  });
});

describe('alqaseh simulator: faults', () => {
  it('5xx answers internal_error in the envelope', async () => {
    await fault({ endpoint: 'create', kind: '5xx', count: 1 });
    expect(await api('POST', '/egw/payments/create', createBody(orderId()))).toMatchObject({ status: 500, json: { error_code: 'internal_error' } });
    expect((await api('POST', '/egw/payments/create', createBody(orderId()))).status).toBe(201);
  });

  it('commit-then-drop on create: no answer, but the context exists', async () => {
    await fault({ endpoint: 'create', kind: 'commit-then-drop', count: 1 });
    const order = orderId();
    await expect(api('POST', '/egw/payments/create', createBody(order))).rejects.toThrow();
    const found = await api('GET', `/egw/payments/history?order_id=${order}`);
    expect(found.json.payments).toHaveLength(1);
    expect(found.json.payments[0].payment_status).toBe('prepared');
  });

  it('timeout holds the request and then drops it; slow answers late', async () => {
    await fault({ endpoint: 'payment', kind: 'timeout', count: 1, delayMs: 200 });
    const { paymentId } = await create();
    await expect(api('GET', `/egw/payments/${paymentId}`)).rejects.toThrow();
    await fault({ endpoint: 'payment', kind: 'slow', count: 1, delayMs: 200 });
    const started = Date.now();
    expect((await api('GET', `/egw/payments/${paymentId}`)).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(180);
  });

  it('401 refuses good credentials', async () => {
    await fault({ endpoint: 'history', kind: '401', count: 1 });
    expect(await api('GET', '/egw/payments/history')).toMatchObject({ status: 401, json: { error_code: 'unauthorized' } });
  });

  it.each([
    ['garbage', (r: Awaited<ReturnType<typeof api>>) => expect(r.json).toBeUndefined()],
    ['html', (r: Awaited<ReturnType<typeof api>>) => expect(r.contentType).toContain('text/html')],
    ['empty', (r: Awaited<ReturnType<typeof api>>) => expect(r.text).toBe('')],
    ['wrong-content-type', (r: Awaited<ReturnType<typeof api>>) => expect(r.contentType).toContain('text/plain')],
    ['unknown-status', (r: Awaited<ReturnType<typeof api>>) => expect(r.json.payment_status).toBe('mystery_status')],
  ])('%s spoils the answer only', async (kind, check) => {
    const { paymentId } = await create();
    await fault({ endpoint: 'payment', kind, count: 1 });
    check(await api('GET', `/egw/payments/${paymentId}`));
    expect((await api('GET', `/egw/payments/${paymentId}`)).json.payment_status).toBe('prepared');
  });

  it('the page has its own fault endpoint', async () => {
    const { token } = await create();
    await fault({ endpoint: 'page', kind: '5xx', count: 1 });
    expect((await page(token)).status).toBe(502);
    expect((await page(token)).status).toBe(200);
  });
});

describe('alqaseh simulator: state and reset', () => {
  it('shows what it holds and forgets it on reset', async () => {
    const { paymentId } = await create();
    const state = (await sandbox.control('GET', '/alqaseh/state')).body;
    expect(state.state.contexts.map((c: { payment_id: string }) => c.payment_id)).toContain(paymentId);
    await sandbox.control('POST', '/reset');
    expect((await sandbox.control('GET', '/alqaseh/state')).body.state.contexts).toEqual([]);
    expect((await api('GET', `/egw/payments/${paymentId}`)).status).toBe(404);
  });
});
