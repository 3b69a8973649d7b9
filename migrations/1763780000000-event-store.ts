import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The event store: append-only events, stream versions for optimistic concurrency, subscriber checkpoints.
 * Landed migrations are never edited; a change is a new migration.
 */
export class EventStore1763780000000 implements MigrationInterface {
  name = 'EventStore1763780000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE events (
        position        bigserial   PRIMARY KEY,
        transaction_id  xid8        NOT NULL DEFAULT pg_current_xact_id(),
        stream_id       text        NOT NULL CHECK (length(stream_id) BETWEEN 1 AND 200),
        stream_version  integer     NOT NULL CHECK (stream_version >= 1),
        event_id        uuid        NOT NULL UNIQUE,
        type            text        NOT NULL CHECK (length(type) BETWEEN 1 AND 200),
        schema_version  integer     NOT NULL DEFAULT 1 CHECK (schema_version >= 1),
        data            jsonb       NOT NULL,
        metadata        jsonb       NOT NULL DEFAULT '{}'::jsonb,
        occurred_at     timestamptz NOT NULL,
        recorded_at     timestamptz NOT NULL DEFAULT clock_timestamp(),
        CONSTRAINT events_stream_version_unique UNIQUE (stream_id, stream_version)
      )`);
    // Subscribers read in commit order: (transaction id, position) below the oldest running transaction.
    await q.query(`CREATE INDEX events_commit_order ON events (transaction_id, position)`);
    await q.query(`CREATE INDEX events_type ON events (type, position)`);

    await q.query(`
      CREATE TABLE streams (
        stream_id   text        PRIMARY KEY,
        category    text        NOT NULL,
        version     integer     NOT NULL CHECK (version >= 1),
        created_at  timestamptz NOT NULL DEFAULT now(),
        updated_at  timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX streams_category ON streams (category)`);

    await q.query(`
      CREATE FUNCTION events_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'events are append-only: % refused', TG_OP
          USING ERRCODE = 'restrict_violation', HINT = 'Record a correcting event instead.';
      END $$`);
    await q.query(`
      CREATE TRIGGER events_append_only_rows BEFORE UPDATE OR DELETE ON events
      FOR EACH ROW EXECUTE FUNCTION events_refuse_change()`);
    await q.query(`
      CREATE TRIGGER events_append_only_truncate BEFORE TRUNCATE ON events
      FOR EACH STATEMENT EXECUTE FUNCTION events_refuse_change()`);

    await q.query(`
      CREATE TABLE subscription_checkpoints (
        name             text        PRIMARY KEY,
        transaction_id   xid8        NOT NULL DEFAULT '0'::xid8,
        position         bigint      NOT NULL DEFAULT 0,
        events_handled   bigint      NOT NULL DEFAULT 0,
        updated_at       timestamptz NOT NULL DEFAULT now(),
        last_error       text,
        last_error_at    timestamptz
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE subscription_checkpoints`);
    await q.query(`DROP TABLE streams`);
    await q.query(`DROP TRIGGER events_append_only_truncate ON events`);
    await q.query(`DROP TRIGGER events_append_only_rows ON events`);
    await q.query(`DROP TABLE events`);
    await q.query(`DROP FUNCTION events_refuse_change()`);
  }
}
