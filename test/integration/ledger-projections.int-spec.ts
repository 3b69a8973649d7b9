import type { PoolClient } from 'pg';
import { loadConfig } from '@payledger/config';
import { createRedactor, PostgresEventStore, SubscriptionRunner } from '@payledger/event-store';
import { DomainError } from '@payledger/kernel';
import { LedgerProjectionDefinition, LedgerQueries, ProjectionRebuilder } from '@payledger/ledger';
import { foldPayment, paymentStreamId } from '@payledger/payments';
import { createWorkerApp } from '../../apps/worker/src/worker.app';
import { createTestDatabase, TestDatabase } from '../support/database';
import { drainAll, indexNames, liveRunners, PaymentEventDriver, snapshotTables, testProjections } from '../support/ledger-driver';

let db: TestDatabase;
let store: PostgresEventStore;
let driver: PaymentEventDriver;
let projections: LedgerProjectionDefinition[];
let runners: SubscriptionRunner[];
let queries: LedgerQueries;
let rebuilder: ProjectionRebuilder;

beforeEach(async () => {
  db = await createTestDatabase(20);
  store = new PostgresEventStore(db.pool, { redact: createRedactor() });
  driver = new PaymentEventDriver(store);
  projections = testProjections(store);
  runners = liveRunners(db.pool, store, projections);
  queries = new LedgerQueries(db.pool, store);
  rebuilder = new ProjectionRebuilder(db.pool, store, projections, { batchSizeMax: 7 });
});
afterEach(async () => {
  await Promise.all(runners.map((r) => r.stop()));
  await db.drop();
});

const balanceOf = (rows: Array<{ account: string; currency: string; balanceMinor: string }>, account: string, currency: string) =>
  rows.find((r) => r.account === account && r.currency === currency)?.balanceMinor ?? '0';

async function dbNow(): Promise<Date> {
  const result = await db.pool.query<{ now: Date }>(`SELECT clock_timestamp() AS now`);
  return result.rows[0].now;
}

/** Rebuilds every projection, then lets the live subscribers go on from where each rebuild swapped in. */
async function rebuildAll(): Promise<void> {
  for (const p of projections) await rebuilder.rebuild(p.name);
  await drainAll(db.pool, runners);
}

/** A scenario with every kind of posting: payments in four currencies, a failure, partial and full refunds, a payout. */
async function scenario(): Promise<{ mispay: string; mocasa: string; jibit: string }> {
  const mispay = await driver.pay('mispay', 21_500);
  const mocasa = await driver.pay('mocasa', 99_900);
  const jibit = await driver.pay('jibit', 2_000_000);
  await driver.pay('alqaseh', 75_000);
  await driver.pay('atipay', 500_000, 'failed');
  await driver.refund(mispay, 1_500);
  await driver.refund(mispay, 500);
  await driver.refund(mocasa);
  await driver.payout(40_000);
  return { mispay, mocasa, jibit };
}

