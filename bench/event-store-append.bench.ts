/**
 * Event-store append throughput and latency for 1, 8 and 32 concurrent writers, 1 and 10 events per
 * append, against the ceiling: plain INSERTs of rows of the same size, same durability, same concurrency.
 * Run: npm run bench:append   (BENCH_SECONDS per case, default 3)
 */
import { Pool } from 'pg';
import { PostgresEventStore } from '@payledger/event-store';
import { benchDatabase, percentile, poolOf, table } from './bench-support';

const SECONDS_PER_CASE = Number(process.env.BENCH_SECONDS ?? 3);
const WRITERS = [1, 8, 32];
const EVENTS_PER_APPEND = [1, 10];
/** A payment-shaped event: a few hundred bytes of JSON. */
const PAYLOAD = {
  paymentId: 'pay_8Kq2mZrT0bVxLw4nYc7HsA',
  gateway: 'mispay',
  amountMinor: '21500',
  currency: 'SAR',
  reference: 'PL3nX9aQ7cVb2Lm8Tz4Rk1Yw',
  refs: { trackId: 'trk_5f2a9c1e7b', checkoutId: 'a1b2c3d4e5f6a7b8c9d0e1f2' },
  detail: 'verify Successful, inquiry SUCCESS',
};
const METADATA = { correlationId: '0d6f3c2a-4b1e-4f7a-9c8d-2e5b6a7f8c9d', actor: 'api', gateway: 'mispay' };

interface CaseResult {
  eventsPerSecond: number;
  p50: number;
  p99: number;
}

async function runCase(writers: number, perAppend: number, append: (writer: number, seq: number) => Promise<void>): Promise<CaseResult> {
  const latencies: number[] = [];
  let events = 0;
  const deadline = Date.now() + SECONDS_PER_CASE * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: writers }, async (_, writer) => {
      for (let seq = 0; Date.now() < deadline; seq++) {
        const t0 = performance.now();
        await append(writer, seq);
        latencies.push(performance.now() - t0);
        events += perAppend;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { eventsPerSecond: events / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

async function main(): Promise<void> {
  const db = await benchDatabase();
  const pool: Pool = poolOf(db.dataSource);
  const store = new PostgresEventStore(pool);
  await pool.query(`CREATE TABLE plain_rows (id bigserial PRIMARY KEY, stream_id text NOT NULL, type text NOT NULL, data jsonb NOT NULL, metadata jsonb NOT NULL, occurred_at timestamptz NOT NULL)`);
  const data = JSON.stringify(PAYLOAD);
  const metadata = JSON.stringify(METADATA);
  const rows: Array<Record<string, string | number>> = [];
  console.log(`event-store append benchmark: ${SECONDS_PER_CASE} s per case, ${db.where}, node ${process.version}\n`);
  let run = 0;
  for (const writers of WRITERS) {
    for (const perAppend of EVENTS_PER_APPEND) {
      run += 1;
      const events = Array.from({ length: perAppend }, () => ({ type: 'PaymentBenchmarked', data: PAYLOAD, metadata: METADATA }));
      // Each writer appends to its own streams, 20 appends per stream, with the exact expected version.
      const storeResult = await runCase(writers, perAppend, async (writer, seq) => {
        const stream = `bench-${run}-${writer}-${Math.floor(seq / 20)}`;
        await store.append(stream, events, (seq % 20) * perAppend);
      });
      const plainResult = await runCase(writers, perAppend, async (writer) => {
        const values = Array.from({ length: perAppend }, () => `($1, 'PaymentBenchmarked', $2::jsonb, $3::jsonb, now())`).join(', ');
        await pool.query(`INSERT INTO plain_rows (stream_id, type, data, metadata, occurred_at) VALUES ${values}`, [`plain-${writer}`, data, metadata]);
      });
      rows.push({
        writers,
        'events/append': perAppend,
        'store events/s': Math.round(storeResult.eventsPerSecond),
        'p50 ms': storeResult.p50.toFixed(2),
        'p99 ms': storeResult.p99.toFixed(2),
        'plain INSERT rows/s': Math.round(plainResult.eventsPerSecond),
        'plain p99 ms': plainResult.p99.toFixed(2),
        'store/plain': (storeResult.eventsPerSecond / plainResult.eventsPerSecond).toFixed(2),
      });
    }
  }
  console.log(table(rows));
  console.log('\nstore = append with expected version: one statement (stream version bump under its row lock + events insert with 4 indexes), NOTIFY sent after commit;');
  console.log('plain = one INSERT of the same rows into an unindexed table, one transaction, same durability.');
  await db.close();
}

main().catch((error) => {
  console.error(`bench failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
