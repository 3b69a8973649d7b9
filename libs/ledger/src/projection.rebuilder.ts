import type { Pool, PoolClient } from 'pg';
import { Checkpoint, checkpointOf, compareCheckpoints, PostgresEventStore, ReadAllOptions, readAllWith, RecordedEvent, START_CHECKPOINT, SubscriptionHandler } from '@payledger/event-store';
import { DomainError, invariant } from '@payledger/kernel';
import { LedgerProjectionDefinition, projectionNamed, REBUILD_BATCH_SIZE } from './ledger.projections';

/** Advisory-lock class of rebuilds (7301 is the subscriptions'; 7302 the api-key bootstrap's). */
export const REBUILD_LOCK_CLASS = 7310;
const SHADOW_SUFFIX = '__rebuild';
const RETIRED_SUFFIX = '__retired';
/** Batches replayed inside the swap transaction; more left over means live traffic outran us: drain again. */
const CATCH_UP_BATCHES_MAX = 4;
/** Rounds of drain-then-swap before giving up (a deadlock or lock timeout costs one). */
const SWAP_ATTEMPTS_MAX = 5;
const SWAP_LOCK_TIMEOUT_MS = 10_000;
const SWAP_RETRY_PAUSE_MS = 250;

export interface RebuildResult {
  name: string;
  eventsRead: number;
  durationMs: number;
  eventsPerSecond: number;
  checkpoint: Checkpoint;
}

export interface RebuildStatus {
  name: string;
  /** `interrupted`: recorded as running, but no process holds its lock any more (it stopped mid-way). */
  state: 'idle' | 'running' | 'completed' | 'failed' | 'interrupted';
  startedAt?: Date;
  finishedAt?: Date;
  eventsRead?: number;
  durationMs?: number;
  error?: string;
}

export function shadowName(table: string): string {
  return `${table}${SHADOW_SUFFIX}`;
}

export function rebuildSubscriptionName(name: string): string {
  return `${name}~rebuild`;
}

/** A rebuild that holds its lock; `completion` settles when the swap is done (or it failed). */
export interface RunningRebuild {
  name: string;
  completion: Promise<RebuildResult>;
}

/**
 * Rebuilds a projection from position zero without stopping it: the events are replayed into shadow
 * tables in ordinary short batches (their own checkpoint, `<name>~rebuild`), while the live projection
 * keeps serving and following new events. When the shadow has caught up, one short transaction locks
 * the live tables (waiting for a live batch in flight), replays the few events that arrived meanwhile,
 * renames the shadow tables into place (with the live indexes' names) and hands the shadow's checkpoint
 * to the live subscriber. A live batch that was waiting then fails its checkpoint compare-and-set and
 * is re-read from the new checkpoint, so nothing is applied twice.
 *
 * Appends never touch these tables, so they are never blocked; readers wait only for the swap.
 */
export class ProjectionRebuilder {
  constructor(
    private readonly pool: Pool,
    private readonly store: PostgresEventStore,
    private readonly projections: readonly LedgerProjectionDefinition[],
    private readonly options: { batchSizeMax?: number; log?: (line: string) => void } = {},
  ) {}

  names(): string[] {
    return this.projections.map((p) => p.name);
  }

  /** Runs a whole rebuild and returns when it is in place. */
  async rebuild(name: string): Promise<RebuildResult> {
    return (await this.start(name)).completion;
  }

  /** Takes the rebuild lock (PROJECTION.REBUILD_RUNNING when another rebuild of it holds it) and starts. */
  async start(name: string): Promise<RunningRebuild> {
    const projection = projectionNamed(this.projections, name);
    const lockClient = await this.pool.connect();
    let locked = false;
    try {
      const result = await lockClient.query<{ locked: boolean }>(`SELECT pg_try_advisory_lock($1, hashtext($2)) AS locked`, [REBUILD_LOCK_CLASS, name]);
      locked = result.rows[0].locked;
      if (!locked) throw new DomainError('PROJECTION.REBUILD_RUNNING', `a rebuild of ${name} is already running`, { name });
      await this.pool.query(
        `INSERT INTO projection_rebuilds (name, state, started_at, finished_at, events_read, duration_ms, error) VALUES ($1, 'running', now(), NULL, NULL, NULL, NULL)
         ON CONFLICT (name) DO UPDATE SET state = 'running', started_at = now(), finished_at = NULL, events_read = NULL, duration_ms = NULL, error = NULL`,
        [name],
      );
    } catch (error) {
      if (locked) await lockClient.query(`SELECT pg_advisory_unlock($1, hashtext($2))`, [REBUILD_LOCK_CLASS, name]).catch(() => undefined);
      lockClient.release();
      throw error;
    }
    const completion = this.run(projection).then(
      async (result) => {
        await this.pool.query(`UPDATE projection_rebuilds SET state = 'completed', finished_at = now(), events_read = $2, duration_ms = $3 WHERE name = $1`, [name, result.eventsRead, Math.round(result.durationMs)]);
        return result;
      },
      async (error: unknown) => {
        const message = error instanceof Error ? error.message : String(error);
        await this.pool.query(`UPDATE projection_rebuilds SET state = 'failed', finished_at = now(), error = $2 WHERE name = $1`, [name, message.slice(0, 2000)]).catch(() => undefined);
        throw error;
      },
    );
    const released = completion.finally(async () => {
      await lockClient.query(`SELECT pg_advisory_unlock($1, hashtext($2))`, [REBUILD_LOCK_CLASS, name]).catch(() => undefined);
      lockClient.release();
    });
    return { name, completion: released };
  }

