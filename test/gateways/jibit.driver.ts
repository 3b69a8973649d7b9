import type { JibitConfig } from '@payledger/config';
import { SANDBOX_CREDENTIALS } from '@payledger/config';
import {
  AttemptOutcome,
  AttemptSnapshot,
  CollectingSessionSink,
  ConfirmResult,
  GatewayAdapterDeps,
  GatewayCallContext,
  InboundVerdict,
  InMemoryTokenStore,
  InteractionRecorder,
  isGatewayError,
  StartPaymentResult,
} from '@payledger/gateways';
import { Money } from '@payledger/kernel';
import { createJibitSimulator } from '../../apps/sandbox/src/jibit';
import { createJibitAdapter, JibitAdapter } from '../../libs/gateways/src/jibit';
import { CaptureServer, CapturedRequest, redirectAsCaptured, startCaptureServer, startTestSandbox, TestSandbox, toInbound } from '../support/sandbox';
import type { GatewayScenarioDriver, ScenarioName, ScenarioRun } from './scenarios';

/** Short adapter timeouts: the sandbox's `timeout` fault holds a request until the client gives up. */
export const JIBIT_TEST_TIMEOUTS_MS = {
  'tokens-generate': 800,
  'tokens-refresh': 800,
  'create-order': 800,
  verify: 800,
  inquiry: 800,
  'list-orders': 800,
};
export const JIBIT_TEST_AMOUNT = Money.of(150_000, 'IRR');
const MIN = 60_000;

/**
 * Wires the Jibit adapter to its simulator the way payledger's payment flow will: start → the buyer's
 * browser opens the switching URL → the simulator's 302 (or its own direct GET) reaches our callback
 * route (a capture server here) → parseInbound → lookup by orderIdentifier → confirm (verify, then
 * inquiry); jobs call recoverCreate / inquire / confirm('deadline') on their schedules. The adapter reads
 * the sandbox's clock, so advancing it moves tokens, deadlines and schedules together.
 */
export class JibitHarness {
  sandbox!: TestSandbox;
  capture!: CaptureServer;
  adapter!: JibitAdapter;
  config!: JibitConfig;
  sessionSink = new CollectingSessionSink();
  tokenStore = new InMemoryTokenStore();
  private counter = 0;

  async setup(): Promise<void> {
    this.capture = await startCaptureServer();
    this.sandbox = await startTestSandbox({ simulators: { jibit: createJibitSimulator }, merchantBaseUrl: this.capture.url });
    this.config = {
      baseUrl: `${this.sandbox.url}/jibit/ppg/v2`,
      apiKey: SANDBOX_CREDENTIALS.jibit.apiKey,
      secretKey: SANDBOX_CREDENTIALS.jibit.secretKey,
      verifyBeforeDeadline: true,
      amountMin: 100n,
      isSandbox: true,
    };
    this.adapter = this.makeAdapter();
  }

  now = (): Date => this.sandbox.clock.now();

  makeAdapter(config: Partial<JibitConfig> = {}, deps: Partial<GatewayAdapterDeps<JibitConfig>> = {}): JibitAdapter {
    return createJibitAdapter({
      config: { ...this.config, ...config },
      publicBaseUrl: this.capture.url,
      now: this.now,
      sleep: async () => undefined,
      random: () => 0.5,
      sessionSink: this.sessionSink,
      tokenStore: this.tokenStore,
      timeoutsMs: JIBIT_TEST_TIMEOUTS_MS,
      ...deps,
    });
  }

  async teardown(): Promise<void> {
    await this.sandbox?.close();
    await this.capture?.close();
  }

  /** Sandbox state, options and captured callbacks back to a clean slate; the adapter's token dies with it. */
  async reset(): Promise<void> {
    this.sandbox.sandbox.reset();
    const options = this.sandbox.sandbox.contexts.jibit!.options;
    for (const key of Object.keys(options)) delete options[key];
    this.capture.requests.splice(0, this.capture.requests.length);
    this.capture.respondWith(200);
    this.sessionSink.events.splice(0, this.sessionSink.events.length);
    this.tokenStore = new InMemoryTokenStore();
    this.adapter = this.makeAdapter();
  }

  nextReference(): string {
    this.counter += 1;
    return `JBT-${Date.now().toString(36)}-${this.counter}`;
  }

  async scenario(reference: string, outcome: string, options: Record<string, unknown> = {}): Promise<void> {
    const reply = await this.sandbox.control('POST', '/jibit/scenarios', { reference, outcome, ...options });
    if (reply.status !== 201) throw new Error(`scenario refused: ${JSON.stringify(reply.body)}`);
  }

  async fault(endpoint: string, kind: string, count = 1, extra: Record<string, unknown> = {}): Promise<void> {
    await this.sandbox.control('POST', '/jibit/faults', { endpoint, kind, count, ...extra });
  }

