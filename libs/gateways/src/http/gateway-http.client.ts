import { createRedactor, Redactor } from '@payledger/event-store';
import { GatewayError } from '../port/gateway-error';
import { GatewayCallContext, GatewayName } from '../port/gateway.types';

export interface GatewayHttpRequest {
  /** Our name for the call (`verify`, `create-order`): recorded, and used to pick timeouts. */
  operation: string;
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  headers?: Record<string, string>;
  /** Sent as JSON. */
  json?: unknown;
  /** Sent as application/x-www-form-urlencoded. */
  form?: Record<string, string>;
  timeoutMs?: number;
  /** 1 for the first try; retries count up. */
  attempt?: number;
  /** The body as it may be recorded (the client also runs the generic redactor over it). */
  recordBody?: unknown;
  /** Redacts a parsed response body before it is recorded. */
  recordResponse?: (body: unknown) => unknown;
}

export interface GatewayHttpResponse {
  status: number;
  headers: Record<string, string>;
  contentType: string;
  text: string;
  /** The parsed JSON body, or undefined when the body is not JSON. */
  json: unknown;
  latencyMs: number;
  /** The body as it was recorded (adapter's recordResponse, then the redactor): what may be stored again. */
  recordedBody: unknown;
}

export interface GatewayHttpClientOptions {
  gateway: GatewayName;
  defaultTimeoutMs: number;
  /** Credentials of this gateway: removed from anything recorded, wherever they appear. */
  secretValues?: readonly string[];
  now?: () => Date;
  /** Header names whose values are never recorded (Authorization, x-app-secret, accessToken …). */
  sensitiveHeaders?: readonly string[];
}

const ALWAYS_SENSITIVE_HEADERS = ['authorization', 'proxy-authorization', 'cookie', 'x-app-secret', 'accesstoken', 'x-api-key'];
/** Bodies larger than this are not read in full: no gateway answers with megabytes. */
export const RESPONSE_BODY_LENGTH_MAX = 2 * 1024 * 1024;

/**
 * Plumbing shared by all adapters: sends one HTTP request with a timeout and records it (request sent,
 * then response received or request failed) through the call context's recorder. It never retries by
 * itself; the adapter decides which operations are safe to repeat (see withRetries).
 */
export class GatewayHttpClient {
  private readonly redact: Redactor;
  private readonly sensitiveHeaders: Set<string>;
  private readonly now: () => Date;

  constructor(private readonly options: GatewayHttpClientOptions) {
    this.redact = createRedactor({ secretValues: options.secretValues });
    this.sensitiveHeaders = new Set([...ALWAYS_SENSITIVE_HEADERS, ...(options.sensitiveHeaders ?? []).map((h) => h.toLowerCase())]);
    this.now = options.now ?? (() => new Date());
  }

  get gateway(): GatewayName {
    return this.options.gateway;
  }

