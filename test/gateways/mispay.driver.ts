import { SANDBOX_CREDENTIALS } from '@payledger/config';
import { Money } from '@payledger/kernel';
import { createMispaySimulator } from '../../apps/sandbox/src/mispay/mispay.simulator';
import { CollectingSessionSink, InMemoryTokenStore, InteractionRecorder, Sleep, TokenStore } from '../../libs/gateways/src/http';
import { AttemptSnapshot, ConfirmResult, GatewayCallContext, InboundVerdict, isGatewayError, StartPaymentInput } from '../../libs/gateways/src/port';
import { MispayAdapter, MispayConfig } from '../../libs/gateways/src/mispay';
import { CaptureServer, redirectAsCaptured, startCaptureServer, startTestSandbox, TestSandbox, toInbound } from '../support/sandbox';
import { GatewayScenarioDriver, ScenarioName, ScenarioRun } from './scenarios';

/**
 * Plays the shared scenarios against the MIS Pay simulator the way payledger's payment flow will:
 * start-checkout → the buyer's browser on the MIS Pay page → the 302 back parsed with parseInbound →
 * confirm (compare, end), or the track-checkout job's inquire. The harness below is reused by the
 * adapter-specific tests.
 */

/** Short adapter timeouts so timeouts cost test time in milliseconds, not the real 30 s. */
export const TEST_TIMEOUTS_MS = {
  token: 5_000,
  'start-checkout': 1_000,
  'get-checkout': 3_000,
  'track-checkout': 1_000,
  'end-checkout': 1_000,
  refund: 1_000,
  'update-order-id': 1_000,
};

export interface AdapterOverrides {
  config?: Partial<MispayConfig>;
  timeoutsMs?: Partial<Record<string, number>>;
  sleep?: Sleep;
  tokenStore?: TokenStore;
  sessionSink?: CollectingSessionSink;
}

export interface MispayHarness {
  sb: TestSandbox;
  capture: CaptureServer;
  config: MispayConfig;
  sessionSink: CollectingSessionSink;
  adapter: MispayAdapter;
  makeAdapter(overrides?: AdapterOverrides): MispayAdapter;
  close(): Promise<void>;
}

export async function startMispayHarness(): Promise<MispayHarness> {
  const capture = await startCaptureServer();
  const sb = await startTestSandbox({ simulators: { mispay: createMispaySimulator }, merchantBaseUrl: capture.url });
  const config: MispayConfig = {
    baseUrl: `${sb.url}/mispay/v1/api`,
    appId: SANDBOX_CREDENTIALS.mispay.appId,
    appSecret: SANDBOX_CREDENTIALS.mispay.appSecret,
    sendCallbackUri: false,
    webhookAllowedIps: [],
    updateOrderIdPath: '/checkout/{checkoutId}/order-id',
    isSandbox: true,
  };
  const sessionSink = new CollectingSessionSink();
  const makeAdapter = (overrides: AdapterOverrides = {}) =>
    new MispayAdapter({
      config: { ...config, ...(overrides.config ?? {}) },
      publicBaseUrl: capture.url,
      // The adapter and the simulator share one clock, so token expiry and the 24 h window agree.
      now: () => sb.clock.now(),
      sleep: overrides.sleep ?? (async () => undefined),
      timeoutsMs: { ...TEST_TIMEOUTS_MS, ...(overrides.timeoutsMs ?? {}) },
      tokenStore: overrides.tokenStore ?? new InMemoryTokenStore(),
      sessionSink: overrides.sessionSink ?? sessionSink,
    });
  return {
    sb,
    capture,
    config,
    sessionSink,
    adapter: makeAdapter(),
    makeAdapter,
    close: async () => {
      await sb.close();
      await capture.close();
    },
  };
}

let referenceSeq = 0;
/** Unique per attempt, ≤ 32 characters of [A-Za-z0-9-] (D4). */
export function nextReference(prefix = 'MP'): string {
  return `${prefix}-${Date.now().toString(36)}-${++referenceSeq}`;
}

