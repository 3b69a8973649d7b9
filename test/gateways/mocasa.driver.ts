import type { NewEvent } from '@payledger/event-store';
import {
  AttemptOutcome,
  AttemptSnapshot,
  CollectingSessionSink,
  ConfirmResult,
  FINAL_ATTEMPT_OUTCOMES,
  GatewayCallContext,
  InboundVerdict,
  InteractionRecorder,
  isGatewayError,
  StartPaymentResult,
} from '@payledger/gateways';
import { Money } from '@payledger/kernel';
import { SANDBOX_CREDENTIALS } from '@payledger/config';
import { createMocasaAdapter, MocasaAdapter, type MocasaConfig } from '../../libs/gateways/src/mocasa';
import { createMocasaSimulator } from '../../apps/sandbox/src/mocasa';
import { CaptureServer, CapturedRequest, redirectAsCaptured, startCaptureServer, startTestSandbox, TestSandbox, toInbound } from '../support/sandbox';
import type { GatewayScenarioDriver, ScenarioName, ScenarioRun } from './scenarios';

/** Short enough that a held request costs the suite little, long enough for a loaded 2-core machine. */
export const MOCASA_TEST_TIMEOUTS_MS = { default: 3000, 'create-order': 600, 'initiate-transfer': 600, 'refund-order': 600 };

export interface MocasaTestRig {
  sandbox: TestSandbox;
  capture: CaptureServer;
  sessionSink: CollectingSessionSink;
  config: MocasaConfig;
  adapter: MocasaAdapter;
  /** Every recorder handed out, so a test can scan all recorded events. */
  recorders: InteractionRecorder[];
  sleeps: number[];
  context(): GatewayCallContext & { recorder: InteractionRecorder };
  makeAdapter(overrides?: { config?: Partial<MocasaConfig>; now?: () => Date; baseUrl?: string }): MocasaAdapter;
  close(): Promise<void>;
}

/** Sandbox (Mocasa only) + capture server standing in for payledger's /callbacks and /webhooks + adapter. */
export async function startMocasaRig(options: { sandboxOptions?: Record<string, unknown> } = {}): Promise<MocasaTestRig> {
  const capture = await startCaptureServer();
  const sandbox = await startTestSandbox({
    simulators: { mocasa: createMocasaSimulator },
    merchantBaseUrl: capture.url,
    credentials: { mocasa: { ...SANDBOX_CREDENTIALS.mocasa } },
    options: { mocasa: options.sandboxOptions ?? {} },
  });
  const sessionSink = new CollectingSessionSink();
  const recorders: InteractionRecorder[] = [];
  const sleeps: number[] = [];
  const config: MocasaConfig = {
    baseUrl: `${sandbox.url}/mocasa`,
    clientKey: SANDBOX_CREDENTIALS.mocasa.clientKey,
    clientSecret: SANDBOX_CREDENTIALS.mocasa.clientSecret,
    webhookSecret: SANDBOX_CREDENTIALS.mocasa.clientSecret,
    authCodes: ['401', '403'],
    orderNotFoundCodes: ['ORDER_NOT_FOUND'],
    transferNotFoundCodes: ['TRANSFER_NOT_FOUND'],
    isSandbox: true,
  };
  const makeAdapter: MocasaTestRig['makeAdapter'] = (overrides = {}) =>
    createMocasaAdapter({
      config: { ...config, ...(overrides.baseUrl ? { baseUrl: overrides.baseUrl } : {}), ...(overrides.config ?? {}) },
      publicBaseUrl: capture.url,
      now: overrides.now ?? (() => sandbox.clock.now()),
      // Recovery schedules and retry back-off are recorded and pass on the sandbox clock, never in real time.
      sleep: async (ms) => {
        sleeps.push(ms);
        await sandbox.clock.advance(ms);
      },
      random: () => 0.5,
      sessionSink,
      timeoutsMs: MOCASA_TEST_TIMEOUTS_MS,
    }) as MocasaAdapter;
  return {
    sandbox,
    capture,
    sessionSink,
    config,
    adapter: makeAdapter(),
    recorders,
    sleeps,
    context() {
      const recorder = new InteractionRecorder(() => sandbox.clock.now());
      recorders.push(recorder);
      return { recorder };
    },
    makeAdapter,
    async close() {
      await sandbox.close();
      await capture.close();
    },
  };
}

let referenceCounter = 0;
/** A fresh attempt reference per run (`PL…`, as payledger makes them). */
export function nextReference(tag = 'T'): string {
  referenceCounter += 1;
  return `PL${tag}${Date.now().toString(36)}${referenceCounter}`.slice(0, 32);
}