  async send(ctx: GatewayCallContext, request: GatewayHttpRequest): Promise<GatewayHttpResponse> {
    const gateway = this.options.gateway;
    const timeoutMs = request.timeoutMs ?? this.options.defaultTimeoutMs;
    const attempt = request.attempt ?? 1;
    const headers: Record<string, string> = { accept: 'application/json', ...lowerKeys(request.headers ?? {}) };
    let body: string | undefined;
    if (request.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(request.json);
    } else if (request.form !== undefined) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(request.form).toString();
    }
    const requestId = ctx.recorder.requestSent({
      gateway,
      operation: request.operation,
      attempt,
      method: request.method,
      url: this.redact(request.url),
      headers: this.recordableHeaders(headers),
      body: this.redact(request.recordBody ?? request.json ?? request.form),
      timeoutMs,
    });
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);

    /** Records why no usable answer came and returns the error to throw. */
    const failed = (error: unknown, otherwise: 'network' | 'malformed', httpStatus?: number): GatewayError => {
      const timedOut = isTimeout(error);
      ctx.recorder.requestFailed({
        gateway,
        operation: request.operation,
        requestId,
        attempt,
        reason: timedOut ? 'timeout' : otherwise,
        message: this.redact(describe(error)),
        latencyMs: elapsed(),
        httpStatus,
      });
      const code = timedOut ? 'GATEWAY.TIMEOUT' : otherwise === 'network' ? 'GATEWAY.UNAVAILABLE' : 'GATEWAY.BAD_RESPONSE';
      const why = timedOut ? `no answer within ${timeoutMs} ms` : describe(error);
      return new GatewayError(code, `${gateway} ${request.operation}: ${why}`, { outcomeUncertain: true, httpStatus, details: { operation: request.operation } });
    };

    let response: Response;
    try {
      response = await fetch(request.url, { method: request.method, headers, body, signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
    } catch (error) {
      throw failed(error, 'network');
    }
    let text: string;
    try {
      text = await readBounded(response, timeoutMs);
    } catch (error) {
      throw failed(error, 'malformed', response.status);
    }
    const contentType = response.headers.get('content-type') ?? '';
    const json = parseJson(text);
    const responseHeaders: Record<string, string> = {};
    response.headers.forEach((value, key) => {
      responseHeaders[key] = value;
    });
    const recordable = this.redact(json !== undefined ? (request.recordResponse ? request.recordResponse(json) : json) : text);
    ctx.recorder.responseReceived({
      gateway,
      operation: request.operation,
      requestId,
      attempt,
      httpStatus: response.status,
      latencyMs: elapsed(),
      contentType: contentType || undefined,
      body: recordable,
    });
    return { status: response.status, headers: responseHeaders, contentType, text, json, latencyMs: elapsed(), recordedBody: recordable };
  }

  /**
   * The body as a JSON object, or GATEWAY.BAD_RESPONSE (recorded as a malformed failure) for garbage,
   * HTML, an empty body or a wrong content type.
   */
  expectJsonObject(ctx: GatewayCallContext, operation: string, response: GatewayHttpResponse): Record<string, unknown> {
    const isObject = response.json !== null && typeof response.json === 'object' && !Array.isArray(response.json);
    const jsonType = /\bjson\b/i.test(response.contentType) || response.contentType === '';
    if (isObject && jsonType) return response.json as Record<string, unknown>;
    const reason = !isObject
      ? response.text.trim() === ''
        ? 'empty body'
        : 'body is not a JSON object'
      : `content type ${response.contentType}`;
    throw this.malformed(ctx, operation, response, reason);
  }

  /** Records a response the adapter could not use and returns the error to throw. */
  malformed(ctx: GatewayCallContext, operation: string, response: GatewayHttpResponse, reason: string): GatewayError {
    ctx.recorder.requestFailed({
      gateway: this.options.gateway,
      operation,
      requestId: 'n/a',
      attempt: 1,
      reason: 'malformed',
      message: reason,
      latencyMs: response.latencyMs,
      httpStatus: response.status,
      // Never the raw text: it would bypass the adapter's field-aware redaction (a page token, say).
      body: response.recordedBody,
    });
    return new GatewayError('GATEWAY.BAD_RESPONSE', `${this.options.gateway} ${operation}: ${reason} (HTTP ${response.status})`, {
      httpStatus: response.status,
      details: { operation, reason },
    });
  }

  private recordableHeaders(headers: Record<string, string>): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [key, value] of Object.entries(headers)) {
      out[key] = this.sensitiveHeaders.has(key) ? '[REDACTED]' : this.redact(value);
    }
    return out;
  }
}

function lowerKeys(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) out[k.toLowerCase()] = v;
  return out;
}

function parseJson(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isTimeout(error: unknown): boolean {
  const e = error as { name?: string; cause?: { name?: string; code?: string } };
  return e?.name === 'TimeoutError' || e?.name === 'AbortError' || e?.cause?.name === 'TimeoutError' || e?.cause?.code === 'UND_ERR_HEADERS_TIMEOUT';
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    return cause?.code ? `${error.message} (${cause.code})` : cause?.message ? `${error.message}: ${cause.message}` : error.message;
  }
  return String(error);
}

async function readBounded(response: Response, timeoutMs: number): Promise<string> {
  const reader = response.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let length = 0;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (Date.now() > deadline) throw Object.assign(new Error('response body not complete in time'), { name: 'TimeoutError' });
    const { done, value } = await reader.read();
    if (done) break;
    length += value.byteLength;
    if (length > RESPONSE_BODY_LENGTH_MAX) {
      await reader.cancel();
      throw new Error(`response body larger than ${RESPONSE_BODY_LENGTH_MAX} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
