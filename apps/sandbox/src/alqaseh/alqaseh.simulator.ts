import { timingSafeEqual } from 'node:crypto';
import express, { NextFunction, Request, Response, Router } from 'express';
import { SANDBOX_CREDENTIALS } from '@payledger/config';
import type { GatewaySimulator, Scenario, SimulatorContext, SimulatorFactory } from '../core';
import { judgeCard, maskCardFields, splitExpiry } from './alqaseh.cards';
import { sendError, SimErrorCode } from './alqaseh.errors';
import { abandonedPage, closedPage, notFoundPage, paymentPage, resultPage, serverErrorPage } from './alqaseh.pages';
import { AlqasehScenario, readAlqasehScenario, validateAlqasehScenario } from './alqaseh.scenarios';
import { plainAmountText, signWebhook } from './alqaseh.signing';
import {
  AlqasehPaymentBook,
  coarseStatus,
  CoarseStatus,
  isOpen,
  isRetryable,
  RESPONSE_CODES,
  SimPaymentContext,
  transition,
} from './alqaseh.state';
import { isRefusal, parseHistoryQuery, validateCreate } from './alqaseh.validation';

/**
 * Al Qaseh Payment API v2 simulator (alqaseh.md §7), mounted at `/alqaseh`:
 * the API under `/alqaseh/v1/egw/payments/…` and the hosted page at `/alqaseh/pay/{token}`.
 *
 * Options (`POST /_sandbox/alqaseh/options`): `createStatus` (201, or 200), `webhookEncoding` (`json` or
 * `form`), `redirectMode` (`browser` or `direct`), `terminalId`. Credentials: `clientId`, `clientSecret`,
 * `webhookSecret` (default: the client secret), defaulting to the published test credentials.
 *
 * Fault endpoints: `create`, `payment`, `info`, `process`, `retry`, `revoke`, `history`,
 * `history-download`, `page`. Besides the common kinds: `401` (credentials refused), and reply manglers
 * that let the work happen and spoil only the answer: `garbage`, `html`, `empty`, `wrong-content-type`,
 * `unknown-status` (a `payment_status` outside the vocabulary).
 */
export const createAlqasehSimulator: SimulatorFactory = (ctx) => new AlqasehSimulator(ctx);

const UNKNOWN_STATUS_TEXT = 'mystery_status';
const TERMINAL_ID_DEFAULT = 'SBX00001';
const HOUR_MS = 3_600_000;
/** How long the simulator waits for the merchant to take a redirect or webhook in direct mode. */
const DELIVERY_TIMEOUT_MS = 10_000;

type PageResult = 'succeeded' | 'declined' | 'failed' | 'unknown-then-pay' | 'unknown-then-fail';

class AlqasehSimulator implements GatewaySimulator {
  readonly router: Router;
  private readonly book = new AlqasehPaymentBook();
  /** The scenario each context was given (at creation, or when its page was first opened). */
  private readonly scenarioByPayment = new Map<string, AlqasehScenario>();
  private readonly taskIds = new Set<number>();

  constructor(private readonly ctx: SimulatorContext) {
    this.router = this.buildRouter();
  }

  validateScenario(scenario: Scenario): string | undefined {
    return validateAlqasehScenario(scenario);
  }

  state(): unknown {
    return {
      contexts: this.book.all().map((c) => {
        this.refresh(c);
        return { ...this.view(c, true), scenario: this.scenarioByPayment.get(c.paymentId), expires_at: new Date(c.expiresAtMs).toISOString(), retried_as: c.retriedAs };
      }),
    };
  }

  reset(): void {
    for (const id of this.taskIds) this.ctx.clock.cancel(id);
    this.taskIds.clear();
    this.book.clear();
    this.scenarioByPayment.clear();
  }

  // ---- configuration -------------------------------------------------------------------------------

  private get clientId(): string {
    return this.ctx.credentials.clientId ?? SANDBOX_CREDENTIALS.alqaseh.clientId;
  }

  private get clientSecret(): string {
    return this.ctx.credentials.clientSecret ?? SANDBOX_CREDENTIALS.alqaseh.clientSecret;
  }

