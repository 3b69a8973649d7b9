import { GatewayHttpClient, GatewayHttpResponse } from '../http/gateway-http.client';
import { InteractionRecorder } from '../http/interaction-recorder';
import { AccessToken, SingleFlightTokenHolder } from '../http/token-holder';
import { GatewayAdapterDeps } from '../port/adapter-deps';
import { GatewayError } from '../port/gateway-error';
import { GatewayCallContext } from '../port/gateway.types';
import { AUTH_TRIES_MAX, MISPAY_GATEWAY, MISPAY_OPERATIONS, MISPAY_TIMEOUTS_MS, MispayConfig, MispayOperation, REQUEST_TIMEOUT_MS, TOKEN_RENEW_BEFORE_MS } from './mispay.config';
import { decryptBlob, MispayCryptoError, parseDecryptedJson } from './mispay.crypto';
import { isTokenRejected, readWireError, toGatewayError } from './mispay.errors';
import { readSuccessResult, readTokenBlob, readTokenPayload, SHOPPER_URL_RECORDED_AS, tokenExpiry } from './mispay.transformers';
import { MispayRefundRequest, MispayStartCheckoutRequest } from './mispay.types';

interface MispayCall {
  operation: MispayOperation;
  method: 'GET' | 'POST' | 'PUT';
  path: string;
  json?: unknown;
  attempt?: number;
  recordResponse?: (body: unknown) => unknown;
}

export const TOKEN_ISSUED_EVENT = 'GatewayTokenIssued';

/**
 * MIS Pay plumbing: URLs, `x-app-id` + Bearer headers, the token holder (D3), sending through the
 * recording GatewayHttpClient, and reading envelopes into results or GatewayErrors. No decisions.
 */
export class MispayClient {
  readonly http: GatewayHttpClient;
  private readonly tokens: SingleFlightTokenHolder;

  constructor(private readonly deps: GatewayAdapterDeps<MispayConfig>) {
    const { config } = deps;
    this.http = new GatewayHttpClient({
      gateway: MISPAY_GATEWAY,
      defaultTimeoutMs: REQUEST_TIMEOUT_MS,
      secretValues: config.appSecret ? [config.appSecret] : [],
      sensitiveHeaders: ['x-app-secret', 'authorization'],
      now: deps.now,
    });
    this.tokens = new SingleFlightTokenHolder({
      gateway: MISPAY_GATEWAY,
      renewBeforeMs: TOKEN_RENEW_BEFORE_MS,
      now: deps.now,
      obtain: (recorder) => this.obtainToken(recorder),
      store: deps.tokenStore,
      sink: deps.sessionSink,
    });
  }

  /** D2: without an app secret nothing is sent and nothing is decrypted (no built-in fallback, ever). */
  hasSecret(): boolean {
    return typeof this.deps.config.appSecret === 'string' && this.deps.config.appSecret.length > 0;
  }

  requireSecret(): string {
    if (!this.hasSecret()) {
      throw new GatewayError('GATEWAY.CONFIGURATION', 'mispay: no app secret configured; refusing to call MIS Pay or trust its messages (D2)', {
        details: { setting: 'MISPAY_APP_SECRET' },
      });
    }
    return this.deps.config.appSecret;
  }

  timeoutMs(operation: MispayOperation): number {
    return this.deps.timeoutsMs?.[operation] ?? MISPAY_TIMEOUTS_MS[operation];
  }

  /** The one place checkout paths are built (an old vendor build lost the `/` after `checkout`). */
  checkoutPath(checkoutId: string, suffix?: string): string {
    return `/checkout/${encodeURIComponent(checkoutId)}${suffix ? `/${suffix}` : ''}`;
  }

  private url(path: string): string {
    return `${this.deps.config.baseUrl.replace(/\/+$/, '')}${path.startsWith('/') ? path : `/${path}`}`;
  }

  /** Sends with the current token; on 401/ME10/ME11 gets a new token once and sends once more (D3). */
  async send(ctx: GatewayCallContext, call: MispayCall): Promise<GatewayHttpResponse> {
    this.requireSecret();
    let token = await this.tokens.get();
    for (let authTry = 1; ; authTry++) {
      const response = await this.http.send(ctx, {
        operation: call.operation,
        method: call.method,
        url: this.url(call.path),
        headers: { 'x-app-id': this.deps.config.appId, authorization: `Bearer ${token.value}` },
        json: call.json,
        timeoutMs: this.timeoutMs(call.operation),
        attempt: call.attempt ?? 1,
        recordResponse: call.recordResponse,
      });
      if (authTry >= AUTH_TRIES_MAX || !this.tokenRejected(response)) return response;
      this.tokens.invalidate(token.value);
      token = await this.tokens.renew(undefined, true, token.value);
    }
  }

  private tokenRejected(response: GatewayHttpResponse): boolean {
    const body = asObject(response.json);
    return isTokenRejected(response.status, body ? readWireError(body) : undefined);
  }

  /** The JSON body of a usable reply; 5xx, error envelopes and garbage become GatewayErrors. */
  readBody(ctx: GatewayCallContext, operation: MispayOperation, response: GatewayHttpResponse): Record<string, unknown> {
    if (response.status >= 500) {
      const body = asObject(response.json);
      throw toGatewayError(operation, response.status, body ? readWireError(body) : undefined);
    }
    const body = this.http.expectJsonObject(ctx, operation, response);
    const wire = readWireError(body);
    if (wire || response.status >= 400) throw toGatewayError(operation, response.status, wire);
    return body;
  }

