import { followToPayledger, idempotencyKey, nextOrderId, openRedirect, PayledgerHarness, startPayledger } from '../support/payledger';

/**
 * MIS Pay end to end through the merchant API: token → start-checkout → the buyer on MIS Pay's page →
 * the encrypted callback → compare and end checkout; the webhook; partial and full refunds; order id
 * updates. Webhooks are switched off in the sandbox except where a test is about them, so each
 * stream's order of events is the one the test names.
 */
describe('MIS Pay through the merchant API', () => {
  let h: PayledgerHarness;
  beforeAll(async () => {
    h = await startPayledger();
    await webhooks(false);
  });
  afterAll(() => h?.close());

  /** 2 × 100.00 + 30.00 VAT − 10.00 discount = 220.00 SAR. */
  const body = (orderId = nextOrderId('MP')) => ({
    gateway: 'mispay',
    orderId,
    amountMinor: '22000',
    currency: 'SAR',
    returnUrl: 'https://shop.example/paid',
    customer: { mobile: '0512345678', firstName: 'Sara' },
    items: [{ sku: 'KETTLE-1', name: 'Kettle', quantity: 2, unitAmountMinor: '10000' }],
    breakdown: { shippingMinor: '0', vatMinor: '3000', discountMinor: '1000' },
  });
  const create = async (request: Record<string, unknown> = body()) => {
    const created = await h.call('POST', '/v1/payments', request, { 'idempotency-key': idempotencyKey() });
    expect(created.status).toBe(201);
    return created.body;
  };
  /** MIS Pay's start-checkout takes the scenario, so it is queued for the next checkout, before the create. */
  const nextCheckout = async (outcome: string, options: Record<string, unknown> = {}) => {
    const reply = await h.sandbox.control('POST', '/mispay/scenarios', { outcome, ...options });
    expect(reply.status).toBe(201);
  };
  const fault = async (endpoint: string, kind: string, count: number, delayMs?: number) => {
    const reply = await h.sandbox.control('POST', '/mispay/faults', { endpoint, kind, count, delayMs });
    expect(reply.status).toBe(201);
  };
  async function webhooks(on: boolean): Promise<void> {
    await h.sandbox.control('POST', '/mispay/options', { webhookUrl: on ? `${h.url}/webhooks/mispay` : '' });
  }
  /** The buyer opens MIS Pay's page and presses a button on it; answers the page's reply (a 302 back to us once finished). */
  const press = async (redirect: { method: string; url: string }, action: 'approve' | 'cancel' | 'abandon') => {
    const page = await openRedirect(redirect);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain(`value="${action}"`);
    return fetch(redirect.url, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ action }).toString() });
  };
  const gatewayCalls = (pathEnd: RegExp, method = 'PUT') => h.sandbox.sandbox.log.list({ gateway: 'mispay', direction: 'in' }).filter((r) => r.method === method && pathEnd.test(r.path)).length;
  const endCalls = (checkoutId: string) => gatewayCalls(new RegExp(`/checkout/${checkoutId}/end$`));
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
  /** A webhook is confirmed behind its answer: wait (bounded) until the payment leaves `from`. */
  const settledFrom = async (paymentId: string, from: string) => {
    const read = async () => ({ payment: (await h.call('GET', `/v1/payments/${paymentId}`)).body, types: await h.types(paymentId) });
    return (await eventually(read, ({ payment, types }) => payment.status !== from && types.at(-1) !== 'PaymentConfirmationStarted')).payment;
  };
  const paid = async () => {
    const created = await create();
    const back = await followToPayledger(await press(created.redirect, 'approve'));
    expect(resultOf(back).status).toBe('succeeded');
    return created;
  };

  const CREATED = ['PaymentInitiated', 'PaymentAttemptStarted', 'GatewayRequestSent', 'GatewayResponseReceived', 'PaymentAttemptCreated'];
  const CALL = ['GatewayRequestSent', 'GatewayResponseReceived'];
  const RETURNED = ['GatewayCallbackReceived', 'PaymentConfirmationStarted'];

  it('token → start-checkout → Approve on the page → encrypted callback → get checkout + end → succeeded at the returnUrl', async () => {
    const created = await create();
    expect(created).toMatchObject({ status: 'awaiting_buyer', gateway: 'mispay', amountMinor: '22000', currency: 'SAR', redirect: { method: 'GET' } });
    expect(created.attempts[0].refs.trackId).toEqual(expect.any(String));
    // The token is MIS Pay's session, not the payment's: recorded on the session stream, without the secret or the JWT.
    expect(h.sandbox.sandbox.log.list({ gateway: 'mispay', direction: 'in', path: '/token' }).length).toBeGreaterThanOrEqual(1);
    const session = await h.store.readStream('gateway-session-mispay');
    expect(session.map((e) => e.type)).toContain('GatewayTokenIssued');
    expect(JSON.stringify(session.map((e) => e.data))).not.toContain(h.config.gateways.mispay.appSecret);

    const page = await press(created.redirect, 'approve');
    expect(page.status).toBe(302);
    const callback = new URL(page.headers.get('location')!);
    expect(`${callback.origin}${callback.pathname}`).toBe(`${h.url}/callbacks/mispay`);
    expect(callback.searchParams.get('_')).toEqual(expect.any(String));
    const back = await fetch(callback, { redirect: 'manual' });
    expect(resultOf(back)).toEqual({ target: 'https://shop.example/paid', paymentId: created.id, status: 'succeeded' });

    const payment = (await h.call('GET', `/v1/payments/${created.id}`)).body;
    expect(payment).toMatchObject({ status: 'succeeded', capturedMinor: '22000', refundedMinor: '0' });
    const { checkoutId, transactionId } = payment.attempts[0].refs;
    expect(transactionId).toEqual(expect.any(String));
    expect(endCalls(checkoutId)).toBe(1);
    expect(await h.types(created.id)).toEqual([...CREATED, ...RETURNED, ...CALL, ...CALL, 'PaymentAttemptChecked', 'PaymentSucceeded']);
    const events = await h.events(created.id);
    expect(events.filter((e) => e.type === 'GatewayRequestSent').map((e) => (e.data as { operation: string }).operation)).toEqual(['start-checkout', 'get-checkout', 'end-checkout']);
    expect(events.find((e) => e.type === 'GatewayCallbackReceived')!.data).toMatchObject({ kind: 'return', accepted: true, duplicate: false, authenticity: 'verified' });
  });

  it('Cancel on the page: the authenticated MP02 callback ends the payment canceled by the buyer, with no further call to MIS Pay', async () => {
    const created = await create();
    const back = await followToPayledger(await press(created.redirect, 'cancel'));
    expect(resultOf(back).status).toBe('canceled');
    expect(await h.types(created.id)).toEqual([...CREATED, ...RETURNED, 'PaymentAttemptChecked', 'PaymentCanceled']);
    const canceled = (await h.events(created.id)).at(-1)!;
    expect(canceled.data).toMatchObject({ by: 'buyer', trigger: 'return' });
  });

  it('a failed checkout (MP01) ends the payment failed', async () => {
    await nextCheckout('fail');
    const created = await create();
    const back = await followToPayledger(await openRedirect(created.redirect));
    expect(resultOf(back).status).toBe('failed');
    expect(await h.types(created.id)).toEqual([...CREATED, ...RETURNED, 'PaymentAttemptChecked', 'PaymentFailed']);
    expect((await h.call('GET', `/v1/payments/${created.id}`)).body).toMatchObject({ status: 'failed', capturedMinor: '0' });
  });

  it('a checkout for another amount never succeeds: PaymentAmountMismatched, status unknown, end never called', async () => {
    await nextCheckout('pay', { wrongAmount: 100 });
    const created = await create();
    const back = await followToPayledger(await openRedirect(created.redirect));
    expect(resultOf(back).status).toBe('unknown');
    const types = await h.types(created.id);
    expect(types).toEqual([...CREATED, ...RETURNED, ...CALL, 'PaymentAttemptChecked', 'PaymentAmountMismatched']);
    const mismatch = (await h.events(created.id)).at(-1)!;
    expect(mismatch.data).toMatchObject({ expectedMinor: '22000', reportedMinor: '22100', currency: 'SAR' });
    const payment = (await h.call('GET', `/v1/payments/${created.id}`)).body;
    expect(payment).toMatchObject({ status: 'unknown', review: 'PAYMENT.AMOUNT_MISMATCH', capturedMinor: '0' });
    expect(endCalls(payment.attempts[0].refs.checkoutId)).toBe(0);
  });

  it('a duplicate return (the page reloaded) is recorded as such, answered like the first, and ends nothing again', async () => {
    await nextCheckout('pay');
    const created = await create();
    const page = await openRedirect(created.redirect);
    const callbackUrl = page.headers.get('location')!;
    const first = await fetch(callbackUrl, { redirect: 'manual' });
    // A reload of MIS Pay's finished page sends the browser back again, with a freshly encrypted value.
    const reload = await openRedirect(created.redirect);
    expect(reload.status).toBe(302);
    const second = await fetch(reload.headers.get('location')!, { redirect: 'manual' });
    expect(resultOf(second)).toEqual(resultOf(first));
    expect(resultOf(first).status).toBe('succeeded');
    const payment = (await h.call('GET', `/v1/payments/${created.id}`)).body;
    expect(endCalls(payment.attempts[0].refs.checkoutId)).toBe(1);
    const events = await h.events(created.id);
    expect(events.map((e) => e.type)).toEqual([...CREATED, ...RETURNED, ...CALL, ...CALL, 'PaymentAttemptChecked', 'PaymentSucceeded', 'GatewayCallbackReceived']);
    expect(events.filter((e) => e.type === 'GatewayCallbackReceived').map((e) => (e.data as { duplicate: boolean }).duplicate)).toEqual([false, true]);
  });

  it('a forged callback (ciphertext that fails its GCM tag) is 400, recorded as rejected on inbound-mispay; the payment is unchanged', async () => {
    await nextCheckout('pay', { corrupt: true });
    const created = await create();
    const before = await h.types(created.id);
    const page = await openRedirect(created.redirect);
    const response = await followToPayledger(page);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('CALLBACK.INVALID');
    const inbound = await h.store.readStream('inbound-mispay');
    expect(inbound.at(-1)).toMatchObject({ type: 'GatewayCallbackReceived', data: { accepted: false, authenticity: 'forged', rejectionCode: 'CALLBACK.INVALID' } });
    expect(await h.types(created.id)).toEqual(before);
    expect((await h.call('GET', `/v1/payments/${created.id}`)).body.status).toBe('awaiting_buyer');
  });

  it('a forged webhook (not our appId) is 401 CALLBACK.SOURCE_REFUSED, recorded as rejected; the payment is unchanged', async () => {
    const created = await create();
    const before = await h.types(created.id);
    const response = await fetch(`${h.url}/webhooks/mispay`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ orderId: created.attempts[0].reference, checkoutId: 'forged-checkout', code: 'MP00', appId: 'someone-else' }),
    });
    expect(response.status).toBe(401);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('CALLBACK.SOURCE_REFUSED');
    const inbound = await h.store.readStream('inbound-mispay');
    expect(inbound.at(-1)).toMatchObject({ type: 'GatewayWebhookReceived', data: { accepted: false, rejectionCode: 'CALLBACK.SOURCE_REFUSED' } });
    expect(await h.types(created.id)).toEqual(before);
    expect((await h.call('GET', `/v1/payments/${created.id}`)).body.status).toBe('awaiting_buyer');
  });

  it('the webhook alone (the buyer never came back): recorded, answered 200 at once, then track → get checkout → end → succeeded', async () => {
    await webhooks(true);
    try {
      await nextCheckout('pay', { callbackDrop: true });
      const created = await create();
      const page = await openRedirect(created.redirect);
      expect(page.status).toBe(200);
      await page.text();
      const payment = await settledFrom(created.id, 'awaiting_buyer');
      expect(payment.status).toBe('succeeded');
      expect(endCalls(payment.attempts[0].refs.checkoutId)).toBe(1);
      const events = await h.events(created.id);
      expect(events.map((e) => e.type)).toEqual([...CREATED, 'GatewayWebhookReceived', 'PaymentConfirmationStarted', ...CALL, ...CALL, ...CALL, 'PaymentAttemptChecked', 'PaymentSucceeded']);
      expect(events.filter((e) => e.type === 'GatewayRequestSent').map((e) => (e.data as { operation: string }).operation)).toEqual(['start-checkout', 'track-checkout', 'get-checkout', 'end-checkout']);
      expect(events.find((e) => e.type === 'GatewayWebhookReceived')!.data).toMatchObject({ kind: 'webhook', accepted: true, duplicate: false });
    } finally {
      await webhooks(false);
    }
  });

  it('the callback and the webhook arriving together: both recorded, one end at MIS Pay, one PaymentSucceeded', async () => {
    await webhooks(true);
    try {
      await nextCheckout('pay');
      const created = await create();
      const back = await followToPayledger(await openRedirect(created.redirect));
      expect(resultOf(back).status).toBe('succeeded');
      const types = await eventually(() => h.types(created.id), (t) => t.includes('GatewayWebhookReceived') && t.at(-1) !== 'PaymentConfirmationStarted');
      const count = (type: string) => types.filter((t) => t === type).length;
      expect([count('GatewayCallbackReceived'), count('GatewayWebhookReceived'), count('PaymentConfirmationStarted'), count('PaymentSucceeded')]).toEqual([1, 1, 1, 1]);
      expect(types.slice(0, CREATED.length)).toEqual(CREATED);
      const payment = (await h.call('GET', `/v1/payments/${created.id}`)).body;
      expect(payment.status).toBe('succeeded');
      expect(endCalls(payment.attempts[0].refs.checkoutId)).toBe(1);
    } finally {
      await webhooks(false);
    }
  });

  it('an end-checkout that times out leaves the payment authorized (approved, not yet ended) — never failed — and readable', async () => {
    await nextCheckout('pay');
    const created = await create();
    // One try and the three D6 retries all get no answer within the adapter's timeout.
    await fault('end', 'timeout', 4, 5000);
    try {
      const back = await followToPayledger(await openRedirect(created.redirect));
      expect(resultOf(back).status).toBe('authorized');
    } finally {
      h.sandbox.sandbox.contexts.mispay!.faults.reset();
    }
    const types = await h.types(created.id);
    expect(types).toEqual([...CREATED, ...RETURNED, ...CALL, 'GatewayRequestSent', 'GatewayRequestFailed', 'GatewayRequestSent', 'GatewayRequestFailed', 'GatewayRequestSent', 'GatewayRequestFailed', 'GatewayRequestSent', 'GatewayRequestFailed', 'PaymentAttemptChecked', 'PaymentAuthorized']);
    expect(types).not.toContain('PaymentFailed');
    const payment = await h.call('GET', `/v1/payments/${created.id}`);
    expect(payment.status).toBe(200);
    expect(payment.body).toMatchObject({ status: 'authorized', capturedMinor: '0' });
  });

  it('a get-checkout that times out during confirm leaves the payment unknown (not failed) and readable', async () => {
    await nextCheckout('pay');
    const created = await create();
    await fault('checkout', 'timeout', 1, 10_000);
    try {
      const back = await followToPayledger(await openRedirect(created.redirect));
      expect(resultOf(back).status).toBe('unknown');
    } finally {
      h.sandbox.sandbox.contexts.mispay!.faults.reset();
    }
    const types = await h.types(created.id);
    expect(types).toEqual([...CREATED, ...RETURNED, 'GatewayRequestSent', 'GatewayRequestFailed', 'PaymentAttemptChecked', 'PaymentOutcomeUnknown']);
    const payment = await h.call('GET', `/v1/payments/${created.id}`);
    expect(payment.status).toBe(200);
    expect(payment.body).toMatchObject({ status: 'unknown', capturedMinor: '0' });
  });

  describe('refunds', () => {
    const refund = (paymentId: string, request: Record<string, unknown>) => h.call('POST', `/v1/payments/${paymentId}/refunds`, request, { 'idempotency-key': idempotencyKey() });
    const refundCalls = () => gatewayCalls(/\/refund$/, 'POST');

    it('partial then full: partially_refunded, then refunded; more than remains is 409 and sends nothing', async () => {
      const created = await paid();
      const settled = (await h.types(created.id)).length;

      const partial = await refund(created.id, { amountMinor: '5000', reason: 'one kettle dented' });
      expect(partial.status).toBe(201);
      expect(partial.body).toMatchObject({ paymentId: created.id, amountMinor: '5000', currency: 'SAR', status: 'succeeded', gatewayRefundRef: expect.any(String) });
      expect((await h.call('GET', `/v1/payments/${created.id}`)).body).toMatchObject({ status: 'partially_refunded', capturedMinor: '22000', refundedMinor: '5000' });

      const callsBefore = refundCalls();
      const tooMuch = await refund(created.id, { amountMinor: '17001' });
      expect(tooMuch.status).toBe(409);
      expect(tooMuch.body.error.code).toBe('REFUND.EXCEEDS_REMAINING');
      expect(refundCalls()).toBe(callsBefore);

      const rest = await refund(created.id, {});
      expect(rest.status).toBe(201);
      expect(rest.body).toMatchObject({ amountMinor: '17000', status: 'succeeded' });
      expect((await h.call('GET', `/v1/payments/${created.id}`)).body).toMatchObject({ status: 'refunded', refundedMinor: '22000' });
      expect(refundCalls()).toBe(callsBefore + 1);

      const refunds = (await h.types(created.id)).slice(settled);
      expect(refunds).toEqual(['RefundRequested', ...CALL, 'RefundSucceeded', 'RefundRequested', ...CALL, 'RefundSucceeded']);
      const events = await h.events(created.id);
      expect(events.filter((e) => e.type === 'RefundSucceeded').map((e) => (e.data as { amountMinor: string }).amountMinor)).toEqual(['5000', '17000']);
    });

    it('MIS Pay\'s MP03 refund notice is recorded and books nothing on its own word', async () => {
      const created = await paid();
      await webhooks(true);
      try {
        const partial = await refund(created.id, { amountMinor: '2000' });
        expect(partial.body.status).toBe('succeeded');
        const types = await eventually(() => h.types(created.id), (t) => t.includes('GatewayWebhookReceived'));
        expect(types.filter((t) => t !== 'GatewayWebhookReceived').slice(-4)).toEqual(['RefundRequested', ...CALL, 'RefundSucceeded']);
        const notice = (await h.events(created.id)).find((e) => e.type === 'GatewayWebhookReceived')!;
        expect(notice.data).toMatchObject({ accepted: true, subject: 'refund', duplicate: false });
        expect((await h.call('GET', `/v1/payments/${created.id}`)).body).toMatchObject({ status: 'partially_refunded', refundedMinor: '2000' });
        expect(types.filter((t) => t === 'RefundSucceeded')).toHaveLength(1);
      } finally {
        await webhooks(false);
      }
    });

    it('nothing can be refunded from an unpaid payment (409 PAYMENT.NOT_PAID), and nothing is appended', async () => {
      const created = await create();
      const before = await h.types(created.id);
      const response = await refund(created.id, { amountMinor: '100' });
      expect(response.status).toBe(409);
      expect(response.body.error.code).toBe('PAYMENT.NOT_PAID');
      expect(await h.types(created.id)).toEqual(before);
    });
  });

  describe('update order id', () => {
    it('renames the order at MIS Pay and here; the new id finds the payment, the old one no longer does; a refund still works', async () => {
      const created = await paid();
      const oldOrderId = created.orderId;
      const settled = (await h.types(created.id)).length;
      const newOrderId = nextOrderId('MPB');
      const updated = await h.call('PATCH', `/v1/payments/${created.id}/order-id`, { orderId: newOrderId });
      expect(updated).toMatchObject({ status: 200, body: { id: created.id, orderId: newOrderId, status: 'succeeded' } });
      expect((await h.types(created.id)).slice(settled)).toEqual([...CALL, 'PaymentOrderIdUpdated']);
      // MIS Pay now knows the checkout by the new id: the attempt keeps it, so the refund below names it.
      expect((await h.events(created.id)).at(-1)!.data).toMatchObject({ previousOrderId: oldOrderId, orderId: newOrderId, reference: created.attempts[0].reference, refs: { orderId: newOrderId } });
      expect(updated.body.attempts[0].refs.orderId).toBe(newOrderId);
      const checkoutId = updated.body.attempts[0].refs.checkoutId;
      const state = (await h.sandbox.control('GET', '/mispay/state')).body.state;
      expect(state.checkouts.find((c: { checkoutId?: string }) => c.checkoutId === checkoutId).orderId).toBe(newOrderId);

      const found = await h.call('GET', `/v1/payments?orderId=${newOrderId}`);
      expect(found.body.data.map((p: { id: string }) => p.id)).toEqual([created.id]);
      expect((await h.call('GET', `/v1/payments?orderId=${oldOrderId}`)).body.data).toEqual([]);

      const refund = await h.call('POST', `/v1/payments/${created.id}/refunds`, { amountMinor: '1000' }, { 'idempotency-key': idempotencyKey() });
      expect(refund.status).toBe(201);
      expect(refund.body.status).toBe('succeeded');
      expect((await h.types(created.id)).slice(-4)).toEqual(['RefundRequested', ...CALL, 'RefundSucceeded']);
      const sent = (await h.events(created.id)).filter((e) => e.type === 'GatewayRequestSent').at(-1)!;
      expect(sent.data).toMatchObject({ operation: 'refund', body: expect.objectContaining({ orderId: newOrderId, purchaseId: checkoutId }) });
    });

    it('an unpaid payment cannot be renamed (409 PAYMENT.NOT_PAID), nothing sent or appended', async () => {
      const created = await create();
      const before = await h.types(created.id);
      const calls = gatewayCalls(/\/order-id$/);
      const response = await h.call('PATCH', `/v1/payments/${created.id}/order-id`, { orderId: nextOrderId('MPB') });
      expect(response.status).toBe(409);
      expect(response.body.error.code).toBe('PAYMENT.NOT_PAID');
      expect(gatewayCalls(/\/order-id$/)).toBe(calls);
      expect(await h.types(created.id)).toEqual(before);
    });
  });

  describe('validation before any gateway call', () => {
    const sandboxRequests = () => h.sandbox.sandbox.log.list({ gateway: 'mispay', direction: 'in' }).length;
    /** Nothing was stored either: no payment (so no PaymentInitiated) exists for the order. */
    const nothingStoredFor = async (orderId: string) => expect((await h.call('GET', `/v1/payments?orderId=${orderId}`)).body.data).toEqual([]);

    it('items and breakdown that do not add up to the amount: 400 REQUEST.INVALID naming amountMinor, and no request at MIS Pay', async () => {
      const before = sandboxRequests();
      const request = { ...body(), amountMinor: '21000' };
      const response = await h.call('POST', '/v1/payments', request, { 'idempotency-key': idempotencyKey() });
      expect(response.status).toBe(400);
      expect(response.body.error.code).toBe('REQUEST.INVALID');
      expect(response.body.error.details.fields).toEqual([expect.objectContaining({ field: 'amountMinor', code: 'breakdown_mismatch' })]);
      expect(sandboxRequests()).toBe(before);
      await nothingStoredFor(request.orderId);
    });

    it('no mobile and no items: both named at once, and no request at MIS Pay', async () => {
      const before = sandboxRequests();
      const { items: _items, ...withoutItems } = body();
      const response = await h.call('POST', '/v1/payments', { ...withoutItems, customer: { firstName: 'Sara' } }, { 'idempotency-key': idempotencyKey() });
      expect(response.status).toBe(400);
      expect(response.body.error.code).toBe('REQUEST.INVALID');
      expect(response.body.error.details.fields.map((f: { field: string }) => f.field).sort()).toEqual(['customer.mobile', 'items']);
      expect(sandboxRequests()).toBe(before);
      await nothingStoredFor(withoutItems.orderId);
    });
  });
});
