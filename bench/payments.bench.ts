import 'reflect-metadata';
import { loadConfig } from '@payledger/config';
import { createGatewayAdapters } from '@payledger/gateways';
import { Clock } from '@payledger/kernel';
import { createApiApp } from '../apps/api/src/api.app';
import { createSandbox, SandboxClock } from '../apps/sandbox/src/core';
import { SIMULATORS } from '../apps/sandbox/src/simulators';
import { freePort } from '../test/support/free-port';
import { benchDatabase, percentile, table } from './bench-support';

/**
 * Complete payment lifecycles through the HTTP API against the sandbox: create (the gateway's create
 * included), the buyer at the hosted page, and the return handler (record, verify + inquiry, decide,
 * 303). Jibit, the gateway with the most calls per payment. Every figure includes real fsync'd commits.
 */
const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 5000);
const BUYERS = (process.env.BENCH_BUYERS ?? '1,8,32').split(',').map(Number);
const MERCHANT_KEY = 'pl_merchant_bench_key_000000000000001';

class WallClock extends Clock {
  constructor(private readonly clock: SandboxClock) {
    super();
  }
  now(): Date {
    return this.clock.now();
  }
}

async function main(): Promise<void> {
  const db = await benchDatabase();
  const apiPort = await freePort();
  const sandboxPort = await freePort();
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const sandboxUrl = `http://127.0.0.1:${sandboxPort}`;
  const clock = new SandboxClock();
  const sandbox = createSandbox({ sandboxBaseUrl: sandboxUrl, merchantBaseUrl: apiUrl, simulators: SIMULATORS, clock });
  const { server } = await sandbox.listen(sandboxPort, '127.0.0.1');
  const config = loadConfig({ PORT: String(apiPort), DATABASE_URL: 'postgres://unused', SANDBOX_BASE_URL: sandboxUrl, PUBLIC_BASE_URL: apiUrl, API_KEYS: `merchant:${MERCHANT_KEY}`, LOG_LEVEL: 'error' });
  const wall = new WallClock(clock);
  const adapters = createGatewayAdapters({ config: config.gateways, publicBaseUrl: apiUrl, now: () => wall.now() });
  const api = await createApiApp({ config, database: { dataSource: db.dataSource, pool: (await import('./bench-support')).poolOf(db.dataSource) }, payments: { gateways: adapters, clock: wall } }, false);
  await api.listen(apiPort, '127.0.0.1');

  let counter = 0;
  const lifecycle = async (createMs: number[], returnMs: number[]) => {
    counter += 1;
    const t0 = performance.now();
    const created = await fetch(`${apiUrl}/v1/payments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${MERCHANT_KEY}`, 'content-type': 'application/json', 'idempotency-key': `bench-${process.pid}-${counter}` },
      body: JSON.stringify({ gateway: 'jibit', orderId: `B-${process.pid}-${counter}`, amountMinor: '150000', currency: 'IRR', returnUrl: 'https://shop.example/paid', customer: { id: `c-${counter}` } }),
    });
    const payment = (await created.json()) as { redirect: { url: string }; id: string };
    createMs.push(performance.now() - t0);
    if (created.status !== 201) throw new Error(`create answered ${created.status}: ${JSON.stringify(payment)}`);
    const page = await fetch(`${payment.redirect.url}${payment.redirect.url.includes("?") ? "&" : "?"}action=pay`, { redirect: "manual" });
    await page.text();
    const t1 = performance.now();
    const back = await fetch(page.headers.get('location')!, { redirect: 'manual' });
    await back.text();
    returnMs.push(performance.now() - t1);
    if (back.status !== 303 || !back.headers.get('location')!.includes('status=succeeded')) throw new Error(`return answered ${back.status} ${back.headers.get('location')}`);
  };

  await lifecycle([], []); // warm up: token, connections, JIT
  const rows: Array<Record<string, string | number>> = [];
  for (const buyers of BUYERS) {
    const createMs: number[] = [];
    const returnMs: number[] = [];
    const deadline = performance.now() + DURATION_MS;
    const started = performance.now();
    let done = 0;
    await Promise.all(
      Array.from({ length: buyers }, async () => {
        while (performance.now() < deadline) {
          await lifecycle(createMs, returnMs);
          done += 1;
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    createMs.sort((a, b) => a - b);
    returnMs.sort((a, b) => a - b);
    rows.push({
      buyers,
      lifecycles: done,
      'lifecycles/s': (done / seconds).toFixed(1),
      'create p50 ms': percentile(createMs, 50).toFixed(1),
      'create p99 ms': percentile(createMs, 99).toFixed(1),
      'return p50 ms': percentile(returnMs, 50).toFixed(1),
      'return p99 ms': percentile(returnMs, 99).toFixed(1),
    });
  }
  process.stdout.write(`\nbench:payments — Jibit create + hosted page + return (verify + inquiry) through the HTTP API, ${DURATION_MS / 1000} s per row, ${db.where}\n\n`);
  process.stdout.write(`${table(rows)}\n\n`);
  process.stdout.write('api, sandbox and PostgreSQL share this machine\'s cores; each lifecycle is 3 HTTP calls to payledger\'s api and 4 to the gateway, and appends 13 events in 4 appends.\n');
  await api.close();
  server.closeAllConnections();
  server.close();
  await db.close();
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
