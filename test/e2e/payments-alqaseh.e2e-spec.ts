import { createHmac } from 'node:crypto';
import { SANDBOX_CREDENTIALS } from '@payledger/config';
import { CommandBus } from '@nestjs/cqrs';
import { CheckPaymentCommand } from '@payledger/payments';
import { TEST_CARD } from '../../apps/sandbox/src/alqaseh/alqaseh.cards';
import { followToPayledger, idempotencyKey, nextOrderId, PayledgerHarness, startPayledger } from '../support/payledger';

/**
 * Al Qaseh end to end through the merchant API: create → the buyer on the hosted page → the browser's
 * redirect (GET /callbacks/alqaseh) and the signed webhook (POST /webhooks/alqaseh) → retrieve of the
 * payment context, which alone decides; retry as a new attempt; revoke as cancel. The sandbox sends both
 * the redirect and the webhook; each test switches off the one it is not about, so the stream's order is
 * the one the test names.
 */
describe('Al Qaseh through the merchant API', () => {
  let h: PayledgerHarness;
  beforeAll(async () => {
    h = await startPayledger();
  });
  afterAll(() => h?.close());

  const AMOUNT_IQD = '25000';
  const body = (orderId = nextOrderId('AQ')) => ({ gateway: 'alqaseh', orderId, amountMinor: AMOUNT_IQD, currency: 'IQD', returnUrl: 'https://shop.example/paid?cart=5', customer: { email: 'buyer@example.iq' } });
  const create = async () => {
    const created = await h.call('POST', '/v1/payments', body(), { 'idempotency-key': idempotencyKey() });
    expect(created.status).toBe(201);
    return created.body;
  };
  const scenario = async (reference: string, outcome: string, options: Record<string, unknown> = {}) => {
    const reply = await h.sandbox.control('POST', '/alqaseh/scenarios', { reference, outcome, ...options });
    expect(reply.status).toBe(201);
  };
  /** The buyer on the hosted page with no automation: the page waits for the buyer; the webhook is off. */
  const byHand = (reference: string) => scenario(reference, 'manual', { webhook: { drop: true } });
  const openPage = (redirect: { url: string }) => fetch(redirect.url, { redirect: 'manual', headers: { accept: 'text/html' } });
  /** A form on the hosted page, submitted by the buyer: the card form, or one of the page's buttons. */
  const submitPage = async (redirect: { url: string }, fields: Record<string, string>) => {
    const page = await openPage(redirect);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain(`value="${fields.action}"`);
    return fetch(redirect.url, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() });
  };
  const payByCard = (redirect: { url: string }) => submitPage(redirect, { action: 'card', card_number: TEST_CARD.pan, cvv: TEST_CARD.cvv, expiry: `${TEST_CARD.expiryMonth}-${TEST_CARD.expiryYear}` });
  const retrieves = (gatewayPaymentId: string) =>
    h.sandbox.sandbox.log.list({ gateway: 'alqaseh', direction: 'in' }).filter((r) => r.method === 'GET' && r.path.endsWith(`/egw/payments/${gatewayPaymentId}`)).length;
  /** What payledger answered the sandbox's webhook deliveries for one order_id. */
  const webhookAnswers = (reference: string) =>
    h.sandbox.sandbox.log
      .list({ gateway: 'alqaseh', direction: 'out' })
      .filter((r) => r.path === '/webhooks/alqaseh' && (r.body as { order_id?: string }).order_id === reference)
      .map((r) => r.status);
  const resultOf = (response: Response) => {
    expect(response.status).toBe(303);
    const location = new URL(response.headers.get('location')!);
    return { target: `${location.origin}${location.pathname}`, cart: location.searchParams.get('cart'), paymentId: location.searchParams.get('paymentId'), status: location.searchParams.get('status') };
  };
  const payment = async (id: string) => (await h.call('GET', `/v1/payments/${id}`)).body;
  /** The error body payledger answers a refused notice with. */
  const errorOf = async (response: Response) => ((await response.json()) as { error: { code: string; message: string } }).error;
  /** Bounded wait for something the api does behind an answer (a webhook's confirmation). */
  const eventually = async <T>(what: string, read: () => Promise<T> | T, done: (value: T) => boolean): Promise<T> => {
    for (let round = 0; round < POLL_ROUNDS_MAX; round++) {
      const value = await read();
      if (done(value)) return value;
      await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
    }
    throw new Error(`gave up waiting for ${what}`);
  };
  const POLL_ROUNDS_MAX = 200;
  const POLL_INTERVAL_MS = 25;
  /** The merchant polls GET /v1/payments/:id until the payment leaves `from`. */
  const pollUntilNot = (id: string, from: string) => eventually(`payment ${id} to leave ${from}`, () => payment(id), (p) => p.status !== from);

  const CREATED = ['PaymentInitiated', 'PaymentAttemptStarted', 'GatewayRequestSent', 'GatewayResponseReceived', 'PaymentAttemptCreated'];
  const RETRIEVE = ['GatewayRequestSent', 'GatewayResponseReceived'];
  const ON_RETURN = ['GatewayCallbackReceived', 'PaymentConfirmationStarted', ...RETRIEVE, 'PaymentAttemptChecked'];
  const ON_WEBHOOK = ['GatewayWebhookReceived', 'PaymentConfirmationStarted', ...RETRIEVE, 'PaymentAttemptChecked'];

  it('create → hosted page → card → redirect → retrieve → succeeded; the buyer lands on the returnUrl', async () => {
    const created = await create();
    expect(created).toMatchObject({ status: 'awaiting_buyer', gateway: 'alqaseh', amountMinor: AMOUNT_IQD, currency: 'IQD', redirect: { method: 'GET' } });
    expect(created.redirect.url).toMatch(new RegExp(`^${h.sandbox.url}/alqaseh/pay/[A-Za-z0-9]+$`));
    const { paymentId: gatewayPaymentId } = created.attempts[0].refs;
    await byHand(created.attempts[0].reference);
    const back = await followToPayledger(await payByCard(created.redirect));
    expect(resultOf(back)).toEqual({ target: 'https://shop.example/paid', cart: '5', paymentId: created.id, status: 'succeeded' });
    expect(await payment(created.id)).toMatchObject({ status: 'succeeded', capturedMinor: AMOUNT_IQD });
    expect(await h.types(created.id)).toEqual([...CREATED, ...ON_RETURN, 'PaymentSucceeded']);
    expect(retrieves(gatewayPaymentId)).toBe(1);
    const callback = (await h.events(created.id)).find((e) => e.type === 'GatewayCallbackReceived')!;
    expect(callback.data).toMatchObject({ accepted: true, duplicate: false, kind: 'return' });
  });

  it('the signed webhook is answered 200 once recorded; the retrieve behind it settles the payment, seen by polling GET', async () => {
    const created = await create();
    const reference = created.attempts[0].reference;
    await scenario(reference, 'pay', { redirect: { drop: true } });
    // The retrieve is held a while, so the webhook's answer is seen to come before the confirmation ends.
    await h.sandbox.control('POST', '/alqaseh/faults', { endpoint: 'payment', kind: 'slow', count: 1, delayMs: 750 });
    const page = await openPage(created.redirect);
    expect(page.status).toBe(200);
    await eventually('the webhook answer', () => webhookAnswers(reference), (answers) => answers.length === 1);
    expect(webhookAnswers(reference)).toEqual([200]);
    expect(await h.types(created.id)).toEqual([...CREATED, 'GatewayWebhookReceived', 'PaymentConfirmationStarted']);
    expect((await pollUntilNot(created.id, 'awaiting_buyer')).status).toBe('succeeded');
    expect(await h.types(created.id)).toEqual([...CREATED, ...ON_WEBHOOK, 'PaymentSucceeded']);
    const webhook = (await h.events(created.id)).find((e) => e.type === 'GatewayWebhookReceived')!;
    expect(webhook.data).toMatchObject({ accepted: true, duplicate: false, kind: 'webhook', authenticity: 'verified' });
  });

  it('the redirect and the webhook racing for one payment: one retrieve, one PaymentSucceeded, both notices recorded', async () => {
    const created = await create();
    const reference = created.attempts[0].reference;
    // The sandbox's default: the browser's 302 and the webhook leave together.
    await scenario(reference, 'pay');
    const back = await followToPayledger(await openPage(created.redirect));
    expect(resultOf(back).status).toBe('succeeded');
    await eventually('the webhook answer', () => webhookAnswers(reference), (answers) => answers.length === 1);
    expect(webhookAnswers(reference)).toEqual([200]);
    const types = await eventually('both notices', () => h.types(created.id), (t) => t.includes('GatewayWebhookReceived') && t.includes('GatewayCallbackReceived'));
    expect(types.slice(0, CREATED.length)).toEqual(CREATED);
    expect(types.filter((t) => t === 'PaymentConfirmationStarted')).toHaveLength(1);
    expect(types.filter((t) => t === 'PaymentSucceeded')).toHaveLength(1);
    expect(retrieves(created.attempts[0].refs.paymentId)).toBe(1);
  });

  it.each([
    ['cancel', 'failed'],
    ['decline', 'failed'],
  ])('a buyer who presses %s on the page ends %s, as the retrieve says (Al Qaseh\'s Cancel is a failed context)', async (action, status) => {
    const created = await create();
    await byHand(created.attempts[0].reference);
    const back = await followToPayledger(await submitPage(created.redirect, { action }));
    expect(resultOf(back).status).toBe(status);
    expect(await h.types(created.id)).toEqual([...CREATED, ...ON_RETURN, 'PaymentFailed']);
    const checked = (await h.events(created.id)).find((e) => e.type === 'PaymentAttemptChecked')!;
    expect(checked.data).toMatchObject({ outcome: 'failed', gatewayStatus: action === 'decline' ? 'declined' : 'failed' });
  });

  it('a wrong amount in the payment context never succeeds: PaymentAmountMismatched, status unknown, flagged for review', async () => {
    const created = await create();
    await scenario(created.attempts[0].reference, 'pay', { wrongAmount: 1000, webhook: { drop: true } });
    const back = await followToPayledger(await openPage(created.redirect));
    expect(resultOf(back).status).toBe('unknown');
    expect(await h.types(created.id)).toEqual([...CREATED, ...ON_RETURN, 'PaymentAmountMismatched']);
    expect(await payment(created.id)).toMatchObject({ status: 'unknown', review: 'PAYMENT.AMOUNT_MISMATCH', capturedMinor: '0' });
  });

  it('a duplicate redirect is recorded as such, answered like the first, and retrieved once', async () => {
    const created = await create();
    await scenario(created.attempts[0].reference, 'pay', { webhook: { drop: true } });
    const page = await openPage(created.redirect);
    const location = page.headers.get('location')!;
    expect(location).toContain('/callbacks/alqaseh?');
    const first = await fetch(location, { redirect: 'manual' });
    const second = await fetch(location, { redirect: 'manual' });
    expect(resultOf(second)).toEqual(resultOf(first));
    expect(resultOf(first).status).toBe('succeeded');
    expect(retrieves(created.attempts[0].refs.paymentId)).toBe(1);
    const events = await h.events(created.id);
    expect(events.map((e) => e.type)).toEqual([...CREATED, ...ON_RETURN, 'PaymentSucceeded', 'GatewayCallbackReceived']);
    expect(events.filter((e) => e.type === 'GatewayCallbackReceived').map((e) => (e.data as { duplicate: boolean }).duplicate)).toEqual([false, true]);
  });

  it('a replayed webhook (same nonce) is acknowledged 200 as a duplicate and confirms nothing again', async () => {
    const created = await create();
    const reference = created.attempts[0].reference;
    await scenario(reference, 'pay', { redirect: { drop: true }, webhook: { repeat: 2 } });
    await openPage(created.redirect);
    await eventually('two webhook answers', () => webhookAnswers(reference), (answers) => answers.length === 2);
    expect(webhookAnswers(reference)).toEqual([200, 200]);
    expect((await pollUntilNot(created.id, 'awaiting_buyer')).status).toBe('succeeded');
    const events = await h.events(created.id);
    expect(events.filter((e) => e.type === 'GatewayWebhookReceived').map((e) => (e.data as { duplicate: boolean }).duplicate)).toEqual([false, true]);
    // The replay may land while the first webhook's retrieve is still running, or after it: either way it only adds itself.
    const replay = events.findIndex((e) => e.type === 'GatewayWebhookReceived' && (e.data as { duplicate: boolean }).duplicate);
    expect(events.filter((_, i) => i !== replay).map((e) => e.type)).toEqual([...CREATED, ...ON_WEBHOOK, 'PaymentSucceeded']);
    expect(retrieves(created.attempts[0].refs.paymentId)).toBe(1);
  });

  describe('forged notices', () => {
    const sign = (fields: Record<string, string>, secret: string) =>
      createHmac('sha256', secret)
        .update(['amount', 'currency', 'terminal_id', 'order_id', 'trtype', 'rc', 'approval', 'rrn', 'nonce', 'timestamp', 'payment_status'].map((k) => fields[k] ?? '').join('|'))
        .digest('hex');
    const postWebhook = (fields: Record<string, string>) =>
      fetch(`${h.url}/webhooks/alqaseh`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...fields, amount: Number(fields.amount) }) });

    it('a webhook with a wrong p_sign is 401 CALLBACK.SIGNATURE_INVALID, recorded as rejected on the payment, and changes nothing', async () => {
      const created = await create();
      const reference = created.attempts[0].reference;
      const claim = { amount: AMOUNT_IQD, currency: 'IQD', terminal_id: 'SBX00001', order_id: reference, trtype: 'Retail', rc: '00', approval: '123456', rrn: '503112345678', nonce: 'forged-1', timestamp: '20260301090000', payment_status: 'Success' };
      const response = await postWebhook({ ...claim, p_sign: sign(claim, 'not-the-webhook-secret') });
      expect(response.status).toBe(401);
      expect(await errorOf(response)).toMatchObject({ code: 'CALLBACK.SIGNATURE_INVALID', message: expect.any(String) });
      const unsigned = await postWebhook(claim);
      expect(unsigned.status).toBe(401);
      const events = await h.events(created.id);
      expect(events.map((e) => e.type)).toEqual([...CREATED, 'GatewayWebhookReceived', 'GatewayWebhookReceived']);
      for (const e of events.slice(-2)) expect(e.data).toMatchObject({ accepted: false, rejectionCode: 'CALLBACK.SIGNATURE_INVALID' });
      expect(retrieves(created.attempts[0].refs.paymentId)).toBe(0);
      expect((await payment(created.id)).status).toBe('awaiting_buyer');
      // The same claim signed with the real secret is believed only as far as the retrieve: still unpaid.
      const signed = await postWebhook({ ...claim, nonce: 'forged-2', p_sign: sign({ ...claim, nonce: 'forged-2' }, SANDBOX_CREDENTIALS.alqaseh.clientSecret) });
      expect(signed.status).toBe(200);
      await eventually('the retrieve', () => h.types(created.id), (types) => types.at(-1) === 'PaymentAttemptChecked');
      expect((await payment(created.id)).status).toBe('awaiting_buyer');
    });

    it('the sandbox\'s own badly signed webhook gets 401 and is recorded as rejected', async () => {
      const created = await create();
      const reference = created.attempts[0].reference;
      await scenario(reference, 'manual', { webhook: { badSignature: true }, redirect: { drop: true } });
      await submitPage(created.redirect, { action: 'decline' });
      await eventually('the webhook answer', () => webhookAnswers(reference), (answers) => answers.length === 1);
      expect(webhookAnswers(reference)).toEqual([401]);
      expect(await h.types(created.id)).toEqual([...CREATED, 'GatewayWebhookReceived']);
      expect((await h.events(created.id)).at(-1)!.data).toMatchObject({ accepted: false, rejectionCode: 'CALLBACK.SIGNATURE_INVALID' });
      expect((await payment(created.id)).status).toBe('awaiting_buyer');
    });

    it('a redirect claiming Success for an unpaid context is believed by nobody: the retrieve says prepared', async () => {
      const created = await create();
      const { paymentId: gatewayPaymentId } = created.attempts[0].refs;
      const forged = await fetch(`${h.url}/callbacks/alqaseh?payment_id=${gatewayPaymentId}&order_id=${created.attempts[0].reference}&status=Success`, { redirect: 'manual' });
      expect(resultOf(forged).status).toBe('awaiting_buyer');
      expect(await h.types(created.id)).toEqual([...CREATED, ...ON_RETURN]);
      const invalid = await fetch(`${h.url}/callbacks/alqaseh?status=Success`, { redirect: 'manual' });
      expect(invalid.status).toBe(400);
      expect((await errorOf(invalid)).code).toBe('CALLBACK.INVALID');
    });
  });

  it('a retrieve that times out leaves the payment unknown (not failed), and it stays readable', async () => {
    const created = await create();
    await scenario(created.attempts[0].reference, 'pay', { webhook: { drop: true } });
    // D15: the retrieve is tried four times; each try is held until the client gives up.
    await h.sandbox.control('POST', '/alqaseh/faults', { endpoint: 'payment', kind: 'timeout', count: 4, delayMs: 5_000 });
    try {
      const back = await followToPayledger(await openPage(created.redirect));
      expect(resultOf(back).status).toBe('unknown');
    } finally {
      h.sandbox.sandbox.contexts.alqaseh!.faults.reset();
    }
    const tries = Array.from({ length: 4 }, () => ['GatewayRequestSent', 'GatewayRequestFailed']).flat();
    expect(await h.types(created.id)).toEqual([...CREATED, 'GatewayCallbackReceived', 'PaymentConfirmationStarted', ...tries, 'PaymentAttemptChecked', 'PaymentOutcomeUnknown']);
    const read = await h.call('GET', `/v1/payments/${created.id}`);
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ status: 'unknown', capturedMinor: '0' });
  });

  it('refunds are 422 GATEWAY.UNSUPPORTED at Al Qaseh and append nothing', async () => {
    const created = await create();
    await scenario(created.attempts[0].reference, 'pay', { webhook: { drop: true } });
    await followToPayledger(await openPage(created.redirect));
    const before = await h.types(created.id);
    expect(before.at(-1)).toBe('PaymentSucceeded');
    const refund = await h.call('POST', `/v1/payments/${created.id}/refunds`, {}, { 'idempotency-key': idempotencyKey() });
    expect(refund.status).toBe(422);
    expect(refund.body.error.code).toBe('GATEWAY.UNSUPPORTED');
    expect(await h.types(created.id)).toEqual(before);
  });

  describe('retry', () => {
    it('after a decline: a new attempt with a new reference and a new context, which the buyer then pays', async () => {
      const created = await create();
      const first = created.attempts[0];
      await byHand(first.reference);
      expect(resultOf(await followToPayledger(await submitPage(created.redirect, { action: 'decline' }))).status).toBe('failed');
      const retried = await h.call('POST', `/v1/payments/${created.id}/retry`);
      expect(retried.status).toBe(201);
      expect(retried.body).toMatchObject({ id: created.id, status: 'awaiting_buyer', redirect: { method: 'GET' } });
      expect(retried.body.attempts).toHaveLength(2);
      const second = retried.body.attempts[1];
      expect(second).toMatchObject({ attemptNo: 2, outcome: 'pending' });
      expect(second.reference).not.toBe(first.reference);
      expect(second.refs.paymentId).not.toBe(first.refs.paymentId);
      expect(retried.body.redirect.url).not.toBe(created.redirect.url);
      await byHand(second.reference);
      const back = await followToPayledger(await payByCard(retried.body.redirect));
      expect(resultOf(back).status).toBe('succeeded');
      expect(await h.types(created.id)).toEqual([
        ...CREATED,
        ...ON_RETURN,
        'PaymentFailed',
        'PaymentAttemptStarted',
        'GatewayRequestSent',
        'GatewayResponseReceived',
        'PaymentAttemptCreated',
        ...ON_RETURN,
        'PaymentSucceeded',
      ]);
      expect((await h.events(created.id)).at(-1)!.data).toMatchObject({ reference: second.reference });
    });

    it('after the token expired (found by the poll job): a new attempt', async () => {
      const created = await create();
      await scenario(created.attempts[0].reference, 'timeout', { webhook: { drop: true } });
      await h.sandbox.clock.advance(3_600_000 + 1_000);
      // The worker's poll job (D10), which the api-only harness does not run: the same command it sends.
      await h.api.get(CommandBus).execute(new CheckPaymentCommand(created.id, 'inquire', 'job', { actor: 'job:e2e' }));
      expect((await payment(created.id)).status).toBe('expired');
      const retried = await h.call('POST', `/v1/payments/${created.id}/retry`);
      expect(retried.status).toBe(201);
      expect(retried.body.attempts.map((a: { outcome: string }) => a.outcome)).toEqual(['expired', 'pending']);
      expect(await h.types(created.id)).toEqual([
        ...CREATED,
        'PaymentConfirmationStarted',
        ...RETRIEVE,
        'PaymentAttemptChecked',
        'PaymentExpired',
        'PaymentAttemptStarted',
        'GatewayRequestSent',
        'GatewayResponseReceived',
        'PaymentAttemptCreated',
      ]);
    });

    it('is 409 PAYMENT.OUTCOME_PENDING while the outcome is unknown; the resolution webhook then settles it', async () => {
      const created = await create();
      const reference = created.attempts[0].reference;
      await scenario(reference, 'unknown-then-pay', { resolveAfterMs: 60_000, redirect: { drop: true } });
      await openPage(created.redirect);
      expect((await pollUntilNot(created.id, 'awaiting_buyer')).status).toBe('unknown');
      const refused = await h.call('POST', `/v1/payments/${created.id}/retry`);
      expect(refused.status).toBe(409);
      expect(refused.body.error.code).toBe('PAYMENT.OUTCOME_PENDING');
      await h.sandbox.clock.advance(60_000);
      expect((await pollUntilNot(created.id, 'unknown')).status).toBe('succeeded');
      expect(webhookAnswers(reference)).toEqual([200, 200]);
      expect(await h.types(created.id)).toEqual([...CREATED, ...ON_WEBHOOK, 'PaymentOutcomeUnknown', ...ON_WEBHOOK, 'PaymentSucceeded']);
    });
  });

  describe('revoke', () => {
    it('cancel of an unpaid payment revokes the context: canceled, and the page is closed', async () => {
      const created = await create();
      const canceled = await h.call('POST', `/v1/payments/${created.id}/cancel`, { reason: 'out of stock' });
      expect(canceled.status).toBe(200);
      expect(canceled.body.status).toBe('canceled');
      const calls = h.sandbox.sandbox.log.list({ gateway: 'alqaseh', direction: 'in' }).filter((r) => r.path.endsWith('/egw/payments/revoke'));
      expect(calls).toHaveLength(1);
      expect(await h.types(created.id)).toEqual([...CREATED, 'PaymentConfirmationStarted', ...RETRIEVE, ...RETRIEVE, 'PaymentAttemptChecked', 'PaymentCanceled']);
      expect((await openPage(created.redirect)).status).toBe(410);
    });

    it('cancel of a paid payment is 409 PAYMENT.ALREADY_FINAL and changes nothing', async () => {
      const created = await create();
      await scenario(created.attempts[0].reference, 'pay', { webhook: { drop: true } });
      await followToPayledger(await openPage(created.redirect));
      const before = await h.types(created.id);
      const refused = await h.call('POST', `/v1/payments/${created.id}/cancel`, {});
      expect(refused.status).toBe(409);
      expect(refused.body.error.code).toBe('PAYMENT.ALREADY_FINAL');
      expect(await h.types(created.id)).toEqual(before);
    });
  });
});
