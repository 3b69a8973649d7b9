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
    const count = events.length;
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const firstVersion = (await this.reserveVersions(client, streamId, count, expected)) + 1;
      const now = this.now();
      const prepared = events.map((event, index) => ({
        version: firstVersion + index,
        eventId: event.eventId ?? randomUUID(),
        type: event.type,
        schemaVersion: event.schemaVersion ?? this.upcasters.latestVersion(event.type),
        data: toJson(this.redact(event.data)),
        metadata: toJson(this.redact(event.metadata ?? {})),
        occurredAt: (event.occurredAt ?? now).toISOString(),
      }));
      const inserted = await client.query<EventRow>(
        `INSERT INTO events (stream_id, stream_version, event_id, type, schema_version, data, metadata, occurred_at)
         SELECT $1, v, e, t, s, d, m, o
           FROM unnest($2::int[], $3::uuid[], $4::text[], $5::int[], $6::jsonb[], $7::jsonb[], $8::timestamptz[])
             AS x(v, e, t, s, d, m, o)
         RETURNING ${EVENT_COLUMNS}`,
        [
          streamId,
          prepared.map((p) => p.version),
          prepared.map((p) => p.eventId),
          prepared.map((p) => p.type),
          prepared.map((p) => p.schemaVersion),
          prepared.map((p) => p.data),
          prepared.map((p) => p.metadata),
          prepared.map((p) => p.occurredAt),
        ],
      );
      const recorded = inserted.rows.sort((a, b) => a.stream_version - b.stream_version).map((row) => this.toRecorded(row));
      for (const projection of this.inlineProjections) await projection.apply(client, recorded);
      // Delivered at commit: wakes idle subscribers at once instead of at their next poll.
      await client.query(`SELECT pg_notify('${EVENTS_CHANNEL}', $1)`, [categoryOf(streamId)]);
      await client.query('COMMIT');
      return { nextVersion: firstVersion + count - 1, events: recorded };
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw this.translate(error, streamId, expected);
    } finally {
      client.release();
    }
  }

  /** Moves the stream's version forward under a row lock and returns the version before the append. */
  private async reserveVersions(client: PoolClient, streamId: string, count: number, expected: ExpectedVersion): Promise<number> {
    const category = categoryOf(streamId);
    if (expected === 'no_stream' || expected === 0) {
      const created = await client.query(
        `INSERT INTO streams (stream_id, category, version) VALUES ($1, $2, $3) ON CONFLICT (stream_id) DO NOTHING RETURNING version`,
        [streamId, category, count],
      );
      if (created.rowCount === 0) throw new ConcurrencyError(streamId, expected, await this.versionIn(client, streamId));
      return 0;
    }
    if (expected === 'any') {
      const upserted = await client.query<{ version: number }>(
        `INSERT INTO streams (stream_id, category, version) VALUES ($1, $2, $3)
         ON CONFLICT (stream_id) DO UPDATE SET version = streams.version + $3, updated_at = now()
         RETURNING version`,
        [streamId, category, count],
      );
      return upserted.rows[0].version - count;
    }
    if (!Number.isInteger(expected) || expected < 0) throw new RangeError(`invalid expected version ${String(expected)}`);
    const updated = await client.query(
      `UPDATE streams SET version = version + $3, updated_at = now() WHERE stream_id = $1 AND version = $2 RETURNING version`,
      [streamId, expected, count],
    );
    if (updated.rowCount === 0) throw new ConcurrencyError(streamId, expected, await this.versionIn(client, streamId));
    return expected;
  }

  private async versionIn(client: PoolClient, streamId: string): Promise<number | undefined> {
    const result = await client.query<{ version: number }>(`SELECT version FROM streams WHERE stream_id = $1`, [streamId]);
    return result.rows[0]?.version;
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
      WHERE (transaction_id, position) > ($1::text::xid8, $2::bigint)
        AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())
      ORDER BY transaction_id, position
      LIMIT $3`,
    [after.transactionId.toString(), after.position.toString(), bounded],
  );
  return result.rows.map(map);
}

export type { EventRow };
