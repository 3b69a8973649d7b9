import type { Scenario } from '../core';
import type { BuyerAction } from './jibit-order.state-machine';

/** Outcomes §7 lists; set per `referenceNumber` or for the next order. */
export const JIBIT_SCENARIO_OUTCOMES = ['pay', 'cancel', 'fail', 'timeout', 'unknown-then-pay', 'unknown-then-fail'] as const;
export type JibitScenarioOutcome = (typeof JIBIT_SCENARIO_OUTCOMES)[number];

export type CallbackMode = 'browser' | 'direct';

export interface JibitScenario extends Scenario {
  outcome: JibitScenarioOutcome;
  /** `browser`: the payment page answers 302 to the callback. `direct`: the simulator sends the GET itself. */
  callback?: CallbackMode;
  /** Direct mode: wait this long on the sandbox clock before each delivery. */
  delayMs?: number;
  /** Direct mode: how many times the callback is sent (duplicates). */
  repeat?: number;
  /** The buyer pays but never comes back (no redirect, no delivery). */
  drop?: boolean;
  /** Inquiry, list and callback report `amount + wrongAmount`. */
  wrongAmount?: number;
  /** unknown-then-*: how long the order stays UNKNOWN after verify. */
  resolveAfterMs?: number;
}

export const CALLBACK_REPEAT_MAX = 10;

/** What an automated buyer does on the payment page for this scenario. */
export function buyerActionFor(outcome: JibitScenarioOutcome): BuyerAction {
  switch (outcome) {
    case 'pay':
    case 'unknown-then-pay':
    case 'unknown-then-fail':
      return 'pay';
    case 'cancel':
      return 'cancel';
    case 'fail':
      return 'fail';
    case 'timeout':
      return 'abandon';
  }
}

export function validateJibitScenario(scenario: Scenario): string | undefined {
  if (!(JIBIT_SCENARIO_OUTCOMES as readonly string[]).includes(scenario.outcome)) {
    return `outcome must be one of ${JIBIT_SCENARIO_OUTCOMES.join(', ')}`;
  }
  if (scenario.callback !== undefined && scenario.callback !== 'browser' && scenario.callback !== 'direct') return 'callback must be browser or direct';
  if (scenario.delayMs !== undefined && !isNonNegativeInteger(scenario.delayMs)) return 'delayMs must be a non-negative integer';
  if (scenario.repeat !== undefined && !(isNonNegativeInteger(scenario.repeat) && scenario.repeat >= 1 && scenario.repeat <= CALLBACK_REPEAT_MAX)) {
    return `repeat must be an integer from 1 to ${CALLBACK_REPEAT_MAX}`;
  }
  if (scenario.drop !== undefined && typeof scenario.drop !== 'boolean') return 'drop must be a boolean';
  if (scenario.wrongAmount !== undefined && !Number.isSafeInteger(scenario.wrongAmount)) return 'wrongAmount must be an integer';
  if (scenario.resolveAfterMs !== undefined && !isNonNegativeInteger(scenario.resolveAfterMs)) return 'resolveAfterMs must be a non-negative integer';
  return undefined;
}

function isNonNegativeInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}
