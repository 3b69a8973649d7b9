import type { PaymentSucceededData, PayoutSettledData, RefundSucceededData } from '@payledger/payments';
import { DomainError, Money, toMinorUnits } from '@payledger/kernel';
import { clearingAccount, payoutsAccount, REFUNDS_CONTRA_ACCOUNT, REVENUE_ACCOUNT, SUSPENSE_ACCOUNT } from './ledger.accounts';
import { assertBalanced, credit, debit, EntryKind, JournalEntry, JournalLine, numberLines } from './ledger.entry';
import { LEDGER_INPUT_EVENT_TYPES as T, LedgerEntryReversalRecordedData, ReconciliationCorrectionRecordedData } from './ledger.inputs';

/** The parts of a stored event a posting rule reads. */
export interface PostableEvent {
  eventId: string;
  type: string;
  streamId: string;
  data: unknown;
  transactionId: bigint;
  position: bigint;
  occurredAt: Date;
  recordedAt: Date;
}

/** What a reversal needs to know about entries posted before it. */
export interface PostingContext {
  findEntry(entryId: string): JournalEntry | undefined;
  /** The entry id of the reversal already posted against `entryId`, if any. */
  reversalOf(entryId: string): string | undefined;
}

const NO_ENTRIES: PostingContext = { findEntry: () => undefined, reversalOf: () => undefined };

/**
 * The posting rules: one stored event → at most one balanced journal entry, or a DomainError. Pure: the
 * same event (and, for a reversal, the same earlier entry) always gives the same entry, which is what
 * lets a rebuild reproduce the journal exactly.
 *
 * | event                            | debit                      | credit                     |
 * |----------------------------------|----------------------------|----------------------------|
 * | PaymentSucceeded                 | gateway:<gw>:clearing      | revenue:payments           |
 * | RefundSucceeded                  | contra:refunds             | gateway:<gw>:clearing      |
 * | PayoutTransferred                | payouts:<gw>               | gateway:<gw>:clearing      |
 * | ReconciliationCorrectionRecorded | clearing or suspense (by the sign of the delta)         |
 * | LedgerEntryReversalRecorded      | the reversed entry's lines with the sides swapped       |
 */
