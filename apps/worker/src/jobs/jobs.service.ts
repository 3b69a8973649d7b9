import * as http from 'node:http';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { SchedulerRegistry } from '@nestjs/schedule';
import type { Pool } from 'pg';
import { APP_CONFIG, AppConfig } from '@payledger/config';
import { PG_POOL } from '@payledger/database';
import { PostgresEventStore, SubscriptionRunner } from '@payledger/event-store';
import { PostgresTokenStore } from '@payledger/gateways';
import { JOB_NAMES, JobName, JobRunResult, jobSettings, JobStatsStore, renderMetrics, TASK_JOB_NAMES, TaskJobName, TaskProjection, TaskStore } from '@payledger/jobs';
import { Clock } from '@payledger/kernel';
import { PaymentFlow } from '@payledger/payments';
import { JibitTokenRefreshJob } from './jibit-token-refresh.job';
import { JobHooks, TaskJob } from './task.job';

export const JOBS_OPTIONS = Symbol('JOBS_OPTIONS');

export interface JobsModuleOptions {
  /** False: nothing is scheduled; runs happen only through `tick()` (tests drive them with a test clock). */
  schedule?: boolean;
  /** False: the task projection's live subscriber is not started (`catchUp()` drains it instead). */
  runProjection?: boolean;
  /** Names this process in claims, logs and run stats; default host:pid:random. */
  instanceId?: string;
  hooks?: JobHooks;
}

/** Tries of a drain while another instance holds the projection's lock, and the pause between them. */
const CATCH_UP_TRIES_MAX = 100;
const CATCH_UP_PAUSE_MS = 20;

/**
 * The worker's scheduled jobs: the task projection (live subscriber), the three task jobs and the Jibit
 * token refresher, each on its own interval (@nestjs/schedule's registry), switched and tuned by
 * AppConfig.jobs. A run never overlaps the previous one in the same instance; instances share the work
 * through the claims.
 */
@Injectable()
export class JobsService implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly instanceId: string;
  private readonly logger = new Logger('jobs');
  private readonly taskJobs: Map<TaskJobName, TaskJob>;
  private readonly tokenJob: JibitTokenRefreshJob;
  private readonly projection: TaskProjection;
  private runner: SubscriptionRunner | undefined;
  private metricsServer: http.Server | undefined;
  private readonly scheduled: string[] = [];
  private stopping = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(JOBS_OPTIONS) private readonly options: JobsModuleOptions,
    @Inject(CommandBus) commands: CommandBus,
    @Inject(PaymentFlow) flow: PaymentFlow,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(PostgresEventStore) private readonly store: PostgresEventStore,
    @Inject(SchedulerRegistry) private readonly scheduler: SchedulerRegistry,
  ) {
    this.instanceId = options.instanceId ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
    const log = (level: 'info' | 'debug' | 'warn', line: string) => (level === 'warn' ? this.logger.warn(line) : level === 'info' ? this.logger.log(line) : this.logger.debug(line));
    const tasks = new TaskStore(pool);
    const stats = new JobStatsStore(pool);
    this.taskJobs = new Map(
      TASK_JOB_NAMES.map((job) => [
        job,
        new TaskJob({ job, settings: jobSettings(config.jobs, job), leaseMs: config.jobs.claimLeaseMs, instanceId: this.instanceId, tasks, stats, commands, store, clock, log, hooks: options.hooks }),
      ]),
    );
    this.tokenJob = new JibitTokenRefreshJob({
      settings: config.jobs.jibitTokenRefresh,
      instanceId: this.instanceId,
      pool,
      jibit: () => flow.gateways('jibit'),
      tokens: new PostgresTokenStore(pool),
      stats,
      clock,
      log,
    });
    this.projection = new TaskProjection({
      rules: { jibitVerifyBeforeDeadline: config.gateways.jibit.verifyBeforeDeadline, atipayAbandonAfterMinutes: config.gateways.atipay.abandonAfterMinutes, alqasehTokenExpiryHours: config.gateways.alqaseh.tokenExpiryHours },
      toRecorded: (row) => store.toRecorded(row),
      observe: true,
    });
  }

  /** One run of a job now, whether or not it is scheduled (tests, ops). */
  tick(job: JobName): Promise<JobRunResult> {
    if (job === 'jibit-token-refresh') return this.tokenJob.tick();
    return this.taskJobs.get(job)!.tick();
  }

  /** Brings the task projection up to the head of the store (when no live subscriber runs here). */
  async catchUp(): Promise<number> {
    const runner = new SubscriptionRunner(this.pool, this.store, this.projection);
    for (let tryNo = 1; ; tryNo++) {
      try {
        return await runner.drain();
      } catch (error) {
        if (tryNo >= CATCH_UP_TRIES_MAX || !(error instanceof Error) || !error.message.includes('active in another instance')) throw error;
        await new Promise((resolve) => setTimeout(resolve, CATCH_UP_PAUSE_MS));
      }
    }
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.options.runProjection !== false) {
      this.runner = new SubscriptionRunner(this.pool, this.store, this.projection, { log: (line) => this.logger.log(line) });
      this.runner.start();
    }
    if (this.config.jobs.metricsPort !== undefined) await this.serveMetrics(this.config.jobs.metricsPort);
    if (this.options.schedule === false) return;
    if (!this.config.jobs.enabled) {
      this.logger.log('jobs are switched off (JOBS_ENABLED=false)');
      return;
    }
    for (const job of JOB_NAMES) {
      const settings = jobSettings(this.config.jobs, job);
      if (!settings.enabled) {
        this.logger.log(`${job} is switched off`);
        continue;
      }
      const timer = setInterval(() => {
        if (!this.stopping) void this.tick(job).catch((error: unknown) => this.logger.warn(`${job}: run failed: ${(error as Error).message}`));
      }, settings.intervalMs);
      this.scheduler.addInterval(`payledger-job:${job}:${this.instanceId}`, timer);
      this.scheduled.push(`payledger-job:${job}:${this.instanceId}`);
    }
    this.logger.log(`jobs scheduled as ${this.instanceId}: ${JOB_NAMES.filter((j) => jobSettings(this.config.jobs, j).enabled).map((j) => `${j} every ${jobSettings(this.config.jobs, j).intervalMs} ms`).join(', ')}`);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    // ScheduleModule's own shutdown hook may have cleared (and forgotten) the intervals already.
    for (const name of this.scheduled.splice(0)) if (this.scheduler.doesExist('interval', name)) this.scheduler.deleteInterval(name);
    // A run in flight finishes its tasks (each is short or bounded by its gateway timeout) before the pool closes.
    await Promise.allSettled([...[...this.taskJobs.values()].map((j) => j.busy), this.tokenJob.busy].filter((p) => p !== undefined));
    await this.runner?.stop();
    if (this.metricsServer) await new Promise<void>((resolve) => this.metricsServer!.close(() => resolve()));
  }

  private serveMetrics(port: number): Promise<void> {
    const server = http.createServer((req, res) => {
      if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
        return;
      }
      renderMetrics(this.pool, this.clock.now()).then(
        (text) => res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }).end(text),
        (error: unknown) => res.writeHead(503, { 'content-type': 'text/plain' }).end(`metrics unavailable: ${(error as Error).message}\n`),
      );
    });
    this.metricsServer = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, () => {
        this.logger.log(`worker metrics on http://localhost:${port}/metrics`);
        resolve();
      });
    });
  }
}
