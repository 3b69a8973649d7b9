import * as fc from 'fast-check';
import { Money } from '@payledger/kernel';
import { decide, DecidedEvent, decidePayoutResult, foldPayment, foldPayout, PaymentCommand, PaymentState, PAYOUT_EVENT_TYPES } from '@payledger/payments';
import { clearingAccount } from './ledger.accounts';
import { assertBalanced, JournalEntry } from './ledger.entry';
import { PostableEvent, postingFor, PostingContext } from './ledger.posting-rules';

/** Each gateway with its currency, as the capability table has them; refunds only where the gateway has them. */
const GATEWAYS = [
  { gateway: 'jibit', currency: 'IRR', refunds: 'none' },
  { gateway: 'atipay', currency: 'IRR', refunds: 'none' },
  { gateway: 'mispay', currency: 'SAR', refunds: 'partial' },
  { gateway: 'mocasa', currency: 'PHP', refunds: 'full' },
  { gateway: 'alqaseh', currency: 'IQD', refunds: 'none' },
] as const;
const NOW = new Date('2026-11-22T10:00:00Z');

type Step =
  | { kind: 'pay'; gatewayIndex: number; amountMinor: number; outcome: 'paid' | 'failed' }
  | { kind: 'refund'; paymentPick: number; fraction: number }
  | { kind: 'payout'; amountMinor: number };

const stepArbitrary: fc.Arbitrary<Step> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('pay' as const), gatewayIndex: fc.nat(GATEWAYS.length - 1), amountMinor: fc.integer({ min: 1, max: 5_000_000_000 }), outcome: fc.constantFrom('paid' as const, 'failed' as const) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('refund' as const), paymentPick: fc.nat(), fraction: fc.double({ min: 0.01, max: 1, noNaN: true }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('payout' as const), amountMinor: fc.integer({ min: 1, max: 100_000_000 }) }) },
);

/** A run of the payment decider (and the payout decision) over the steps, posting every event it records. */
function run(steps: readonly Step[]) {
  const payments: Array<{ streamId: string; state: PaymentState; events: DecidedEvent[] }> = [];
  const entries: JournalEntry[] = [];
  const byId = new Map<string, JournalEntry>();
  const context: PostingContext = { findEntry: (id) => byId.get(id), reversalOf: () => undefined };
  let paidOut = 0n;
  let seq = 0;

  const post = (streamId: string, event: { type: string; data: unknown }) => {
    seq += 1;
    const stored: PostableEvent = {
      eventId: `00000000-0000-4000-8000-${seq.toString().padStart(12, '0')}`,
      type: event.type,
      streamId,
      data: event.data,
      transactionId: BigInt(seq),
      position: BigInt(seq),
      occurredAt: NOW,
      recordedAt: NOW,
    };
    const entry = postingFor(stored, context);
    if (entry) {
      entries.push(entry);
      byId.set(entry.entryId, entry);
    }
  };
  const apply = (payment: { streamId: string; state?: PaymentState; events: DecidedEvent[] }, command: PaymentCommand): boolean => {
    let decided: DecidedEvent[];
    try {
      decided = decide(payment.state, command, NOW);
    } catch {
      return false; // the decider refused (more than remains, a partial refund where only full ones exist…): nothing recorded
    }
    payment.events.push(...decided);
    payment.state = foldPayment(payment.events.map((e) => ({ type: e.type, data: e.data, occurredAt: NOW })));
    for (const event of decided) post(payment.streamId, event);
    return true;
  };

  for (const step of steps) {
    if (step.kind === 'pay') {
      const g = GATEWAYS[step.gatewayIndex];
      const paymentId = `pay_${payments.length + 1}`;
      const reference = `PL${payments.length + 1}`;
      const payment: { streamId: string; state?: PaymentState; events: DecidedEvent[] } = { streamId: `payment-${paymentId}`, events: [] };
      apply(payment, {
        kind: 'initiate',
        reference,
        payment: { paymentId, gateway: g.gateway, orderId: `ORD-${paymentId}`, amountMinor: String(step.amountMinor), currency: g.currency, returnUrl: 'https://shop.example/r', customer: { id: 'c1', mobile: '09120000000' } },
      });
      apply(payment, { kind: 'recordCreateResult', reference, result: { outcome: 'pending', refs: { orderRef: `ref-${paymentId}` } } });
      apply(payment, { kind: 'recordCheck', reference, trigger: 'return', operation: 'confirm', result: { outcome: step.outcome, gatewayAmount: Money.of(step.amountMinor, g.currency) } });
      payments.push(payment as { streamId: string; state: PaymentState; events: DecidedEvent[] });
    } else if (step.kind === 'refund') {
      if (payments.length === 0) continue;
      const payment = payments[step.paymentPick % payments.length];
      const g = GATEWAYS.find((x) => x.gateway === payment.state.gateway)!;
      if (g.refunds === 'none') continue;
      const remaining = payment.state.captured.amountMinor - payment.state.refunded.amountMinor;
      const amount = g.refunds === 'full' ? undefined : Money.of(BigInt(Math.max(1, Math.floor(Number(remaining) * step.fraction))), payment.state.amount.currency);
      const refundId = `rf_${payment.state.refunds.length + 1}_${payment.state.paymentId}`;
      if (apply(payment, { kind: 'requestRefund', refundId, amount, reason: 'buyer asked', partialSupported: g.refunds === 'partial' })) {
        apply(payment, { kind: 'recordRefundResult', refundId, result: { status: 'succeeded', gatewayRefundRef: `g-${refundId}` } });
      }
    } else {
      const payoutId = `po_${seq + 1}`;
      const requested = { type: PAYOUT_EVENT_TYPES.requested, data: { payoutId, gateway: 'mocasa', reference: `PO${seq}`, amountMinor: String(step.amountMinor), currency: 'PHP', payeeAccountNo: 'A1', purpose: 'settlement', requestedAt: NOW.toISOString() } };
      const state = foldPayout([{ ...requested, occurredAt: NOW }])!;
      const transferred = decidePayoutResult(state, { status: 'succeeded', gatewayStatus: 'SUCCESS' })!;
      post(`payout-${payoutId}`, requested);
      post(`payout-${payoutId}`, transferred);
      paidOut += BigInt(step.amountMinor);
    }
  }
  return { payments, entries, paidOut };
}

