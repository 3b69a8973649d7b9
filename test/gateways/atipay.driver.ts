import type { AtipayConfig } from '@payledger/config';
import { SANDBOX_CREDENTIALS } from '@payledger/config';
import {
  AttemptOutcome,
  AttemptSnapshot,
  GatewayCallContext,
  InboundVerdict,
  InteractionRecorder,
  isGatewayError,
  StartPaymentResult,
} from '@payledger/gateways';
import { AtipayAdapter, atipayVerifyJobStep, planAtipayInbound } from '../../libs/gateways/src/atipay';
import { Money } from '@payledger/kernel';
import { createAtipaySimulator } from '../../apps/sandbox/src/atipay/atipay.simulator';
import { parseAutoSubmitForm } from '../../apps/sandbox/src/atipay/atipay.pages';
import { CaptureServer, CapturedRequest, startCaptureServer, startTestSandbox, TestSandbox, toInbound } from '../support/sandbox';
import type { GatewayScenarioDriver, ScenarioName, ScenarioRun } from './scenarios';

/** Short adapter timeouts: the sandbox's `timeout` fault holds a request until the client gives up. */
export const ATIPAY_TEST_TIMEOUTS_MS = { 'get-token': 400, 'verify-payment': 400 };
const AMOUNT_RIALS = 250_000;
const OPTION_DEFAULTS = { apiKeyRefusalHttpStatus: 200, callbackMode: 'browser', callbackTerminalId: null };

/**
 * Wires the AtiPay adapter to the simulator the way payledger's payment flow will: start → the buyer's
 * browser POSTs the redirect form → the simulator's page answers with the auto-submitting callback form →
 * the browser POSTs it to our callback route (a capture server here) → parseInbound → D7 plan → confirm;
 * jobs call inquire per the D6 schedule.
 */
export class AtipayHarness {
  sandbox!: TestSandbox;
  capture!: CaptureServer;
  adapter!: AtipayAdapter;
  config!: AtipayConfig;
  private counter = 0;

  async setup(): Promise<void> {
    this.capture = await startCaptureServer();
    this.sandbox = await startTestSandbox({ simulators: { atipay: createAtipaySimulator }, merchantBaseUrl: this.capture.url, seed: 'atipay-driver' });
    this.config = {
      baseUrl: `${this.sandbox.url}/atipay/v1`,
      apiKey: SANDBOX_CREDENTIALS.atipay.apiKey,
      terminalId: SANDBOX_CREDENTIALS.atipay.terminalId,
      abandonAfterMinutes: 40,
      isSandbox: true,
    };
    this.adapter = this.makeAdapter();
  }

  makeAdapter(overrides: Partial<AtipayConfig> = {}, now: () => Date = () => new Date()): AtipayAdapter {
    return new AtipayAdapter({
      config: { ...this.config, ...overrides },
      publicBaseUrl: this.capture.url,
      now,
      sleep: async () => undefined,
      timeoutsMs: ATIPAY_TEST_TIMEOUTS_MS,
    });
  }

  async teardown(): Promise<void> {
    await this.sandbox?.close();
    await this.capture?.close();
  }

  async reset(): Promise<void> {
    await this.sandbox.control('POST', '/reset');
    await this.sandbox.control('POST', '/atipay/options', OPTION_DEFAULTS);
    this.capture.requests.splice(0, this.capture.requests.length);
    this.capture.respondWith(200);
  }

  nextReference(): string {
    this.counter += 1;
    return `ATP-${Date.now().toString(36)}-${this.counter}`;
  }

  async start(ctx: GatewayCallContext, reference: string, adapter = this.adapter): Promise<{ result: StartPaymentResult; attempt: AttemptSnapshot }> {
    const amount = Money.of(AMOUNT_RIALS, 'IRR');
    const createdAt = new Date();
    const result = await adapter.startPayment(ctx, {
      paymentId: `pay-${reference}`,
      reference,
      orderId: `order-${reference}`,
      amount,
      description: 'scenario',
      customer: { mobile: '09121234567' },
    });
    const attempt: AttemptSnapshot = { reference, paymentId: `pay-${reference}`, amount, createdAt, outcome: result.outcome, refs: { ...result.refs }, orderId: `order-${reference}` };
    return { result, attempt };
  }

  /** The buyer's browser: POSTs the redirect form and returns the page's HTML. */
  async openPage(result: StartPaymentResult, action?: 'pay' | 'cancel' | 'fail' | 'abandon'): Promise<string> {
    const redirect = result.redirect!;
    const url = action ? `${redirect.url}/${action}` : redirect.url;
    const response = await fetch(url, { method: redirect.method, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(redirect.fields).toString() });
    return response.text();
  }

