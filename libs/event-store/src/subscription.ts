import { Pool, PoolClient } from 'pg';
import { invariant } from '@payledger/kernel';
import { Checkpoint, checkpointOf, compareCheckpoints, RecordedEvent, START_CHECKPOINT } from './event-store.port';
import { EVENTS_CHANNEL, PostgresEventStore, readAllWith } from './postgres-event-store';

/**
 * A subscriber reads every event in commit order from its checkpoint.
 * - `transactional`: the handler writes through `tx`, and the checkpoint moves in the same transaction
 *   (projections: exactly-once effect).
 * - `at-least-once`: the handler has effects outside PostgreSQL (Kafka); the checkpoint moves after it
 *   returns, so a crash in between repeats the batch.
 */
export interface SubscriptionHandler {
  readonly name: string;
  readonly mode: 'transactional' | 'at-least-once';
  readonly batchSizeMax?: number;
  /** Only events whose type passes are handed over; the checkpoint moves past the rest anyway. */
  accepts?(event: RecordedEvent): boolean;
  handle(events: readonly RecordedEvent[], tx: PoolClient | undefined): Promise<void>;
}

export interface SubscriptionOptions {
  /** How long an idle active instance waits for a NOTIFY before polling anyway. */
  pollIntervalMs?: number;
  /** How often a standby instance tries to take over. */
  standbyRetryMs?: number;
  errorBackoffMaxMs?: number;
  log?: (message: string) => void;
}

export interface SubscriptionStatus {
  name: string;
  role: 'starting' | 'active' | 'standby' | 'stopped';
  checkpoint: Checkpoint;
  eventsHandled: number;
  lastError?: string;
}

const BATCH_SIZE_DEFAULT = 500;
const ERROR_BACKOFF_START_MS = 200;

/** The advisory-lock key space of subscriptions, so other locks (jobs) cannot collide. */
export const SUBSCRIPTION_LOCK_CLASS = 7301;

export class SubscriptionRunner {
  private running = false;
  private loop: Promise<void> | undefined;
  private client: PoolClient | undefined;
  private wake: (() => void) | undefined;
  private readonly pollIntervalMs: number;
  private readonly standbyRetryMs: number;
  private readonly errorBackoffMaxMs: number;
  private readonly log: (message: string) => void;
  private readonly state: SubscriptionStatus;

  constructor(
    private readonly pool: Pool,
    private readonly store: PostgresEventStore,
    private readonly handler: SubscriptionHandler,
    options: SubscriptionOptions = {},
  ) {
    this.pollIntervalMs = options.pollIntervalMs ?? 1000;
    this.standbyRetryMs = options.standbyRetryMs ?? 2000;
    this.errorBackoffMaxMs = options.errorBackoffMaxMs ?? 30_000;
    this.log = options.log ?? (() => undefined);
    this.state = { name: handler.name, role: 'stopped', checkpoint: START_CHECKPOINT, eventsHandled: 0 };
  }

  status(): SubscriptionStatus {
    return { ...this.state };
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.state.role = 'starting';
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
    this.loop = undefined;
    this.state.role = 'stopped';
  }

  /** Runs until no event is left right now (for tests and CLI rebuilds). Takes the lock; throws if another instance holds it. */
  async drain(): Promise<number> {
    const client = await this.pool.connect();
    try {
      if (!(await this.tryLock(client))) throw new Error(`subscription ${this.handler.name} is active in another instance`);
      try {
        let total = 0;
        for (;;) {
          const handled = await this.processBatch(client);
          if (handled === 0) return total;
          total += handled;
        }
      } finally {
        await this.unlock(client);
      }
    } finally {
      client.release();
    }
  }

  private async run(): Promise<void> {
    let backoffMs = ERROR_BACKOFF_START_MS;
    while (this.running) {
      try {
        await this.runWhileHoldingLock();
        backoffMs = ERROR_BACKOFF_START_MS;
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        this.state.lastError = message;
        this.log(`subscription ${this.handler.name} failed: ${message}; retrying in ${backoffMs} ms`);
        await this.recordError(message);
        await this.sleep(backoffMs);
        backoffMs = Math.min(backoffMs * 2, this.errorBackoffMaxMs);
      }
    }
  }

  private async runWhileHoldingLock(): Promise<void> {
    const client = await this.pool.connect();
    this.client = client;
    let broken = false;
    const onError = () => {
      broken = true;
      this.wake?.();
    };
    client.on('error', onError);
    try {
      // Standby: another instance holds the lock; keep trying so one of us takes over when it dies.
      while (this.running && !(await this.tryLock(client))) {
        this.state.role = 'standby';
        await this.sleep(this.standbyRetryMs);
      }
      if (!this.running) return;
      this.state.role = 'active';
      this.log(`subscription ${this.handler.name} is active`);
      const onNotification = () => this.wake?.();
      client.on('notification', onNotification);
      await client.query(`LISTEN ${EVENTS_CHANNEL}`);
      try {
        while (this.running && !broken) {
          const handled = await this.processBatch(client);
          if (handled === 0) await this.sleep(this.pollIntervalMs);
        }
      } finally {
        client.off('notification', onNotification);
        if (!broken) {
          await client.query(`UNLISTEN ${EVENTS_CHANNEL}`).catch(() => undefined);
          await this.unlock(client).catch(() => undefined);
        }
      }
      if (broken) throw new Error('database connection lost');
    } finally {
      client.off('error', onError);
      this.client = undefined;
      client.release(broken);
    }
  }

