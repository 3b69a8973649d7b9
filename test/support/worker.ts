import type { INestApplicationContext } from '@nestjs/common';
import type { Pool } from 'pg';
import { AppConfig, readJobsConfig } from '@payledger/config';
import { createDataSource, poolOf } from '@payledger/database';
import { createRedactor, PostgresEventStore } from '@payledger/event-store';
import { createGatewayAdapters, GatewayName, GatewayPort, PostgresTokenStore } from '@payledger/gateways';
import type { JobName, JobRunResult } from '@payledger/jobs';
import { EventStoreSessionSink } from '@payledger/payments';
import { configuredSecrets } from '@payledger/runtime';
import type { JobHooks } from '../../apps/worker/src/jobs/task.job';
import { JobsService } from '../../apps/worker/src/jobs/jobs.service';
import { createWorkerApp } from '../../apps/worker/src/worker.app';
import { E2E_TIMEOUTS_MS, PayledgerHarness, SandboxBackedClock } from './payledger';

/** Pool of each worker instance: its own, so one can be cut off (killed) without touching the api or the others. */
const WORKER_POOL_SIZE = 8;

export interface WorkerHarness {
  app: INestApplicationContext;
  jobs: JobsService;
  pool: Pool;
  config: AppConfig;
  adapters: Record<GatewayName, GatewayPort>;
  instanceId: string;
  /** Brings the task projection up to date, then runs the job once (with the sandbox's clock). */
  tick(job: JobName): Promise<JobRunResult>;
  catchUp(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A worker instance beside the api of `startPayledger()`: the same PostgreSQL, sandbox and (sandbox-backed)
 * clock, its own pool and adapters (sharing the PostgreSQL token store and recording token renewals on
 * `gateway-session-*`, as production wiring does). Nothing is scheduled: tests call `tick()` and move the
 * clock. MIS Pay's track-checkout keeps its real 30 s timeout so a held request ends when the sandbox's
 * clock moves, not when a short test timeout fires.
 */
export async function startWorker(
  h: PayledgerHarness,
  options: { instanceId?: string; env?: Record<string, string>; hooks?: JobHooks; timeoutsMs?: Record<string, number> } = {},
): Promise<WorkerHarness> {
  const dataSource = createDataSource(h.db.url, WORKER_POOL_SIZE);
  await dataSource.initialize();
  const pool = poolOf(dataSource);
  const problems: string[] = [];
  const config: AppConfig = { ...h.config, jobs: readJobsConfig(options.env ?? {}, problems) };
  if (problems.length) throw new Error(problems.join('; '));
  const clock = new SandboxBackedClock(h.sandbox);
  const sessions = new PostgresEventStore(pool, { redact: createRedactor({ secretValues: configuredSecrets(config) }) });
  const adapters = createGatewayAdapters({
    config: config.gateways,
    publicBaseUrl: h.url,
    now: () => clock.now(),
    sleep: async () => undefined,
    timeoutsMs: { ...E2E_TIMEOUTS_MS, 'track-checkout': 30_000, ...options.timeoutsMs },
    sessionSink: new EventStoreSessionSink(sessions),
    tokenStore: new PostgresTokenStore(pool),
  });
  const instanceId = options.instanceId ?? `test-worker-${Math.random().toString(36).slice(2, 8)}`;
  const app = await createWorkerApp(
    { config, database: { dataSource, pool }, payments: { gateways: adapters, clock }, jobs: { schedule: false, runProjection: false, instanceId, hooks: options.hooks } },
    false,
  );
  await app.init();
  const jobs = app.get(JobsService);
  let closed = false;
  return {
    app,
    jobs,
    pool,
    config,
    adapters,
    instanceId,
    async tick(job) {
      await jobs.catchUp();
      return jobs.tick(job);
    },
    async catchUp() {
      await jobs.catchUp();
    },
    async close() {
      if (closed) return;
      closed = true;
      await app.close();
      if (dataSource.isInitialized) await dataSource.destroy();
    },
  };
}
