import type { PostgresEventStore, SubscriptionHandler } from '@payledger/event-store';
import { DomainError } from '@payledger/kernel';
import { DAILY_SUMMARY_TABLES, DailySummaryProjection, DailySummaryTables } from './daily-summary.projection';
import { JOURNAL_TABLES, JournalProjection, JournalTables } from './journal.projection';
import { LEDGER_INPUT_EVENT_TYPES, POSTED_EVENT_TYPES } from './ledger.inputs';
import { PAYMENTS_VIEW_TABLES, PaymentFold, PaymentsViewProjection, PaymentsViewTables } from './payments-view.projection';

export const PROJECTION_NAMES = ['ledger-journal', 'payments-view', 'daily-summary'] as const;
export type ProjectionName = (typeof PROJECTION_NAMES)[number];

/** Live batches stay small (short transactions behind live traffic); a rebuild takes bigger ones. */
export const LIVE_BATCH_SIZE = 500;
export const REBUILD_BATCH_SIZE = 5000;

export interface LedgerProjectionDefinition {
  /** Also the subscription (checkpoint) name. */
  name: ProjectionName;
  description: string;
  /** The event types its handler takes, when it takes them by type: a replay reads only those in full. */
  eventTypes?: readonly string[];
  /** Live tables by role, in the order every writer locks them. */
  tables: Readonly<Record<string, string>>;
  /** The subscriber writing into `tables` (the live ones, or a rebuild's shadows). */
  handler(tables: Readonly<Record<string, string>>, subscriptionName: string, batchSizeMax: number): SubscriptionHandler;
}

export interface LedgerProjectionDeps {
  store: Pick<PostgresEventStore, 'toRecorded'>;
  /** libs/payments `foldPayment`. */
  foldPayment: PaymentFold;
}

/** The ledger's projections. The journal and its balances are one subscriber, so a balance is always the journal's sum. */
export function ledgerProjections(deps: LedgerProjectionDeps): LedgerProjectionDefinition[] {
  return [
    {
      name: 'ledger-journal',
      description: 'journal entries and lines (with running balances) and account balances per currency',
      eventTypes: [...POSTED_EVENT_TYPES],
      tables: JOURNAL_TABLES as unknown as Record<string, string>,
      handler: (tables, name, batch) => new JournalProjection(name, tables as unknown as JournalTables, batch),
    },
    {
      name: 'payments-view',
      description: 'one row per payment: status, amounts captured and refunded, gateway references, times',
      tables: PAYMENTS_VIEW_TABLES as unknown as Record<string, string>,
      handler: (tables, name, batch) => new PaymentsViewProjection(name, tables as unknown as PaymentsViewTables, deps.foldPayment, (row) => deps.store.toRecorded(row), batch),
    },
    {
      name: 'daily-summary',
      description: 'per UTC day, gateway and currency: payments, gross, refunds, net',
      eventTypes: [LEDGER_INPUT_EVENT_TYPES.paymentSucceeded, LEDGER_INPUT_EVENT_TYPES.refundSucceeded],
      tables: DAILY_SUMMARY_TABLES as unknown as Record<string, string>,
      handler: (tables, name, batch) => new DailySummaryProjection(name, tables as unknown as DailySummaryTables, batch),
    },
  ];
}

export function isProjectionName(value: unknown): value is ProjectionName {
  return typeof value === 'string' && (PROJECTION_NAMES as readonly string[]).includes(value);
}

export function projectionNamed(projections: readonly LedgerProjectionDefinition[], name: string): LedgerProjectionDefinition {
  const found = projections.find((p) => p.name === name);
  if (!found) throw new DomainError('PROJECTION.NOT_FOUND', `no projection ${JSON.stringify(name)}; there are ${projections.map((p) => p.name).join(', ')}`, { projections: projections.map((p) => p.name) });
  return found;
}
