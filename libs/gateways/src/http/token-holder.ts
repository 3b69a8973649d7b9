import type { NewEvent } from '@payledger/event-store';
import { GatewayName } from '../port/gateway.types';
import { InteractionRecorder } from './interaction-recorder';

export interface AccessToken {
  value: string;
  expiresAt: Date;
  refreshToken?: string;
  refreshExpiresAt?: Date;
}

/** Where a token pair lives so several instances share one (PostgreSQL in production, memory in tests). */
export interface TokenStore {
  load(gateway: GatewayName): Promise<AccessToken | undefined>;
  save(gateway: GatewayName, token: AccessToken): Promise<void>;
}

export class InMemoryTokenStore implements TokenStore {
  private readonly tokens = new Map<GatewayName, AccessToken>();
  async load(gateway: GatewayName) {
    return this.tokens.get(gateway);
  }
  async save(gateway: GatewayName, token: AccessToken) {
    this.tokens.set(gateway, token);
  }
}

/** Token issue and refresh interactions go to the `gateway-session-<gateway>` stream. */
export interface SessionEventSink {
  record(gateway: GatewayName, events: NewEvent[]): Promise<void>;
}

export class CollectingSessionSink implements SessionEventSink {
  readonly events: Array<{ gateway: GatewayName; event: NewEvent }> = [];
  async record(gateway: GatewayName, events: NewEvent[]) {
    for (const event of events) this.events.push({ gateway, event });
  }
}

export interface TokenHolderOptions {
  gateway: GatewayName;
  /** Renew when less than this much life is left. */
  renewBeforeMs: number;
  now: () => Date;
  /** Gets a new token: generate, or refresh when `current` has a usable refresh token. Records through `recorder`. */
  obtain: (recorder: InteractionRecorder, current: AccessToken | undefined) => Promise<AccessToken>;
  store?: TokenStore;
  sink?: SessionEventSink;
}

/**
 * One token per gateway per process, single-flight: while a generate/refresh is in flight every caller
 * awaits the same promise. A token in the shared store that another instance renewed is picked up.
 */
export class SingleFlightTokenHolder {
  private current: AccessToken | undefined;
  private inFlight: Promise<AccessToken> | undefined;
  private readonly store: TokenStore;

  constructor(private readonly options: TokenHolderOptions) {
    this.store = options.store ?? new InMemoryTokenStore();
  }

  /** A token with more than `renewBeforeMs` of life left. */
  async get(): Promise<AccessToken> {
    if (this.current && this.isFresh(this.current)) return this.current;
    const shared = await this.store.load(this.options.gateway);
    if (shared && this.isFresh(shared)) {
      this.current = shared;
      return shared;
    }
    return this.renew(shared ?? this.current, false);
  }

  /**
   * Renews now. `rejected`: the gateway refused this token value, so it is not reused, and a refresh is
   * not attempted with it (a fresh generate follows).
   */
  async renew(current: AccessToken | undefined = this.current, rejected = false, rejectedValue?: string): Promise<AccessToken> {
    if (this.inFlight) return this.inFlight;
    // Another caller may have renewed while this one waited for the rejection.
    if (rejectedValue && this.current && this.current.value !== rejectedValue && this.isFresh(this.current)) return this.current;
    this.inFlight = (async () => {
      const recorder = new InteractionRecorder(this.options.now);
      try {
        const token = await this.options.obtain(recorder, rejected ? undefined : current);
        this.current = token;
        await this.store.save(this.options.gateway, token);
        return token;
      } finally {
        const events = recorder.drain();
        if (events.length > 0 && this.options.sink) await this.options.sink.record(this.options.gateway, events);
      }
    })();
    try {
      return await this.inFlight;
    } finally {
      this.inFlight = undefined;
    }
  }

  /** Forget the token after the gateway refused it. */
  invalidate(value: string): void {
    if (this.current?.value === value) this.current = undefined;
  }

  peek(): AccessToken | undefined {
    return this.current;
  }

  private isFresh(token: AccessToken): boolean {
    return token.expiresAt.getTime() - this.options.now().getTime() > this.options.renewBeforeMs;
  }
}
