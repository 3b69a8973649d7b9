import type { Scenario } from '../core/scenario-book';

/**
 * MIS Pay scenario controls (mispay.md §7). Accepted in three spellings, all meaning the same:
 * flat (`callbackDelayMs`, `webhookRepeat`, `wrongAppId` …), nested (`callback: { mode, delayMs, repeat,
 * drop, corrupt, singleBase64, wrongAppId, includeCheckoutId }`, `webhook: { delayMs, repeat, drop,
 * wrongAppId }`), and `callback: "browser" | "direct"` as a shorthand for the mode.
 */
export const MISPAY_SCENARIO_OUTCOMES = ['pay', 'cancel', 'fail', 'timeout', 'unknown-then-pay', 'unknown-then-fail'] as const;
export type MispayScenarioOutcome = (typeof MISPAY_SCENARIO_OUTCOMES)[number];

export interface MispayScenarioSettings {
  outcome: MispayScenarioOutcome;
  /** unknown-then-*: how long track-checkout stays `pending` (`resolveAfter` is an alias). */
  resolveAfterMs: number;
  callbackMode?: 'browser' | 'direct';
  callbackDelayMs: number;
  /** Total deliveries of a direct-mode callback. */
  callbackRepeat: number;
  callbackDrop: boolean;
  /** One ciphertext bit flipped: the GCM tag fails. */
  corrupt: boolean;
  /** `_` is the blob itself instead of base64 of it. */
  singleBase64: boolean;
  callbackWrongAppId: boolean;
  includeCheckoutId: boolean;
  webhookDelayMs: number;
  /** Total deliveries of each webhook. */
  webhookRepeat: number;
  webhookDrop: boolean;
  wrongAppId: boolean;
  /** What /checkout and track-checkout add to purchaseAmount, in halalas (`wrongAmount: true` = 1.00 SAR). */
  wrongAmountMinor: bigint;
}

export const RESOLVE_AFTER_DEFAULT_MS = 60_000;
export const REPEAT_MAX = 10;
const WRONG_AMOUNT_DEFAULT_MINOR = 100n;

type Source = Record<string, unknown>;

function isObject(value: unknown): value is Source {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The settings of a scenario, or a message saying what is wrong with it. */
export function readScenario(scenario: Scenario): MispayScenarioSettings | string {
  if (!(MISPAY_SCENARIO_OUTCOMES as readonly string[]).includes(scenario.outcome)) return `outcome must be one of ${MISPAY_SCENARIO_OUTCOMES.join(', ')}`;
  const callback: Source = isObject(scenario.callback) ? scenario.callback : {};
  const webhook: Source = isObject(scenario.webhook) ? scenario.webhook : {};
  const problems: string[] = [];
  const pick = (nested: Source, nestedKey: string, flatKey: string): unknown => (nested[nestedKey] !== undefined ? nested[nestedKey] : scenario[flatKey]);
  const number = (value: unknown, name: string, fallback: number): number => {
    if (value === undefined) return fallback;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      problems.push(`${name} must be a non-negative number`);
      return fallback;
    }
    return value;
  };
  const flag = (value: unknown, name: string): boolean => {
    if (value === undefined) return false;
    if (typeof value !== 'boolean') problems.push(`${name} must be true or false`);
    return value === true;
  };
  const repeat = (value: unknown, name: string) => Math.min(REPEAT_MAX, Math.max(1, Math.floor(number(value, name, 1))));

  const modeSource = typeof scenario.callback === 'string' ? scenario.callback : pick(callback, 'mode', 'callbackMode');
  if (modeSource !== undefined && modeSource !== 'browser' && modeSource !== 'direct') problems.push('callback mode must be browser or direct');

  let wrongAmountMinor = 0n;
  const wrong = scenario.wrongAmount;
  if (wrong === true) wrongAmountMinor = WRONG_AMOUNT_DEFAULT_MINOR;
  else if (typeof wrong === 'number' && Number.isSafeInteger(wrong)) wrongAmountMinor = BigInt(wrong);
  else if (wrong !== undefined && wrong !== false) problems.push('wrongAmount must be true or an integer delta in halalas');

  const settings: MispayScenarioSettings = {
    outcome: scenario.outcome as MispayScenarioOutcome,
    resolveAfterMs: number(scenario.resolveAfterMs ?? scenario.resolveAfter, 'resolveAfterMs', RESOLVE_AFTER_DEFAULT_MS),
    ...(modeSource === 'browser' || modeSource === 'direct' ? { callbackMode: modeSource } : {}),
    callbackDelayMs: number(pick(callback, 'delayMs', 'callbackDelayMs'), 'callback delayMs', 0),
    callbackRepeat: repeat(pick(callback, 'repeat', 'callbackRepeat'), 'callback repeat'),
    callbackDrop: flag(pick(callback, 'drop', 'callbackDrop'), 'callback drop'),
    corrupt: flag(pick(callback, 'corrupt', 'corrupt'), 'corrupt'),
    singleBase64: flag(pick(callback, 'singleBase64', 'singleBase64'), 'singleBase64'),
    callbackWrongAppId: flag(pick(callback, 'wrongAppId', 'callbackWrongAppId'), 'callback wrongAppId'),
    includeCheckoutId: flag(pick(callback, 'includeCheckoutId', 'includeCheckoutId'), 'includeCheckoutId'),
    webhookDelayMs: number(pick(webhook, 'delayMs', 'webhookDelayMs'), 'webhook delayMs', 0),
    webhookRepeat: repeat(pick(webhook, 'repeat', 'webhookRepeat'), 'webhook repeat'),
    webhookDrop: flag(pick(webhook, 'drop', 'webhookDrop'), 'webhook drop'),
    wrongAppId: flag(pick(webhook, 'wrongAppId', 'wrongAppId'), 'webhook wrongAppId'),
    wrongAmountMinor,
  };
  return problems.length > 0 ? problems.join('; ') : settings;
}