  private get webhookSecret(): string {
    const fromOptions = this.ctx.options.webhookSecret;
    return this.ctx.credentials.webhookSecret ?? (typeof fromOptions === 'string' ? fromOptions : this.clientSecret);
  }

  private get terminalId(): string {
    return typeof this.ctx.options.terminalId === 'string' ? this.ctx.options.terminalId : TERMINAL_ID_DEFAULT;
  }

  private scenarioDefaults() {
    return {
      redirectMode: this.ctx.options.redirectMode === 'direct' ? ('direct' as const) : ('browser' as const),
      webhookForm: this.ctx.options.webhookEncoding === 'form',
    };
  }

  // ---- routing -------------------------------------------------------------------------------------

  private buildRouter(): Router {
    const router = express.Router();
    const api = express.Router();
    const guard = (endpoint: string) =>
      this.ctx.faults.guard(endpoint, (_req, res) => sendError(res, 'internal_error', 'internal server error', this.ctx.random));
    const auth = (req: Request, res: Response, next: NextFunction) => this.authenticate(req, res, next);

    api.post('/egw/payments/create', guard('create'), auth, (req, res) => this.create(req, res));
    api.post('/egw/payments/process/:token', hideCard('json'), guard('process'), auth, (req, res) => this.process(req, res));
    api.get('/egw/payments/info/:token', guard('info'), auth, (req, res) => this.info(req, res));
    api.post('/egw/payments/retry', guard('retry'), auth, (req, res) => this.retry(req, res));
    api.post('/egw/payments/revoke', guard('revoke'), auth, (req, res) => this.revoke(req, res));
    api.get('/egw/payments/history/download', guard('history-download'), auth, (req, res) => this.history(req, res, 'csv'));
    api.get('/egw/payments/history', guard('history'), auth, (req, res) => this.history(req, res, 'json'));
    api.get('/egw/payments/:paymentId', guard('payment'), auth, (req, res) => this.getPayment(req, res));
    router.use('/v1', api);

    const pageGuard = this.ctx.faults.guard('page', (_req, res) => {
      res.status(502).type('html').send(serverErrorPage());
    });
    router.get('/pay/:token', pageGuard, (req, res) => this.showPage(req, res));
    router.post('/pay/:token', hideCard('form'), pageGuard, (req, res) => this.submitPage(req, res));

    router.use((_req: Request, res: Response) => sendError(res, 'not_found', 'no such endpoint', this.ctx.random));
    // A bug here must still answer in Al Qaseh's envelope, never with an HTML stack trace.
    router.use((_error: unknown, _req: Request, res: Response, _next: NextFunction) => {
      if (!res.headersSent) sendError(res, 'internal_error', 'internal server error', this.ctx.random);
    });
    return router;
  }

  private authenticate(req: Request, res: Response, next: NextFunction): void {
    if (res.locals.fault?.kind === '401') return this.refuse(res, 'unauthorized', 'invalid client credentials');
    const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(req.headers.authorization ?? '');
    if (match) {
      const decoded = Buffer.from(match[1], 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon > 0 && sameText(decoded.slice(0, colon), this.clientId) && sameText(decoded.slice(colon + 1), this.clientSecret)) return next();
    }
    this.refuse(res, 'unauthorized', 'invalid client credentials');
  }

  private refuse(res: Response, code: SimErrorCode, message: string): void {
    sendError(res, code, message, this.ctx.random);
  }

  /** Sends a JSON answer, or spoils it the way the queued reply fault asks. */
  private reply(res: Response, status: number, body: Record<string, unknown>): void {
    switch (res.locals.fault?.kind) {
      case 'garbage':
        res.status(200).type('text/plain').send('\u0000%%garbled%% <<not json');
        return;
      case 'html':
        res.status(200).type('html').send('<!doctype html><html><body><h1>Service maintenance</h1></body></html>');
        return;
      case 'empty':
        res.status(200).type('application/json').send('');
        return;
      case 'wrong-content-type':
        res.status(status).type('text/plain').send(JSON.stringify(body));
        return;
      case 'unknown-status':
        res.status(status).json(withUnknownStatus(body));
        return;
      default:
        res.status(status).json(body);
    }
  }