  async status(name: string): Promise<RebuildStatus> {
    projectionNamed(this.projections, name);
    const result = await this.pool.query<{ state: RebuildStatus['state']; started_at: Date; finished_at: Date | null; events_read: string | null; duration_ms: string | null; error: string | null; held: boolean }>(
      `SELECT state, started_at, finished_at, events_read::text, duration_ms::text, error,
              EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND classid = $2 AND objid = hashtext($1)::oid AND objsubid = 2) AS held
         FROM projection_rebuilds WHERE name = $1`,
      [name, REBUILD_LOCK_CLASS],
    );
    const row = result.rows[0];
    if (!row) return { name, state: 'idle' };
    return {
      name,
      state: row.state === 'running' && !row.held ? 'interrupted' : row.state,
      startedAt: row.started_at,
      ...(row.finished_at ? { finishedAt: row.finished_at } : {}),
      ...(row.events_read !== null ? { eventsRead: Number(row.events_read) } : {}),
      ...(row.duration_ms !== null ? { durationMs: Number(row.duration_ms) } : {}),
      ...(row.error ? { error: row.error } : {}),
    };
  }

  private async run(projection: LedgerProjectionDefinition): Promise<RebuildResult> {
    const started = performance.now();
    const log = this.options.log ?? (() => undefined);
    const batchSizeMax = this.options.batchSizeMax ?? REBUILD_BATCH_SIZE;
    const shadows = Object.fromEntries(Object.entries(projection.tables).map(([role, table]) => [role, shadowName(table)]));
    const subscription = rebuildSubscriptionName(projection.name);
    const handler = projection.handler(shadows, subscription, batchSizeMax);

    const reading: ReadAllOptions = projection.eventTypes ? { fullRowsFor: projection.eventTypes } : {};
    await this.prepareShadows(projection, subscription);
    log(`rebuild ${projection.name}: replaying every event into ${Object.values(shadows).join(', ')}`);
    let eventsRead = 0;
    for (let attempt = 1; ; attempt++) {
      eventsRead += await this.replay(subscription, handler, batchSizeMax, reading);
      const swapped = await this.swap(projection, shadows, subscription, handler, batchSizeMax, reading);
      if (swapped.done) {
        eventsRead += swapped.eventsRead;
        const durationMs = performance.now() - started;
        log(`rebuild ${projection.name}: ${eventsRead} events in ${Math.round(durationMs)} ms, swapped in`);
        return { name: projection.name, eventsRead, durationMs, eventsPerSecond: eventsRead / (durationMs / 1000), checkpoint: swapped.checkpoint };
      }
      log(`rebuild ${projection.name}: swap attempt ${attempt} did not go through (${swapped.reason}); catching up again`);
      if (attempt >= SWAP_ATTEMPTS_MAX) throw new DomainError('PROJECTION.REBUILD_FAILED', `could not swap ${projection.name} in after ${attempt} attempts: ${swapped.reason}`);
      await new Promise((resolve) => setTimeout(resolve, SWAP_RETRY_PAUSE_MS));
    }
  }

  /** Fresh, empty shadows shaped like the live tables (a crashed earlier rebuild's are dropped). */
  private async prepareShadows(projection: LedgerProjectionDefinition, subscription: string): Promise<void> {
    await this.inTransaction(async (client) => {
      for (const table of Object.values(projection.tables)) {
        await client.query(`DROP TABLE IF EXISTS ${shadowName(table)}`);
        await client.query(`CREATE TABLE ${shadowName(table)} (LIKE ${table} INCLUDING ALL)`);
      }
      await client.query(`DELETE FROM subscription_checkpoints WHERE name = $1`, [subscription]);
    });
  }

