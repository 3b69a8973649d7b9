import type { INestApplication } from '@nestjs/common';
import { loadConfig } from '@payledger/config';
import { createRedactor, PostgresEventStore, SubscriptionRunner } from '@payledger/event-store';
import { createApiApp } from '../../apps/api/src/api.app';
import { createTestDatabase, TestDatabase } from '../support/database';
import { freePort } from '../support/free-port';
import { drainAll, liveRunners, PaymentEventDriver } from '../support/ledger-driver';

const KEYS = { merchant: 'test-merchant-key-000001', finance: 'test-finance-key-0000001', ops: 'test-ops-key-000000000001' };

let db: TestDatabase;
let api: INestApplication;
let base: string;
let store: PostgresEventStore;
let driver: PaymentEventDriver;
let runners: SubscriptionRunner[];

beforeAll(async () => {
  db = await createTestDatabase(20);
  const port = await freePort();
  const config = loadConfig({ PORT: String(port), DATABASE_URL: db.url, API_KEYS: `merchant:${KEYS.merchant},finance:${KEYS.finance},ops:${KEYS.ops}`, LOG_LEVEL: 'error' });
  api = await createApiApp({ config, database: { dataSource: db.dataSource, pool: db.pool } }, false);
  await api.listen(port, '127.0.0.1');
  base = `http://127.0.0.1:${port}`;
  store = new PostgresEventStore(db.pool, { redact: createRedactor() });
  driver = new PaymentEventDriver(store);
  runners = liveRunners(db.pool, store);

  const mispay = await driver.pay('mispay', 21_500);
  await driver.pay('jibit', 1_200_000);
  const mocasa = await driver.pay('mocasa', 45_000);
  await driver.pay('alqaseh', 90_000, 'failed');
  await driver.refund(mispay, 1_000);
  await driver.refund(mocasa);
  await driver.payout(10_000);
  await driver.correction('jibit', -2_000n);
  await drainAll(db.pool, runners);
});
afterAll(async () => {
  await api?.close();
  await db?.drop();
});

async function get(path: string, key: string | null = KEYS.finance, accept = 'application/json'): Promise<{ status: number; body: any; text: string; headers: Headers }> {
  const res = await fetch(`${base}${path}`, { headers: { accept, ...(key ? { authorization: `Bearer ${key}` } : {}) } });
  const text = await res.text();
  return { status: res.status, body: res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : undefined, text, headers: res.headers };
}

