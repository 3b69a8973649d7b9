import type { Pool, PoolClient } from 'pg';
import { categoryOf, EVENT_COLUMNS, EventRow, RecordedEvent, SubscriptionHandler } from '@payledger/event-store';
import { invariant } from '@payledger/kernel';
import { currentAttempt, foldPayout, PaymentEventLike, PaymentState } from '@payledger/payments';
import { JIBIT_VERIFY_WINDOW_MS } from '../../gateways/src/jibit/jibit.config';
import { JOB_METRICS } from './metrics.registry';
import { paymentTaskFacts, payoutTaskFacts, planPaymentTask, planPayoutTask, TaskPlan, TaskRulesConfig } from './task.rules';

export const TASK_PROJECTION_NAME = 'job-tasks';
export const TASKS_TABLE = 'job_tasks';
const LIVE_BATCH_SIZE = 500;

interface StreamBatch {
  streamId: string;
  events: RecordedEvent[];
}

export interface TaskProjectionOptions {
  rules: TaskRulesConfig;
  /** PostgresEventStore#toRecorded: rows read here go through the same upcasters. */
  toRecorded: (row: EventRow) => RecordedEvent;
  batchSizeMax?: number;
  /** Live runs measure Jibit verify timing from the events they pass; a replay does not. */
  observe?: boolean;
}

/**
 * The task projection: per open payment or payout, what must happen next and when (libs/jobs task.rules).
 * Each batch re-plans every stream it touches from that stream's whole history up to the batch, never
 * from a clock, so an incremental run and a replay from position zero plan the same tasks. The runtime
 * columns (a claim, a hold after failures) are the jobs'; a new plan keeps a running claim until the
 * events the claimer waits for have arrived.
 */
export class TaskProjection implements SubscriptionHandler {
  readonly name = TASK_PROJECTION_NAME;
  readonly mode = 'transactional' as const;
  readonly batchSizeMax: number;

  constructor(private readonly options: TaskProjectionOptions) {
    this.batchSizeMax = options.batchSizeMax ?? LIVE_BATCH_SIZE;
  }

  accepts(event: RecordedEvent): boolean {
    const category = categoryOf(event.streamId);
    return category === 'payment' || category === 'payout';
  }

  async handle(events: readonly RecordedEvent[], tx: PoolClient | undefined): Promise<void> {
    invariant(tx, 'the task projection is transactional');
    const streams = new Map<string, StreamBatch>();
    for (const event of events) {
      const batch = streams.get(event.streamId) ?? { streamId: event.streamId, events: [] };
      batch.events.push(event);
      streams.set(event.streamId, batch);
    }
    const fresh = new Set(events.map((e) => e.eventId));
    await this.loadEarlierEvents(tx, [...streams.values()].filter((s) => s.events[0].streamVersion > 1));

    const plans: TaskPlan[] = [];
    const finished: string[] = [];
    for (const stream of streams.values()) {
      const ordered = [...stream.events].sort((a, b) => a.streamVersion - b.streamVersion);
      // A stream that did not start with its creating event is not one of ours.
      if (ordered[0].streamVersion !== 1) continue;
      const category = categoryOf(stream.streamId);
      const taskId = `${category}:${stream.streamId.slice(category.length + 1)}`;
      const plan = category === 'payment' ? this.planPayment(ordered, fresh) : this.planPayout(ordered);
      if (plan) plans.push(plan);
      else finished.push(taskId);
    }
    if (finished.length > 0) await tx.query(`DELETE FROM ${TASKS_TABLE} WHERE task_id = ANY($1::text[])`, [finished]);
    if (plans.length > 0) await upsertPlans(tx, plans);
  }

  private planPayment(events: RecordedEvent[], fresh: ReadonlySet<string>): TaskPlan | undefined {
    const observe = this.options.observe ? verifyTimingObserver(fresh) : undefined;
    const facts = paymentTaskFacts(events, observe);
    return facts ? planPaymentTask(facts, this.options.rules) : undefined;
  }

  private planPayout(events: RecordedEvent[]): TaskPlan | undefined {
    const facts = payoutTaskFacts(events, foldPayout);
    return facts ? planPayoutTask(facts) : undefined;
  }

  /** The events of these streams committed before this batch (the subscription passed them already). */
  private async loadEarlierEvents(tx: PoolClient, streams: StreamBatch[]): Promise<void> {
    if (streams.length === 0) return;
    const result = await tx.query<EventRow>(
      `SELECT e.* FROM unnest($1::text[], $2::text[], $3::bigint[]) AS u(stream_id, x, p)
         CROSS JOIN LATERAL (SELECT ${EVENT_COLUMNS} FROM events WHERE events.stream_id = u.stream_id AND (events.transaction_id, events.position) < (u.x::xid8, u.p)) e`,
      [streams.map((s) => s.streamId), streams.map((s) => s.events[0].transactionId.toString()), streams.map((s) => s.events[0].position.toString())],
    );
    const byStream = new Map(streams.map((s) => [s.streamId, s]));
    for (const row of result.rows) byStream.get(row.stream_id)!.events.push(this.options.toRecorded(row));
  }
}