  private parseJson(req: Request): unknown {
    return parseJsonText(typeof req.body === 'string' ? req.body : '');
  }

  // ---- API endpoints -------------------------------------------------------------------------------

  private create(req: Request, res: Response): void {
    const parsed = validateCreate(this.parseJson(req));
    if (isRefusal(parsed)) return this.refuse(res, parsed.code, parsed.message);
    const nowMs = this.ctx.clock.nowMs();
    const duplicated = this.book.hasOrderId(parsed.orderId);
    const context: SimPaymentContext = {
      paymentId: this.newPaymentId(),
      orderId: parsed.orderId,
      requestedAmount: parsed.amount,
      amount: parsed.amount,
      currency: parsed.currency,
      description: parsed.description,
      redirectUrl: parsed.redirectUrl,
      webhookUrl: parsed.webhookUrl,
      transactionType: parsed.transactionType,
      email: parsed.email,
      country: parsed.country,
      customData: parsed.customData,
      tokenExpiryHours: parsed.tokenExpiryHours,
      token: this.newToken(),
      formerTokens: [],
      status: 'prepared',
      histories: [],
      rc: '',
      approval: '',
      rrn: '',
      terminalId: this.terminalId,
      createdAtMs: nowMs,
      updatedAtMs: nowMs,
      expiresAtMs: nowMs + parsed.tokenExpiryHours * HOUR_MS,
      requestNonce: parsed.nonce,
      requestPSign: parsed.pSign,
    };
    transition(context, 'prepared', nowMs);
    this.book.add(context);
    if (duplicated) {
      // A reused order_id is accepted and then ends at once (alqaseh.md §3.1, [PY]).
      transition(context, 'duplicated', nowMs);
    } else {
      const scenario = this.ctx.scenarios.take(parsed.orderId);
      if (scenario) this.adopt(context, scenario);
      this.scheduleExpiry(context);
    }
    const status = this.ctx.options.createStatus === 200 ? 200 : 201;
    this.reply(res, status, { payment_id: context.paymentId, token: context.token });
  }

  private getPayment(req: Request, res: Response): void {
    const context = this.book.get(String(req.params.paymentId));
    if (!context) return this.refuse(res, 'not_found', 'payment not found');
    this.refresh(context);
    this.reply(res, 200, this.view(context, true));
  }

  private info(req: Request, res: Response): void {
    const context = this.book.byPageToken(String(req.params.token));
    if (!context) return this.refuse(res, 'not_found', 'payment not found');
    this.refresh(context);
    this.reply(res, 200, { amount: context.amount, currency: context.currency, description: context.description, payment_status: context.status });
  }

  private process(req: Request, res: Response): void {
    const body = parseJsonText(cardBodyOf(res));
    const token = String(req.params.token);
    const context = this.book.byPageToken(token);
    if (!context) return this.refuse(res, 'not_found', 'payment not found');
    this.refresh(context);
    if (!body || typeof body !== 'object' || Array.isArray(body)) return this.refuse(res, 'invalid_request', 'body must be a JSON object');
    const b = body as Record<string, unknown>;
    const card = { pan: textOf(b.CardNumber), cvv: textOf(b.Cvv), expiryMonth: textOf(b.EXPMon), expiryYear: textOf(b.EXPYear) };
    if (!card.pan || !card.cvv || !card.expiryMonth || !card.expiryYear) return this.refuse(res, 'invalid_request', 'CardNumber, Cvv, EXPMon and EXPYear are required');
    if (token !== context.token || !isOpen(context.status)) return this.refuse(res, 'invalid_state', `payment is ${context.status}`);
    const verdict = judgeCard(card);
    this.settle(context, verdict === 'approved' ? 'succeeded' : verdict);
    this.reply(res, 200, this.view(context, false));
  }

