import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What the payment write side needs beside the events: API keys (hashed), idempotency records, and the
 * inline lookups (merchant order id → payment, gateway reference → attempt) kept in the append's transaction.
 */
export class PaymentsWriteSide1763790000000 implements MigrationInterface {
  name = 'PaymentsWriteSide1763790000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE api_keys (
        key_id      text        PRIMARY KEY,
        role        text        NOT NULL CHECK (role IN ('merchant', 'finance', 'ops')),
        key_hash    text        NOT NULL UNIQUE,
        label       text        NOT NULL DEFAULT '',
        created_at  timestamptz NOT NULL DEFAULT now(),
        revoked_at  timestamptz
      )`);
    await q.query(`
      CREATE TABLE idempotency_keys (
        scope            text        NOT NULL,
        idempotency_key  text        NOT NULL CHECK (length(idempotency_key) BETWEEN 1 AND 255),
        request_hash     text        NOT NULL,
        resource_id      text        NOT NULL,
        state            text        NOT NULL CHECK (state IN ('in_progress', 'done')),
        response_status  integer,
        response_body    jsonb,
        created_at       timestamptz NOT NULL DEFAULT now(),
        completed_at     timestamptz,
        PRIMARY KEY (scope, idempotency_key)
      )`);
    await q.query(`
      CREATE TABLE payment_orders (
        gateway     text NOT NULL,
        order_id    text NOT NULL,
        payment_id  text NOT NULL,
        CONSTRAINT payment_orders_unique UNIQUE (gateway, order_id)
      )`);
    await q.query(`CREATE INDEX payment_orders_order ON payment_orders (order_id)`);
    await q.query(`CREATE UNIQUE INDEX payment_orders_payment ON payment_orders (payment_id)`);
    await q.query(`
      CREATE TABLE payment_attempt_refs (
        gateway     text NOT NULL,
        ref_name    text NOT NULL,
        ref_value   text NOT NULL,
        payment_id  text NOT NULL,
        reference   text NOT NULL,
        PRIMARY KEY (gateway, ref_name, ref_value)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE payment_attempt_refs`);
    await q.query(`DROP TABLE payment_orders`);
    await q.query(`DROP TABLE idempotency_keys`);
    await q.query(`DROP TABLE api_keys`);
  }
}
