import { createRedactor, Redactor } from '@payledger/event-store';
import { GatewayHttpClient, GatewayHttpResponse } from '../http/gateway-http.client';
import { GatewayError } from '../port/gateway-error';
import { isTransient, Sleep, withRetries } from '../http/retry';
import type { GatewayCallContext } from '../port/gateway.types';
import { ALQASEH_GET_RETRY_PLAN, ALQASEH_OPERATIONS, ALQASEH_REQUEST_TIMEOUT_MS, AlqasehConfig, AlqasehOperation } from './alqaseh.config';
import { hasAlqasehErrorCode, toAlqasehError } from './alqaseh.errors';
import {
  AlqasehWireShapeError,
  readCreateResponse,
  readHistory,
  readInfoResponse,
  readPaymentContext,
  readRetryResponse,
  readRevokeResponse,
} from './alqaseh.transformers';
import type {
  AlqasehCreateRequest,
  AlqasehCreateResponse,
  AlqasehHistoryQuery,
  AlqasehInfoResponse,
  AlqasehPaymentContext,
  AlqasehRetryResponse,
  AlqasehRevokeResponse,
} from './alqaseh.types';

export interface AlqasehClientOptions {
  config: AlqasehConfig;
  sleep?: Sleep;
  random?: () => number;
  now?: () => Date;
  timeoutsMs?: Partial<Record<string, number>>;
}

/**
 * Plumbing for Al Qaseh Payment API v2: URLs, Basic auth (D1), sending through the recording HTTP client,
 * retries where D15 allows them, and turning replies into typed values or GatewayErrors.
 */
export class AlqasehClient {
  private readonly http: GatewayHttpClient;
  private readonly authorization: string;
  private readonly secrets: string[];
  private readonly redact: Redactor;

  constructor(private readonly options: AlqasehClientOptions) {
    const { config } = options;
    const basic = Buffer.from(`${config.clientId}:${config.clientSecret}`, 'utf8').toString('base64');
    this.authorization = `Basic ${basic}`;
    this.secrets = [config.clientSecret, basic, ...(config.webhookSecret ? [config.webhookSecret] : [])];
    this.http = this.httpClient(this.secrets);
    this.redact = createRedactor({ secretValues: this.secrets });
  }

  /** Values that must never appear in a recorded event. */
  get secretValues(): readonly string[] {
    return this.secrets;
  }

  /** `POST /egw/payments/create`. Never retried: a lost reply is looked up by order_id instead (D5). */
  async createPayment(ctx: GatewayCallContext, body: AlqasehCreateRequest): Promise<AlqasehCreateResponse> {
    const operation = ALQASEH_OPERATIONS.create;
    const response = await this.send(ctx, operation, 'POST', '/egw/payments/create', body);
    return this.decode(ctx, operation, response, readCreateResponse);
  }

  /** `GET /egw/payments/{payment_id}`: the re-query every decision rests on (D6, D7, D9). */
  getPayment(ctx: GatewayCallContext, paymentId: string): Promise<AlqasehPaymentContext> {
    const operation = ALQASEH_OPERATIONS.getPayment;
    return this.getWithRetries(ctx, operation, `/egw/payments/${encodeURIComponent(paymentId)}`, (json) => readPaymentContext(json));
  }

