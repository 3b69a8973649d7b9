import { randomUUID } from 'node:crypto';
import type { CommandBus } from '@nestjs/cqrs';
import type { JobSettings } from '@payledger/config';
import type { EventStore } from '@payledger/event-store';
import { ClaimedTask, JOB_METRICS, JobRunResult, JobStatsStore, TaskJobName, TaskStore } from '@payledger/jobs';
import { Clock } from '@payledger/kernel';
import {
  CheckPaymentCommand,
  CheckPaymentResult,
  CommandContext,
  ExpirePaymentCommand,
  ExpirePaymentResult,
  paymentStreamId,
  payoutStreamId,
  PayoutState,
  RefreshPayoutCommand,
} from '@payledger/payments';

/** After a task's command appended nothing (someone else had just settled it): not again before this. */
export const NO_PROGRESS_HOLD_MS = 30_000;
/** After a task failed: wait this long (the n-th failure takes the n-th, with jitter), then again… */
export const TASK_FAILURE_BACKOFF_MS: readonly number[] = [10_000, 30_000, 120_000, 600_000, 1_800_000];
/** …and after this many failures in a row the task is parked until a new event on its payment wakes it (ops see it). */
export const TASK_FAILURES_MAX = TASK_FAILURE_BACKOFF_MS.length + 1;
const FAILURE_JITTER_RATIO = 0.2;
/** A claim is renewed this often (a fraction of the lease) while its task waits in the batch. */
const LEASE_RENEWALS_PER_LEASE = 3;

/** Thrown by a test hook to stop a run the way a killed process stops: claims kept, nothing released or recorded. */
export class JobKilledError extends Error {
  constructor() {
    super('job run killed');
    this.name = 'JobKilledError';
  }
}

export interface JobHooks {
  /** Before each claimed task is worked on (tests: throw JobKilledError to kill the instance mid-batch). */
  beforeTask?: (job: TaskJobName, task: ClaimedTask, index: number) => void | Promise<void>;
}

export interface TaskJobDeps {
  job: TaskJobName;
  settings: JobSettings;
  leaseMs: number;
  instanceId: string;
  tasks: TaskStore;
  stats: JobStatsStore;
  commands: CommandBus;
  store: EventStore;
  clock: Clock;
  log: (level: 'info' | 'debug' | 'warn', line: string) => void;
  hooks?: JobHooks;
  random?: () => number;
}

type TaskResult = 'done' | 'failed' | 'deferred';

/**
 * One job over the task projection. A run claims a bounded batch of its due tasks (one short statement
 * with FOR UPDATE SKIP LOCKED), then carries each out through the same command handlers as the api —
 * never inside a transaction — with bounded concurrency. A payment racing a buyer's return is settled
 * by the payment's confirmation lease and optimistic concurrency, not here.
 */
export class TaskJob {
  private running: Promise<JobRunResult> | undefined;

  constructor(private readonly deps: TaskJobDeps) {}

  get name(): TaskJobName {
    return this.deps.job;
  }

  get busy(): Promise<JobRunResult> | undefined {
    return this.running;
  }

  /** One run; a run still going makes this one `skipped` (runs never overlap within an instance). */
  tick(): Promise<JobRunResult> {
    if (this.running) {
      const now = this.deps.clock.now();
      return Promise.resolve({ job: this.deps.job, status: 'skipped', startedAt: now, finishedAt: now, durationMs: 0, claimed: 0, done: 0, failed: 0, deferred: 0 });
    }
    const run = this.run().finally(() => {
      if (this.running === run) this.running = undefined;
    });
    this.running = run;
    return run;
  }

  private async run(): Promise<JobRunResult> {
    const { job, settings, tasks, clock, leaseMs, instanceId } = this.deps;
    const startedAt = clock.now();
    const started = performance.now();
    const counts: Record<TaskResult, number> = { done: 0, failed: 0, deferred: 0 };
    let claimed: ClaimedTask[] = [];
    let error: string | undefined;
    let renewal: NodeJS.Timeout | undefined;
    try {
      claimed = await tasks.claim(job, startedAt, settings.batchSize, leaseMs, instanceId);
      const waiting = new Set(claimed.map((t) => t.taskId));
      if (claimed.length > 0) {
        renewal = setInterval(() => void tasks.renewLease([...waiting], clock.now(), leaseMs, instanceId).catch(() => undefined), Math.max(1000, Math.floor(leaseMs / LEASE_RENEWALS_PER_LEASE)));
        renewal.unref();
      }
      await forEachBounded(claimed, settings.concurrency, async (task, index) => {
        await this.deps.hooks?.beforeTask?.(job, task, index);
        counts[await this.runTask(task)] += 1;
        waiting.delete(task.taskId);
      });
    } catch (caught) {
      if (caught instanceof JobKilledError) throw caught;
      error = caught instanceof Error ? caught.message : String(caught);
    } finally {
      if (renewal) clearInterval(renewal);
    }
    const finishedAt = clock.now();
    const result: JobRunResult = {
      job,
      status: error ? 'failed' : 'ok',
      startedAt,
      finishedAt,
      durationMs: performance.now() - started,
      claimed: claimed.length,
      done: counts.done,
      failed: counts.failed,
      deferred: counts.deferred,
      ...(error ? { error } : {}),
    };
    await this.report(result);
    return result;
  }

