import type { INestApplication } from '@nestjs/common';
import { AppConfig, loadConfig } from '@payledger/config';
import { EventStore, RecordedEvent } from '@payledger/event-store';
import { createGatewayAdapters, GatewayName, GatewayPort, SessionEventSink } from '@payledger/gateways';
import { Clock } from '@payledger/kernel';
import { EventStoreSessionSink, paymentStreamId } from '@payledger/payments';
import { createApiApp } from '../../apps/api/src/api.app';
import { SIMULATORS } from '../../apps/sandbox/src/simulators';
import { createTestDatabase, TestDatabase } from './database';
import { freePort } from './free-port';
import { startTestSandbox, TestSandbox } from './sandbox';

export const TEST_KEYS = { merchant: 'pl_merchant_test_key_0000000000000001', finance: 'pl_finance_test_key_00000000000000001', ops: 'pl_ops_test_key_000000000000000000001' };

/** Short per-operation timeouts, so a `timeout` fault costs under a second (names as each adapter uses them). */
export const E2E_TIMEOUTS_MS: Record<string, number> = {
  'tokens-generate': 1500,
  'tokens-refresh': 1500,
  'create-order': 800,
  verify: 800,
  inquiry: 800,
  'list-orders': 1500,
  'get-token': 800,
  'verify-payment': 800,
  token: 3000,
  'start-checkout': 1000,
  'get-checkout': 3000,
  'track-checkout': 1000,
  'end-checkout': 1000,
  refund: 1000,
  'update-order-id': 1000,
  'initiate-transfer': 800,
  'refund-order': 800,
  'query-order': 800,
  'query-transfer': 800,
  // Al Qaseh's operations (its default is 30 s a request, and a re-query is tried four times).
  create: 1000,
  'get-payment': 1500,
  history: 1000,
  revoke: 1000,
};

/** The sandbox's clock as payledger's Clock: tests move time for gateways and payledger together. */
export class SandboxBackedClock extends Clock {
  constructor(private readonly sandbox: TestSandbox) {
    super();
  }
  now(): Date {
    return this.sandbox.clock.now();
  }
}

export interface PayledgerHarness {
  api: INestApplication;
  url: string;
  sandbox: TestSandbox;
  db: TestDatabase;
  config: AppConfig;
  store: EventStore;
  adapters: Record<GatewayName, GatewayPort>;
  /** An authenticated JSON request to the api. */
  call(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: any; headers: Headers }>;
  events(paymentId: string): Promise<RecordedEvent[]>;
  types(paymentId: string): Promise<string[]>;
  close(): Promise<void>;
}

/**
 * payledger's api on a real PostgreSQL, with every gateway pointed at a sandbox whose callbacks and
 * webhooks come back to the api over HTTP — the whole product minus the worker.
 */
export async function startPayledger(options: { env?: Record<string, string> } = {}): Promise<PayledgerHarness> {
  const db = await createTestDatabase(20);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const sandbox = await startTestSandbox({ simulators: SIMULATORS, merchantBaseUrl: url });
  const config = loadConfig({
    PORT: String(port),
    DATABASE_URL: db.url,
    SANDBOX_BASE_URL: sandbox.url,
    PUBLIC_BASE_URL: url,
    API_KEYS: `merchant:${TEST_KEYS.merchant},finance:${TEST_KEYS.finance},ops:${TEST_KEYS.ops}`,
    LOG_LEVEL: 'error',
    ...options.env,
  });
  const clock = new SandboxBackedClock(sandbox);
  // Token issues go to `gateway-session-<gateway>` as in production; the store exists once the api does.
  const session: { store?: EventStore } = {};
  const sessionSink: SessionEventSink = { record: (gateway, events) => new EventStoreSessionSink(session.store!).record(gateway, events) };
  const adapters = createGatewayAdapters({ config: config.gateways, publicBaseUrl: url, now: () => clock.now(), sleep: async () => undefined, timeoutsMs: E2E_TIMEOUTS_MS, sessionSink });
  const api = await createApiApp({ config, database: db, payments: { gateways: adapters, clock } }, false);
  await api.listen(port, '127.0.0.1');
  const store = api.get(EventStore);
  session.store = store;
  const call: PayledgerHarness['call'] = async (method, path, body, headers = {}) => {
    const response = await fetch(`${url}${path}`, {
      method,
      redirect: 'manual',
      headers: { authorization: `Bearer ${TEST_KEYS.merchant}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: keep the text
    }
    return { status: response.status, body: parsed, headers: response.headers };
  };
  return {
    api,
    url,
    sandbox,
    db,
    config,
    store,
    adapters,
    call,
    events: (paymentId) => store.readStream(paymentStreamId(paymentId)),
    async types(paymentId) {
      return (await store.readStream(paymentStreamId(paymentId))).map((e) => e.type);
    },
    async close() {
      await api.close();
      await sandbox.close();
      await db.drop();
    },
  };
}

let orderCounter = 0;
export function nextOrderId(prefix = 'ORD'): string {
  orderCounter += 1;
  return `${prefix}-${Date.now().toString(36)}-${orderCounter}`;
}

export function idempotencyKey(): string {
  return `idem-${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}

/** The buyer's browser: opens the gateway's page (GET or auto-submitted form) and returns the response without following redirects. */
export async function openRedirect(redirect: { method: string; url: string; fields?: Record<string, string> }, action?: string): Promise<Response> {
  if (redirect.method === 'POST') {
    return fetch(redirect.url, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' }, body: new URLSearchParams({ ...(redirect.fields ?? {}), ...(action ? { action } : {}) }).toString() });
  }
  const target = action ? `${redirect.url}${redirect.url.includes('?') ? '&' : '?'}action=${action}` : redirect.url;
  return fetch(target, { redirect: 'manual', headers: { accept: 'text/html' } });
}

/** Follows a 302/303 from the gateway back to our callback route and returns payledger's answer. */
export async function followToPayledger(response: Response): Promise<Response> {
  const location = response.headers.get('location');
  if (!location || (response.status !== 302 && response.status !== 303)) throw new Error(`expected a redirect back to payledger, got ${response.status}: ${await response.text()}`);
  await response.text();
  return fetch(location, { redirect: 'manual' });
}
