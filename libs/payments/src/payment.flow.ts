import { ConcurrencyError, EventMetadata, EventStore, NewEvent } from '@payledger/event-store';
import { ConfirmResult, GatewayCallContext, GatewayName, GatewayPort, InteractionRecorder, isGatewayError } from '@payledger/gateways';
import { Clock, DomainError } from '@payledger/kernel';
import { DecidedEvent, decide, PaymentCommand } from './payment.decider';
import { CheckOperation, CheckTrigger, paymentStreamId } from './payment.events';
import { attemptSnapshot, AttemptState, evolve, findAttempt, foldPayment, PaymentState } from './payment.state';

/** How many times a command reloads and re-decides after another writer moved the stream. */
export const CONCURRENCY_RETRIES_MAX = 40;
/** How long one confirmation holds a payment; longer than any adapter's whole confirm (MIS Pay's 30 s track hold). */
export const CONFIRMATION_LEASE_MS = 60_000;
/** How often a caller waiting for someone else's confirmation looks again, and for how long at most. */
export const CONFIRMATION_WAIT_POLL_MS = 50;
export const CONFIRMATION_WAIT_MAX_MS = 65_000;

export interface CommandContext {
  correlationId?: string;
  causationId?: string;
  /** `merchant:<keyId>`, `gateway:<name>`, `job:<name>`, `ops:<keyId>`. */
  actor: string;
}

export interface LoadedPayment {
  state: PaymentState;
  version: number;
}

export type GatewayResolver = (gateway: GatewayName) => GatewayPort;

/**
 * The one way commands touch a payment: load its stream, decide, and append with the expected version;
 * gateway calls happen between appends, never inside a database transaction. Two writers racing on one
 * payment are settled by optimistic concurrency, and at most one gateway confirmation runs at a time
 * (its lease is an event, so the rule holds across instances).
 */
export class PaymentFlow {
  constructor(
    readonly store: EventStore,
    readonly gateways: GatewayResolver,
    readonly clock: Clock,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  ) {}

  async load(paymentId: string): Promise<LoadedPayment | undefined> {
    const events = await this.store.readStream(paymentStreamId(paymentId));
    const state = foldPayment(events);
    return state ? { state, version: events.length } : undefined;
  }

  async require(paymentId: string): Promise<LoadedPayment> {
    const loaded = await this.load(paymentId);
    if (!loaded) throw new DomainError('PAYMENT.NOT_FOUND', `no payment ${paymentId}`);
    return loaded;
  }

  recorder(ctx: CommandContext): InteractionRecorder {
    return new InteractionRecorder(() => this.clock.now(), metadataOf(ctx));
  }

  callContext(recorder: InteractionRecorder, ctx: CommandContext): GatewayCallContext {
    return { recorder, correlationId: ctx.correlationId };
  }

  /**
   * Decides `command` against the latest state and appends `records` (interaction events, which are facts
   * whatever the state) with the decision. Reloads and re-decides when the stream moved. `build` may
   * return extra records that depend on the state (a notice's duplicate flag) and the command to decide.
   */
  async decideAndAppend(
    paymentId: string,
    ctx: CommandContext,
    build: (loaded: LoadedPayment | undefined) => { records?: NewEvent[]; command?: PaymentCommand },
  ): Promise<{ state: PaymentState; decided: DecidedEvent[]; version: number }> {
    for (let round = 1; ; round += 1) {
      const loaded = await this.load(paymentId);
      const { records = [], command } = build(loaded);
      const decided = command ? decide(loaded?.state, command, this.clock.now()) : [];
      const events = [...records, ...decided.map((e) => this.toNewEvent(e, ctx, records))];
      if (events.length === 0) return { state: loaded!.state, decided, version: loaded!.version };
      try {
        const appended = await this.store.append(paymentStreamId(paymentId), events, loaded ? loaded.version : 'no_stream');
        // The stream is exactly what we read plus what we appended: evolve instead of reading it again.
        let state = loaded?.state;
        for (const event of appended.events) state = evolve(state, event);
        return { state: state!, decided, version: appended.nextVersion };
      } catch (error) {
        if (!(error instanceof ConcurrencyError) || round >= CONCURRENCY_RETRIES_MAX) throw error;
        await this.sleep(Math.floor(Math.random() * 5 * Math.min(round, 10)));
      }
    }
  }

