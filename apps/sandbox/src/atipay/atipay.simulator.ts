import { Request, Response, Router } from 'express';
import { SANDBOX_CREDENTIALS } from '@payledger/config';
import type { GatewaySimulator, Scenario, SimulatorContext, SimulatorFactory } from '../core';
import { autoSubmitForm, BUYER_ACTIONS, BuyerAction, buyerPage, messagePage } from './atipay.pages';
import {
  ATIPAY_SIMULATOR_DEFAULTS,
  AtipayPayment,
  AtipaySession,
  AtipaySimulatorOptions,
  CALLBACK_REPEAT_MAX,
  CALLBACK_STATES,
  CallbackStatus,
  CONFIG_ERROR_STATUSES,
  PAYMENTS_MAX,
  SCENARIO_OUTCOMES,
  ScenarioOutcome,
  SESSIONS_MAX,
} from './atipay.state';

/**
 * AtiPay MIPG v1 simulator (atipay.md §7), mounted at `/atipay`, paths under `/atipay/v1`:
 * - `POST /v1/get-token` (JSON) → `{ status: "1", token }` or the failure envelope;
 * - `POST /v1/redirect-to-gateway` (form `token`) → the buyer page; `POST /v1/redirect-to-gateway/{pay|cancel|fail|abandon}`
 *   are its buttons;
 * - `POST /v1/verify-payment` (JSON) → `{ amount }` or `{ errorCode, errorDescription }`, HTTP 200 either way.
 *
 * Automated buyer: when a scenario outcome is queued for the invoiceNumber (or for "the next token"),
 * opening the page performs that outcome at once, so a test only POSTs the redirect form and gets the
 * callback back (browser mode: the auto-submitting form; direct mode: the simulator has POSTed it and
 * the page says so). A hand-off form carrying `action` (pay, cancel, fail, abandon) acts as that button
 * at once. Otherwise the page waits for a button.
 */

const FAULT_ENDPOINTS = { getToken: 'get-token', page: 'redirect-to-gateway', verify: 'verify-payment' } as const;
const TOKEN_LENGTH = 32;
const REFERENCE_NUMBER_LENGTH = 50;
const INVOICE_NUMBER_LENGTH_MAX = 255;
const DESCRIPTION_LENGTH_MAX = 1000;
/** Iranian test-card BIN shown in masked PANs. */
const MASKED_PAN_BIN = '603799';

const PERSIAN_FAILURE = 'خطا در انجام عملیات';

type Failure = { errorCode: string; errorDescription: string };

export const createAtipaySimulator: SimulatorFactory = (ctx) => new AtipaySimulator(ctx);

class AtipaySimulator implements GatewaySimulator {
  readonly router: Router;
  private readonly sessions = new Map<string, AtipaySession>();
  private readonly payments = new Map<string, AtipayPayment>();
  private readonly tokensByInvoice = new Map<string, string[]>();

  constructor(private readonly ctx: SimulatorContext) {
    this.router = this.buildRouter();
  }

  reset(): void {
    this.sessions.clear();
    this.payments.clear();
    this.tokensByInvoice.clear();
  }

  state(): unknown {
    return {
      sessions: [...this.sessions.values()].map(({ pageTimerId: _timer, ...session }) => session),
      payments: [...this.payments.values()].map(({ reversalTaskId: _task, ...payment }) => payment),
    };
  }

  validateScenario(scenario: Scenario): string | undefined {
    if (!(SCENARIO_OUTCOMES as readonly string[]).includes(scenario.outcome)) {
      return `AtiPay scenarios: ${SCENARIO_OUTCOMES.join(', ')} (unknown-then-resolve is the verify fault pair fail-before-commit / commit-then-drop)`;
    }
    if (scenario.outcome === 'config-error' && scenario.status !== undefined && !CONFIG_ERROR_STATUSES.includes(String(scenario.status) as CallbackStatus)) {
      return `config-error status must be one of ${CONFIG_ERROR_STATUSES.join(', ')}`;
    }
    if (scenario.callback !== undefined && scenario.callback !== 'browser' && scenario.callback !== 'direct') return 'callback must be browser or direct';
    if (scenario.delayMs !== undefined && !(typeof scenario.delayMs === 'number' && scenario.delayMs >= 0)) return 'delayMs must be a non-negative number';
    if (scenario.repeat !== undefined && !(Number.isInteger(scenario.repeat) && (scenario.repeat as number) >= 0 && (scenario.repeat as number) <= CALLBACK_REPEAT_MAX)) {
      return `repeat must be an integer from 0 to ${CALLBACK_REPEAT_MAX}`;
    }
    if (scenario.wrongAmount !== undefined && !Number.isSafeInteger(scenario.wrongAmount)) return 'wrongAmount must be an integer number of rials';
    if (scenario.inconsistentStatus !== undefined && (typeof scenario.inconsistentStatus !== 'string' || scenario.inconsistentStatus === '2')) {
      return 'inconsistentStatus must be a status string other than "2"';
    }
    return undefined;
  }