  /** The browser auto-submits the callback form to our callback route; returns what arrived there. */
  async submitCallback(html: string): Promise<CapturedRequest> {
    const form = parseAutoSubmitForm(html);
    if (!form) throw new Error(`the AtiPay page sent no callback form: ${html.slice(0, 200)}`);
    return this.postCallback(form.action, form.fields);
  }

  async postCallback(url: string, fields: Record<string, string>): Promise<CapturedRequest> {
    const before = this.capture.requests.length;
    await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() });
    return (await this.capture.waitFor(before + 1))[before];
  }

  /**
   * What payledger's callback route does with one AtiPay return: parse, record, D7 plan, confirm when the
   * plan says so, and merge the confirm result's refs (never the refs of a refused or anomalous notice).
   */
  async handleReturn(ctx: GatewayCallContext, attempt: AttemptSnapshot, captured: CapturedRequest, seen: Set<string>, verdicts: InboundVerdict[], adapter = this.adapter): Promise<AttemptOutcome> {
    const verdict = adapter.parseInbound(toInbound('return', captured));
    verdicts.push(verdict);
    const duplicate = verdict.dedupKey !== undefined && seen.has(verdict.dedupKey);
    if (verdict.dedupKey) seen.add(verdict.dedupKey);
    ctx.recorder.inboundReceived('atipay', 'return', verdict, { duplicate, receivedAt: captured.receivedAt, sourceIp: captured.sourceIp });
    if (!verdict.accepted) return attempt.outcome;
    if (verdict.lookup?.value !== attempt.reference) return attempt.outcome;
    const plan = planAtipayInbound(attempt, verdict);
    if (plan.action === 'answer_from_state' || plan.action === 'reject') return attempt.outcome;
    const result = await adapter.confirm(ctx, attempt, { trigger: 'return', inbound: verdict });
    attempt.outcome = result.outcome;
    if (result.refs) Object.assign(attempt.refs, result.refs);
    return result.outcome;
  }

  /** The D6 verify job: repeats the verify on its schedule until an answer, then failed_needs_review. */
  async runVerifyJob(ctx: GatewayCallContext, attempt: AttemptSnapshot, adapter = this.adapter): Promise<AttemptOutcome[]> {
    const seen: AttemptOutcome[] = [];
    for (let done = 0; attempt.outcome === 'unknown'; done++) {
      const step = atipayVerifyJobStep(done);
      if ('outcome' in step) {
        attempt.outcome = step.outcome;
        seen.push(step.outcome);
        break;
      }
      const result = await adapter.inquire(ctx, attempt);
      attempt.outcome = result.outcome;
      if (result.refs) Object.assign(attempt.refs, result.refs);
      seen.push(result.outcome);
    }
    return seen;
  }

  verifyCalls(): Promise<number> {
    return this.sandbox.control('GET', '/requests?gateway=atipay&direction=in&path=/verify-payment').then((r) => r.body.requests.length);
  }
}

