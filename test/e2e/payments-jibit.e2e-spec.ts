import { idempotencyKey, nextOrderId, openRedirect, followToPayledger, PayledgerHarness, startPayledger } from '../support/payledger';

describe('Jibit through the merchant API', () => {
  let h: PayledgerHarness;
  beforeAll(async () => {
    h = await startPayledger();
  });
  afterAll(() => h?.close());

  const create = (orderId = nextOrderId()) =>
    h.call('POST', '/v1/payments', { gateway: 'jibit', orderId, amountMinor: '150000', currency: 'IRR', returnUrl: 'https://shop.example/paid', customer: { id: 'cust-1', mobile: '09120000000' } }, { 'idempotency-key': idempotencyKey() });

  it('create → pay → callback → verify → succeeded, and the buyer is sent to the returnUrl', async () => {
    const created = await create();
    expect(created.status).toBe(201);
    expect(created.body.status).toBe('awaiting_buyer');
    const page = await openRedirect(created.body.redirect, 'pay');
    const back = await followToPayledger(page);
    expect(back.status).toBe(303);
    const location = new URL(back.headers.get('location')!);
    expect(location.origin + location.pathname).toBe('https://shop.example/paid');
    expect(location.searchParams.get('paymentId')).toBe(created.body.id);
    expect(location.searchParams.get('status')).toBe('succeeded');
    const payment = await h.call('GET', `/v1/payments/${created.body.id}`);
    expect(payment.body.status).toBe('succeeded');
    expect(payment.body.capturedMinor).toBe('150000');
    expect(await h.types(created.body.id)).toEqual([
      'PaymentInitiated',
      'PaymentAttemptStarted',
      'GatewayRequestSent',
      'GatewayResponseReceived',
      'PaymentAttemptCreated',
      'GatewayCallbackReceived',
      'PaymentConfirmationStarted',
      'GatewayRequestSent', // verify
      'GatewayResponseReceived',
      'GatewayRequestSent', // inquiry
      'GatewayResponseReceived',
      'PaymentAttemptChecked',
      'PaymentSucceeded',
    ]);
  });
});
