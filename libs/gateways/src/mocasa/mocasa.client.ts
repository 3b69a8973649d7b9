import { GatewayHttpClient, GatewayHttpResponse } from '../http/gateway-http.client';
import type { InteractionRecorder } from '../http/interaction-recorder';
import { AccessToken, SingleFlightTokenHolder } from '../http/token-holder';
import type { GatewayAdapterDeps } from '../port/adapter-deps';
import { GatewayError } from '../port/gateway-error';
import type { GatewayCallContext } from '../port/gateway.types';
import { MOCASA_GATEWAY, MOCASA_TIMEOUTS_MS, MOCASA_TOKEN_RENEW_BEFORE_MS, MocasaConfig } from './mocasa.config';
import { isMocasaAuthRefusal, mocasaEnvelopeError, MocasaErrorContext, mocasaHttpError, mocasaUnusableReply } from './mocasa.errors';
import { mocasaTokenExpiresAt, parseMocasaEnvelope } from './mocasa.transformers';
import { MOCASA_PATHS, MocasaEnvelope, MocasaOperation } from './mocasa.types';

const OPERATION_PATHS: Readonly<Record<MocasaOperation, string>> = {
  'token-apply': MOCASA_PATHS.tokenApply,
  'create-order': MOCASA_PATHS.orderCreate,
  'query-order': MOCASA_PATHS.orderQuery,
  'refund-order': MOCASA_PATHS.orderRefund,
  'create-account': MOCASA_PATHS.accountCreate,
  'initiate-transfer': MOCASA_PATHS.transferInitiate,
  'query-transfer': MOCASA_PATHS.transferQuery,
};

const MUTATING_OPERATIONS: ReadonlySet<MocasaOperation> = new Set(['create-order', 'refund-order', 'create-account', 'initiate-transfer']);

export interface MocasaCallOptions {
  /** Which not-found codes apply (orders or transfers). */
  notFoundCodes?: readonly string[];
  /** The form as it may be recorded (masked identity data). */
  recordForm?: Record<string, string>;
}

/** Which try of a call this is: the first, or the one repeated after a re-apply (D3). */
const AUTH_RETRIES_MAX = 1;

/**
 * Mocasa plumbing: URLs, the `accessToken` header, the token holder, sending through GatewayHttpClient
 * and unwrapping the envelope. Statuses and amounts are the transformers' business.
 */
export class MocasaClient {
  private readonly http: GatewayHttpClient;
  private readonly tokens: SingleFlightTokenHolder;
  private readonly authCodes: ReadonlySet<string>;
  private readonly baseUrl: string;

  constructor(private readonly deps: GatewayAdapterDeps<MocasaConfig>) {
    const config = deps.config;
    if (!config.baseUrl) throw new GatewayError('GATEWAY.CONFIGURATION', 'mocasa.baseUrl (MOCASA_BASE_URL) must be set: Mocasa has no known production URL (D4)');
    this.baseUrl = config.baseUrl.replace(/\/+$/, '');
    this.authCodes = new Set(config.authCodes);
    this.http = new GatewayHttpClient({
      gateway: MOCASA_GATEWAY,
      defaultTimeoutMs: MOCASA_TIMEOUTS_MS['query-order'],
      secretValues: [config.clientSecret, config.webhookSecret].filter((s) => typeof s === 'string' && s !== ''),
      now: deps.now,
      sensitiveHeaders: ['accessToken', 'signature'],
    });
    this.tokens = new SingleFlightTokenHolder({
      gateway: MOCASA_GATEWAY,
      renewBeforeMs: MOCASA_TOKEN_RENEW_BEFORE_MS,
      now: deps.now,
      obtain: (recorder) => this.applyToken(recorder),
      store: deps.tokenStore,
      sink: deps.sessionSink,
    });
  }

  get httpClient(): GatewayHttpClient {
    return this.http;
  }

  /** The token the next call would use (tests and diagnostics). */
  peekToken(): AccessToken | undefined {
    return this.tokens.peek();
  }

  timeoutMs(operation: MocasaOperation): number {
    return this.deps.timeoutsMs?.[operation] ?? this.deps.timeoutsMs?.default ?? MOCASA_TIMEOUTS_MS[operation];
  }