export function postingFor(event: PostableEvent, context: PostingContext = NO_ENTRIES): JournalEntry | undefined {
  switch (event.type) {
    case T.paymentSucceeded: {
      const d = event.data as PaymentSucceededData;
      const gateway = field(event, d.gateway, 'gateway');
      const amount = positive(event, d.amountMinor, d.currency);
      const paymentId = field(event, d.paymentId, 'paymentId');
      return entry(event, 'payment_captured', [debit(clearingAccount(gateway), amount), credit(REVENUE_ACCOUNT, amount)], {
        paymentId,
        gateway,
        currency: amount.currency,
        description: `payment ${paymentId} (order ${d.orderId ?? '?'}) captured at ${gateway}`,
      });
    }
    case T.refundSucceeded: {
      const d = event.data as RefundSucceededData;
      const gateway = field(event, d.gateway, 'gateway');
      const amount = positive(event, d.amountMinor, d.currency);
      const paymentId = field(event, d.paymentId, 'paymentId');
      const refundId = field(event, d.refundId, 'refundId');
      return entry(event, 'refund_paid', [debit(REFUNDS_CONTRA_ACCOUNT, amount), credit(clearingAccount(gateway), amount)], {
        paymentId,
        refundId,
        gateway,
        currency: amount.currency,
        description: `refund ${refundId} of payment ${paymentId} paid at ${gateway}`,
      });
    }
    case T.payoutTransferred: {
      const d = event.data as PayoutSettledData;
      const gateway = field(event, d.gateway, 'gateway');
      const amount = positive(event, d.amountMinor, d.currency);
      const payoutId = field(event, d.payoutId, 'payoutId');
      return entry(event, 'payout_transferred', [debit(payoutsAccount(gateway), amount), credit(clearingAccount(gateway), amount)], {
        payoutId,
        gateway,
        currency: amount.currency,
        description: `payout ${payoutId} transferred through ${gateway}`,
      });
    }
    case T.correctionRecorded: {
      const d = event.data as ReconciliationCorrectionRecordedData;
      const gateway = field(event, d.gateway, 'gateway');
      const delta = Money.of(minor(event, d.clearingDeltaMinor), d.currency);
      if (delta.isZero()) throw new DomainError('LEDGER.INVALID_AMOUNT', `event ${event.eventId}: a correction of 0 moves nothing`, { eventId: event.eventId });
      const size = delta.isNegative() ? delta.negate() : delta;
      const clearing = clearingAccount(gateway);
      const lines = delta.isPositive() ? [debit(clearing, size), credit(SUSPENSE_ACCOUNT, size)] : [debit(SUSPENSE_ACCOUNT, size), credit(clearing, size)];
      return entry(event, 'reconciliation_correction', lines, {
        paymentId: d.paymentId,
        gateway,
        currency: size.currency,
        description: `reconciliation ${d.runId ?? '?'} discrepancy ${d.discrepancyId ?? '?'}: ${d.reason ?? 'correction'}`,
      });
    }
    case T.reversalRecorded: {
      const d = event.data as LedgerEntryReversalRecordedData;
      const targetId = field(event, d.reversesEntryId, 'reversesEntryId');
      const target = context.findEntry(targetId);
      if (!target) throw new DomainError('LEDGER.REVERSAL_TARGET_UNKNOWN', `event ${event.eventId} reverses entry ${targetId}, which is not in the journal`, { eventId: event.eventId, reversesEntryId: targetId });
      const earlier = context.reversalOf(targetId);
      if (earlier) throw new DomainError('LEDGER.ALREADY_REVERSED', `entry ${targetId} was already reversed by ${earlier}`, { eventId: event.eventId, reversesEntryId: targetId, reversedBy: earlier });
      const swapped = target.lines.map((l) => ({ account: l.account, currency: l.currency, debitMinor: l.creditMinor, creditMinor: l.debitMinor }));
      return entry(event, 'reversal', swapped, {
        paymentId: target.paymentId,
        refundId: target.refundId,
        payoutId: target.payoutId,
        gateway: target.gateway,
        currency: target.currency,
        reversesEntryId: targetId,
        description: `reversal of ${target.kind} ${targetId}: ${d.reason ?? 'reversed'}`,
      });
    }
    default:
      return undefined;
  }
}

type EntryFacts = Pick<JournalEntry, 'paymentId' | 'refundId' | 'payoutId' | 'gateway' | 'currency' | 'description' | 'reversesEntryId'>;

function entry(event: PostableEvent, kind: EntryKind, lines: ReadonlyArray<Omit<JournalLine, 'lineNo'>>, facts: EntryFacts): JournalEntry {
  const posted: JournalEntry = {
    entryId: event.eventId,
    kind,
    eventType: event.type,
    streamId: event.streamId,
    transactionId: event.transactionId,
    position: event.position,
    ...withoutUndefined(facts),
    occurredAt: event.occurredAt,
    recordedAt: event.recordedAt,
    lines: numberLines(lines),
  };
  assertBalanced(posted);
  return posted;
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

function field(event: PostableEvent, value: unknown, name: string): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new DomainError('LEDGER.INVALID_EVENT', `${event.type} ${event.eventId} has no ${name}`, { eventId: event.eventId, field: name });
  }
  return value;
}

function minor(event: PostableEvent, value: unknown): bigint {
  try {
    return toMinorUnits(value as string);
  } catch {
    throw new DomainError('LEDGER.INVALID_EVENT', `${event.type} ${event.eventId} carries no integer amount`, { eventId: event.eventId });
  }
}

function positive(event: PostableEvent, amountMinor: unknown, currency: unknown): Money {
  const amount = Money.of(minor(event, amountMinor), currency as string);
  if (!amount.isPositive()) throw new DomainError('LEDGER.INVALID_AMOUNT', `${event.type} ${event.eventId} moves ${amount.amountMinor} ${amount.currency}; only positive amounts post`, { eventId: event.eventId });
  return amount;
}
