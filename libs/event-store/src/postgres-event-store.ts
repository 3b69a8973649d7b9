import { randomUUID } from 'node:crypto';
import { Pool, PoolClient } from 'pg';
import {
  AppendResult,
  categoryOf,
  Checkpoint,
  ConcurrencyError,
  DuplicateEventError,
  EventStore,
  ExpectedVersion,
  NewEvent,
  RecordedEvent,
} from './event-store.port';
import { toJson } from './json';
import { Redactor } from './redaction';
import { UpcasterRegistry } from './upcasters';

/** Appends larger than this are refused: a stream is a unit of consistency, not a bulk loader. */
export const APPEND_EVENTS_MAX = 1000;
export const READ_LIMIT_MAX = 10_000;
export const EVENTS_CHANNEL = 'payledger_events';
const NOTIFY_DEBOUNCE_MS = 5;

interface PreparedEvents {
  count: number;
  eventIds: string[];
  types: string[];
  schemaVersions: number[];
  data: string[];
  metadata: string[];
  occurredAt: string[];
}

/** The expected version as a query parameter, only when the bump SQL compares against one. */
function exactVersion(expected: ExpectedVersion): number[] {
  return typeof expected === 'number' && expected > 0 ? [expected] : [];
}

/**
 * SQL that moves a stream's version forward by $3 and returns the new version; no row = expectation failed.
 * `expectedParam` names the placeholder holding the exact expected version (used only for a number > 0).
 */
function versionBumpSql(expected: ExpectedVersion, expectedParam: string): string {
  if (expected === 'no_stream' || expected === 0) {
    return `INSERT INTO streams (stream_id, category, version) VALUES ($1, $2, $3) ON CONFLICT (stream_id) DO NOTHING RETURNING version`;
  }
  if (expected === 'any') {
    return `INSERT INTO streams (stream_id, category, version) VALUES ($1, $2, $3)
            ON CONFLICT (stream_id) DO UPDATE SET version = streams.version + $3, updated_at = now() RETURNING version`;
  }
  return `UPDATE streams SET version = version + $3, updated_at = now() WHERE stream_id = $1 AND category = $2 AND version = ${expectedParam} RETURNING version`;
}

/**
 * Runs in the append's transaction after the events are inserted: derived lookup rows that must never
 * disagree with the events (e.g. gateway reference → payment id). Rebuildable from events like any projection.
 */
export interface InlineProjection {
  name: string;
  apply(client: PoolClient, events: readonly RecordedEvent[]): Promise<void>;
}

export interface PostgresEventStoreOptions {
  upcasters?: UpcasterRegistry;
  redact?: Redactor;
  inlineProjections?: readonly InlineProjection[];
  now?: () => Date;
}

interface EventRow {
  position: bigint;
  transaction_id: string;
  stream_id: string;
  stream_version: number;
  event_id: string;
  type: string;
  schema_version: number;
  data: unknown;
  metadata: Record<string, unknown>;
  occurred_at: Date;
  recorded_at: Date;
}

const EVENT_COLUMNS = `position, transaction_id::text AS transaction_id, stream_id, stream_version, event_id, type,
  schema_version, data, metadata, occurred_at, recorded_at`;

export class PostgresEventStore extends EventStore {
  private readonly upcasters: UpcasterRegistry;
  private readonly redact: Redactor;
  private readonly inlineProjections: readonly InlineProjection[];
  private readonly now: () => Date;
  private notifyPending = false;

  constructor(
    private readonly pool: Pool,
    options: PostgresEventStoreOptions = {},
  ) {
    super();
    this.upcasters = options.upcasters ?? new UpcasterRegistry();
    this.redact = options.redact ?? (<T>(v: T) => v);
    this.inlineProjections = options.inlineProjections ?? [];
    this.now = options.now ?? (() => new Date());
  }

  async append(streamId: string, events: readonly NewEvent[], expected: ExpectedVersion): Promise<AppendResult> {
    if (events.length === 0) throw new RangeError('append needs at least one event');
    if (events.length > APPEND_EVENTS_MAX) throw new RangeError(`append takes at most ${APPEND_EVENTS_MAX} events`);
    if (typeof expected === 'number' && (!Number.isInteger(expected) || expected < 0)) throw new RangeError(`invalid expected version ${expected}`);
    const prepared = this.prepare(events);
    const result = this.inlineProjections.length === 0 ? await this.appendInOneStatement(streamId, prepared, expected) : await this.appendInTransaction(streamId, prepared, expected);
    this.notifySoon();
    return result;
  }