  private retry(req: Request, res: Response): void {
    const body = this.parseJson(req) as Record<string, unknown> | undefined;
    if (!body || typeof body !== 'object' || typeof body.payment_id !== 'string' || body.payment_id === '') return this.refuse(res, 'invalid_request', 'payment_id is required');
    const previous = this.book.get(body.payment_id);
    if (!previous) return this.refuse(res, 'not_found', 'payment not found');
    this.refresh(previous);
    if (previous.retriedAs) return this.refuse(res, 'invalid_state', `payment was already retried as ${previous.retriedAs}`);
    if (!isRetryable(previous.status)) return this.refuse(res, 'invalid_state', `cannot retry a ${previous.status} payment`);
    const nowMs = this.ctx.clock.nowMs();
    const context: SimPaymentContext = {
      ...previous,
      paymentId: this.newPaymentId(),
      amount: previous.requestedAmount,
      token: this.newToken(),
      formerTokens: [],
      status: 'retried',
      histories: [],
      rc: '',
      approval: '',
      rrn: '',
      createdAtMs: nowMs,
      updatedAtMs: nowMs,
      expiresAtMs: nowMs + previous.tokenExpiryHours * HOUR_MS,
      resolveAtMs: undefined,
      resolveTo: undefined,
      retriedAs: undefined,
      retriedFrom: previous.paymentId,
    };
    transition(context, 'retried', nowMs);
    previous.retriedAs = context.paymentId;
    this.book.add(context);
    // Only a scenario named for this order_id applies; the "next payment" queue is for creates.
    if (this.ctx.scenarios.peek(context.orderId)) this.adopt(context, this.ctx.scenarios.take(context.orderId)!);
    this.scheduleExpiry(context);
    this.reply(res, 200, { payment_id: context.paymentId, payment_status: context.status, token: context.token });
  }

  private revoke(req: Request, res: Response): void {
    const body = this.parseJson(req) as Record<string, unknown> | undefined;
    if (!body || typeof body !== 'object' || typeof body.payment_id !== 'string' || body.payment_id === '') return this.refuse(res, 'invalid_request', 'payment_id is required');
    const context = this.book.get(body.payment_id);
    if (!context) return this.refuse(res, 'not_found', 'payment not found');
    this.refresh(context);
    if (!isOpen(context.status)) return this.refuse(res, 'invalid_state', `cannot revoke a ${context.status} payment`);
    transition(context, 'revoked', this.ctx.clock.nowMs());
    this.book.replaceToken(context, this.newToken());
    this.reply(res, 200, {
      payment_id: context.paymentId,
      order_id: context.orderId,
      amount: context.amount,
      currency: context.currency,
      payment_status: context.status,
      custom_data: context.customData ?? {},
    });
  }

  private history(req: Request, res: Response, format: 'json' | 'csv'): void {
    const query = parseHistoryQuery(req.query as Record<string, unknown>);
    if (isRefusal(query)) return this.refuse(res, query.code, query.message);
    for (const context of this.book.all()) this.refresh(context);
    const rows = this.book
      .search(query.filters, { field: query.orderField, direction: query.orderBy })
      .slice(query.offset, query.offset + query.limit)
      .map((c) => this.view(c, false));
    if (format === 'json') return this.reply(res, 200, { payments: rows });
    res.status(200).type('text/csv').setHeader('content-disposition', 'attachment; filename="payments.csv"');
    res.send(toCsv(rows));
  }

  // ---- hosted page ---------------------------------------------------------------------------------

  private showPage(req: Request, res: Response): void {
    const token = String(req.params.token);
    const context = this.book.byPageToken(token);
    if (!context) {
      res.status(404).type('html').send(notFoundPage());
      return;
    }
    this.refresh(context);
    if (token !== context.token || !isOpen(context.status)) {
      res.status(410).type('html').send(closedPage(context));
      return;
    }
    const scenario = this.scenarioOf(context);
    const automatic = scenario && pageResultOf(scenario.outcome);
    if (!scenario || !automatic) {
      res.status(200).type('html').send(paymentPage(context, token));
      return;
    }
    this.settle(context, automatic);
    this.sendBuyerBack(res, context, scenario);
  }