  /** `GET /egw/payments/history` with the given query; one page. */
  history(ctx: GatewayCallContext, query: AlqasehHistoryQuery, rowsMax: number): Promise<AlqasehPaymentContext[]> {
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) if (value !== undefined) search.set(key, String(value));
    return this.getWithRetries(ctx, ALQASEH_OPERATIONS.history, `/egw/payments/history?${search.toString()}`, (json) => readHistory(json, rowsMax));
  }

  /** `POST /egw/payments/revoke`. Never retried blindly: the caller re-queries instead (D11). */
  async revoke(ctx: GatewayCallContext, paymentId: string, details?: string): Promise<AlqasehRevokeResponse> {
    const operation = ALQASEH_OPERATIONS.revoke;
    const response = await this.send(ctx, operation, 'POST', '/egw/payments/revoke', { payment_id: paymentId, ...(details ? { details } : {}) });
    return this.decode(ctx, operation, response, readRevokeResponse);
  }

  /**
   * `POST /egw/payments/retry`: a new payment_id and token under the same order_id. For ops only; the
   * payment flow makes a new attempt with a new order_id instead (D3). Its token is recorded as a tail.
   */
  async retry(ctx: GatewayCallContext, paymentId: string, details?: string): Promise<AlqasehRetryResponse> {
    const operation = ALQASEH_OPERATIONS.retry;
    const response = await this.send(ctx, operation, 'POST', '/egw/payments/retry', { payment_id: paymentId, ...(details ? { details } : {}) });
    return this.decode(ctx, operation, response, readRetryResponse);
  }

  /**
   * `GET /egw/payments/info/{token}` (diagnostics). The token is in the path, so this call records
   * through a client that treats the token as a secret.
   */
  info(ctx: GatewayCallContext, token: string): Promise<AlqasehInfoResponse> {
    const http = this.httpClient([...this.secrets, token]);
    return this.getWithRetries(ctx, ALQASEH_OPERATIONS.info, `/egw/payments/info/${encodeURIComponent(token)}`, readInfoResponse, http);
  }

  private httpClient(secretValues: string[]): GatewayHttpClient {
    return new GatewayHttpClient({
      gateway: 'alqaseh',
      defaultTimeoutMs: ALQASEH_REQUEST_TIMEOUT_MS,
      secretValues,
      now: this.options.now,
      sensitiveHeaders: ['authorization'],
    });
  }

  private timeoutFor(operation: AlqasehOperation): number {
    return this.options.timeoutsMs?.[operation] ?? this.options.timeoutsMs?.default ?? ALQASEH_REQUEST_TIMEOUT_MS;
  }

  private url(path: string): string {
    return `${this.options.config.baseUrl.replace(/\/+$/, '')}${path}`;
  }

  private async send(
    ctx: GatewayCallContext,
    operation: AlqasehOperation,
    method: 'GET' | 'POST',
    path: string,
    json?: unknown,
    attempt = 1,
    http = this.http,
  ): Promise<GatewayHttpResponse> {
    return http.send(ctx, {
      operation,
      method,
      url: this.url(path),
      headers: { authorization: this.authorization },
      json,
      timeoutMs: this.timeoutFor(operation),
      attempt,
    });
  }

  private getWithRetries<T>(
    ctx: GatewayCallContext,
    operation: AlqasehOperation,
    path: string,
    read: (json: Record<string, unknown>) => T,
    http = this.http,
  ): Promise<T> {
    return withRetries(
      ALQASEH_GET_RETRY_PLAN,
      async (attempt) => this.decode(ctx, operation, await this.send(ctx, operation, 'GET', path, undefined, attempt, http), read),
      { sleep: this.options.sleep, random: this.options.random, isRetryable: isTransient },
    );
  }

  /** A usable 2xx becomes `T`; refusals become GatewayErrors; anything unreadable is GATEWAY.BAD_RESPONSE. */
  private decode<T>(ctx: GatewayCallContext, operation: string, response: GatewayHttpResponse, read: (json: Record<string, unknown>) => T): T {
    if (response.status < 200 || response.status >= 300 || hasAlqasehErrorCode(response.json)) {
      if (response.status >= 300 && response.status < 400) throw this.shapeFailure(ctx, operation, response, response.json ?? response.text, 'unexpected redirect');
      throw toAlqasehError(operation, response.status, response.json);
    }
    const json = this.expectJsonObject(ctx, operation, response);
    try {
      return read(json);
    } catch (error) {
      if (error instanceof AlqasehWireShapeError) throw this.shapeFailure(ctx, operation, response, json, error.message);
      throw error;
    }
  }

  /** The rule of GatewayHttpClient.expectJsonObject, recorded through shapeFailure. */
  private expectJsonObject(ctx: GatewayCallContext, operation: string, response: GatewayHttpResponse): Record<string, unknown> {
    const isObject = response.json !== null && typeof response.json === 'object' && !Array.isArray(response.json);
    const jsonType = /\bjson\b/i.test(response.contentType) || response.contentType === '';
    if (isObject && jsonType) return response.json as Record<string, unknown>;
    const reason = !isObject ? (response.text.trim() === '' ? 'empty body' : 'body is not a JSON object') : `content type ${response.contentType}`;
    throw this.shapeFailure(ctx, operation, response, response.json ?? response.text, reason);
  }

  /**
   * Like GatewayHttpClient.malformed, but records a parsed body through the field-aware redactor instead
   * of as raw text: a JSON reply with a wrong content type or a half-formed create reply may still hold
   * the page token, which events keep only as a tail.
   */
  private shapeFailure(ctx: GatewayCallContext, operation: string, response: GatewayHttpResponse, body: unknown, reason: string): GatewayError {
    ctx.recorder.requestFailed({
      gateway: 'alqaseh',
      operation,
      requestId: 'n/a',
      attempt: 1,
      reason: 'malformed',
      message: reason,
      latencyMs: response.latencyMs,
      httpStatus: response.status,
      body: this.redact(body),
    });
    return new GatewayError('GATEWAY.BAD_RESPONSE', `alqaseh ${operation}: ${reason} (HTTP ${response.status})`, {
      httpStatus: response.status,
      details: { operation, reason },
    });
  }
}
