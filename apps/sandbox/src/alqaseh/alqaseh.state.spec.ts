import { AlqasehPaymentBook, API_STATUSES, coarseStatus, isOpen, isRetryable, SimPaymentContext, transition } from './alqaseh.state';

const make = (i: number, overrides: Partial<SimPaymentContext> = {}): SimPaymentContext => ({
  paymentId: `pay_${i}`,
  orderId: `AQ-${i}`,
  requestedAmount: 1000 * i,
  amount: 1000 * i,
  currency: 'IQD',
  description: 'x',
  redirectUrl: 'http://m/cb',
  transactionType: 'Retail',
  tokenExpiryHours: 1,
  token: `tok_${i}`,
  formerTokens: [],
  status: 'prepared',
  histories: [],
  rc: '',
  approval: '',
  rrn: '',
  terminalId: 'T',
  createdAtMs: 1_000 * i,
  updatedAtMs: 1_000 * i,
  expiresAtMs: 1_000 * i + 3_600_000,
  ...overrides,
});

describe('simulator state machine (§5)', () => {
  it('maps every API status to its coarse word (§7)', () => {
    const coarse = Object.fromEntries(API_STATUSES.map((s) => [s, coarseStatus(s)]));
    expect(coarse).toEqual({
      prepared: 'Pending',
      revoked: 'Failed',
      failed: 'Failed',
      retried: 'Pending',
      succeeded: 'Success',
      expired: 'Failed',
      duplicated: 'Pending',
      declined: 'Failed',
      unknown: 'Pending',
    });
  });

  it('revokes only prepared/retried and retries only expired/declined/failed/unknown', () => {
    expect(API_STATUSES.filter(isOpen)).toEqual(['prepared', 'retried']);
    expect(API_STATUSES.filter(isRetryable)).toEqual(['failed', 'expired', 'declined', 'unknown']);
  });

  it('keeps the status history', () => {
    const context = make(1);
    transition(context, 'prepared', 1000);
    transition(context, 'succeeded', 2000);
    expect(context.histories).toEqual([
      { status: 'prepared', created_at: new Date(1000).toISOString() },
      { status: 'succeeded', created_at: new Date(2000).toISOString() },
    ]);
    expect(context.updatedAtMs).toBe(2000);
  });

  it('searches with filters, order and a half-open [from, to) window', () => {
    const book = new AlqasehPaymentBook();
    for (let i = 1; i <= 5; i++) book.add(make(i, i === 3 ? { status: 'succeeded', rc: '00' } : {}));
    const asc = { field: 'created_at' as const, direction: 'asc' as const };
    expect(book.search({}, asc).map((c) => c.paymentId)).toEqual(['pay_1', 'pay_2', 'pay_3', 'pay_4', 'pay_5']);
    expect(book.search({}, { field: 'amount', direction: 'desc' }).map((c) => c.paymentId)[0]).toBe('pay_5');
    expect(book.search({ fromMs: 2000, toMs: 4000 }, asc).map((c) => c.paymentId)).toEqual(['pay_2', 'pay_3']);
    expect(book.search({ paymentStatus: 'SUCCEEDED' }, asc).map((c) => c.paymentId)).toEqual(['pay_3']);
    expect(book.search({ rc: '00', currency: 'iqd', amount: 3000 }, asc)).toHaveLength(1);
    expect(book.search({ orderId: 'AQ-2', paymentId: 'pay_9' }, asc)).toHaveLength(0);
    expect(book.hasOrderId('AQ-4')).toBe(true);
  });

  it('finds a context by its current and former tokens', () => {
    const book = new AlqasehPaymentBook();
    const context = make(1);
    book.add(context);
    book.replaceToken(context, 'tok_new');
    expect(book.byPageToken('tok_new')).toBe(context);
    expect(book.byPageToken('tok_1')).toBe(context);
    expect(context.token).toBe('tok_new');
    book.clear();
    expect(book.all()).toHaveLength(0);
  });
});