  /** One bounded batch: read after the checkpoint, hand over, move the checkpoint with compare-and-set. */
  private async processBatch(client: PoolClient): Promise<number> {
    const checkpoint = await this.loadCheckpoint(client);
    this.state.checkpoint = checkpoint;
    const batch = await readAllWith(client, checkpoint, this.handler.batchSizeMax ?? BATCH_SIZE_DEFAULT, (row) =>
      this.store.toRecorded(row),
    );
    if (batch.length === 0) return 0;
    assertCommitOrder(checkpoint, batch);
    const next = checkpointOf(batch[batch.length - 1]);
    const accepted = this.handler.accepts ? batch.filter((e) => this.handler.accepts!(e)) : batch;

    if (this.handler.mode === 'transactional') {
      await client.query('BEGIN');
      try {
        if (accepted.length > 0) await this.handler.handle(accepted, client);
        await this.saveCheckpoint(client, checkpoint, next, batch.length);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
    } else {
      if (accepted.length > 0) await this.handler.handle(accepted, undefined);
      await this.saveCheckpoint(client, checkpoint, next, batch.length);
    }
    this.state.checkpoint = next;
    this.state.eventsHandled += batch.length;
    this.state.lastError = undefined;
    return batch.length;
  }

  private async loadCheckpoint(client: PoolClient): Promise<Checkpoint> {
    await client.query(`INSERT INTO subscription_checkpoints (name) VALUES ($1) ON CONFLICT (name) DO NOTHING`, [this.handler.name]);
    const result = await client.query<{ transaction_id: string; position: bigint }>(
      `SELECT transaction_id::text AS transaction_id, position FROM subscription_checkpoints WHERE name = $1`,
      [this.handler.name],
    );
    return { transactionId: BigInt(result.rows[0].transaction_id), position: BigInt(result.rows[0].position) };
  }

  private async saveCheckpoint(client: PoolClient, from: Checkpoint, to: Checkpoint, count: number): Promise<void> {
    const moved = await client.query(
      `UPDATE subscription_checkpoints
          SET transaction_id = $4::text::xid8, position = $5, events_handled = events_handled + $6,
              updated_at = now(), last_error = NULL, last_error_at = NULL
        WHERE name = $1 AND transaction_id = $2::text::xid8 AND position = $3`,
      [this.handler.name, from.transactionId.toString(), from.position.toString(), to.transactionId.toString(), to.position.toString(), count],
    );
    if (moved.rowCount !== 1) {
      throw new Error(`checkpoint of ${this.handler.name} moved under us (another instance or a reset); batch not acknowledged`);
    }
  }

  private async recordError(message: string): Promise<void> {
    await this.pool
      .query(`UPDATE subscription_checkpoints SET last_error = $2, last_error_at = now() WHERE name = $1`, [this.handler.name, message.slice(0, 2000)])
      .catch(() => undefined);
  }

  private async tryLock(client: PoolClient): Promise<boolean> {
    const result = await client.query<{ locked: boolean }>(`SELECT pg_try_advisory_lock($1, hashtext($2)) AS locked`, [
      SUBSCRIPTION_LOCK_CLASS,
      this.handler.name,
    ]);
    return result.rows[0].locked;
  }

  private async unlock(client: PoolClient): Promise<void> {
    await client.query(`SELECT pg_advisory_unlock($1, hashtext($2))`, [SUBSCRIPTION_LOCK_CLASS, this.handler.name]);
  }

  private sleep(ms: number): Promise<void> {
    // Once stop() has woken us, a later sleep (an error backoff as the database goes away) must not hold shutdown up.
    if (!this.running) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }
}

/** A batch must lie strictly after the checkpoint, ascending: anything else would skip or repeat events. */
function assertCommitOrder(after: Checkpoint, batch: readonly RecordedEvent[]): void {
  let previous = after;
  for (const event of batch) {
    const current = checkpointOf(event);
    invariant(compareCheckpoints(current, previous) > 0, `events out of commit order: ${event.transactionId}/${event.position} after ${previous.transactionId}/${previous.position}`);
    previous = current;
  }
}

/** Checkpoints and lag of every subscriber, for /health and GET /v1/ops/subscriptions. */
export async function subscriptionLag(pool: Pool): Promise<Array<{ name: string; position: bigint; lagEvents: bigint; updatedAt: Date; lastError: string | null }>> {
  const result = await pool.query<{ name: string; position: bigint; lag: bigint; updated_at: Date; last_error: string | null }>(
    `SELECT c.name, c.position, c.updated_at, c.last_error,
            (SELECT count(*) FROM events e
              WHERE e.transaction_id >= c.transaction_id AND (e.transaction_id > c.transaction_id OR e.position > c.position)) AS lag
       FROM subscription_checkpoints c ORDER BY c.name`,
  );
  return result.rows.map((r) => ({ name: r.name, position: r.position, lagEvents: r.lag, updatedAt: r.updated_at, lastError: r.last_error }));
}
