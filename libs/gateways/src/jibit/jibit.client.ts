import { GatewayHttpClient, GatewayHttpRequest, GatewayHttpResponse } from '../http/gateway-http.client';
import { InteractionRecorder } from '../http/interaction-recorder';
import { AccessToken, SingleFlightTokenHolder } from '../http/token-holder';
import type { GatewayAdapterDeps } from '../port/adapter-deps';
import { GatewayError } from '../port/gateway-error';
import type { GatewayCallContext } from '../port/gateway.types';
import { JIBIT_OPERATIONS, JIBIT_TIMEOUTS_MS, JIBIT_TOKEN_RENEW_BEFORE_MS, JibitConfig, JibitOperation } from './jibit.config';
import { isJibitAuthError, jibitErrorToGatewayError, JibitErrorContext, parseJibitError } from './jibit.errors';
import {
  JibitOrderPage,
  JibitOrderView,
  JibitVerifyResult,
  parseCreateOrderResponse,
  parseOrder,
  parseOrderPage,
  parseTokenPair,
  parseVerifyStatus,
  tokenFromPair,
} from './jibit.transformers';
import type { JibitCreateOrderRequest, JibitCreateOrderResponse, JibitListOrdersQuery } from './jibit.types';

const REDACTED = '[REDACTED]';
/** Recorded session event after every generate/refresh (the values themselves never are). */
export const JIBIT_SESSION_RENEWED_EVENT = 'GatewaySessionRenewed';

/**
 * Plumbing for Jibit PPG v2: URLs, headers, the bearer token pair (D3) and the re-auth-once rule (D4).
 * Every request goes through GatewayHttpClient, which records it. Decisions about retries and outcomes
 * live in the adapter; wire parsing in the transformers.
 */
