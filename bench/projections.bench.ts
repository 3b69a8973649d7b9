/**
 * The ledger projections over a large store: 1 000 000 payment events are written straight into the
 * events table (a realistic mix: twelve per payment — the decisions and the gateway exchanges around them,
 * refunds, failures — plus Mocasa payouts), then each projection is rebuilt from position zero, then
 * `GET /v1/finance/balances?asOf=` is timed over HTTP against the journal that made.
 * Run: npm run bench:projections   (BENCH_EVENTS, default 1000000; BENCH_REQUESTS, default 2000)
 */
import 'reflect-metadata';
import { Pool } from 'pg';
import { loadConfig } from '@payledger/config';
import { PostgresEventStore, readAllWith, START_CHECKPOINT } from '@payledger/event-store';
import { ledgerProjections, ProjectionRebuilder } from '@payledger/ledger';
import { foldPayment } from '@payledger/payments';
import { createApiApp } from '../apps/api/src/api.app';
import { freePort } from '../test/support/free-port';
import { benchDatabase, percentile, poolOf, table } from './bench-support';

const EVENTS_TARGET = Number(process.env.BENCH_EVENTS ?? 1_000_000);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 2000);
const EVENTS_PER_PAYMENT = 12;
const PAYMENTS_PER_STATEMENT = 2000;
const PAYOUTS = 2;
const FINANCE_KEY = 'bench-finance-key-00000001';
/** Thirty days of history: one payment every ~30 s. */
const HISTORY_START = '2026-10-01T00:00:00Z';
const PAYMENT_SPACING_MS = 30_000;

/**
 * Twelve events per payment: initiated, attempt started, create request/response, attempt created,
 * buyer's return, verify request/response, attempt checked, succeeded (one in ten failed), then either a
 * refund (half of the MIS Pay and Mocasa payments, partial at MIS Pay) or an inquiry exchange.
 */
