import express, { Request, Response } from 'express';
import { COMMON_FAULT_KINDS, Fault, GatewaySimulator, Scenario, SimulatorFactory } from '../core';
import { MOCASA_CODES, mocasaFail, MocasaReply } from './mocasa.envelope';
import { errorPage, notFoundPage, orderStatusPage, paymentPage } from './mocasa.pages';
import { parseMocasaScenario } from './mocasa.scenarios';
import { formatMinor, MocasaSimState, ShopperAction, SimOrder } from './mocasa.state';

/**
 * Mocasa Pay simulator (shared/gateways/mocasa.md §7), mounted at `/mocasa`.
 *
 * API (form-encoded POST, JSON envelope): auth/token/apply, payment/order/{create,query,refund},
 * payout/account/create, payout/transfer/{initiate,query}. Shopper page: GET/POST /pay/:orderNo.
 *
 * Faults (`POST /_sandbox/mocasa/faults {endpoint, kind, count}`), endpoint = the path without the
 * prefix (`payment/order/create`, …, or `pay` for the page): the common kinds plus
 * - `success-false` `{code, message?, httpStatus?}`: answers `{success:false, code}` (HTTP 200 unless given);
 * - `expire-token`: the presented token expires just before the call (→ HTTP 401, code "401");
 * - `commit-then-timeout` `{delayMs?}`: does the work, then never answers (the client times out).
 *
 * Automated shopper: an order whose scenario is pay / fail / cancel / unknown-then-pay / unknown-then-fail
 * is acted on as soon as its payment page is opened (GET), and the shopper is sent straight back with
 * the 302 to returnUrl; `timeout` (or no scenario) shows the page and waits for a click.
 */
export const MOCASA_FAULT_KINDS = [...COMMON_FAULT_KINDS, 'success-false', 'expire-token', 'commit-then-timeout'] as const;
export const MOCASA_FAULT_ENDPOINTS = [
  'auth/token/apply',
  'payment/order/create',
  'payment/order/query',
  'payment/order/refund',
  'payout/account/create',
  'payout/transfer/initiate',
  'payout/transfer/query',
  'pay',
] as const;

const HOLD_DEFAULT_MS = 120_000;
const HOLD_MAX_MS = 600_000;
const SHOPPER_ACTIONS: readonly ShopperAction[] = ['pay', 'fail', 'abandon'];