  private submitPage(req: Request, res: Response): void {
    const fields = Object.fromEntries(new URLSearchParams(cardBodyOf(res)).entries());
    const token = String(req.params.token);
    const context = this.book.byPageToken(token);
    if (!context) {
      res.status(404).type('html').send(notFoundPage());
      return;
    }
    this.refresh(context);
    if (token !== context.token || !isOpen(context.status)) {
      res.status(410).type('html').send(closedPage(context));
      return;
    }
    let result: PageResult;
    switch (fields.action) {
      case 'card': {
        const verdict = judgeCard({ pan: fields.card_number ?? '', cvv: fields.cvv ?? '', ...splitExpiry(fields.expiry ?? '') });
        result = verdict === 'approved' ? 'succeeded' : verdict;
        break;
      }
      case 'decline':
        result = 'declined';
        break;
      case 'fail':
      case 'cancel':
        result = 'failed';
        break;
      case 'abandon':
        res.status(200).type('html').send(abandonedPage(context));
        return;
      default:
        res.status(400).type('html').send(paymentPage(context, token, 'Unknown action.'));
        return;
    }
    this.settle(context, result);
    this.sendBuyerBack(res, context, this.scenarioOf(context) ?? readAlqasehScenario(undefined, this.scenarioDefaults()));
  }

  /** After the buyer acted: the 302 of a real browser, or the simulator's own delivery in direct mode. */
  private sendBuyerBack(res: Response, context: SimPaymentContext, scenario: AlqasehScenario): void {
    const controls = scenario.redirect;
    const status: CoarseStatus = controls.statusLies ? 'Success' : coarseStatus(context.status);
    const url = new URL(context.redirectUrl);
    url.searchParams.set('payment_id', context.paymentId);
    url.searchParams.set('order_id', context.orderId);
    url.searchParams.set('status', status);
    const location = url.toString();
    if (controls.drop) {
      res.status(200).type('html').send(resultPage(context, 'The gateway did not send you back (scenario: redirect dropped).'));
      return;
    }
    if (controls.mode === 'direct') {
      this.deliverLater(controls.delayMs, `alqaseh redirect ${context.orderId}`, controls.repeat, () => ({ url: location, method: 'GET' }));
      res.status(200).type('html').send(resultPage(context, 'The gateway returned to the merchant directly.'));
      return;
    }
    // A browser follows one redirect; further copies (a reload, a double click) arrive directly.
    if (controls.repeat > 1) this.deliverLater(controls.delayMs, `alqaseh redirect copy ${context.orderId}`, controls.repeat - 1, () => ({ url: location, method: 'GET' }));
    res.redirect(302, location);
  }

  // ---- state changes -------------------------------------------------------------------------------

  private settle(context: SimPaymentContext, result: PageResult): void {
    const nowMs = this.ctx.clock.nowMs();
    const scenario = this.scenarioOf(context) ?? readAlqasehScenario(undefined, this.scenarioDefaults());
    switch (result) {
      case 'succeeded':
        this.approve(context);
        transition(context, 'succeeded', nowMs);
        break;
      case 'declined':
        context.rc = RESPONSE_CODES.declined;
        transition(context, 'declined', nowMs);
        break;
      case 'failed':
        context.rc = RESPONSE_CODES.error;
        transition(context, 'failed', nowMs);
        break;
      case 'unknown-then-pay':
      case 'unknown-then-fail': {
        context.resolveAtMs = nowMs + scenario.resolveAfterMs;
        context.resolveTo = result === 'unknown-then-pay' ? 'succeeded' : 'failed';
        transition(context, 'unknown', nowMs);
        const taskId = this.ctx.clock.schedule(context.resolveAtMs, `alqaseh resolve ${context.paymentId}`, () => {
          this.taskIds.delete(taskId);
          this.refresh(context);
        });
        this.taskIds.add(taskId);
        break;
      }
    }
    this.sendWebhook(context, scenario);
  }

  private approve(context: SimPaymentContext): void {
    context.rc = RESPONSE_CODES.approved;
    context.approval = this.ctx.random.digits(6);
    context.rrn = this.ctx.random.digits(12);
  }

  /** Applies what the sandbox clock says has happened by now: token expiry and `unknown` resolution. */
  private refresh(context: SimPaymentContext): void {
    const nowMs = this.ctx.clock.nowMs();
    if (isOpen(context.status) && nowMs >= context.expiresAtMs) {
      transition(context, 'expired', context.expiresAtMs);
      return;
    }
    if (context.status === 'unknown' && context.resolveTo && context.resolveAtMs !== undefined && nowMs >= context.resolveAtMs) {
      const to = context.resolveTo;
      context.resolveTo = undefined;
      context.resolveAtMs = undefined;
      if (to === 'succeeded') this.approve(context);
      else context.rc = RESPONSE_CODES.error;
      transition(context, to, nowMs);
      this.sendWebhook(context, this.scenarioOf(context) ?? readAlqasehScenario(undefined, this.scenarioDefaults()));
    }
  }

