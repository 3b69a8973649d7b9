import type { Pool } from 'pg';
import type { JobsConfig } from '@payledger/config';
import { JOB_NAMES, jobSettings } from './job.names';
import { JobStatsStore } from './job-stats.store';
import { formatLabels, METRICS, MetricsRegistry } from './metrics.registry';
import { TaskBacklog, TaskStore } from './task.store';

/** One job as GET /v1/ops/jobs shows it. Times are ISO strings; counts are numbers (they are not money). */
export interface JobView {
  name: string;
  enabled: boolean;
  intervalMs: number;
  /** Which process's settings these are: `worker` once a worker has run the job, else this process's configuration. */
  settingsFrom: 'worker' | 'config';
  lastRun: { startedAt: string; finishedAt: string | null; durationMs: number | null; claimed: number; done: number; failed: number; instance: string | null } | null;
  nextRunAt: string | null;
  backlog: { open: number; due: number; claimed: number; parked: number; oldestDueAgeSeconds: number | null };
  failures: { runs: number; tasks: number; lastError: string | null; lastErrorAt: string | null };
  totals: { runs: number; claimed: number; done: number; failed: number };
}

const NO_BACKLOG: Omit<TaskBacklog, 'job'> = { open: 0, due: 0, claimed: 0, parked: 0, oldestDueAt: null };

export async function jobViews(pool: Pool, now: Date, config: JobsConfig): Promise<JobView[]> {
  const [stats, backlog] = await Promise.all([new JobStatsStore(pool).all(), new TaskStore(pool).backlog(now)]);
  return JOB_NAMES.map((name) => {
    const s = stats.find((row) => row.job === name);
    const b = backlog.find((row) => row.job === name) ?? { job: name, ...NO_BACKLOG };
    const configured = jobSettings(config, name);
    return {
      name,
      enabled: s?.enabled ?? configured.enabled,
      intervalMs: s?.intervalMs ?? configured.intervalMs,
      settingsFrom: s ? 'worker' : 'config',
      lastRun: s?.lastStartedAt
        ? {
            startedAt: s.lastStartedAt.toISOString(),
            finishedAt: s.lastFinishedAt?.toISOString() ?? null,
            durationMs: s.lastDurationMs,
            claimed: s.lastClaimed ?? 0,
            done: s.lastDone ?? 0,
            failed: s.lastFailed ?? 0,
            instance: s.lastInstance,
          }
        : null,
      nextRunAt: s?.nextRunAt?.toISOString() ?? null,
      backlog: { open: b.open, due: b.due, claimed: b.claimed, parked: b.parked, oldestDueAgeSeconds: b.oldestDueAt ? Math.max(0, Math.round((now.getTime() - b.oldestDueAt.getTime()) / 1000)) : null },
      failures: { runs: s?.failedRunsTotal ?? 0, tasks: s?.failedTotal ?? 0, lastError: s?.lastError ?? null, lastErrorAt: s?.lastErrorAt?.toISOString() ?? null },
      totals: { runs: s?.runsTotal ?? 0, claimed: s?.claimedTotal ?? 0, done: s?.doneTotal ?? 0, failed: s?.failedTotal ?? 0 },
    };
  });
}

/**
 * GET /metrics: this process's registry plus the job figures kept in PostgreSQL (runs and tasks of every
 * worker, backlog, oldest due task), which are the same whichever process is scraped.
 */
export async function renderMetrics(pool: Pool, now: Date, registry: MetricsRegistry = METRICS): Promise<string> {
  const [stats, backlog] = await Promise.all([new JobStatsStore(pool).all(), new TaskStore(pool).backlog(now)]);
  const lines: string[] = [];
  const family = (name: string, help: string, type: 'counter' | 'gauge', samples: Array<[Record<string, string>, number]>) => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, ...samples.map(([labels, value]) => `${name}${formatLabels(labels)} ${value}`));
  };
  const perJob = <T>(rows: T[], jobOf: (row: T) => string, value: (row: T) => number) => JOB_NAMES.map((job): [Record<string, string>, number] => {
    const row = rows.find((r) => jobOf(r) === job);
    return [{ job }, row ? value(row) : 0];
  });
  family('payledger_jobs_runs_total', 'Runs of each job by every worker (from job_run_stats).', 'counter', perJob(stats, (s) => s.job, (s) => s.runsTotal));
  family('payledger_jobs_failed_runs_total', 'Runs that failed as a whole (from job_run_stats).', 'counter', perJob(stats, (s) => s.job, (s) => s.failedRunsTotal));
  family('payledger_jobs_tasks_claimed_total', 'Tasks claimed by every worker.', 'counter', perJob(stats, (s) => s.job, (s) => s.claimedTotal));
  family('payledger_jobs_tasks_done_total', 'Tasks carried out by every worker.', 'counter', perJob(stats, (s) => s.job, (s) => s.doneTotal));
  family('payledger_jobs_tasks_failed_total', 'Tasks that failed and were held off for a retry.', 'counter', perJob(stats, (s) => s.job, (s) => s.failedTotal));
  family('payledger_jobs_last_run_timestamp_seconds', 'When the job last started, by any worker.', 'gauge', perJob(stats, (s) => s.job, (s) => (s.lastStartedAt ? s.lastStartedAt.getTime() / 1000 : 0)));
  family('payledger_jobs_backlog_due', 'Tasks due now and not claimed.', 'gauge', perJob(backlog, (b) => b.job, (b) => b.due));
  family('payledger_jobs_tasks_open', 'Tasks in the task projection.', 'gauge', perJob(backlog, (b) => b.job, (b) => b.open));
  family('payledger_jobs_tasks_parked', 'Tasks waiting for ops (nothing automatic left, or parked after repeated failures).', 'gauge', perJob(backlog, (b) => b.job, (b) => b.parked));
  family('payledger_jobs_oldest_due_age_seconds', 'How long the oldest due task has been due (0 when none).', 'gauge', perJob(backlog, (b) => b.job, (b) => (b.oldestDueAt ? Math.max(0, (now.getTime() - b.oldestDueAt.getTime()) / 1000) : 0)));
  return `${registry.render()}${lines.join('\n')}\n`;
}