  private prepare(events: readonly NewEvent[]): PreparedEvents {
    const now = this.now().toISOString();
    return {
      count: events.length,
      eventIds: events.map((e) => e.eventId ?? randomUUID()),
      types: events.map((e) => e.type),
      schemaVersions: events.map((e) => e.schemaVersion ?? this.upcasters.latestVersion(e.type)),
      data: events.map((e) => toJson(this.redact(e.data))),
      metadata: events.map((e) => toJson(this.redact(e.metadata ?? {}))),
      occurredAt: events.map((e) => (e.occurredAt ? e.occurredAt.toISOString() : now)),
    };
  }

  /**
   * The common path: one round trip. The CTE moves the stream's version under its row lock (a concurrent
   * append with the same expectation waits, then finds the version moved and inserts nothing), and the
   * events take their versions from the moved counter.
   */
  private async appendInOneStatement(streamId: string, p: PreparedEvents, expected: ExpectedVersion): Promise<AppendResult> {
    const bump = versionBumpSql(expected, '$10');
    try {
      const inserted = await this.pool.query<EventRow>(
        `WITH bumped AS (${bump})
         INSERT INTO events (stream_id, stream_version, event_id, type, schema_version, data, metadata, occurred_at)
         SELECT $1, bumped.version - $3 + x.ord, x.e, x.t, x.s, x.d, x.m, x.o
           FROM bumped,
                unnest($4::uuid[], $5::text[], $6::int[], $7::jsonb[], $8::jsonb[], $9::timestamptz[]) WITH ORDINALITY AS x(e, t, s, d, m, o, ord)
         RETURNING ${EVENT_COLUMNS}`,
        [streamId, categoryOf(streamId), p.count, p.eventIds, p.types, p.schemaVersions, p.data, p.metadata, p.occurredAt, ...exactVersion(expected)],
      );
      if (inserted.rowCount === 0) throw new ConcurrencyError(streamId, expected, await this.streamVersion(streamId));
      const recorded = inserted.rows.map((row) => this.toRecorded(row)).sort((a, b) => a.streamVersion - b.streamVersion);
      return { nextVersion: recorded[recorded.length - 1].streamVersion, events: recorded };
    } catch (error) {
      throw this.translate(error, streamId, expected);
    }
  }

