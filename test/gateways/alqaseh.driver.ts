import { SANDBOX_CREDENTIALS } from '@payledger/config';
import type { NewEvent } from '@payledger/event-store';
import { InteractionRecorder } from '@payledger/gateways';
import type { AttemptOutcome, AttemptSnapshot, GatewayPort, InboundVerdict, StartPaymentResult } from '@payledger/gateways';
import { Money } from '@payledger/kernel';
import { createAlqasehSimulator } from '../../apps/sandbox/src/alqaseh';
import { AlqasehAdapter, AlqasehConfig, ALQASEH_CREATE_LOOKUP_DELAYS_MS } from '../../libs/gateways/src/alqaseh';
import { CapturedRequest, CaptureServer, redirectAsCaptured, startCaptureServer, startTestSandbox, TestSandbox, toInbound } from '../support/sandbox';
import type { GatewayScenarioDriver, ScenarioName, ScenarioRun } from './scenarios';

const { clientId, clientSecret } = SANDBOX_CREDENTIALS.alqaseh;
/** What a revoked credential looks like to the adapter: configured, but no longer accepted. */
export const STALE_CLIENT_SECRET = 'revoked-alqaseh-secret-000';
const AMOUNT = Money.of(25000n, 'IQD');
/** Short enough that a held request fails fast, long enough for a loaded 2-core machine. */
const TEST_TIMEOUT_MS = 2_000;
const SHORT_TIMEOUT_MS = 300;

export interface AdapterOptions {
  config?: Partial<AlqasehConfig>;
  timeoutsMs?: Partial<Record<string, number>>;
  sleep?: (ms: number) => Promise<void>;
}

/** One payment attempt as the driver's stand-in for payledger's payment flow keeps it. */
export interface DrivenAttempt {
  attempt: AttemptSnapshot;
  started: StartPaymentResult;
}

/**
 * Plays payledger's Al Qaseh flow against the simulator: start → the buyer on the hosted page → the
 * browser return and the webhook through parseInbound → confirm (re-query), or job-style inquire.
 */
export class AlqasehScenarioDriver implements GatewayScenarioDriver {
  readonly gateway = 'alqaseh' as const;
  readonly expected: GatewayScenarioDriver['expected'] = {
    pay: { outcome: 'paid' },
    // §7: the page's Cancel button ends the context `failed` (coarse Failed); only our revoke is `canceled`.
    cancel: { outcome: 'failed' },
    fail: { outcome: 'failed' },
    // D5: a create without answer is looked up at +10 s and +60 s; nothing there → failed (create_lost).
    timeout: { outcome: 'failed', intermediate: 'create_unknown' },
    'unknown-then-resolved': { outcome: 'paid', intermediate: 'unknown' },
    'duplicate-return': { outcome: 'paid' },
    // The forged return is believed by nobody: the re-query says the context is still open.
    'forged-return': { outcome: 'pending' },
    'wrong-amount': { outcome: 'amount_mismatch' },
    'expired-credentials': { errorCode: 'GATEWAY.AUTH_FAILED' },
    // D15: four tries of the re-query all answer 5xx.
    'server-error': { errorCode: 'GATEWAY.UNAVAILABLE' },
    'slow-response': { outcome: 'paid' },
  };
  readonly secrets = [
    clientSecret,
    STALE_CLIENT_SECRET,
    Buffer.from(`${clientId}:${clientSecret}`).toString('base64'),
    Buffer.from(`${clientId}:${STALE_CLIENT_SECRET}`).toString('base64'),
  ];

  sandbox!: TestSandbox;
  capture!: CaptureServer;
  private counter = 0;

  async setup(): Promise<void> {
    this.capture = await startCaptureServer();
    this.sandbox = await startTestSandbox({ simulators: { alqaseh: createAlqasehSimulator }, merchantBaseUrl: this.capture.url });
  }

  async teardown(): Promise<void> {
    await this.sandbox?.close();
    await this.capture?.close();
  }