function balancesOf(entries: readonly JournalEntry[]): Map<string, bigint> {
  const balances = new Map<string, bigint>();
  for (const entry of entries) {
    for (const line of entry.lines) {
      const key = `${line.account}|${line.currency}`;
      balances.set(key, (balances.get(key) ?? 0n) + line.debitMinor - line.creditMinor);
    }
  }
  return balances;
}

describe('ledger properties over random payments, refunds and payouts', () => {
  it('every entry balances, balances sum to 0 per currency, and each clearing balance is captured − refunded − paid out', () => {
    fc.assert(
      fc.property(fc.array(stepArbitrary, { minLength: 1, maxLength: 60 }), (steps) => {
        const { payments, entries, paidOut } = run(steps);
        for (const entry of entries) assertBalanced(entry);

        const balances = balancesOf(entries);
        const perCurrency = new Map<string, bigint>();
        for (const [key, balance] of balances) {
          const currency = key.split('|')[1];
          perCurrency.set(currency, (perCurrency.get(currency) ?? 0n) + balance);
        }
        for (const sum of perCurrency.values()) expect(sum).toBe(0n);

        for (const g of GATEWAYS) {
          const mine = payments.filter((p) => p.state.gateway === g.gateway);
          const captured = mine.reduce((s, p) => s + p.state.captured.amountMinor, 0n);
          const refunded = mine.reduce((s, p) => s + p.state.refunded.amountMinor, 0n);
          const out = g.gateway === 'mocasa' ? paidOut : 0n;
          expect(balances.get(`${clearingAccount(g.gateway)}|${g.currency}`) ?? 0n).toBe(captured - refunded - out);
        }
        // Money moved only where the decider said so: one entry per success, refund and transfer.
        const successes = payments.filter((p) => p.state.captured.isPositive()).length;
        const refunds = payments.reduce((n, p) => n + p.state.refunds.filter((r) => r.status === 'succeeded').length, 0);
        expect(entries.filter((e) => e.kind === 'payment_captured')).toHaveLength(successes);
        expect(entries.filter((e) => e.kind === 'refund_paid')).toHaveLength(refunds);
      }),
      { numRuns: 200 },
    );
  });

  it('reversing any entries brings each reversed pair back to nothing, so balances are those of the entries left standing', () => {
    fc.assert(
      fc.property(fc.array(stepArbitrary, { minLength: 1, maxLength: 30 }), fc.array(fc.nat(), { maxLength: 10 }), (steps, picks) => {
        const { entries } = run(steps);
        if (entries.length === 0) return;
        const reversed = new Set<string>();
        const reversals: JournalEntry[] = [];
        const byId = new Map(entries.map((e) => [e.entryId, e]));
        for (const [i, pick] of picks.entries()) {
          const target = entries[pick % entries.length];
          if (reversed.has(target.entryId)) continue;
          const reversal = postingFor(
            {
              eventId: `10000000-0000-4000-8000-${i.toString().padStart(12, '0')}`,
              type: 'LedgerEntryReversalRecorded',
              streamId: 'reconciliation-run_1',
              data: { reversesEntryId: target.entryId, reason: 'test' },
              transactionId: 10_000n + BigInt(i),
              position: 10_000n + BigInt(i),
              occurredAt: NOW,
              recordedAt: NOW,
            },
            { findEntry: (id) => byId.get(id), reversalOf: (id) => (reversed.has(id) ? 'r' : undefined) },
          )!;
          assertBalanced(reversal);
          reversed.add(target.entryId);
          reversals.push(reversal);
        }
        const all = balancesOf([...entries, ...reversals]);
        const standing = balancesOf(entries.filter((e) => !reversed.has(e.entryId)));
        for (const key of new Set([...all.keys(), ...standing.keys()])) expect(all.get(key) ?? 0n).toBe(standing.get(key) ?? 0n);
      }),
      { numRuns: 100 },
    );
  });
});
