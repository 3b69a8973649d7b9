import { SANDBOX_CREDENTIALS } from '@payledger/config';
import type { SimulatorContext } from '../core';
import { MOCASA_CODES, mocasaFail, mocasaInvalid, mocasaMissing, mocasaOk, MocasaReply } from './mocasa.envelope';
import { DEFAULT_WEBHOOK_SETTINGS, MocasaScenarioSettings, parseMocasaScenario, RESOLVE_AFTER_DEFAULT_MS } from './mocasa.scenarios';
import { MocasaWebhookSender, WEBHOOK_DISABLE_AFTER_FAILURES_DEFAULT, WEBHOOK_RETRY_DELAYS_DEFAULT_MS } from './mocasa.webhooks';

const HOUR_MS = 60 * 60_000;
export const TOKEN_LIFETIME_DEFAULT_MS = 2 * HOUR_MS;
export const SETTLE_AFTER_DEFAULT_MS = 24 * HOUR_MS;
export const MERCHANT_BALANCE_DEFAULT = '1000000.00';
export const PAYMENT_MODE = 'Mocasa BNPL';
const TOKENS_MAX = 10_000;
const ORDERS_MAX = 100_000;
const FIELD_LENGTH_MAX = 512;
const ORDER_NO_PATTERN = /^[A-Za-z0-9-]{1,32}$/;
const SERIAL_PATTERN = /^[A-Za-z0-9-]{1,64}$/;
const AMOUNT_PATTERN = /^\d{1,15}(?:\.\d{1,2})?$/;

export type MocasaTxStatus = 'pending' | 'success' | 'failed';
export type ShopperAction = 'pay' | 'fail' | 'abandon';

export interface SimOrder {
  orderNo: string;
  amountMinor: bigint;
  productName: string;
  customerId: string;
  returnUrl: string;
  paymentLink: string;
  createdAtMs: number;
  /** What the query shows. */
  status: MocasaTxStatus;
  txMessage: string;
  txTimeMs: number;
  settings: MocasaScenarioSettings;
  /** When the shopper acted (pay / fail / abandon); later clicks change nothing. */
  actedAtMs?: number;
  /** unknown-then-*: the outcome the query will show once resolveAtMs is reached. */
  pendingFinal?: { status: 'success' | 'failed'; message: string; resolveAtMs: number };
  successAtMs?: number;
  refund?: { refundRef: string; reason: string; atMs: number; refundStatus: string };
}

export interface SimAccount {
  accountNo: string;
  beneficiaryName: string;
  status: string;
  createdAtMs: number;
}

export interface SimTransfer {
  transferSerialNo: string;
  amountMinor: bigint;
  payeeAccountNo: string;
  purpose: string;
  txStatus: 'success' | 'failed';
  txMessage: string;
  txTimeMs: number;
}

/** Simulator switches (`POST /_sandbox/mocasa/options`), read on every use so a change applies at once. */
export interface MocasaSimOptions {
  tokenLifetimeMs: number;
  expireTimeAsSecondsFromNow: boolean;
  lenientAuthHeader: boolean;
  appendOrderNo: boolean;
  directReturn: boolean;
  webhookUrl: string;
  webhookEncoding: 'json' | 'form';
  webhookSignature: 'raw' | 'hex';
  webhookRetryDelaysMs: number[];
  webhookDisableAfterFailures: number;
  settleAfterMs: number;
  merchantBalance: string;
  refundStatus: string;
  resolveAfterMs: number;
}

function toMinor(decimal: string): bigint {
  const [whole, fraction = ''] = decimal.split('.');
  return BigInt(whole + fraction.padEnd(2, '0'));
}

export function formatMinor(minor: bigint): string {
  const negative = minor < 0n;
  const digits = (negative ? -minor : minor).toString().padStart(3, '0');
  return `${negative ? '-' : ''}${digits.slice(0, -2)}.${digits.slice(-2)}`;
}

function positiveAmount(value: string): bigint | undefined {
  if (!AMOUNT_PATTERN.test(value)) return undefined;
  const minor = toMinor(value);
  return minor > 0n ? minor : undefined;
}

/**
 * Everything the Mocasa simulator holds and does, apart from HTTP: tokens, orders and their state
 * machine (pending → success | failed), refunds, beneficiaries, transfers and the merchant balance.
 */
export class MocasaSimState {
  readonly webhooks: MocasaWebhookSender;
  private tokens = new Map<string, { expiresAtMs: number; issuedAtMs: number }>();
  private orders = new Map<string, SimOrder>();
  private accounts = new Map<string, SimAccount>();
  private transfers = new Map<string, SimTransfer>();
  private balanceMinor: bigint;
  private balanceSource: string;
  private readonly resolveTasks = new Set<number>();

