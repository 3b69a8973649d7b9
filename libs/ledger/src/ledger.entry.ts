import { Currency, DomainError, Money } from '@payledger/kernel';

/** Why an entry exists; one kind per posting rule. */
export type EntryKind = 'payment_captured' | 'refund_paid' | 'payout_transferred' | 'reconciliation_correction' | 'reversal';

export interface JournalLine {
  /** 1-based, in the order the rule wrote them. */
  lineNo: number;
  account: string;
  currency: Currency;
  /** Exactly one of the two is positive; the other is 0. */
  debitMinor: bigint;
  creditMinor: bigint;
}

/**
 * One balanced journal entry, keyed by the event that caused it: posting the same event again finds the
 * entry already there. Every field derives from that event (and, for a reversal, the entry it reverses),
 * so a rebuild from the events writes the same entry.
 */
export interface JournalEntry {
  entryId: string;
  kind: EntryKind;
  eventType: string;
  streamId: string;
  /** The causing event's place in the commit order. */
  transactionId: bigint;
  position: bigint;
  paymentId?: string;
  refundId?: string;
  payoutId?: string;
  gateway?: string;
  currency: Currency;
  description: string;
  reversesEntryId?: string;
  occurredAt: Date;
  recordedAt: Date;
  lines: JournalLine[];
}

export function debit(account: string, amount: Money): Omit<JournalLine, 'lineNo'> {
  return { account, currency: amount.currency, debitMinor: amount.amountMinor, creditMinor: 0n };
}

export function credit(account: string, amount: Money): Omit<JournalLine, 'lineNo'> {
  return { account, currency: amount.currency, debitMinor: 0n, creditMinor: amount.amountMinor };
}

export function numberLines(lines: ReadonlyArray<Omit<JournalLine, 'lineNo'>>): JournalLine[] {
  return lines.map((line, index) => ({ ...line, lineNo: index + 1 }));
}

/** Debits minus credits per currency; an entry balances when every value is 0. */
/** The shape the balance checks read: a currency that may come straight from a row. */
export interface LineAmounts {
  account: string;
  currency: string;
  debitMinor: bigint;
  creditMinor: bigint;
}

export function netByCurrency(lines: ReadonlyArray<Omit<LineAmounts, 'account'>>): Map<string, bigint> {
  const net = new Map<string, bigint>();
  for (const line of lines) net.set(line.currency, (net.get(line.currency) ?? 0n) + line.debitMinor - line.creditMinor);
  return net;
}

/**
 * Lines balance per currency, and each line has exactly one positive side. Checked when an entry is
 * posted and again whenever entries are read back, so a corrupted row is reported, never summed.
 */
export function assertBalanced(entry: { entryId: string; lines: readonly LineAmounts[] }): void {
  if (entry.lines.length < 2) {
    throw new DomainError('LEDGER.UNBALANCED', `entry ${entry.entryId} has ${entry.lines.length} line(s); double entry needs at least two`, { entryId: entry.entryId });
  }
  for (const line of entry.lines) {
    const oneSided = (line.debitMinor > 0n && line.creditMinor === 0n) || (line.creditMinor > 0n && line.debitMinor === 0n);
    if (!oneSided) {
      throw new DomainError('LEDGER.UNBALANCED', `entry ${entry.entryId} has a line on ${line.account} that is not one positive debit or credit`, {
        entryId: entry.entryId,
        account: line.account,
      });
    }
  }
  for (const [currency, net] of netByCurrency(entry.lines)) {
    if (net !== 0n) {
      throw new DomainError('LEDGER.UNBALANCED', `entry ${entry.entryId} is off by ${net} minor units of ${currency}`, {
        entryId: entry.entryId,
        currency,
        differenceMinor: net.toString(),
      });
    }
  }
}