  config(overrides: Partial<AlqasehConfig> = {}): AlqasehConfig {
    return {
      baseUrl: `${this.sandbox.url}/alqaseh/v1`,
      payBaseUrl: `${this.sandbox.url}/alqaseh`,
      clientId,
      clientSecret,
      webhookSecret: clientSecret,
      tokenExpiryHours: 1,
      isSandbox: true,
      ...overrides,
    };
  }

  adapter(options: AdapterOptions = {}): AlqasehAdapter {
    return new AlqasehAdapter({
      config: this.config(options.config),
      publicBaseUrl: this.capture.url,
      now: () => this.sandbox.clock.now(),
      sleep: options.sleep ?? (async () => undefined),
      timeoutsMs: { default: TEST_TIMEOUT_MS, ...options.timeoutsMs },
    });
  }

  recorder(): InteractionRecorder {
    return new InteractionRecorder(() => this.sandbox.clock.now());
  }

  reference(): string {
    return `AQ-${process.pid.toString(36)}-${Date.now().toString(36)}-${++this.counter}`;
  }

  async scenario(body: Record<string, unknown>): Promise<void> {
    const reply = await this.sandbox.control('POST', '/alqaseh/scenarios', body);
    if (reply.status !== 201) throw new Error(`scenario refused: ${JSON.stringify(reply.body)}`);
  }

  async fault(body: Record<string, unknown>): Promise<void> {
    const reply = await this.sandbox.control('POST', '/alqaseh/faults', body);
    if (reply.status !== 201) throw new Error(`fault refused: ${JSON.stringify(reply.body)}`);
  }

  async start(port: GatewayPort, recorder: InteractionRecorder, reference = this.reference()): Promise<DrivenAttempt> {
    const createdAt = this.sandbox.clock.now();
    const started = await port.startPayment({ recorder }, {
      paymentId: `pay-${reference}`,
      reference,
      orderId: `ORD-${reference}`,
      amount: AMOUNT,
      description: 'Sandbox order',
      customer: { email: 'buyer@example.iq' },
    });
    return { started, attempt: { reference, paymentId: `pay-${reference}`, amount: AMOUNT, createdAt, outcome: started.outcome, refs: { ...started.refs }, orderId: `ORD-${reference}` } };
  }

  /** The buyer's browser on the hosted page: the Location it is sent back to, if any. */
  async visitPage(url: string): Promise<{ status: number; location?: string }> {
    const response = await fetch(url, { redirect: 'manual' });
    await response.text();
    return { status: response.status, location: response.headers.get('location') ?? undefined };
  }