  /** With inline projections: the same append plus their writes, in one transaction. */
  private async appendInTransaction(streamId: string, p: PreparedEvents, expected: ExpectedVersion): Promise<AppendResult> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const bumped = await client.query<{ version: number }>(versionBumpSql(expected, '$4'), [streamId, categoryOf(streamId), p.count, ...exactVersion(expected)]);
      if (bumped.rowCount === 0) throw new ConcurrencyError(streamId, expected, await this.streamVersion(streamId));
      const firstVersion = bumped.rows[0].version - p.count + 1;
      const inserted = await client.query<EventRow>(
        `INSERT INTO events (stream_id, stream_version, event_id, type, schema_version, data, metadata, occurred_at)
         SELECT $1, $2 + x.ord - 1, x.e, x.t, x.s, x.d, x.m, x.o
           FROM unnest($3::uuid[], $4::text[], $5::int[], $6::jsonb[], $7::jsonb[], $8::timestamptz[]) WITH ORDINALITY AS x(e, t, s, d, m, o, ord)
         RETURNING ${EVENT_COLUMNS}`,
        [streamId, firstVersion, p.eventIds, p.types, p.schemaVersions, p.data, p.metadata, p.occurredAt],
      );
      const recorded = inserted.rows.map((row) => this.toRecorded(row)).sort((a, b) => a.streamVersion - b.streamVersion);
      for (const projection of this.inlineProjections) await projection.apply(client, recorded);
      await client.query('COMMIT');
      return { nextVersion: firstVersion + p.count - 1, events: recorded };
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw this.translate(error, streamId, expected);
    } finally {
      client.release();
    }
  }

  /**
   * Wakes idle subscribers. Sent after the commit and at most once per NOTIFY_DEBOUNCE_MS: a NOTIFY inside
   * the append would take PostgreSQL's global notify lock at every commit and serialise all writers.
   */
  private notifySoon(): void {
    if (this.notifyPending) return;
    this.notifyPending = true;
    setTimeout(() => {
      this.notifyPending = false;
      this.pool.query(`SELECT pg_notify('${EVENTS_CHANNEL}', '')`).catch(() => undefined);
    }, NOTIFY_DEBOUNCE_MS).unref();
  }

  private translate(error: unknown, streamId: string, expected: ExpectedVersion): unknown {
    const pgError = error as { code?: string; constraint?: string; detail?: string };
    if (pgError.code === '23505' && pgError.constraint === 'events_event_id_key') {
      const eventId = /\(event_id\)=\(([^)]+)\)/.exec(pgError.detail ?? '')?.[1] ?? 'unknown';
      return new DuplicateEventError(eventId);
    }
    if (pgError.code === '23505' && pgError.constraint === 'events_stream_version_unique') {
      return new ConcurrencyError(streamId, expected, undefined);
    }
    return error;
  }

  async readStream(streamId: string, options: { fromVersion?: number; limit?: number } = {}): Promise<RecordedEvent[]> {
    const limit = Math.min(options.limit ?? READ_LIMIT_MAX, READ_LIMIT_MAX);
    const result = await this.pool.query<EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM events WHERE stream_id = $1 AND stream_version >= $2 ORDER BY stream_version LIMIT $3`,
      [streamId, options.fromVersion ?? 1, limit],
    );
    return result.rows.map((row) => this.toRecorded(row));
  }

  async readAll(after: Checkpoint, limit: number): Promise<RecordedEvent[]> {
    return readAllWith(this.pool, after, limit, (row) => this.toRecorded(row));
  }

  async streamVersion(streamId: string): Promise<number> {
    const result = await this.pool.query<{ version: number }>(`SELECT version FROM streams WHERE stream_id = $1`, [streamId]);
    return result.rows[0]?.version ?? 0;
  }

  /** Applies upcasters: every reader sees the latest schema of every event. */
  toRecorded(row: EventRow): RecordedEvent {
    const upcast = this.upcasters.upcast(row.type, row.schema_version, row.data);
    return {
      position: BigInt(row.position),
      transactionId: BigInt(row.transaction_id),
      streamId: row.stream_id,
      streamVersion: row.stream_version,
      eventId: row.event_id,
      type: row.type,
      schemaVersion: upcast.schemaVersion,
      data: upcast.data,
      metadata: row.metadata,
      occurredAt: row.occurred_at,
      recordedAt: row.recorded_at,
    };
  }
}

/**
 * Commit order, gated on visibility: a position is taken at insert but becomes visible at commit, so
 * "position > N" would skip a transaction that commits late. Only transactions older than every
 * transaction still running are read; the checkpoint is the (transaction id, position) pair.
 * The order is an explicit sort, not the index's: under concurrent inserts PostgreSQL 18.4 returned
 * this ordered index scan out of order (a batch after position 25 began with 40, then 26), which with
 * LIMIT moved checkpoints past unread events. The index still narrows the range (checkpoint xid up to
 * xmin: only recent events in steady state); subscribers also assert every batch ascends.
 */
export async function readAllWith(
  queryable: Pick<Pool | PoolClient, 'query'>,
  after: Checkpoint,
  limit: number,
  map: (row: EventRow) => RecordedEvent,
): Promise<RecordedEvent[]> {
  const bounded = Math.max(1, Math.min(limit, READ_LIMIT_MAX));
  const result = await queryable.query<EventRow>(
    `SELECT ${EVENT_COLUMNS} FROM events
      WHERE transaction_id >= $1::text::xid8
        AND (transaction_id > $1::text::xid8 OR position > $2::bigint)
        AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())
      ORDER BY transaction_id::text::numeric, position
      LIMIT $3`,
    [after.transactionId.toString(), after.position.toString(), bounded],
  );
  return result.rows.map(map);
}

export type { EventRow };