const sar = (minor: bigint) => Money.of(minor, 'SAR');
export const PURCHASE = sar(22_000n);

/** 2 × 100.00 + 30.00 VAT − 10.00 discount = 220.00 SAR. */
export function paymentInput(reference: string, overrides: Partial<StartPaymentInput> = {}): StartPaymentInput {
  return {
    paymentId: `pay_${reference}`,
    reference,
    orderId: `ORD-${reference}`,
    amount: PURCHASE,
    customer: { mobile: '0512345678', firstName: 'Sara', email: 'sara@example.com' },
    items: [{ sku: 'KETTLE-1', name: 'Kettle', quantity: 2, unitAmount: sar(10_000n) }],
    breakdown: { shipping: sar(0n), vat: sar(3_000n), discount: sar(1_000n) },
    ...overrides,
  };
}

export function newContext(sb: TestSandbox): GatewayCallContext & { recorder: InteractionRecorder } {
  return { recorder: new InteractionRecorder(() => sb.clock.now()) };
}

/** What the payment layer keeps about one attempt, moved along by each ConfirmResult. */
export function snapshot(reference: string, refs: Record<string, string>, createdAt: Date): AttemptSnapshot {
  return { reference, paymentId: `pay_${reference}`, amount: PURCHASE, createdAt, outcome: 'pending', refs: { ...refs }, orderId: `ORD-${reference}` };
}

export function apply(attempt: AttemptSnapshot, result: ConfirmResult): void {
  attempt.outcome = result.outcome;
  attempt.refs = { ...attempt.refs, ...(result.refs ?? {}) };
}

export async function visit(url: string): Promise<{ status: number; location?: string; text: string }> {
  const response = await fetch(url, { redirect: 'manual' });
  return { status: response.status, location: response.headers.get('location') ?? undefined, text: await response.text() };
}

export async function control(sb: TestSandbox, method: 'GET' | 'POST', path: string, body?: unknown) {
  const reply = await sb.control(method, path, body);
  if (reply.status >= 400) throw new Error(`sandbox control ${path}: ${JSON.stringify(reply.body)}`);
  return reply.body;
}

export function sandboxCalls(sb: TestSandbox, pathPart: string): number {
  return sb.sandbox.log.list({ gateway: 'mispay', direction: 'in', path: pathPart }).length;
}