  private async swap(
    projection: LedgerProjectionDefinition,
    shadows: Record<string, string>,
    subscription: string,
    handler: SubscriptionHandler,
    batchSizeMax: number,
    reading: ReadAllOptions,
  ): Promise<{ done: true; eventsRead: number; checkpoint: Checkpoint } | { done: false; reason: string }> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query(`SET LOCAL lock_timeout = ${SWAP_LOCK_TIMEOUT_MS}`);
      // The live handler locks its tables in this order first thing, so this waits for it and never deadlocks with it.
      await client.query(`LOCK TABLE ${Object.values(projection.tables).join(', ')} IN ACCESS EXCLUSIVE MODE`);
      const caughtUp = await this.catchUp(client, subscription, handler, batchSizeMax, reading);
      if (!caughtUp.done) {
        await client.query('ROLLBACK');
        return { done: false, reason: 'new events kept arriving' };
      }
      for (const [role, live] of Object.entries(projection.tables)) await renameIntoPlace(client, shadows[role], live);
      await client.query(
        `INSERT INTO subscription_checkpoints (name, transaction_id, position, events_handled, updated_at)
         SELECT $1, transaction_id, position, events_handled, now() FROM subscription_checkpoints WHERE name = $2
         ON CONFLICT (name) DO UPDATE SET transaction_id = EXCLUDED.transaction_id, position = EXCLUDED.position,
           events_handled = EXCLUDED.events_handled, updated_at = now(), last_error = NULL, last_error_at = NULL`,
        [projection.name, subscription],
      );
      await client.query(`DELETE FROM subscription_checkpoints WHERE name = $1`, [subscription]);
      await client.query('COMMIT');
      return { done: true, eventsRead: caughtUp.eventsRead, checkpoint: caughtUp.checkpoint };
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      const code = (error as { code?: string }).code;
      // Deadlock or lock timeout: a reader or the live batch held on; nothing changed, try again.
      if (code === '40P01' || code === '55P03') return { done: false, reason: (error as Error).message };
      throw error;
    } finally {
      client.release();
    }
  }

  /**
   * Replays from the shadow's checkpoint to the head of the store, one transaction per batch (handler
   * writes and checkpoint together). The next batch is read while this one is written: reading and
   * writing then overlap instead of taking turns. Ends when nothing is left after the checkpoint.
   */
  private async replay(subscription: string, handler: SubscriptionHandler, batchSizeMax: number, reading: ReadAllOptions): Promise<number> {
    let checkpoint = await loadCheckpoint(this.pool, subscription);
    const read = (after: Checkpoint) => readAllWith(this.pool, after, batchSizeMax, (row) => this.store.toRecorded(row), reading);
    let pending = read(checkpoint);
    let eventsRead = 0;
    try {
      for (;;) {
        const batch = await pending;
        if (batch.length === 0) return eventsRead;
        const next = assertAscending(subscription, checkpoint, batch);
        pending = read(next);
        const accepted = acceptedOf(handler, batch, reading);
        await this.inTransaction(async (client) => {
          if (accepted.length > 0) await handler.handle(accepted, client);
          await saveCheckpoint(client, subscription, checkpoint, next, batch.length);
        });
        checkpoint = next;
        eventsRead += batch.length;
      }
    } finally {
      // A write that failed leaves the read ahead unobserved; it must not surface as an unhandled rejection.
      pending.catch(() => undefined);
    }
  }

  /** Replays what arrived since the replay, inside the swap transaction, in a bounded number of batches. */
  private async catchUp(client: PoolClient, subscription: string, handler: SubscriptionHandler, batchSizeMax: number, reading: ReadAllOptions): Promise<{ done: boolean; eventsRead: number; checkpoint: Checkpoint }> {
    const from = await loadCheckpoint(client, subscription, true);
    let checkpoint = from;
    let eventsRead = 0;
    for (let batchNo = 0; batchNo < CATCH_UP_BATCHES_MAX; batchNo++) {
      const batch = await readAllWith(client, checkpoint, batchSizeMax, (row) => this.store.toRecorded(row), reading);
      if (batch.length === 0) {
        await saveCheckpoint(client, subscription, from, checkpoint, eventsRead);
        return { done: true, eventsRead, checkpoint };
      }
      const next = assertAscending(subscription, checkpoint, batch);
      const accepted = acceptedOf(handler, batch, reading);
      if (accepted.length > 0) await handler.handle(accepted, client);
      checkpoint = next;
      eventsRead += batch.length;
    }
    return { done: false, eventsRead, checkpoint };
  }

  private async inTransaction<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }
}