export class JibitClient {
  readonly http: GatewayHttpClient;
  readonly tokens: SingleFlightTokenHolder;
  private readonly baseUrl: string;
  /** D13: one list request at a time per merchant (v3 refuses concurrent filters; v2 may too). */
  private listQueue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly config: JibitConfig,
    private readonly deps: GatewayAdapterDeps<JibitConfig>,
  ) {
    this.baseUrl = config.baseUrl.replace(/\/+$/, '');
    this.http = new GatewayHttpClient({
      gateway: 'jibit',
      defaultTimeoutMs: JIBIT_TIMEOUTS_MS['create-order'],
      secretValues: [config.apiKey, config.secretKey],
      now: deps.now,
    });
    this.tokens = new SingleFlightTokenHolder({
      gateway: 'jibit',
      renewBeforeMs: JIBIT_TOKEN_RENEW_BEFORE_MS,
      now: deps.now,
      obtain: (recorder, current) => this.obtainToken(recorder, current),
      store: deps.tokenStore,
      sink: deps.sessionSink,
    });
  }

  get apiBaseUrl(): string {
    return this.baseUrl;
  }

  timeoutMs(operation: JibitOperation): number {
    return this.deps.timeoutsMs?.[operation] ?? JIBIT_TIMEOUTS_MS[operation];
  }

  // ---- tokens (D3)

  /**
   * D3: refresh while the refresh token has more than the renewal margin left, else generate; a refresh
   * that fails for any reason falls back to generate.
   */
  private async obtainToken(recorder: InteractionRecorder, current: AccessToken | undefined): Promise<AccessToken> {
    const now = this.deps.now().getTime();
    const refreshable = current?.refreshToken !== undefined && current.refreshExpiresAt !== undefined && current.refreshExpiresAt.getTime() - now > JIBIT_TOKEN_RENEW_BEFORE_MS;
    if (refreshable) {
      try {
        return await this.refreshToken(recorder, current!);
      } catch {
        // Recorded by the HTTP client; a fresh pair is the way out.
      }
    }
    return this.generateToken(recorder);
  }

  private async generateToken(recorder: InteractionRecorder): Promise<AccessToken> {
    const sentAt = this.deps.now();
    const reply = await this.sendTokenRequest(recorder, JIBIT_OPERATIONS.generateToken, '/tokens/generate', {
      apiKey: this.config.apiKey,
      secretKey: this.config.secretKey,
    });
    return this.acceptPair(recorder, JIBIT_OPERATIONS.generateToken, reply, sentAt);
  }

  private async refreshToken(recorder: InteractionRecorder, current: AccessToken): Promise<AccessToken> {
    const sentAt = this.deps.now();
    // §3.3: the access token goes without its `Bearer ` prefix.
    const reply = await this.sendTokenRequest(recorder, JIBIT_OPERATIONS.refreshToken, '/tokens/refresh', {
      accessToken: current.value,
      refreshToken: current.refreshToken!,
    });
    return this.acceptPair(recorder, JIBIT_OPERATIONS.refreshToken, reply, sentAt);
  }

  private async sendTokenRequest(
    recorder: InteractionRecorder,
    operation: JibitOperation,
    path: string,
    body: Record<string, string>,
  ): Promise<{ json: Record<string, unknown>; response: GatewayHttpResponse }> {
    const ctx: GatewayCallContext = { recorder };
    const response = await this.http.send(ctx, {
      operation,
      method: 'POST',
      url: `${this.baseUrl}${path}`,
      headers: { 'accept-language': 'en' },
      json: body,
      recordBody: Object.fromEntries(Object.keys(body).map((key) => [key, REDACTED])),
      recordResponse: redactTokenPair,
      timeoutMs: this.timeoutMs(operation),
    });
    if (!isSuccess(response)) throw jibitErrorToGatewayError(parseJibitError(response), { operation });
    // A garbled reply may still carry a token: only its redacted form may be recorded.
    const recordable = { ...response, text: response.json !== undefined ? JSON.stringify(redactTokenPair(response.json)) : response.text };
    return { json: this.http.expectJsonObject(ctx, operation, recordable), response: recordable };
  }

  private acceptPair(
    recorder: InteractionRecorder,
    operation: JibitOperation,
    reply: { json: Record<string, unknown>; response: GatewayHttpResponse },
    sentAt: Date,
  ): AccessToken {
    const pair = parseTokenPair(reply.json);
    if (!pair) throw this.http.malformed({ recorder }, operation, reply.response, 'accessToken or refreshToken missing');
    const token = tokenFromPair(pair, sentAt);
    recorder.custom(JIBIT_SESSION_RENEWED_EVENT, 'jibit', {
      via: operation === JIBIT_OPERATIONS.refreshToken ? 'refresh' : 'generate',
      sentAt: sentAt.toISOString(),
      accessExpiresAt: token.expiresAt.toISOString(),
      refreshExpiresAt: token.refreshExpiresAt?.toISOString(),
    });
    return token;
  }

  /** A usable access token. A failure here means nothing was sent to the order endpoints. */
  async accessToken(): Promise<AccessToken> {
    try {
      return await this.tokens.get();
    } catch (error) {
      throw tokenStageError(error);
    }
  }

  // ---- authenticated endpoints (D4)

  /**
   * Sends with the current bearer; on an auth error generates a new pair once and sends again once
   * (D4: a request refused for auth was not executed, so even POST /orders may be repeated). A second
   * auth error is GATEWAY.AUTH_FAILED. Any other non-2xx becomes the mapped GatewayError.
   */
  async sendAuthorized(ctx: GatewayCallContext, request: Omit<GatewayHttpRequest, 'headers'>, errorContext: Omit<JibitErrorContext, 'operation'>): Promise<GatewayHttpResponse> {
    const token = await this.accessToken();
    const first = await this.http.send(ctx, { ...request, headers: this.headers(token) });
    if (isSuccess(first)) return first;
    const reply = parseJibitError(first);
    if (!isJibitAuthError(reply)) throw jibitErrorToGatewayError(reply, { operation: request.operation, ...errorContext });

    let renewed: AccessToken;
    try {
      renewed = await this.tokens.renew(token, true, token.value);
    } catch (error) {
      throw tokenStageError(error);
    }
    const second = await this.http.send(ctx, { ...request, headers: this.headers(renewed) });
    if (isSuccess(second)) return second;
    const secondReply = parseJibitError(second);
    if (isJibitAuthError(secondReply)) this.tokens.invalidate(renewed.value);
    throw jibitErrorToGatewayError(secondReply, { operation: request.operation, ...errorContext });
  }

  /** §3.4. Not repeatable: a 5xx or a garbled 200 may hide a created order (D6). */
  async createOrder(ctx: GatewayCallContext, body: JibitCreateOrderRequest, recordBody: Record<string, unknown>): Promise<JibitCreateOrderResponse> {
    const operation = JIBIT_OPERATIONS.createOrder;
    const response = await this.sendAuthorized(
      ctx,
      { operation, method: 'POST', url: `${this.baseUrl}/orders`, json: body, recordBody, timeoutMs: this.timeoutMs(operation) },
      { outcomeUncertainOnServerError: true, repeatable: false },
    );
    const json = this.expectJson(ctx, operation, response, true);
    const parsed = parseCreateOrderResponse(json);
    if (typeof parsed === 'string') throw uncertain(this.http.malformed(ctx, operation, response, parsed));
    return parsed;
  }

  /** §3.6 */
  async verify(ctx: GatewayCallContext, orderIdentifier: string, attempt: number): Promise<{ status: JibitVerifyResult; text: string }> {
    const operation = JIBIT_OPERATIONS.verify;
    const response = await this.sendAuthorized(
      ctx,
      { operation, method: 'GET', url: `${this.baseUrl}/orders/${encodeURIComponent(orderIdentifier)}/verify`, attempt, timeoutMs: this.timeoutMs(operation) },
      { outcomeUncertainOnServerError: true, repeatable: true },
    );
    const json = this.expectJson(ctx, operation, response, true);
    const parsed = parseVerifyStatus(json);
    if (!parsed) throw uncertain(this.http.malformed(ctx, operation, response, 'status missing'));
    return parsed;
  }

  /** §3.7 */
  async inquiry(ctx: GatewayCallContext, orderIdentifier: string, attempt: number): Promise<JibitOrderView> {
    const operation = JIBIT_OPERATIONS.inquiry;
    const response = await this.sendAuthorized(
      ctx,
      { operation, method: 'GET', url: `${this.baseUrl}/orders/${encodeURIComponent(orderIdentifier)}`, attempt, timeoutMs: this.timeoutMs(operation) },
      { repeatable: true },
    );
    const json = this.expectJson(ctx, operation, response, false);
    const order = parseOrder(json);
    if (!order) throw this.http.malformed(ctx, operation, response, 'not an order (status or amount missing)');
    return order;
  }

  /** §3.8, one page; queued behind any list request already in flight (D13). */
  async listOrders(ctx: GatewayCallContext, query: JibitListOrdersQuery, attempt: number): Promise<JibitOrderPage> {
    const run = async () => {
      const operation = JIBIT_OPERATIONS.listOrders;
      const params = new URLSearchParams({ from: query.from, to: query.to, page: String(query.page), size: String(query.size) });
      if (query.status) params.set('status', query.status);
      const response = await this.sendAuthorized(
        ctx,
        { operation, method: 'GET', url: `${this.baseUrl}/orders?${params.toString()}`, attempt, timeoutMs: this.timeoutMs(operation) },
        { repeatable: true },
      );
      const json = this.expectJson(ctx, operation, response, false);
      const page = parseOrderPage(json);
      if (typeof page === 'string') throw this.http.malformed(ctx, operation, response, page);
      return page;
    };
    const result = this.listQueue.then(run, run);
    this.listQueue = result.catch(() => undefined);
    return result;
  }

  private expectJson(ctx: GatewayCallContext, operation: string, response: GatewayHttpResponse, mayHaveActed: boolean): Record<string, unknown> {
    try {
      return this.http.expectJsonObject(ctx, operation, response);
    } catch (error) {
      throw mayHaveActed ? uncertain(error) : error;
    }
  }

  private headers(token: AccessToken): Record<string, string> {
    return { authorization: `Bearer ${token.value}`, 'accept-language': 'en' };
  }
}