export const createMocasaSimulator: SimulatorFactory = (ctx) => {
  const sim = new MocasaSimState(ctx);
  const router = express.Router();

  const send = (res: Response, reply: MocasaReply) => {
    res.status(reply.status).json(reply.body);
  };
  const serverError = (_req: Request, res: Response) => send(res, mocasaFail(MOCASA_CODES.serverError, 'internal server error', 500));
  const pageServerError = (_req: Request, res: Response) => {
    res.status(500).type('html').send(errorPage('internal server error'));
  };

  const presentedToken = (req: Request): string | undefined => {
    const header = req.headers.accesstoken;
    const token = typeof header === 'string' ? header.trim() : undefined;
    if (token) return token;
    // Option lenientAuthHeader: the document's introduction speaks of an Authorization header too.
    if (sim.options().lenientAuthHeader && typeof req.headers.authorization === 'string') {
      return req.headers.authorization.replace(/^Bearer\s+/i, '').trim() || undefined;
    }
    return undefined;
  };

  function api(endpoint: (typeof MOCASA_FAULT_ENDPOINTS)[number], handler: (fields: Record<string, string>) => MocasaReply, needsToken = true): void {
    router.all(`/${endpoint}`, ctx.faults.guard(endpoint, serverError), (req: Request, res: Response) => {
      const fault = res.locals.fault as Fault | undefined;
      if (req.method !== 'POST') return send(res, mocasaFail(MOCASA_CODES.methodNotAllowed, `${req.method} is not allowed; use POST`, 405));
      if (fault?.kind === 'success-false') {
        const httpStatus = Number(fault.httpStatus);
        return send(res, mocasaFail(String(fault.code ?? MOCASA_CODES.serverError), String(fault.message ?? 'injected failure'), Number.isInteger(httpStatus) && httpStatus >= 200 && httpStatus < 600 ? httpStatus : 200));
      }
      const token = presentedToken(req);
      if (fault?.kind === 'expire-token') sim.expireToken(token);
      if (needsToken) {
        const refused = sim.checkToken(token);
        if (refused) return send(res, refused);
      }
      const fields = formFields(req);
      if (!fields) return send(res, mocasaFail(MOCASA_CODES.validation, 'Content-Type must be application/x-www-form-urlencoded'));
      const reply = handler(fields);
      if (fault?.kind === 'commit-then-timeout') return holdWithoutAnswer(req, fault.delayMs);
      send(res, reply);
    });
  }

  api('auth/token/apply', (fields) => sim.applyToken(fields), false);
  api('payment/order/create', (fields) => sim.createOrder(fields));
  api('payment/order/query', (fields) => sim.queryOrder(fields));
  api('payment/order/refund', (fields) => sim.refundOrder(fields));
  api('payout/account/create', (fields) => sim.createAccount(fields));
  api('payout/transfer/initiate', (fields) => sim.initiateTransfer(fields).reply);
  api('payout/transfer/query', (fields) => sim.queryTransfer(fields));

  const pageView = (order: SimOrder) => ({ orderNo: order.orderNo, amount: formatMinor(order.amountMinor), productName: order.productName, status: order.pendingFinal ? 'being processed' : order.status });

  /** The shopper goes back to returnUrl by 302, with no added parameters unless `appendOrderNo` is set. */
  const sendShopperBack = (res: Response, order: SimOrder) => {
    const url = new URL(order.returnUrl);
    if (sim.options().appendOrderNo) url.searchParams.set('orderNo', order.orderNo);
    if (sim.options().directReturn) {
      void ctx.deliver({ url: url.toString(), method: 'GET' });
      res.status(200).type('html').send(orderStatusPage(pageView(order), undefined));
      return;
    }
    res.redirect(302, url.toString());
  };

  router.get('/pay/:orderNo', ctx.faults.guard('pay', pageServerError), (req: Request, res: Response) => {
    const order = sim.order(String(req.params.orderNo));
    if (!order) {
      res.status(404).type('html').send(notFoundPage(String(req.params.orderNo)));
      return;
    }
    if (order.actedAtMs !== undefined || order.status !== 'pending') {
      res.status(200).type('html').send(orderStatusPage(pageView(order), order.returnUrl));
      return;
    }
    const automatic = sim.automaticAction(order);
    if (automatic) {
      sim.act(order, automatic);
      return sendShopperBack(res, order);
    }
    res.status(200).type('html').send(paymentPage(pageView(order), `${req.baseUrl}/pay/${encodeURIComponent(order.orderNo)}`));
  });

  router.post('/pay/:orderNo', ctx.faults.guard('pay', pageServerError), (req: Request, res: Response) => {
    const order = sim.order(String(req.params.orderNo));
    if (!order) {
      res.status(404).type('html').send(notFoundPage(String(req.params.orderNo)));
      return;
    }
    const action = new URLSearchParams(typeof req.body === 'string' ? req.body : '').get('action') as ShopperAction | null;
    if (!action || !SHOPPER_ACTIONS.includes(action)) {
      res.status(400).type('html').send(errorPage('choose Pay, Fail or Abandon'));
      return;
    }
    sim.act(order, action);
    sendShopperBack(res, order);
  });

  router.use((req: Request, res: Response) => send(res, mocasaFail(MOCASA_CODES.notFound, `no endpoint ${req.method} ${req.path}`, 404)));

  const simulator: GatewaySimulator & { sim: MocasaSimState } = {
    router,
    sim,
    reset: () => sim.reset(),
    state: () => sim.state(),
    validateScenario(scenario: Scenario): string | undefined {
      const parsed = parseMocasaScenario(scenario);
      return typeof parsed === 'string' ? parsed : undefined;
    },
  };
  return simulator;
};

/** Mocasa reads form fields only; a body in any other encoding carries none. */
function formFields(req: Request): Record<string, string> | undefined {
  const contentType = String(req.headers['content-type'] ?? '').toLowerCase();
  if (!contentType.includes('application/x-www-form-urlencoded')) return undefined;
  const fields: Record<string, string> = {};
  for (const [key, value] of new URLSearchParams(typeof req.body === 'string' ? req.body : '')) if (!(key in fields)) fields[key] = value;
  return fields;
}

/** The work is done but the answer never leaves: the client's timeout decides when it gives up. */
function holdWithoutAnswer(req: Request, delayMs: unknown): void {
  const holdMs = Math.min(typeof delayMs === 'number' && delayMs >= 0 ? delayMs : HOLD_DEFAULT_MS, HOLD_MAX_MS);
  const timer = setTimeout(() => req.socket.destroy(), holdMs);
  req.socket.once('close', () => clearTimeout(timer));
}
