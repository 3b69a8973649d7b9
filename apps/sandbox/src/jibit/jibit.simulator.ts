import express, { Request, Response } from 'express';
import { SANDBOX_CREDENTIALS } from '@payledger/config';
import { DeliveryResult, GatewaySimulator, SimulatorContext, SimulatorFactory } from '../core';
import {
  applyBuyerAction,
  BUYER_ACTIONS,
  BuyerAction,
  CallbackState,
  callbackAmountRials,
  callbackLocation,
  inquiryView,
  isPayable,
  JIBIT_SIM_ORDER_STATUSES,
  JibitSimOrder,
  JibitSimOrderStatus,
  newOrder,
  settleDue,
  verifyOrder,
} from './jibit-order.state-machine';
import { validateCreateOrder } from './jibit-order.validation';
import { messagePage, paymentPage } from './jibit-payment.page';
import { JIBIT_SIM_CODES, sendJibitError } from './jibit-sandbox.errors';
import { JibitTokenRegistry } from './jibit-token.registry';
import { buyerActionFor, CallbackMode, JibitScenario, validateJibitScenario } from './jibit.scenario';

/** Everything Jibit serves lives under this path below the sandbox's `/jibit` prefix (design/API.md). */
export const JIBIT_API_PATH = '/ppg/v2';

/** Endpoint names for `POST /_sandbox/jibit/faults { endpoint, kind, count }`. */
export const JIBIT_SIM_ENDPOINTS = {
  generateToken: 'tokens-generate',
  refreshToken: 'tokens-refresh',
  createOrder: 'orders-create',
  listOrders: 'orders-list',
  inquiry: 'orders-inquiry',
  verify: 'orders-verify',
  paymentPage: 'payments',
} as const;

/**
 * Fault kinds this simulator adds to the common ones (5xx, timeout, slow, drop, commit-then-drop):
 * - `auth`: 401 `token.verification.failed`, whatever token was sent (D4);
 * - `html`: a 502 HTML page, as a proxy in front of Jibit would answer;
 * - `garbage`: 200 with a body that is not JSON;
 * - `empty`: 200 with an empty body;
 * - `unknown-status`: verify answers `Pending`, inquiry `REVERSED` (statuses no document lists);
 * - `commit-then-timeout`: do the work, then hold the reply until the client gives up.
 */
export const JIBIT_SIM_FAULT_KINDS = ['auth', 'html', 'garbage', 'empty', 'unknown-status', 'commit-then-timeout'] as const;

/** Switches for `POST /_sandbox/jibit/options`; read on every request, so a change applies at once. */
export interface JibitSimulatorOptions {
  accessTokenTtlMs: number;
  refreshTokenTtlMs: number;
  /** Generating a pair kills every earlier pair (exercises D4). */
  invalidateOnGenerate: boolean;
  channelActive: boolean;
  merchantActive: boolean;
  amountMax: number;
  /** The verify deadline after creation (§5). */
  expiryMs: number;
  /** How long an unknown-then-* order stays UNKNOWN after verify. */
  resolveAfterMs: number;
  listSizeMax: number;
  listSizeDefault: number;
  /** The document's spelling of the count is `numberOfElemnts`; v3 spells it right. */
  listCountField: 'numberOfElements' | 'numberOfElemnts';
  callbackMode: CallbackMode;
}

const MINUTE_MS = 60_000;
export const JIBIT_SIM_DEFAULTS: JibitSimulatorOptions = {
  accessTokenTtlMs: 24 * 60 * MINUTE_MS,
  refreshTokenTtlMs: 48 * 60 * MINUTE_MS,
  invalidateOnGenerate: false,
  channelActive: true,
  merchantActive: true,
  amountMax: 2_000_000_000,
  expiryMs: 15 * MINUTE_MS,
  resolveAfterMs: 5 * MINUTE_MS,
  listSizeMax: 1000,
  listSizeDefault: 20,
  listCountField: 'numberOfElements',
  callbackMode: 'browser',
};

/** Oldest orders are forgotten beyond this; a sandbox never needs more. */
export const ORDERS_MAX = 100_000;
const ORDER_ID_LENGTH = 8;
const ORDER_ID_DRAWS_MAX = 20;
const COMMIT_HOLD_DEFAULT_MS = 120_000;
const COMMIT_HOLD_MAX_MS = 600_000;

