import express, { NextFunction, Request, Response } from 'express';
import { SANDBOX_CREDENTIALS } from '@payledger/config';
import type { Fault } from '../core/fault-injector';
import type { Scenario } from '../core/scenario-book';
import type { GatewaySimulator, SimulatorContext, SimulatorFactory } from '../core/simulator';
import { MispayCheckoutStore, MispayCheckoutStatus, SimCheckout, TERMINAL_STATUSES } from './mispay.checkout-store';
import { callbackLayer, NONCE_BYTES, SALT_BYTES, sealMessage, signJwt, tokenLayer, verifyJwt } from './mispay.crypto';
import { replyErrorA, replyErrorB, replyServerError, replySuccess } from './mispay.envelopes';
import { checkoutPage, messagePage } from './mispay.pages';
import { MispayScenarioSettings, readScenario } from './mispay.scenario';
import { formatMoneyNumber, formatMoneyText, parseWireMoney, validateRefund, validateStartCheckout } from './mispay.validation';

/**
 * MIS Pay simulator (mispay.md §7), mounted at `/mispay`:
 *   API under `/mispay/v1/api`: GET /token, POST /start-checkout, GET /track-checkout/:trackId,
 *   GET /checkout/:checkoutId, PUT /checkout/:checkoutId/end, PUT /checkout/:checkoutId/order-id, POST /refund.
 *   Shopper page: GET/POST /mispay/checkout-page/:trackId (Approve / Cancel / Abandon).
 *
 * Automated buyer: when a scenario outcome is set for the checkout, merely opening the shopper page acts
 * for the buyer — `pay`, `cancel` and `fail` finish the checkout at once and the page answers with the
 * 302 back to the callback URL (or, in direct mode, the simulator calls the callback itself and the page
 * says so); `unknown-then-*` leave the status `pending` and resolve after `resolveAfterMs` on the sandbox
 * clock; `timeout` does nothing, so the idle session times out (MP01). Opening the page of a finished
 * checkout again repeats the 302 (a browser reload replays the return).
 *
 * Fault endpoints: token, start-checkout, track-checkout, checkout, end, order-id, refund. Besides the
 * common kinds: `expired-token` (401 ME11) and `invalid-token` (401 ME10) on any authenticated endpoint,
 * `not-found` (ME05) on checkout, `fail-before-commit` / `fail-after-commit` (500) on end.
 */

export { MISPAY_SCENARIO_OUTCOMES } from './mispay.scenario';
export const MISPAY_FAULT_ENDPOINTS = ['token', 'start-checkout', 'track-checkout', 'checkout', 'end', 'order-id', 'refund'] as const;
export const MISPAY_FAULT_KINDS = ['expired-token', 'invalid-token', 'not-found', 'fail-before-commit', 'fail-after-commit'] as const;

/** Switches read from ctx.options (POST /_sandbox/mispay/options), with their defaults. */
export const MISPAY_OPTION_DEFAULTS = {
  tokenTtlSeconds: 3600,
  /** Leave `expiration` out of the decrypted token (the adapter then reads the JWT `exp`). */
  tokenOmitExpiration: false,
  startCheckoutStatus: 200,
  refundStatus: 200,
  /** Inclusive limits as decimal SAR; default "more than zero, no maximum". */
  amountMin: undefined as string | number | undefined,
  amountMax: undefined as string | number | undefined,
  sessionTimeoutMinutes: 30,
  /** `browser` (302 from the page) or `direct` (the simulator calls the callback URL itself). */
  callbackMode: 'browser' as 'browser' | 'direct',
  /** The registered callback URL; default `{merchantBaseUrl}/callbacks/mispay`. */
  callbackUrl: undefined as string | undefined,
  /** The registered webhook URL; default `{merchantBaseUrl}/webhooks/mispay`; `''` or null: none. */
  webhookUrl: undefined as string | null | undefined,
  trackCheckoutBare: false,
  holdSeconds: 0,
  /** MP01/MP02 callbacks carry a checkoutId too. */
  includeCheckoutIdOnFailure: false,
  /** Minutes: cancel a successful checkout not ended within them; 0 = off. */
  autoCancelIfNotEnded: 0,
};

