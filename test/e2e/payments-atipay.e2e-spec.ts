import { parseAutoSubmitForm } from '../../apps/sandbox/src/atipay/atipay.pages';
import { idempotencyKey, nextOrderId, openRedirect, PayledgerHarness, startPayledger } from '../support/payledger';

/**
 * AtiPay end to end through the merchant API: get-token → the buyer's browser POSTs the hand-off form →
 * AtiPay's page answers with an auto-submitting callback form → the browser POSTs it to /callbacks/atipay
 * → verify-payment decides. AtiPay's callback is unauthenticated, so only our own verify moves money.
 */
describe('AtiPay through the merchant API', () => {
  let h: PayledgerHarness;
  beforeAll(async () => {
    h = await startPayledger();
  });
  afterAll(() => h?.close());

  const AMOUNT_RIALS = '250000';
  const body = (orderId = nextOrderId('AT')) => ({ gateway: 'atipay', orderId, amountMinor: AMOUNT_RIALS, currency: 'IRR', returnUrl: 'https://shop.example/paid?cart=9', customer: { mobile: '09121234567' } });
  const create = async () => {
    const created = await h.call('POST', '/v1/payments', body(), { 'idempotency-key': idempotencyKey() });
    expect(created.status).toBe(201);
    return created.body;
  };
  const scenario = async (reference: string, outcome: string, options: Record<string, unknown> = {}) => {
    const reply = await h.sandbox.control('POST', '/atipay/scenarios', { reference, outcome, ...options });
    expect(reply.status).toBe(201);
  };
  /** The buyer's browser on AtiPay's page: the hand-off form (with a button's choice), then the callback form AtiPay answers with. */
  const payPage = async (redirect: { method: string; url: string; fields?: Record<string, string> }, action?: string) => {
    const page = await openRedirect(redirect, action);
    expect(page.status).toBe(200);
    const form = parseAutoSubmitForm(await page.text());
    if (!form) throw new Error('AtiPay answered no callback form');
    expect(form.action).toBe(`${h.url}/callbacks/atipay`);
    return form;
  };
  /** The browser auto-submits the callback form to payledger. */
  const submit = (form: { action: string; fields: Record<string, string> }) =>
    fetch(form.action, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form.fields).toString() });
  const verifyCalls = (referenceNumber?: string) =>
    h.sandbox.sandbox.log
      .list({ gateway: 'atipay', direction: 'in' })
      .filter((r) => r.method === 'POST' && r.path.endsWith('/verify-payment') && (referenceNumber === undefined || (r.body as string).includes(referenceNumber))).length;
  const resultOf = (response: Response) => {
    expect(response.status).toBe(303);
    const location = new URL(response.headers.get('location')!);
    return { target: `${location.origin}${location.pathname}`, cart: location.searchParams.get('cart'), paymentId: location.searchParams.get('paymentId'), status: location.searchParams.get('status') };
  };
  const payment = async (id: string) => (await h.call('GET', `/v1/payments/${id}`)).body;
  /** The error body payledger answers a refused notice with. */
  const errorOf = async (response: Response) => ((await response.json()) as { error: { code: string; message: string } }).error;

  const CREATED = ['PaymentInitiated', 'PaymentAttemptStarted', 'GatewayRequestSent', 'GatewayResponseReceived', 'PaymentAttemptCreated'];
  const VERIFY = ['GatewayRequestSent', 'GatewayResponseReceived'];

  it('get-token → the buyer POSTs the form → callback → verify-payment → succeeded; the buyer lands on the returnUrl', async () => {
    const created = await create();
    expect(created).toMatchObject({ status: 'awaiting_buyer', gateway: 'atipay', amountMinor: AMOUNT_RIALS, currency: 'IRR' });
    expect(created.redirect).toEqual({ method: 'POST', url: `${h.sandbox.url}/atipay/v1/redirect-to-gateway`, fields: { token: expect.stringMatching(/^[0-9a-f]{32}$/) } });
    const form = await payPage(created.redirect, 'pay');
    expect(form.fields).toMatchObject({ state: 'OK', status: '2', reservationNumber: created.attempts[0].reference });
    const back = await submit(form);
    expect(resultOf(back)).toEqual({ target: 'https://shop.example/paid', cart: '9', paymentId: created.id, status: 'succeeded' });
    expect(await payment(created.id)).toMatchObject({ status: 'succeeded', capturedMinor: AMOUNT_RIALS });
    expect(await h.types(created.id)).toEqual([...CREATED, 'GatewayCallbackReceived', 'PaymentConfirmationStarted', ...VERIFY, 'PaymentAttemptChecked', 'PaymentSucceeded']);
    expect(verifyCalls(form.fields.referenceNumber)).toBe(1);
    const events = await h.events(created.id);
    expect(events.find((e) => e.type === 'GatewayCallbackReceived')!.data).toMatchObject({ accepted: true, duplicate: false, kind: 'return' });
    // The page token is a capability: the stored stream keeps only its tail.
    expect(JSON.stringify(events.map((e) => e.data))).not.toContain(created.redirect.fields.token);
  });

  it.each([
    ['cancel', 'canceled', 'PaymentCanceled'],
    ['fail', 'failed', 'PaymentFailed'],
  ])('a buyer who chooses %s ends %s from the callback alone, without a verify', async (action, status, event) => {
    const created = await create();
    const form = await payPage(created.redirect, action);
    const back = await submit(form);
    expect(resultOf(back).status).toBe(status);
    expect(await h.types(created.id)).toEqual([...CREATED, 'GatewayCallbackReceived', 'PaymentConfirmationStarted', 'PaymentAttemptChecked', event]);
    expect(verifyCalls(created.attempts[0].reference)).toBe(0);
    expect((await payment(created.id)).status).toBe(status);
  });

  it('a wrong amount at verify never succeeds: PaymentAmountMismatched, status unknown, flagged for review', async () => {
    const created = await create();
    await scenario(created.attempts[0].reference, 'pay', { wrongAmount: 1000 });
    const back = await submit(await payPage(created.redirect));
    expect(resultOf(back).status).toBe('unknown');
    const types = await h.types(created.id);
    expect(types).toEqual([...CREATED, 'GatewayCallbackReceived', 'PaymentConfirmationStarted', ...VERIFY, 'PaymentAttemptChecked', 'PaymentAmountMismatched']);
    expect(await payment(created.id)).toMatchObject({ status: 'unknown', review: 'PAYMENT.AMOUNT_MISMATCH', capturedMinor: '0' });
    const mismatch = (await h.events(created.id)).find((e) => e.type === 'PaymentAmountMismatched')!;
    expect(mismatch.data).toMatchObject({ expectedMinor: AMOUNT_RIALS, reportedMinor: '251000', currency: 'IRR' });
  });

  it('a reposted callback (the buyer refreshes) is recorded as a duplicate, answered the same, and verified once', async () => {
    const created = await create();
    const form = await payPage(created.redirect, 'pay');
    const first = await submit(form);
    const second = await submit(form);
    expect(resultOf(second)).toEqual(resultOf(first));
    expect(resultOf(first).status).toBe('succeeded');
    expect(verifyCalls(form.fields.referenceNumber)).toBe(1);
    const events = await h.events(created.id);
    expect(events.map((e) => e.type)).toEqual([...CREATED, 'GatewayCallbackReceived', 'PaymentConfirmationStarted', ...VERIFY, 'PaymentAttemptChecked', 'PaymentSucceeded', 'GatewayCallbackReceived']);
    expect(events.filter((e) => e.type === 'GatewayCallbackReceived').map((e) => (e.data as { duplicate: boolean }).duplicate)).toEqual([false, true]);
  });

  describe('forged callbacks', () => {
    it('a callback that is not AtiPay\'s form POST is refused (400/405 with the error body), recorded as rejected, and changes nothing', async () => {
      const created = await create();
      const reference = created.attempts[0].reference;
      const before = await h.types(created.id);
      const asJson = await fetch(`${h.url}/callbacks/atipay`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ state: 'OK', status: '2', reservationNumber: reference, referenceNumber: 'X'.repeat(50), terminalId: 'sandbox-terminal-1' }),
      });
      expect(asJson.status).toBe(400);
      expect(await errorOf(asJson)).toMatchObject({ code: 'CALLBACK.INVALID', message: expect.any(String) });
      const incomplete = await fetch(`${h.url}/callbacks/atipay`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ state: 'OK', reservationNumber: reference }).toString(),
      });
      expect(incomplete.status).toBe(400);
      expect((await errorOf(incomplete)).code).toBe('CALLBACK.INVALID');
      const asGet = await fetch(`${h.url}/callbacks/atipay?state=OK&status=2&reservationNumber=${reference}`, { redirect: 'manual' });
      expect(asGet.status).toBe(405);
      expect((await errorOf(asGet)).code).toBe('CALLBACK.METHOD_NOT_ALLOWED');

      const events = await h.events(created.id);
      const rejected = events.slice(before.length);
      expect(rejected.map((e) => e.type)).toEqual(['GatewayCallbackReceived', 'GatewayCallbackReceived', 'GatewayCallbackReceived']);
      expect(rejected.map((e) => (e.data as { accepted: boolean; rejectionCode: string }).rejectionCode)).toEqual(['CALLBACK.INVALID', 'CALLBACK.INVALID', 'CALLBACK.METHOD_NOT_ALLOWED']);
      expect(rejected.every((e) => (e.data as { accepted: boolean }).accepted === false)).toBe(true);
      expect((await payment(created.id)).status).toBe('awaiting_buyer');
      expect(verifyCalls('X'.repeat(50))).toBe(0);
    });

    it('a callback naming no invoice of ours is 400 CALLBACK.UNKNOWN_REFERENCE, recorded on inbound-atipay', async () => {
      const response = await fetch(`${h.url}/callbacks/atipay`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ state: 'OK', status: '2', reservationNumber: 'NOT-OURS-1', referenceNumber: 'Y'.repeat(50), terminalId: 'sandbox-terminal-1' }).toString(),
      });
      expect(response.status).toBe(400);
      expect((await errorOf(response)).code).toBe('CALLBACK.UNKNOWN_REFERENCE');
      const inbound = await h.store.readStream('inbound-atipay');
      expect(inbound.at(-1)).toMatchObject({ type: 'GatewayCallbackReceived', data: { accepted: false, rejectionCode: 'CALLBACK.UNKNOWN_REFERENCE' } });
    });
  });

  it('D7: a (forged) cancel callback does not block the buyer\'s real OK: it is verified and books a late success', async () => {
    const created = await create();
    const reference = created.attempts[0].reference;
    // Anyone who knows the invoice number can claim a cancel: AtiPay's callbacks carry no signature.
    const forged = await submit({ action: `${h.url}/callbacks/atipay`, fields: { state: 'CanceledByUser', status: '1', reservationNumber: reference, referenceNumber: '', terminalId: 'sandbox-terminal-1' } });
    expect(resultOf(forged).status).toBe('canceled');
    const form = await payPage(created.redirect, 'pay');
    const back = await submit(form);
    expect(resultOf(back).status).toBe('succeeded');
    expect(verifyCalls(form.fields.referenceNumber)).toBe(1);
    const events = await h.events(created.id);
    expect(events.map((e) => e.type)).toEqual([
      ...CREATED,
      'GatewayCallbackReceived',
      'PaymentConfirmationStarted',
      'PaymentAttemptChecked',
      'PaymentCanceled',
      'GatewayCallbackReceived',
      'PaymentConfirmationStarted',
      ...VERIFY,
      'PaymentAttemptChecked',
      'PaymentSucceeded',
    ]);
    expect(events.at(-1)!.data).toMatchObject({ lateSuccess: true, amountMinor: AMOUNT_RIALS });
    expect(await payment(created.id)).toMatchObject({ status: 'succeeded', capturedMinor: AMOUNT_RIALS });
  });

  it('D7: a forged OK with a made-up receipt fails at verify, and the buyer\'s real OK later still succeeds', async () => {
    const created = await create();
    const reference = created.attempts[0].reference;
    const madeUp = 'F0rged'.repeat(8) + 'ab';
    const forged = await submit({ action: `${h.url}/callbacks/atipay`, fields: { state: 'OK', status: '2', reservationNumber: reference, referenceNumber: madeUp, terminalId: 'sandbox-terminal-1' } });
    expect(resultOf(forged).status).toBe('failed');
    expect(verifyCalls(madeUp)).toBe(1);
    const form = await payPage(created.redirect, 'pay');
    expect(resultOf(await submit(form)).status).toBe('succeeded');
    expect(verifyCalls(form.fields.referenceNumber)).toBe(1);
    const events = await h.events(created.id);
    const afterCreate = ['GatewayCallbackReceived', 'PaymentConfirmationStarted', ...VERIFY, 'PaymentAttemptChecked'];
    expect(events.map((e) => e.type)).toEqual([...CREATED, ...afterCreate, 'PaymentFailed', ...afterCreate, 'PaymentSucceeded']);
    expect(events.at(-1)!.data).toMatchObject({ lateSuccess: true, refs: { referenceNumber: form.fields.referenceNumber } });
  });

  it('a verify-payment that times out leaves the payment unknown (not failed), and it stays readable', async () => {
    const created = await create();
    // Every try of the D6 budget times out (six tries; the harness does not sleep between them).
    await h.sandbox.control('POST', '/atipay/faults', { endpoint: 'verify-payment', kind: 'timeout', count: 6, delayMs: 5_000 });
    try {
      const back = await submit(await payPage(created.redirect, 'pay'));
      expect(resultOf(back).status).toBe('unknown');
    } finally {
      h.sandbox.sandbox.contexts.atipay!.faults.reset();
    }
    const types = await h.types(created.id);
    const tries = Array.from({ length: 6 }, () => ['GatewayRequestSent', 'GatewayRequestFailed']).flat();
    expect(types).toEqual([...CREATED, 'GatewayCallbackReceived', 'PaymentConfirmationStarted', ...tries, 'PaymentAttemptChecked', 'PaymentOutcomeUnknown']);
    const read = await h.call('GET', `/v1/payments/${created.id}`);
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ status: 'unknown', capturedMinor: '0' });
  });

  it('refunds are 422 GATEWAY.UNSUPPORTED at AtiPay and append nothing', async () => {
    const created = await create();
    await submit(await payPage(created.redirect, 'pay'));
    const before = await h.types(created.id);
    expect(before.at(-1)).toBe('PaymentSucceeded');
    const refund = await h.call('POST', `/v1/payments/${created.id}/refunds`, {}, { 'idempotency-key': idempotencyKey() });
    expect(refund.status).toBe(422);
    expect(refund.body.error.code).toBe('GATEWAY.UNSUPPORTED');
    expect(await h.types(created.id)).toEqual(before);
  });
});
