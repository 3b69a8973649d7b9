import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { GatewayName, InboundRequest } from '@payledger/gateways';
import { createSandbox, Sandbox, SandboxClock, SimulatorFactory } from '../../apps/sandbox/src/core';
import { freePort } from './free-port';

export interface TestSandbox {
  sandbox: Sandbox;
  url: string;
  clock: SandboxClock;
  /** POST/GET a /_sandbox control and return the JSON answer. */
  control(method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
}

/**
 * A sandbox on a random loopback port with a frozen clock (nothing expires unless the test advances it).
 * `merchantBaseUrl` is where callbacks and webhooks go: a CaptureServer in adapter tests, the api in e2e.
 */
export async function startTestSandbox(options: {
  simulators: Partial<Record<GatewayName, SimulatorFactory>>;
  merchantBaseUrl: string;
  credentials?: Partial<Record<GatewayName, Record<string, string>>>;
  options?: Partial<Record<GatewayName, Record<string, unknown>>>;
  seed?: string;
  startAt?: Date;
}): Promise<TestSandbox> {
  const clock = new SandboxClock({ startAt: options.startAt ?? new Date('2026-03-01T09:00:00.000Z'), frozen: true });
  // The base URL must be known before listening: reserve a port first.
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const sandbox = createSandbox({
    sandboxBaseUrl: url,
    merchantBaseUrl: options.merchantBaseUrl,
    simulators: options.simulators,
    credentials: options.credentials,
    options: options.options,
    seed: options.seed,
    clock,
  });
  const { server } = await sandbox.listen(port, '127.0.0.1');
  return {
    sandbox,
    url,
    clock,
    async control(method, path, body) {
      const response = await fetch(`${url}/_sandbox${path}`, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: response.status, body: await response.json() };
    },
    close: () => closeServer(server),
  };
}

export interface CapturedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string | undefined>;
  rawBody: string;
  sourceIp?: string;
  receivedAt: Date;
}

/** Stands in for payledger's /callbacks and /webhooks routes in adapter tests: records what arrives. */
export interface CaptureServer {
  url: string;
  requests: CapturedRequest[];
  /** Status answered to the next requests (default 200). */
  respondWith(status: number): void;
  waitFor(count: number, timeoutMs?: number): Promise<CapturedRequest[]>;
  close(): Promise<void>;
}

export async function startCaptureServer(): Promise<CaptureServer> {
  const requests: CapturedRequest[] = [];
  let status = 200;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const parsed = new URL(req.url ?? '/', 'http://capture');
      requests.push({
        method: req.method ?? 'GET',
        path: parsed.pathname,
        query: Object.fromEntries(parsed.searchParams.entries()),
        headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : v])),
        rawBody: Buffer.concat(chunks).toString('utf8'),
        sourceIp: req.socket.remoteAddress,
        receivedAt: new Date(),
      });
      res.writeHead(status, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    respondWith(next) {
      status = next;
    },
    async waitFor(count, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      while (requests.length < count) {
        if (Date.now() > deadline) throw new Error(`expected ${count} captured requests, got ${requests.length}`);
        await new Promise((r) => setTimeout(r, 10));
      }
      return requests.slice(0, count);
    },
    close: () => closeServer(server),
  };
}

/** A captured (or constructed) HTTP request as the api would hand it to GatewayPort.parseInbound. */
export function toInbound(kind: 'return' | 'webhook', captured: Omit<CapturedRequest, 'path'> & { path?: string }): InboundRequest {
  const contentType = captured.headers['content-type'] ?? '';
  let body: unknown;
  if (captured.rawBody) {
    if (contentType.includes('application/json')) {
      try {
        body = JSON.parse(captured.rawBody);
      } catch {
        body = undefined;
      }
    } else if (contentType.includes('application/x-www-form-urlencoded')) {
      body = Object.fromEntries(new URLSearchParams(captured.rawBody).entries());
    }
  }
  return {
    kind,
    method: captured.method,
    headers: captured.headers,
    query: captured.query,
    body,
    rawBody: captured.rawBody,
    sourceIp: captured.sourceIp,
    receivedAt: captured.receivedAt,
  };
}

/** Follows a browser redirect without a network hop: the Location of a 302/303 as a captured GET. */
export function redirectAsCaptured(location: string): CapturedRequest {
  const parsed = new URL(location);
  return {
    method: 'GET',
    path: parsed.pathname,
    query: Object.fromEntries(parsed.searchParams.entries()),
    headers: {},
    rawBody: '',
    sourceIp: '127.0.0.1',
    receivedAt: new Date(),
  };
}


function closeServer(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}