  /**
   * One look at the gateway about one attempt (confirm, inquire, recover a create, cancel): take the lease,
   * call outside any transaction, record what was seen and decide. If another confirmation holds the
   * payment, wait for its result instead of calling the gateway a second time.
   */
  async check(
    paymentId: string,
    reference: string | undefined,
    trigger: CheckTrigger,
    operation: CheckOperation,
    ctx: CommandContext,
    call: (port: GatewayPort, gatewayCtx: GatewayCallContext, state: PaymentState, attempt: AttemptState) => Promise<ConfirmResult>,
    options: {
      records?: (loaded: LoadedPayment) => NewEvent[];
      skip?: (state: PaymentState, attempt: AttemptState) => boolean;
      /** Called once the records are stored, before the gateway is called. */
      onRecorded?: () => void;
    } = {},
  ): Promise<{ state: PaymentState; checked: boolean }> {
    let attemptRef = reference;
    let leaseTaken = false;
    let waitedForOther = false;
    const begun = await this.decideAndAppend(paymentId, ctx, (loaded) => {
      if (!loaded) throw new DomainError('PAYMENT.NOT_FOUND', `no payment ${paymentId}`);
      const attempt = attemptRef ? findAttempt(loaded.state, attemptRef) : loaded.state.attempts[loaded.state.attempts.length - 1];
      if (!attempt) throw new DomainError('PAYMENT.UNKNOWN_ATTEMPT', `payment ${paymentId} has no attempt ${attemptRef ?? ''}`);
      attemptRef = attempt.reference;
      const records = options.records?.(loaded) ?? [];
      leaseTaken = false;
      waitedForOther = false;
      const lease = loaded.state.confirmation;
      const leaseActive = lease !== undefined && lease.leaseUntil.getTime() > this.clock.now().getTime();
      // Even a caller with nothing to ask (a duplicate notice) waits for a running confirmation, so it
      // answers with the settled status rather than the one before.
      if (options.skip?.(loaded.state, attempt) || leaseActive) {
        waitedForOther = leaseActive;
        return { records };
      }
      leaseTaken = true;
      return { records, command: { kind: 'beginConfirmation', reference: attempt.reference, trigger, leaseMs: CONFIRMATION_LEASE_MS } };
    });
    options.onRecorded?.();
    if (!leaseTaken) {
      if (!waitedForOther) return { state: begun.state, checked: false };
      return { state: await this.waitForConfirmation(paymentId), checked: false };
    }

    const state = begun.state;
    const attempt = findAttempt(state, attemptRef!)!;
    const recorder = this.recorder(ctx);
    const port = this.gateways(state.gateway);
    let command: PaymentCommand;
    try {
      const result = await call(port, this.callContext(recorder, ctx), state, attempt);
      command = { kind: 'recordCheck', reference: attempt.reference, trigger, operation, result };
    } catch (error) {
      if (!isGatewayError(error)) {
        // Unexpected: release the lease with an error record so nobody waits for it, then rethrow.
        await this.decideAndAppend(paymentId, ctx, () => ({
          records: recorder.drain(),
          command: { kind: 'recordCheckError', reference: attempt.reference, trigger, operation, code: 'INTERNAL', message: error instanceof Error ? error.message : String(error), outcomeUncertain: true },
        }));
        throw error;
      }
      command = { kind: 'recordCheckError', reference: attempt.reference, trigger, operation, code: error.code, message: error.message, outcomeUncertain: error.outcomeUncertain || error.code === 'GATEWAY.TIMEOUT' };
    }
    const interactions = recorder.drain();
    const done = await this.decideAndAppend(paymentId, ctx, () => ({ records: interactions, command }));
    return { state: done.state, checked: true };
  }

  /** Waits until the confirmation someone else is running has recorded its result (or its lease ran out). */
  async waitForConfirmation(paymentId: string): Promise<PaymentState> {
    const deadline = Date.now() + CONFIRMATION_WAIT_MAX_MS;
    for (;;) {
      const { state } = await this.require(paymentId);
      if (!state.confirmation || state.confirmation.leaseUntil.getTime() <= this.clock.now().getTime() || Date.now() > deadline) return state;
      await this.sleep(CONFIRMATION_WAIT_POLL_MS);
    }
  }

  snapshot(state: PaymentState, attempt: AttemptState) {
    return attemptSnapshot(state, attempt);
  }

  toNewEvent(event: DecidedEvent, ctx: CommandContext, records: readonly NewEvent[] = []): NewEvent {
    // A decision names what caused it: the notice or response recorded with it, else the command's cause.
    const cause = [...records].reverse().find((r) => r.eventId)?.eventId ?? ctx.causationId;
    return { type: event.type, data: event.data, metadata: { ...metadataOf(ctx), ...(cause ? { causationId: cause } : {}) }, occurredAt: this.clock.now() };
  }
}

export function metadataOf(ctx: CommandContext): EventMetadata {
  return { actor: ctx.actor, ...(ctx.correlationId ? { correlationId: ctx.correlationId } : {}), ...(ctx.causationId ? { causationId: ctx.causationId } : {}) };
}
