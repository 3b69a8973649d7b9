import { DomainError } from '@payledger/kernel';
import { PAYMENT_EVENT_TYPES, PAYOUT_EVENT_TYPES } from '@payledger/payments';
import { chartOfAccounts, describeAccount } from './ledger.accounts';
import { assertBalanced, JournalEntry } from './ledger.entry';
import { LEDGER_INPUT_EVENT_TYPES as T } from './ledger.inputs';
import { PostableEvent, postingFor, PostingContext } from './ledger.posting-rules';

const AT = new Date('2026-11-22T10:00:00.000Z');
let counter = 0;

function stored(type: string, data: Record<string, unknown>, streamId = 'payment-pay_1'): PostableEvent {
  counter += 1;
  return {
    eventId: `00000000-0000-4000-8000-${counter.toString().padStart(12, '0')}`,
    type,
    streamId,
    data,
    transactionId: 900n + BigInt(counter),
    position: BigInt(counter),
    occurredAt: AT,
    recordedAt: new Date(AT.getTime() + 5),
  };
}

const lines = (entry: JournalEntry | undefined) => entry?.lines.map((l) => [l.account, l.currency, l.debitMinor, l.creditMinor]);
const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (error) {
    if (error instanceof DomainError) return error.code;
    throw error;
  }
  return undefined;
};

const succeeded = (overrides: Record<string, unknown> = {}) =>
  stored(T.paymentSucceeded, { paymentId: 'pay_1', gateway: 'mispay', reference: 'PLref1', orderId: 'ORD-1', amountMinor: '21500', currency: 'SAR', refs: {}, trigger: 'return', ...overrides });

describe('posting rules', () => {
  it('names the same event types libs/payments records', () => {
    expect(T.paymentSucceeded).toBe(PAYMENT_EVENT_TYPES.succeeded);
    expect(T.refundSucceeded).toBe(PAYMENT_EVENT_TYPES.refundSucceeded);
    expect(T.payoutTransferred).toBe(PAYOUT_EVENT_TYPES.transferred);
  });

  it('payment succeeded: Dr gateway clearing, Cr revenue, keyed by the event, with its payment, gateway, currency and position', () => {
    const event = succeeded();
    const entry = postingFor(event);
    expect(lines(entry)).toEqual([
      ['gateway:mispay:clearing', 'SAR', 21500n, 0n],
      ['revenue:payments', 'SAR', 0n, 21500n],
    ]);
    expect(entry).toMatchObject({
      entryId: event.eventId,
      kind: 'payment_captured',
      paymentId: 'pay_1',
      gateway: 'mispay',
      currency: 'SAR',
      position: event.position,
      transactionId: event.transactionId,
      occurredAt: AT,
      recordedAt: event.recordedAt,
    });
    expect(entry?.lines.map((l) => l.lineNo)).toEqual([1, 2]);
  });

  it('refund succeeded: Dr contra refunds, Cr gateway clearing', () => {
    const entry = postingFor(stored(T.refundSucceeded, { refundId: 'rf_1', paymentId: 'pay_1', gateway: 'mispay', amountMinor: '1000', currency: 'SAR' }));
    expect(lines(entry)).toEqual([
      ['contra:refunds', 'SAR', 1000n, 0n],
      ['gateway:mispay:clearing', 'SAR', 0n, 1000n],
    ]);
    expect(entry).toMatchObject({ kind: 'refund_paid', refundId: 'rf_1', paymentId: 'pay_1' });
  });

  it('payout transferred: Dr payouts of the gateway, Cr its clearing', () => {
    const entry = postingFor(stored(T.payoutTransferred, { payoutId: 'po_1', gateway: 'mocasa', reference: 'PO1', amountMinor: '50000', currency: 'PHP' }, 'payout-po_1'));
    expect(lines(entry)).toEqual([
      ['payouts:mocasa', 'PHP', 50000n, 0n],
      ['gateway:mocasa:clearing', 'PHP', 0n, 50000n],
    ]);
    expect(entry).toMatchObject({ kind: 'payout_transferred', payoutId: 'po_1', gateway: 'mocasa' });
  });

  it('reconciliation correction: through suspense, the side following the sign of the clearing delta', () => {
    const more = postingFor(stored(T.correctionRecorded, { runId: 'run_1', discrepancyId: 'd1', gateway: 'jibit', clearingDeltaMinor: '70000', currency: 'IRR', reason: 'missing in ledger' }, 'reconciliation-run_1'));
    expect(lines(more)).toEqual([
      ['gateway:jibit:clearing', 'IRR', 70000n, 0n],
      ['suspense:reconciliation', 'IRR', 0n, 70000n],
    ]);
    const less = postingFor(stored(T.correctionRecorded, { runId: 'run_1', discrepancyId: 'd2', gateway: 'jibit', paymentId: 'pay_9', clearingDeltaMinor: '-300', currency: 'IRR', reason: 'missing at gateway' }, 'reconciliation-run_1'));
    expect(lines(less)).toEqual([
      ['suspense:reconciliation', 'IRR', 300n, 0n],
      ['gateway:jibit:clearing', 'IRR', 0n, 300n],
    ]);
    expect(less).toMatchObject({ kind: 'reconciliation_correction', paymentId: 'pay_9' });
    expect(codeOf(() => postingFor(stored(T.correctionRecorded, { gateway: 'jibit', clearingDeltaMinor: '0', currency: 'IRR' })))).toBe('LEDGER.INVALID_AMOUNT');
  });

  it('reversal: a new entry with the original lines on the other side; the original is never touched', () => {
    const original = postingFor(succeeded())!;
    const context: PostingContext = { findEntry: (id) => (id === original.entryId ? original : undefined), reversalOf: () => undefined };
    const event = stored(T.reversalRecorded, { reversesEntryId: original.entryId, reason: 'captured twice' }, 'reconciliation-run_2');
    const reversal = postingFor(event, context);
    expect(lines(reversal)).toEqual([
      ['gateway:mispay:clearing', 'SAR', 0n, 21500n],
      ['revenue:payments', 'SAR', 21500n, 0n],
    ]);
    expect(reversal).toMatchObject({ entryId: event.eventId, kind: 'reversal', reversesEntryId: original.entryId, paymentId: 'pay_1', gateway: 'mispay' });
    expect(lines(original)).toEqual([
      ['gateway:mispay:clearing', 'SAR', 21500n, 0n],
      ['revenue:payments', 'SAR', 0n, 21500n],
    ]);
  });

  it('refuses to reverse an entry that is not in the journal, or one already reversed', () => {
    const original = postingFor(succeeded())!;
    const unknown = stored(T.reversalRecorded, { reversesEntryId: '00000000-0000-4000-8000-999999999999', reason: 'x' });
    expect(codeOf(() => postingFor(unknown))).toBe('LEDGER.REVERSAL_TARGET_UNKNOWN');
    const twice: PostingContext = { findEntry: () => original, reversalOf: () => 'earlier-reversal' };
    expect(codeOf(() => postingFor(stored(T.reversalRecorded, { reversesEntryId: original.entryId, reason: 'x' }), twice))).toBe('LEDGER.ALREADY_REVERSED');
  });

  it('posts nothing for events that move no money', () => {
    for (const type of [PAYMENT_EVENT_TYPES.initiated, PAYMENT_EVENT_TYPES.refundRequested, PAYMENT_EVENT_TYPES.failed, 'GatewayResponseReceived', PAYOUT_EVENT_TYPES.requested]) {
      expect(postingFor(stored(type, { paymentId: 'pay_1', gateway: 'mispay', amountMinor: '100', currency: 'SAR' }))).toBeUndefined();
    }
  });

  it('refuses amounts that are not positive integers, unknown currencies and missing or unsafe gateway names', () => {
    expect(codeOf(() => postingFor(succeeded({ amountMinor: '0' })))).toBe('LEDGER.INVALID_AMOUNT');
    expect(codeOf(() => postingFor(succeeded({ amountMinor: '-5' })))).toBe('LEDGER.INVALID_AMOUNT');
    expect(codeOf(() => postingFor(succeeded({ amountMinor: '21.50' })))).toBe('LEDGER.INVALID_EVENT');
    expect(codeOf(() => postingFor(succeeded({ currency: 'USD' })))).toBe('MONEY.UNSUPPORTED_CURRENCY');
    expect(codeOf(() => postingFor(succeeded({ gateway: undefined })))).toBe('LEDGER.INVALID_EVENT');
    expect(codeOf(() => postingFor(succeeded({ gateway: 'Mis:Pay' })))).toBe('LEDGER.INVALID_GATEWAY');
  });
});