  /**
   * One Mocasa call with a token; returns `data` of a successful envelope. D3: a refusal for auth (HTTP
   * 401/403 or an auth code) means the call was not executed, so a new token is applied for once and the
   * call sent once more, whatever the endpoint.
   */
  async call(ctx: GatewayCallContext, operation: Exclude<MocasaOperation, 'token-apply'>, form: Record<string, string>, options: MocasaCallOptions = {}): Promise<Record<string, unknown>> {
    const errorContext: MocasaErrorContext = {
      operation,
      authCodes: this.authCodes,
      notFoundCodes: new Set(options.notFoundCodes ?? []),
      mutating: MUTATING_OPERATIONS.has(operation),
    };
    let token = await this.tokens.get();
    for (let attempt = 1; ; attempt++) {
      const response = await this.http.send(ctx, {
        operation,
        method: 'POST',
        url: `${this.baseUrl}${OPERATION_PATHS[operation]}`,
        headers: { accessToken: token.value },
        form,
        recordBody: options.recordForm ?? form,
        timeoutMs: this.timeoutMs(operation),
        attempt,
      });
      const envelope = parseMocasaEnvelope(response.json);
      if (isMocasaAuthRefusal(response.status, envelope, this.authCodes) && attempt <= AUTH_RETRIES_MAX) {
        this.tokens.invalidate(token.value);
        token = await this.tokens.renew(undefined, true, token.value);
        continue;
      }
      return this.unwrap(ctx, response, envelope, errorContext);
    }
  }

  /** D5: success is `success === true` with HTTP 2xx; the rest becomes a GatewayError. */
  private unwrap(ctx: GatewayCallContext, response: GatewayHttpResponse, envelope: MocasaEnvelope | undefined, errorContext: MocasaErrorContext): Record<string, unknown> {
    const is2xx = response.status >= 200 && response.status < 300;
    if (!is2xx) {
      if (envelope) throw mocasaEnvelopeError(envelope, response.status, errorContext);
      throw mocasaHttpError(response.status, errorContext);
    }
    // Garbage, HTML, an empty body or a wrong content type on a 2xx: recorded as malformed.
    try {
      this.http.expectJsonObject(ctx, errorContext.operation, response);
    } catch (error) {
      const reason = error instanceof GatewayError ? String(error.details?.reason ?? error.message) : 'unreadable body';
      throw mocasaUnusableReply(reason, response.status, errorContext);
    }
    if (!envelope) throw this.unusable(ctx, response, 'body is not the {success, code, message, data} envelope', errorContext);
    if (!envelope.success) throw mocasaEnvelopeError(envelope, response.status, errorContext);
    if (!envelope.data) throw this.unusable(ctx, response, 'successful envelope without data', errorContext);
    return envelope.data;
  }

  private unusable(ctx: GatewayCallContext, response: GatewayHttpResponse, reason: string, errorContext: MocasaErrorContext): GatewayError {
    this.http.malformed(ctx, errorContext.operation, response, reason);
    return mocasaUnusableReply(reason, response.status, errorContext);
  }

  /** D1/D2: `POST /auth/token/apply`; recorded on the session stream by the holder's recorder. */
  private async applyToken(recorder: InteractionRecorder): Promise<AccessToken> {
    const ctx: GatewayCallContext = { recorder };
    const operation = 'token-apply';
    const errorContext: MocasaErrorContext = { operation, authCodes: this.authCodes, notFoundCodes: new Set(), mutating: false };
    const sentAt = this.deps.now();
    const response = await this.http.send(ctx, {
      operation,
      method: 'POST',
      url: `${this.baseUrl}${MOCASA_PATHS.tokenApply}`,
      form: { clientKey: this.deps.config.clientKey, clientSecret: this.deps.config.clientSecret },
      recordBody: { clientKey: this.deps.config.clientKey, clientSecret: '[REDACTED]' },
      timeoutMs: this.timeoutMs(operation),
    });
    const envelope = parseMocasaEnvelope(response.json);
    const data = this.unwrap(ctx, response, envelope, errorContext);
    const accessToken = data.accessToken;
    const expiresAt = mocasaTokenExpiresAt(data.expireTime, sentAt);
    if (typeof accessToken !== 'string' || accessToken === '' || !expiresAt) {
      throw this.unusable(ctx, response, 'token reply without accessToken or a numeric expireTime', errorContext);
    }
    recorder.custom('GatewayTokenIssued', MOCASA_GATEWAY, {
      gateway: MOCASA_GATEWAY,
      expiresAt: expiresAt.toISOString(),
      expireTimeRaw: typeof data.expireTime === 'number' || typeof data.expireTime === 'string' ? data.expireTime : null,
    });
    return { value: accessToken, expiresAt };
  }
}