/** RFC 4180, enough for what the api writes. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += c;
  }
  return rows;
}

const asCell = (value: unknown) => (value === null || value === undefined ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value));

const FINANCE_PATHS = ['/v1/finance/accounts', '/v1/finance/balances', '/v1/finance/journal', '/v1/finance/payments', '/v1/finance/summary/daily'];

describe('finance api', () => {
  it('needs a finance or ops key: 401 without one, 403 with a merchant key', async () => {
    for (const path of FINANCE_PATHS) {
      expect((await get(path, null)).status).toBe(401);
      expect((await get(path, 'not-a-key-at-all-000000')).status).toBe(401);
      const merchant = await get(path, KEYS.merchant);
      expect(merchant.status).toBe(403);
      expect(merchant.body.error.code).toBe('AUTH.FORBIDDEN');
      expect((await get(path, KEYS.finance)).status).toBe(200);
      expect((await get(path, KEYS.ops)).status).toBe(200);
    }
    const rebuildWithFinance = await fetch(`${base}/v1/ops/projections/daily-summary/rebuild`, { method: 'POST', headers: { authorization: `Bearer ${KEYS.finance}` } });
    expect(rebuildWithFinance.status).toBe(403);
  });

  it('answers balances, as of now and as of a moment, that sum to zero per currency', async () => {
    const now = await get('/v1/finance/balances');
    const row = (account: string, currency: string) => now.body.data.find((b: any) => b.account === account && b.currency === currency)?.balanceMinor;
    expect(row('gateway:mispay:clearing', 'SAR')).toBe('20500');
    expect(row('gateway:mocasa:clearing', 'PHP')).toBe('-10000');
    expect(row('payouts:mocasa', 'PHP')).toBe('10000');
    expect(row('suspense:reconciliation', 'IRR')).toBe('2000');
    expect(row('gateway:jibit:clearing', 'IRR')).toBe('1198000');
    expect(now.body.asOf).toBeNull();
    const early = await get('/v1/finance/balances?asOf=2001-01-01T00:00:00Z');
    expect(early.body).toEqual({ asOf: '2001-01-01T00:00:00.000Z', data: [] });
    const later = await get(`/v1/finance/balances?asOf=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`);
    expect(later.body.data.map((b: any) => b.balanceMinor)).toEqual(now.body.data.map((b: any) => b.balanceMinor));
  });

  it('refuses bad filters with 400 REQUEST.INVALID naming each field', async () => {
    const cases: Array<[string, string[]]> = [
      ['/v1/finance/journal?limit=501', ['limit']],
      ['/v1/finance/journal?limit=0&account=cash:drawer', ['limit', 'account']],
      ['/v1/finance/balances?asOf=yesterday', ['asOf']],
      ['/v1/finance/payments?gateway=paypal&status=done&gatway=jibit', ['gateway', 'status', 'gatway']],
      ['/v1/finance/payments?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z', ['from']],
      ['/v1/finance/summary/daily?from=2026-13-01', ['from']],
      ['/v1/finance/journal?cursor=bm90LWEtY3Vyc29y', ['cursor']],
      ['/v1/finance/payments?limit=5&limit=6', ['limit']],
      ['/v1/finance/payments/has%20space/events', ['id']],
    ];
    for (const [path, fields] of cases) {
      const res = await get(path);
      expect({ path, status: res.status, code: res.body.error.code }).toEqual({ path, status: 400, code: 'REQUEST.INVALID' });
      expect(res.body.error.details.fields.map((f: any) => f.field).sort()).toEqual([...fields].sort());
    }
    // A cursor of one list is refused by another.
    const journal = await get('/v1/finance/journal?limit=1');
    expect((await get(`/v1/finance/payments?cursor=${journal.body.nextCursor}`)).status).toBe(400);
  });

  it('pages with a cursor that stays stable while new entries arrive: nothing skipped, nothing twice', async () => {
    const seenEntries: string[] = [];
    const seenPayments: string[] = [];
    let journalCursor: string | null = null;
    let paymentsCursor: string | null = null;
    const firstJournal = await get('/v1/finance/journal?limit=3');
    seenEntries.push(...firstJournal.body.data.map((e: any) => e.entryId));
    journalCursor = firstJournal.body.nextCursor;
    expect(firstJournal.headers.get('x-next-cursor')).toBe(journalCursor);
    const firstPayments = await get('/v1/finance/payments?limit=2');
    seenPayments.push(...firstPayments.body.data.map((p: any) => p.id));
    paymentsCursor = firstPayments.body.nextCursor;

    // New money arrives between pages.
    const added = [await driver.pay('mispay', 700), await driver.pay('jibit', 80_000)];
    await driver.refund(added[0], 200);
    await drainAll(db.pool, runners);

    for (let page = 0; journalCursor && page < 50; page++) {
      const next = await get(`/v1/finance/journal?limit=3&cursor=${journalCursor}`);
      seenEntries.push(...next.body.data.map((e: any) => e.entryId));
      journalCursor = next.body.nextCursor;
    }
    for (let page = 0; paymentsCursor && page < 50; page++) {
      const next = await get(`/v1/finance/payments?limit=2&cursor=${paymentsCursor}`);
      seenPayments.push(...next.body.data.map((p: any) => p.id));
      paymentsCursor = next.body.nextCursor;
    }
    const allEntries = (await get('/v1/finance/journal?limit=500')).body.data.map((e: any) => e.entryId);
    const allPayments = (await get('/v1/finance/payments?limit=500')).body.data.map((p: any) => p.id);
    expect(seenEntries).toEqual(allEntries);
    expect(seenPayments).toEqual(allPayments);
    expect(allPayments.slice(-2)).toEqual(added);
    expect(new Set(seenEntries).size).toBe(seenEntries.length);
  });

  it('returns the same rows as CSV when asked for text/csv', async () => {
    const lists: Array<{ path: string; columns: string[]; rows: (body: any) => Array<Record<string, unknown>> }> = [
      { path: '/v1/finance/accounts', columns: ['account', 'type', 'normalSide', 'gateway', 'description', 'currencies'], rows: (b) => b.data },
      { path: '/v1/finance/balances', columns: ['account', 'type', 'normalSide', 'gateway', 'currency', 'balanceMinor', 'lastBookedAt', 'lastPosition'], rows: (b) => b.data },
      {
        path: '/v1/finance/journal?limit=4',
        columns: ['entryId', 'kind', 'eventType', 'streamId', 'position', 'paymentId', 'refundId', 'payoutId', 'gateway', 'description', 'reversesEntryId', 'occurredAt', 'recordedAt', 'bookedAt', 'lineNo', 'account', 'currency', 'debitMinor', 'creditMinor', 'balanceAfterMinor'],
        rows: (b) => b.data.flatMap(({ lines, ...entry }: any) => lines.map((line: any) => ({ ...entry, ...line }))),
      },
      { path: '/v1/finance/payments?status=refunded', columns: ['id', 'gateway', 'orderId', 'status', 'amountMinor', 'currency', 'capturedMinor', 'refundedMinor', 'reference', 'attempts', 'refunds', 'failureReason', 'review', 'createdAt', 'updatedAt', 'succeededAt', 'version'], rows: (b) => b.data },
      { path: '/v1/finance/summary/daily', columns: ['day', 'gateway', 'currency', 'paymentsCount', 'grossMinor', 'refundsCount', 'refundsMinor', 'netMinor'], rows: (b) => b.data },
    ];
    for (const list of lists) {
      const json = await get(list.path);
      const csv = await get(list.path, KEYS.finance, 'text/csv');
      expect(csv.headers.get('content-type')).toContain('text/csv');
      const [header, ...rows] = parseCsv(csv.text);
      expect(header).toEqual(list.columns);
      const expected = list.rows(json.body).map((r) => list.columns.map((c) => asCell(r[c])));
      expect(rows).toEqual(expected);
      expect(rows.length).toBeGreaterThan(0);
      expect(csv.headers.get('x-next-cursor')).toBe(json.headers.get('x-next-cursor'));
    }
    const refunded = parseCsv((await get('/v1/finance/payments?status=refunded', KEYS.finance, 'text/csv')).text);
    expect(refunded.slice(1).every((r) => r[3] === 'refunded')).toBe(true);
  });

  it("gives a payment's whole timeline in stream order, redacted as stored, and 404 for an unknown payment", async () => {
    const payments = (await get('/v1/finance/payments?gateway=mispay&limit=1')).body.data;
    const id = payments[0].id;
    const stored = await store.readStream(`payment-${id}`);
    const timeline = await get(`/v1/finance/payments/${id}/events?limit=4`);
    expect(timeline.body.data.map((e: any) => e.streamVersion)).toEqual([1, 2, 3, 4]);
    let all = [...timeline.body.data];
    let cursor = timeline.body.nextCursor;
    for (let page = 0; cursor && page < 20; page++) {
      const next = await get(`/v1/finance/payments/${id}/events?limit=4&cursor=${cursor}`);
      all = all.concat(next.body.data);
      cursor = next.body.nextCursor;
    }
    expect(all.map((e) => e.eventId)).toEqual(stored.map((e) => e.eventId));
    expect(all.map((e) => e.type)).toEqual(expect.arrayContaining(['PaymentInitiated', 'GatewayRequestSent', 'GatewayResponseReceived', 'PaymentSucceeded', 'RefundRequested', 'RefundSucceeded']));
    const request = all.find((e) => e.type === 'GatewayRequestSent');
    expect(request.data.body.apiKey).toBe('[REDACTED]');
    expect(JSON.stringify(all)).not.toContain('must-not-survive-redaction');

    const missing = await get('/v1/finance/payments/pay_nothing_here/events');
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('PAYMENT.NOT_FOUND');
  });

  it('lets ops rebuild a projection over HTTP and follow it to completion', async () => {
    const before = (await get('/v1/finance/summary/daily')).body.data;
    const started = await fetch(`${base}/v1/ops/projections/daily-summary/rebuild`, { method: 'POST', headers: { authorization: `Bearer ${KEYS.ops}` } });
    expect(started.status).toBe(202);
    expect(await started.json()).toMatchObject({ name: 'daily-summary', state: 'running' });
    let state = '';
    for (let poll = 0; poll < 100 && state !== 'completed'; poll++) {
      const status = await get('/v1/ops/projections/daily-summary', KEYS.ops);
      state = status.body.rebuild.state;
      if (state === 'failed') throw new Error(status.body.rebuild.error);
      if (state !== 'completed') await new Promise((r) => setTimeout(r, 50));
    }
    expect(state).toBe('completed');
    await drainAll(db.pool, runners);
    expect((await get('/v1/finance/summary/daily')).body.data).toEqual(before);
    const unknown = await fetch(`${base}/v1/ops/projections/nope/rebuild`, { method: 'POST', headers: { authorization: `Bearer ${KEYS.ops}` } });
    expect(unknown.status).toBe(404);
    const list = await get('/v1/ops/projections', KEYS.ops);
    expect(list.body.data.map((p: any) => p.name)).toEqual(['ledger-journal', 'payments-view', 'daily-summary']);
  });

  it('documents the finance routes in the OpenAPI document with examples', async () => {
    const doc = (await get('/docs-json', null)).body;
    for (const path of ['/v1/finance/accounts', '/v1/finance/balances', '/v1/finance/journal', '/v1/finance/payments', '/v1/finance/payments/{id}/events', '/v1/finance/summary/daily']) {
      expect(doc.paths[path]?.get?.tags).toEqual(['finance']);
      expect(JSON.stringify(doc.paths[path].get.responses['200'])).toContain('example');
    }
    expect(doc.paths['/v1/ops/projections/{name}/rebuild']?.post).toBeDefined();
  });
});