type Handler = (req: Request, res: Response, params: { id?: string }) => void | Promise<void>;
interface Route {
  endpoint: string;
  /** False for the token endpoints and the buyer's page. */
  authenticated: boolean;
  /** False for the HTML buyer page. */
  api: boolean;
  methods: Partial<Record<string, Handler>>;
}

/**
 * Jibit PPG v2 simulator (shared/gateways/jibit.md §7).
 *
 * Automated-buyer convention: when an order has a scenario (set for its `referenceNumber` or queued for
 * the next order, before or after creation), a GET of its switching URL performs the scenario's buyer
 * action at once — pay, cancel, fail; `timeout` abandons — and answers as the buyer's return would: a
 * 302 to the callback (browser mode) or a small HTML page after the simulator itself sent the callback
 * (direct mode). Without a scenario the page shows Pay / Cancel / Fail / Abandon buttons; `?action=pay`
 * on the GET does the same as the button.
 */
export const createJibitSimulator: SimulatorFactory = (ctx: SimulatorContext): GatewaySimulator => {
  const orders = new Map<string, JibitSimOrder>();
  const orderIdByReference = new Map<string, string>();
  const tokens = new JibitTokenRegistry((length) => ctx.random.alnum(length));
  const scheduled = new Set<number>();
  const credentials = () => ({
    apiKey: ctx.credentials.apiKey ?? SANDBOX_CREDENTIALS.jibit.apiKey,
    secretKey: ctx.credentials.secretKey ?? SANDBOX_CREDENTIALS.jibit.secretKey,
  });
  const option = <K extends keyof JibitSimulatorOptions>(key: K): JibitSimulatorOptions[K] => {
    const value = ctx.options[key];
    const fallback = JIBIT_SIM_DEFAULTS[key];
    return (typeof value === typeof fallback ? value : fallback) as JibitSimulatorOptions[K];
  };
  const nowMs = () => ctx.clock.nowMs();
  const apiBaseUrl = () => `${ctx.sandboxBaseUrl}/${ctx.gateway}${JIBIT_API_PATH}`;
  const fail = (res: Response, status: number, codes: string | readonly string[]) => sendJibitError(res, ctx.random, status, codes);
  const tokenTtl = () => ({ accessMs: option('accessTokenTtlMs'), refreshMs: option('refreshTokenTtlMs') });

  const schedule = (atMs: number, label: string, run: () => void | Promise<void>) => {
    const id = ctx.clock.schedule(atMs, label, async () => {
      scheduled.delete(id);
      await run();
    });
    scheduled.add(id);
  };

  // ---- tokens (§3.2, §3.3)

  const generateToken: Handler = (req, res) => {
    const body = readJsonBody(req, res);
    if (body === undefined) return;
    // D2: the older samples' {merchantCode, password} mean the same as {apiKey, secretKey}.
    const apiKey = body.apiKey ?? body.merchantCode;
    const secretKey = body.secretKey ?? body.password;
    if ((apiKey != null && typeof apiKey !== 'string') || (secretKey != null && typeof secretKey !== 'string')) {
      return fail(res, 400, JIBIT_SIM_CODES.typeMismatch);
    }
    const missing = [
      ...(apiKey ? [] : [JIBIT_SIM_CODES.generateApiKeyRequired]),
      ...(secretKey ? [] : [JIBIT_SIM_CODES.generateSecretKeyRequired]),
    ];
    if (missing.length > 0) return fail(res, 400, missing);
    if (!option('channelActive')) return fail(res, 401, JIBIT_SIM_CODES.channelNotActive);
    const expected = credentials();
    if (apiKey !== expected.apiKey || secretKey !== expected.secretKey) return fail(res, 401, JIBIT_SIM_CODES.tokenGenerationFailed);
    if (option('invalidateOnGenerate')) tokens.revokeAll();
    const pair = tokens.issue(nowMs(), tokenTtl());
    res.status(200).json({ accessToken: pair.accessToken, refreshToken: pair.refreshToken });
  };

  const refreshToken: Handler = (req, res) => {
    const body = readJsonBody(req, res);
    if (body === undefined) return;
    const { accessToken, refreshToken: refresh } = body;
    if ((accessToken != null && typeof accessToken !== 'string') || (refresh != null && typeof refresh !== 'string')) {
      return fail(res, 400, JIBIT_SIM_CODES.typeMismatch);
    }
    const missing = [
      ...(accessToken ? [] : [JIBIT_SIM_CODES.refreshAccessTokenRequired]),
      ...(refresh ? [] : [JIBIT_SIM_CODES.refreshRefreshTokenRequired]),
    ];
    if (missing.length > 0) return fail(res, 400, missing);
    if (!option('channelActive')) return fail(res, 401, JIBIT_SIM_CODES.channelNotActive);
    const result = tokens.refresh(accessToken as string, refresh as string, nowMs(), tokenTtl());
    if (typeof result === 'string') return fail(res, 401, JIBIT_SIM_CODES.tokenGenerationFailed);
    res.status(200).json({ accessToken: result.accessToken, refreshToken: result.refreshToken });
  };

  // ---- orders (§3.4, §3.6–§3.8)

  const createOrder: Handler = (req, res) => {
    const body = readJsonBody(req, res);
    if (body === undefined) return;
    const validation = validateCreateOrder(body, { amountMax: option('amountMax') });
    if (!validation.ok) return fail(res, 400, validation.codes);
    if (!option('merchantActive')) return fail(res, 400, JIBIT_SIM_CODES.merchantInactive);
    const fields = validation.fields;
    if (orderIdByReference.has(fields.referenceNumber)) return fail(res, 400, JIBIT_SIM_CODES.referenceNumberDuplicated);
    const orderIdentifier = drawOrderIdentifier();
    const scenario = ctx.scenarios.take(fields.referenceNumber) as JibitScenario | undefined;
    const order = newOrder(fields, orderIdentifier, nowMs(), option('expiryMs'), scenario);
    remember(order);
    schedule(order.deadlineAtMs, `jibit: deadline of order ${orderIdentifier}`, () => {
      settleDue(order, nowMs());
    });
    res.status(200).json({
      orderIdentifier,
      referenceNumber: fields.referenceNumber,
      pspSwitchingUrl: `${apiBaseUrl()}/orders/${orderIdentifier}/payments`,
    });
  };

  const listOrders: Handler = (req, res) => {
    const query = parseListQuery(req.query as Record<string, unknown>, option('listSizeDefault'), option('listSizeMax'));
    if (!query) return fail(res, 400, JIBIT_SIM_CODES.typeMismatch);
    const now = nowMs();
    const matches: JibitSimOrder[] = [];
    for (const order of orders.values()) {
      settleDue(order, now);
      if (query.status && order.status !== query.status) continue;
      if (query.fromMs !== undefined && order.createdAtMs < query.fromMs) continue;
      if (query.toMs !== undefined && order.createdAtMs >= query.toMs) continue;
      matches.push(order);
    }
    matches.sort((a, b) => a.createdAtMs - b.createdAtMs || a.orderIdentifier.localeCompare(b.orderIdentifier));
    const start = (query.page - 1) * query.size;
    const elements = matches.slice(start, start + query.size);
    const unknownStatus = faultKind(res) === 'unknown-status';
    res.status(200).json({
      pageNumber: query.page,
      size: query.size,
      [option('listCountField')]: matches.length,
      hasNext: start + query.size < matches.length,
      hasPrevious: query.page > 1,
      elements: elements.map((order) => ({ ...inquiryView(order), ...(unknownStatus ? { status: 'REVERSED' } : {}) })),
    });
  };

  const inquiry: Handler = (req, res, { id }) => {
    const order = id ? orders.get(id) : undefined;
    if (!order) return fail(res, 404, JIBIT_SIM_CODES.orderNotFound);
    settleDue(order, nowMs());
    const view = inquiryView(order);
    if (faultKind(res) === 'unknown-status') view.status = 'REVERSED';
    res.status(200).json(view);
  };

  const verify: Handler = (req, res, { id }) => {
    const order = id ? orders.get(id) : undefined;
    if (!order) return fail(res, 404, JIBIT_SIM_CODES.orderNotFound);
    const status = verifyOrder(order, nowMs(), option('resolveAfterMs'));
    if (order.status === 'UNKNOWN' && order.resolveAtMs !== undefined && status === 'Unknown' && !order.resolveScheduled) {
      order.resolveScheduled = true;
      schedule(order.resolveAtMs, `jibit: unknown order ${order.orderIdentifier} resolves`, () => {
        settleDue(order, nowMs());
      });
    }
    res.status(200).json({ status: faultKind(res) === 'unknown-status' ? 'Pending' : status });
  };

  // ---- the buyer's page (§3.5, §7)

  const paymentPageHandler: Handler = async (req, res, { id }) => {
    const order = id ? orders.get(id) : undefined;
    if (!order) {
      res.status(404).type('html').send(messagePage('Order not found', 'This payment link is not valid.'));
      return;
    }
    order.initPayerIp ??= req.ip;
    if (!order.scenario) {
      // A scenario set for this reference after the order was created still applies.
      const late = ctx.scenarios.peek(order.referenceNumber);
      if (late) order.scenario = ctx.scenarios.take(order.referenceNumber) as JibitScenario;
    }
    const requested = req.method === 'POST' ? formField(req.body, 'action') : typeof req.query.action === 'string' ? req.query.action : undefined;
    if (requested !== undefined && !(BUYER_ACTIONS as readonly string[]).includes(requested)) {
      res.status(400).type('html').send(messagePage('Unknown action', `Choose one of ${BUYER_ACTIONS.join(', ')}.`));
      return;
    }
    const now = nowMs();
    if (!isPayable(order, now)) {
      res
        .status(requested ? 409 : 200)
        .type('html')
        .send(messagePage('Order closed', `Order ${order.orderIdentifier} can no longer be paid (${order.status}${order.paid ? ', paid' : ''}).`));
      return;
    }
    const action = (requested as BuyerAction | undefined) ?? (order.scenario ? buyerActionFor(order.scenario.outcome) : undefined);
    if (!action) {
      res.status(200).type('html').send(paymentPage(order, `${apiBaseUrl()}/orders/${order.orderIdentifier}/payments`));
      return;
    }
    const state = applyBuyerAction(order, action, now, { lastFour: ctx.random.digits(4) });
    if (action === 'pay' || action === 'fail') order.redirectPayerIp = req.ip;
    if (!state) {
      res.status(200).type('html').send(messagePage('Payment abandoned', 'The buyer left the payment page; no callback follows.'));
      return;
    }
    await returnBuyer(order, state, res);
  };

  async function returnBuyer(order: JibitSimOrder, state: CallbackState, res: Response): Promise<void> {
    const location = callbackLocation(order.callbackUrl, {
      amount: String(callbackAmountRials(order)),
      refnum: order.orderIdentifier,
      state,
    });
    const scenario = order.scenario;
    if (scenario?.drop) {
      res.status(200).type('html').send(messagePage('Payment finished', 'The buyer closed the tab before returning to the merchant.'));
      return;
    }
    const mode = scenario?.callback ?? option('callbackMode');
    if (mode === 'browser') {
      res.redirect(302, location);
      return;
    }
    const repeat = scenario?.repeat ?? 1;
    const delayMs = scenario?.delayMs ?? 0;
    if (delayMs > 0) {
      for (let i = 0; i < repeat; i++) {
        schedule(nowMs() + delayMs, `jibit: callback ${i + 1}/${repeat} of ${order.orderIdentifier}`, async () => {
          await ctx.deliver({ url: location, method: 'GET' });
        });
      }
      res.status(200).type('html').send(messagePage('Payment finished', `The merchant will be notified in ${delayMs} ms (sandbox clock).`));
      return;
    }
    const results: DeliveryResult[] = [];
    for (let i = 0; i < repeat; i++) results.push(await ctx.deliver({ url: location, method: 'GET' }));
    res
      .status(200)
      .type('html')
      .send(messagePage('Payment finished', `The merchant was notified: ${results.map((r) => r.status ?? r.error).join(', ')}.`));
  }

  // ---- routing: Jibit's own 404/405/406/415 envelopes, faults, bearer check

  const routes: Array<{ pattern: RegExp; route: Route }> = [
    { pattern: /^\/tokens\/generate$/, route: { endpoint: JIBIT_SIM_ENDPOINTS.generateToken, authenticated: false, api: true, methods: { POST: generateToken } } },
    { pattern: /^\/tokens\/refresh$/, route: { endpoint: JIBIT_SIM_ENDPOINTS.refreshToken, authenticated: false, api: true, methods: { POST: refreshToken } } },
    { pattern: /^\/orders$/, route: { endpoint: JIBIT_SIM_ENDPOINTS.createOrder, authenticated: true, api: true, methods: { POST: createOrder, GET: listOrders } } },
    { pattern: /^\/orders\/([^/]+)\/verify$/, route: { endpoint: JIBIT_SIM_ENDPOINTS.verify, authenticated: true, api: true, methods: { GET: verify } } },
    {
      pattern: /^\/orders\/([^/]+)\/payments$/,
      route: { endpoint: JIBIT_SIM_ENDPOINTS.paymentPage, authenticated: false, api: false, methods: { GET: paymentPageHandler, POST: paymentPageHandler } },
    },
    { pattern: /^\/orders\/([^/]+)$/, route: { endpoint: JIBIT_SIM_ENDPOINTS.inquiry, authenticated: true, api: true, methods: { GET: inquiry } } },
  ];

  const router = express.Router();
  router.use((req: Request, res: Response) => {
    const path = req.path.length > 1 ? req.path.replace(/\/+$/, '') : req.path;
    if (!path.startsWith(`${JIBIT_API_PATH}/`)) return fail(res, 404, JIBIT_SIM_CODES.noHandler);
    const relative = path.slice(JIBIT_API_PATH.length);
    const found = routes.map(({ pattern, route }) => ({ match: pattern.exec(relative), route })).find((r) => r.match);
    if (!found) return fail(res, 404, JIBIT_SIM_CODES.noHandler);
    const { route, match } = found;
    // Only the list endpoint (GET /orders) gets its own fault name; POST /orders is the create.
    const endpoint = route.endpoint === JIBIT_SIM_ENDPOINTS.createOrder && req.method === 'GET' ? JIBIT_SIM_ENDPOINTS.listOrders : route.endpoint;
    const handler = route.methods[req.method];
    if (!handler) {
      res.setHeader('Allow', Object.keys(route.methods).join(', '));
      return fail(res, 405, JIBIT_SIM_CODES.methodNotAllowed);
    }
    const id = match![1] !== undefined ? safeDecode(match![1]) : undefined;
    if (id === null) return fail(res, 404, JIBIT_SIM_CODES.noHandler);
    const params = { id };
    ctx.faults.guard(endpoint, (_req, r) => fail(r, 500, JIBIT_SIM_CODES.internalError))(req, res, () => {
      Promise.resolve(serve(req, res, route, handler, params)).catch(() => {
        // A simulator bug still answers like Jibit would, never with an HTML stack page.
        if (!res.headersSent) fail(res, 500, JIBIT_SIM_CODES.internalError);
        else req.socket.destroy();
      });
    });
  });

  async function serve(req: Request, res: Response, route: Route, handler: Handler, params: { id?: string }): Promise<void> {
    const kind = faultKind(res);
    if (kind === 'auth') return fail(res, 401, JIBIT_SIM_CODES.tokenVerificationFailed);
    if (kind === 'html') {
      res.status(502).type('html').send('<html><body><h1>502 Bad Gateway</h1><hr>nginx</body></html>');
      return;
    }
    if (kind === 'garbage') {
      res.status(200).type('text/plain').send('\u0000\u0001 not json at all {');
      return;
    }
    if (kind === 'empty') {
      res.status(200).type('application/json').send('');
      return;
    }
    if (kind === 'commit-then-timeout') holdInsteadOfAnswering(req, res, Number(res.locals.fault.delayMs ?? COMMIT_HOLD_DEFAULT_MS));
    if (route.api && !acceptsJson(req.headers.accept)) return fail(res, 406, JIBIT_SIM_CODES.notAcceptable);
    if (route.authenticated) {
      const token = bearerToken(req.headers.authorization);
      if (!token || !tokens.isAccessValid(token, nowMs())) return fail(res, 401, JIBIT_SIM_CODES.tokenVerificationFailed);
    }
    await handler(req, res, params);
  }

  /** Parses a JSON request body, answering Jibit's 415/400 itself when it cannot. */
  function readJsonBody(req: Request, res: Response): Record<string, unknown> | undefined {
    const contentType = req.headers['content-type'];
    if (contentType && !/\bjson\b/i.test(contentType)) {
      fail(res, 415, JIBIT_SIM_CODES.unsupportedMediaType);
      return undefined;
    }
    const text = typeof req.body === 'string' ? req.body : '';
    let parsed: unknown;
    try {
      parsed = text.trim() === '' ? undefined : JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      fail(res, 400, JIBIT_SIM_CODES.invalidBody);
      return undefined;
    }
    return parsed as Record<string, unknown>;
  }

  function drawOrderIdentifier(): string {
    for (let draw = 0; draw < ORDER_ID_DRAWS_MAX; draw++) {
      const id = ctx.random.alnum(ORDER_ID_LENGTH);
      if (!orders.has(id)) return id;
    }
    throw new Error('could not draw a unique orderIdentifier');
  }

  function remember(order: JibitSimOrder): void {
    orders.set(order.orderIdentifier, order);
    orderIdByReference.set(order.referenceNumber, order.orderIdentifier);
    if (orders.size > ORDERS_MAX) {
      const oldest = orders.values().next().value!;
      orders.delete(oldest.orderIdentifier);
      orderIdByReference.delete(oldest.referenceNumber);
    }
  }

  return {
    router,
    reset() {
      orders.clear();
      orderIdByReference.clear();
      tokens.clear();
      for (const id of scheduled) ctx.clock.cancel(id);
      scheduled.clear();
    },
    state() {
      const now = nowMs();
      return {
        apiBaseUrl: apiBaseUrl(),
        orders: [...orders.values()].map((order) => {
          settleDue(order, now);
          return {
            orderIdentifier: order.orderIdentifier,
            ...inquiryView(order),
            paid: order.paid,
            buyerAction: order.buyerAction,
            deadlineAt: new Date(order.deadlineAtMs).toISOString(),
            resolveAt: order.resolveAtMs !== undefined ? new Date(order.resolveAtMs).toISOString() : undefined,
            scenario: order.scenario,
          };
        }),
        tokens: tokens.summary(now),
      };
    },
    validateScenario: validateJibitScenario,
  };
};