  async start(ctx: GatewayCallContext, reference: string, adapter = this.adapter, amount = JIBIT_TEST_AMOUNT): Promise<{ result: StartPaymentResult; attempt: AttemptSnapshot }> {
    // The attempt row (reference, amount, send time) is persisted before the request goes out (D5).
    const createdAt = this.now();
    const result = await adapter.startPayment(ctx, {
      paymentId: `pay_${reference}`,
      reference,
      orderId: `ORD-${reference}`,
      amount,
      description: 'scenario suite',
      customer: { id: `cust-${reference}`.slice(0, 50), mobile: '09120000000' },
    });
    return { result, attempt: { reference, paymentId: `pay_${reference}`, amount, createdAt, outcome: result.outcome, refs: result.refs, orderId: `ORD-${reference}` } };
  }

  /** The buyer's browser opening the switching URL; with a scenario the simulator acts at once. */
  async visit(url: string, action?: string): Promise<Response> {
    const target = action ? `${url}${url.includes('?') ? '&' : '?'}action=${action}` : url;
    const response = await fetch(target, { redirect: 'manual', headers: { accept: 'text/html' } });
    await response.text();
    return response;
  }

  /** Follows the simulator's 302 to our callback without a network hop and parses it as the api would. */
  returnVia(response: Response, adapter = this.adapter): InboundVerdict {
    const location = response.headers.get('location');
    if (response.status !== 302 || !location) throw new Error(`expected a 302 back to the merchant, got ${response.status}`);
    return adapter.parseInbound(toInbound('return', redirectAsCaptured(location)));
  }

  parseCaptured(captured: CapturedRequest, adapter = this.adapter): InboundVerdict {
    return adapter.parseInbound(toInbound('return', captured));
  }

  /** What the payment flow does with an accepted return: find the attempt by the verdict's lookup, then confirm. */
  async confirmReturn(ctx: GatewayCallContext, attempt: AttemptSnapshot, verdict: InboundVerdict, adapter = this.adapter): Promise<ConfirmResult> {
    if (!verdict.accepted) throw new Error(`return refused: ${verdict.rejection?.code}`);
    if (verdict.lookup?.by !== 'orderIdentifier' || attempt.refs[verdict.lookup.by] !== verdict.lookup.value) throw new Error('CALLBACK.UNKNOWN_REFERENCE');
    return adapter.confirm(ctx, attempt, { trigger: 'return', inbound: verdict });
  }

  /** The attempt after a result, as the payment's evolve would store it. */
  advanceAttempt(attempt: AttemptSnapshot, result: { outcome: AttemptOutcome; refs?: Record<string, string> }): AttemptSnapshot {
    return { ...attempt, outcome: result.outcome, refs: { ...attempt.refs, ...(result.refs ?? {}) } };
  }

  async advanceClock(ms: number): Promise<void> {
    await this.sandbox.clock.advance(ms);
  }

  /**
   * How many answered requests reached Jibit paths containing `pathPart` (from the sandbox's request log;
   * a connection the simulator dropped is not logged). A path ending in `$` must match exactly.
   */
  requestsTo(method: string, pathPart: string): number {
    const exact = pathPart.endsWith('$') ? `${this.config.baseUrl.replace(/^https?:\/\/[^/]+/, '')}${pathPart.slice(0, -1)}` : undefined;
    return this.sandbox.sandbox.log
      .list({ gateway: 'jibit', direction: 'in' })
      .filter((r) => r.method === method && (exact ? r.path === exact : r.path.includes(pathPart))).length;
  }
}

export function createJibitScenarioDriver(): GatewayScenarioDriver {
  const h = new JibitHarness();
  return {
    gateway: 'jibit',
    expected: {
      pay: { outcome: 'paid' },
      // §3.9: Jibit knows no buyer cancel; a cancel at the PSP page is FAILED.
      cancel: { outcome: 'failed' },
      fail: { outcome: 'failed' },
      // The create times out unexecuted; the D6 lookups find nothing; after the +120 s lookup it is lost.
      timeout: { outcome: 'failed', intermediate: 'create_unknown' },
      'unknown-then-resolved': { outcome: 'paid', intermediate: 'unknown' },
      'duplicate-return': { outcome: 'paid' },
      // Unsigned (§4): accepted for parsing, then verify Failed + inquiry IN_PROGRESS — still pending.
      'forged-return': { outcome: 'pending' },
      'wrong-amount': { outcome: 'amount_mismatch' },
      // D4: regenerate once, retry once, carry on.
      'expired-credentials': { outcome: 'paid' },
      // D8/D12: verify 5xx through every retry → unknown, inquiry scheduled.
      'server-error': { outcome: 'unknown' },
      'slow-response': { outcome: 'paid' },
    },
    get secrets() {
      return [h.config.apiKey, h.config.secretKey];
    },
    setup: () => h.setup(),
    teardown: () => h.teardown(),
    run: (scenario) => runScenario(h, scenario),
  };
}