  constructor(private readonly ctx: SimulatorContext) {
    this.balanceSource = this.options().merchantBalance;
    this.balanceMinor = toMinor(this.balanceSource);
    this.webhooks = new MocasaWebhookSender(ctx, () => {
      const o = this.options();
      return {
        url: o.webhookUrl,
        secret: this.credentials().webhookSecret,
        encoding: o.webhookEncoding,
        signature: o.webhookSignature,
        retryDelaysMs: o.webhookRetryDelaysMs,
        disableAfterFailures: o.webhookDisableAfterFailures,
      };
    });
  }

  credentials(): { clientKey: string; clientSecret: string; webhookSecret: string } {
    const c = this.ctx.credentials;
    const clientKey = c.clientKey ?? SANDBOX_CREDENTIALS.mocasa.clientKey;
    const clientSecret = c.clientSecret ?? SANDBOX_CREDENTIALS.mocasa.clientSecret;
    return { clientKey, clientSecret, webhookSecret: c.webhookSecret ?? clientSecret };
  }

  options(): MocasaSimOptions {
    const o = this.ctx.options;
    const num = (value: unknown, fallback: number) => (typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : fallback);
    const balance = typeof o.merchantBalance === 'number' ? o.merchantBalance.toFixed(2) : typeof o.merchantBalance === 'string' ? o.merchantBalance : MERCHANT_BALANCE_DEFAULT;
    return {
      tokenLifetimeMs: num(o.tokenLifetimeMs, TOKEN_LIFETIME_DEFAULT_MS),
      expireTimeAsSecondsFromNow: o.expireTimeAsSecondsFromNow === true,
      lenientAuthHeader: o.lenientAuthHeader === true,
      appendOrderNo: o.appendOrderNo === true,
      directReturn: o.directReturn === true,
      webhookUrl: typeof o.webhookUrl === 'string' ? o.webhookUrl : `${this.ctx.merchantBaseUrl.replace(/\/+$/, '')}/webhooks/mocasa`,
      webhookEncoding: o.webhookEncoding === 'form' ? 'form' : 'json',
      webhookSignature: o.webhookSignature === 'hex' ? 'hex' : 'raw',
      webhookRetryDelaysMs: Array.isArray(o.webhookRetryDelaysMs) ? o.webhookRetryDelaysMs.map(Number).filter((n) => Number.isFinite(n) && n >= 0) : [...WEBHOOK_RETRY_DELAYS_DEFAULT_MS],
      webhookDisableAfterFailures: num(o.webhookDisableAfterFailures, WEBHOOK_DISABLE_AFTER_FAILURES_DEFAULT),
      settleAfterMs: num(o.settleAfterMs, SETTLE_AFTER_DEFAULT_MS),
      merchantBalance: AMOUNT_PATTERN.test(balance) ? balance : MERCHANT_BALANCE_DEFAULT,
      refundStatus: typeof o.refundStatus === 'string' && o.refundStatus !== '' ? o.refundStatus : 'success',
      resolveAfterMs: num(o.resolveAfterMs, RESOLVE_AFTER_DEFAULT_MS),
    };
  }

  private now(): number {
    return this.ctx.clock.nowMs();
  }

  // ---- auth -------------------------------------------------------------------------------------

  applyToken(fields: Record<string, string>): MocasaReply {
    for (const name of ['clientKey', 'clientSecret']) if (!fields[name]) return mocasaMissing(name);
    const expected = this.credentials();
    if (fields.clientKey !== expected.clientKey || fields.clientSecret !== expected.clientSecret) {
      return mocasaFail(MOCASA_CODES.auth, 'invalid clientKey or clientSecret', 401);
    }
    const options = this.options();
    const now = this.now();
    this.pruneTokens(now);
    const accessToken = this.ctx.random.alnum(40);
    const expiresAtMs = now + options.tokenLifetimeMs;
    this.tokens.set(accessToken, { expiresAtMs, issuedAtMs: now });
    return mocasaOk({ accessToken, expireTime: options.expireTimeAsSecondsFromNow ? Math.floor(options.tokenLifetimeMs / 1000) : expiresAtMs });
  }

  /** undefined when the token is good, else the 401 reply (§7: missing, unknown or expired). */
  checkToken(token: string | undefined): MocasaReply | undefined {
    if (!token) return mocasaFail(MOCASA_CODES.auth, 'accessToken header is required', 401);
    const known = this.tokens.get(token);
    if (!known || known.expiresAtMs <= this.now()) return mocasaFail(MOCASA_CODES.auth, 'accessToken is invalid or expired', 401);
    return undefined;
  }

