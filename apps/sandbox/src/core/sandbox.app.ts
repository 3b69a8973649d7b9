import * as http from 'node:http';
import express, { NextFunction, Request, Response } from 'express';
import { GATEWAY_NAMES, GatewayName, isGatewayName } from '@payledger/gateways';
import { COMMON_FAULT_KINDS, FaultInjector } from './fault-injector';
import { deliver } from './outbound';
import { RequestLog } from './request-log';
import { SandboxClock } from './sandbox-clock';
import { ScenarioBook } from './scenario-book';
import { SeededRandom } from './seeded-random';
import { GatewaySimulator, SimulatorContext, SimulatorFactory } from './simulator';

export interface SandboxOptions {
  /** The sandbox's own public base URL; default `http://localhost:<port>` once listening. */
  sandboxBaseUrl: string;
  /** payledger's PUBLIC_BASE_URL. */
  merchantBaseUrl: string;
  simulators: Partial<Record<GatewayName, SimulatorFactory>>;
  credentials?: Partial<Record<GatewayName, Record<string, string>>>;
  options?: Partial<Record<GatewayName, Record<string, unknown>>>;
  seed?: string;
  /** Tests freeze the clock so nothing expires while they look; `npm start` lets it run with wall time. */
  clock?: SandboxClock;
}

export interface Sandbox {
  app: express.Express;
  clock: SandboxClock;
  contexts: Partial<Record<GatewayName, SimulatorContext>>;
  simulators: Partial<Record<GatewayName, GatewaySimulator>>;
  log: RequestLog;
  reset(seed?: string): void;
  listen(port: number, host?: string): Promise<{ server: http.Server; port: number; url: string }>;
}

const BODY_LIMIT = '1mb';

