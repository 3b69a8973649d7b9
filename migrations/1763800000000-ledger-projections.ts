import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The ledger's projections (libs/ledger): journal entries and lines, account balances, the payments view,
 * daily summaries, and the record of projection rebuilds. Every column derives from events, so a rebuild
 * writes the same rows. Landed migrations are never edited; a change is a new migration.
 */
export class LedgerProjections1763800000000 implements MigrationInterface {
  name = 'LedgerProjections1763800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE journal_entries (
        entry_id           uuid        PRIMARY KEY,
        transaction_id     xid8        NOT NULL,
        position           bigint      NOT NULL,
        kind               text        NOT NULL,
        event_type         text        NOT NULL,
        stream_id          text        NOT NULL,
        payment_id         text,
        refund_id          text,
        payout_id          text,
        gateway            text,
        currency           text        NOT NULL,
        description        text        NOT NULL,
        reverses_entry_id  uuid        UNIQUE,
        occurred_at        timestamptz NOT NULL,
        recorded_at        timestamptz NOT NULL,
        booked_at          timestamptz NOT NULL,
        CONSTRAINT journal_entries_commit_order UNIQUE (transaction_id, position)
      )`);
    // booked_at never goes backwards along the journal, so this is also the journal order.
    await q.query(`CREATE INDEX journal_entries_booked ON journal_entries (booked_at, transaction_id, position)`);
    await q.query(`CREATE INDEX journal_entries_payment ON journal_entries (payment_id) WHERE payment_id IS NOT NULL`);

    await q.query(`
      CREATE TABLE journal_lines (
        entry_id             uuid        NOT NULL,
        line_no              smallint    NOT NULL CHECK (line_no >= 1),
        account              text        NOT NULL,
        currency             text        NOT NULL,
        debit_minor          bigint      NOT NULL CHECK (debit_minor >= 0),
        credit_minor         bigint      NOT NULL CHECK (credit_minor >= 0),
        balance_after_minor  bigint      NOT NULL,
        transaction_id       xid8        NOT NULL,
        position             bigint      NOT NULL,
        booked_at            timestamptz NOT NULL,
        PRIMARY KEY (entry_id, line_no),
        CONSTRAINT journal_lines_one_side CHECK ((debit_minor = 0) <> (credit_minor = 0))
      )`);
    // Balance as of T: the last line of an account booked at or before T, read from the index alone.
    await q.query(`
      CREATE INDEX journal_lines_as_of ON journal_lines (account, currency, booked_at, transaction_id, position, line_no)
      INCLUDE (balance_after_minor)`);

    await q.query(`
      CREATE TABLE account_balances (
        account              text        NOT NULL,
        currency             text        NOT NULL,
        debit_total_minor    bigint      NOT NULL,
        credit_total_minor   bigint      NOT NULL,
        balance_minor        bigint      NOT NULL,
        lines_count          bigint      NOT NULL,
        last_transaction_id  xid8        NOT NULL,
        last_position        bigint      NOT NULL,
        last_booked_at       timestamptz NOT NULL,
        PRIMARY KEY (account, currency)
      )`);

    await q.query(`
      CREATE TABLE payments_view (
        payment_id            text        PRIMARY KEY,
        gateway               text        NOT NULL,
        order_id              text        NOT NULL,
        status                text        NOT NULL,
        amount_minor          bigint      NOT NULL,
        currency              text        NOT NULL,
        captured_minor        bigint      NOT NULL,
        refunded_minor        bigint      NOT NULL,
        reference             text,
        attempts              jsonb       NOT NULL,
        refunds               jsonb       NOT NULL,
        failure_reason        text,
        review                text,
        created_at            timestamptz NOT NULL,
        updated_at            timestamptz NOT NULL,
        succeeded_at          timestamptz,
        stream_version        integer     NOT NULL,
        first_transaction_id  xid8        NOT NULL,
        first_position        bigint      NOT NULL,
        last_transaction_id   xid8        NOT NULL,
        last_position         bigint      NOT NULL,
        CONSTRAINT payments_view_commit_order UNIQUE (first_transaction_id, first_position)
      )`);
    await q.query(`CREATE INDEX payments_view_gateway ON payments_view (gateway, first_transaction_id, first_position)`);
    await q.query(`CREATE INDEX payments_view_status ON payments_view (status, first_transaction_id, first_position)`);
    await q.query(`CREATE INDEX payments_view_created ON payments_view (created_at)`);
    await q.query(`CREATE INDEX payments_view_order ON payments_view (order_id)`);

    await q.query(`
      CREATE TABLE daily_summaries (
        day             date   NOT NULL,
        gateway         text   NOT NULL,
        currency        text   NOT NULL,
        payments_count  bigint NOT NULL,
        gross_minor     bigint NOT NULL,
        refunds_count   bigint NOT NULL,
        refunds_minor   bigint NOT NULL,
        net_minor       bigint NOT NULL,
        PRIMARY KEY (day, gateway, currency)
      )`);

    await q.query(`
      CREATE TABLE projection_rebuilds (
        name         text        PRIMARY KEY,
        state        text        NOT NULL CHECK (state IN ('running', 'completed', 'failed')),
        started_at   timestamptz NOT NULL,
        finished_at  timestamptz,
        events_read  bigint,
        duration_ms  bigint,
        error        text
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE projection_rebuilds`);
    await q.query(`DROP TABLE daily_summaries`);
    await q.query(`DROP TABLE payments_view`);
    await q.query(`DROP TABLE account_balances`);
    await q.query(`DROP TABLE journal_lines`);
    await q.query(`DROP TABLE journal_entries`);
  }
}
