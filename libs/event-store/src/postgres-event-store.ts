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
  /** When given, an append none of whose events it names skips the transaction (the one-statement path). */
  handles?(streamId: string, type: string): boolean;
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
  /** From EVENT_COLUMNS. */
  occurred_at?: Date;
  recorded_at?: Date;
  /**
   * From the readAll columns instead: milliseconds since the epoch, as text. Parsing two timestamps per row
   * cost as much as the rest of the row; this gives the same Date (both truncate to the millisecond).
   */
  occurred_at_ms?: string;
  recorded_at_ms?: string;
}

/** The columns an EventRow holds, for readers that query the events table themselves (`toRecorded` maps them). */
export const EVENT_COLUMNS = `position, transaction_id::text AS transaction_id, stream_id, stream_version, event_id, type,
  schema_version, data, metadata, occurred_at, recorded_at`;
const READ_ALL_COLUMNS = `position, transaction_id::text AS transaction_id, stream_id, stream_version, event_id, type,
  schema_version, data, metadata, floor(extract(epoch FROM occurred_at) * 1000)::bigint::text AS occurred_at_ms,
  floor(extract(epoch FROM recorded_at) * 1000)::bigint::text AS recorded_at_ms`;

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
    const inline = this.inlineProjections.some((projection) => !projection.handles || events.some((e) => projection.handles!(streamId, e.type)));
    const result = inline ? await this.appendInTransaction(streamId, prepared, expected) : await this.appendInOneStatement(streamId, prepared, expected);
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
      occurredAt: row.occurred_at_ms !== undefined ? new Date(Number(row.occurred_at_ms)) : row.occurred_at!,
      recordedAt: row.recorded_at_ms !== undefined ? new Date(Number(row.recorded_at_ms)) : row.recorded_at!,
    };
  }
}

/**
 * Commit order, gated on visibility: a position is taken at insert but becomes visible at commit, so
 * "position > N" would skip a transaction that commits late. Only transactions older than every
 * transaction still running are read; the checkpoint is the (transaction id, position) pair.
 * The order is an explicit sort, not the index's: under concurrent inserts PostgreSQL 18.4 returned
 * this ordered index scan out of order (a batch after position 25 began with 40, then 26), which with
 * LIMIT moved checkpoints past unread events; subscribers also assert every batch ascends.
 *
 * The sort is kept to about one batch: `upper` is the `limit`-th visible event after the checkpoint in
 * index order, and only rows up to it are sorted. Without it a read from position zero sorted every
 * event in the store (1.2 s per batch over 1 000 000 events, against 20 ms with it). The bound is only a
 * narrowing: the candidates are every visible row between the checkpoint and `upper` by value, so even
 * if the index walk that found `upper` were out of order, the sorted first `limit` of them are still the
 * next events in commit order (anything left out sorts after `upper`), at worst fewer than `limit`.
 */
export async function readAllWith(
  queryable: Pick<Pool | PoolClient, 'query'>,
  after: Checkpoint,
  limit: number,
  map: (row: EventRow) => RecordedEvent,
  options: ReadAllOptions = {},
): Promise<RecordedEvent[]> {
  const bounded = Math.max(1, Math.min(limit, READ_LIMIT_MAX));
  const columns = options.fullRowsFor ? THIN_EVENT_COLUMNS : READ_ALL_COLUMNS;
  const result = await queryable.query<EventRow>(
    `WITH horizon AS MATERIALIZED (SELECT pg_snapshot_xmin(pg_current_snapshot()) AS xmin),
          upper_event AS MATERIALIZED (
            SELECT transaction_id, position FROM events
             WHERE (transaction_id, position) > ($1::text::xid8, $2::bigint)
               AND transaction_id < (SELECT xmin FROM horizon)
             ORDER BY transaction_id, position
             OFFSET $3 - 1 LIMIT 1),
          upper AS MATERIALIZED (
            SELECT COALESCE((SELECT transaction_id FROM upper_event), (SELECT xmin FROM horizon)) AS transaction_id,
                   COALESCE((SELECT position FROM upper_event), 0::bigint) AS position)
     SELECT ${columns} FROM events
      WHERE (transaction_id, position) > ($1::text::xid8, $2::bigint)
        AND transaction_id < (SELECT xmin FROM horizon)
        AND (transaction_id, position) <= ((SELECT transaction_id FROM upper), (SELECT position FROM upper))
      ORDER BY transaction_id::text::numeric, position
      LIMIT $3`,
    [after.transactionId.toString(), after.position.toString(), bounded, ...(options.fullRowsFor ? [options.fullRowsFor] : [])],
  );
  const whole = options.fullRowsFor ? new Set(options.fullRowsFor) : undefined;
  return result.rows.map((row) => (whole && !whole.has(row.type) ? thinEvent(row) : map(row)));
}

export interface ReadAllOptions {
  /**
   * Only events of these types come back whole; the others carry just their place (position, transaction,
   * stream, version, id, type) with `data` null, `metadata` empty and epoch-zero times. For replays that
   * post a few types out of many: most of a row's cost is parsing its JSON and timestamps.
   */
  fullRowsFor?: readonly string[];
}

const THIN_EVENT_COLUMNS = `position, transaction_id::text AS transaction_id, stream_id, stream_version, event_id, type, schema_version,
  CASE WHEN type = ANY($4::text[]) THEN data END AS data, CASE WHEN type = ANY($4::text[]) THEN metadata END AS metadata,
  CASE WHEN type = ANY($4::text[]) THEN floor(extract(epoch FROM occurred_at) * 1000)::bigint::text END AS occurred_at_ms,
  CASE WHEN type = ANY($4::text[]) THEN floor(extract(epoch FROM recorded_at) * 1000)::bigint::text END AS recorded_at_ms`;

function thinEvent(row: EventRow): RecordedEvent {
  return {
    position: BigInt(row.position),
    transactionId: BigInt(row.transaction_id),
    streamId: row.stream_id,
    streamVersion: row.stream_version,
    eventId: row.event_id,
    type: row.type,
    schemaVersion: row.schema_version,
    data: null,
    metadata: {},
    occurredAt: new Date(0),
    recordedAt: new Date(0),
  };
}

export type { EventRow };