  private scheduleExpiry(context: SimPaymentContext): void {
    const taskId = this.ctx.clock.schedule(context.expiresAtMs, `alqaseh expire ${context.paymentId}`, () => {
      this.taskIds.delete(taskId);
      this.refresh(context);
    });
    this.taskIds.add(taskId);
  }

  private adopt(context: SimPaymentContext, raw: Scenario): void {
    const scenario = readAlqasehScenario(raw, this.scenarioDefaults());
    this.scenarioByPayment.set(context.paymentId, scenario);
    context.amount = context.requestedAmount + scenario.wrongAmount;
  }

  /** The context's scenario; one queued for its order_id after creation is picked up on first use. */
  private scenarioOf(context: SimPaymentContext): AlqasehScenario | undefined {
    const known = this.scenarioByPayment.get(context.paymentId);
    if (known) return known;
    if (this.ctx.scenarios.peek(context.orderId)) {
      this.adopt(context, this.ctx.scenarios.take(context.orderId)!);
      return this.scenarioByPayment.get(context.paymentId);
    }
    return undefined;
  }

  // ---- outbound ------------------------------------------------------------------------------------

  private sendWebhook(context: SimPaymentContext, scenario: AlqasehScenario): void {
    const controls = scenario.webhook;
    if (!context.webhookUrl || controls.drop) return;
    const fields = {
      amount: context.amount,
      currency: context.currency,
      terminal_id: context.terminalId,
      order_id: context.orderId,
      trtype: context.transactionType,
      rc: context.rc,
      approval: context.approval,
      rrn: context.rrn,
      nonce: this.ctx.random.hex(16),
      timestamp: webhookTimestamp(this.ctx.clock.now()),
      payment_status: controls.statusLies ? 'Success' : coarseStatus(context.status),
    };
    let pSign: string | undefined = signWebhook(fields, this.webhookSecret);
    if (controls.badSignature) pSign = corrupt(pSign);
    if (controls.noSignature) pSign = undefined;
    const json: Record<string, unknown> = { ...fields, ...(pSign === undefined ? {} : { p_sign: pSign }) };
    const url = context.webhookUrl;
    // The same body (and nonce) each time: a repeat is a replay, not a new notice.
    const delivery = controls.form
      ? { url, method: 'POST' as const, form: Object.fromEntries(Object.entries(json).map(([k, v]) => [k, k === 'amount' ? plainAmountText(v as number) : String(v)])) }
      : { url, method: 'POST' as const, json };
    this.deliverLater(controls.delayMs, `alqaseh webhook ${context.orderId}`, controls.repeat, () => delivery);
  }

  /** Immediately (in the background) or at `delayMs` on the sandbox clock, `times` copies one after another. */
  private deliverLater(delayMs: number, label: string, times: number, make: () => { url: string; method: 'GET' | 'POST'; json?: unknown; form?: Record<string, string> }): void {
    const run = async () => {
      for (let i = 0; i < times; i++) await this.ctx.deliver({ ...make(), timeoutMs: DELIVERY_TIMEOUT_MS });
    };
    if (delayMs <= 0) {
      void run();
      return;
    }
    const taskId = this.ctx.clock.after(delayMs, label, async () => {
      this.taskIds.delete(taskId);
      await run();
    });
    this.taskIds.add(taskId);
  }

  // ---- shapes --------------------------------------------------------------------------------------

