import { Money } from '@payledger/kernel';
import { GatewayError } from '../port/gateway-error';
import { AttemptOutcome } from '../port/gateway.types';
import { ATIPAY_TOKEN_TAIL_LENGTH } from './atipay.config';
import {
  ATIPAY_CALLBACK_STATES,
  ATIPAY_OK_STATE,
  ATIPAY_OK_STATUS,
  AtipayCallbackStatus,
  AtipayGetTokenReply,
  AtipayGetTokenRequest,
  AtipayVerifyReply,
  AtipayVerifyRequest,
} from './atipay.types';

/**
 * Pure AtiPay ↔ canonical mapping (atipay.md §1, §3, D2–D6): the only place the wire formats live.
 * No I/O here; the client sends what these functions build.
 */

export const ATIPAY_CURRENCY = 'IRR' as const;

// ---------------------------------------------------------------- money

/** IRR minor units (scale 0, one unit = one rial) as AtiPay's integer `amount`. */
export function toAtipayAmount(amount: Money): number {
  if (amount.currency !== ATIPAY_CURRENCY) {
    throw new GatewayError('GATEWAY.INVALID_REQUEST', `AtiPay takes IRR only, not ${amount.currency}`, { details: { currency: amount.currency } });
  }
  if (amount.amountMinor <= 0n || amount.amountMinor > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new GatewayError('GATEWAY.INVALID_REQUEST', `AtiPay amount must be a positive safe integer of rials, got ${amount.amountMinor}`, {
      details: { amountMinor: amount.amountMinor.toString() },
    });
  }
  return Number(amount.amountMinor);
}

/** AtiPay's `amount` (a JSON number of rials) as Money, or undefined when it is not a non-negative safe integer. */
export function fromAtipayAmount(value: unknown): Money | undefined {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) return undefined;
  return Money.of(value, ATIPAY_CURRENCY);
}

// ---------------------------------------------------------------- get-token

const MOBILE_PATTERNS: ReadonlyArray<[RegExp, (m: RegExpExecArray) => string]> = [
  [/^09(\d{9})$/, (m) => `09${m[1]}`],
  [/^(?:\+|00)?989(\d{9})$/, (m) => `09${m[1]}`],
  [/^9(\d{9})$/, (m) => `09${m[1]}`],
];

/** D2: the buyer's mobile as `09xxxxxxxxx` when it can be read as an Iranian mobile, otherwise `""`. */
export function toAtipayCellNumber(mobile: string | undefined): string {
  if (!mobile) return '';
  const compact = mobile.replace(/[\s()-]/g, '');
  for (const [pattern, format] of MOBILE_PATTERNS) {
    const match = pattern.exec(compact);
    if (match) return format(match);
  }
  return '';
}

export function buildGetTokenRequest(input: {
  reference: string;
  amount: Money;
  description?: string;
  mobile?: string;
  apiKey: string;
  redirectUrl: string;
}): AtipayGetTokenRequest {
  const body: AtipayGetTokenRequest = {
    amount: toAtipayAmount(input.amount),
    cellNumber: toAtipayCellNumber(input.mobile),
    invoiceNumber: input.reference,
    redirectUrl: input.redirectUrl,
    apiKey: input.apiKey,
  };
  if (input.description) body.description = input.description;
  return body;
}

/** What a failed AtiPay reply says, in D2's order of preference. */
export interface AtipayFailure {
  /** errorCode, else `faMessage`/`message`, else `HTTP_<status>`. */
  gatewayCode: string;
  message: string;
  httpStatus: number;
  source: 'errorCode' | 'faMessage' | 'message' | 'httpStatus';
}