async function runScenario(h: JibitHarness, scenario: ScenarioName): Promise<ScenarioRun> {
  const recorder = new InteractionRecorder(h.now);
  const ctx: GatewayCallContext = { recorder };
  const verdicts: InboundVerdict[] = [];
  const intermediate: AttemptOutcome[] = [];
  const reference = h.nextReference();
  let outcome: AttemptOutcome | undefined;
  let confirmCalls: number | undefined;

  const payAndReturn = async (options: Record<string, unknown> = {}, before?: () => Promise<void>, buyer = 'pay') => {
    await h.scenario(reference, buyer, options);
    const { attempt, result: started } = await startPending(h, ctx, reference);
    const verdict = h.returnVia(await h.visit(started.redirect!.url));
    verdicts.push(verdict);
    if (before) await before();
    return { attempt, result: await h.confirmReturn(ctx, attempt, verdict) };
  };

  try {
    switch (scenario) {
      case 'pay':
      case 'slow-response':
      case 'wrong-amount': {
        const options = scenario === 'wrong-amount' ? { wrongAmount: 1000 } : {};
        const slow = scenario === 'slow-response' ? () => h.fault('orders-verify', 'slow', 1, { delayMs: 300 }) : undefined;
        outcome = (await payAndReturn(options, slow)).result.outcome;
        break;
      }
      case 'cancel':
      case 'fail': {
        await h.scenario(reference, scenario);
        const { attempt, result: started } = await startPending(h, ctx, reference);
        const verdict = h.returnVia(await h.visit(started.redirect!.url));
        verdicts.push(verdict);
        outcome = (await h.confirmReturn(ctx, attempt, verdict)).outcome;
        break;
      }
      case 'timeout': {
        await h.fault('orders-create', 'timeout', 1, { delayMs: 10_000 });
        let { result, attempt } = await h.start(ctx, reference);
        intermediate.push(result.outcome);
        for (const offsetMs of [10_000, 30_000, 60_000, 120_000]) {
          await h.advanceClock(attempt.createdAt.getTime() + offsetMs - h.now().getTime());
          result = await h.adapter.recoverCreate(ctx, attempt);
          attempt = h.advanceAttempt(attempt, result);
          if (result.outcome !== 'create_unknown') break;
          intermediate.push(result.outcome);
        }
        outcome = result.outcome;
        break;
      }
      case 'unknown-then-resolved': {
        const { attempt, result } = await payAndReturn({}, undefined, 'unknown-then-pay');
        intermediate.push(result.outcome);
        await h.advanceClock(5 * MIN);
        outcome = (await h.adapter.inquire(ctx, h.advanceAttempt(attempt, result))).outcome;
        break;
      }
      case 'duplicate-return': {
        await h.scenario(reference, 'pay', { callback: 'direct', repeat: 2 });
        const started = await startPending(h, ctx, reference);
        let attempt = started.attempt;
        const before = h.capture.requests.length;
        await h.visit(started.result.redirect!.url);
        const captured = await h.capture.waitFor(before + 2);
        for (const request of captured.slice(before)) {
          const verdict = h.parseCaptured(request);
          verdicts.push(verdict);
          // D7: the flow holds a per-attempt lock; the second return finds the attempt final and is answered from it.
          const result = await h.confirmReturn(ctx, attempt, verdict);
          attempt = h.advanceAttempt(attempt, result);
        }
        outcome = attempt.outcome;
        confirmCalls = h.requestsTo('GET', `/orders/${attempt.refs.orderIdentifier}/verify`);
        break;
      }
      case 'forged-return': {
        const { attempt } = await startPending(h, ctx, reference);
        const forged = new URL(`${h.capture.url}/callbacks/jibit`);
        forged.search = new URLSearchParams({ amount: '150000', refnum: attempt.refs.orderIdentifier, state: 'SUCCESSFUL' }).toString();
        const verdict = h.adapter.parseInbound(toInbound('return', redirectAsCaptured(forged.toString())));
        verdicts.push(verdict);
        outcome = (await h.confirmReturn(ctx, attempt, verdict)).outcome;
        break;
      }
      case 'expired-credentials': {
        await h.adapter.ensureSession();
        // Another client generates a pair while the simulator invalidates earlier ones: our token is dead (D4).
        const options = h.sandbox.sandbox.contexts.jibit!.options;
        options.invalidateOnGenerate = true;
        await fetch(`${h.config.baseUrl}/tokens/generate`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ apiKey: h.config.apiKey, secretKey: h.config.secretKey }),
        });
        delete options.invalidateOnGenerate;
        outcome = (await payAndReturn()).result.outcome;
        break;
      }
      case 'server-error': {
        const { result } = await payAndReturn({}, () => h.fault('orders-verify', '5xx', 4));
        outcome = result.outcome;
        break;
      }
    }
  } catch (error) {
    if (isGatewayError(error)) return { errorCode: error.code, events: recorder.drain(), verdicts, intermediate };
    throw error;
  }
  return { outcome, intermediate, events: recorder.drain(), verdicts, confirmCalls };
}

async function startPending(h: JibitHarness, ctx: GatewayCallContext, reference: string): Promise<{ attempt: AttemptSnapshot; result: StartPaymentResult }> {
  const started = await h.start(ctx, reference);
  if (started.result.outcome !== 'pending') throw new Error(`create ended ${started.result.outcome}: ${JSON.stringify(started.result.failure)}`);
  return started;
}