  // ------------------------------------------------------------ plumbing

  private get options(): AtipaySimulatorOptions {
    return { ...ATIPAY_SIMULATOR_DEFAULTS, ...(this.ctx.options as Partial<AtipaySimulatorOptions>) };
  }

  private get apiKey(): string {
    return this.ctx.credentials.apiKey ?? SANDBOX_CREDENTIALS.atipay.apiKey;
  }

  private get terminalId(): string {
    return this.ctx.credentials.terminalId ?? SANDBOX_CREDENTIALS.atipay.terminalId;
  }

  private get pageBaseUrl(): string {
    return `${this.ctx.sandboxBaseUrl.replace(/\/+$/, '')}/atipay/v1/redirect-to-gateway`;
  }

  private buildRouter(): Router {
    const router = Router();
    const faults = this.ctx.faults;
    router.post('/v1/get-token', faults.guard(FAULT_ENDPOINTS.getToken, serverError(true)), (req, res) => this.guarded(res, () => this.getToken(req, res)));
    router.post('/v1/verify-payment', faults.guard(FAULT_ENDPOINTS.verify, serverError(false)), (req, res) => this.guarded(res, () => this.verify(req, res)));
    router.post('/v1/redirect-to-gateway', faults.guard(FAULT_ENDPOINTS.page, pageServerError), (req, res) => this.guardedAsync(res, () => this.openPage(req, res)));
    router.post('/v1/redirect-to-gateway/:action', faults.guard(FAULT_ENDPOINTS.page, pageServerError), (req, res) =>
      this.guardedAsync(res, () => this.pageAction(req, res)),
    );
    router.get('/v1/redirect-to-gateway', (_req, res) => {
      // §3.2: the hand-off is a form POST; a GET redirect does not work at AtiPay either.
      res.status(405).type('html').send(messagePage('Method not allowed', 'Open this page with a form POST carrying the token.'));
    });
    router.use((req, res) => {
      res.status(404).json({ status: '0', errorCode: 'NotFound', errorDescription: `no AtiPay endpoint ${req.method} ${req.path}` });
    });
    return router;
  }

  private guarded(res: Response, handler: () => void): void {
    try {
      handler();
    } catch (error) {
      this.internalError(res, error);
    }
  }

  private async guardedAsync(res: Response, handler: () => Promise<void>): Promise<void> {
    try {
      await handler();
    } catch (error) {
      this.internalError(res, error);
    }
  }

  private internalError(res: Response, error: unknown): void {
    if (res.headersSent) return;
    res.status(500).json({ status: '0', errorCode: 'InternalError', errorDescription: error instanceof Error ? error.message : String(error) });
  }

