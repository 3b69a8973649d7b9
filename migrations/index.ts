import { EventStore1763780000000 } from './1763780000000-event-store';
import { PaymentsWriteSide1763790000000 } from './1763790000000-payments-write-side';

/** Every migration, in order. A new migration is appended here and never edited once landed. */
export const MIGRATIONS = [EventStore1763780000000, PaymentsWriteSide1763790000000];