  /** §3.2; `withToken` only for the single-context GET ([NEST] types it there). */
  private view(c: SimPaymentContext, withToken: boolean): Record<string, unknown> {
    return {
      payment_id: c.paymentId,
      order_id: c.orderId,
      amount: c.amount,
      currency: c.currency,
      country: c.country ?? null,
      description: c.description,
      transaction_type: c.transactionType,
      payment_status: c.status,
      approval_code: c.approval,
      rc: c.rc,
      rrn: c.rrn,
      terminal_id: c.terminalId,
      created_at: new Date(c.createdAtMs).toISOString(),
      updated_at: new Date(c.updatedAtMs).toISOString(),
      custom_data: c.customData ?? {},
      merchant_email: c.email ?? null,
      merchant_id: this.clientId,
      webhook_url: c.webhookUrl ?? null,
      redirect_url: c.redirectUrl,
      nonce: c.requestNonce ?? null,
      p_sign: c.requestPSign ?? null,
      ...(withToken ? { token: c.token } : {}),
      payment_status_histories: c.histories.map((h) => ({ ...h })),
    };
  }

  private newPaymentId(): string {
    return `pay_${this.ctx.random.hex(24)}`;
  }

  private newToken(): string {
    return this.ctx.random.alnum(40);
  }
}

function parseJsonText(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

const CARD_BODY_LOCAL = 'alqasehCardBody';

/**
 * Runs before faults and auth: the request log reads `req.body` once the answer is out, whatever answers,
 * so the card fields are masked there at once and the handler reads the original from `res.locals`.
 */
function hideCard(encoding: 'json' | 'form') {
  return (req: Request, res: Response, next: NextFunction): void => {
    const text = typeof req.body === 'string' ? req.body : '';
    res.locals[CARD_BODY_LOCAL] = text;
    if (encoding === 'form') {
      req.body = new URLSearchParams(maskCardFields(Object.fromEntries(new URLSearchParams(text).entries())) as Record<string, string>).toString();
    } else {
      const parsed = parseJsonText(text);
      req.body = parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? JSON.stringify(maskCardFields(parsed as Record<string, unknown>)) : '[unreadable body withheld]';
    }
    next();
  };
}

function cardBodyOf(res: Response): string {
  const text = res.locals[CARD_BODY_LOCAL];
  return typeof text === 'string' ? text : '';
}

function pageResultOf(outcome: AlqasehScenario['outcome']): PageResult | undefined {
  switch (outcome) {
    case 'pay':
      return 'succeeded';
    case 'decline':
      return 'declined';
    case 'fail':
    case 'cancel':
      return 'failed';
    case 'unknown-then-pay':
    case 'unknown-then-fail':
      return outcome;
    case 'timeout':
    case 'manual':
      return undefined;
  }
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}

function textOf(value: unknown): string {
  return typeof value === 'string' ? value.trim() : typeof value === 'number' ? String(value) : '';
}

/** `YYYYMMDDHHMMSS` in UTC (simulator convention; Al Qaseh's format is unknown). */
export function webhookTimestamp(at: Date): string {
  return at.toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

function corrupt(signature: string): string {
  const last = signature.slice(-1);
  return signature.slice(0, -1) + (last === '0' ? '1' : '0');
}

function withUnknownStatus(body: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...body };
  if ('payment_status' in out) out.payment_status = UNKNOWN_STATUS_TEXT;
  if (Array.isArray(out.payments)) out.payments = out.payments.map((row) => ({ ...(row as Record<string, unknown>), payment_status: UNKNOWN_STATUS_TEXT }));
  return out;
}

const CSV_COLUMNS = [
  'payment_id',
  'order_id',
  'amount',
  'currency',
  'payment_status',
  'transaction_type',
  'approval_code',
  'rc',
  'rrn',
  'terminal_id',
  'description',
  'country',
  'merchant_email',
  'created_at',
  'updated_at',
  'custom_data',
] as const;

/** The history rows' scalar columns as CSV; cells that a spreadsheet would run as formulas are quoted inert. */
export function toCsv(rows: Record<string, unknown>[]): string {
  const cell = (value: unknown): string => {
    let text = value === null || value === undefined ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value);
    if (/^[=+@\t\r]/.test(text) || (/^-/.test(text) && !/^-?\d+(\.\d+)?$/.test(text))) text = `'${text}`;
    return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  const lines = [CSV_COLUMNS.join(','), ...rows.map((row) => CSV_COLUMNS.map((column) => cell(row[column])).join(','))];
  return `${lines.join('\r\n')}\r\n`;
}

