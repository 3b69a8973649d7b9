/**
 * The event store as domain code sees it. Implementations: PostgresEventStore. Domain code depends on
 * this abstract class (also the Nest injection token), never on pg or TypeORM.
 */
export interface EventMetadata {
  correlationId?: string;
  causationId?: string;
  actor?: string;
  gateway?: string;
  requestId?: string;
  [key: string]: unknown;
}

export interface NewEvent<TData = unknown> {
  type: string;
  data: TData;
  /** Defaults to the latest version the upcaster registry knows for the type (1 when none). */
  schemaVersion?: number;
  metadata?: EventMetadata;
  /** Defaults to a fresh uuid; give one to make a retried append detectable. */
  eventId?: string;
  /** When it happened in the world; defaults to the store's clock. */
  occurredAt?: Date;
}

export interface RecordedEvent<TData = unknown> {
  position: bigint;
  transactionId: bigint;
  streamId: string;
  streamVersion: number;
  eventId: string;
  type: string;
  schemaVersion: number;
  data: TData;
  metadata: EventMetadata;
  occurredAt: Date;
  recordedAt: Date;
}

/** `no_stream`: the stream must not exist. A number: the stream's current version (0 = must not exist). */
export type ExpectedVersion = number | 'no_stream' | 'any';

export interface AppendResult {
  /** The stream's version after the append. */
  nextVersion: number;
  events: RecordedEvent[];
}

/** A subscriber's place in the commit order: (transaction id, position) of the last event it handled. */
export interface Checkpoint {
  transactionId: bigint;
  position: bigint;
}
export const START_CHECKPOINT: Checkpoint = { transactionId: 0n, position: 0n };

export class ConcurrencyError extends Error {
  readonly code = 'EVENT_STORE.CONCURRENCY';
  constructor(
    readonly streamId: string,
    readonly expected: ExpectedVersion,
    readonly actual: number | undefined,
  ) {
    super(`stream ${streamId} is at version ${actual ?? 'none'}, append expected ${expected}`);
    this.name = 'ConcurrencyError';
  }
}

export class DuplicateEventError extends Error {
  readonly code = 'EVENT_STORE.DUPLICATE_EVENT';
  constructor(readonly eventId: string) {
    super(`event ${eventId} is already stored`);
    this.name = 'DuplicateEventError';
  }
}

export abstract class EventStore {
  abstract append(streamId: string, events: readonly NewEvent[], expected: ExpectedVersion): Promise<AppendResult>;
  abstract readStream(streamId: string, options?: { fromVersion?: number; limit?: number }): Promise<RecordedEvent[]>;
  /** Events committed after `after`, in commit order, never past a transaction still open. */
  abstract readAll(after: Checkpoint, limit: number): Promise<RecordedEvent[]>;
  abstract streamVersion(streamId: string): Promise<number>;
}

/** `payment-pay_123` → `payment`. */
export function categoryOf(streamId: string): string {
  const dash = streamId.indexOf('-');
  return dash > 0 ? streamId.slice(0, dash) : streamId;
}

export function checkpointOf(event: Pick<RecordedEvent, 'transactionId' | 'position'>): Checkpoint {
  return { transactionId: event.transactionId, position: event.position };
}

export function compareCheckpoints(a: Checkpoint, b: Checkpoint): number {
  if (a.transactionId !== b.transactionId) return a.transactionId < b.transactionId ? -1 : 1;
  if (a.position !== b.position) return a.position < b.position ? -1 : 1;
  return 0;
}