  /** Fault `expire-token`: the presented token dies now, as if Mocasa had expired it early. */
  expireToken(token: string | undefined): void {
    if (token) this.tokens.delete(token);
  }

  private pruneTokens(now: number): void {
    for (const [token, t] of this.tokens) if (t.expiresAtMs <= now) this.tokens.delete(token);
    if (this.tokens.size >= TOKENS_MAX) this.tokens.delete(this.tokens.keys().next().value!);
  }

  // ---- orders -----------------------------------------------------------------------------------

  createOrder(fields: Record<string, string>): MocasaReply {
    for (const name of ['orderNo', 'amount', 'productName', 'customerId', 'returnUrl']) if (!fields[name]?.trim()) return mocasaMissing(name);
    const tooLong = ['productName', 'customerId', 'returnUrl'].find((name) => fields[name].length > FIELD_LENGTH_MAX);
    if (tooLong) return mocasaInvalid(tooLong, `must be at most ${FIELD_LENGTH_MAX} characters`);
    if (!ORDER_NO_PATTERN.test(fields.orderNo)) return mocasaInvalid('orderNo', 'must be 1-32 characters of [A-Za-z0-9-]');
    const amountMinor = positiveAmount(fields.amount);
    if (amountMinor === undefined) return mocasaInvalid('amount', 'must be a positive decimal string with at most 2 decimals');
    if (!isHttpUrl(fields.returnUrl)) return mocasaInvalid('returnUrl', 'must be an absolute http(s) URL');
    if (this.orders.has(fields.orderNo)) return mocasaFail(MOCASA_CODES.duplicateOrder, `orderNo ${fields.orderNo} already exists`);
    if (this.orders.size >= ORDERS_MAX) return mocasaFail(MOCASA_CODES.serverError, 'sandbox order store is full; reset it', 200);
    const scenario = this.ctx.scenarios.take(fields.orderNo);
    const parsed = scenario ? parseMocasaScenario(scenario, this.options().resolveAfterMs) : undefined;
    const settings: MocasaScenarioSettings =
      parsed && typeof parsed !== 'string' ? parsed : { outcome: '', resolveAfterMs: this.options().resolveAfterMs, webhook: { ...DEFAULT_WEBHOOK_SETTINGS } };
    const now = this.now();
    const paymentLink = `${this.ctx.sandboxBaseUrl.replace(/\/+$/, '')}/mocasa/pay/${encodeURIComponent(fields.orderNo)}`;
    this.orders.set(fields.orderNo, {
      orderNo: fields.orderNo,
      amountMinor,
      productName: fields.productName,
      customerId: fields.customerId,
      returnUrl: fields.returnUrl,
      paymentLink,
      createdAtMs: now,
      status: 'pending',
      txMessage: 'waiting for payment',
      txTimeMs: now,
      settings,
    });
    return mocasaOk({ paymentLink, orderNo: fields.orderNo });
  }

  order(orderNo: string): SimOrder | undefined {
    return this.orders.get(orderNo);
  }

  queryOrder(fields: Record<string, string>): MocasaReply {
    if (!fields.orderNo) return mocasaMissing('orderNo');
    const order = this.orders.get(fields.orderNo);
    if (!order) return mocasaFail(MOCASA_CODES.orderNotFound, `order ${fields.orderNo} not found`);
    return mocasaOk({
      paymentLink: order.paymentLink,
      orderNo: order.orderNo,
      txStatus: order.status,
      txMessage: order.txMessage,
      txTime: order.txTimeMs,
      paymentMode: PAYMENT_MODE,
    });
  }

  /** What the scenario makes an automated shopper do on opening the page (undefined: wait for a click). */
  automaticAction(order: SimOrder): ShopperAction | undefined {
    switch (order.settings.outcome) {
      case 'pay':
      case 'unknown-then-pay':
        return 'pay';
      case 'fail':
      case 'unknown-then-fail':
        return 'fail';
      case 'cancel':
        return 'abandon';
      default:
        return undefined;
    }
  }

  /** The shopper's click. unknown-then-* keeps the query at `pending` and the webhook back until resolveAfterMs. */
  act(order: SimOrder, action: ShopperAction): void {
    if (order.actedAtMs !== undefined || order.status !== 'pending') return;
    const now = this.now();
    order.actedAtMs = now;
    const final =
      action === 'pay'
        ? { status: 'success' as const, message: 'payment success' }
        : action === 'fail'
          ? { status: 'failed' as const, message: 'payment failed' }
          : { status: 'failed' as const, message: 'cancelled by shopper' };
    if (order.settings.outcome.startsWith('unknown-then-')) {
      const resolveAtMs = now + order.settings.resolveAfterMs;
      order.pendingFinal = { ...final, resolveAtMs };
      const id = this.ctx.clock.schedule(resolveAtMs, `mocasa resolve ${order.orderNo}`, () => {
        this.resolveTasks.delete(id);
        this.finish(order, final.status, final.message);
      });
      this.resolveTasks.add(id);
      return;
    }
    this.finish(order, final.status, final.message);
  }