  /** `result` of a success envelope (HTTP 200 or 201). */
  async result(ctx: GatewayCallContext, call: MispayCall): Promise<Record<string, unknown>> {
    const response = await this.send(ctx, call);
    const body = this.readBody(ctx, call.operation, response);
    const result = readSuccessResult(body);
    if (!result) throw this.http.malformed(ctx, call.operation, response, 'not a success envelope');
    return result;
  }

  startCheckout(ctx: GatewayCallContext, body: MispayStartCheckoutRequest): Promise<Record<string, unknown>> {
    return this.result(ctx, { operation: MISPAY_OPERATIONS.startCheckout, method: 'POST', path: '/start-checkout', json: body, recordResponse: hideShopperUrl });
  }

  getCheckout(ctx: GatewayCallContext, checkoutId: string): Promise<Record<string, unknown>> {
    return this.result(ctx, { operation: MISPAY_OPERATIONS.getCheckout, method: 'GET', path: this.checkoutPath(checkoutId) });
  }

  /** The whole body: the reply may be enveloped or bare (D7). */
  async trackCheckout(ctx: GatewayCallContext, trackId: string): Promise<{ body: Record<string, unknown>; response: GatewayHttpResponse }> {
    const response = await this.send(ctx, { operation: MISPAY_OPERATIONS.trackCheckout, method: 'GET', path: `/track-checkout/${encodeURIComponent(trackId)}` });
    return { body: this.readBody(ctx, MISPAY_OPERATIONS.trackCheckout, response), response };
  }

  endCheckout(ctx: GatewayCallContext, checkoutId: string, attempt: number): Promise<Record<string, unknown>> {
    return this.result(ctx, { operation: MISPAY_OPERATIONS.endCheckout, method: 'PUT', path: this.checkoutPath(checkoutId, 'end'), attempt });
  }

  refund(ctx: GatewayCallContext, body: MispayRefundRequest): Promise<Record<string, unknown>> {
    return this.result(ctx, { operation: MISPAY_OPERATIONS.refund, method: 'POST', path: '/refund', json: body });
  }

  /** D10: the path is configurable (`{checkoutId}` is substituted) until MIS Pay publishes it. */
  updateOrderId(ctx: GatewayCallContext, checkoutId: string, orderId: string): Promise<Record<string, unknown>> {
    const path = this.deps.config.updateOrderIdPath.split('{checkoutId}').join(encodeURIComponent(checkoutId));
    return this.result(ctx, { operation: MISPAY_OPERATIONS.updateOrderId, method: 'PUT', path, json: { orderId } });
  }

  /** `GET /token`, decrypt the blob (base64 once), expiry per D3. Recorded on the session stream. */
  private async obtainToken(recorder: InteractionRecorder): Promise<AccessToken> {
    const secret = this.requireSecret();
    const ctx: GatewayCallContext = { recorder };
    const operation = MISPAY_OPERATIONS.token;
    const response = await this.http.send(ctx, {
      operation,
      method: 'GET',
      url: this.url('/token'),
      headers: { 'x-app-id': this.deps.config.appId, 'x-app-secret': secret },
      timeoutMs: this.timeoutMs(operation),
      recordResponse: hideTokenBlob,
    });
    const body = this.readBody(ctx, operation, response);
    const result = readSuccessResult(body);
    const blob = result ? readTokenBlob(result) : undefined;
    if (!blob) throw this.http.malformed(ctx, operation, response, 'no token in the reply');
    let payload;
    try {
      payload = readTokenPayload(parseDecryptedJson(await decryptBlob(blob, secret)));
    } catch (error) {
      if (error instanceof MispayCryptoError) throw this.http.malformed(ctx, operation, response, `token blob: ${error.message}`);
      throw error;
    }
    if (!payload) throw this.http.malformed(ctx, operation, response, 'decrypted token payload has no token');
    const { expiresAt, source } = tokenExpiry(payload, this.deps.now());
    recorder.custom(TOKEN_ISSUED_EVENT, MISPAY_GATEWAY, { gateway: MISPAY_GATEWAY, expiresAt: expiresAt.toISOString(), expirySource: source });
    return { value: payload.token, expiresAt };
  }

  /** For tests and ops: when the held token expires (never its value). */
  tokenExpiresAt(): Date | undefined {
    return this.tokens.peek()?.expiresAt;
  }
}

function asObject(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function withResult(body: unknown, change: (result: Record<string, unknown>) => Record<string, unknown>): unknown {
  const outer = asObject(body);
  const result = outer ? asObject(outer.result) : undefined;
  return outer && result ? { ...outer, result: change(result) } : body;
}

/** The token blob is the JWT, merely encrypted with our own secret: it is not recorded at all. */
function hideTokenBlob(body: unknown): unknown {
  return withResult(body, (result) => ('token' in result ? { ...result, token: '[REDACTED]' } : result));
}

/** mispay.md §2: the shopper url is not to be stored or shared; it is recorded as issued. */
function hideShopperUrl(body: unknown): unknown {
  return withResult(body, (result) => ('url' in result ? { ...result, url: SHOPPER_URL_RECORDED_AS } : result));
}
