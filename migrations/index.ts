import { EventStore1763780000000 } from './1763780000000-event-store';
import { PaymentsWriteSide1763790000000 } from './1763790000000-payments-write-side';
import { LedgerProjections1763800000000 } from './1763800000000-ledger-projections';
import { Jobs1763825000000 } from './1763825000000-jobs';

/** Every migration, in order. A new migration is appended here and never edited once landed. */
export const MIGRATIONS = [EventStore1763780000000, PaymentsWriteSide1763790000000, LedgerProjections1763800000000, Jobs1763825000000];