/**
 * How close to Jibit's 15-minute deadline each verify went out (jibit.md §5), from the request events
 * this batch brings, labelled by what started the confirmation (return, job, deadline).
 */
function verifyTimingObserver(fresh: ReadonlySet<string>): (event: PaymentEventLike, before: PaymentState | undefined) => void {
  return (event, before) => {
    if (event.type !== 'GatewayRequestSent' || !before || before.gateway !== 'jibit') return;
    const recorded = event as PaymentEventLike & { eventId?: string };
    if (!recorded.eventId || !fresh.has(recorded.eventId)) return;
    const data = event.data as { operation?: string; attempt?: number; sentAt?: string };
    if (data.operation !== 'verify' || data.attempt !== 1) return;
    const attempt = currentAttempt(before);
    if (!attempt) return;
    const sentMs = data.sentAt ? Date.parse(data.sentAt) : event.occurredAt.getTime();
    const marginS = (attempt.startedAt.getTime() + JIBIT_VERIFY_WINDOW_MS - sentMs) / 1000;
    JOB_METRICS.verifyMargin.observe({ trigger: before.confirmation?.trigger ?? 'none' }, marginS);
  };
}

/**
 * Writes plans, keeping the jobs' runtime columns: a claim stays until the claimer's awaited version has
 * arrived; a task parked after repeated failures wakes on any new event; `due_at` is always the latest
 * of the plan, the hold and the claim.
 */
async function upsertPlans(tx: PoolClient, plans: TaskPlan[]): Promise<void> {
  const rows = plans.map((p) => ({
    task_id: p.taskId,
    subject: p.subject,
    payment_id: p.subject === 'payment' ? p.subjectId : null,
    payout_id: p.subject === 'payout' ? p.subjectId : null,
    gateway: p.gateway,
    job: p.job,
    operation: p.operation,
    trigger: p.trigger,
    reference: p.reference ?? null,
    reason: p.reason,
    attempt: p.attempt,
    next_run_at: p.nextRunAt?.toISOString() ?? 'infinity',
    deadline_at: p.deadlineAt?.toISOString() ?? null,
    since_at: p.sinceAt.toISOString(),
    source_version: p.sourceVersion,
    planned_at: p.plannedAt.toISOString(),
  }));
  const arrived = `(t.awaiting_version IS NOT NULL AND EXCLUDED.source_version >= t.awaiting_version)`;
  const woken = `(t.hold_until = 'infinity' AND EXCLUDED.source_version > t.source_version)`;
  await tx.query(
    `INSERT INTO ${TASKS_TABLE} AS t (task_id, subject, payment_id, payout_id, gateway, job, operation, trigger, reference, reason, attempt,
                                   next_run_at, deadline_at, since_at, source_version, planned_at, due_at)
     SELECT r.task_id, r.subject, r.payment_id, r.payout_id, r.gateway, r.job, r.operation, r.trigger, r.reference, r.reason, r.attempt,
            r.next_run_at, r.deadline_at, r.since_at, r.source_version, r.planned_at, r.next_run_at
       FROM jsonb_to_recordset($1::jsonb) AS r(task_id text, subject text, payment_id text, payout_id text, gateway text, job text,
            operation text, trigger text, reference text, reason text, attempt integer, next_run_at timestamptz, deadline_at timestamptz,
            since_at timestamptz, source_version integer, planned_at timestamptz)
     ON CONFLICT (task_id) DO UPDATE SET
       job = EXCLUDED.job, operation = EXCLUDED.operation, trigger = EXCLUDED.trigger, reference = EXCLUDED.reference,
       reason = EXCLUDED.reason, attempt = EXCLUDED.attempt, next_run_at = EXCLUDED.next_run_at, deadline_at = EXCLUDED.deadline_at,
       since_at = EXCLUDED.since_at, source_version = EXCLUDED.source_version, planned_at = EXCLUDED.planned_at,
       claimed_until = CASE WHEN ${arrived} THEN NULL ELSE t.claimed_until END,
       claimed_by = CASE WHEN ${arrived} THEN NULL ELSE t.claimed_by END,
       awaiting_version = CASE WHEN ${arrived} THEN NULL ELSE t.awaiting_version END,
       hold_until = CASE WHEN ${woken} THEN NULL ELSE t.hold_until END,
       failures = CASE WHEN ${woken} THEN 0 ELSE t.failures END,
       due_at = GREATEST(EXCLUDED.next_run_at,
                         CASE WHEN ${woken} THEN NULL ELSE t.hold_until END,
                         CASE WHEN ${arrived} THEN NULL ELSE t.claimed_until END)`,
    [JSON.stringify(rows)],
  );
}

/**
 * Replays the projection from position zero: the table is emptied and the checkpoint forgotten in one
 * transaction, and whichever instance runs the subscriber plans every task again from the events
 * (claims and holds, being no events, start empty).
 */
export async function resetTaskProjection(pool: Pool): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query(`DELETE FROM ${TASKS_TABLE}`);
    await client.query(`DELETE FROM subscription_checkpoints WHERE name = $1`, [TASK_PROJECTION_NAME]);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