  private sourceAllowed(req: Request): boolean {
    const allowed = this.options.allowedSourceIps;
    if (!Array.isArray(allowed) || allowed.length === 0) return true;
    const ip = (req.ip ?? req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
    return allowed.some((entry) => String(entry).replace(/^::ffff:/, '') === ip);
  }

  // ------------------------------------------------------------ get-token

  private getToken(req: Request, res: Response): void {
    const options = this.options;
    const refuse = (failure: Failure, httpStatus = 200) => {
      res.status(httpStatus).json(options.legacyFailureShape ? { faMessage: `${PERSIAN_FAILURE}: ${failure.errorDescription}` } : { status: '0', ...failure });
    };
    if (!this.sourceAllowed(req)) return refuse({ errorCode: 'MerchantIpAddressIsInvalid', errorDescription: 'the request does not come from the registered server address' });
    const body = readJson(req);
    if (!body) return refuse(invalid('the body must be a JSON object sent as application/json'));
    if (body.apiKey !== this.apiKey) return refuse({ errorCode: 'InvalidApiKey', errorDescription: 'apiKey is not known' }, options.apiKeyRefusalHttpStatus);

    const amount = body.amount;
    if (typeof amount !== 'number' || !Number.isSafeInteger(amount) || amount <= 0) return refuse(invalid('amount must be a positive integer of rials'));
    const invoiceNumber = body.invoiceNumber;
    if (typeof invoiceNumber !== 'string' || invoiceNumber.trim() === '' || invoiceNumber.length > INVOICE_NUMBER_LENGTH_MAX) {
      return refuse(invalid('invoiceNumber is required'));
    }
    const redirectUrl = body.redirectUrl;
    if (typeof redirectUrl !== 'string' || !isAbsoluteHttpUrl(redirectUrl)) return refuse(invalid('redirectUrl must be an absolute http(s) URL'));
    if (!('cellNumber' in body) || typeof body.cellNumber !== 'string') return refuse(invalid('cellNumber is required (it may be empty)'));
    if (options.strictCellNumber && !/^09\d{9}$/.test(body.cellNumber)) return refuse(invalid('cellNumber must be 09 followed by 9 digits'));
    if (body.description !== undefined && (typeof body.description !== 'string' || body.description.length > DESCRIPTION_LENGTH_MAX)) {
      return refuse(invalid('description must be text'));
    }
    const earlier = this.tokensByInvoice.get(invoiceNumber) ?? [];
    if (options.uniqueInvoiceNumber && earlier.length > 0) return refuse({ errorCode: 'DuplicateInvoiceNumber', errorDescription: 'invoiceNumber was used before' });

    const now = this.ctx.clock.now();
    const session: AtipaySession = {
      token: this.ctx.random.hex(TOKEN_LENGTH),
      invoiceNumber,
      amount,
      redirectUrl,
      cellNumber: body.cellNumber,
      description: typeof body.description === 'string' ? body.description : undefined,
      issuedAt: now,
      pageDeadline: new Date(now.getTime() + options.pageTimeoutMs),
      status: 'issued',
      scenario: this.scenarioFor(invoiceNumber, earlier),
      callbacks: [],
    };
    this.remember(session);
    res.status(200).json({ status: '1', token: session.token });
  }

  /**
   * The queued scenario for this invoiceNumber; a repeated get-token (the adapter's D2 retry after a
   * lost reply) inherits it from the unopened earlier token, which nobody can be holding.
   */
  private scenarioFor(invoiceNumber: string, earlierTokens: string[]): Scenario | undefined {
    const own = this.ctx.scenarios.peek(invoiceNumber) ? this.ctx.scenarios.take(invoiceNumber) : undefined;
    if (own) return own;
    for (const token of [...earlierTokens].reverse()) {
      const earlier = this.sessions.get(token);
      if (earlier?.scenario && earlier.status === 'issued') {
        const inherited = earlier.scenario;
        earlier.scenario = undefined;
        return inherited;
      }
    }
    return this.ctx.scenarios.take(undefined);
  }

  private remember(session: AtipaySession): void {
    this.sessions.set(session.token, session);
    this.tokensByInvoice.set(session.invoiceNumber, [...(this.tokensByInvoice.get(session.invoiceNumber) ?? []), session.token]);
    while (this.sessions.size > SESSIONS_MAX) {
      const oldest = this.sessions.keys().next().value as string;
      const dropped = this.sessions.get(oldest)!;
      this.sessions.delete(oldest);
      const rest = (this.tokensByInvoice.get(dropped.invoiceNumber) ?? []).filter((t) => t !== oldest);
      if (rest.length > 0) this.tokensByInvoice.set(dropped.invoiceNumber, rest);
      else this.tokensByInvoice.delete(dropped.invoiceNumber);
    }
  }

  // ------------------------------------------------------------ buyer page

  private async openPage(req: Request, res: Response): Promise<void> {
    const session = this.sessionOf(req);
    if (!session) return notFoundPage(res);
    this.adoptLateScenario(session);
    if (session.status === 'finished' || session.status === 'abandoned') return this.revisit(session, res);
    if (this.ctx.clock.nowMs() >= session.pageDeadline.getTime()) return this.finishAndReturn(session, { status: '4' }, res);
    // A hand-off form that already carries the buyer's choice (a button's `action`) acts at once, like the button.
    const requested = formField(req, 'action');
    if (requested !== undefined && (BUYER_ACTIONS as readonly string[]).includes(requested)) return this.finishAndReturn(session, buyerActionResult(requested as BuyerAction), res);
    if (session.scenario) return this.finishAndReturn(session, scenarioResult(session.scenario), res);
    if (session.status === 'issued') {
      session.status = 'opened';
      session.pageTimerId = this.ctx.clock.schedule(session.pageDeadline, `atipay page time-out ${session.invoiceNumber}`, () => this.pageTimedOut(session));
    }
    res
      .status(200)
      .type('html')
      .send(buyerPage({ actionBaseUrl: this.pageBaseUrl, token: session.token, amountRials: session.amount, invoiceNumber: session.invoiceNumber, deadline: session.pageDeadline }));
  }

  private async pageAction(req: Request, res: Response): Promise<void> {
    const action = String(req.params.action) as BuyerAction;
    const session = this.sessionOf(req);
    if (!session || !(BUYER_ACTIONS as readonly string[]).includes(action)) return notFoundPage(res);
    this.adoptLateScenario(session);
    if (session.status === 'finished' || session.status === 'abandoned') return this.revisit(session, res);
    if (this.ctx.clock.nowMs() >= session.pageDeadline.getTime()) return this.finishAndReturn(session, { status: '4' }, res);
    return this.finishAndReturn(session, buyerActionResult(action), res);
  }

  /** A scenario queued for the invoiceNumber after its token was issued still applies to the page. */
  private adoptLateScenario(session: AtipaySession): void {
    if (session.scenario || (session.status !== 'issued' && session.status !== 'opened')) return;
    if (this.ctx.scenarios.peek(session.invoiceNumber)) session.scenario = this.ctx.scenarios.take(session.invoiceNumber);
  }

  private sessionOf(req: Request): AtipaySession | undefined {
    const token = formField(req, 'token');
    return token ? this.sessions.get(token) : undefined;
  }

  /** A finished page opened again: the unshown time-out callback once, then 10/TokenNotFound (§7). */
  private async revisit(session: AtipaySession, res: Response): Promise<void> {
    if (session.unshownCallback) {
      const fields = session.unshownCallback;
      session.unshownCallback = undefined;
      return this.sendCallback(session, fields, res, 'browser');
    }
    return this.sendCallback(session, this.callbackFields(session, '10'), res, this.modeOf(session));
  }

  private pageTimedOut(session: AtipaySession): Promise<void> | void {
    if (session.status !== 'opened') return;
    const fields = this.finish(session, { status: '4' });
    if (!fields) return;
    if (this.modeOf(session) === 'direct') return this.deliverDirect(session, fields);
    // Nobody is looking in browser mode: the browser sees the time-out at its next request.
    session.unshownCallback = fields;
  }

  private async finishAndReturn(session: AtipaySession, result: PageResult, res: Response): Promise<void> {
    const fields = this.finish(session, result);
    if (!fields) {
      res.status(200).type('html').send(messagePage('Payment abandoned', 'The buyer left the page; AtiPay sends nothing to the merchant.'));
      return;
    }
    return this.sendCallback(session, fields, res, this.modeOf(session));
  }

  /** Ends the page; returns the callback fields, or undefined when the buyer left (no callback at all). */
  private finish(session: AtipaySession, result: PageResult): Record<string, string> | undefined {
    if (session.pageTimerId !== undefined) this.ctx.clock.cancel(session.pageTimerId);
    session.pageTimerId = undefined;
    if ('abandon' in result) {
      session.status = 'abandoned';
      return undefined;
    }
    session.status = 'finished';
    if ('pay' in result) {
      const payment = this.takePayment(session);
      const inconsistent = session.scenario?.inconsistentStatus;
      const status = typeof inconsistent === 'string' ? inconsistent : '2';
      session.result = { state: 'OK', status };
      return { ...this.callbackFields(session, '2', payment), status };
    }
    session.result = { state: CALLBACK_STATES[result.status], status: result.status };
    return this.callbackFields(session, result.status);
  }

  private takePayment(session: AtipaySession): AtipayPayment {
    const now = this.ctx.clock.now();
    const wrongAmount = session.scenario?.wrongAmount;
    const payment: AtipayPayment = {
      referenceNumber: this.ctx.random.alnum(REFERENCE_NUMBER_LENGTH),
      invoiceNumber: session.invoiceNumber,
      token: session.token,
      amount: session.amount,
      amountDelta: typeof wrongAmount === 'number' ? wrongAmount : 0,
      terminalId: this.callbackTerminal(),
      traceNumber: this.ctx.random.digits(6),
      rrn: this.ctx.random.digits(12),
      maskedPan: `${MASKED_PAN_BIN}******${this.ctx.random.digits(4)}`,
      status: 'awaiting_verify',
      paidAt: now,
      verifyCalls: 0,
    };
    payment.reversalTaskId = this.ctx.clock.after(this.options.reversalWindowMs, `atipay reversal ${payment.referenceNumber}`, () => {
      if (payment.status !== 'awaiting_verify') return;
      payment.status = 'reversed';
      payment.reversedAt = this.ctx.clock.now();
    });
    session.referenceNumber = payment.referenceNumber;
    this.payments.set(payment.referenceNumber, payment);
    while (this.payments.size > PAYMENTS_MAX) this.payments.delete(this.payments.keys().next().value as string);
    return payment;
  }

  private callbackTerminal(): string {
    return this.options.callbackTerminalId ?? this.terminalId;
  }

  /** Every §3.3 field, values as strings; the ones that do not apply are empty. */
  private callbackFields(session: AtipaySession, status: CallbackStatus, payment?: AtipayPayment): Record<string, string> {
    const cardEntered = status === '3';
    return {
      state: CALLBACK_STATES[status],
      status,
      referenceNumber: payment?.referenceNumber ?? '',
      reservationNumber: session.invoiceNumber,
      terminalId: payment?.terminalId ?? this.callbackTerminal(),
      traceNumber: payment?.traceNumber ?? (cardEntered ? this.ctx.random.digits(6) : ''),
      maskedPan: payment?.maskedPan ?? (cardEntered ? `${MASKED_PAN_BIN}******${this.ctx.random.digits(4)}` : ''),
      rrn: payment?.rrn ?? '',
    };
  }

  private modeOf(session: AtipaySession): 'browser' | 'direct' {
    const chosen = session.scenario?.callback ?? this.options.callbackMode;
    return chosen === 'direct' ? 'direct' : 'browser';
  }

  private async sendCallback(session: AtipaySession, fields: Record<string, string>, res: Response, mode: 'browser' | 'direct'): Promise<void> {
    const scenario = session.scenario;
    if (scenario?.drop === true) {
      session.callbacks.push({ at: this.ctx.clock.now().toISOString(), mode, fields, error: 'dropped by scenario' });
      res.status(200).type('html').send(messagePage('Connection lost', 'The browser never made it back to the merchant (scenario drop).'));
      return;
    }
    if (mode === 'browser') {
      session.callbacks.push({ at: this.ctx.clock.now().toISOString(), mode, fields });
      res.status(200).type('html').send(autoSubmitForm(session.redirectUrl, fields));
      return;
    }
    await this.deliverDirect(session, fields);
    const last = session.callbacks[session.callbacks.length - 1];
    const answered = last?.status !== undefined ? `the merchant answered HTTP ${last.status}` : 'delivery is scheduled on the sandbox clock';
    res.status(200).type('html').send(messagePage('Returned to the merchant', `AtiPay sent ${fields.state}/${fields.status}; ${answered}.`));
  }

  /** Direct mode: POST the form to redirectUrl ourselves, `repeat` extra times, after `delayMs` on the sandbox clock. */
  private async deliverDirect(session: AtipaySession, fields: Record<string, string>): Promise<void> {
    const scenario = session.scenario;
    if (scenario?.drop === true) {
      session.callbacks.push({ at: this.ctx.clock.now().toISOString(), mode: 'direct', fields, error: 'dropped by scenario' });
      return;
    }
    const deliveries = 1 + Math.min(Number(scenario?.repeat ?? 0) || 0, CALLBACK_REPEAT_MAX);
    const delayMs = Number(scenario?.delayMs ?? 0) || 0;
    const send = async () => {
      const at = this.ctx.clock.now().toISOString();
      const result = await this.ctx.deliver({ url: session.redirectUrl, method: 'POST', form: fields });
      session.callbacks.push({ at, mode: 'direct', fields, status: result.status, error: result.error });
    };
    for (let i = 0; i < deliveries; i++) {
      if (delayMs > 0) this.ctx.clock.after(delayMs, `atipay callback ${session.invoiceNumber}`, send);
      else await send();
    }
  }

  // ------------------------------------------------------------ verify

  private verify(req: Request, res: Response): void {
    const fault = res.locals.fault as { kind?: string; mode?: string } | undefined;
    if (fault?.kind === 'fail-before-commit') {
      // The payment stays unverified; the merchant sees a 5xx or a dropped connection.
      if (fault.mode === 'drop') {
        req.socket.destroy();
        return;
      }
      return serverError(false)(req, res);
    }
    const refuse = (errorCode: string, errorDescription: string, httpStatus = 200) => {
      res.status(httpStatus).json({ errorCode, errorDescription });
    };
    if (!this.sourceAllowed(req)) return refuse('MerchantIpAddressIsInvalid', 'the request does not come from the registered server address');
    const body = readJson(req);
    if (!body) return refuse('InvalidParameters', 'the body must be a JSON object sent as application/json');
    if (body.apiKey !== this.apiKey) return refuse('InvalidApiKey', 'apiKey is not known', this.options.apiKeyRefusalHttpStatus);
    const referenceNumber = body.referenceNumber;
    if (typeof referenceNumber !== 'string' || referenceNumber === '') return refuse('InvalidParameters', 'referenceNumber is required');
    if (body.terminalId !== undefined && body.terminalId !== this.terminalId && body.terminalId !== this.payments.get(referenceNumber)?.terminalId) {
      return refuse('TerminalNotFound', 'terminalId does not match the terminal of this merchant');
    }
    const payment = this.payments.get(referenceNumber);
    if (!payment) return refuse('TransactionNotFound', 'no successful payment has this referenceNumber');
    if (payment.status === 'reversed') return refuse('TransactionReversed', 'the payment was not verified in time and has been returned to the payer');
    payment.verifyCalls += 1;
    if (payment.status === 'awaiting_verify') {
      payment.status = 'verified';
      payment.verifiedAt = this.ctx.clock.now();
      if (payment.reversalTaskId !== undefined) this.ctx.clock.cancel(payment.reversalTaskId);
      payment.reversalTaskId = undefined;
    }
    res.status(200).json({ amount: payment.amount + payment.amountDelta });
  }
}

type PageResult = { pay: true } | { status: Exclude<CallbackStatus, '2'> } | { abandon: true };

function buyerActionResult(action: BuyerAction): PageResult {
  return action === 'pay' ? { pay: true } : action === 'cancel' ? { status: '1' } : action === 'fail' ? { status: '3' } : { abandon: true };
}

function formField(req: Request, name: string): string | undefined {
  return typeof req.body === 'string' ? (new URLSearchParams(req.body).get(name) ?? undefined) : undefined;
}

function scenarioResult(scenario: Scenario): PageResult {
  switch (scenario.outcome as ScenarioOutcome) {
    case 'pay':
      return { pay: true };
    case 'cancel':
      return { status: '1' };
    case 'fail':
      return { status: '3' };
    case 'timeout':
      // The automated buyer does not wait out the limit: the page ends as the time-out would.
      return { status: '4' };
    case 'config-error': {
      const status = String(scenario.status ?? '5') as CallbackStatus;
      return { status: CONFIG_ERROR_STATUSES.includes(status) ? (status as Exclude<CallbackStatus, '2'>) : '5' };
    }
    case 'abandon':
      return { abandon: true };
    default:
      return { status: '3' };
  }
}

function invalid(errorDescription: string): Failure {
  return { errorCode: 'InvalidParameters', errorDescription };
}

function readJson(req: Request): Record<string, unknown> | undefined {
  const contentType = String(req.headers['content-type'] ?? '').toLowerCase();
  if (!contentType.includes('json') || typeof req.body !== 'string') return undefined;
  try {
    const parsed: unknown = JSON.parse(req.body);
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function isAbsoluteHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

function serverError(withStatus: boolean) {
  return (_req: Request, res: Response): void => {
    res.status(500).json({ ...(withStatus ? { status: '0' } : {}), errorCode: 'InternalServerError', errorDescription: 'an internal error occurred' });
  };
}

function pageServerError(_req: Request, res: Response): void {
  res.status(500).type('html').send(messagePage('Server error', 'The payment page is not available right now.'));
}

function notFoundPage(res: Response): void {
  // No callback: without a known token the gateway does not know where to send the browser.
  res.status(404).type('html').send(messagePage('Not found', 'This payment token is not known.'));
}
