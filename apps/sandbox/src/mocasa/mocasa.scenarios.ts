import type { Scenario } from '../core';

/**
 * Scenario controls of the Mocasa simulator (mocasa.md §7), queued through
 * `POST /_sandbox/mocasa/scenarios` for one `reference` (an orderNo, or a transferSerialNo) or for the
 * next order.
 */
export const MOCASA_ORDER_OUTCOMES = ['pay', 'fail', 'cancel', 'timeout', 'unknown-then-pay', 'unknown-then-fail'] as const;
export type MocasaOrderOutcome = (typeof MOCASA_ORDER_OUTCOMES)[number];
/** Transfers take their scenario by serial only (`reference`); the "next" queue belongs to orders. */
export const MOCASA_TRANSFER_OUTCOMES = ['pay', 'fail'] as const;

export const RESOLVE_AFTER_DEFAULT_MS = 5 * 60_000;
const DELAY_MAX_MS = 24 * 60 * 60_000;
const COPIES_MAX = 20;

export interface MocasaWebhookSettings {
  delayMs: number;
  /** Extra copies sent one after another. */
  repeat: number;
  /** Copies sent at once (several payloads in quick succession). */
  burst: number;
  drop: boolean;
  signature: 'default' | 'hex' | 'bad' | 'none';
  form: boolean;
  /** A correctly signed notice of the opposite outcome: the query must win. */
  statusLies: boolean;
}

export interface MocasaScenarioSettings {
  outcome: string;
  resolveAfterMs: number;
  webhook: MocasaWebhookSettings;
  /** The webhook's `amount` instead of the order's (decimal text). */
  wrongAmount?: string;
}

export const DEFAULT_WEBHOOK_SETTINGS: MocasaWebhookSettings = {
  delayMs: 0,
  repeat: 0,
  burst: 1,
  drop: false,
  signature: 'default',
  form: false,
  statusLies: false,
};

function count(value: unknown, name: string, min: number): number | string {
  if (value === undefined) return min;
  if (value === true) return min + 1;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > COPIES_MAX) return `${name} must be an integer from ${min} to ${COPIES_MAX}`;
  return n;
}

function duration(value: unknown, name: string, fallback: number): number | string {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n > DELAY_MAX_MS) return `${name} must be a number of ms from 0 to ${DELAY_MAX_MS}`;
  return Math.floor(n);
}

/** The scenario's settings, or a message saying what is wrong with it. */
export function parseMocasaScenario(scenario: Scenario, defaultResolveAfterMs = RESOLVE_AFTER_DEFAULT_MS): MocasaScenarioSettings | string {
  if (!(MOCASA_ORDER_OUTCOMES as readonly string[]).includes(scenario.outcome)) {
    return `outcome must be one of ${MOCASA_ORDER_OUTCOMES.join(', ')} (transfers by reference: ${MOCASA_TRANSFER_OUTCOMES.join(', ')})`;
  }
  const delayMs = duration(scenario.delayMs, 'delayMs', 0);
  const resolveAfterMs = duration(scenario.resolveAfterMs ?? scenario.resolveAfter, 'resolveAfterMs', defaultResolveAfterMs);
  const repeat = count(scenario.repeat, 'repeat', 0);
  const burst = count(scenario.burst, 'burst', 1);
  for (const value of [delayMs, resolveAfterMs, repeat, burst]) if (typeof value === 'string') return value;
  let wrongAmount: string | undefined;
  if (scenario.wrongAmount !== undefined && scenario.wrongAmount !== false) {
    if (scenario.wrongAmount !== true) {
      const text = String(scenario.wrongAmount);
      if (!/^\d{1,15}(?:\.\d{1,2})?$/.test(text)) return 'wrongAmount must be true or a peso amount such as "1234.50"';
      wrongAmount = text;
    } else {
      wrongAmount = 'plus-one';
    }
  }
  const signature = scenario.badSignature ? 'bad' : scenario.noSignature ? 'none' : scenario.hexSignature ? 'hex' : 'default';
  return {
    outcome: scenario.outcome,
    resolveAfterMs: resolveAfterMs as number,
    wrongAmount,
    webhook: {
      delayMs: delayMs as number,
      repeat: repeat as number,
      burst: burst as number,
      drop: scenario.drop === true,
      signature,
      form: scenario.form === true,
      statusLies: scenario.statusLies === true,
    },
  };
}