  private finish(order: SimOrder, status: 'success' | 'failed', message: string): void {
    const now = this.now();
    order.pendingFinal = undefined;
    order.status = status;
    order.txMessage = message;
    order.txTimeMs = now;
    if (status === 'success') order.successAtMs = now;
    const { webhook, wrongAmount } = order.settings;
    const amount = wrongAmount === undefined ? formatMinor(order.amountMinor) : wrongAmount === 'plus-one' ? formatMinor(order.amountMinor + 100n) : wrongAmount;
    const told = webhook.statusLies ? (status === 'success' ? 'failed' : 'success') : status;
    this.webhooks.send('payment', { orderNo: order.orderNo, amount, txStatus: told, txMessage: message, txTimeMs: now, paymentMode: PAYMENT_MODE }, webhook);
  }

  refundOrder(fields: Record<string, string>): MocasaReply {
    if (!fields.orderNo) return mocasaMissing('orderNo');
    if (!fields.reason?.trim()) return mocasaMissing('reason');
    const order = this.orders.get(fields.orderNo);
    if (!order) return mocasaFail(MOCASA_CODES.orderNotFound, `order ${fields.orderNo} not found`);
    if (order.status !== 'success' || order.successAtMs === undefined) return mocasaFail(MOCASA_CODES.refundNotAllowed, 'only successful orders can be refunded');
    if (order.refund) return mocasaFail(MOCASA_CODES.refundNotAllowed, 'order already refunded');
    if (this.now() >= order.successAtMs + this.options().settleAfterMs) return mocasaFail(MOCASA_CODES.refundNotAllowed, 'order is settled');
    const refundStatus = this.options().refundStatus;
    const refundRef = `RF${this.ctx.random.digits(14)}`;
    // The query keeps saying `success` after a refund (simulator convention, §7).
    order.refund = { refundRef, reason: fields.reason, atMs: this.now(), refundStatus };
    return mocasaOk({ refundStatus, orderNo: order.orderNo, refundRef });
  }

  // ---- payouts ----------------------------------------------------------------------------------

  createAccount(fields: Record<string, string>): MocasaReply {
    for (const name of ['idType', 'idNo', 'beneficiaryName', 'businessLisence', 'shopName']) if (!fields[name]?.trim()) return mocasaMissing(name);
    const tooLong = Object.keys(fields).find((name) => fields[name].length > FIELD_LENGTH_MAX);
    if (tooLong) return mocasaInvalid(tooLong, `must be at most ${FIELD_LENGTH_MAX} characters`);
    const accountNo = `MA${this.ctx.random.digits(12)}`;
    this.accounts.set(accountNo, { accountNo, beneficiaryName: fields.beneficiaryName, status: 'active', createdAtMs: this.now() });
    return mocasaOk({ accountNo, status: 'active' });
  }