describe('balance checks', () => {
  const line = (account: string, currency: string, debitMinor: bigint, creditMinor: bigint) => ({ account, currency, debitMinor, creditMinor });

  it('accepts balanced entries, per currency', () => {
    expect(() => assertBalanced({ entryId: 'e', lines: [line('a', 'SAR', 5n, 0n), line('b', 'SAR', 0n, 5n), line('c', 'IRR', 7n, 0n), line('d', 'IRR', 0n, 7n)] })).not.toThrow();
  });

  it('refuses entries that do not balance in every currency, one-line entries and two-sided or empty lines', () => {
    expect(codeOf(() => assertBalanced({ entryId: 'e', lines: [line('a', 'SAR', 5n, 0n), line('b', 'SAR', 0n, 4n)] }))).toBe('LEDGER.UNBALANCED');
    expect(codeOf(() => assertBalanced({ entryId: 'e', lines: [line('a', 'SAR', 5n, 0n), line('b', 'IRR', 0n, 5n)] }))).toBe('LEDGER.UNBALANCED');
    expect(codeOf(() => assertBalanced({ entryId: 'e', lines: [line('a', 'SAR', 0n, 0n), line('b', 'SAR', 0n, 0n)] }))).toBe('LEDGER.UNBALANCED');
    expect(codeOf(() => assertBalanced({ entryId: 'e', lines: [line('a', 'SAR', 5n, 5n), line('b', 'SAR', 0n, 0n)] }))).toBe('LEDGER.UNBALANCED');
    expect(codeOf(() => assertBalanced({ entryId: 'e', lines: [line('a', 'SAR', 5n, 0n)] }))).toBe('LEDGER.UNBALANCED');
  });
});

describe('chart of accounts', () => {
  it('lists the fixed accounts, a clearing account per gateway, payouts where a gateway pays out, and anything the journal has seen', () => {
    const chart = chartOfAccounts({ gateways: ['jibit', 'mocasa'], payoutGateways: ['mocasa'], seenCodes: ['gateway:newpay:clearing'] });
    expect(chart.map((a) => a.code)).toEqual([
      'contra:refunds',
      'gateway:jibit:clearing',
      'gateway:mocasa:clearing',
      'gateway:newpay:clearing',
      'payouts:mocasa',
      'revenue:payments',
      'suspense:reconciliation',
    ]);
    expect(describeAccount('gateway:jibit:clearing')).toMatchObject({ type: 'asset', normalSide: 'debit', gateway: 'jibit' });
    expect(describeAccount('revenue:payments')).toMatchObject({ type: 'revenue', normalSide: 'credit' });
    expect(codeOf(() => describeAccount('cash:drawer'))).toBe('LEDGER.UNKNOWN_ACCOUNT');
  });
});
