import type { JobName, JobRunResult } from '@payledger/jobs';
import { resetTaskProjection } from '@payledger/jobs';
import { JobKilledError } from '../../apps/worker/src/jobs/task.job';
import { idempotencyKey, nextOrderId, openRedirect, PayledgerHarness, startPayledger } from '../support/payledger';
import { startWorker, WorkerHarness } from '../support/worker';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const TASK_JOBS: JobName[] = ['mispay-track-checkout', 'inquiry', 'verify-deadline'];

/**
 * MIS Pay's track-checkout job (mispay.md D7) and a fleet of workers over many open payments: two
 * instances share the work through their claims, one is killed mid-batch and its tasks come back.
 * The sandbox's clock is frozen; every wait is a move of it.
 */
describe('jobs: MIS Pay track-checkout and two workers over 200 payments', () => {
  let h: PayledgerHarness;
  let w: WorkerHarness;
  beforeAll(async () => {
    h = await startPayledger();
    w = await startWorker(h, { instanceId: 'worker-a' });
    // MIS Pay's webhook would confirm behind the api's answer; here the job must find out by itself.
    await h.sandbox.control('POST', '/mispay/options', { webhookUrl: '' });
  });
  afterAll(async () => {
    await w?.close();
    await h?.close();
  });

  const BODIES = {
    jibit: () => ({ gateway: 'jibit', orderId: nextOrderId('JB'), amountMinor: '150000', currency: 'IRR', returnUrl: 'https://shop.example/paid', customer: { mobile: '09120000000' } }),
    atipay: () => ({ gateway: 'atipay', orderId: nextOrderId('AT'), amountMinor: '250000', currency: 'IRR', returnUrl: 'https://shop.example/paid', customer: { mobile: '09121234567' } }),
    mispay: () => ({
      gateway: 'mispay',
      orderId: nextOrderId('MP'),
      amountMinor: '22000',
      currency: 'SAR',
      returnUrl: 'https://shop.example/paid',
      customer: { mobile: '0512345678' },
      items: [{ sku: 'KETTLE-1', name: 'Kettle', quantity: 2, unitAmountMinor: '10000' }],
      breakdown: { shippingMinor: '0', vatMinor: '3000', discountMinor: '1000' },
    }),
  };
  type Created = { id: string; gateway: string; redirect: { method: string; url: string }; attempts: Array<{ reference: string; refs: Record<string, string> }> };
  const create = async (gateway: keyof typeof BODIES): Promise<Created> => {
    const created = await h.call('POST', '/v1/payments', BODIES[gateway](), { 'idempotency-key': idempotencyKey() });
    expect(created.status).toBe(201);
    return created.body;
  };
  const payment = async (id: string) => (await h.call('GET', `/v1/payments/${id}`)).body;
  const advance = (ms: number) => h.sandbox.clock.advance(ms);
  const log = (gateway: string) => h.sandbox.sandbox.log.list({ gateway, direction: 'in' });
  /** The buyer approves on MIS Pay's page; the browser never comes back to us. */
  const approveWithoutReturn = async (redirect: { url: string }) => {
    const page = await fetch(redirect.url, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'action=approve' });
    expect(page.status).toBe(302);
    await page.text();
  };
  /** Runs `items` through `work`, a few at a time. */
  const inLanes = async <T, R>(items: T[], lanes: number, work: (item: T) => Promise<R>): Promise<R[]> => {
    const results: R[] = new Array(items.length);
    let next = 0;
    await Promise.all(Array.from({ length: lanes }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await work(items[i]);
      }
    }));
    return results;
  };

  describe('MIS Pay track-checkout (D7)', () => {
    /** Starts a track run and, once MIS Pay holds the request open, moves the clock 30 s so the hold ends. */
    const heldPoll = async (worker: WorkerHarness): Promise<JobRunResult> => {
      const run = worker.tick('mispay-track-checkout');
      let settled = false;
      void run.finally(() => (settled = true)).catch(() => undefined);
      for (let look = 0; look < 1000 && !settled; look++) {
        if ((await h.sandbox.control('GET', '/mispay/state')).body.state.openHolds > 0) {
          await advance(30 * SECOND);
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      return run;
    };

    it('a checkout that succeeds after several held polls is confirmed (checkout read and ended) exactly once', async () => {
      await h.sandbox.control('POST', '/mispay/options', { holdSeconds: 30 });
      try {
        await h.sandbox.control('POST', '/mispay/scenarios', { outcome: 'unknown-then-pay', resolveAfterMs: 100 * SECOND });
        const created = await create('mispay');
        const trackId = created.attempts[0].refs.trackId;
        // The shopper finishes; MIS Pay takes its time deciding, and the return is never seen.
        expect((await openRedirect(created.redirect)).status).toBe(200);

        const tracks = () => log('mispay').filter((r) => r.path.endsWith(`/track-checkout/${trackId}`)).length;
        const waits: number[] = [];
        for (let poll = 0; poll < 6 && (await payment(created.id)).status !== 'succeeded'; poll++) {
          const run = await heldPoll(w);
          expect(run.failed).toBe(0);
          await w.catchUp();
          const { rows } = await h.db.pool.query(`SELECT next_run_at FROM job_tasks WHERE payment_id = $1`, [created.id]);
          if (rows[0]) {
            const waitMs = rows[0].next_run_at.getTime() - h.sandbox.clock.nowMs();
            waits.push(waitMs);
            await advance(Math.max(0, waitMs));
          }
        }
        const done = await payment(created.id);
        expect(done.status).toBe('succeeded');
        expect(tracks()).toBe(3);
        // Back-off between quick answers: 5 s, then 10 s (each with at most a tenth more of jitter).
        expect(waits).toHaveLength(2);
        expect(waits[0]).toBeGreaterThanOrEqual(5 * SECOND);
        expect(waits[0]).toBeLessThan(5.5 * SECOND);
        expect(waits[1]).toBeGreaterThanOrEqual(10 * SECOND);
        expect(waits[1]).toBeLessThan(11 * SECOND);
        const { checkoutId } = done.attempts[0].refs;
        expect(log('mispay').filter((r) => r.method === 'PUT' && r.path.endsWith(`/checkout/${checkoutId}/end`))).toHaveLength(1);
        const events = await h.events(created.id);
        expect(events.filter((e) => e.type === 'PaymentSucceeded')).toHaveLength(1);
        const checks = events.filter((e) => e.type === 'PaymentAttemptChecked').map((e) => e.data as { trigger: string; outcome: string; gatewayStatus: string });
        expect(checks.map((c) => [c.trigger, c.outcome, c.gatewayStatus])).toEqual([
          ['job', 'pending', 'pending'],
          ['job', 'pending', 'pending'],
          ['job', 'paid', 'success'],
        ]);
      } finally {
        await h.sandbox.control('POST', '/mispay/options', { holdSeconds: 0 });
      }
    });

    it('a checkout that never completes is tracked until 24 h after start-checkout, then expires (not a moment earlier)', async () => {
      // The simulator's idle session would end it `error` after 30 min; this shopper's session never times out.
      await h.sandbox.control('POST', '/mispay/options', { sessionTimeoutMinutes: 48 * 60 });
      const created = await create('mispay');
      await h.sandbox.control('POST', '/mispay/options', { sessionTimeoutMinutes: 30 });
      expect((await w.tick('mispay-track-checkout')).claimed).toBeGreaterThanOrEqual(1);
      expect((await payment(created.id)).status).toBe('awaiting_buyer');

      await advance(24 * HOUR - 2 * MINUTE);
      await w.tick('mispay-track-checkout');
      expect((await payment(created.id)).status).toBe('awaiting_buyer');

      await advance(3 * MINUTE);
      await w.tick('mispay-track-checkout');
      const ended = await payment(created.id);
      expect(ended.status).toBe('expired');
      const expired = (await h.events(created.id)).filter((e) => e.type === 'PaymentExpired');
      expect(expired).toHaveLength(1);
      expect(expired[0].data).toMatchObject({ trigger: 'job', reason: expect.stringContaining('24 h') });
      await w.catchUp();
      expect((await h.db.pool.query(`SELECT 1 FROM job_tasks WHERE payment_id = $1`, [created.id])).rowCount).toBe(0);
    });
  });

  it('two workers running every job over 200 open payments: all end final, no payment confirmed twice at a gateway, none lost when one worker is killed mid-batch', async () => {
    // 80 Jibit paid without a return, 60 Jibit never paid, 30 MIS Pay approved without a return, 30 AtiPay abandoned.
    const plan: Array<{ gateway: keyof typeof BODIES; pay: boolean }> = [
      ...Array.from({ length: 80 }, () => ({ gateway: 'jibit' as const, pay: true })),
      ...Array.from({ length: 60 }, () => ({ gateway: 'jibit' as const, pay: false })),
      ...Array.from({ length: 30 }, () => ({ gateway: 'mispay' as const, pay: true })),
      ...Array.from({ length: 30 }, () => ({ gateway: 'atipay' as const, pay: false })),
    ];
    const payments = await inLanes(plan, 8, async (p) => {
      const created = await create(p.gateway);
      if (p.pay && p.gateway === 'jibit') {
        const page = await openRedirect(created.redirect, 'pay');
        expect(page.status).toBe(302);
        await page.text();
      }
      if (p.pay && p.gateway === 'mispay') await approveWithoutReturn(created.redirect);
      return { ...created, pay: p.pay };
    });
    const ids = payments.map((p) => p.id);

    // Worker B dies during its first verify-deadline batch, after starting 10 of its tasks.
    let killed = false;
    const b = await startWorker(h, {
      instanceId: 'worker-b',
      env: { JOBS_VERIFY_DEADLINE_BATCH_SIZE: '100', JOBS_VERIFY_DEADLINE_CONCURRENCY: '2' },
      hooks: {
        beforeTask: (job, _task, index) => {
          if (job === 'verify-deadline' && !killed && index >= 10) {
            killed = true;
            throw new JobKilledError();
          }
        },
      },
    });
    const workers = [w, b];
    const allJobs = async (worker: WorkerHarness) => {
      for (const job of TASK_JOBS) await worker.tick(job).catch((error: unknown) => (error instanceof JobKilledError ? undefined : Promise.reject(error)));
    };
    const round = () => Promise.all(workers.map(allJobs));

    try {
      await round(); // MIS Pay: track-checkout finds each approved checkout, reads and ends it.
      await advance(13 * MINUTE);
      await round(); // Jibit: the captures, shared by two workers; B is killed with most of its batch claimed.
      expect(killed).toBe(true);
      // Claimed by B and never started (the ones it finished only wait for the projection to plan again).
      const strandedSql = `SELECT count(*)::int AS n FROM job_tasks WHERE claimed_by = 'worker-b' AND awaiting_version IS NULL`;
      const stranded = await h.db.pool.query(strandedSql);
      expect(stranded.rows[0].n).toBeGreaterThan(0);
      await b.close();
      workers.splice(1, 1);

      // Until B's lease runs out its tasks stay with it; then A takes them, still inside the 15-minute window.
      await round();
      expect((await h.db.pool.query(strandedSql)).rows[0].n).toBe(stranded.rows[0].n);
      await advance(w.config.jobs.claimLeaseMs + SECOND);
      await round();
      expect((await h.db.pool.query(`SELECT count(*)::int AS n FROM job_tasks WHERE claimed_by = 'worker-b'`)).rows[0].n).toBe(0);

      // The task projection is a pure function of the events: replayed from zero it plans the same.
      const planned = `SELECT task_id, job, operation, trigger, reference, reason, attempt, next_run_at, deadline_at, since_at, source_version, planned_at FROM job_tasks ORDER BY task_id`;
      await w.catchUp();
      const before = (await h.db.pool.query(planned)).rows;
      expect(before.length).toBeGreaterThan(50);
      await resetTaskProjection(h.db.pool);
      await w.catchUp();
      expect((await h.db.pool.query(planned)).rows).toEqual(before);

      for (const step of [3 * MINUTE, 25 * MINUTE, 30 * MINUTE]) {
        await advance(step);
        await round();
      }
      await w.catchUp();

      const final = await inLanes(ids, 8, payment);
      const statusOf = (gateway: string, pay: boolean) => final.filter((p, i) => p.gateway === gateway && payments[i].pay === pay).map((p) => p.status);
      expect(new Set(statusOf('jibit', true))).toEqual(new Set(['succeeded']));
      expect(new Set(statusOf('jibit', false))).toEqual(new Set(['expired']));
      expect(new Set(statusOf('mispay', true))).toEqual(new Set(['succeeded']));
      expect(new Set(statusOf('atipay', false))).toEqual(new Set(['expired']));
      expect((await h.db.pool.query(`SELECT count(*)::int AS n FROM job_tasks WHERE payment_id = ANY($1::text[])`, [ids])).rows[0].n).toBe(0);

      // One verify per Jibit order, one end per MIS Pay checkout, no AtiPay verify (nobody came back).
      const countBy = (entries: Array<{ path: string }>, pattern: RegExp) => {
        const counts = new Map<string, number>();
        for (const e of entries) {
          const m = pattern.exec(e.path);
          if (m) counts.set(m[1], (counts.get(m[1]) ?? 0) + 1);
        }
        return counts;
      };
      const verifies = countBy(log('jibit'), /\/orders\/([^/]+)\/verify$/);
      for (const p of final.filter((x) => x.gateway === 'jibit')) expect(verifies.get(p.attempts[0].refs.orderIdentifier)).toBe(1);
      const ends = countBy(log('mispay').filter((r) => r.method === 'PUT'), /\/checkout\/([^/]+)\/end$/);
      for (const p of final.filter((x) => x.gateway === 'mispay')) expect(ends.get(p.attempts[0].refs.checkoutId)).toBe(1);
      expect(log('atipay').filter((r) => r.path.endsWith('/verify-payment'))).toHaveLength(0);
      const decisions = await inLanes(ids, 8, async (id) => (await h.types(id)).filter((t) => t === 'PaymentSucceeded' || t === 'PaymentExpired').length);
      expect(new Set(decisions)).toEqual(new Set([1]));
    } finally {
      await b.close();
    }
  });
});