export function createMispayDriver(): GatewayScenarioDriver {
  let h: MispayHarness;

  async function run(scenario: ScenarioName): Promise<ScenarioRun> {
    const { sb, adapter } = h;
    const ctx = newContext(sb);
    const verdicts: InboundVerdict[] = [];
    const intermediate: ScenarioRun['intermediate'] = [];
    const reference = nextReference('SC');
    const endsBefore = sandboxCalls(sb, '/end');
    let attempt: AttemptSnapshot | undefined;

    const start = async (scenarioOptions?: Record<string, unknown>) => {
      if (scenarioOptions) await control(sb, 'POST', '/mispay/scenarios', { reference, ...scenarioOptions });
      const result = await adapter.startPayment(ctx, paymentInput(reference));
      attempt = snapshot(reference, result.refs, sb.clock.now());
      attempt.outcome = result.outcome === 'pending' ? 'pending' : 'failed';
      return result;
    };
    /** The buyer's browser comes back: payledger parses, looks the attempt up, confirms. */
    const buyerReturns = async (location: string) => {
      const verdict = await adapter.parseInboundAsync(toInbound('return', redirectAsCaptured(location)));
      verdicts.push(verdict);
      if (!verdict.accepted || verdict.lookup?.value !== attempt!.reference) return;
      apply(attempt!, await adapter.confirm(ctx, attempt!, { trigger: 'return', inbound: verdict }));
    };
    const payThroughPage = async (scenarioOptions: Record<string, unknown>) => {
      const started = await start(scenarioOptions);
      const page = await visit(started.redirect!.url);
      if (page.status !== 302) throw new Error(`expected the page to send the buyer back, got ${page.status}`);
      await buyerReturns(page.location!);
      return started;
    };

    let errorCode: string | undefined;
    try {
      switch (scenario) {
        case 'pay':
        case 'cancel':
        case 'fail':
          await payThroughPage({ outcome: scenario });
          break;
        case 'timeout':
          // D4: a start-checkout without an answer is abandoned at once, never re-sent.
          await control(sb, 'POST', '/mispay/faults', { endpoint: 'start-checkout', kind: 'timeout', count: 1 });
          await start();
          break;
        case 'unknown-then-resolved': {
          const started = await start({ outcome: 'unknown-then-pay', resolveAfterMs: 60_000 });
          await visit(started.redirect!.url);
          const first = await adapter.inquire(ctx, attempt!);
          intermediate.push(first.outcome);
          apply(attempt!, first);
          await sb.clock.advance(60_000);
          apply(attempt!, await adapter.inquire(ctx, attempt!));
          break;
        }
        case 'duplicate-return': {
          const started = await payThroughPage({ outcome: 'pay' });
          // A reload of the finished MIS Pay page sends the same return again.
          const again = await visit(started.redirect!.url);
          await buyerReturns(again.location!);
          break;
        }
        case 'forged-return': {
          const started = await start({ outcome: 'pay', corrupt: true });
          const page = await visit(started.redirect!.url);
          await buyerReturns(page.location!);
          const forged = new URL(page.location!);
          forged.searchParams.set('_', Buffer.from(Buffer.alloc(64, 7).toString('base64')).toString('base64'));
          await buyerReturns(forged.toString());
          break;
        }
        case 'wrong-amount':
          await payThroughPage({ outcome: 'pay', wrongAmount: 100 });
          break;
        case 'expired-credentials':
          await control(sb, 'POST', '/mispay/faults', { endpoint: 'start-checkout', kind: 'expired-token', count: 1 });
          await payThroughPage({ outcome: 'pay' });
          break;
        case 'server-error':
          // End fails on every try (1 + 3 retries): the attempt stays authorized (D6).
          await control(sb, 'POST', '/mispay/faults', { endpoint: 'end', kind: '5xx', count: 4 });
          await payThroughPage({ outcome: 'pay' });
          break;
        case 'slow-response':
          await control(sb, 'POST', '/mispay/faults', { endpoint: 'checkout', kind: 'slow', delayMs: 300, count: 1 });
          await payThroughPage({ outcome: 'pay' });
          break;
      }
    } catch (error) {
      if (!isGatewayError(error)) throw error;
      errorCode = error.code;
    }
    return {
      outcome: errorCode ? undefined : attempt?.outcome,
      intermediate,
      errorCode,
      events: ctx.recorder.drain(),
      verdicts,
      confirmCalls: sandboxCalls(sb, '/end') - endsBefore,
    };
  }

  return {
    gateway: 'mispay',
    expected: {
      pay: { outcome: 'paid' },
      cancel: { outcome: 'canceled' },
      fail: { outcome: 'failed' },
      timeout: { outcome: 'failed' },
      'unknown-then-resolved': { outcome: 'paid', intermediate: 'pending' },
      'duplicate-return': { outcome: 'paid' },
      'forged-return': { outcome: 'pending' },
      'wrong-amount': { outcome: 'amount_mismatch' },
      'expired-credentials': { outcome: 'paid' },
      'server-error': { outcome: 'authorized' },
      'slow-response': { outcome: 'paid' },
    },
    secrets: [SANDBOX_CREDENTIALS.mispay.appSecret],
    setup: async () => {
      h = await startMispayHarness();
    },
    teardown: () => h.close(),
    run,
  };
}
