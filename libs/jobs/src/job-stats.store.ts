import type { Pool } from 'pg';
import type { JobName } from './job.names';

/** What one run did. */
export interface JobRunResult {
  job: JobName;
  /** `skipped`: the job is off, a run was still going, or another instance holds the singleton. */
  status: 'ok' | 'failed' | 'skipped';
  startedAt: Date;
  finishedAt: Date;
  durationMs: number;
  claimed: number;
  done: number;
  failed: number;
  /** Claimed, but the payment had moved on since it was planned: handed back for a new plan. */
  deferred: number;
  error?: string;
  /** Token refresher: whether it renewed the pair. */
  renewed?: boolean;
}

export interface JobStatsRow {
  job: string;
  enabled: boolean;
  intervalMs: number;
  runsTotal: number;
  failedRunsTotal: number;
  claimedTotal: number;
  doneTotal: number;
  failedTotal: number;
  lastStartedAt: Date | null;
  lastFinishedAt: Date | null;
  lastDurationMs: number | null;
  lastClaimed: number | null;
  lastDone: number | null;
  lastFailed: number | null;
  lastInstance: string | null;
  lastError: string | null;
  lastErrorAt: Date | null;
  nextRunAt: Date | null;
}

/** Run statistics in PostgreSQL, so GET /v1/ops/jobs and /metrics show every worker's runs from any process. */
export class JobStatsStore {
  constructor(private readonly pool: Pool) {}

  async record(run: JobRunResult, settings: { enabled: boolean; intervalMs: number }, instance: string, nextRunAt: Date | null): Promise<void> {
    const failedRun = run.status === 'failed';
    await this.pool.query(
      `INSERT INTO job_run_stats AS s (job, enabled, interval_ms, runs_total, failed_runs_total, claimed_total, done_total, failed_total,
                                       last_started_at, last_finished_at, last_duration_ms, last_claimed, last_done, last_failed,
                                       last_instance, last_error, last_error_at, next_run_at)
       VALUES ($1, $2, $3, 1, $4::bigint, $5::bigint, $6::bigint, $7::bigint, $8::timestamptz, $9::timestamptz, $10::integer, $5::integer, $6::integer, $7::integer,
               $11, $12::text, CASE WHEN $12::text IS NULL THEN NULL ELSE $9::timestamptz END, $13::timestamptz)
       ON CONFLICT (job) DO UPDATE SET
         enabled = EXCLUDED.enabled, interval_ms = EXCLUDED.interval_ms,
         runs_total = s.runs_total + 1, failed_runs_total = s.failed_runs_total + EXCLUDED.failed_runs_total,
         claimed_total = s.claimed_total + EXCLUDED.claimed_total, done_total = s.done_total + EXCLUDED.done_total,
         failed_total = s.failed_total + EXCLUDED.failed_total,
         last_started_at = EXCLUDED.last_started_at, last_finished_at = EXCLUDED.last_finished_at, last_duration_ms = EXCLUDED.last_duration_ms,
         last_claimed = EXCLUDED.last_claimed, last_done = EXCLUDED.last_done, last_failed = EXCLUDED.last_failed,
         last_instance = EXCLUDED.last_instance,
         last_error = COALESCE(EXCLUDED.last_error, s.last_error), last_error_at = COALESCE(EXCLUDED.last_error_at, s.last_error_at),
         next_run_at = EXCLUDED.next_run_at`,
      [
        run.job,
        settings.enabled,
        settings.intervalMs,
        failedRun ? 1 : 0,
        run.claimed,
        run.done,
        run.failed,
        run.startedAt,
        run.finishedAt,
        Math.round(run.durationMs),
        instance,
        run.error?.slice(0, 2000) ?? null,
        nextRunAt,
      ],
    );
  }

  async all(): Promise<JobStatsRow[]> {
    const result = await this.pool.query(`SELECT * FROM job_run_stats ORDER BY job`);
    return result.rows.map((r) => ({
      job: r.job,
      enabled: r.enabled,
      intervalMs: r.interval_ms,
      runsTotal: Number(r.runs_total),
      failedRunsTotal: Number(r.failed_runs_total),
      claimedTotal: Number(r.claimed_total),
      doneTotal: Number(r.done_total),
      failedTotal: Number(r.failed_total),
      lastStartedAt: r.last_started_at,
      lastFinishedAt: r.last_finished_at,
      lastDurationMs: r.last_duration_ms,
      lastClaimed: r.last_claimed,
      lastDone: r.last_done,
      lastFailed: r.last_failed,
      lastInstance: r.last_instance,
      lastError: r.last_error,
      lastErrorAt: r.last_error_at,
      nextRunAt: r.next_run_at,
    }));
  }
}