export function createSandbox(options: SandboxOptions): Sandbox {
  const clock = options.clock ?? new SandboxClock();
  const random = new SeededRandom(options.seed);
  const log = new RequestLog();
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  const contexts: Partial<Record<GatewayName, SimulatorContext>> = {};
  const simulators: Partial<Record<GatewayName, GatewaySimulator>> = {};

  app.use('/_sandbox', express.json({ limit: BODY_LIMIT }), controls());

  for (const gateway of GATEWAY_NAMES) {
    const factory = options.simulators[gateway];
    if (!factory) continue;
    const ctx: SimulatorContext = {
      gateway,
      clock,
      random,
      log,
      scenarios: new ScenarioBook(),
      faults: new FaultInjector(),
      sandboxBaseUrl: options.sandboxBaseUrl,
      merchantBaseUrl: options.merchantBaseUrl,
      credentials: { ...(options.credentials?.[gateway] ?? {}) },
      options: { ...(options.options?.[gateway] ?? {}) },
      deliver: (delivery) => deliver(log, { ...delivery, gateway }, () => clock.now()),
    };
    contexts[gateway] = ctx;
    const simulator = factory(ctx);
    simulators[gateway] = simulator;
    app.use(`/${gateway}`, express.text({ type: () => true, limit: BODY_LIMIT }), logInbound(gateway), simulator.router);
  }

  app.get('/', (_req, res) => {
    res.type('html').send(indexPage(Object.keys(simulators) as GatewayName[]));
  });

  // Unparseable control bodies and the like: JSON errors, never an HTML stack page.
  app.use((error: Error & { status?: number; type?: string }, _req: Request, res: Response, _next: NextFunction) => {
    const status = error.status && error.status >= 400 && error.status < 600 ? error.status : 500;
    res.status(status).json({ error: { code: status < 500 ? 'SANDBOX.BAD_REQUEST' : 'SANDBOX.INTERNAL', message: error.message } });
  });

  function logInbound(gateway: GatewayName) {
    return (req: Request, res: Response, next: NextFunction) => {
      const started = Date.now();
      res.on('finish', () => {
        log.add({
          at: clock.now().toISOString(),
          gateway,
          direction: 'in',
          method: req.method,
          path: req.originalUrl,
          headers: pickHeaders(req.headers),
          body: typeof req.body === 'string' && req.body.length > 0 ? req.body : undefined,
          status: res.statusCode,
          latencyMs: Date.now() - started,
        });
      });
      next();
    };
  }

  function controls() {
    const router = express.Router();
    const withGateway = (req: Request, res: Response): { ctx: SimulatorContext; simulator: GatewaySimulator } | undefined => {
      const gateway = String(req.params.gateway);
      if (!isGatewayName(gateway) || !contexts[gateway]) {
        res.status(404).json({ error: { code: 'SANDBOX.UNKNOWN_GATEWAY', message: `no simulator named ${gateway}`, details: { gateways: Object.keys(contexts) } } });
        return undefined;
      }
      return { ctx: contexts[gateway]!, simulator: simulators[gateway]! };
    };

    router.get('/', (_req, res) => {
      res.json({
        gateways: Object.keys(contexts),
        now: clock.now().toISOString(),
        seeded: random.seeded,
        credentials: Object.fromEntries(Object.entries(contexts).map(([g, c]) => [g, c!.credentials])),
      });
    });
    router.post('/:gateway/scenarios', (req, res) => {
      const found = withGateway(req, res);
      if (!found) return;
      const scenario = req.body as Record<string, unknown>;
      if (!scenario || typeof scenario.outcome !== 'string') {
        res.status(400).json({ error: { code: 'SANDBOX.INVALID_SCENARIO', message: 'outcome (string) is required' } });
        return;
      }
      if (scenario.reference !== undefined && typeof scenario.reference !== 'string') {
        res.status(400).json({ error: { code: 'SANDBOX.INVALID_SCENARIO', message: 'reference must be a string' } });
        return;
      }
      const problem = found.simulator.validateScenario?.(scenario as never);
      if (problem) {
        res.status(400).json({ error: { code: 'SANDBOX.INVALID_SCENARIO', message: problem } });
        return;
      }
      found.ctx.scenarios.add(scenario as never);
      res.status(201).json({ queued: scenario, scenarios: found.ctx.scenarios.list() });
    });
    router.post('/:gateway/faults', (req, res) => {
      const found = withGateway(req, res);
      if (!found) return;
      const fault = req.body as Record<string, unknown>;
      if (!fault || typeof fault.endpoint !== 'string' || typeof fault.kind !== 'string') {
        res.status(400).json({ error: { code: 'SANDBOX.INVALID_FAULT', message: 'endpoint and kind (strings) are required', details: { commonKinds: COMMON_FAULT_KINDS } } });
        return;
      }
      found.ctx.faults.add({ ...fault, endpoint: fault.endpoint, kind: fault.kind, count: Number(fault.count ?? 1) });
      res.status(201).json({ faults: found.ctx.faults.list() });
    });
    router.post('/:gateway/options', (req, res) => {
      const found = withGateway(req, res);
      if (!found) return;
      Object.assign(found.ctx.options, req.body ?? {});
      res.json({ options: found.ctx.options });
    });
    router.get('/:gateway/state', (req, res) => {
      const found = withGateway(req, res);
      if (!found) return;
      res.json({
        gateway: found.ctx.gateway,
        now: clock.now().toISOString(),
        state: found.simulator.state(),
        scenarios: found.ctx.scenarios.list(),
        faults: found.ctx.faults.list(),
        options: found.ctx.options,
      });
    });
    router.get('/requests', (req, res) => {
      const gateway = typeof req.query.gateway === 'string' ? req.query.gateway : undefined;
      const direction = req.query.direction === 'in' || req.query.direction === 'out' ? req.query.direction : undefined;
      const path = typeof req.query.path === 'string' ? req.query.path : undefined;
      res.json({ requests: log.list({ gateway, direction, path }) });
    });
    router.post('/reset', (req, res) => {
      reset(typeof req.body?.seed === 'string' ? req.body.seed : undefined);
      res.json({ reset: true, now: clock.now().toISOString() });
    });
    router.get('/clock', (_req, res) => {
      res.json({ now: clock.now().toISOString(), pending: clock.pending() });
    });
    router.post('/clock', async (req, res) => {
      const advanceMs = Number(req.body?.advanceMs);
      if (!Number.isFinite(advanceMs) || advanceMs < 0) {
        res.status(400).json({ error: { code: 'SANDBOX.INVALID_CLOCK', message: 'advanceMs must be a non-negative number' } });
        return;
      }
      const fired = await clock.advance(advanceMs);
      res.json({ now: clock.now().toISOString(), fired });
    });
    return router;
  }

  function reset(seed?: string): void {
    clock.reset();
    random.reseed(seed ?? options.seed);
    log.reset();
    for (const gateway of Object.keys(contexts) as GatewayName[]) {
      contexts[gateway]!.scenarios.reset();
      contexts[gateway]!.faults.reset();
      simulators[gateway]!.reset();
    }
  }

  return {
    app,
    clock,
    contexts,
    simulators,
    log,
    reset,
    listen(port: number, host = '127.0.0.1') {
      return new Promise((resolve, reject) => {
        const server = http.createServer(app);
        server.once('error', reject);
        server.listen(port, host, () => {
          const address = server.address() as { port: number };
          resolve({ server, port: address.port, url: `http://${host === '0.0.0.0' ? 'localhost' : host}:${address.port}` });
        });
      });
    },
  };
}

function pickHeaders(headers: Request['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of ['content-type', 'accept', 'x-app-id', 'signature', 'user-agent']) {
    const value = headers[name];
    if (typeof value === 'string') out[name] = value;
  }
  if (headers.authorization) out.authorization = `${String(headers.authorization).split(' ')[0]} [redacted]`;
  return out;
}

function indexPage(gateways: GatewayName[]): string {
  const items = gateways.map((g) => `<li><code>/${g}</code> — <a href="/_sandbox/${g}/state">state</a></li>`).join('');
  return `<!doctype html><html><head><meta charset="utf-8"><title>payledger sandbox</title></head><body>
<h1>payledger gateway sandbox</h1><p>Simulators of the gateways payledger supports. State is kept in memory.</p>
<ul>${items}</ul><p>Controls: <code>/_sandbox</code> (scenarios, faults, clock, requests, reset).</p></body></html>`;
}