const PAYMENTS_SQL = `
INSERT INTO events (stream_id, stream_version, event_id, type, data, metadata, occurred_at, recorded_at)
SELECT 'payment-' || x.pid, v.version, gen_random_uuid(), v.type, v.data, jsonb_build_object('correlationId', x.corr, 'actor', 'api', 'gateway', x.gw),
       x.t0 + v.offset_ms * interval '1 millisecond', x.t0 + (v.offset_ms + 4) * interval '1 millisecond'
  FROM generate_series($1::int, $2::int) AS p(n)
  CROSS JOIN LATERAL (
    SELECT 'pay_bench' || lpad(p.n::text, 13, '0') AS pid,
           'PLb' || lpad(p.n::text, 20, '0') AS ref,
           (ARRAY['jibit','atipay','mispay','mocasa','alqaseh'])[p.n % 5 + 1] AS gw,
           (ARRAY['IRR','IRR','SAR','PHP','IQD'])[p.n % 5 + 1] AS cur,
           ((p.n * 7919) % 90000 + 1000)::bigint * (ARRAY[100,100,1,1,10])[p.n % 5 + 1] AS amount,
           p.n % 10 = 7 AS failed,
           p.n % 5 IN (2, 3) AND p.n % 2 = 0 AND p.n % 10 <> 7 AS refunded,
           md5(p.n::text)::uuid::text AS corr,
           timestamptz '${HISTORY_START}' + p.n * interval '${PAYMENT_SPACING_MS} milliseconds' AS t0
  ) AS x
  CROSS JOIN LATERAL (VALUES
    (1, 'PaymentInitiated', jsonb_build_object('paymentId', x.pid, 'gateway', x.gw, 'orderId', 'ORD-' || p.n, 'amountMinor', x.amount::text, 'currency', x.cur,
        'description', 'order ' || p.n, 'returnUrl', 'https://shop.example/paid', 'customer', jsonb_build_object('id', 'cust-' || (p.n % 977), 'mobile', '0912' || lpad((p.n % 9999999)::text, 7, '0')),
        'initiatedAt', to_char(x.t0 AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')), 0),
    (2, 'PaymentAttemptStarted', jsonb_build_object('paymentId', x.pid, 'attemptNo', 1, 'reference', x.ref, 'orderId', 'ORD-' || p.n, 'amountMinor', x.amount::text, 'currency', x.cur,
        'startedAt', to_char(x.t0 AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')), 1),
    (3, 'GatewayRequestSent', jsonb_build_object('gateway', x.gw, 'operation', 'create-order', 'requestId', x.corr, 'attempt', 1, 'method', 'POST', 'url', 'https://gw.example/orders',
        'headers', jsonb_build_object('authorization', '[REDACTED]'), 'body', jsonb_build_object('amount', x.amount, 'referenceNumber', x.ref, 'callbackUrl', 'http://localhost:3000/callbacks/' || x.gw), 'timeoutMs', 10000, 'sentAt', x.t0), 2),
    (4, 'GatewayResponseReceived', jsonb_build_object('gateway', x.gw, 'operation', 'create-order', 'requestId', x.corr, 'attempt', 1, 'httpStatus', 200, 'latencyMs', 140 + p.n % 60,
        'contentType', 'application/json', 'body', jsonb_build_object('orderIdentifier', 'GW' || p.n, 'pspSwitchingUrl', 'https://gw.example/pay/GW' || p.n)), 150),
    (5, 'PaymentAttemptCreated', jsonb_build_object('reference', x.ref, 'refs', jsonb_build_object('orderIdentifier', 'GW' || p.n), 'redirect', jsonb_build_object('method', 'GET', 'url', 'https://gw.example/pay/GW' || p.n)), 151),
    (6, 'GatewayCallbackReceived', jsonb_build_object('gateway', x.gw, 'kind', 'return', 'subject', 'payment', 'accepted', true, 'authenticity', 'unauthenticated', 'duplicate', false,
        'dedupKey', 'ret-' || x.ref, 'request', jsonb_build_object('refnum', x.ref, 'state', 'SUCCESSFUL'), 'receivedAt', x.t0 + interval '40 seconds'), 40000),
    (7, 'GatewayRequestSent', jsonb_build_object('gateway', x.gw, 'operation', 'verify', 'requestId', x.corr || '-v', 'attempt', 1, 'method', 'GET', 'url', 'https://gw.example/orders/GW' || p.n || '/verify',
        'headers', jsonb_build_object('authorization', '[REDACTED]'), 'timeoutMs', 10000, 'sentAt', x.t0 + interval '40 seconds'), 40010),
    (8, 'GatewayResponseReceived', jsonb_build_object('gateway', x.gw, 'operation', 'verify', 'requestId', x.corr || '-v', 'attempt', 1, 'httpStatus', 200, 'latencyMs', 210,
        'contentType', 'application/json', 'body', jsonb_build_object('status', CASE WHEN x.failed THEN 'FAILED' ELSE 'SUCCESSFUL' END, 'amount', x.amount)), 40220),
    (9, 'PaymentAttemptChecked', jsonb_build_object('reference', x.ref, 'trigger', 'return', 'operation', 'confirm', 'outcome', CASE WHEN x.failed THEN 'failed' ELSE 'paid' END,
        'gatewayStatus', CASE WHEN x.failed THEN 'FAILED' ELSE 'SUCCESSFUL' END, 'gatewayAmountMinor', x.amount::text, 'gatewayCurrency', x.cur, 'refs', jsonb_build_object('orderIdentifier', 'GW' || p.n)), 40221),
    (10, CASE WHEN x.failed THEN 'PaymentFailed' ELSE 'PaymentSucceeded' END,
        CASE WHEN x.failed THEN jsonb_build_object('paymentId', x.pid, 'gateway', x.gw, 'reference', x.ref, 'trigger', 'return', 'reason', 'FAILED')
             ELSE jsonb_build_object('paymentId', x.pid, 'gateway', x.gw, 'reference', x.ref, 'trigger', 'return', 'orderId', 'ORD-' || p.n, 'amountMinor', x.amount::text, 'currency', x.cur,
                                     'refs', jsonb_build_object('orderIdentifier', 'GW' || p.n)) END, 40222),
    (11, CASE WHEN x.refunded THEN 'RefundRequested' ELSE 'GatewayRequestSent' END,
        CASE WHEN x.refunded THEN jsonb_build_object('refundId', 'rf_bench' || p.n, 'paymentId', x.pid, 'gateway', x.gw, 'amountMinor', (CASE WHEN x.gw = 'mispay' THEN x.amount / 4 ELSE x.amount END)::text,
                                                     'currency', x.cur, 'reason', 'buyer asked', 'requestedAt', x.t0 + interval '2 hours')
             ELSE jsonb_build_object('gateway', x.gw, 'operation', 'inquiry', 'requestId', x.corr || '-i', 'attempt', 1, 'method', 'GET', 'url', 'https://gw.example/orders/GW' || p.n, 'timeoutMs', 10000,
                                     'sentAt', x.t0 + interval '2 hours') END, 7200000),
    (12, CASE WHEN x.refunded THEN 'RefundSucceeded' ELSE 'GatewayResponseReceived' END,
        CASE WHEN x.refunded THEN jsonb_build_object('refundId', 'rf_bench' || p.n, 'paymentId', x.pid, 'gateway', x.gw, 'amountMinor', (CASE WHEN x.gw = 'mispay' THEN x.amount / 4 ELSE x.amount END)::text,
                                                     'currency', x.cur, 'gatewayRefundRef', 'R' || p.n)
             ELSE jsonb_build_object('gateway', x.gw, 'operation', 'inquiry', 'requestId', x.corr || '-i', 'attempt', 1, 'httpStatus', 200, 'latencyMs', 95, 'contentType', 'application/json',
                                     'body', jsonb_build_object('status', 'SUCCESSFUL')) END, 7200300)
  ) AS v(version, type, data, offset_ms)
 ORDER BY p.n, v.version`;