async function loadCheckpoint(queryable: Pick<PoolClient, 'query'>, subscription: string, forUpdate = false): Promise<Checkpoint> {
  const stored = await queryable.query<{ transaction_id: string; position: string }>(
    `SELECT transaction_id::text, position::text FROM subscription_checkpoints WHERE name = $1${forUpdate ? ' FOR UPDATE' : ''}`,
    [subscription],
  );
  const row = stored.rows[0];
  return row ? { transactionId: BigInt(row.transaction_id), position: BigInt(row.position) } : START_CHECKPOINT;
}

/** Compare-and-set, as the subscription runner does: a checkpoint that moved under us means someone else replays too. */
async function saveCheckpoint(client: PoolClient, subscription: string, from: Checkpoint, to: Checkpoint, count: number): Promise<void> {
  await client.query(`INSERT INTO subscription_checkpoints (name) VALUES ($1) ON CONFLICT (name) DO NOTHING`, [subscription]);
  const moved = await client.query(
    `UPDATE subscription_checkpoints
        SET transaction_id = $4::text::xid8, position = $5, events_handled = events_handled + $6, updated_at = now(), last_error = NULL, last_error_at = NULL
      WHERE name = $1 AND transaction_id = $2::text::xid8 AND position = $3`,
    [subscription, from.transactionId.toString(), from.position.toString(), to.transactionId.toString(), to.position.toString(), count],
  );
  invariant(moved.rowCount === 1, `the checkpoint of ${subscription} moved under the rebuild`);
}

/** A batch must lie strictly after the checkpoint, ascending; returns its last place. */
function assertAscending(subscription: string, after: Checkpoint, batch: readonly RecordedEvent[]): Checkpoint {
  let previous = after;
  for (const event of batch) {
    const current = checkpointOf(event);
    invariant(compareCheckpoints(current, previous) > 0, `events out of commit order while rebuilding ${subscription}: ${current.transactionId}/${current.position} after ${previous.transactionId}/${previous.position}`);
    previous = current;
  }
  return previous;
}

/** What the handler takes; with a thin read, only the types read in full can be (the rest carry no data). */
function acceptedOf(handler: SubscriptionHandler, batch: readonly RecordedEvent[], reading: ReadAllOptions): RecordedEvent[] {
  const whole = reading.fullRowsFor ? new Set(reading.fullRowsFor) : undefined;
  return batch.filter((e) => (!whole || whole.has(e.type)) && (!handler.accepts || handler.accepts(e)));
}

/** `CREATE UNIQUE INDEX x ON public.t USING btree (a)` → `CREATE UNIQUE INDEX ON USING btree (a)`: the shape, without names. */
function indexShape(definition: string): string {
  return definition.replace(/^CREATE (UNIQUE )?INDEX \S+ ON \S+ /, 'CREATE $1INDEX ON ');
}

async function indexesOf(client: PoolClient, table: string): Promise<Array<{ name: string; shape: string }>> {
  const result = await client.query<{ name: string; definition: string }>(
    `SELECT c.relname AS name, pg_get_indexdef(i.indexrelid) AS definition
       FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
      WHERE i.indrelid = to_regclass($1) ORDER BY c.relname`,
    [table],
  );
  return result.rows.map((r) => ({ name: r.name, shape: indexShape(r.definition) }));
}

/** Drops the live table and gives the shadow its name, and each shadow index the name of the live index of the same shape. */
async function renameIntoPlace(client: PoolClient, shadow: string, live: string): Promise<void> {
  const liveIndexes = await indexesOf(client, live);
  const shadowIndexes = await indexesOf(client, shadow);
  const retired = `${live}${RETIRED_SUFFIX}`;
  await client.query(`ALTER TABLE ${live} RENAME TO ${retired}`);
  await client.query(`DROP TABLE ${retired}`);
  await client.query(`ALTER TABLE ${shadow} RENAME TO ${live}`);
  const unmatched = [...shadowIndexes];
  for (const index of liveIndexes) {
    const at = unmatched.findIndex((s) => s.shape === index.shape);
    invariant(at >= 0, `the shadow of ${live} has no index shaped like ${index.name}`);
    const [twin] = unmatched.splice(at, 1);
    if (twin.name !== index.name) await client.query(`ALTER INDEX ${twin.name} RENAME TO ${index.name}`);
  }
}