  private async report(result: JobRunResult): Promise<void> {
    const { job, settings, instanceId, stats } = this.deps;
    JOB_METRICS.runs.inc({ job, result: result.status });
    JOB_METRICS.runDuration.observe({ job }, result.durationMs / 1000);
    for (const kind of ['done', 'failed', 'deferred'] as const) if (result[kind] > 0) JOB_METRICS.tasks.inc({ job, result: kind }, result[kind]);
    const line = `${job}: claimed ${result.claimed}, done ${result.done}, failed ${result.failed}, deferred ${result.deferred}, ${Math.round(result.durationMs)} ms${result.error ? `; run failed: ${result.error}` : ''}`;
    this.deps.log(result.error || result.failed > 0 ? 'warn' : result.claimed > 0 ? 'info' : 'debug', line);
    await stats.record(result, settings, instanceId, new Date(result.startedAt.getTime() + settings.intervalMs)).catch((e: unknown) => this.deps.log('warn', `${job}: could not record the run: ${(e as Error).message}`));
  }

  private async runTask(task: ClaimedTask): Promise<TaskResult> {
    const { tasks, store, clock, instanceId, job } = this.deps;
    const streamId = task.subject === 'payment' ? paymentStreamId(task.paymentId!) : payoutStreamId(task.payoutId!);
    const ctx: CommandContext = { actor: `job:${job}`, correlationId: randomUUID() };
    try {
      // Planned from an older version: whatever happened since (a return, a webhook) may change the plan.
      const current = await store.streamVersion(streamId);
      if (current > task.sourceVersion) {
        await tasks.release(task.taskId, instanceId, current);
        return 'deferred';
      }
      const version = await this.carryOut(task, ctx);
      if (version > task.sourceVersion) {
        await tasks.release(task.taskId, instanceId, version);
        await this.observeGatewayCalls(streamId, task.sourceVersion + 1, ctx.correlationId!);
      } else {
        await tasks.holdOff(task.taskId, instanceId, new Date(clock.now().getTime() + NO_PROGRESS_HOLD_MS));
      }
      return 'done';
    } catch (caught) {
      const message = caught instanceof Error ? `${(caught as { code?: string }).code ?? caught.name}: ${caught.message}` : String(caught);
      const failures = task.failures + 1;
      const holdUntil = failures >= TASK_FAILURES_MAX ? null : new Date(clock.now().getTime() + this.backoffMs(failures));
      this.deps.log('warn', `${job}: ${task.taskId} (${task.operation}) failed ${failures}×${holdUntil ? '' : ', parked for ops'}: ${message}`);
      await tasks.holdOff(task.taskId, instanceId, holdUntil, message).catch(() => undefined);
      return 'failed';
    }
  }

  /** The command the plan names; answers the stream version after it. */
  private async carryOut(task: ClaimedTask, ctx: CommandContext): Promise<number> {
    const { commands } = this.deps;
    switch (task.operation) {
      case 'confirm':
      case 'inquire':
      case 'recoverCreate': {
        const result = await commands.execute<CheckPaymentCommand, CheckPaymentResult>(new CheckPaymentCommand(task.paymentId!, task.operation, task.trigger, ctx, task.reference ?? undefined));
        return result.state.version;
      }
      case 'expire':
      case 'review': {
        const outcome = task.operation === 'expire' ? 'expired' : 'needs_review';
        const result = await commands.execute<ExpirePaymentCommand, ExpirePaymentResult>(new ExpirePaymentCommand(task.paymentId!, outcome, task.trigger, task.reason, ctx, task.sourceVersion));
        return result.version;
      }
      case 'refreshPayout': {
        const state = await commands.execute<RefreshPayoutCommand, PayoutState>(new RefreshPayoutCommand(task.payoutId!, ctx));
        return state.version;
      }
      case 'await-ops':
        return task.sourceVersion;
    }
  }

  /** Gateway latency as the recording client measured it, for the calls this task made. */
  private async observeGatewayCalls(streamId: string, fromVersion: number, correlationId: string): Promise<void> {
    const events = await this.deps.store.readStream(streamId, { fromVersion });
    for (const event of events) {
      if (event.metadata.correlationId !== correlationId) continue;
      if (event.type !== 'GatewayResponseReceived' && event.type !== 'GatewayRequestFailed') continue;
      const data = event.data as { gateway?: string; operation?: string; latencyMs?: number };
      if (typeof data.latencyMs !== 'number') continue;
      JOB_METRICS.gatewayCall.observe({ gateway: data.gateway ?? 'unknown', operation: data.operation ?? 'unknown', result: event.type === 'GatewayResponseReceived' ? 'response' : 'failed' }, data.latencyMs / 1000);
    }
  }

  private backoffMs(failures: number): number {
    const base = TASK_FAILURE_BACKOFF_MS[Math.min(failures, TASK_FAILURE_BACKOFF_MS.length) - 1];
    return Math.round(base * (1 + FAILURE_JITTER_RATIO * (this.deps.random ?? Math.random)()));
  }
}

/** Runs `work` over `items`, at most `concurrency` at once; after an error no new item starts, and the first error is thrown. */
export async function forEachBounded<T>(items: readonly T[], concurrency: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const lane = async () => {
    while (!failure && next < items.length) {
      const index = next++;
      try {
        await work(items[index], index);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, lane));
  if (failure) throw failure.error;
}
