import type { Scenario } from '../core';

/** Simulator switches (POST /_sandbox/atipay/options) and their defaults; atipay.md §7. */
export interface AtipaySimulatorOptions {
  /** cellNumber must be `09` + 9 digits (default: any string, empty allowed). */
  strictCellNumber: boolean;
  /** get-token failures as `{ faMessage }` without `status` instead of `{ status: "0", errorCode, errorDescription }`. */
  legacyFailureShape: boolean;
  /** A repeated invoiceNumber is refused instead of getting a new token. */
  uniqueInvoiceNumber: boolean;
  /** Source addresses get-token and verify accept; unset = any. */
  allowedSourceIps?: string[];
  /** `browser`: the page answers with the auto-submitting form; `direct`: the simulator POSTs the callback itself. */
  callbackMode: 'browser' | 'direct';
  /** The buyer page's time limit, counted from the token's issue (state 4 afterwards). */
  pageTimeoutMs: number;
  /** D8: an OK payment not verified within this window is reversed. */
  reversalWindowMs: number;
  /**
   * HTTP status of an apiKey refusal. The simulator's convention is 200 with a failure body; 401 stands
   * for the "non-200 replies also occur" of §3.1 (the shared expired-credentials scenario uses it).
   */
  apiKeyRefusalHttpStatus: number;
  /** Terminal named in callbacks (default: the credentials' terminalId), to exercise D5's anomaly. */
  callbackTerminalId?: string | null;
}

export const ATIPAY_SIMULATOR_DEFAULTS: AtipaySimulatorOptions = {
  strictCellNumber: false,
  legacyFailureShape: false,
  uniqueInvoiceNumber: false,
  callbackMode: 'browser',
  pageTimeoutMs: 10 * 60_000,
  reversalWindowMs: 30 * 60_000,
  apiKeyRefusalHttpStatus: 200,
};

/** §3.3 callback states the simulator can end a page in. */
export const CALLBACK_STATES = {
  '1': 'CanceledByUser',
  '2': 'OK',
  '3': 'Failed',
  '4': 'SessionIsNull',
  '5': 'InvalidParameters',
  '8': 'MerchantIpAddressIsInvalid',
  '10': 'TokenNotFound',
  '11': 'TokenRequired',
  '12': 'TerminalNotFound',
} as const;
export type CallbackStatus = keyof typeof CALLBACK_STATES;
export const CONFIG_ERROR_STATUSES: readonly CallbackStatus[] = ['5', '8', '11', '12'];

export const SCENARIO_OUTCOMES = ['pay', 'cancel', 'fail', 'timeout', 'config-error', 'abandon'] as const;
export type ScenarioOutcome = (typeof SCENARIO_OUTCOMES)[number];

/** A token's page: issued by get-token, opened by the buyer, finished by an action or the time limit. */
export interface AtipaySession {
  token: string;
  invoiceNumber: string;
  amount: number;
  redirectUrl: string;
  cellNumber: string;
  description?: string;
  issuedAt: Date;
  pageDeadline: Date;
  status: 'issued' | 'opened' | 'finished' | 'abandoned';
  scenario?: Scenario;
  /** The callback this page ended in. */
  result?: { state: string; status: string };
  referenceNumber?: string;
  /** A time-out decided while no browser was looking, shown at the next visit (browser mode). */
  unshownCallback?: Record<string, string>;
  pageTimerId?: number;
  callbacks: Array<{ at: string; mode: 'browser' | 'direct'; fields: Record<string, string>; status?: number; error?: string }>;
}

/** A payment taken on the page (state OK), waiting for verify or reversed after the window. */
export interface AtipayPayment {
  referenceNumber: string;
  invoiceNumber: string;
  token: string;
  amount: number;
  /** wrongAmount: verify answers amount + delta. */
  amountDelta: number;
  terminalId: string;
  traceNumber: string;
  rrn: string;
  maskedPan: string;
  status: 'awaiting_verify' | 'verified' | 'reversed';
  paidAt: Date;
  verifiedAt?: Date;
  reversedAt?: Date;
  reversalTaskId?: number;
  verifyCalls: number;
}

/** Bounds on what the simulator keeps in memory; the oldest go first. */
export const SESSIONS_MAX = 10_000;
export const PAYMENTS_MAX = 10_000;
/** Extra callback deliveries a scenario may ask for. */
export const CALLBACK_REPEAT_MAX = 10;