export function createAtipayScenarioDriver(): GatewayScenarioDriver {
  const h = new AtipayHarness();
  return {
    gateway: 'atipay',
    expected: {
      pay: { outcome: 'paid' },
      cancel: { outcome: 'canceled' },
      fail: { outcome: 'failed' },
      // Both get-token tries time out (D2 retries once): no token reached anyone, the attempt is lost.
      timeout: { outcome: 'failed' },
      'unknown-then-resolved': { outcome: 'paid', intermediate: 'unknown' },
      'duplicate-return': { outcome: 'paid' },
      'forged-return': { outcome: 'failed' },
      'wrong-amount': { outcome: 'amount_mismatch' },
      'expired-credentials': { errorCode: 'GATEWAY.AUTH_FAILED' },
      'server-error': { outcome: 'failed_needs_review', intermediate: 'unknown' },
      'slow-response': { outcome: 'paid' },
    },
    secrets: [SANDBOX_CREDENTIALS.atipay.apiKey, 'expired-atipay-api-key'],
    setup: () => h.setup(),
    teardown: () => h.teardown(),
    async run(scenario: ScenarioName): Promise<ScenarioRun> {
      await h.reset();
      const recorder = new InteractionRecorder();
      const ctx: GatewayCallContext = { recorder };
      const verdicts: InboundVerdict[] = [];
      const intermediate: AttemptOutcome[] = [];
      const seen = new Set<string>();
      const reference = h.nextReference();
      const queue = (outcome: string, options: Record<string, unknown> = {}) => h.sandbox.control('POST', '/atipay/scenarios', { reference, outcome, ...options });
      const fault = (endpoint: string, kind: string, count: number, extra: Record<string, unknown> = {}) =>
        h.sandbox.control('POST', '/atipay/faults', { endpoint, kind, count, ...extra });
      const finish = async (outcome: AttemptOutcome | undefined, errorCode?: string): Promise<ScenarioRun> => ({
        outcome,
        errorCode,
        intermediate,
        events: recorder.drain(),
        verdicts,
        confirmCalls: await h.verifyCalls(),
      });
      /** start → page (scenario performs itself) → callback → confirm. */
      const payThrough = async (outcome: string, options: Record<string, unknown> = {}): Promise<AttemptSnapshot> => {
        await queue(outcome, options);
        const { result, attempt } = await h.start(ctx, reference);
        if (result.outcome !== 'pending') throw new Error(`start ended ${result.outcome}: ${JSON.stringify(result.failure)}`);
        const captured = await h.submitCallback(await h.openPage(result));
        await h.handleReturn(ctx, attempt, captured, seen, verdicts);
        return attempt;
      };

      try {
        switch (scenario) {
          case 'pay':
          case 'slow-response': {
            if (scenario === 'slow-response') {
              await fault('get-token', 'slow', 1, { delayMs: 150 });
              await fault('verify-payment', 'slow', 1, { delayMs: 150 });
            }
            const attempt = await payThrough('pay');
            return finish(attempt.outcome);
          }
          case 'cancel':
            return finish((await payThrough('cancel')).outcome);
          case 'fail':
            return finish((await payThrough('fail')).outcome);
          case 'timeout': {
            await fault('get-token', 'timeout', 2);
            const { result } = await h.start(ctx, reference);
            return finish(result.outcome);
          }
          case 'unknown-then-resolved': {
            // Every try inside the 60 s budget is verified at AtiPay but its reply is lost.
            await fault('verify-payment', 'commit-then-drop', 6);
            const attempt = await payThrough('pay');
            intermediate.push(attempt.outcome);
            await h.runVerifyJob(ctx, attempt);
            return finish(attempt.outcome);
          }
          case 'duplicate-return': {
            await queue('pay');
            const { result, attempt } = await h.start(ctx, reference);
            const html = await h.openPage(result);
            // The buyer refreshes the merchant's page: the browser reposts the same form.
            const first = await h.submitCallback(html);
            await h.handleReturn(ctx, attempt, first, seen, verdicts);
            intermediate.push(attempt.outcome);
            const second = await h.submitCallback(html);
            await h.handleReturn(ctx, attempt, second, seen, verdicts);
            return finish(attempt.outcome);
          }
          case 'forged-return': {
            const { attempt } = await h.start(ctx, reference);
            const forged = await h.postCallback(`${h.capture.url}/callbacks/atipay`, {
              state: 'OK',
              status: '2',
              referenceNumber: 'F0rgedF0rgedF0rgedF0rgedF0rgedF0rgedF0rgedF0rged12',
              reservationNumber: reference,
              terminalId: SANDBOX_CREDENTIALS.atipay.terminalId,
              traceNumber: '123456',
              rrn: '123456789012',
              maskedPan: '603799******0000',
            });
            await h.handleReturn(ctx, attempt, forged, seen, verdicts);
            return finish(attempt.outcome);
          }
          case 'wrong-amount':
            return finish((await payThrough('pay', { wrongAmount: 1000 })).outcome);
          case 'expired-credentials': {
            await h.sandbox.control('POST', '/atipay/options', { apiKeyRefusalHttpStatus: 401 });
            const stale = h.makeAdapter({ apiKey: 'expired-atipay-api-key' });
            await h.start(ctx, reference, stale);
            return finish(undefined, 'NO_ERROR');
          }
          case 'server-error': {
            await fault('verify-payment', '5xx', 100);
            const attempt = await payThrough('pay');
            intermediate.push(attempt.outcome);
            await h.runVerifyJob(ctx, attempt);
            return finish(attempt.outcome);
          }
        }
      } catch (error) {
        if (isGatewayError(error)) return finish(undefined, error.code);
        throw error;
      } finally {
        await h.sandbox.control('POST', '/atipay/options', OPTION_DEFAULTS);
      }
    },
  };
}