export function snapshotFrom(reference: string, amount: Money, createdAt: Date, started: Pick<StartPaymentResult, 'outcome' | 'refs'>): AttemptSnapshot {
  return { reference, paymentId: `pay_${reference}`, amount, createdAt, outcome: started.outcome, refs: { ...started.refs }, orderId: `ORD-${reference}` };
}

/** The shopper opens the payment link; the Location of the 302 back to us, if there is one. */
export async function visitPaymentLink(url: string): Promise<string | undefined> {
  const response = await fetch(url, { redirect: 'manual' });
  await response.text();
  return response.status === 302 ? (response.headers.get('location') ?? undefined) : undefined;
}

/** Webhooks for this orderNo the capture server has received, waiting until there are `count`. */
export async function webhooksFor(capture: CaptureServer, orderNo: string, count: number, timeoutMs = 5000): Promise<CapturedRequest[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = capture.requests.filter((r) => r.path === '/webhooks/mocasa' && r.rawBody.includes(orderNo));
    if (found.length >= count) return found;
    if (Date.now() > deadline) throw new Error(`expected ${count} webhooks for ${orderNo}, got ${found.length}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export const PAYMENT_AMOUNT = Money.parse('1500.00', 'PHP');

/**
 * Plays the shared scenarios the way payledger's payment flow will: start → shopper on the hosted page →
 * webhook / return parsed → confirm (re-query), or recoverCreate / inquire as a job would.
 */
export function createMocasaDriver(): GatewayScenarioDriver {
  let rig: MocasaTestRig;

  async function run(scenario: ScenarioName): Promise<ScenarioRun> {
    const ctx = rig.context();
    const reference = nextReference(scenario.slice(0, 3).toUpperCase());
    const verdicts: InboundVerdict[] = [];
    const intermediate: AttemptOutcome[] = [];
    let attempt: AttemptSnapshot | undefined;
    const finish = (outcome: AttemptOutcome | undefined, errorCode?: string): ScenarioRun => {
      const events: NewEvent[] = ctx.recorder.drain();
      const confirmCalls = events.filter((e) => e.type === 'GatewayRequestSent' && (e.data as { operation: string }).operation === 'query-order').length;
      return { outcome, errorCode, intermediate, events, verdicts, confirmCalls };
    };
    const scenarioFor = (body: Record<string, unknown>) => rig.sandbox.control('POST', '/mocasa/scenarios', { reference, ...body });
    const fault = (body: Record<string, unknown>) => rig.sandbox.control('POST', '/mocasa/faults', { count: 1, ...body });
    const start = async () => {
      const started = await rig.adapter.startPayment(ctx, {
        paymentId: `pay_${reference}`,
        reference,
        orderId: `ORD-${reference}`,
        amount: PAYMENT_AMOUNT,
        description: 'Sandbox order',
        customer: { id: 'cust-1001' },
      });
      attempt = snapshotFrom(reference, PAYMENT_AMOUNT, rig.sandbox.clock.now(), started);
      return started;
    };
    const settle = (result: Pick<ConfirmResult, 'outcome' | 'refs'>) => {
      if (attempt!.outcome !== result.outcome) intermediate.push(attempt!.outcome);
      attempt = { ...attempt!, outcome: result.outcome, refs: { ...attempt!.refs, ...(result.refs ?? {}) } };
    };
    /** As the flow does: every inbound is parsed and recorded; an accepted one on an open attempt triggers confirm. */
    const handle = async (kind: 'return' | 'webhook', captured: CapturedRequest) => {
      const verdict = rig.adapter.parseInbound(toInbound(kind, captured));
      verdicts.push(verdict);
      if (!verdict.accepted || verdict.lookup?.value !== reference) return verdict;
      if (FINAL_ATTEMPT_OUTCOMES.has(attempt!.outcome)) return verdict;
      settle(await rig.adapter.confirm(ctx, attempt!, { trigger: kind, inbound: verdict }));
      return verdict;
    };
    const shopperReturns = async (started: StartPaymentResult) => {
      const location = await visitPaymentLink(started.redirect!.url);
      if (!location) throw new Error('the shopper was not sent back');
      return redirectAsCaptured(location);
    };

    try {
      switch (scenario) {
        case 'pay':
        case 'cancel':
        case 'fail': {
          await scenarioFor({ outcome: scenario });
          const started = await start();
          const back = await shopperReturns(started);
          await handle('return', back);
          for (const hook of await webhooksFor(rig.capture, reference, 1)) await handle('webhook', hook);
          return finish(attempt!.outcome);
        }
        case 'timeout': {
          // The create is done at Mocasa but its reply never arrives; recovery finds and adopts it.
          await scenarioFor({ outcome: 'timeout' });
          await fault({ endpoint: 'payment/order/create', kind: 'commit-then-timeout', delayMs: 5000 });
          const started = await start();
          intermediate.push(started.outcome);
          const recovered = await rig.adapter.recoverCreate(ctx, attempt!);
          attempt = { ...attempt!, outcome: recovered.outcome, refs: recovered.refs };
          // The shopper opens the page and never decides.
          if (recovered.redirect) await visitPaymentLink(recovered.redirect.url);
          settle(await rig.adapter.inquire(ctx, attempt!));
          return finish(attempt!.outcome);
        }
        case 'unknown-then-resolved': {
          await scenarioFor({ outcome: 'unknown-then-pay', resolveAfterMs: 120_000 });
          const started = await start();
          await handle('return', await shopperReturns(started));
          await rig.sandbox.control('POST', '/clock', { advanceMs: 120_000 });
          for (const hook of await webhooksFor(rig.capture, reference, 1)) await handle('webhook', hook);
          return finish(attempt!.outcome);
        }
        case 'duplicate-return': {
          await scenarioFor({ outcome: 'pay', repeat: 1 });
          const started = await start();
          const back = await shopperReturns(started);
          await handle('return', back);
          await handle('return', { ...back, receivedAt: new Date() });
          for (const hook of await webhooksFor(rig.capture, reference, 2)) await handle('webhook', hook);
          return finish(attempt!.outcome);
        }
        case 'forged-return': {
          await start();
          // Someone calls our return with made-up parameters; nobody paid.
          await handle('return', {
            method: 'GET',
            path: '/callbacks/mocasa',
            query: { reference, txStatus: 'success', orderNo: reference },
            headers: {},
            rawBody: '',
            receivedAt: new Date(),
          });
          // And a webhook signed with a guessed secret.
          await handle('webhook', {
            method: 'POST',
            path: '/webhooks/mocasa',
            query: {},
            headers: { 'content-type': 'application/json', signature: 'C97SA6aBJ4uxaj0n5jm8gjek3kgMCE3AvL+ZoKXv9zA=' },
            rawBody: JSON.stringify({ orderNo: reference, txStatus: 'success', amount: 1500, txMessage: 'ok', txTime: '1', paymentMode: 'Mocasa BNPL' }),
            receivedAt: new Date(),
          });
          return finish(attempt!.outcome);
        }
        case 'wrong-amount': {
          await scenarioFor({ outcome: 'pay', wrongAmount: '1.00' });
          const started = await start();
          const back = await shopperReturns(started);
          // The server-to-server notice is sent as the shopper clicks, before the redirect lands.
          for (const hook of await webhooksFor(rig.capture, reference, 1)) await handle('webhook', hook);
          await handle('return', back);
          return finish(attempt!.outcome);
        }
        case 'expired-credentials': {
          await scenarioFor({ outcome: 'pay' });
          const started = await start();
          await fault({ endpoint: 'payment/order/query', kind: 'expire-token' });
          await handle('return', await shopperReturns(started));
          return finish(attempt!.outcome);
        }
        case 'server-error': {
          // Mocasa answers the create with a 5xx: maybe done, maybe not. Looked up, never re-sent blindly.
          await fault({ endpoint: 'payment/order/create', kind: '5xx' });
          const started = await start();
          intermediate.push(started.outcome);
          const recovered = await rig.adapter.recoverCreate(ctx, attempt!);
          attempt = { ...attempt!, outcome: recovered.outcome, refs: recovered.refs };
          return finish(attempt.outcome);
        }
        case 'slow-response': {
          await scenarioFor({ outcome: 'pay' });
          const started = await start();
          await fault({ endpoint: 'payment/order/query', kind: 'slow', delayMs: 300 });
          await handle('return', await shopperReturns(started));
          return finish(attempt!.outcome);
        }
      }
    } catch (error) {
      if (isGatewayError(error)) return finish(undefined, error.code);
      throw error;
    }
  }

  return {
    gateway: 'mocasa',
    expected: {
      pay: { outcome: 'paid' },
      // Mocasa has no cancel status: the shopper giving up is `failed` with a cancel message (§7).
      cancel: { outcome: 'failed' },
      fail: { outcome: 'failed' },
      timeout: { outcome: 'pending', intermediate: 'create_unknown' },
      'unknown-then-resolved': { outcome: 'paid', intermediate: 'pending' },
      'duplicate-return': { outcome: 'paid' },
      'forged-return': { outcome: 'pending' },
      'wrong-amount': { outcome: 'amount_mismatch' },
      'expired-credentials': { outcome: 'paid' },
      'server-error': { outcome: 'pending', intermediate: 'create_unknown' },
      'slow-response': { outcome: 'paid' },
    },
    secrets: [SANDBOX_CREDENTIALS.mocasa.clientSecret],
    async setup() {
      rig = await startMocasaRig();
    },
    async teardown() {
      await rig.close();
    },
    run,
  };
}
