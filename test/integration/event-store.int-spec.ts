import { PoolClient } from 'pg';
import {
  ConcurrencyError,
  createRedactor,
  DuplicateEventError,
  PostgresEventStore,
  RecordedEvent,
  START_CHECKPOINT,
  SubscriptionRunner,
  UpcasterRegistry,
} from '@payledger/event-store';
import { createTestDatabase, TestDatabase } from '../support/database';

let db: TestDatabase;
let store: PostgresEventStore;

beforeEach(async () => {
  db = await createTestDatabase(20);
  store = new PostgresEventStore(db.pool);
});
afterEach(async () => {
  await db.drop();
});

const event = (type: string, data: Record<string, unknown> = {}) => ({ type, data });

async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 10_000, describe: () => unknown = () => ''): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) {
      const rows = await db.pool.query(`SELECT position, transaction_id::text AS x, xmin::text AS sx FROM events ORDER BY position`);
      const xids = rows.rows.map((r) => `${r.position}:${r.x}${r.x === r.sx ? "" : "!=" + r.sx}`).join(' ');
      throw new Error(`condition not met in time ${JSON.stringify(describe(), (_k, v) => (typeof v === 'bigint' ? v.toString() : v))} ${xids}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('append and read', () => {
  it('appends with expected versions and reads a stream back in order', async () => {
    const first = await store.append('payment-a', [event('PaymentInitiated', { n: 1 }), event('PaymentAwaitingBuyer')], 'no_stream');
    expect(first.nextVersion).toBe(2);
    const second = await store.append('payment-a', [event('PaymentSucceeded')], 2);
    expect(second.nextVersion).toBe(3);
    await store.append('payment-a', [event('Noted')], 'any');
    await store.append('payment-b', [event('Noted')], 'any');

    const read = await store.readStream('payment-a');
    expect(read.map((e) => [e.streamVersion, e.type])).toEqual([
      [1, 'PaymentInitiated'],
      [2, 'PaymentAwaitingBuyer'],
      [3, 'PaymentSucceeded'],
      [4, 'Noted'],
    ]);
    expect(read[0].data).toEqual({ n: 1 });
    expect((await store.readStream('payment-a', { fromVersion: 3 })).map((e) => e.streamVersion)).toEqual([3, 4]);
    expect(await store.streamVersion('payment-a')).toBe(4);
    expect(await store.streamVersion('payment-none')).toBe(0);
  });

  it('refuses a wrong expected version with a typed ConcurrencyError naming the actual version', async () => {
    await store.append('payment-a', [event('A')], 'no_stream');
    await expect(store.append('payment-a', [event('B')], 'no_stream')).rejects.toMatchObject({ name: 'ConcurrencyError', actual: 1 });
    await expect(store.append('payment-a', [event('B')], 5)).rejects.toBeInstanceOf(ConcurrencyError);
    await expect(store.append('payment-new', [event('B')], 3)).rejects.toBeInstanceOf(ConcurrencyError);
  });

  it('lets exactly one of two concurrent appends with the same expected version win, with nothing half-written', async () => {
    await store.append('payment-race', [event('Started')], 'no_stream');
    for (let round = 0; round < 10; round++) {
      const version = await store.streamVersion('payment-race');
      const results = await Promise.allSettled([
        store.append('payment-race', [event('Left', { round }), event('Left2', { round })], version),
        store.append('payment-race', [event('Right', { round }), event('Right2', { round })], version),
      ]);
      const won = results.filter((r) => r.status === 'fulfilled');
      const lost = results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[];
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(1);
      expect(lost[0].reason).toBeInstanceOf(ConcurrencyError);
    }
    const events = await store.readStream('payment-race');
    expect(events).toHaveLength(21);
    // Both events of the winner, none of the loser: pairs stay together.
    for (let i = 1; i < events.length; i += 2) {
      expect(events[i + 1].type).toBe(`${events[i].type}2`);
    }
  });

  it('refuses the same event id twice', async () => {
    const eventId = '6f1d8a4e-9b2c-4c7e-8a51-0d3f2b7c9e11';
    await store.append('payment-a', [{ ...event('A'), eventId }], 'any');
    await expect(store.append('payment-b', [{ ...event('A'), eventId }], 'any')).rejects.toBeInstanceOf(DuplicateEventError);
  });

  it('applies the redaction hook before anything is stored', async () => {
    const redacting = new PostgresEventStore(db.pool, { redact: createRedactor({ secretValues: ['super-secret-api-key'] }) });
    await redacting.append(
      'payment-r',
      [event('GatewayRequestSent', { body: { apiKey: 'super-secret-api-key', note: 'key super-secret-api-key', card: '5341432900077803', token: 'abcdef0123456789' } })],
      'any',
    );
    const raw = await db.pool.query(`SELECT data::text AS data FROM events WHERE stream_id = 'payment-r'`);
    expect(raw.rows[0].data).not.toContain('super-secret-api-key');
    expect(raw.rows[0].data).not.toContain('5341432900077803');
    expect(JSON.parse(raw.rows[0].data)).toEqual({
      body: { apiKey: '[REDACTED]', note: 'key [REDACTED]', card: '534143******7803', token: '…456789' },
    });
  });
  it('runs inline projections in the append transaction: all of it commits, or none of it', async () => {
    await db.pool.query(`CREATE TABLE inline_probe (stream_id text, stream_version int, type text)`);
    const inline = new PostgresEventStore(db.pool, {
      inlineProjections: [
        {
          name: 'probe',
          apply: async (client, events) => {
            for (const e of events) await client.query(`INSERT INTO inline_probe VALUES ($1, $2, $3)`, [e.streamId, e.streamVersion, e.type]);
          },
        },
      ],
    });
    expect((await inline.append('payment-i', [event('A'), event('B')], 'no_stream')).nextVersion).toBe(2);
    expect((await inline.append('payment-i', [event('C')], 2)).nextVersion).toBe(3);
    expect((await inline.append('payment-i', [event('D')], 'any')).nextVersion).toBe(4);
    await expect(inline.append('payment-i', [event('X')], 2)).rejects.toMatchObject({ name: 'ConcurrencyError', actual: 4 });
    await expect(inline.append('payment-i', [event('X')], 'no_stream')).rejects.toBeInstanceOf(ConcurrencyError);
    const probe = await db.pool.query(`SELECT stream_version, type FROM inline_probe ORDER BY stream_version`);
    expect(probe.rows).toEqual([
      { stream_version: 1, type: 'A' },
      { stream_version: 2, type: 'B' },
      { stream_version: 3, type: 'C' },
      { stream_version: 4, type: 'D' },
    ]);
    expect((await inline.readStream('payment-i')).map((e) => e.type)).toEqual(['A', 'B', 'C', 'D']);
  });
});

describe('immutability', () => {
  beforeEach(async () => {
    await store.append('payment-a', [event('A')], 'any');
  });

  it.each([
    ['UPDATE', `UPDATE events SET type = 'Changed'`],
    ['DELETE', `DELETE FROM events`],
    ['TRUNCATE', `TRUNCATE events`],
  ])('refuses %s at the database', async (_op, sql) => {
    await expect(db.pool.query(sql)).rejects.toThrow(/events are append-only/);
    expect((await db.pool.query(`SELECT count(*)::int AS n, min(type) AS type FROM events`)).rows[0]).toEqual({ n: 1, type: 'A' });
  });
});

describe('reading all in commit order', () => {
  it('never passes a transaction that is still open, and delivers it exactly once after it commits', async () => {
    await store.append('s-1', [event('E1')], 'any');

    // A writer that takes its position first and commits last.
    const late: PoolClient = await db.pool.connect();
    await late.query('BEGIN');
    await late.query(
      `INSERT INTO events (stream_id, stream_version, event_id, type, data, occurred_at) VALUES ('late-1', 1, gen_random_uuid(), 'Late', '{}', now())`,
    );

    await store.append('s-2', [event('E2')], 'any');
    await store.append('s-3', [event('E3')], 'any');

    const seen: RecordedEvent[] = [];
    const runner = new SubscriptionRunner(db.pool, store, {
      name: 'late-commit-test',
      mode: 'transactional',
      handle: async (events) => {
        seen.push(...events);
      },
    });
    await runner.drain();
    // E1 is older than the open transaction; E2 and E3 committed later but must wait behind it.
    expect(seen.map((e) => e.type)).toEqual(['E1']);

    await late.query('COMMIT');
    late.release();
    await runner.drain();
    expect(seen.map((e) => e.type)).toEqual(['E1', 'Late', 'E2', 'E3']);
    await runner.drain();
    expect(seen).toHaveLength(4);
    expect(new Set(seen.map((e) => e.eventId)).size).toBe(4);
  });

  it('reads in (transaction id, position) order with bounded batches', async () => {
    for (let i = 0; i < 25; i++) await store.append(`s-${i % 3}`, [event(`E${i}`)], 'any');
    const all: string[] = [];
    let checkpoint = START_CHECKPOINT;
    for (let page = 0; page < 10; page++) {
      const batch = await store.readAll(checkpoint, 7);
      if (batch.length === 0) break;
      expect(batch.length).toBeLessThanOrEqual(7);
      all.push(...batch.map((e) => e.type));
      const last = batch[batch.length - 1];
      checkpoint = { transactionId: last.transactionId, position: last.position };
    }
    expect(all).toEqual(Array.from({ length: 25 }, (_, i) => `E${i}`));
  });
});

describe('subscriptions', () => {
  it('resumes from its checkpoint after a restart with no loss and no duplicate', async () => {
    for (let i = 0; i < 30; i++) await store.append(`s-${i % 4}`, [event('Counted', { i })], 'any');
    const handled: number[] = [];
    const handler = {
      name: 'resume-test',
      mode: 'transactional' as const,
      batchSizeMax: 8,
      handle: async (events: readonly RecordedEvent[], tx: PoolClient | undefined) => {
        for (const e of events) handled.push((e.data as { i: number }).i);
        await tx!.query('SELECT 1');
      },
    };
    const first = new SubscriptionRunner(db.pool, store, handler, { pollIntervalMs: 20 });
    first.start();
    await waitFor(() => handled.length === 30);
    await first.stop();

    for (let i = 30; i < 45; i++) await store.append(`s-${i % 4}`, [event('Counted', { i })], 'any');
    const second = new SubscriptionRunner(db.pool, store, handler, { pollIntervalMs: 20 });
    second.start();
    await waitFor(() => handled.length >= 45);
    await new Promise((r) => setTimeout(r, 100));
    await second.stop();
    expect(handled).toEqual(Array.from({ length: 45 }, (_, i) => i));
  });

  it('a failed transactional batch leaves the checkpoint where it was and is retried', async () => {
    await store.append('s-1', [event('A'), event('B')], 'any');
    let calls = 0;
    const delivered: string[] = [];
    const runner = new SubscriptionRunner(
      db.pool,
      store,
      {
        name: 'retry-test',
        mode: 'transactional',
        handle: async (events, tx) => {
          calls += 1;
          await tx!.query(`CREATE TABLE IF NOT EXISTS retry_probe (type text)`);
          for (const e of events) await tx!.query(`INSERT INTO retry_probe VALUES ($1)`, [e.type]);
          if (calls === 1) throw new Error('boom');
          delivered.push(...events.map((e) => e.type));
        },
      },
      { pollIntervalMs: 20 },
    );
    runner.start();
    await waitFor(() => delivered.length === 2);
    await runner.stop();
    expect(calls).toBe(2);
    // The failed attempt's writes were rolled back with it.
    expect((await db.pool.query(`SELECT type FROM retry_probe ORDER BY type`)).rows).toEqual([{ type: 'A' }, { type: 'B' }]);
  });

  it('never lets two instances of one subscriber process at the same time; the standby takes over', async () => {
    let inFlight = 0;
    let overlap = false;
    const byInstance = { one: 0, two: 0 };
    const calls: string[] = [];
    const make = (instance: 'one' | 'two') =>
      new SubscriptionRunner(
        db.pool,
        store,
        {
          name: 'exclusive-test',
          mode: 'at-least-once',
          batchSizeMax: 5,
          handle: async (events) => {
            calls.push(`${instance}:[${events.map((e) => e.position).join(',')}]`);
            inFlight += 1;
            if (inFlight > 1) overlap = true;
            await new Promise((r) => setTimeout(r, 5));
            byInstance[instance] += events.length;
            inFlight -= 1;
          },
        },
        { pollIntervalMs: 20, standbyRetryMs: 50 },
      );
    const one = make('one');
    const two = make('two');
    one.start();
    await waitFor(() => one.status().role === 'active', 10_000, () => ({ calls, overlap, one: one.status(), two: two.status() }));
    two.start();
    await waitFor(() => two.status().role === 'standby', 10_000, () => ({ calls, overlap, one: one.status(), two: two.status() }));
    for (let i = 0; i < 40; i++) await store.append(`s-${i}`, [event('X')], 'any');
    await waitFor(() => byInstance.one === 40, 10_000, () => ({ calls, overlap, one: one.status(), two: two.status() }));
    expect(byInstance.two).toBe(0);

    await one.stop();
    await waitFor(() => two.status().role === 'active', 10_000, () => ({ calls, overlap, one: one.status(), two: two.status() }));
    for (let i = 0; i < 10; i++) await store.append(`t-${i}`, [event('Y')], 'any');
    await waitFor(() => byInstance.two === 10, 10_000, () => ({ calls, overlap, one: one.status(), two: two.status() }));
    await two.stop();
    expect(overlap).toBe(false);
    expect(byInstance.one + byInstance.two).toBe(50);
  });
});

describe('upcasting', () => {
  it('reads an event stored at schema version 1 as the latest version', async () => {
    const upcasters = new UpcasterRegistry()
      .register('PaymentInitiated', 1, (d) => ({ ...d, amountMinor: String(d.amount), amount: undefined }))
      .register('PaymentInitiated', 2, (d) => ({ ...d, currency: d.currency ?? 'IRR' }));
    const v1Store = new PostgresEventStore(db.pool);
    await v1Store.append('payment-old', [{ type: 'PaymentInitiated', schemaVersion: 1, data: { amount: 1000 } }], 'no_stream');
    const upcasting = new PostgresEventStore(db.pool, { upcasters });
    const [read] = await upcasting.readStream('payment-old');
    expect(read.schemaVersion).toBe(3);
    expect(read.data).toEqual({ amountMinor: '1000', currency: 'IRR' });
    const [fromAll] = await upcasting.readAll(START_CHECKPOINT, 10);
    expect(fromAll.data).toEqual(read.data);
    // New appends are stamped with the latest version.
    await upcasting.append('payment-new', [{ type: 'PaymentInitiated', data: { amountMinor: '5', currency: 'SAR' } }], 'no_stream');
    const stored = await db.pool.query(`SELECT schema_version FROM events WHERE stream_id = 'payment-new'`);
    expect(stored.rows[0].schema_version).toBe(3);
  });
});