const HOLD_SECONDS_MAX = 120;
/** Requests held open at once; beyond this a track-checkout answers at once. */
const HOLDS_MAX = 1_000;
/** Issued tokens remembered; the oldest are forgotten first (their holders get ME10 and fetch anew). */
const TOKENS_MAX = 10_000;
const WRONG_APP_ID = 'not-your-app-id';

export const createMispaySimulator: SimulatorFactory = (ctx: SimulatorContext): GatewaySimulator => {
  const store = new MispayCheckoutStore();
  const issuedTokens = new Map<string, { exp: number; issuedAt: string }>();
  let jwtKey = ctx.random.bytes(32);
  const holds = new Set<{ trackId: string; wake: () => void }>();
  const finishing = new Map<string, Promise<void>>();

  const credentials = () => ({
    appId: ctx.credentials.appId ?? SANDBOX_CREDENTIALS.mispay.appId,
    appSecret: ctx.credentials.appSecret ?? SANDBOX_CREDENTIALS.mispay.appSecret,
  });
  const option = <K extends keyof typeof MISPAY_OPTION_DEFAULTS>(name: K): (typeof MISPAY_OPTION_DEFAULTS)[K] =>
    (ctx.options[name] === undefined ? MISPAY_OPTION_DEFAULTS[name] : ctx.options[name]) as (typeof MISPAY_OPTION_DEFAULTS)[K];
  const now = () => ctx.clock.now();
  const merchantBase = () => ctx.merchantBaseUrl.replace(/\/+$/, '');
  const registeredCallbackUrl = () => option('callbackUrl') || `${merchantBase()}/callbacks/mispay`;
  const registeredWebhookUrl = (): string | undefined => {
    const configured = ctx.options.webhookUrl;
    if (configured === null || configured === '') return undefined;
    return typeof configured === 'string' ? configured : `${merchantBase()}/webhooks/mispay`;
  };

  // ───── scenario helpers ─────

  /** A checkout without a scenario behaves as with every control off. */
  const settingsOf = (c: SimCheckout): Partial<MispayScenarioSettings> => c.settings ?? {};
  const callbackMode = (c: SimCheckout): 'browser' | 'direct' => settingsOf(c).callbackMode ?? (option('callbackMode') === 'direct' ? 'direct' : 'browser');
  const reportedAmount = (c: SimCheckout): bigint => c.amountMinor + (settingsOf(c).wrongAmountMinor ?? 0n);

  function schedule(c: SimCheckout, delayMs: number, label: string, run: () => void | Promise<void>): number {
    const id = ctx.clock.after(delayMs, `mispay ${label} ${c.trackId}`, async () => {
      c.taskIds.delete(id);
      await run();
    });
    c.taskIds.add(id);
    return id;
  }

  function cancelTask(c: SimCheckout, id: number | undefined): void {
    if (id === undefined) return;
    ctx.clock.cancel(id);
    c.taskIds.delete(id);
  }

  // ───── state machine ─────

  function setStatus(c: SimCheckout, status: MispayCheckoutStatus): void {
    if (c.status === status) return;
    c.status = status;
    c.history.push({ status, at: now().toISOString() });
    for (const hold of [...holds]) if (hold.trackId === c.trackId) hold.wake();
  }

  /** An idle session times out (default 30 min) → `error`, MP01. Activity restarts the count. */
  function touch(c: SimCheckout): void {
    cancelTask(c, c.idleTaskId);
    c.idleTaskId = undefined;
    if (TERMINAL_STATUSES.has(c.status) || c.resolving) return;
    const timeoutMs = Math.max(1, Number(option('sessionTimeoutMinutes'))) * 60_000;
    c.idleTaskId = schedule(c, timeoutMs, 'session-timeout', () => finish(c, 'error', false));
  }

  /** One finish per checkout: its encryption is async, so a second caller (time-out, page) waits for the first. */
  function finish(c: SimCheckout, final: 'success' | 'canceled' | 'error', byShopper = true): Promise<void> {
    if (TERMINAL_STATUSES.has(c.status)) return Promise.resolve();
    const running = finishing.get(c.trackId);
    if (running) return running;
    const done = finishNow(c, final, byShopper).finally(() => finishing.delete(c.trackId));
    finishing.set(c.trackId, done);
    return done;
  }

  async function finishNow(c: SimCheckout, final: 'success' | 'canceled' | 'error', byShopper: boolean): Promise<void> {
    cancelTask(c, c.idleTaskId);
    c.idleTaskId = undefined;
    c.resolving = false;
    // A shopper's action always passes through `pending` (some progress) before the end state.
    if (byShopper && c.status === 'in-progress') setStatus(c, 'pending');
    const includeId = final === 'success' || settingsOf(c).includeCheckoutId === true || option('includeCheckoutIdOnFailure') === true;
    if (includeId) store.assignCheckoutId(c, ctx.random.hex(24));
    if (final === 'success') c.successAt = now().toISOString();
    const code = final === 'success' ? 'MP00' : final === 'canceled' ? 'MP02' : 'MP01';
    const location = await callbackLocation(c, code, includeId);
    // A reset while the message was being encrypted forgot this checkout: nothing more to announce.
    if (store.byTrackId(c.trackId) !== c) return;
    c.callbackLocation = location;
    setStatus(c, final);
    sendWebhook(c, code);
    if (callbackMode(c) === 'direct') deliverCallback(c);
    const autoCancelMinutes = Number(option('autoCancelIfNotEnded')) || 0;
    if (final === 'success' && autoCancelMinutes > 0) {
      c.autoCancelTaskId = schedule(c, autoCancelMinutes * 60_000, 'auto-cancel', () => {
        if (!c.ended && c.status === 'success') {
          setStatus(c, 'canceled');
          sendWebhook(c, 'MP02');
        }
      });
    }
  }

  async function callbackLocation(c: SimCheckout, code: string, includeId: boolean): Promise<string> {
    const s = settingsOf(c);
    const { appId, appSecret } = credentials();
    const payload = { orderId: c.orderId, code, ...(includeId && c.checkoutId ? { checkoutId: c.checkoutId } : {}) };
    const sealed = await sealMessage(JSON.stringify(payload), appSecret, ctx.random.bytes(SALT_BYTES), ctx.random.bytes(NONCE_BYTES));
    // `corrupt`: one ciphertext bit flipped, so the GCM tag fails.
    if (s.corrupt) sealed[SALT_BYTES + NONCE_BYTES] ^= 0x01;
    const url = new URL(c.callbackUrl);
    url.searchParams.set('_', callbackLayer(sealed, s.singleBase64 === true));
    url.searchParams.set('appId', s.callbackWrongAppId ? WRONG_APP_ID : appId);
    return url.toString();
  }

  function deliverCallback(c: SimCheckout): void {
    const s = settingsOf(c);
    const location = c.callbackLocation;
    if (!location || s.callbackDrop) return;
    const times = s.callbackRepeat ?? 1;
    const send = async () => {
      for (let i = 0; i < times; i++) await ctx.deliver({ url: location, method: 'GET' });
    };
    const delayMs = s.callbackDelayMs ?? 0;
    if (delayMs > 0) schedule(c, delayMs, 'callback', send);
    else void send();
  }

  /** POST JSON once, never retried (MIS Pay's own rule); the scenario may drop, delay or repeat it. */
  function sendWebhook(c: SimCheckout, code: string, extra: Record<string, unknown> = {}): void {
    const url = registeredWebhookUrl();
    const s = settingsOf(c);
    if (!url || s.webhookDrop) return;
    const body = {
      ...(c.checkoutId ? { checkoutId: c.checkoutId } : {}),
      orderId: c.orderId,
      code,
      appId: s.wrongAppId ? WRONG_APP_ID : credentials().appId,
      ...extra,
    };
    const times = s.webhookRepeat ?? 1;
    const send = async () => {
      for (let i = 0; i < times; i++) await ctx.deliver({ url, method: 'POST', json: body });
    };
    const delayMs = s.webhookDelayMs ?? 0;
    if (delayMs > 0) schedule(c, delayMs, `webhook ${code}`, send);
    else void send();
  }

  /** Keeps a track-checkout request open until the status changes or the hold ends (sandbox clock or wall time, whichever first). */
  function holdForChange(c: SimCheckout, holdMs: number, req: Request): Promise<void> {
    return new Promise((resolve) => {
      let released = false;
      const hold = { trackId: c.trackId, wake: () => release() };
      const timer = setTimeout(() => release(), holdMs);
      const taskId = ctx.clock.after(holdMs, `mispay hold ${c.trackId}`, () => release());
      function release(): void {
        if (released) return;
        released = true;
        clearTimeout(timer);
        ctx.clock.cancel(taskId);
        holds.delete(hold);
        req.socket.off('close', release);
        resolve();
      }
      holds.add(hold);
      req.socket.once('close', release);
    });
  }

  // ───── auth ─────

  function authenticate(req: Request, res: Response, next: NextFunction): void {
    const fault = res.locals.fault as Fault | undefined;
    if (fault?.kind === 'expired-token') return replyErrorB(res, 'ME11', 401);
    if (fault?.kind === 'invalid-token') return replyErrorB(res, 'ME10', 401);
    const appId = req.get('x-app-id');
    if (!appId) return replyErrorA(res, 'ME01');
    const bearer = /^Bearer\s+(\S+)$/i.exec(req.get('authorization') ?? '');
    const claims = bearer ? verifyJwt(bearer[1], jwtKey) : undefined;
    if (!claims || claims.sub !== appId || !issuedTokens.has(claims.jti)) return replyErrorB(res, 'ME10', 401);
    if (claims.exp * 1000 <= ctx.clock.nowMs()) return replyErrorB(res, 'ME11', 401);
    next();
  }

  // ───── handlers ─────

  function readJson(req: Request): { ok: true; value: unknown } | { ok: false } {
    const text = typeof req.body === 'string' ? req.body : '';
    try {
      return { ok: true, value: JSON.parse(text) };
    } catch {
      return { ok: false };
    }
  }

  async function issueToken(req: Request, res: Response): Promise<void> {
    const appId = req.get('x-app-id');
    const appSecret = req.get('x-app-secret');
    if (!appId) return replyErrorA(res, 'ME01');
    if (!appSecret) return replyErrorA(res, 'ME02');
    const expected = credentials();
    if (appId !== expected.appId || appSecret !== expected.appSecret) return replyErrorA(res, 'ME03');
    const iat = Math.floor(ctx.clock.nowMs() / 1000);
    const exp = iat + Math.max(1, Number(option('tokenTtlSeconds')) || MISPAY_OPTION_DEFAULTS.tokenTtlSeconds);
    const jti = ctx.random.hex(16);
    const jwt = signJwt({ sub: appId, iat, exp, jti }, jwtKey);
    issuedTokens.set(jti, { exp, issuedAt: now().toISOString() });
    while (issuedTokens.size > TOKENS_MAX) issuedTokens.delete(issuedTokens.keys().next().value as string);
    const payload = { token: jwt, ...(option('tokenOmitExpiration') === true ? {} : { expiration: new Date(exp * 1000).toISOString() }) };
    const sealed = await sealMessage(JSON.stringify(payload), expected.appSecret, ctx.random.bytes(SALT_BYTES), ctx.random.bytes(NONCE_BYTES));
    replySuccess(res, { token: tokenLayer(sealed) });
  }

  function startCheckout(req: Request, res: Response): void {
    const parsed = readJson(req);
    if (!parsed.ok) return replyErrorB(res, 'ME97', 400, ['body is not JSON']);
    const limit = (value: unknown) => (value === undefined || value === null || value === '' ? undefined : parseWireMoney(value));
    const checked = validateStartCheckout(parsed.value, { minMinor: limit(option('amountMin')), maxMinor: limit(option('amountMax')) });
    if (!checked.ok) return replyErrorB(res, 'ME97', 400, checked.problems);
    const request = checked.value;
    // The order id names one checkout: a second start for it is an invalid session.
    if (store.findByOrderId(request.orderId)) return replyErrorA(res, 'ME04', 400, '::');
    const trackId = ctx.random.hex(24);
    const createdAt = now();
    const scenario = ctx.scenarios.take(request.orderId);
    // Scenarios were checked when queued; anything unreadable here plays as "no scenario".
    const read = scenario ? readScenario(scenario) : undefined;
    const settings = typeof read === 'object' ? read : undefined;
    const checkout: SimCheckout = {
      trackId,
      orderId: request.orderId,
      originalOrderId: request.orderId,
      amountMinor: request.purchaseMinor,
      status: 'in-progress',
      history: [{ status: 'in-progress', at: createdAt.toISOString() }],
      createdAt,
      callbackUrl: request.callbackUri ?? registeredCallbackUrl(),
      scenario,
      settings,
      scenarioActed: false,
      resolving: false,
      ended: false,
      refunds: [],
      refundedMinor: 0n,
      userId: `usr_${ctx.random.hex(12)}`,
      taskIds: new Set(),
      request: parsed.value,
    };
    store.add(checkout);
    touch(checkout);
    const status = Number(option('startCheckoutStatus')) === 201 ? 201 : 200;
    replySuccess(res, { url: `${ctx.sandboxBaseUrl.replace(/\/+$/, '')}/mispay/checkout-page/${trackId}`, trackId }, status);
  }

  function trackReply(c: SimCheckout): Record<string, unknown> {
    return {
      ...(c.checkoutId && c.successAt ? { checkoutId: c.checkoutId } : {}),
      orderId: c.orderId,
      purchaseAmount: formatMoneyNumber(reportedAmount(c)),
      purchaseCurrency: 'SAR',
      status: c.status,
    };
  }

  async function trackCheckout(req: Request, res: Response): Promise<void> {
    const c = store.byTrackId(String(req.params.trackId));
    if (!c) return replyErrorA(res, 'ME05');
    const holdSeconds = Math.min(HOLD_SECONDS_MAX, Math.max(0, Number(option('holdSeconds')) || 0));
    if (holdSeconds > 0 && !TERMINAL_STATUSES.has(c.status) && holds.size < HOLDS_MAX) {
      await holdForChange(c, holdSeconds * 1000, req);
      if (req.socket.destroyed || res.headersSent) return;
    }
    if (option('trackCheckoutBare') === true) res.status(200).json(trackReply(c));
    else replySuccess(res, trackReply(c));
  }

  function getCheckout(req: Request, res: Response): void {
    const c = store.byCheckoutId(String(req.params.checkoutId));
    const fault = res.locals.fault as Fault | undefined;
    if (!c || fault?.kind === 'not-found') return replyErrorA(res, 'ME05');
    replySuccess(res, {
      id: c.checkoutId,
      orderId: c.orderId,
      purchaseAmount: formatMoneyText(reportedAmount(c)),
      purchaseCurrency: 'SAR',
      purchaseDate: c.successAt ?? c.createdAt.toISOString(),
    });
  }

  function endReply(c: SimCheckout): Record<string, unknown> {
    return { transactionId: c.transactionId, checkoutId: c.checkoutId, orderId: c.orderId, endedAt: c.endedAt };
  }

  function endCheckout(req: Request, res: Response): void {
    const fault = res.locals.fault as Fault | undefined;
    if (fault?.kind === 'fail-before-commit') return replyServerError(res);
    const c = store.byCheckoutId(String(req.params.checkoutId));
    if (!c) return replyErrorA(res, 'ME05');
    if (!c.ended) {
      if (c.status !== 'success') return replyErrorA(res, 'ME04');
      c.ended = true;
      c.transactionId = ctx.random.hex(24);
      c.endedAt = now().toISOString();
      cancelTask(c, c.autoCancelTaskId);
    }
    if (fault?.kind === 'fail-after-commit') return replyServerError(res);
    replySuccess(res, endReply(c));
  }

  function updateOrderId(req: Request, res: Response): void {
    const c = store.byCheckoutId(String(req.params.checkoutId));
    if (!c) return replyErrorB(res, 'ME05', 400);
    const parsed = readJson(req);
    const body = parsed.ok ? (parsed.value as Record<string, unknown> | null) : null;
    const orderId = body && typeof body === 'object' ? body.orderId : undefined;
    if (typeof orderId !== 'string' || orderId.trim() === '') return replyErrorB(res, 'ME97', 400, ['orderId (string) is required']);
    c.orderId = orderId.trim();
    replySuccess(res, { orderId: c.orderId });
  }

  function refund(req: Request, res: Response): void {
    const parsed = readJson(req);
    if (!parsed.ok) return replyErrorB(res, 'ME97', 400, ['body is not JSON']);
    const checked = validateRefund(parsed.value);
    if (!checked.ok) return replyErrorB(res, 'ME97', 400, checked.problems);
    const request = checked.value;
    const c = store.byCheckoutId(request.purchaseId);
    if (!c) return replyErrorA(res, 'ME05');
    const status = Number(option('refundStatus')) === 201 ? 201 : 200;
    // Simulator convention: the same merchantRefundId gets the first result again, nothing is refunded twice.
    const earlier = request.merchantRefundId ? c.refunds.find((r) => r.merchantRefundId === request.merchantRefundId) : undefined;
    if (earlier) return replySuccess(res, earlier.reply, status);
    const problems: string[] = [];
    if (!c.ended) problems.push('the checkout is not ended');
    if (request.totalMinor !== c.amountMinor) problems.push(`totalAmount must be the purchase amount ${formatMoneyText(c.amountMinor)}`);
    if (request.orderId !== c.orderId) problems.push(`orderId must be the checkout's current order id`);
    const remaining = c.amountMinor - c.refundedMinor;
    if (request.amountMinor > remaining) problems.push(`amount exceeds the ${formatMoneyText(remaining)} remaining`);
    if (problems.length > 0) return replyErrorB(res, 'ME97', 400, problems);
    const left = remaining - request.amountMinor;
    const transactionId = ctx.random.hex(24);
    const at = now().toISOString();
    const reply = {
      transactionId,
      userId: c.userId,
      merchantId: `mch_${credentials().appId}`,
      orderId: c.orderId,
      newPurchaseAmount: formatMoneyNumber(left),
      moneyRefundToUser: formatMoneyNumber(request.amountMinor),
      moneyRefundAmount: formatMoneyNumber(request.amountMinor),
      increaseUserBalance: 0,
      refundPaymentHistories: [{ transactionId, amount: formatMoneyNumber(request.amountMinor), createdAt: at }],
    };
    c.refundedMinor += request.amountMinor;
    c.refunds.push({ merchantRefundId: request.merchantRefundId, transactionId, amountMinor: request.amountMinor, at, reply });
    sendWebhook(c, 'MP03', { isFullyRefunded: left === 0n });
    replySuccess(res, reply, status);
  }

  // ───── shopper page ─────

  function html(res: Response, status: number, body: string): void {
    res.status(status).type('html').send(body);
  }

  /** A finished checkout sends the browser back: 302 with `_` and appId (browser mode). */
  function sendBrowserBack(c: SimCheckout, res: Response): void {
    if (callbackMode(c) === 'browser' && c.callbackLocation && !settingsOf(c).callbackDrop) {
      res.redirect(302, c.callbackLocation);
      return;
    }
    const why = callbackMode(c) === 'direct' ? 'MIS Pay notified the merchant directly.' : 'The return to the merchant was dropped (scenario).';
    html(res, 200, messagePage('Checkout finished', `This checkout is finished. ${why}`, c.status));
  }

  async function showPage(req: Request, res: Response): Promise<void> {
    const c = store.byTrackId(String(req.params.trackId));
    if (!c) return html(res, 404, messagePage('Not found', 'No such checkout.'));
    if (TERMINAL_STATUSES.has(c.status)) return sendBrowserBack(c, res);
    if (c.resolving) return html(res, 200, messagePage('Processing', 'Your instalment plan is being confirmed.', c.status));
    c.pageOpenedAt = c.pageOpenedAt ?? now().toISOString();
    touch(c);
    const s = c.settings;
    if (s && !c.scenarioActed) {
      c.scenarioActed = true;
      const outcome = s.outcome;
      if (outcome === 'pay' || outcome === 'cancel' || outcome === 'fail') {
        await finish(c, outcome === 'pay' ? 'success' : outcome === 'cancel' ? 'canceled' : 'error');
        return sendBrowserBack(c, res);
      }
      if (outcome === 'unknown-then-pay' || outcome === 'unknown-then-fail') {
        setStatus(c, 'pending');
        c.resolving = true;
        touch(c);
        schedule(c, s.resolveAfterMs, 'resolve', () => finish(c, outcome === 'unknown-then-pay' ? 'success' : 'error'));
        return html(res, 200, messagePage('Processing', 'Your instalment plan is being confirmed.', c.status));
      }
      // `timeout`: the buyer never acts; the idle session runs out.
    }
    html(res, 200, checkoutPage({ trackId: c.trackId, orderId: c.orderId, amountText: formatMoneyText(c.amountMinor), status: c.status, actionPath: `/mispay/checkout-page/${c.trackId}` }));
  }

  async function pageAction(req: Request, res: Response): Promise<void> {
    const c = store.byTrackId(String(req.params.trackId));
    if (!c) return html(res, 404, messagePage('Not found', 'No such checkout.'));
    if (TERMINAL_STATUSES.has(c.status)) return sendBrowserBack(c, res);
    if (c.resolving) return html(res, 200, messagePage('Processing', 'Your instalment plan is being confirmed.', c.status));
    const action = new URLSearchParams(typeof req.body === 'string' ? req.body : '').get('action');
    if (action === 'approve' || action === 'cancel') {
      await finish(c, action === 'approve' ? 'success' : 'canceled');
      return sendBrowserBack(c, res);
    }
    if (action === 'abandon') {
      // Some progress, then the shopper walks away: only the idle time-out ends it (MP01).
      setStatus(c, 'pending');
      touch(c);
      return html(res, 200, messagePage('You left', 'You left the checkout. It will time out if you do not come back.', c.status));
    }
    html(res, 400, messagePage('Unknown action', 'Choose Approve, Cancel or Abandon.'));
  }

  // ───── wiring ─────

  type Handler = (req: Request, res: Response) => void | Promise<void>;
  /** A bug in the simulator answers as MIS Pay's server failing would, never with a stack page. */
  const safe =
    (handler: Handler) =>
    async (req: Request, res: Response): Promise<void> => {
      try {
        await handler(req, res);
      } catch {
        if (!res.headersSent) replyServerError(res);
      }
    };
  const guard = (endpoint: (typeof MISPAY_FAULT_ENDPOINTS)[number]) => ctx.faults.guard(endpoint, (_req, res) => replyServerError(res));

  const api = express.Router();
  api.get('/token', guard('token'), safe(issueToken));
  api.post('/start-checkout', guard('start-checkout'), authenticate, safe(startCheckout));
  api.get('/track-checkout/:trackId', guard('track-checkout'), authenticate, safe(trackCheckout));
  api.get('/checkout/:checkoutId', guard('checkout'), authenticate, safe(getCheckout));
  api.put('/checkout/:checkoutId/end', guard('end'), authenticate, safe(endCheckout));
  api.put('/checkout/:checkoutId/order-id', guard('order-id'), authenticate, safe(updateOrderId));
  api.post('/refund', guard('refund'), authenticate, safe(refund));

  const router = express.Router();
  router.use('/v1/api', api);
  router.get('/checkout-page/:trackId', safe(showPage));
  router.post('/checkout-page/:trackId', safe(pageAction));
  router.use((_req, res) => {
    res.status(404).json({ status: 'error : 404', result: 'Not Found' });
  });

  function summary(c: SimCheckout): Record<string, unknown> {
    return {
      trackId: c.trackId,
      orderId: c.orderId,
      originalOrderId: c.originalOrderId,
      purchaseAmount: formatMoneyText(c.amountMinor),
      status: c.status,
      history: c.history,
      createdAt: c.createdAt.toISOString(),
      callbackUrl: c.callbackUrl,
      scenario: c.scenario,
      pageOpenedAt: c.pageOpenedAt,
      checkoutId: c.checkoutId,
      successAt: c.successAt,
      ended: c.ended,
      transactionId: c.transactionId,
      endedAt: c.endedAt,
      refundedAmount: formatMoneyText(c.refundedMinor),
      refunds: c.refunds.map((r) => ({ merchantRefundId: r.merchantRefundId, transactionId: r.transactionId, amount: formatMoneyText(r.amountMinor), at: r.at })),
      request: c.request,
    };
  }

  return {
    router,
    state: () => ({
      registeredCallbackUrl: registeredCallbackUrl(),
      registeredWebhookUrl: registeredWebhookUrl() ?? null,
      tokensIssued: issuedTokens.size,
      openHolds: holds.size,
      checkouts: store.all().map(summary),
    }),
    reset: () => {
      for (const c of store.all()) for (const id of c.taskIds) ctx.clock.cancel(id);
      for (const hold of [...holds]) hold.wake();
      store.clear();
      finishing.clear();
      issuedTokens.clear();
      // Tokens issued before the reset stop working, as after a server-side session purge.
      jwtKey = ctx.random.bytes(32);
    },
    validateScenario: (scenario: Scenario) => {
      const read = readScenario(scenario);
      return typeof read === 'string' ? read : undefined;
    },
  };
};
