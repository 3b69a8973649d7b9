import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Scheduled jobs (libs/jobs, apps/worker/src/jobs):
 * - `job_tasks`, the task projection: per open payment or payout, what must happen next and when. The
 *   planned columns derive from events only (a rebuild writes the same values); the runtime columns
 *   (claims, holds, failures) belong to the jobs and start empty after a rebuild.
 * - `job_run_stats`: each job's last run and totals, written by whichever worker ran it, read by the api.
 * - `gateway_tokens`: the shared token pair per gateway, so every instance uses the pair one of them renewed.
 * Landed migrations are never edited; a change is a new migration.
 */
export class Jobs1763825000000 implements MigrationInterface {
  name = 'Jobs1763825000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE job_tasks (
        task_id           text        PRIMARY KEY,
        subject           text        NOT NULL CHECK (subject IN ('payment', 'payout')),
        payment_id        text,
        payout_id         text,
        gateway           text        NOT NULL,
        job               text        NOT NULL,
        operation         text        NOT NULL,
        trigger           text        NOT NULL,
        reference         text,
        reason            text        NOT NULL,
        attempt           integer     NOT NULL,
        next_run_at       timestamptz NOT NULL,
        deadline_at       timestamptz,
        since_at          timestamptz NOT NULL,
        source_version    integer     NOT NULL,
        planned_at        timestamptz NOT NULL,
        due_at            timestamptz NOT NULL,
        claimed_by        text,
        claimed_until     timestamptz,
        awaiting_version  integer,
        hold_until        timestamptz,
        failures          integer     NOT NULL DEFAULT 0,
        runs              integer     NOT NULL DEFAULT 0,
        last_error        text,
        last_run_at       timestamptz,
        CONSTRAINT job_tasks_one_subject CHECK ((payment_id IS NULL) <> (payout_id IS NULL))
      )`);
    // The claim: `WHERE job = $1 AND due_at <= $2 ORDER BY due_at LIMIT n FOR UPDATE SKIP LOCKED`, and the
    // backlog gauges (due count, oldest due) read the same range.
    await q.query(`CREATE INDEX job_tasks_claim ON job_tasks (job, due_at)`);

    await q.query(`
      CREATE TABLE job_run_stats (
        job                text        PRIMARY KEY,
        enabled            boolean     NOT NULL,
        interval_ms        integer     NOT NULL,
        runs_total         bigint      NOT NULL DEFAULT 0,
        failed_runs_total  bigint      NOT NULL DEFAULT 0,
        claimed_total      bigint      NOT NULL DEFAULT 0,
        done_total         bigint      NOT NULL DEFAULT 0,
        failed_total       bigint      NOT NULL DEFAULT 0,
        last_started_at    timestamptz,
        last_finished_at   timestamptz,
        last_duration_ms   integer,
        last_claimed       integer,
        last_done          integer,
        last_failed        integer,
        last_instance      text,
        last_error         text,
        last_error_at      timestamptz,
        next_run_at        timestamptz
      )`);

    await q.query(`
      CREATE TABLE gateway_tokens (
        gateway             text        PRIMARY KEY,
        access_token        text        NOT NULL,
        expires_at          timestamptz NOT NULL,
        refresh_token       text,
        refresh_expires_at  timestamptz,
        saved_at            timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS gateway_tokens`);
    await q.query(`DROP TABLE IF EXISTS job_run_stats`);
    await q.query(`DROP TABLE IF EXISTS job_tasks`);
  }
}
