import { createHash } from 'node:crypto';
import { followToPayledger, idempotencyKey, nextOrderId, openRedirect, PayledgerHarness, startPayledger } from '../support/payledger';

/**
 * Mocasa end to end through the merchant API: create → the buyer on Mocasa's page → the return and the
 * signed webhook → order query; full refunds only; payouts (beneficiary, transfer, transfer query).
 * Tests about the buyer's return queue a scenario that withholds the webhook, so each stream's order
 * of events is the one the test names; webhook tests leave the return unfollowed.
 */
describe('Mocasa through the merchant API', () => {
  let h: PayledgerHarness;
  beforeAll(async () => {
    h = await startPayledger();
  });
  afterAll(() => h?.close());

  const body = (orderId = nextOrderId('MO')) => ({
    gateway: 'mocasa',
    orderId,
    amountMinor: '150000',
    currency: 'PHP',
    description: 'Rice cooker',
    returnUrl: 'https://shop.example/paid',
    customer: { id: 'cust-1001' },
  });
  const create = async (request: Record<string, unknown> = body()) => {
    const created = await h.call('POST', '/v1/payments', request, { 'idempotency-key': idempotencyKey() });
    expect(created.status).toBe(201);
    return created.body;
  };
  /** Mocasa's create takes the scenario, so it is queued for the next order, before the create. */
  const nextOrder = async (outcome: string, options: Record<string, unknown> = {}) => {
    const reply = await h.sandbox.control('POST', '/mocasa/scenarios', { outcome, ...options });
    expect(reply.status).toBe(201);
  };
  /** The next order waits for the buyer's click and sends no webhook: the return alone drives it. */
  const nextOrderReturnOnly = () => nextOrder('timeout', { drop: true });
  const fault = async (endpoint: string, kind: string, count: number, extra: Record<string, unknown> = {}) => {
    const reply = await h.sandbox.control('POST', '/mocasa/faults', { endpoint, kind, count, ...extra });
    expect(reply.status).toBe(201);
  };
  /** The buyer opens Mocasa's page and clicks; answers the page's 302 back to our return. */
  const press = async (redirect: { method: string; url: string }, action: 'pay' | 'fail' | 'abandon') => {
    const page = await openRedirect(redirect);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain(`value="${action}"`);
    const clicked = await fetch(redirect.url, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ action }).toString() });
    expect(clicked.status).toBe(302);
    return clicked;
  };
  const calls = (endpoint: string) => h.sandbox.sandbox.log.list({ gateway: 'mocasa', direction: 'in', path: `/mocasa/${endpoint}` }).length;
  const queriesFor = (reference: string) =>
    h.sandbox.sandbox.log.list({ gateway: 'mocasa', direction: 'in', path: '/mocasa/payment/order/query' }).filter((r) => typeof r.body === 'string' && new URLSearchParams(r.body).get('orderNo') === reference).length;
  const resultOf = (response: Response) => {
    expect(response.status).toBe(303);
    const location = new URL(response.headers.get('location')!);
    return { target: `${location.origin}${location.pathname}`, paymentId: location.searchParams.get('paymentId'), status: location.searchParams.get('status') };
  };
  /** Bounded wait for what happens behind a webhook's answer. */
  const eventually = async <T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> => {
    for (let poll = 0; poll < 250; poll += 1) {
      const value = await read();
      if (done(value)) return value;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error('the expected state was never reached');
  };
  const settled = (paymentId: string, count: (types: string[]) => boolean) => eventually(() => h.types(paymentId), count);
  const sign = (orderNo: string, txStatus: string, secret: string) => createHash('sha256').update(`${orderNo}|${txStatus}|${secret}`, 'utf8').digest('base64');
  const paid = async () => {
    await nextOrderReturnOnly();
    const created = await create();
    const back = await followToPayledger(await press(created.redirect, 'pay'));
    expect(resultOf(back).status).toBe('succeeded');
    return created;
  };

  const CREATED = ['PaymentInitiated', 'PaymentAttemptStarted', 'GatewayRequestSent', 'GatewayResponseReceived', 'PaymentAttemptCreated'];
  const CALL = ['GatewayRequestSent', 'GatewayResponseReceived'];
  const RETURNED = ['GatewayCallbackReceived', 'PaymentConfirmationStarted'];
  const WEBHOOK = ['GatewayWebhookReceived', 'PaymentConfirmationStarted'];

  it('create → Pay on the page → return → order query → succeeded at the returnUrl', async () => {
    await nextOrderReturnOnly();
    const created = await create();
    const reference = created.attempts[0].reference;
    expect(created).toMatchObject({ status: 'awaiting_buyer', gateway: 'mocasa', amountMinor: '150000', currency: 'PHP', redirect: { method: 'GET', url: `${h.sandbox.url}/mocasa/pay/${reference}` } });
    expect(created.attempts[0].refs).toMatchObject({ orderNo: reference, customerId: 'cust-1001' });

    const page = await press(created.redirect, 'pay');
    expect(page.headers.get('location')).toBe(`${h.url}/callbacks/mocasa?reference=${reference}`);
    const back = await followToPayledger(page);
    expect(resultOf(back)).toEqual({ target: 'https://shop.example/paid', paymentId: created.id, status: 'succeeded' });

    expect((await h.call('GET', `/v1/payments/${created.id}`)).body).toMatchObject({ status: 'succeeded', capturedMinor: '150000', refundedMinor: '0' });
    expect(queriesFor(reference)).toBe(1);
    expect(await h.types(created.id)).toEqual([...CREATED, ...RETURNED, ...CALL, 'PaymentAttemptChecked', 'PaymentSucceeded']);
    const events = await h.events(created.id);
    expect(events.filter((e) => e.type === 'GatewayRequestSent').map((e) => (e.data as { operation: string }).operation)).toEqual(['create-order', 'query-order']);
    expect(events.find((e) => e.type === 'PaymentAttemptChecked')!.data).toMatchObject({ trigger: 'return', operation: 'confirm', outcome: 'paid', gatewayStatus: 'success' });
    // The access token is Mocasa's session: recorded on its own stream, never with the client secret.
    const session = await h.store.readStream('gateway-session-mocasa');
    expect(session.map((e) => e.type)).toContain('GatewayTokenIssued');
    expect(JSON.stringify(session.map((e) => e.data))).not.toContain(h.config.gateways.mocasa.clientSecret);
  });

  it.each([
    ['abandon', 'cancelled by shopper'],
    ['fail', 'payment failed'],
  ])('the buyer who chooses %s ends failed (Mocasa has no cancel status), as the order query says', async (action, message) => {
    await nextOrderReturnOnly();
    const created = await create();
    const back = await followToPayledger(await press(created.redirect, action as 'abandon' | 'fail'));
    expect(resultOf(back).status).toBe('failed');
    expect(await h.types(created.id)).toEqual([...CREATED, ...RETURNED, ...CALL, 'PaymentAttemptChecked', 'PaymentFailed']);
    const payment = (await h.call('GET', `/v1/payments/${created.id}`)).body;
    expect(payment).toMatchObject({ status: 'failed', capturedMinor: '0' });
    const response = (await h.events(created.id)).filter((e) => e.type === 'GatewayResponseReceived').at(-1)!;
    expect(JSON.stringify(response.data)).toContain(message);
  });

  it('the signed webhook alone: recorded, answered 200, then the order query → succeeded', async () => {
    await nextOrder('pay');
    const created = await create();
    // Opening the link pays at once; the buyer's browser never follows the way back.
    const page = await openRedirect(created.redirect);
    expect(page.status).toBe(302);
    await page.text();
    const types = await settled(created.id, (t) => t.includes('PaymentSucceeded'));
    expect(types).toEqual([...CREATED, ...WEBHOOK, ...CALL, 'PaymentAttemptChecked', 'PaymentSucceeded']);
    const notice = (await h.events(created.id)).find((e) => e.type === 'GatewayWebhookReceived')!;
    expect(notice.data).toMatchObject({ kind: 'webhook', accepted: true, duplicate: false, authenticity: 'verified' });
    const delivered = await eventually(async () => h.sandbox.sandbox.log.list({ gateway: 'mocasa', direction: 'out', path: '/webhooks/mocasa' }).filter((r) => (r.body as { orderNo?: string }).orderNo === created.attempts[0].reference), (d) => d.length > 0);
    expect(delivered.map((r) => r.status)).toEqual([200]);
  });

  it('a webhook for another amount never succeeds: PaymentAmountMismatched, status unknown — and the return after it books nothing', async () => {
    await nextOrder('pay', { wrongAmount: '1.00' });
    const created = await create();
    const page = await openRedirect(created.redirect);
    const afterWebhook = await settled(created.id, (t) => t.includes('PaymentAmountMismatched'));
    expect(afterWebhook).toEqual([...CREATED, ...WEBHOOK, ...CALL, 'PaymentAttemptChecked', 'PaymentAmountMismatched']);
    const back = await followToPayledger(page);
    expect(resultOf(back).status).toBe('unknown');
    const types = await h.types(created.id);
    expect(types).not.toContain('PaymentSucceeded');
    expect(types.slice(afterWebhook.length)).toEqual([...RETURNED, ...CALL, 'PaymentAttemptChecked']);
    const mismatch = (await h.events(created.id)).find((e) => e.type === 'PaymentAmountMismatched')!;
    expect(mismatch.data).toMatchObject({ expectedMinor: '150000', currency: 'PHP', trigger: 'webhook' });
    expect((await h.call('GET', `/v1/payments/${created.id}`)).body).toMatchObject({ status: 'unknown', review: 'PAYMENT.AMOUNT_MISMATCH', capturedMinor: '0' });
  });

  it('a duplicate return is recorded as such, answered like the first, and queries nothing again', async () => {
    await nextOrderReturnOnly();
    const created = await create();
    const callbackUrl = (await press(created.redirect, 'pay')).headers.get('location')!;
    const first = await fetch(callbackUrl, { redirect: 'manual' });
    const second = await fetch(callbackUrl, { redirect: 'manual' });
    expect(resultOf(second)).toEqual(resultOf(first));
    expect(resultOf(first).status).toBe('succeeded');
    expect(queriesFor(created.attempts[0].reference)).toBe(1);
    const events = await h.events(created.id);
    expect(events.map((e) => e.type)).toEqual([...CREATED, ...RETURNED, ...CALL, 'PaymentAttemptChecked', 'PaymentSucceeded', 'GatewayCallbackReceived']);
    expect(events.filter((e) => e.type === 'GatewayCallbackReceived').map((e) => (e.data as { duplicate: boolean }).duplicate)).toEqual([false, true]);
  });

  it('a repeated webhook is recorded as a duplicate, answered 200, and queries once', async () => {
    await nextOrder('pay', { repeat: 1 });
    const created = await create();
    await (await openRedirect(created.redirect)).text();
    const reference = created.attempts[0].reference;
    // The second copy is answered as soon as it is stored, so it may land while the first is still being confirmed.
    const delivered = await eventually(async () => h.sandbox.sandbox.log.list({ gateway: 'mocasa', direction: 'out', path: '/webhooks/mocasa' }).filter((r) => (r.body as { orderNo?: string }).orderNo === reference), (d) => d.length === 2);
    expect(delivered.map((r) => r.status)).toEqual([200, 200]);
    const types = await settled(created.id, (t) => t.filter((x) => x === 'GatewayWebhookReceived').length === 2 && t.includes('PaymentSucceeded'));
    expect(types.filter((t) => t !== 'GatewayWebhookReceived')).toEqual([...CREATED, 'PaymentConfirmationStarted', ...CALL, 'PaymentAttemptChecked', 'PaymentSucceeded']);
    expect(types.indexOf('GatewayWebhookReceived')).toBe(CREATED.length);
    const notices = (await h.events(created.id)).filter((e) => e.type === 'GatewayWebhookReceived').map((e) => (e.data as { duplicate: boolean }).duplicate);
    expect(notices).toEqual([false, true]);
    expect(queriesFor(reference)).toBe(1);
  });

  it('a forged webhook (signed with a guessed secret) is 401, recorded as rejected on the payment, which is unchanged', async () => {
    await nextOrderReturnOnly();
    const created = await create();
    const reference = created.attempts[0].reference;
    const before = await h.types(created.id);
    const response = await fetch(`${h.url}/webhooks/mocasa`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', signature: sign(reference, 'success', 's3cr3t') },
      body: JSON.stringify({ orderNo: reference, amount: 1500, txStatus: 'success', txMessage: 'ok', txTime: '1', paymentMode: 'Mocasa BNPL' }),
    });
    expect(response.status).toBe(401);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('CALLBACK.SIGNATURE_INVALID');
    expect(await h.types(created.id)).toEqual([...before, 'GatewayWebhookReceived']);
    expect((await h.events(created.id)).at(-1)!.data).toMatchObject({ accepted: false, authenticity: 'forged', rejectionCode: 'CALLBACK.SIGNATURE_INVALID' });
    expect(queriesFor(reference)).toBe(0);
    expect((await h.call('GET', `/v1/payments/${created.id}`)).body.status).toBe('awaiting_buyer');
  });

  it('a forged return naming nothing of ours is 400, recorded on inbound-mocasa; one naming a real unpaid order is not believed', async () => {
    const response = await fetch(`${h.url}/callbacks/mocasa?orderNo=PLforged&txStatus=success`, { redirect: 'manual' });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('CALLBACK.INVALID');
    expect((await h.store.readStream('inbound-mocasa')).at(-1)).toMatchObject({ type: 'GatewayCallbackReceived', data: { accepted: false, rejectionCode: 'CALLBACK.INVALID' } });

    await nextOrderReturnOnly();
    const created = await create();
    const forged = await fetch(`${h.url}/callbacks/mocasa?reference=${created.attempts[0].reference}&txStatus=success`, { redirect: 'manual' });
    expect(resultOf(forged).status).toBe('awaiting_buyer');
    expect(await h.types(created.id)).toEqual([...CREATED, ...RETURNED, ...CALL, 'PaymentAttemptChecked']);
  });

  it('an order query that times out during confirm leaves the payment unknown (not failed) and readable', async () => {
    await nextOrderReturnOnly();
    const created = await create();
    const page = await press(created.redirect, 'pay');
    // The query is tried three times (a read: D10 retries), none answered within the adapter's timeout.
    await fault('payment/order/query', 'timeout', 3, { delayMs: 5000 });
    try {
      expect(resultOf(await followToPayledger(page)).status).toBe('unknown');
    } finally {
      h.sandbox.sandbox.contexts.mocasa!.faults.reset();
    }
    const failedTry = ['GatewayRequestSent', 'GatewayRequestFailed'];
    expect(await h.types(created.id)).toEqual([...CREATED, ...RETURNED, ...failedTry, ...failedTry, ...failedTry, 'PaymentAttemptChecked', 'PaymentOutcomeUnknown']);
    const payment = await h.call('GET', `/v1/payments/${created.id}`);
    expect(payment.status).toBe(200);
    expect(payment.body).toMatchObject({ status: 'unknown', capturedMinor: '0' });
  });

  describe('refunds', () => {
    const refund = (paymentId: string, request: Record<string, unknown>) => h.call('POST', `/v1/payments/${paymentId}/refunds`, request, { 'idempotency-key': idempotencyKey() });

    it('a partial refund is 422 REFUND.PARTIAL_NOT_SUPPORTED with nothing appended or sent; the full refund succeeds', async () => {
      const created = await paid();
      const before = await h.types(created.id);
      const refundsBefore = calls('payment/order/refund');
      const partial = await refund(created.id, { amountMinor: '50000' });
      expect(partial.status).toBe(422);
      expect(partial.body.error.code).toBe('REFUND.PARTIAL_NOT_SUPPORTED');
      expect(await h.types(created.id)).toEqual(before);
      expect(calls('payment/order/refund')).toBe(refundsBefore);

      const full = await refund(created.id, { reason: 'returned unopened' });
      expect(full.status).toBe(201);
      expect(full.body).toMatchObject({ paymentId: created.id, amountMinor: '150000', currency: 'PHP', status: 'succeeded', gatewayRefundRef: expect.any(String) });
      expect((await h.call('GET', `/v1/payments/${created.id}`)).body).toMatchObject({ status: 'refunded', refundedMinor: '150000' });
      expect((await h.types(created.id)).slice(before.length)).toEqual(['RefundRequested', ...CALL, 'RefundSucceeded']);
      expect(calls('payment/order/refund')).toBe(refundsBefore + 1);

      const again = await refund(created.id, {});
      expect(again.status).toBe(409);
      expect(again.body.error.code).toBe('REFUND.EXCEEDS_REMAINING');
    });
  });

  describe('validation before any gateway call', () => {
    it('no customer.id: 400 REQUEST.INVALID naming it, and no request at Mocasa', async () => {
      const before = h.sandbox.sandbox.log.list({ gateway: 'mocasa', direction: 'in' }).length;
      const request = { ...body(), customer: { mobile: '09171234567' } };
      const response = await h.call('POST', '/v1/payments', request, { 'idempotency-key': idempotencyKey() });
      expect(response.status).toBe(400);
      expect(response.body.error.code).toBe('REQUEST.INVALID');
      expect(response.body.error.details.fields).toEqual([expect.objectContaining({ field: 'customer.id', code: 'required' })]);
      expect(h.sandbox.sandbox.log.list({ gateway: 'mocasa', direction: 'in' })).toHaveLength(before);
      // Nothing was stored either: no payment (so no PaymentInitiated) exists for the order.
      expect((await h.call('GET', `/v1/payments?orderId=${request.orderId}`)).body.data).toEqual([]);
    });
  });

  describe('payouts', () => {
    const beneficiary = { gateway: 'mocasa', idType: 'TIN', idNo: '123-456-789', name: 'Juan Dela Cruz', businessLicense: 'BL-2026-0042', shopName: 'Sari-sari store', phone: '09171234567' };
    const register = async () => {
      const response = await h.call('POST', '/v1/payouts/beneficiaries', beneficiary, { 'idempotency-key': idempotencyKey() });
      expect(response.status).toBe(201);
      return response.body;
    };
    const payout = (accountNo: string, key = idempotencyKey(), amountMinor = '50000') =>
      h.call('POST', '/v1/payouts', { gateway: 'mocasa', payeeAccountNo: accountNo, amountMinor, currency: 'PHP', purpose: 'merchant settlement' }, { 'idempotency-key': key });
    const payoutEvents = (id: string) => h.store.readStream(`payout-${id}`);
    /**
     * Mocasa's payout notice races the transfer's own answer, so where it lands in the stream varies:
     * the sequences below leave it out, and `noticesOf` checks it apart.
     */
    const payoutTypes = async (id: string) => (await payoutEvents(id)).map((e) => e.type).filter((t) => t !== 'GatewayWebhookReceived');
    const noticesOf = async (id: string) => (await payoutEvents(id)).filter((e) => e.type === 'GatewayWebhookReceived').map((e) => e.data as { accepted: boolean; duplicate: boolean; subject: string });
    const payoutWebhooks = (serial: string) => h.sandbox.sandbox.log.list({ gateway: 'mocasa', direction: 'out', path: '/webhooks/mocasa' }).filter((r) => (r.body as { orderNo?: string }).orderNo === serial);

    it('beneficiary → transfer → transfer read: paid out once, the identity recorded masked, the payout notice taken', async () => {
      const registered = await register();
      expect(registered).toMatchObject({ id: expect.stringMatching(/^ben_/), gateway: 'mocasa', accountNo: expect.any(String), status: 'active' });
      const beneficiaryStream = await h.store.readStream(`beneficiary-${registered.id}`);
      expect(beneficiaryStream.map((e) => e.type)).toEqual([...CALL, 'PayoutBeneficiaryRegistered']);
      expect(JSON.stringify(beneficiaryStream[0].data)).not.toContain('123-456-789');

      const transfersBefore = calls('payout/transfer/initiate');
      const created = await payout(registered.accountNo);
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ id: expect.stringMatching(/^po_/), gateway: 'mocasa', amountMinor: '50000', currency: 'PHP', status: 'succeeded', gatewayStatus: 'success' });
      expect(calls('payout/transfer/initiate')).toBe(transfersBefore + 1);
      expect(await payoutTypes(created.body.id)).toEqual(['PayoutRequested', ...CALL, 'PayoutTransferred']);

      // Mocasa's signed payout notice is recorded on the payout and answered 200 (a refusal counts against the endpoint).
      const delivered = await eventually(async () => payoutWebhooks(created.body.reference), (d) => d.length > 0 && d[0].status !== undefined);
      expect(delivered.map((d) => d.status)).toEqual([200]);
      expect(await eventually(() => noticesOf(created.body.id), (n) => n.length > 0)).toEqual([expect.objectContaining({ accepted: true, duplicate: false, subject: 'payout' })]);

      const queries = calls('payout/transfer/query');
      const read = await h.call('GET', `/v1/payouts/${created.body.id}`);
      expect(read.status).toBe(200);
      expect(read.body).toMatchObject({ id: created.body.id, status: 'succeeded', reference: created.body.reference });
      // A settled payout is answered from its stream: nothing more is asked or appended.
      expect(await payoutTypes(created.body.id)).toEqual(['PayoutRequested', ...CALL, 'PayoutTransferred']);
      expect(calls('payout/transfer/query')).toBe(queries);
    });

    it('the same Idempotency-Key and body: the same payout again and no second transfer; another body is 409', async () => {
      const { accountNo } = await register();
      const key = idempotencyKey();
      const first = await payout(accountNo, key);
      const transfers = calls('payout/transfer/initiate');
      const again = await payout(accountNo, key);
      expect(again.status).toBe(first.status);
      expect(again.body).toEqual(first.body);
      expect(calls('payout/transfer/initiate')).toBe(transfers);
      expect(await payoutTypes(first.body.id)).toEqual(['PayoutRequested', ...CALL, 'PayoutTransferred']);
      const other = await payout(accountNo, key, '60000');
      expect(other.status).toBe(409);
      expect(other.body.error.code).toBe('REQUEST.IDEMPOTENCY_MISMATCH');
    });

    it('a transfer whose reply is lost (and cannot be looked up yet) is unknown; GET looks it up by its serial and settles it', async () => {
      const { accountNo } = await register();
      // Mocasa makes the transfer but its answer never arrives; the three recovery look-ups fail too.
      await fault('payout/transfer/initiate', 'commit-then-timeout', 1, { delayMs: 5000 });
      await fault('payout/transfer/query', '5xx', 3);
      let created;
      try {
        created = await payout(accountNo);
      } finally {
        h.sandbox.sandbox.contexts.mocasa!.faults.reset();
      }
      expect(created.status).toBe(201);
      expect(created.body.status).toBe('unknown');
      const lost = await payoutTypes(created.body.id);
      expect(lost).toEqual(['PayoutRequested', 'GatewayRequestSent', 'GatewayRequestFailed', ...CALL, ...CALL, ...CALL, 'PayoutOutcomeUnknown']);

      const read = await h.call('GET', `/v1/payouts/${created.body.id}`);
      expect(read.body).toMatchObject({ status: 'succeeded', gatewayStatus: 'success' });
      expect((await payoutTypes(created.body.id)).slice(lost.length)).toEqual([...CALL, 'PayoutTransferred']);
      const transfers = (await h.sandbox.control('GET', '/mocasa/state')).body.state.transfers.filter((t: { transferSerialNo: string }) => t.transferSerialNo === created.body.reference);
      expect(transfers).toHaveLength(1);
    });

    it('Mocasa\'s payout notice repeated after a lost reply is recorded as a duplicate and taken as news: the transfer query behind its answer settles it', async () => {
      const { accountNo } = await register();
      await fault('payout/transfer/initiate', 'commit-then-timeout', 1, { delayMs: 5000 });
      await fault('payout/transfer/query', '5xx', 3);
      let created;
      try {
        created = await payout(accountNo);
      } finally {
        h.sandbox.sandbox.contexts.mocasa!.faults.reset();
      }
      expect(created.body.status).toBe('unknown');
      const serial = created.body.reference;
      // The first notice came while the transfer call was still out; Mocasa sends it again (here: the
      // sandbox's own signed notice, repeated) after the payout went unknown.
      const original = (await eventually(async () => payoutWebhooks(serial), (d) => d.length > 0 && d[0].status !== undefined))[0];
      expect(original.status).toBe(200);
      const repeated = await fetch(`${h.url}/webhooks/mocasa`, { method: 'POST', headers: original.headers, body: JSON.stringify(original.body) });
      expect(repeated.status).toBe(200);
      expect(await repeated.json()).toEqual({ received: true, duplicate: true });
      const types = await eventually(() => payoutTypes(created.body.id), (t) => t.includes('PayoutTransferred'));
      expect(types.slice(-3)).toEqual([...CALL, 'PayoutTransferred']);
      expect((await noticesOf(created.body.id)).map((n) => [n.accepted, n.duplicate])).toEqual([
        [true, false],
        [true, true],
      ]);
      expect((await h.call('GET', `/v1/payouts/${created.body.id}`)).body.status).toBe('succeeded');
    });
  });
});