const PAYOUTS_SQL = `
INSERT INTO events (stream_id, stream_version, event_id, type, data, occurred_at, recorded_at)
SELECT 'payout-po_bench' || n, v.version, gen_random_uuid(), v.type,
       jsonb_build_object('payoutId', 'po_bench' || n, 'gateway', 'mocasa', 'reference', 'POB' || n, 'amountMinor', '500000', 'currency', 'PHP', 'payeeAccountNo', 'MA-' || n, 'purpose', 'settlement',
                          'requestedAt', $1::timestamptz),
       $1::timestamptz + v.version * interval '1 second', $1::timestamptz + v.version * interval '1 second' + interval '4 milliseconds'
  FROM generate_series(1, $2::int) AS n
  CROSS JOIN (VALUES (1, 'PayoutRequested'), (2, 'PayoutTransferred')) AS v(version, type)
 ORDER BY n, v.version`;

/** The read the subscriptions did before the bounded window: every event after the checkpoint sorted, for comparison. */
const UNBOUNDED_READ_SQL = `
SELECT position FROM events
 WHERE transaction_id >= '0'::xid8 AND (transaction_id > '0'::xid8 OR position > 0)
   AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())
 ORDER BY transaction_id::text::numeric, position LIMIT 5000`;

async function timed<T>(work: () => Promise<T>): Promise<{ result: T; ms: number }> {
  const started = performance.now();
  const result = await work();
  return { result, ms: performance.now() - started };
}

async function generate(pool: Pool): Promise<{ events: number; ms: number }> {
  const payouts = PAYOUTS;
  const payments = Math.floor((EVENTS_TARGET - payouts * 2) / EVENTS_PER_PAYMENT);
  const { ms } = await timed(async () => {
    for (let first = 1; first <= payments; first += PAYMENTS_PER_STATEMENT) {
      await pool.query(PAYMENTS_SQL, [first, Math.min(payments, first + PAYMENTS_PER_STATEMENT - 1)]);
    }
    await pool.query(PAYOUTS_SQL, ['2026-10-20T00:00:00Z', payouts]);
    await pool.query(`ANALYZE events`);
  });
  const count = await pool.query<{ n: string }>(`SELECT count(*)::text AS n FROM events`);
  return { events: Number(count.rows[0].n), ms };
}

