import type { Router } from 'express';
import type { GatewayName } from '@payledger/gateways';
import { FaultInjector } from './fault-injector';
import { DeliveryResult, OutboundDelivery } from './outbound';
import { RequestLog } from './request-log';
import { SandboxClock } from './sandbox-clock';
import { Scenario, ScenarioBook } from './scenario-book';
import { SeededRandom } from './seeded-random';

/** Everything a simulator gets from the sandbox; one context per gateway. */
export interface SimulatorContext {
  gateway: GatewayName;
  clock: SandboxClock;
  random: SeededRandom;
  log: RequestLog;
  scenarios: ScenarioBook;
  faults: FaultInjector;
  /** The sandbox's own base URL (`http://localhost:3100`): payment pages and switching URLs are built on it. */
  sandboxBaseUrl: string;
  /** payledger's PUBLIC_BASE_URL: the default callback, return and webhook targets. */
  merchantBaseUrl: string;
  /** Credentials this simulator accepts (defaults: libs/config SANDBOX_CREDENTIALS). */
  credentials: Record<string, string>;
  /** Simulator switches from its spec's checklist (`invalidateOnGenerate`, `holdSeconds` …), set via /_sandbox/<gateway>/options. */
  options: Record<string, unknown>;
  /** Sends a callback or webhook itself (direct mode) and logs our api's answer. */
  deliver(delivery: Omit<OutboundDelivery, 'gateway'>): Promise<DeliveryResult>;
}

export interface GatewaySimulator {
  /** Mounted at `/<gateway>`; the request body arrives as raw text (`req.body` is a string) so the simulator parses it as its gateway does. */
  readonly router: Router;
  /** Forget every order, token and pending delivery (options and credentials stay). */
  reset(): void;
  /** What the simulator holds, for GET /_sandbox/<gateway>/state. */
  state(): unknown;
  /** Refuses a scenario this gateway does not know: returns a message, or undefined when fine. */
  validateScenario?(scenario: Scenario): string | undefined;
}

export type SimulatorFactory = (ctx: SimulatorContext) => GatewaySimulator;
