import { followToPayledger, idempotencyKey, nextOrderId, openRedirect, PayledgerHarness, startPayledger, TEST_KEYS } from '../support/payledger';

/**
 * Jibit end to end through the merchant API, plus the cross-cutting rules every gateway shares
 * (idempotency, auth, validation, concurrent returns), over HTTP against the sandbox.
 */
describe('Jibit through the merchant API', () => {
  let h: PayledgerHarness;
  beforeAll(async () => {
    h = await startPayledger();
  });
  afterAll(() => h?.close());

  const body = (orderId = nextOrderId()) => ({ gateway: 'jibit', orderId, amountMinor: '150000', currency: 'IRR', returnUrl: 'https://shop.example/paid?cart=7', customer: { id: 'cust-1', mobile: '09120000000' } });
  const create = async (orderId = nextOrderId()) => {
    const created = await h.call('POST', '/v1/payments', body(orderId), { 'idempotency-key': idempotencyKey() });
    expect(created.status).toBe(201);
    return created.body;
  };
  const scenario = async (reference: string, outcome: string, options: Record<string, unknown> = {}) => {
    const reply = await h.sandbox.control('POST', '/jibit/scenarios', { reference, outcome, ...options });
    expect(reply.status).toBe(201);
  };
  const verifyCalls = (orderIdentifier: string) => h.sandbox.sandbox.log.list({ gateway: 'jibit', direction: 'in' }).filter((r) => r.method === 'GET' && r.path.endsWith(`/orders/${orderIdentifier}/verify`)).length;
  const resultOf = (response: Response) => {
    expect(response.status).toBe(303);
    const location = new URL(response.headers.get('location')!);
    return { target: `${location.origin}${location.pathname}`, cart: location.searchParams.get('cart'), paymentId: location.searchParams.get('paymentId'), status: location.searchParams.get('status') };
  };

  const CREATED = ['PaymentInitiated', 'PaymentAttemptStarted', 'GatewayRequestSent', 'GatewayResponseReceived', 'PaymentAttemptCreated'];
  const VERIFY_AND_INQUIRY = ['GatewayRequestSent', 'GatewayResponseReceived', 'GatewayRequestSent', 'GatewayResponseReceived'];

  it('create → pay → callback → verify + inquiry → succeeded; the buyer lands on the returnUrl with paymentId and status', async () => {
    const created = await create();
    expect(created).toMatchObject({ status: 'awaiting_buyer', gateway: 'jibit', amountMinor: '150000', currency: 'IRR', redirect: { method: 'GET' } });
    const back = await followToPayledger(await openRedirect(created.redirect, 'pay'));
    expect(resultOf(back)).toEqual({ target: 'https://shop.example/paid', cart: '7', paymentId: created.id, status: 'succeeded' });
    const payment = await h.call('GET', `/v1/payments/${created.id}`);
    expect(payment.body).toMatchObject({ status: 'succeeded', capturedMinor: '150000', refundedMinor: '0' });
    expect(payment.body.attempts[0].refs.orderIdentifier).toEqual(expect.any(String));
    expect(await h.types(created.id)).toEqual([...CREATED, 'GatewayCallbackReceived', 'PaymentConfirmationStarted', ...VERIFY_AND_INQUIRY, 'PaymentAttemptChecked', 'PaymentSucceeded']);
    const succeeded = (await h.events(created.id)).find((e) => e.type === 'PaymentSucceeded')!;
    const callback = (await h.events(created.id)).find((e) => e.type === 'GatewayCallbackReceived')!;
    expect(succeeded.metadata.causationId).toBeDefined();
    expect(callback.data).toMatchObject({ accepted: true, duplicate: false, kind: 'return' });
  });

  it.each([
    ['cancel', 'failed'],
    ['fail', 'failed'],
  ])('a buyer who chooses %s at the page ends %s (Jibit knows no cancel), confirmed with the gateway', async (action, status) => {
    const created = await create();
    await scenario(created.attempts[0].reference, action);
    const back = await followToPayledger(await openRedirect(created.redirect));
    expect(resultOf(back).status).toBe(status);
    const types = await h.types(created.id);
    expect(types.slice(0, 7)).toEqual([...CREATED, 'GatewayCallbackReceived', 'PaymentConfirmationStarted']);
    expect(types.slice(-2)).toEqual(['PaymentAttemptChecked', 'PaymentFailed']);
    expect(types).not.toContain('PaymentSucceeded');
  });

  it('a wrong amount at the gateway never succeeds: PaymentAmountMismatched, status unknown, flagged for review', async () => {
    const created = await create();
    await scenario(created.attempts[0].reference, 'pay', { wrongAmount: 1000 });
    const back = await followToPayledger(await openRedirect(created.redirect));
    expect(resultOf(back).status).toBe('unknown');
    const types = await h.types(created.id);
    expect(types).not.toContain('PaymentSucceeded');
    expect(types.slice(-2)).toEqual(['PaymentAttemptChecked', 'PaymentAmountMismatched']);
    const payment = await h.call('GET', `/v1/payments/${created.id}`);
    expect(payment.body).toMatchObject({ status: 'unknown', review: 'PAYMENT.AMOUNT_MISMATCH', capturedMinor: '0' });
  });

  it('a duplicate return is recorded as such, answered like the first, and verifies nothing again', async () => {
    const created = await create();
    const page = await openRedirect(created.redirect, 'pay');
    const callbackUrl = page.headers.get('location')!;
    const first = await fetch(callbackUrl, { redirect: 'manual' });
    const second = await fetch(callbackUrl, { redirect: 'manual' });
    expect(resultOf(second)).toEqual(resultOf(first));
    expect(verifyCalls(created.attempts[0].refs.orderIdentifier)).toBe(1);
    const events = await h.events(created.id);
    const notices = events.filter((e) => e.type === 'GatewayCallbackReceived').map((e) => (e.data as { duplicate: boolean }).duplicate);
    expect(notices).toEqual([false, true]);
    expect(events.filter((e) => e.type === 'PaymentSucceeded')).toHaveLength(1);
    expect(events[events.length - 1].type).toBe('GatewayCallbackReceived');
  });

  it('20 concurrent duplicate returns: one verify at the gateway, one PaymentSucceeded, 20 recorded notices', async () => {
    const created = await create();
    const page = await openRedirect(created.redirect, 'pay');
    const callbackUrl = page.headers.get('location')!;
    const answers = await Promise.all(Array.from({ length: 20 }, () => fetch(callbackUrl, { redirect: 'manual' })));
    expect(answers.map((a) => resultOf(a).status)).toEqual(Array(20).fill('succeeded'));
    expect(verifyCalls(created.attempts[0].refs.orderIdentifier)).toBe(1);
    const types = await h.types(created.id);
    expect(types.filter((t) => t === 'PaymentSucceeded')).toHaveLength(1);
    expect(types.filter((t) => t === 'PaymentConfirmationStarted')).toHaveLength(1);
    expect(types.filter((t) => t === 'GatewayCallbackReceived')).toHaveLength(20);
  });

  it('a forged return naming no order of ours is 400 CALLBACK.UNKNOWN_REFERENCE, recorded on inbound-jibit', async () => {
    const response = await fetch(`${h.url}/callbacks/jibit?amount=150000&refnum=FORGED-123&state=SUCCESSFUL`, { redirect: 'manual' });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { code: string } };
    expect(body.error.code).toBe('CALLBACK.UNKNOWN_REFERENCE');
    const inbound = await h.store.readStream('inbound-jibit');
    expect(inbound.at(-1)).toMatchObject({ type: 'GatewayCallbackReceived', data: { accepted: false, rejectionCode: 'CALLBACK.UNKNOWN_REFERENCE' } });
  });

  it('a forged SUCCESSFUL return for a real unpaid order changes nothing: the verify says no', async () => {
    const created = await create();
    const forged = await fetch(`${h.url}/callbacks/jibit?amount=150000&refnum=${created.attempts[0].refs.orderIdentifier}&state=SUCCESSFUL`, { redirect: 'manual' });
    expect(resultOf(forged).status).toBe('awaiting_buyer');
    const types = await h.types(created.id);
    expect(types).not.toContain('PaymentSucceeded');
    expect(types.slice(-1)).toEqual(['PaymentAttemptChecked']);
    expect((await h.call('GET', `/v1/payments/${created.id}`)).body.status).toBe('awaiting_buyer');
  });

  it('a verify that times out leaves the payment unknown (not failed) and still readable', async () => {
    const created = await create();
    await h.sandbox.control('POST', '/jibit/faults', { endpoint: 'orders-verify', kind: 'timeout', count: 10, delayMs: 5000 });
    try {
      const back = await followToPayledger(await openRedirect(created.redirect, 'pay'));
      expect(resultOf(back).status).toBe('unknown');
    } finally {
      h.sandbox.sandbox.contexts.jibit!.faults.reset();
    }
    const types = await h.types(created.id);
    expect(types).toContain('GatewayRequestFailed');
    expect(types.slice(-2)).toEqual(['PaymentAttemptChecked', 'PaymentOutcomeUnknown']);
    expect((await h.call('GET', `/v1/payments/${created.id}`)).body.status).toBe('unknown');
  });

  it('refunds are 422 GATEWAY.UNSUPPORTED at Jibit and append nothing', async () => {
    const created = await create();
    await followToPayledger(await openRedirect(created.redirect, 'pay'));
    const before = (await h.types(created.id)).length;
    const refund = await h.call('POST', `/v1/payments/${created.id}/refunds`, {}, { 'idempotency-key': idempotencyKey() });
    expect(refund.status).toBe(422);
    expect(refund.body.error.code).toBe('GATEWAY.UNSUPPORTED');
    expect(await h.types(created.id)).toHaveLength(before);
  });

  it('cancel of an unpaid payment is local; of a paid one 409', async () => {
    const open = await create();
    const canceled = await h.call('POST', `/v1/payments/${open.id}/cancel`, {});
    expect(canceled.status).toBe(200);
    expect(canceled.body.status).toBe('canceled');
    expect((await h.types(open.id)).at(-1)).toBe('PaymentCanceled');
    const paid = await create();
    await followToPayledger(await openRedirect(paid.redirect, 'pay'));
    const refused = await h.call('POST', `/v1/payments/${paid.id}/cancel`, {});
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('PAYMENT.ALREADY_FINAL');
  });

  describe('idempotency', () => {
    it('same key and body → the first answer again and no second gateway call; another body → 409', async () => {
      const key = idempotencyKey();
      const request = body();
      const creates = () => h.sandbox.sandbox.log.list({ gateway: 'jibit', direction: 'in' }).filter((r) => r.method === 'POST' && r.path.endsWith('/orders')).length;
      const first = await h.call('POST', '/v1/payments', request, { 'idempotency-key': key });
      const callsAfterFirst = creates();
      const again = await h.call('POST', '/v1/payments', { ...request, customer: { mobile: '09120000000', id: 'cust-1' } }, { 'idempotency-key': key });
      expect(again.status).toBe(first.status);
      expect(again.body).toEqual(first.body);
      expect(creates()).toBe(callsAfterFirst);
      const other = await h.call('POST', '/v1/payments', { ...request, amountMinor: '160000' }, { 'idempotency-key': key });
      expect(other.status).toBe(409);
      expect(other.body.error.code).toBe('REQUEST.IDEMPOTENCY_MISMATCH');
      expect((await h.call('GET', `/v1/payments?orderId=${request.orderId}`)).body.data).toHaveLength(1);
    });

    it('a create without an Idempotency-Key is refused before anything happens', async () => {
      const response = await h.call('POST', '/v1/payments', body());
      expect(response.status).toBe(400);
      expect(response.body.error.code).toBe('REQUEST.IDEMPOTENCY_KEY_REQUIRED');
    });

    it('a second payment for the same order id is 409 PAYMENT.ORDER_ID_TAKEN', async () => {
      const orderId = nextOrderId();
      await create(orderId);
      const second = await h.call('POST', '/v1/payments', body(orderId), { 'idempotency-key': idempotencyKey() });
      expect(second.status).toBe(409);
      expect(second.body.error.code).toBe('PAYMENT.ORDER_ID_TAKEN');
    });
  });

  describe('bad input', () => {
    it('validation lists every offending field and calls no gateway', async () => {
      const before = h.sandbox.sandbox.log.list({ gateway: 'jibit', direction: 'in' }).length;
      const response = await h.call('POST', '/v1/payments', { gateway: 'jibit', orderId: '', amountMinor: '12.5', currency: 'SAR', returnUrl: 'ftp://x', customer: {} }, { 'idempotency-key': idempotencyKey() });
      expect(response.status).toBe(400);
      expect(response.body.error.code).toBe('REQUEST.INVALID');
      const fields = response.body.error.details.fields.map((f: { field: string }) => f.field).sort();
      expect(fields).toEqual(['amountMinor', 'currency', 'customer', 'orderId', 'returnUrl']);
      expect(h.sandbox.sandbox.log.list({ gateway: 'jibit', direction: 'in' })).toHaveLength(before);
    });

    it('no key → 401; a finance key → 403; an unknown payment → 404', async () => {
      expect((await h.call('GET', '/v1/payments/pay_0000000000000000000000', undefined, { authorization: '' })).status).toBe(401);
      const forbidden = await h.call('GET', '/v1/payments/pay_0000000000000000000000', undefined, { authorization: `Bearer ${TEST_KEYS.finance}` });
      expect(forbidden.status).toBe(403);
      expect(forbidden.body.error.code).toBe('AUTH.FORBIDDEN');
      const missing = await h.call('GET', '/v1/payments/pay_0000000000000000000000');
      expect(missing.status).toBe(404);
      expect(missing.body.error.code).toBe('PAYMENT.NOT_FOUND');
    });

    it('the OpenAPI document lists the merchant endpoints', async () => {
      const response = await fetch(`${h.url}/docs-json`);
      const document = (await response.json()) as { paths: Record<string, unknown> };
      expect(Object.keys(document.paths)).toEqual(expect.arrayContaining(['/v1/payments', '/v1/payments/{id}', '/v1/payments/{id}/refunds', '/v1/payouts']));
    });
  });
});
