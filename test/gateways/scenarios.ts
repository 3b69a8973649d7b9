import { luhnValid, type NewEvent } from '@payledger/event-store';
import type { AttemptOutcome, GatewayName, InboundVerdict } from '@payledger/gateways';

/**
 * The one scenario suite every gateway adapter runs against its simulator (ARCHITECTURE.md: "Every
 * gateway runs the same scenario suite"). A driver per gateway wires adapter and sandbox together and
 * plays each scenario the way payledger's payment flow would; the assertions here are shared.
 */
export const SCENARIOS = [
  'pay',
  'cancel',
  'fail',
  'timeout',
  'unknown-then-resolved',
  'duplicate-return',
  'forged-return',
  'wrong-amount',
  'expired-credentials',
  'server-error',
  'slow-response',
] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

export interface ScenarioRun {
  /** The attempt outcome the flow ended in (undefined when it ended in an error). */
  outcome?: AttemptOutcome;
  /** Outcomes seen before the final one (e.g. `unknown` before `paid`). */
  intermediate?: AttemptOutcome[];
  /** GatewayError code when the flow ended in one. */
  errorCode?: string;
  /** Every interaction event the adapter recorded during the run, in order. */
  events: NewEvent[];
  /** Every inbound return/webhook verdict, in order. */
  verdicts: InboundVerdict[];
  /** How many confirming calls (verify / end / re-query that moves state) the simulator received. */
  confirmCalls?: number;
}

export interface ScenarioExpectation {
  outcome?: AttemptOutcome;
  errorCode?: string;
  /** An outcome that must appear before the final one. */
  intermediate?: AttemptOutcome;
}

export interface GatewayScenarioDriver {
  gateway: GatewayName;
  /** Each gateway's file decides some outcomes differently (a Jibit cancel is `failed`, AtiPay's is `canceled`). */
  expected: Record<ScenarioName, ScenarioExpectation>;
  /** Credentials configured for the adapter: none may appear in any recorded event. */
  secrets: string[];
  setup(): Promise<void>;
  teardown(): Promise<void>;
  run(scenario: ScenarioName): Promise<ScenarioRun>;
}

/** Card numbers are 15–19 digits here; shorter runs are timestamps (13-digit epoch ms) or RRNs. */
const CARD_NUMBER_CANDIDATE = /(?<!\d)\d{15,19}(?!\d)/g;

export function runGatewayScenarioSuite(makeDriver: () => GatewayScenarioDriver): void {
  const driver = makeDriver();
  describe(`${driver.gateway}: shared gateway scenario suite`, () => {
    const runs: Partial<Record<ScenarioName, ScenarioRun>> = {};
    beforeAll(() => driver.setup());
    afterAll(() => driver.teardown());

    it.each(SCENARIOS.map((s) => [s]))('%s', async (scenario) => {
      const run = await driver.run(scenario);
      runs[scenario] = run;
      const expected = driver.expected[scenario];
      if (expected.errorCode) expect(run.errorCode).toBe(expected.errorCode);
      else expect(run.errorCode).toBeUndefined();
      if (expected.outcome) expect(run.outcome).toBe(expected.outcome);
      if (expected.intermediate) expect(run.intermediate ?? []).toContain(expected.intermediate);

      assertEveryRequestAnswered(run.events);
      assertNoSecrets(run.events, driver.secrets);

      const types = run.events.map((e) => e.type);
      switch (scenario) {
        case 'timeout':
          expect(run.events.some((e) => e.type === 'GatewayRequestFailed' && (e.data as { reason: string }).reason === 'timeout')).toBe(true);
          expect(run.outcome).not.toBe('paid');
          break;
        case 'server-error':
          expect(run.events.some((e) => e.type === 'GatewayResponseReceived' && (e.data as { httpStatus: number }).httpStatus >= 500)).toBe(true);
          expect(run.outcome).not.toBe('paid');
          break;
        case 'expired-credentials':
          expect(run.events.some((e) => e.type === 'GatewayResponseReceived' && (e.data as { httpStatus: number }).httpStatus === 401)).toBe(true);
          break;
        case 'forged-return':
          // Refused outright where the gateway signs, or not believed where it cannot: never paid on its word.
          expect(run.outcome).not.toBe('paid');
          expect(run.verdicts.length).toBeGreaterThan(0);
          break;
        case 'duplicate-return': {
          expect(run.verdicts.length).toBeGreaterThanOrEqual(2);
          const keys = run.verdicts.map((v) => v.dedupKey ?? `${v.lookup?.by}:${v.lookup?.value}`);
          expect(new Set(keys).size).toBeLessThan(keys.length);
          break;
        }
        case 'wrong-amount':
          expect(run.outcome).not.toBe('paid');
          break;
        case 'pay':
          expect(types).toContain('GatewayRequestSent');
          break;
        default:
          break;
      }
    });
  });
}

function assertEveryRequestAnswered(events: NewEvent[]): void {
  const sent = events.filter((e) => e.type === 'GatewayRequestSent').map((e) => (e.data as { requestId: string }).requestId);
  const settled = new Set(
    events
      .filter((e) => e.type === 'GatewayResponseReceived' || e.type === 'GatewayRequestFailed')
      .map((e) => (e.data as { requestId: string }).requestId),
  );
  for (const requestId of sent) expect(settled.has(requestId)).toBe(true);
}

export function assertNoSecrets(events: NewEvent[], secrets: string[]): void {
  const text = JSON.stringify(events);
  for (const secret of secrets) expect(text.includes(secret)).toBe(false);
  const cards = (text.match(CARD_NUMBER_CANDIDATE) ?? []).filter((digits) => luhnValid(digits));
  expect(cards).toEqual([]);
}
