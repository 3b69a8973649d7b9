import type { CallbackErrorCode, InboundRequest, InboundVerdict } from '../port/gateway.types';
import { MOCASA_RETURN_REFERENCE_PARAM, MOCASA_SIGNATURE_HEADER } from './mocasa.config';
import { verifyMocasaSignature } from './mocasa.crypto';
import { isMocasaReference, mocasaQueryOutcome, parseMocasaAmount } from './mocasa.transformers';
import type { MocasaWebhookFields } from './mocasa.types';

export interface MocasaInboundOptions {
  /** D8: `mocasa.webhookSecret` (defaults to the client secret in config). */
  webhookSecret: string;
  /** D9: whether a webhook's `orderNo` is one of our transfer serials rather than an order. */
  isTransferSerial: (orderNo: string) => boolean;
}

/** Bounds on what a notice may carry before it is refused as not Mocasa's. */
const WEBHOOK_ID_LENGTH_MAX = 64;
const WEBHOOK_STATUS_LENGTH_MAX = 32;
const RECORDED_TEXT_LENGTH_MAX = 256;
const RECORDED_PARAMS_MAX = 32;
const SIGNATURE_TAIL_LENGTH = 6;

/**
 * Parsing and authenticity of a buyer's return and of Mocasa's webhook (D7, D8, D9). No network and no
 * storage: the verdict says which attempt it names and what it claims; only a re-query decides.
 */
export function parseMocasaInbound(request: InboundRequest, options: MocasaInboundOptions): InboundVerdict {
  return request.kind === 'return' ? parseReturn(request) : parseWebhook(request, options);
}

/**
 * D7: the return's own parameters are undocumented and untrusted; it names the attempt through the
 * reference we put in returnUrl and only triggers a query. Every return of an attempt says the same
 * thing, so a second one (a reload, a replayed link) is a duplicate: recorded, answered from the stored
 * state, and it never makes an unauthenticated caller a way to send queries to Mocasa at will. Fresher
 * news comes with the webhook or the D10 polling.
 */
function parseReturn(request: InboundRequest): InboundVerdict {
  const method = request.method.toUpperCase();
  const recorded: Record<string, unknown> = { kind: 'return', method, query: recordableParams(request.query) };
  // The shopper arrives by redirect (GET); a POST is tolerated because nothing in it is read anyway.
  if (method !== 'GET' && method !== 'POST') {
    return reject('CALLBACK.METHOD_NOT_ALLOWED', `mocasa return by ${method}`, 'not_checked', 'payment', recorded);
  }
  const reference = firstValue(request.query[MOCASA_RETURN_REFERENCE_PARAM]);
  if (!isMocasaReference(reference)) {
    return reject('CALLBACK.INVALID', `mocasa return without a valid ${MOCASA_RETURN_REFERENCE_PARAM}`, 'not_checked', 'payment', recorded);
  }
  return {
    accepted: true,
    authenticity: 'unauthenticated',
    lookup: { by: 'reference', value: reference },
    claimed: {},
    dedupKey: `mocasa:return:${reference}`,
    subject: 'payment',
    recorded: { ...recorded, reference },
  };
}