describe('ledger projections', () => {
  it('post each money-moving event once, keep balances equal to the journal, and match the decider in the payments view', async () => {
    const { mispay, mocasa } = await scenario();
    await drainAll(db.pool, runners);
    await drainAll(db.pool, runners); // a second pass finds nothing new: each event is posted once

    const journal = await queries.journal({ limit: 500 });
    expect(journal.rows.map((e) => e.kind)).toEqual(['payment_captured', 'payment_captured', 'payment_captured', 'payment_captured', 'refund_paid', 'refund_paid', 'refund_paid', 'payout_transferred']);
    const entryIds = await db.pool.query(`SELECT e.entry_id::text FROM journal_entries e JOIN events ev ON ev.event_id = e.entry_id AND ev.position = e.position`);
    expect(entryIds.rowCount).toBe(8); // every entry is keyed by, and positioned at, the event that caused it

    // Handing the journal the same events again (a checkpoint reset, say) posts nothing twice.
    const journalTables = await snapshotTables(db.pool, projections.slice(0, 1));
    const everything = await store.readAll({ transactionId: 0n, position: 0n }, 10_000);
    const journalHandler = projections[0].handler(projections[0].tables, 'idempotency-probe', 500);
    const tx = await db.pool.connect();
    try {
      await tx.query('BEGIN');
      await journalHandler.handle(everything.filter((e) => journalHandler.accepts!(e)), tx);
      await tx.query('COMMIT');
    } finally {
      tx.release();
    }
    expect(await snapshotTables(db.pool, projections.slice(0, 1))).toEqual(journalTables);

    const balances = await queries.balances();
    expect(balanceOf(balances, 'gateway:mispay:clearing', 'SAR')).toBe('19500');
    expect(balanceOf(balances, 'gateway:mocasa:clearing', 'PHP')).toBe('-40000'); // 99 900 captured, 99 900 refunded, 40 000 paid out
    expect(balanceOf(balances, 'payouts:mocasa', 'PHP')).toBe('40000');
    expect(balanceOf(balances, 'gateway:jibit:clearing', 'IRR')).toBe('2000000');
    expect(balanceOf(balances, 'gateway:atipay:clearing', 'IRR')).toBe('0');
    expect(balanceOf(balances, 'revenue:payments', 'IRR')).toBe('-2000000');
    expect(balanceOf(balances, 'contra:refunds', 'SAR')).toBe('2000');
    const lineSums = await db.pool.query<{ account: string; currency: string; net: string }>(
      `SELECT account, currency, sum(debit_minor - credit_minor)::text AS net FROM journal_lines GROUP BY account, currency ORDER BY account, currency`,
    );
    expect(lineSums.rows.map((r) => [r.account, r.currency, r.net])).toEqual(balances.map((b) => [b.account, b.currency, b.balanceMinor]));

    const view = await db.pool.query<{ payment_id: string }>(`SELECT payment_id FROM payments_view ORDER BY payment_id`);
    expect(view.rowCount).toBe(5);
    for (const { payment_id } of view.rows) {
      const decided = foldPayment(await store.readStream(paymentStreamId(payment_id)))!;
      const row = (await queries.payment(payment_id))!;
      expect(row).toMatchObject({
        status: decided.status,
        capturedMinor: decided.captured.amountMinor.toString(),
        refundedMinor: decided.refunded.amountMinor.toString(),
        orderId: decided.orderId,
        reference: decided.attempts[0].reference,
        createdAt: decided.createdAt.toISOString(),
        updatedAt: decided.updatedAt.toISOString(),
        version: decided.version,
      });
      expect(row.attempts).toEqual([expect.objectContaining({ refs: decided.attempts[0].refs, outcome: decided.attempts[0].outcome })]);
    }
    expect((await queries.payment(mispay))!.status).toBe('partially_refunded');
    expect((await queries.payment(mocasa))!.status).toBe('refunded');

    const summary = await queries.dailySummary({});
    expect(summary.rows.map((r) => [r.gateway, r.currency, r.paymentsCount, r.grossMinor, r.refundsCount, r.refundsMinor, r.netMinor])).toEqual([
      ['alqaseh', 'IQD', '1', '75000', '0', '0', '75000'],
      ['jibit', 'IRR', '1', '2000000', '0', '0', '2000000'],
      ['mispay', 'SAR', '1', '21500', '2', '2000', '19500'],
      ['mocasa', 'PHP', '1', '99900', '1', '99900', '0'],
    ]);
  });

  it('a rebuild from position zero writes byte-identical tables, also after a late-committed event, and keeps the index names', async () => {
    await scenario();
    const late = await driver.pay('mispay', 1_000);
    const other = await driver.pay('mispay', 3_000);
    const decided = await driver.nextDecided(late, { kind: 'requestRefund', refundId: 'rf_late', reason: 'late', partialSupported: true });

    // A writer that takes its position first and commits last (as an append does, with the stream's version).
    const lateWriter: PoolClient = await db.pool.connect();
    await lateWriter.query('BEGIN');
    await lateWriter.query(`UPDATE streams SET version = version + $2 WHERE stream_id = $1`, [paymentStreamId(late), decided.events.length]);
    for (const [i, event] of decided.events.entries()) {
      await lateWriter.query(`INSERT INTO events (stream_id, stream_version, event_id, type, data, occurred_at) VALUES ($1, $2, gen_random_uuid(), $3, $4, now())`, [
        paymentStreamId(late),
        decided.version + 1 + i,
        event.type,
        JSON.stringify(event.data),
      ]);
    }
    await driver.refund(other, 1_000);
    for (const runner of runners) await runner.drain();
    // Everything committed after the open transaction waits behind it (kept short: it holds back every subscriber on the server).
    expect((await queries.payment(other))?.refundedMinor ?? '0').toBe('0');

    await lateWriter.query('COMMIT');
    lateWriter.release();
    await driver.settleRefund(late, 'rf_late');
    await drainAll(db.pool, runners);
    const incremental = await snapshotTables(db.pool, projections);
    expect((await queries.payment(late))!.refunds).toEqual([expect.objectContaining({ refundId: 'rf_late', status: 'succeeded', amountMinor: '1000' })]);
    expect((await queries.payment(other))!.refundedMinor).toBe('1000');
    expect(incremental.journal_entries.filter((row) => row.includes(late))).toHaveLength(2);
    const indexesBefore = await indexNames(db.pool, projections);

    await rebuildAll();
    expect(await snapshotTables(db.pool, projections)).toEqual(incremental);
    expect(await indexNames(db.pool, projections)).toEqual(indexesBefore);
    const leftovers = await db.pool.query(`SELECT tablename FROM pg_tables WHERE tablename LIKE '%\\_\\_rebuild' OR tablename LIKE '%\\_\\_retired'`);
    expect(leftovers.rowCount).toBe(0);

    // The live subscribers go on from the rebuild's checkpoint: no event twice, none lost.
    await driver.pay('jibit', 10_000);
    await drainAll(db.pool, runners);
    const after = await snapshotTables(db.pool, projections);
    expect(after.journal_entries).toHaveLength(incremental.journal_entries.length + 1);
    await rebuildAll();
    expect(await snapshotTables(db.pool, projections)).toEqual(after);
  });

  it('rebuilds while the live subscribers run and new events keep arriving, without losing or repeating any', async () => {
    await scenario();
    for (const runner of runners) runner.start();
    let appending = true;
    let appendedDuringRebuild = 0;
    const appender = (async () => {
      for (let i = 0; appending && i < 20; i++) {
        const id = await driver.pay(i % 2 ? 'mispay' : 'jibit', 1_000 + i);
        if (i % 3 === 0) await driver.refund(id, 100);
        appendedDuringRebuild += 1;
      }
    })();
    const concurrent = new ProjectionRebuilder(db.pool, store, projections, { batchSizeMax: 50 });
    for (const p of projections) await concurrent.rebuild(p.name);
    appending = false;
    await appender;
    expect(appendedDuringRebuild).toBeGreaterThan(0);
    for (const runner of runners) await runner.stop();
    await drainAll(db.pool, runners);
    const live = await snapshotTables(db.pool, projections);

    await rebuildAll();
    expect(await snapshotTables(db.pool, projections)).toEqual(live);
    const balances = await queries.balances();
    const captured = await db.pool.query<{ n: string }>(`SELECT count(*)::text AS n FROM events WHERE type = 'PaymentSucceeded'`);
    expect(await db.pool.query(`SELECT count(*)::text AS n FROM journal_entries WHERE kind = 'payment_captured'`)).toMatchObject({ rows: [{ n: captured.rows[0].n }] });
    expect(balances.length).toBeGreaterThan(0);
  });

  it('answers balances and the journal as of a time from the journal: entries booked after T are left out', async () => {
    const first = await driver.pay('mispay', 10_000);
    await new Promise((r) => setTimeout(r, 15));
    const t1 = await dbNow();
    await new Promise((r) => setTimeout(r, 15));
    await driver.refund(first, 2_500);
    await driver.pay('mispay', 5_000);
    await new Promise((r) => setTimeout(r, 15));
    const t2 = await dbNow();
    await new Promise((r) => setTimeout(r, 15));
    await driver.pay('jibit', 70_000);
    await drainAll(db.pool, runners);

    const atT1 = await queries.balances(t1);
    expect(atT1.map((b) => [b.account, b.currency, b.balanceMinor])).toEqual([
      ['gateway:mispay:clearing', 'SAR', '10000'],
      ['revenue:payments', 'SAR', '-10000'],
    ]);
    const atT2 = await queries.balances(t2);
    expect(balanceOf(atT2, 'gateway:mispay:clearing', 'SAR')).toBe('12500');
    expect(balanceOf(atT2, 'contra:refunds', 'SAR')).toBe('2500');
    expect(atT2.some((b) => b.currency === 'IRR')).toBe(false);
    for (const b of atT2) expect(new Date(b.lastBookedAt).getTime()).toBeLessThanOrEqual(t2.getTime());
    expect(await queries.balances(new Date('2000-01-01T00:00:00Z'))).toEqual([]);
    expect((await queries.balances(new Date(Date.now() + 86_400_000))).map((b) => [b.account, b.currency, b.balanceMinor])).toEqual(
      (await queries.balances()).map((b) => [b.account, b.currency, b.balanceMinor]),
    );

    const journalAtT2 = await queries.journal({ to: t2 });
    expect(journalAtT2.rows.map((e) => e.kind)).toEqual(['payment_captured', 'refund_paid', 'payment_captured']);
    const fromT1 = await queries.journal({ from: t1, to: t2 });
    expect(fromT1.rows.map((e) => e.kind)).toEqual(['refund_paid', 'payment_captured']);
    const plan = await db.pool.query(`EXPLAIN SELECT balance_after_minor FROM journal_lines WHERE account = 'x' AND currency = 'SAR' AND booked_at <= now() ORDER BY booked_at DESC, transaction_id DESC, position DESC, line_no DESC LIMIT 1`);
    expect(plan.rows.map((r) => r['QUERY PLAN']).join('\n')).toContain('journal_lines_as_of');
  });

  it('posts reconciliation corrections through suspense and reversals as new entries; refuses a reversal of nothing', async () => {
    const paymentId = await driver.pay('alqaseh', 30_000);
    await driver.correction('alqaseh', 500n, paymentId);
    await driver.correction('alqaseh', -200n);
    await drainAll(db.pool, runners);
    const captured = (await queries.journal({})).rows.find((e) => e.kind === 'payment_captured')!;
    await driver.reversal(captured.entryId);
    await drainAll(db.pool, runners);

    const balances = await queries.balances();
    expect(balanceOf(balances, 'suspense:reconciliation', 'IQD')).toBe('-300');
    expect(balanceOf(balances, 'gateway:alqaseh:clearing', 'IQD')).toBe('300');
    expect(balanceOf(balances, 'revenue:payments', 'IQD')).toBe('0');
    const entries = (await queries.journal({})).rows;
    const reversal = entries.find((e) => e.kind === 'reversal')!;
    expect(reversal).toMatchObject({ reversesEntryId: captured.entryId, paymentId, gateway: 'alqaseh' });
    expect(reversal.lines.map((l) => [l.account, l.debitMinor, l.creditMinor])).toEqual(captured.lines.map((l) => [l.account, l.creditMinor, l.debitMinor]));
    expect(entries.find((e) => e.entryId === captured.entryId)).toEqual(captured); // the original stays as it was

    await driver.reversal('00000000-0000-4000-8000-000000000001');
    await driver.correction('alqaseh', 1n);
    const journal = runners.find((r) => r.status().name === 'ledger-journal')!;
    await expect(drainAll(db.pool, [journal])).rejects.toMatchObject({ code: 'LEDGER.REVERSAL_TARGET_UNKNOWN' });
    await expect(drainAll(db.pool, [journal])).rejects.toMatchObject({ code: 'LEDGER.REVERSAL_TARGET_UNKNOWN' });
    // The subscriber stops at the refused event rather than skip it: nothing after it is posted either.
    expect((await queries.journal({})).rows).toHaveLength(4);
  });

  it('checks balance again when reading back: a tampered line is reported, never summed', async () => {
    await driver.pay('mispay', 10_000);
    await drainAll(db.pool, runners);
    await db.pool.query(`UPDATE journal_lines SET credit_minor = credit_minor - 1 WHERE account = 'revenue:payments'`);
    await expect(queries.journal({})).rejects.toMatchObject({ code: 'LEDGER.UNBALANCED' });
    await db.pool.query(`UPDATE account_balances SET balance_minor = balance_minor + 1 WHERE account = 'revenue:payments'`);
    await expect(queries.balances()).rejects.toBeInstanceOf(DomainError);
  });

  it('runs in the worker: the live subscribers keep every projection current', async () => {
    const worker = await createWorkerApp({ config: loadConfig({ DATABASE_URL: db.url, LOG_LEVEL: 'error' }), database: { dataSource: db.dataSource, pool: db.pool } }, false);
    await worker.init();
    try {
      const paymentId = await driver.pay('jibit', 5_000);
      const deadline = Date.now() + 15_000;
      const current = async () => (await queries.payment(paymentId))?.status === 'succeeded' && (await queries.dailySummary({})).rows.length === 1 && (await queries.journal({})).rows.length === 1;
      while (!(await current())) {
        if (Date.now() > deadline) throw new Error('the worker did not project the payment in time');
        await new Promise((r) => setTimeout(r, 50));
      }
    } finally {
      await worker.close();
    }
  });

  it('refuses a second rebuild of the same projection while one runs', async () => {
    await scenario();
    const running = await rebuilder.start('ledger-journal');
    await expect(rebuilder.start('ledger-journal')).rejects.toMatchObject({ code: 'PROJECTION.REBUILD_RUNNING' });
    await running.completion;
    expect(await rebuilder.status('ledger-journal')).toMatchObject({ state: 'completed', eventsRead: expect.any(Number) });
    await expect(rebuilder.start('no-such')).rejects.toMatchObject({ code: 'PROJECTION.NOT_FOUND' });
  });
});
