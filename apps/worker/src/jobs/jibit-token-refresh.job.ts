import type { Pool } from 'pg';
import type { JobSettings } from '@payledger/config';
import type { GatewayPort, TokenStore } from '@payledger/gateways';
import { JOB_LOCK_CLASS, JOB_METRICS, JobRunResult, JobStatsStore } from '@payledger/jobs';
import { Clock } from '@payledger/kernel';

const JOB = 'jibit-token-refresh' as const;

/** What the Jibit adapter offers the refresher (jibit.md D3): renew through its single-flight holder when due. */
interface JibitSession {
  ensureSession(): Promise<{ expiresAt: Date; refreshExpiresAt?: Date }>;
}

function hasSession(port: GatewayPort): port is GatewayPort & JibitSession {
  return typeof (port as Partial<JibitSession>).ensureSession === 'function';
}

export interface JibitTokenRefreshDeps {
  settings: JobSettings;
  instanceId: string;
  pool: Pool;
  jibit: () => GatewayPort;
  tokens: TokenStore;
  stats: JobStatsStore;
  clock: Clock;
  log: (level: 'info' | 'debug' | 'warn', line: string) => void;
}

/**
 * Keeps Jibit's token pair alive while nothing else asks for it (jibit.md D3): each run, under a
 * cluster-wide advisory lock so one instance renews at a time, asks the adapter's holder for a session;
 * the holder refreshes when less than 5 minutes of the 24 h access token remain (generating a new pair
 * when the refresh fails), records the renewal on `gateway-session-jibit`, and saves the pair to the
 * shared token store, where every other instance's holder picks it up instead of renewing itself.
 */
export class JibitTokenRefreshJob {
  private running: Promise<JobRunResult> | undefined;

  constructor(private readonly deps: JibitTokenRefreshDeps) {}

  get busy(): Promise<JobRunResult> | undefined {
    return this.running;
  }

  tick(): Promise<JobRunResult> {
    if (this.running) return Promise.resolve(this.result('skipped', this.deps.clock.now(), performance.now(), {}));
    const run = this.run().finally(() => {
      if (this.running === run) this.running = undefined;
    });
    this.running = run;
    return run;
  }

  private async run(): Promise<JobRunResult> {
    const { pool, clock } = this.deps;
    const startedAt = clock.now();
    const started = performance.now();
    const client = await pool.connect();
    let result: JobRunResult;
    try {
      const locked = await client.query<{ locked: boolean }>(`SELECT pg_try_advisory_lock($1, hashtext($2)) AS locked`, [JOB_LOCK_CLASS, JOB]);
      if (!locked.rows[0].locked) {
        result = this.result('skipped', startedAt, started, {});
      } else {
        try {
          result = await this.renew(startedAt, started);
        } finally {
          await client.query(`SELECT pg_advisory_unlock($1, hashtext($2))`, [JOB_LOCK_CLASS, JOB]).catch(() => undefined);
        }
      }
    } finally {
      client.release();
    }
    JOB_METRICS.runs.inc({ job: JOB, result: result.status });
    if (result.status === 'skipped') {
      this.deps.log('debug', `${JOB}: another instance holds the refresher lock`);
      return result;
    }
    JOB_METRICS.runDuration.observe({ job: JOB }, result.durationMs / 1000);
    if (result.renewed) JOB_METRICS.tokenRenewals.inc();
    const line = `${JOB}: claimed ${result.claimed}, done ${result.done}, failed ${result.failed}, ${Math.round(result.durationMs)} ms${result.renewed ? ', pair renewed' : ''}${result.error ? `: ${result.error}` : ''}`;
    this.deps.log(result.failed ? 'warn' : result.renewed ? 'info' : 'debug', line);
    await this.deps.stats
      .record(result, this.deps.settings, this.deps.instanceId, new Date(startedAt.getTime() + this.deps.settings.intervalMs))
      .catch((e: unknown) => this.deps.log('warn', `${JOB}: could not record the run: ${(e as Error).message}`));
    return result;
  }

  private async renew(startedAt: Date, started: number): Promise<JobRunResult> {
    try {
      const port = this.deps.jibit();
      if (!hasSession(port)) throw new Error('the Jibit adapter offers no ensureSession');
      const before = await this.deps.tokens.load('jibit');
      const session = await port.ensureSession();
      const renewed = !before || before.expiresAt.getTime() !== session.expiresAt.getTime();
      return this.result('ok', startedAt, started, { claimed: 1, done: 1, renewed });
    } catch (error) {
      return this.result('failed', startedAt, started, { claimed: 1, failed: 1, error: error instanceof Error ? error.message : String(error) });
    }
  }

  private result(status: JobRunResult['status'], startedAt: Date, started: number, parts: Partial<JobRunResult>): JobRunResult {
    return { job: JOB, status, startedAt, finishedAt: this.deps.clock.now(), durationMs: performance.now() - started, claimed: 0, done: 0, failed: 0, deferred: 0, ...parts };
  }
}