function parseWebhook(request: InboundRequest, options: MocasaInboundOptions): InboundVerdict {
  const method = request.method.toUpperCase();
  const contentType = (request.headers['content-type'] ?? '').toLowerCase();
  const recorded: Record<string, unknown> = { kind: 'webhook', method, contentType: contentType || undefined };
  if (method !== 'POST') return reject('CALLBACK.METHOD_NOT_ALLOWED', `mocasa webhook by ${method}`, 'not_checked', 'payment', recorded);

  const fields = readWebhookFields(contentType, request);
  if (!fields) return reject('CALLBACK.INVALID', 'mocasa webhook body is neither a JSON object nor form fields', 'not_checked', 'payment', recorded);
  const orderNo = fields.orderNo;
  const txStatus = fields.txStatus;
  recorded.fields = recordableFields(fields);
  if (typeof orderNo !== 'string' || orderNo === '' || orderNo.length > WEBHOOK_ID_LENGTH_MAX) {
    return reject('CALLBACK.INVALID', 'mocasa webhook without a usable orderNo', 'not_checked', 'payment', recorded);
  }
  if (typeof txStatus !== 'string' || txStatus === '' || txStatus.length > WEBHOOK_STATUS_LENGTH_MAX) {
    return reject('CALLBACK.INVALID', 'mocasa webhook without a usable txStatus', 'not_checked', 'payment', recorded);
  }
  const subject = options.isTransferSerial(orderNo) ? 'payout' : 'payment';
  const lookup = { by: 'reference', value: orderNo };

  const header = request.headers[MOCASA_SIGNATURE_HEADER];
  recorded.signature = typeof header === 'string' ? tail(header) : undefined;
  const form = verifyMocasaSignature(header, orderNo, txStatus, options.webhookSecret);
  if (!form) {
    const why = typeof header === 'string' && header.trim() !== '' ? 'does not match' : 'is missing';
    return { ...reject('CALLBACK.SIGNATURE_INVALID', `mocasa webhook signature ${why}`, 'forged', subject, recorded), lookup };
  }
  recorded.signatureForm = form;

  let amount;
  if (fields.amount !== undefined && fields.amount !== null && fields.amount !== '') {
    const parsed = parseMocasaAmount(fields.amount);
    if (!parsed.ok) return { ...reject('CALLBACK.INVALID', `mocasa webhook ${parsed.reason}`, 'verified', subject, recorded), lookup };
    amount = parsed.amount;
  }
  return {
    accepted: true,
    authenticity: 'verified',
    lookup,
    // The signature covers orderNo and txStatus only: the amount is a claim, compared and recorded (D9).
    claimed: { status: txStatus, outcome: subject === 'payment' ? mocasaQueryOutcome(txStatus) : undefined, amount },
    dedupKey: `${orderNo}|${txStatus.trim().toLowerCase()}`,
    subject,
    recorded,
  };
}

/** D8: JSON or form, as the content type says; a body the caller already parsed is used when there is no raw text. */
function readWebhookFields(contentType: string, request: InboundRequest): Partial<MocasaWebhookFields> | undefined {
  const raw = typeof request.rawBody === 'string' && request.rawBody.trim() !== '' ? request.rawBody : undefined;
  const parsedBody = isPlainObject(request.body) ? request.body : undefined;
  if (contentType.includes('json')) {
    if (raw === undefined) return parsedBody as Partial<MocasaWebhookFields> | undefined;
    try {
      const json: unknown = JSON.parse(raw);
      return isPlainObject(json) ? (json as Partial<MocasaWebhookFields>) : undefined;
    } catch {
      return undefined;
    }
  }
  if (contentType.includes('application/x-www-form-urlencoded')) {
    if (raw === undefined) return parsedBody as Partial<MocasaWebhookFields> | undefined;
    return Object.fromEntries(new URLSearchParams(raw).entries()) as Partial<MocasaWebhookFields>;
  }
  return parsedBody as Partial<MocasaWebhookFields> | undefined;
}

function reject(
  code: CallbackErrorCode,
  message: string,
  authenticity: InboundVerdict['authenticity'],
  subject: InboundVerdict['subject'],
  recorded: Record<string, unknown>,
): InboundVerdict {
  return { accepted: false, rejection: { code, message }, authenticity, subject, recorded: { ...recorded, rejection: code } };
}

function firstValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function tail(value: string): string {
  return value.length <= SIGNATURE_TAIL_LENGTH * 2 ? '[present]' : `…${value.slice(-SIGNATURE_TAIL_LENGTH)}`;
}

function clip(value: unknown): unknown {
  if (typeof value === 'string') return value.length > RECORDED_TEXT_LENGTH_MAX ? `${value.slice(0, RECORDED_TEXT_LENGTH_MAX)}…` : value;
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return value;
  return value === undefined ? undefined : clip(JSON.stringify(value));
}

function recordableParams(query: InboundRequest['query']): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(query).slice(0, RECORDED_PARAMS_MAX)) out[clip(key) as string] = clip(firstValue(value));
  return out;
}

function recordableFields(fields: Partial<MocasaWebhookFields>): Record<string, unknown> {
  const known = ['orderNo', 'txStatus', 'amount', 'txMessage', 'txTime', 'paymentMode'] as const;
  const out: Record<string, unknown> = {};
  for (const key of known) if (fields[key] !== undefined) out[key] = clip(fields[key]);
  return out;
}