async function main(): Promise<void> {
  const db = await benchDatabase();
  const pool: Pool = poolOf(db.dataSource);
  const store = new PostgresEventStore(pool);
  console.log(`ledger projections benchmark: ${db.where}, node ${process.version}\n`);

  const generated = await generate(pool);
  console.log(`generated ${generated.events} events in ${(generated.ms / 1000).toFixed(1)} s (SQL INSERT … SELECT generate_series, ${PAYMENTS_PER_STATEMENT * EVENTS_PER_PAYMENT} events per transaction)\n`);

  // The unbounded read first: it scans the whole table, so both then run on a warm cache.
  const unbounded = await timed(() => pool.query(UNBOUNDED_READ_SQL));
  const bounded = await timed(() => readAllWith(pool, START_CHECKPOINT, 5000, (row) => store.toRecorded(row)));
  console.log(`readAll, first 5000 events from position zero: ${bounded.ms.toFixed(1)} ms with the bounded window; ${unbounded.ms.toFixed(1)} ms sorting the whole range (the previous query)\n`);

  const projections = ledgerProjections({ store, foldPayment });
  const rebuilder = new ProjectionRebuilder(pool, store, projections);
  const rows: Array<Record<string, string | number>> = [];
  let totalMs = 0;
  for (const projection of projections) {
    const result = await rebuilder.rebuild(projection.name);
    totalMs += result.durationMs;
    rows.push({ projection: projection.name, 'events read': result.eventsRead, 'rebuild s': (result.durationMs / 1000).toFixed(1), 'events/s': Math.round(result.eventsPerSecond) });
  }
  console.log(table(rows));
  console.log(`all three, one after the other: ${(totalMs / 1000).toFixed(1)} s for the ${generated.events} events (each projection reads the store on its own)`);
  const sizes = await pool.query<{ entries: string; lines: string; payments: string; days: string }>(
    `SELECT (SELECT count(*) FROM journal_entries)::text AS entries, (SELECT count(*) FROM journal_lines)::text AS lines,
            (SELECT count(*) FROM payments_view)::text AS payments, (SELECT count(*) FROM daily_summaries)::text AS days`,
  );
  const s = sizes.rows[0];
  console.log(`\njournal: ${s.entries} entries, ${s.lines} lines; payments view: ${s.payments} rows; daily summaries: ${s.days} rows\n`);

  const port = await freePort();
  const config = loadConfig({ PORT: String(port), API_KEYS: `finance:${FINANCE_KEY}`, LOG_LEVEL: 'error' });
  const api = await createApiApp({ config, database: { dataSource: db.dataSource, pool } }, false);
  await api.listen(port, '127.0.0.1');
  const range = await pool.query<{ first: Date; last: Date }>(`SELECT min(booked_at) AS first, max(booked_at) AS last FROM journal_entries`);
  const firstMs = range.rows[0].first.getTime();
  const spanMs = range.rows[0].last.getTime() - firstMs;
  const latencies: number[] = [];
  let accounts = 0;
  for (let i = 0; i < REQUESTS + 50; i++) {
    // Spread over the whole history (a deterministic walk, so runs compare).
    const asOf = new Date(firstMs + Math.floor(((i * 7919) % 10007) / 10007 * spanMs)).toISOString();
    const started = performance.now();
    const res = await fetch(`http://127.0.0.1:${port}/v1/finance/balances?asOf=${encodeURIComponent(asOf)}`, { headers: { authorization: `Bearer ${FINANCE_KEY}` } });
    const body = (await res.json()) as { data: unknown[] };
    if (res.status !== 200) throw new Error(`balances answered ${res.status}: ${JSON.stringify(body)}`);
    if (i >= 50) latencies.push(performance.now() - started); // the first 50 warm up
    accounts = Math.max(accounts, body.data.length);
  }
  latencies.sort((a, b) => a - b);
  console.log(
    table([
      {
        request: 'GET /v1/finance/balances?asOf=',
        requests: latencies.length,
        'p50 ms': percentile(latencies, 50).toFixed(2),
        'p95 ms': percentile(latencies, 95).toFixed(2),
        'p99 ms': percentile(latencies, 99).toFixed(2),
        'max ms': latencies[latencies.length - 1].toFixed(2),
        'rows/answer': accounts,
      },
    ]),
  );
  console.log('\nOne client, sequential requests over HTTP (auth, validation, JSON); asOf spread over the 30 days of history.');
  await api.close();
  await db.close();
}

main().catch((error) => {
  console.error(`bench failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