/** Null for a malformed %-escape, which no route can match. */
function safeDecode(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

function faultKind(res: Response): string | undefined {
  const fault = res.locals.fault as { kind?: string } | undefined;
  return fault?.kind;
}

function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(header ?? '');
  return match?.[1];
}

function acceptsJson(accept: string | undefined): boolean {
  if (!accept || accept.trim() === '') return true;
  return accept
    .split(',')
    .map((part) => part.split(';')[0].trim().toLowerCase())
    .some((type) => type === '*/*' || type === 'application/*' || type === 'application/json' || type.endsWith('+json'));
}

function formField(body: unknown, name: string): string | undefined {
  if (typeof body !== 'string' || body === '') return undefined;
  return new URLSearchParams(body).get(name) ?? undefined;
}

interface ListQuery {
  status?: JibitSimOrderStatus;
  page: number;
  size: number;
  fromMs?: number;
  toMs?: number;
}

/** §3.8 query; undefined for a value that does not bind (answered `binding.type_mismatch`). */
export function parseListQuery(query: Record<string, unknown>, sizeDefault: number, sizeMax: number): ListQuery | undefined {
  const text = (name: string): string | undefined | null => {
    const value = query[name];
    if (value === undefined || value === '') return undefined;
    return typeof value === 'string' ? value : null;
  };
  const status = text('status');
  const page = text('page');
  const size = text('size');
  const from = text('from');
  const to = text('to');
  if (status === null || page === null || size === null || from === null || to === null) return undefined;
  if (status !== undefined && !(JIBIT_SIM_ORDER_STATUSES as readonly string[]).includes(status)) return undefined;
  const pageNumber = page === undefined ? 1 : positiveInt(page);
  const sizeNumber = size === undefined ? sizeDefault : positiveInt(size);
  const fromMs = from === undefined ? undefined : Date.parse(from);
  const toMs = to === undefined ? undefined : Date.parse(to);
  if (pageNumber === undefined || sizeNumber === undefined || Number.isNaN(fromMs) || Number.isNaN(toMs)) return undefined;
  return { status: status as JibitSimOrderStatus | undefined, page: pageNumber, size: Math.min(sizeNumber, sizeMax), fromMs, toMs };
}

function positiveInt(text: string): number | undefined {
  if (!/^\d{1,9}$/.test(text)) return undefined;
  const value = Number(text);
  return value >= 1 ? value : undefined;
}

/** The handler runs and changes state; its answer is held until the client gives up, then the socket closes. */
function holdInsteadOfAnswering(req: Request, res: Response, holdMs: number): void {
  const hold = () => {
    const timer = setTimeout(() => req.socket.destroy(), Math.min(Math.max(0, holdMs), COMMIT_HOLD_MAX_MS));
    req.socket.once('close', () => clearTimeout(timer));
    return res;
  };
  res.send = hold as Response['send'];
  res.json = hold as Response['json'];
  res.end = hold as unknown as Response['end'];
  res.redirect = hold as unknown as Response['redirect'];
}