function isSuccess(response: GatewayHttpResponse): boolean {
  return response.status >= 200 && response.status < 300;
}

function redactTokenPair(body: unknown): unknown {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return body;
  const out: Record<string, unknown> = { ...(body as Record<string, unknown>) };
  for (const key of ['accessToken', 'refreshToken']) if (key in out) out[key] = REDACTED;
  return out;
}

/** The token step failed: the order endpoint was never called, so the caller may simply try again later. */
function tokenStageError(error: unknown): GatewayError {
  if (error instanceof GatewayError) {
    return new GatewayError(error.code, error.message, {
      retrySafe: true,
      outcomeUncertain: false,
      httpStatus: error.httpStatus,
      gatewayCode: error.gatewayCode,
      details: { ...(error.details ?? {}), stage: 'token' },
    });
  }
  return new GatewayError('GATEWAY.UNAVAILABLE', `jibit token: ${error instanceof Error ? error.message : String(error)}`, {
    retrySafe: true,
    details: { stage: 'token' },
  });
}

/** A reply we could not read after a call that may have acted (create, verify). */
function uncertain(error: unknown): unknown {
  if (!(error instanceof GatewayError)) return error;
  return new GatewayError(error.code, error.message, {
    retrySafe: false,
    outcomeUncertain: true,
    httpStatus: error.httpStatus,
    gatewayCode: error.gatewayCode,
    details: error.details,
  });
}