  async waitFor(predicate: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  webhooksFor(reference: string): CapturedRequest[] {
    return this.capture.requests.filter((r) => r.path === '/webhooks/alqaseh' && r.rawBody.includes(reference));
  }

  returnsFor(reference: string): CapturedRequest[] {
    return this.capture.requests.filter((r) => r.path === '/callbacks/alqaseh' && r.query.order_id === reference);
  }

  /** How many re-queries (`GET /egw/payments/{id}`) the simulator has answered so far. */
  async requeryCount(): Promise<number> {
    const { body } = await this.sandbox.control('GET', '/requests?gateway=alqaseh&direction=in');
    return (body.requests as Array<{ method: string; path: string }>).filter((r) => r.method === 'GET' && /^\/alqaseh\/v1\/egw\/payments\/pay_[0-9a-f]+$/.test(r.path)).length;
  }

  /**
   * What payledger's callback route does: parse, record, find the attempt, drop duplicates (answered as
   * the first), then confirm by re-query. Returns the outcome when it confirmed.
   */
  async handleInbound(
    port: GatewayPort,
    recorder: InteractionRecorder,
    driven: DrivenAttempt,
    kind: 'return' | 'webhook',
    captured: CapturedRequest,
    verdicts: InboundVerdict[],
    seen: Set<string>,
  ): Promise<AttemptOutcome | undefined> {
    const verdict = port.parseInbound(toInbound(kind, captured));
    verdicts.push(verdict);
    const duplicate = verdict.dedupKey !== undefined && seen.has(verdict.dedupKey);
    recorder.inboundReceived('alqaseh', kind, verdict, { duplicate, receivedAt: this.sandbox.clock.now(), sourceIp: captured.sourceIp });
    if (!verdict.accepted || duplicate) return undefined;
    if (verdict.dedupKey) seen.add(verdict.dedupKey);
    const { attempt } = driven;
    const found = verdict.lookup?.by === 'reference' ? verdict.lookup.value === attempt.reference : verdict.lookup !== undefined && attempt.refs[verdict.lookup.by] === verdict.lookup.value;
    if (!found) throw new Error(`lookup ${JSON.stringify(verdict.lookup)} names no attempt of this run`);
    const result = await port.confirm({ recorder }, attempt, { trigger: kind, inbound: verdict });
    attempt.outcome = result.outcome;
    Object.assign(attempt.refs, result.refs ?? {});
    return result.outcome;
  }

  async run(scenario: ScenarioName): Promise<ScenarioRun> {
    const recorder = this.recorder();
    const verdicts: InboundVerdict[] = [];
    const outcomes: AttemptOutcome[] = [];
    const requeriesBefore = await this.requeryCount();
    const finish = async (errorCode?: string): Promise<ScenarioRun> => ({
      outcome: errorCode ? undefined : outcomes[outcomes.length - 1],
      intermediate: outcomes.slice(0, -1),
      errorCode,
      events: recorder.drain() as NewEvent[],
      verdicts,
      confirmCalls: (await this.requeryCount()) - requeriesBefore,
    });
    try {
      await this.play(scenario, recorder, verdicts, outcomes);
      return await finish();
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (!code) throw error;
      return finish(code);
    }
  }

  private async play(scenario: ScenarioName, recorder: InteractionRecorder, verdicts: InboundVerdict[], outcomes: AttemptOutcome[]): Promise<void> {
    const seen = new Set<string>();
    const note = (outcome: AttemptOutcome | undefined) => {
      if (outcome !== undefined) outcomes.push(outcome);
    };
    const reference = this.reference();

    /** The buyer pays (or not) per the queued scenario and comes back; then the webhook arrives. */
    const buyerFlow = async (port: GatewayPort, webhooks: number) => {
      const driven = await this.start(port, recorder, reference);
      note(driven.started.outcome);
      const visit = await this.visitPage(driven.started.redirect!.url);
      if (visit.location) note(await this.handleInbound(port, recorder, driven, 'return', redirectAsCaptured(visit.location), verdicts, seen));
      await this.waitFor(() => this.webhooksFor(reference).length >= webhooks, `${webhooks} webhook(s)`);
      for (const request of this.webhooksFor(reference).slice(0, webhooks)) note(await this.handleInbound(port, recorder, driven, 'webhook', request, verdicts, seen));
      return driven;
    };

    switch (scenario) {
      case 'pay':
        await this.scenario({ reference, outcome: 'pay' });
        await buyerFlow(this.adapter(), 1);
        return;
      case 'cancel':
        await this.scenario({ reference, outcome: 'cancel' });
        await buyerFlow(this.adapter(), 1);
        return;
      case 'fail':
        await this.scenario({ reference, outcome: 'decline' });
        await buyerFlow(this.adapter(), 1);
        return;
      case 'wrong-amount':
        await this.scenario({ reference, outcome: 'pay', wrongAmount: 1000 });
        await buyerFlow(this.adapter(), 1);
        return;
      case 'timeout': {
        const port = this.adapter({ timeoutsMs: { create: SHORT_TIMEOUT_MS } });
        await this.fault({ endpoint: 'create', kind: 'timeout', count: 1, delayMs: 5_000 });
        const driven = await this.start(port, recorder, reference);
        note(driven.started.outcome);
        // D5: the payment flow's job looks the order_id up at +10 s and +60 s.
        for (const delayMs of ALQASEH_CREATE_LOOKUP_DELAYS_MS) {
          await this.sandbox.clock.advance(driven.attempt.createdAt.getTime() + delayMs - this.sandbox.clock.nowMs());
          const recovered = await port.recoverCreate({ recorder }, driven.attempt);
          note(recovered.outcome);
          driven.attempt.outcome = recovered.outcome;
        }
        return;
      }
      case 'unknown-then-resolved': {
        const port = this.adapter();
        await this.scenario({ reference, outcome: 'unknown-then-pay', resolveAfterMs: 60_000 });
        const driven = await buyerFlow(port, 1);
        await this.sandbox.clock.advance(60_000);
        // The resolution's own webhook arrives; the poll job would have found the same.
        await this.waitFor(() => this.webhooksFor(reference).length >= 2, 'resolution webhook');
        note(await this.handleInbound(port, recorder, driven, 'webhook', this.webhooksFor(reference)[1], verdicts, seen));
        note((await port.inquire({ recorder }, driven.attempt)).outcome);
        return;
      }
      case 'duplicate-return': {
        const port = this.adapter();
        await this.scenario({ reference, outcome: 'pay', redirect: { mode: 'direct', repeat: 2 }, webhook: { drop: true } });
        const driven = await this.start(port, recorder, reference);
        note(driven.started.outcome);
        await this.visitPage(driven.started.redirect!.url);
        await this.waitFor(() => this.returnsFor(reference).length >= 2, 'two returns');
        for (const request of this.returnsFor(reference)) note(await this.handleInbound(port, recorder, driven, 'return', request, verdicts, seen));
        return;
      }
      case 'forged-return': {
        const port = this.adapter();
        const driven = await this.start(port, recorder, reference);
        note(driven.started.outcome);
        // Someone who knows the ids claims success; the buyer never paid.
        const forgedWebhook: CapturedRequest = {
          method: 'POST',
          path: '/webhooks/alqaseh',
          query: {},
          headers: { 'content-type': 'application/json' },
          rawBody: JSON.stringify({ amount: 25000, currency: 'IQD', order_id: reference, rc: '00', payment_status: 'Success', nonce: 'forged-1', p_sign: 'f'.repeat(64) }),
          receivedAt: new Date(),
        };
        note(await this.handleInbound(port, recorder, driven, 'webhook', forgedWebhook, verdicts, seen));
        const forgedReturn = redirectAsCaptured(`${this.capture.url}/callbacks/alqaseh?payment_id=${driven.attempt.refs.paymentId}&order_id=${reference}&status=Success`);
        note(await this.handleInbound(port, recorder, driven, 'return', forgedReturn, verdicts, seen));
        return;
      }
      case 'expired-credentials': {
        const port = this.adapter({ config: { clientSecret: STALE_CLIENT_SECRET } });
        await this.start(port, recorder, reference);
        return;
      }
      case 'server-error': {
        const port = this.adapter();
        await this.scenario({ reference, outcome: 'pay', webhook: { drop: true } });
        const driven = await this.start(port, recorder, reference);
        note(driven.started.outcome);
        const visit = await this.visitPage(driven.started.redirect!.url);
        await this.fault({ endpoint: 'payment', kind: '5xx', count: 4 });
        note(await this.handleInbound(port, recorder, driven, 'return', redirectAsCaptured(visit.location!), verdicts, seen));
        return;
      }
      case 'slow-response': {
        const port = this.adapter({ timeoutsMs: { 'get-payment': SHORT_TIMEOUT_MS } });
        await this.scenario({ reference, outcome: 'pay', webhook: { drop: true } });
        const driven = await this.start(port, recorder, reference);
        note(driven.started.outcome);
        const visit = await this.visitPage(driven.started.redirect!.url);
        await this.fault({ endpoint: 'payment', kind: 'slow', count: 1, delayMs: 1_000 });
        note(await this.handleInbound(port, recorder, driven, 'return', redirectAsCaptured(visit.location!), verdicts, seen));
        return;
      }
    }
  }
}

export function createAlqasehDriver(): AlqasehScenarioDriver {
  return new AlqasehScenarioDriver();
}
