import type { SimulatorContext } from '../core';
import type { MocasaWebhookSettings } from './mocasa.scenarios';
import { mocasaSimSignature } from './mocasa.signing';

/** §7: retries at growing intervals on the sandbox clock. */
export const WEBHOOK_RETRY_DELAYS_DEFAULT_MS: readonly number[] = [1, 2, 4, 8, 16, 32].map((minutes) => minutes * 60_000);
/** §4.2: "disables the endpoint after more than five failures". */
export const WEBHOOK_DISABLE_AFTER_FAILURES_DEFAULT = 5;
const DELIVERIES_KEPT_MAX = 1000;
const WRONG_SECRET = 'not-the-webhook-secret';

export interface MocasaWebhookPayload {
  orderNo: string;
  /** Decimal text; sent as a JSON number, or as text in a form. */
  amount: string;
  txStatus: string;
  txMessage: string;
  txTimeMs: number;
  paymentMode: string;
}

export interface MocasaDelivery {
  id: number;
  subject: 'payment' | 'payout';
  orderNo: string;
  txStatus: string;
  encoding: 'json' | 'form';
  signature: 'raw' | 'hex' | 'bad' | 'none';
  state: 'scheduled' | 'delivered' | 'retrying' | 'failed' | 'dropped' | 'skipped-disabled';
  attempts: Array<{ at: string; status?: number; error?: string }>;
  nextAttemptAt?: string;
  payload: MocasaWebhookPayload;
}

export interface MocasaWebhookConfig {
  url: string;
  secret: string;
  encoding: 'json' | 'form';
  signature: 'raw' | 'hex';
  retryDelaysMs: readonly number[];
  disableAfterFailures: number;
}

/**
 * Webhook delivery as §4.2 describes it: any 2xx acknowledges, anything else (3xx included) is a failure
 * retried later; more than `disableAfterFailures` failures in a row disable the endpoint until reset.
 */
export class MocasaWebhookSender {
  private deliveries: MocasaDelivery[] = [];
  private consecutiveFailures = 0;
  private disabled = false;
  private nextId = 1;
  private readonly taskIds = new Set<number>();

  constructor(
    private readonly ctx: SimulatorContext,
    private readonly config: () => MocasaWebhookConfig,
  ) {}

  /** Queues the notice per the scenario's settings; returns the deliveries created. */
  send(subject: 'payment' | 'payout', payload: MocasaWebhookPayload, settings: MocasaWebhookSettings): MocasaDelivery[] {
    const config = this.config();
    const signature = settings.signature === 'default' ? config.signature : settings.signature;
    const encoding = settings.form ? 'form' : config.encoding;
    const make = (): MocasaDelivery => this.track({ id: this.nextId++, subject, orderNo: payload.orderNo, txStatus: payload.txStatus, encoding, signature, state: 'scheduled', attempts: [], payload });
    if (settings.drop) {
      const dropped = make();
      dropped.state = 'dropped';
      return [dropped];
    }
    const burst = Array.from({ length: settings.burst }, make);
    const repeats = Array.from({ length: settings.repeat }, make);
    const run = async () => {
      await Promise.all(burst.map((d) => this.attempt(d)));
      for (const d of repeats) await this.attempt(d);
    };
    if (settings.delayMs > 0) {
      const at = new Date(this.ctx.clock.nowMs() + settings.delayMs).toISOString();
      for (const d of [...burst, ...repeats]) d.nextAttemptAt = at;
      this.later(settings.delayMs, `mocasa webhook ${payload.orderNo} ${payload.txStatus}`, run);
    } else {
      // Sent after this request's reply, as a real gateway's notice would be.
      setImmediate(() => void run());
    }
    return [...burst, ...repeats];
  }

  state() {
    return {
      url: this.config().url,
      consecutiveFailures: this.consecutiveFailures,
      disabled: this.disabled,
      deliveries: this.deliveries,
    };
  }

  reset(): void {
    for (const id of this.taskIds) this.ctx.clock.cancel(id);
    this.taskIds.clear();
    this.deliveries = [];
    this.consecutiveFailures = 0;
    this.disabled = false;
  }

  private track(delivery: MocasaDelivery): MocasaDelivery {
    this.deliveries.push(delivery);
    if (this.deliveries.length > DELIVERIES_KEPT_MAX) this.deliveries.splice(0, this.deliveries.length - DELIVERIES_KEPT_MAX);
    return delivery;
  }

  private later(delayMs: number, label: string, run: () => Promise<void>): void {
    const id = this.ctx.clock.after(delayMs, label, async () => {
      this.taskIds.delete(id);
      await run();
    });
    this.taskIds.add(id);
  }

  private async attempt(delivery: MocasaDelivery): Promise<void> {
    const config = this.config();
    delivery.nextAttemptAt = undefined;
    if (this.disabled) {
      delivery.state = 'skipped-disabled';
      return;
    }
    const headers: Record<string, string> = {};
    const { payload } = delivery;
    if (delivery.signature !== 'none') {
      const secret = delivery.signature === 'bad' ? WRONG_SECRET : config.secret;
      headers.signature = mocasaSimSignature(payload.orderNo, payload.txStatus, secret, delivery.signature === 'hex' ? 'hex' : 'raw');
    }
    const fields = { orderNo: payload.orderNo, txStatus: payload.txStatus, txMessage: payload.txMessage, txTime: String(payload.txTimeMs), paymentMode: payload.paymentMode };
    const result = await this.ctx.deliver({
      url: config.url,
      method: 'POST',
      headers,
      ...(delivery.encoding === 'form' ? { form: { ...fields, amount: payload.amount } } : { json: { ...fields, amount: Number(payload.amount) } }),
    });
    delivery.attempts.push({ at: this.ctx.clock.now().toISOString(), status: result.status, error: result.error });
    if (result.status !== undefined && result.status >= 200 && result.status < 300) {
      delivery.state = 'delivered';
      this.consecutiveFailures = 0;
      return;
    }
    this.consecutiveFailures += 1;
    if (this.consecutiveFailures > config.disableAfterFailures) {
      this.disabled = true;
      delivery.state = 'failed';
      return;
    }
    const delayMs = config.retryDelaysMs[delivery.attempts.length - 1];
    if (delayMs === undefined) {
      delivery.state = 'failed';
      return;
    }
    delivery.state = 'retrying';
    delivery.nextAttemptAt = new Date(this.ctx.clock.nowMs() + delayMs).toISOString();
    this.later(delayMs, `mocasa webhook retry ${payload.orderNo}`, () => this.attempt(delivery));
  }
}
