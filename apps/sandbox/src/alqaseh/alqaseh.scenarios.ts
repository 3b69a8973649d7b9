import type { Scenario } from '../core';

/**
 * Scenario controls of alqaseh.md §7, as posted to `/_sandbox/alqaseh/scenarios`:
 *
 * { reference?: order_id, outcome, resolveAfterMs?, wrongAmount?,
 *   redirect?: { mode?: 'browser' | 'direct', delayMs?, repeat?, drop?, statusLies? },
 *   webhook?: { delayMs?, repeat?, drop?, badSignature?, noSignature?, form?, statusLies? (or 'status-lies') } }
 *
 * Outcomes: `pay`, `decline`, `fail`, `cancel` (the page's Cancel button: `failed`, coarse `Failed`),
 * `timeout` (the buyer abandons; the token expires on the sandbox clock), `unknown-then-pay`,
 * `unknown-then-fail` (`unknown` until `resolveAfterMs`), and `manual` (no automatic buyer; only the
 * delivery options apply). Automated-buyer convention: with any outcome but `timeout`/`manual`, a GET of
 * the hosted page performs that outcome at once and answers as the real page would after the buyer's
 * click (302 to `redirect_url`, or the direct-mode delivery).
 */
export const OUTCOMES = ['pay', 'decline', 'fail', 'cancel', 'timeout', 'unknown-then-pay', 'unknown-then-fail', 'manual'] as const;
export type AlqasehOutcome = (typeof OUTCOMES)[number];

export interface RedirectControls {
  mode: 'browser' | 'direct';
  delayMs: number;
  repeat: number;
  drop: boolean;
  statusLies: boolean;
}

export interface WebhookControls {
  delayMs: number;
  repeat: number;
  drop: boolean;
  badSignature: boolean;
  noSignature: boolean;
  form: boolean;
  statusLies: boolean;
}

export interface AlqasehScenario {
  outcome: AlqasehOutcome;
  resolveAfterMs: number;
  /** Added to the amount the context and the webhook report (0: none). */
  wrongAmount: number;
  redirect: RedirectControls;
  webhook: WebhookControls;
}

export const RESOLVE_AFTER_DEFAULT_MS = 60_000;
export const WRONG_AMOUNT_DEFAULT_DELTA = 1000;
/** Repeated deliveries per notice: enough for any duplicate test, too few to flood anyone. */
export const REPEAT_MAX = 10;
const DELAY_MAX_MS = 7 * 24 * 3600_000;

/** `status-lies` is the spec's own spelling of `statusLies`; both are accepted. */
const STATUS_LIES_ALIAS = 'status-lies';
const REDIRECT_KEYS = new Set(['mode', 'delayMs', 'repeat', 'drop', 'statusLies', STATUS_LIES_ALIAS]);
const WEBHOOK_KEYS = new Set(['delayMs', 'repeat', 'drop', 'badSignature', 'noSignature', 'form', 'statusLies', STATUS_LIES_ALIAS]);

/** A message naming the first problem, or undefined when the scenario is usable. */
export function validateAlqasehScenario(raw: Scenario): string | undefined {
  if (!(OUTCOMES as readonly string[]).includes(raw.outcome)) return `outcome must be one of ${OUTCOMES.join(', ')}`;
  if (raw.resolveAfterMs !== undefined && !isDelay(raw.resolveAfterMs)) return 'resolveAfterMs must be a non-negative number of ms';
  if (raw.wrongAmount !== undefined && raw.wrongAmount !== true && raw.wrongAmount !== false && !(typeof raw.wrongAmount === 'number' && Number.isFinite(raw.wrongAmount))) {
    return 'wrongAmount must be a number (the delta) or a boolean';
  }
  for (const [name, allowed] of [
    ['redirect', REDIRECT_KEYS],
    ['webhook', WEBHOOK_KEYS],
  ] as const) {
    const controls = raw[name];
    if (controls === undefined) continue;
    if (controls === null || typeof controls !== 'object' || Array.isArray(controls)) return `${name} must be an object`;
    for (const [key, value] of Object.entries(controls as Record<string, unknown>)) {
      if (!allowed.has(key)) return `${name}.${key} is not a control (known: ${[...allowed].join(', ')})`;
      if (key === 'mode' && value !== 'browser' && value !== 'direct') return `${name}.mode must be browser or direct`;
      if (key === 'delayMs' && !isDelay(value)) return `${name}.delayMs must be a non-negative number of ms`;
      if (key === 'repeat' && !(Number.isInteger(value) && (value as number) >= 1 && (value as number) <= REPEAT_MAX)) return `${name}.repeat must be an integer 1..${REPEAT_MAX}`;
      if (key !== 'mode' && key !== 'delayMs' && key !== 'repeat' && typeof value !== 'boolean') return `${name}.${key} must be a boolean`;
    }
  }
  return undefined;
}

/** Fills defaults; `defaults` carries the simulator options (redirect mode, webhook encoding). */
export function readAlqasehScenario(raw: Scenario | undefined, defaults: { redirectMode: 'browser' | 'direct'; webhookForm: boolean }): AlqasehScenario {
  const redirect = (raw?.redirect ?? {}) as Partial<RedirectControls> & { [STATUS_LIES_ALIAS]?: boolean };
  const webhook = (raw?.webhook ?? {}) as Partial<WebhookControls> & { [STATUS_LIES_ALIAS]?: boolean };
  const wrong = raw?.wrongAmount;
  return {
    outcome: (raw?.outcome as AlqasehOutcome | undefined) ?? 'manual',
    resolveAfterMs: typeof raw?.resolveAfterMs === 'number' ? raw.resolveAfterMs : RESOLVE_AFTER_DEFAULT_MS,
    wrongAmount: wrong === true ? WRONG_AMOUNT_DEFAULT_DELTA : typeof wrong === 'number' ? wrong : 0,
    redirect: {
      mode: redirect.mode ?? defaults.redirectMode,
      delayMs: redirect.delayMs ?? 0,
      repeat: redirect.repeat ?? 1,
      drop: redirect.drop ?? false,
      statusLies: redirect.statusLies ?? redirect[STATUS_LIES_ALIAS] ?? false,
    },
    webhook: {
      delayMs: webhook.delayMs ?? 0,
      repeat: webhook.repeat ?? 1,
      drop: webhook.drop ?? false,
      badSignature: webhook.badSignature ?? false,
      noSignature: webhook.noSignature ?? false,
      form: webhook.form ?? defaults.webhookForm,
      statusLies: webhook.statusLies ?? webhook[STATUS_LIES_ALIAS] ?? false,
    },
  };
}

function isDelay(value: unknown): boolean {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 && value <= DELAY_MAX_MS;
}
