import { EventStore1763780000000 } from './1763780000000-event-store';

/** Every migration, in order. A new migration is appended here and never edited once landed. */
export const MIGRATIONS = [EventStore1763780000000];
