import type { Pool } from 'pg';
import type { TaskJobName } from './job.names';
import { TASKS_TABLE } from './task.projection';
import type { TaskOperation, TaskTrigger } from './task.rules';

/** A task as a job claimed it. */
export interface ClaimedTask {
  taskId: string;
  subject: 'payment' | 'payout';
  paymentId: string | null;
  payoutId: string | null;
  gateway: string;
  job: TaskJobName;
  operation: TaskOperation;
  trigger: TaskTrigger;
  reference: string | null;
  reason: string;
  attempt: number;
  nextRunAt: Date;
  deadlineAt: Date | null;
  sourceVersion: number;
  failures: number;
}

interface TaskRow {
  task_id: string;
  subject: 'payment' | 'payout';
  payment_id: string | null;
  payout_id: string | null;
  gateway: string;
  job: TaskJobName;
  operation: TaskOperation;
  trigger: TaskTrigger;
  reference: string | null;
  reason: string;
  attempt: number;
  next_run_at: Date;
  deadline_at: Date | null;
  source_version: number;
  failures: number;
}

export interface TaskBacklog {
  job: string;
  open: number;
  due: number;
  claimed: number;
  /** Waiting for ops: nothing automatic is left, or parked after repeated failures. */
  parked: number;
  oldestDueAt: Date | null;
}

const CLAIM_COLUMNS = `task_id, subject, payment_id, payout_id, gateway, job, operation, trigger, reference, reason, attempt, next_run_at, deadline_at, source_version, failures`;

/**
 * The claim: one short statement (its own transaction) that takes a bounded batch of due tasks with
 * FOR UPDATE SKIP LOCKED and leases them to the claimer by pushing `due_at` to the lease's end, so two
 * instances never take the same task and a killed instance's tasks come back when the lease runs out.
 */
export const CLAIM_SQL = `
  WITH due AS (
    SELECT task_id FROM ${TASKS_TABLE}
     WHERE job = $1 AND due_at <= $2
     ORDER BY due_at
     LIMIT $3
     FOR UPDATE SKIP LOCKED)
  UPDATE ${TASKS_TABLE} t
     SET claimed_by = $4, claimed_until = $5, due_at = $5, awaiting_version = NULL, runs = t.runs + 1, last_run_at = $2
    FROM due
   WHERE t.task_id = due.task_id
  RETURNING ${CLAIM_COLUMNS.split(', ')
    .map((c) => `t.${c}`)
    .join(', ')}`;

export class TaskStore {
  constructor(private readonly pool: Pool) {}

  async claim(job: TaskJobName, now: Date, limit: number, leaseMs: number, claimer: string): Promise<ClaimedTask[]> {
    const result = await this.pool.query<TaskRow>(CLAIM_SQL, [job, now, limit, claimer, new Date(now.getTime() + leaseMs)]);
    return result.rows.map(toClaimed).sort((a, b) => a.nextRunAt.getTime() - b.nextRunAt.getTime());
  }

  /** Extends the lease of tasks still being worked on, so a long batch keeps them while a dead claimer's lapse. */
  async renewLease(taskIds: readonly string[], now: Date, leaseMs: number, claimer: string): Promise<void> {
    if (taskIds.length === 0) return;
    const until = new Date(now.getTime() + leaseMs);
    await this.pool.query(
      `UPDATE ${TASKS_TABLE} SET claimed_until = $3, due_at = GREATEST(next_run_at, hold_until, $3::timestamptz)
        WHERE task_id = ANY($1::text[]) AND claimed_by = $2 AND awaiting_version IS NULL`,
      [taskIds, claimer, until],
    );
  }

  /**
   * The task's command appended events up to `version`. Once the projection has planned from them the task
   * is free again at its new plan; until then the claim holds, and the projection frees it when they arrive.
   */
  async release(taskId: string, claimer: string, version: number): Promise<void> {
    await this.pool.query(
      `UPDATE ${TASKS_TABLE} SET
          claimed_until = CASE WHEN source_version >= $3 THEN NULL ELSE claimed_until END,
          claimed_by = CASE WHEN source_version >= $3 THEN NULL ELSE claimed_by END,
          awaiting_version = CASE WHEN source_version >= $3 THEN NULL ELSE $3 END,
          hold_until = NULL, failures = 0, last_error = NULL,
          due_at = GREATEST(next_run_at, CASE WHEN source_version >= $3 THEN NULL ELSE claimed_until END)
        WHERE task_id = $1 AND claimed_by = $2`,
      [taskId, claimer, version],
    );
  }

  /**
   * The task could not be carried out (an error, or nothing changed): not again before `holdUntil`
   * (null: parked until a new event wakes it). Errors are counted; a quiet no-op is not.
   */
  async holdOff(taskId: string, claimer: string, holdUntil: Date | null, error?: string): Promise<void> {
    await this.pool.query(
      `UPDATE ${TASKS_TABLE} SET
          claimed_until = NULL, claimed_by = NULL, awaiting_version = NULL,
          hold_until = COALESCE($3::timestamptz, 'infinity'),
          failures = failures + CASE WHEN $4::text IS NULL THEN 0 ELSE 1 END,
          last_error = COALESCE($4::text, last_error),
          due_at = GREATEST(next_run_at, COALESCE($3::timestamptz, 'infinity'))
        WHERE task_id = $1 AND claimed_by = $2`,
      [taskId, claimer, holdUntil, error?.slice(0, 2000) ?? null],
    );
  }

  /** Per job: open tasks, due now, claimed, parked, the oldest due. Reads the claim index's ranges. */
  async backlog(now: Date): Promise<TaskBacklog[]> {
    const result = await this.pool.query<{ job: string; open: string; due: string; claimed: string; parked: string; oldest_due_at: Date | null }>(
      `SELECT job, count(*)::text AS open,
              count(*) FILTER (WHERE due_at <= $1)::text AS due,
              count(*) FILTER (WHERE claimed_until > $1)::text AS claimed,
              count(*) FILTER (WHERE due_at = 'infinity')::text AS parked,
              min(due_at) FILTER (WHERE due_at <= $1) AS oldest_due_at
         FROM ${TASKS_TABLE} GROUP BY job`,
      [now],
    );
    return result.rows.map((r) => ({ job: r.job, open: Number(r.open), due: Number(r.due), claimed: Number(r.claimed), parked: Number(r.parked), oldestDueAt: r.oldest_due_at }));
  }
}

function toClaimed(row: TaskRow): ClaimedTask {
  return {
    taskId: row.task_id,
    subject: row.subject,
    paymentId: row.payment_id,
    payoutId: row.payout_id,
    gateway: row.gateway,
    job: row.job,
    operation: row.operation,
    trigger: row.trigger,
    reference: row.reference,
    reason: row.reason,
    attempt: row.attempt,
    nextRunAt: row.next_run_at,
    deadlineAt: row.deadline_at,
    sourceVersion: row.source_version,
    failures: row.failures,
  };
}
