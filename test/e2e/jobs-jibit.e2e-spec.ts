import { JOB_LOCK_CLASS } from '@payledger/jobs';
import { followToPayledger, idempotencyKey, nextOrderId, openRedirect, PayledgerHarness, startPayledger, TEST_KEYS } from '../support/payledger';
import { startWorker, WorkerHarness } from '../support/worker';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/**
 * The Jibit jobs against the sandbox with its frozen clock: the verify deadline (jibit.md D10), the
 * inquiry of an UNKNOWN order (D9) and the token refresher (D3), plus what ops and Prometheus see.
 * Time only moves when a test moves the sandbox's clock; payledger reads the same clock.
 */
describe('jobs: Jibit deadline, inquiry and token refresh', () => {
  let h: PayledgerHarness;
  let w: WorkerHarness;
  beforeAll(async () => {
    h = await startPayledger();
    w = await startWorker(h, { instanceId: 'worker-a' });
  });
  afterAll(async () => {
    await w?.close();
    await h?.close();
  });

  const create = async () => {
    const created = await h.call(
      'POST',
      '/v1/payments',
      { gateway: 'jibit', orderId: nextOrderId(), amountMinor: '150000', currency: 'IRR', returnUrl: 'https://shop.example/paid', customer: { mobile: '09120000000' } },
      { 'idempotency-key': idempotencyKey() },
    );
    expect(created.status).toBe(201);
    return created.body as { id: string; redirect: { method: string; url: string }; attempts: Array<{ reference: string; refs: { orderIdentifier: string } }>; createdAt: string };
  };
  const jibitCalls = (pathEnd: string) => h.sandbox.sandbox.log.list({ gateway: 'jibit', direction: 'in' }).filter((r) => r.method === 'GET' && r.path.endsWith(pathEnd)).length;
  const status = async (id: string) => (await h.call('GET', `/v1/payments/${id}`)).body.status as string;
  const eventsOf = (id: string) => h.events(id);
  const task = async (id: string) => (await h.db.pool.query(`SELECT * FROM job_tasks WHERE payment_id = $1`, [id])).rows[0];
  const advance = (ms: number) => h.sandbox.clock.advance(ms);

  it('a buyer paid but the callback never came: the verify-deadline job verifies it at +13 min, before the 15-minute deadline, and it succeeds once', async () => {
    const payment = await create();
    const order = payment.attempts[0].refs.orderIdentifier;
    // The buyer pays at Jibit; the browser never makes it back to our callback.
    const page = await openRedirect(payment.redirect, 'pay');
    expect(page.status).toBe(302);
    await page.text();

    await w.catchUp();
    const planned = await task(payment.id);
    expect(planned).toMatchObject({ job: 'verify-deadline', operation: 'confirm', trigger: 'deadline', gateway: 'jibit', attempt: 0 });
    expect(planned.next_run_at.getTime() - Date.parse(payment.createdAt)).toBe(13 * MINUTE);

    await advance(12 * MINUTE);
    expect((await w.tick('verify-deadline')).claimed).toBe(0);
    expect(await status(payment.id)).toBe('awaiting_buyer');

    await advance(1 * MINUTE);
    const run = await w.tick('verify-deadline');
    expect(run).toMatchObject({ status: 'ok', claimed: 1, done: 1, failed: 0 });
    expect(await status(payment.id)).toBe('succeeded');
    expect(jibitCalls(`/orders/${order}/verify`)).toBe(1);

    const events = await eventsOf(payment.id);
    const succeeded = events.filter((e) => e.type === 'PaymentSucceeded');
    expect(succeeded).toHaveLength(1);
    expect(succeeded[0].data).toMatchObject({ trigger: 'deadline' });
    expect(succeeded[0].metadata).toMatchObject({ actor: 'job:verify-deadline' });
    const verify = events.find((e) => e.type === 'GatewayRequestSent' && (e.data as { operation: string }).operation === 'verify')!;
    expect(verify.occurredAt.getTime()).toBeLessThan(Date.parse(payment.createdAt) + 15 * MINUTE);

    await w.catchUp();
    expect(await task(payment.id)).toBeUndefined();
  });

  it('a buyer who never pays: the capture at +13 min finds it unpaid (not final), the +16 min inquiry expires it', async () => {
    const payment = await create();
    const order = payment.attempts[0].refs.orderIdentifier;
    await advance(13 * MINUTE);
    expect((await w.tick('verify-deadline')).claimed).toBeGreaterThanOrEqual(1);
    expect(await status(payment.id)).toBe('awaiting_buyer');
    expect(jibitCalls(`/orders/${order}/verify`)).toBe(1);

    await w.catchUp();
    expect(await task(payment.id)).toMatchObject({ job: 'verify-deadline', attempt: 1 });
    await advance(3 * MINUTE);
    await w.tick('verify-deadline');
    expect(await status(payment.id)).toBe('expired');
    const expired = (await eventsOf(payment.id)).filter((e) => e.type === 'PaymentExpired');
    expect(expired).toHaveLength(1);
    expect(expired[0].data).toMatchObject({ trigger: 'deadline' });
    // No second verify: after the window only the inquiry speaks.
    expect(jibitCalls(`/orders/${order}/verify`)).toBe(1);
  });

  it('verify answers Unknown: the inquiry job inquires on D9 backoff until SUCCESS, then the payment succeeds once and is asked no more', async () => {
    const payment = await create();
    const order = payment.attempts[0].refs.orderIdentifier;
    expect((await h.sandbox.control('POST', '/jibit/scenarios', { reference: payment.attempts[0].reference, outcome: 'unknown-then-pay' })).status).toBe(201);
    const back = await followToPayledger(await openRedirect(payment.redirect));
    expect(new URL(back.headers.get('location')!).searchParams.get('status')).toBe('unknown');

    const inquiries = () => jibitCalls(`/orders/${order}`);
    const before = inquiries();
    const STEP_MS = 70 * SECOND;
    for (let step = 0; step < 10 && (await status(payment.id)) !== 'succeeded'; step++) {
      await advance(STEP_MS);
      await w.tick('inquiry');
    }
    expect(await status(payment.id)).toBe('succeeded');
    // +1 and +2 min answered UNKNOWN, +5 min SUCCESS.
    expect(inquiries() - before).toBe(3);
    const checks = (await eventsOf(payment.id)).filter((e) => e.type === 'PaymentAttemptChecked' && (e.data as { trigger: string }).trigger === 'job');
    expect(checks.map((c) => (c.data as { gatewayStatus: string }).gatewayStatus)).toEqual(['UNKNOWN', 'UNKNOWN', 'SUCCESS']);
    expect(checks.every((c) => (c.data as { operation: string }).operation === 'inquire')).toBe(true);
    expect(jibitCalls(`/orders/${order}/verify`)).toBe(1);

    const askedSoFar = inquiries();
    await advance(40 * MINUTE);
    await w.tick('inquiry');
    await w.tick('verify-deadline');
    expect(inquiries()).toBe(askedSoFar);
    expect((await eventsOf(payment.id)).filter((e) => e.type === 'PaymentSucceeded')).toHaveLength(1);
  });

  it('GET /v1/ops/jobs (ops key) shows each job with last run, next run, backlog and failures; /metrics has runs, backlog, oldest due and gateway latency', async () => {
    const ops = await h.call('GET', '/v1/ops/jobs', undefined, { authorization: `Bearer ${TEST_KEYS.ops}` });
    expect(ops.status).toBe(200);
    expect(ops.body.jobs.map((j: { name: string }) => j.name)).toEqual(['jibit-token-refresh', 'mispay-track-checkout', 'inquiry', 'verify-deadline']);
    const deadline = ops.body.jobs.find((j: { name: string }) => j.name === 'verify-deadline');
    expect(deadline).toMatchObject({ enabled: true, settingsFrom: 'worker', lastRun: { instance: 'worker-a', failed: 0 }, failures: { runs: 0, tasks: 0 }, backlog: { due: 0, claimed: 0 } });
    // The capture of the first payment, the capture and the settlement of the second.
    expect(deadline.totals).toMatchObject({ claimed: 3, done: 3, failed: 0 });
    expect(Date.parse(deadline.nextRunAt)).toBeGreaterThan(Date.parse(deadline.lastRun.startedAt));
    expect((await h.call('GET', '/v1/ops/jobs')).status).toBe(403);

    const metrics = await fetch(`${h.url}/metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get('content-type')).toContain('text/plain');
    const text = await metrics.text();
    expect(text).toMatch(/payledger_jobs_runs_total\{job="verify-deadline"\} [1-9]/);
    expect(text).toContain('payledger_jobs_backlog_due{job="inquiry"}');
    expect(text).toContain('payledger_jobs_oldest_due_age_seconds{job="inquiry"}');
    expect(text).toMatch(/payledger_job_runs_total\{job="verify-deadline",result="ok"\} [1-9]/);
    expect(text).toMatch(/payledger_gateway_call_duration_seconds_count\{gateway="jibit",operation="verify",result="response"\} [1-9]/);
    // The capture of the first test went out 2 minutes before the window closed.
    expect(text).toMatch(/payledger_jibit_verify_margin_seconds_bucket\{le="120",trigger="deadline"\} [1-9]/);
  });

  it('token refresh: renewed before the 24 h expiry, a failed refresh falls back to a new pair, one refresher across two instances who then share the pair', async () => {
    const renewals = async () => (await h.store.readStream('gateway-session-jibit')).filter((e) => e.type === 'GatewaySessionRenewed');
    const tokenCalls = (path: string) => h.sandbox.sandbox.log.list({ gateway: 'jibit', direction: 'in' }).filter((r) => r.path.endsWith(path)).length;
    const stored = async () => (await h.db.pool.query(`SELECT access_token, expires_at FROM gateway_tokens WHERE gateway = 'jibit'`)).rows[0];

    // The worker's pair (made by its first inquiry above, or now).
    await w.tick('jibit-token-refresh');
    const first = (await renewals()).at(-1)!;
    const expiresAt = Date.parse((first.data as { accessExpiresAt: string }).accessExpiresAt);
    expect((await stored()).expires_at.getTime()).toBe(expiresAt);

    // Six minutes of life left: nothing to do yet.
    await advance(expiresAt - h.sandbox.clock.nowMs() - 6 * MINUTE);
    const countBefore = (await renewals()).length;
    expect(await w.tick('jibit-token-refresh')).toMatchObject({ status: 'ok', renewed: false });
    expect(await renewals()).toHaveLength(countBefore);

    // Four minutes left: refreshed with the refresh token, before the expiry.
    await advance(2 * MINUTE);
    expect(await w.tick('jibit-token-refresh')).toMatchObject({ status: 'ok', renewed: true });
    const refreshed = (await renewals()).slice(countBefore);
    expect(refreshed.map((e) => (e.data as { via: string }).via)).toEqual(['refresh']);
    const refreshedData = refreshed[0].data as { sentAt: string; accessExpiresAt: string };
    expect(Date.parse(refreshedData.sentAt)).toBeLessThan(expiresAt);
    expect(Date.parse(refreshedData.accessExpiresAt)).toBe(Date.parse(refreshedData.sentAt) + 24 * HOUR);
    expect((await stored()).expires_at.getTime()).toBe(Date.parse(refreshedData.accessExpiresAt));

    // The refresh fails: a new pair is generated instead, and both are on record.
    expect((await h.sandbox.control('POST', '/jibit/faults', { endpoint: 'tokens-refresh', kind: '5xx', count: 1 })).status).toBe(201);
    await advance(Date.parse(refreshedData.accessExpiresAt) - h.sandbox.clock.nowMs() - 4 * MINUTE);
    const afterFailure = (await renewals()).length;
    expect(await w.tick('jibit-token-refresh')).toMatchObject({ status: 'ok', renewed: true });
    expect((await renewals()).slice(afterFailure).map((e) => (e.data as { via: string }).via)).toEqual(['generate']);
    const session = await h.store.readStream('gateway-session-jibit');
    const failedRefresh = session.filter((e) => e.type === 'GatewayResponseReceived' && (e.data as { operation: string; httpStatus: number }).operation === 'tokens-refresh' && (e.data as { httpStatus: number }).httpStatus >= 500);
    expect(failedRefresh).toHaveLength(1);
    expect(JSON.stringify(session.map((e) => e.data))).not.toContain((await stored()).access_token);

    // Two instances at the same moment: one refresh.
    const w2 = await startWorker(h, { instanceId: 'worker-b' });
    try {
      const current = await stored();
      await advance(current.expires_at.getTime() - h.sandbox.clock.nowMs() - 4 * MINUTE);
      const refreshesBefore = tokenCalls('/tokens/refresh');
      const generatesBefore = tokenCalls('/tokens/generate');
      const renewalsBefore = (await renewals()).length;
      const runs = await Promise.all([w.tick('jibit-token-refresh'), w2.tick('jibit-token-refresh')]);
      expect(runs.filter((r) => r.renewed)).toHaveLength(1);
      expect(tokenCalls('/tokens/refresh') - refreshesBefore).toBe(1);
      expect(tokenCalls('/tokens/generate')).toBe(generatesBefore);
      expect((await renewals()).length - renewalsBefore).toBe(1);
      // Both instances now hold the shared pair: asking either for a session calls Jibit no more.
      const shared = await stored();
      const sessions = await Promise.all([w, w2].map((x) => (x.adapters.jibit as unknown as { ensureSession(): Promise<{ expiresAt: Date }> }).ensureSession()));
      expect(sessions.map((s) => s.expiresAt.getTime())).toEqual([shared.expires_at.getTime(), shared.expires_at.getTime()]);
      expect(tokenCalls('/tokens/refresh') - refreshesBefore).toBe(1);
      expect(tokenCalls('/tokens/generate')).toBe(generatesBefore);

      // The lock is what makes it one: while another holder has it, a run is skipped.
      const holder = await h.db.pool.connect();
      try {
        await holder.query(`SELECT pg_advisory_lock($1, hashtext('jibit-token-refresh'))`, [JOB_LOCK_CLASS]);
        expect((await w2.tick('jibit-token-refresh')).status).toBe('skipped');
      } finally {
        await holder.query(`SELECT pg_advisory_unlock($1, hashtext('jibit-token-refresh'))`, [JOB_LOCK_CLASS]);
        holder.release();
      }
    } finally {
      await w2.close();
    }
  });
});