  initiateTransfer(fields: Record<string, string>): { reply: MocasaReply; created?: SimTransfer } {
    for (const name of ['transferSerialNo', 'amount', 'payeeAccountNo', 'purpose']) if (!fields[name]?.trim()) return { reply: mocasaMissing(name) };
    if (!SERIAL_PATTERN.test(fields.transferSerialNo)) return { reply: mocasaInvalid('transferSerialNo', 'must be 1-64 characters of [A-Za-z0-9-]') };
    const amountMinor = positiveAmount(fields.amount);
    if (amountMinor === undefined) return { reply: mocasaInvalid('amount', 'must be a positive decimal string with at most 2 decimals') };
    const existing = this.transfers.get(fields.transferSerialNo);
    if (existing) {
      const same = existing.amountMinor === amountMinor && existing.payeeAccountNo === fields.payeeAccountNo && existing.purpose === fields.purpose;
      if (!same) return { reply: mocasaFail(MOCASA_CODES.duplicateTransfer, `transferSerialNo ${fields.transferSerialNo} was used with other parameters`) };
      return { reply: mocasaOk(transferData(existing)) };
    }
    if (!this.accounts.has(fields.payeeAccountNo)) return { reply: mocasaFail(MOCASA_CODES.accountNotFound, `account ${fields.payeeAccountNo} not found`) };
    const scenario = this.ctx.scenarios.peek(fields.transferSerialNo) ? this.ctx.scenarios.take(fields.transferSerialNo) : undefined;
    const parsed = scenario ? parseMocasaScenario(scenario) : undefined;
    const settings = parsed && typeof parsed !== 'string' ? parsed : undefined;
    const fails = scenario?.outcome === 'fail';
    this.syncBalance();
    if (!fails && amountMinor > this.balanceMinor) return { reply: mocasaFail(MOCASA_CODES.insufficientBalance, 'merchant balance is too low') };
    if (!fails) this.balanceMinor -= amountMinor;
    const transfer: SimTransfer = {
      transferSerialNo: fields.transferSerialNo,
      amountMinor,
      payeeAccountNo: fields.payeeAccountNo,
      purpose: fields.purpose,
      txStatus: fails ? 'failed' : 'success',
      txMessage: fails ? 'transfer failed' : 'transfer success',
      txTimeMs: this.now(),
    };
    this.transfers.set(transfer.transferSerialNo, transfer);
    const webhook = settings?.webhook ?? DEFAULT_WEBHOOK_SETTINGS;
    // Payout notice: the serial travels in `orderNo` (simulator convention, §7).
    this.webhooks.send(
      'payout',
      { orderNo: transfer.transferSerialNo, amount: formatMinor(amountMinor), txStatus: transfer.txStatus, txMessage: transfer.txMessage, txTimeMs: transfer.txTimeMs, paymentMode: PAYMENT_MODE },
      webhook,
    );
    return { reply: mocasaOk(transferData(transfer)), created: transfer };
  }

  queryTransfer(fields: Record<string, string>): MocasaReply {
    if (!fields.transferSerialNo) return mocasaMissing('transferSerialNo');
    const transfer = this.transfers.get(fields.transferSerialNo);
    if (!transfer) return mocasaFail(MOCASA_CODES.transferNotFound, `transfer ${fields.transferSerialNo} not found`);
    return mocasaOk(transferData(transfer));
  }

  /** A changed `merchantBalance` option restarts the balance from the new value. */
  private syncBalance(): void {
    const source = this.options().merchantBalance;
    if (source !== this.balanceSource) {
      this.balanceSource = source;
      this.balanceMinor = toMinor(source);
    }
  }

  // ---- inspection -------------------------------------------------------------------------------

  state(): Record<string, unknown> {
    this.syncBalance();
    const now = this.now();
    return {
      orders: [...this.orders.values()].map((o) => ({
        orderNo: o.orderNo,
        amount: formatMinor(o.amountMinor),
        productName: o.productName,
        customerId: o.customerId,
        returnUrl: o.returnUrl,
        paymentLink: o.paymentLink,
        txStatus: o.status,
        txMessage: o.txMessage,
        txTime: o.txTimeMs,
        createdAt: new Date(o.createdAtMs).toISOString(),
        scenario: o.settings.outcome || undefined,
        actedAt: o.actedAtMs === undefined ? undefined : new Date(o.actedAtMs).toISOString(),
        resolvesAt: o.pendingFinal ? new Date(o.pendingFinal.resolveAtMs).toISOString() : undefined,
        settlesAt: o.successAtMs === undefined ? undefined : new Date(o.successAtMs + this.options().settleAfterMs).toISOString(),
        refund: o.refund ? { refundRef: o.refund.refundRef, refundStatus: o.refund.refundStatus, at: new Date(o.refund.atMs).toISOString() } : undefined,
      })),
      tokens: [...this.tokens.values()].map((t) => ({ issuedAt: new Date(t.issuedAtMs).toISOString(), expiresAt: new Date(t.expiresAtMs).toISOString(), live: t.expiresAtMs > now })),
      accounts: [...this.accounts.values()],
      transfers: [...this.transfers.values()].map((t) => ({ ...t, amountMinor: undefined, amount: formatMinor(t.amountMinor) })),
      merchantBalance: formatMinor(this.balanceMinor),
      webhooks: this.webhooks.state(),
    };
  }

  reset(): void {
    for (const id of this.resolveTasks) this.ctx.clock.cancel(id);
    this.resolveTasks.clear();
    this.tokens.clear();
    this.orders.clear();
    this.accounts.clear();
    this.transfers.clear();
    this.balanceSource = this.options().merchantBalance;
    this.balanceMinor = toMinor(this.balanceSource);
    this.webhooks.reset();
  }
}

function transferData(t: SimTransfer): Record<string, unknown> {
  return { transferSerialNo: t.transferSerialNo, txStatus: t.txStatus, txMessage: t.txMessage, txTime: t.txTimeMs };
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}