function text(value: unknown): string | undefined {
  if (typeof value === 'string' && value.trim() !== '') return value.trim();
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

/** D2: errorCode/errorDescription, else faMessage/message, else the HTTP status. */
export function atipayFailureOf(body: Record<string, unknown> | undefined, httpStatus: number): AtipayFailure {
  const errorCode = text(body?.errorCode);
  if (errorCode) return { gatewayCode: errorCode, message: text(body?.errorDescription) ?? errorCode, httpStatus, source: 'errorCode' };
  const faMessage = text(body?.faMessage);
  if (faMessage) return { gatewayCode: 'faMessage', message: faMessage, httpStatus, source: 'faMessage' };
  const message = text(body?.message);
  if (message) return { gatewayCode: 'message', message, httpStatus, source: 'message' };
  const status = text(body?.status);
  return {
    gatewayCode: `HTTP_${httpStatus}`,
    message: status !== undefined ? `AtiPay answered HTTP ${httpStatus} with status ${status}` : `AtiPay answered HTTP ${httpStatus}`,
    httpStatus,
    source: 'httpStatus',
  };
}

export type AtipayGetTokenOutcome = { kind: 'token'; token: string } | { kind: 'refused'; failure: AtipayFailure };

/** D2: success is HTTP 200, `String(status) === "1"` and a non-empty token; anything else is a refusal. */
export function interpretGetTokenReply(httpStatus: number, body: AtipayGetTokenReply | undefined): AtipayGetTokenOutcome {
  const token = typeof body?.token === 'string' ? body.token.trim() : '';
  if (httpStatus === 200 && body && String(body.status) === '1' && token !== '') return { kind: 'token', token };
  const failure = atipayFailureOf(body as Record<string, unknown> | undefined, httpStatus);
  if (httpStatus === 200 && body && String(body.status) === '1' && failure.source === 'httpStatus') {
    return { kind: 'refused', failure: { ...failure, gatewayCode: 'TOKEN_MISSING', message: 'AtiPay said status 1 but gave no token' } };
  }
  return { kind: 'refused', failure };
}

export function tokenTail(token: string): string {
  return token.length <= ATIPAY_TOKEN_TAIL_LENGTH ? '[REDACTED]' : `…${token.slice(-ATIPAY_TOKEN_TAIL_LENGTH)}`;
}

// ---------------------------------------------------------------- callback

export interface AtipayCallbackDecision {
  /** D4: only `state === "OK"` and `status === "2"` lead to verify. */
  verify: boolean;
  /** The outcome a non-verify callback ends the attempt in; the outcome claimed (`paid`) for OK/2. */
  outcome: AttemptOutcome;
  /** False when the pair is not a row of §3.3 (then `failed`, raw values recorded). */
  knownPair: boolean;
  /** States 8, 11 and 12: our AtiPay setup is wrong; ops should hear of it. */
  configurationAlert: boolean;
  /** `state/status` as received, for the record. */
  label: string;
}

const CALLBACK_OUTCOMES: Record<AtipayCallbackStatus, { outcome: AttemptOutcome; configurationAlert: boolean }> = {
  '1': { outcome: 'canceled', configurationAlert: false },
  '2': { outcome: 'paid', configurationAlert: false },
  '3': { outcome: 'failed', configurationAlert: false },
  '4': { outcome: 'expired', configurationAlert: false },
  '5': { outcome: 'failed', configurationAlert: false },
  '8': { outcome: 'failed', configurationAlert: true },
  '10': { outcome: 'failed', configurationAlert: false },
  '11': { outcome: 'failed', configurationAlert: true },
  '12': { outcome: 'failed', configurationAlert: true },
};

function isCallbackStatus(value: string): value is AtipayCallbackStatus {
  return Object.prototype.hasOwnProperty.call(ATIPAY_CALLBACK_STATES, value);
}

/** §3.3 and D4: the callback's (state, status) pair. Exact string comparison, no trimming or case folding. */
export function decideAtipayCallback(state: string, status: string): AtipayCallbackDecision {
  const label = `${state}/${status}`;
  if (state === ATIPAY_OK_STATE && status === ATIPAY_OK_STATUS) {
    return { verify: true, outcome: 'paid', knownPair: true, configurationAlert: false, label };
  }
  if (isCallbackStatus(status) && status !== ATIPAY_OK_STATUS && ATIPAY_CALLBACK_STATES[status] === state) {
    return { verify: false, ...CALLBACK_OUTCOMES[status], knownPair: true, label };
  }
  // Includes an inconsistent pair such as OK with status 3: never verified, the gateway reverses anything captured.
  return { verify: false, outcome: 'failed', knownPair: false, configurationAlert: false, label };
}

/** A masked PAN stays as sent; a full card number (which AtiPay should never send) is masked to 6…4. */
export function maskCardNumber(value: string): string {
  const digits = value.replace(/[\s-]/g, '');
  if (/^\d{12,19}$/.test(digits)) return `${digits.slice(0, 6)}${'*'.repeat(digits.length - 10)}${digits.slice(-4)}`;
  return value;
}

// ---------------------------------------------------------------- verify

export function buildVerifyRequest(input: { referenceNumber: string; terminalId: string; apiKey: string }): AtipayVerifyRequest {
  return { referenceNumber: input.referenceNumber, terminalId: input.terminalId, apiKey: input.apiKey };
}

export type AtipayVerifyOutcome =
  | { outcome: 'paid'; gatewayAmount: Money; detail: string }
  | { outcome: 'amount_mismatch'; gatewayAmount: Money; detail: string }
  /** verify_failed: the gateway reverses the money itself. */
  | { outcome: 'failed'; gatewayAmount?: Money; detail: string; gatewayCode: string }
  /** Not an answer we can decide on (contradictory or malformed amount): treated like no answer. */
  | { outcome: 'unusable'; detail: string };

/**
 * D6 for one verify reply that arrived as a JSON object with HTTP status below 500. Only an integer
 * `amount` equal to the expected rials is `paid`.
 */
export function interpretVerifyReply(httpStatus: number, body: AtipayVerifyReply, expected: Money): AtipayVerifyOutcome {
  const hasAmount = body.amount !== undefined && body.amount !== null;
  const failure = atipayFailureOf(body as Record<string, unknown>, httpStatus);
  if (!hasAmount) {
    return { outcome: 'failed', detail: `verify_failed: no amount (${failure.gatewayCode}: ${failure.message})`, gatewayCode: failure.gatewayCode };
  }
  const amount = fromAtipayAmount(body.amount);
  if (!amount) return { outcome: 'unusable', detail: `verify amount is not a non-negative integer: ${JSON.stringify(body.amount)}` };
  if (httpStatus < 200 || httpStatus >= 300 || failure.source === 'errorCode') {
    return { outcome: 'unusable', detail: `verify answered an amount together with an error (HTTP ${httpStatus}, ${failure.gatewayCode})` };
  }
  if (amount.isZero()) return { outcome: 'failed', gatewayAmount: amount, detail: 'verify_failed: amount 0', gatewayCode: 'AMOUNT_ZERO' };
  if (expected.currency !== ATIPAY_CURRENCY) {
    return { outcome: 'amount_mismatch', gatewayAmount: amount, detail: `expected ${expected.toString()}, AtiPay verified ${amount.toString()}` };
  }
  if (amount.equals(expected)) return { outcome: 'paid', gatewayAmount: amount, detail: `verify amount ${amount.amountMinor} IRR` };
  return { outcome: 'amount_mismatch', gatewayAmount: amount, detail: `expected ${expected.amountMinor} IRR, AtiPay verified ${amount.amountMinor} IRR` };
}
