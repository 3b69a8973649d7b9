import { GatewayHttpClient } from '../http/gateway-http.client';
import { GatewayCallContext } from '../port/gateway.types';
import {
  ATIPAY_GET_TOKEN_TIMEOUT_MS,
  ATIPAY_OPERATIONS,
  ATIPAY_PATHS,
  ATIPAY_VERIFY_TRY_TIMEOUT_MS,
  AtipayConfig,
} from './atipay.config';
import { atipayServerError } from './atipay.errors';
import { tokenTail } from './atipay.transformers';
import { AtipayGetTokenRequest, AtipayVerifyRequest } from './atipay.types';

/** A reply AtiPay gave below HTTP 500, as a JSON object (empty when a non-200 reply had no JSON body). */
export interface AtipayReply {
  httpStatus: number;
  body: Record<string, unknown>;
}

/**
 * Plumbing only: URLs, bodies on the wire, redaction of what is recorded, timeouts. Sends through
 * GatewayHttpClient (which records every exchange) and never retries; the adapter decides that.
 * Throws GatewayError: TIMEOUT/UNAVAILABLE for no answer or 5xx, BAD_RESPONSE for an unreadable body.
 */
export class AtipayClient {
  private readonly http: GatewayHttpClient;
  private readonly baseUrl: string;

  constructor(
    private readonly config: AtipayConfig,
    private readonly timeoutsMs: Partial<Record<string, number>> = {},
    now?: () => Date,
  ) {
    this.baseUrl = config.baseUrl.replace(/\/+$/, '');
    this.http = new GatewayHttpClient({
      gateway: 'atipay',
      defaultTimeoutMs: ATIPAY_GET_TOKEN_TIMEOUT_MS,
      secretValues: [config.apiKey],
      now,
    });
  }

  /** The page the buyer's browser is POSTed to with the token (§3.2). */
  get redirectToGatewayUrl(): string {
    return `${this.baseUrl}${ATIPAY_PATHS.redirectToGateway}`;
  }

  async getToken(ctx: GatewayCallContext, body: AtipayGetTokenRequest, attempt: number): Promise<AtipayReply> {
    const operation = ATIPAY_OPERATIONS.getToken;
    const response = await this.http.send(ctx, {
      operation,
      method: 'POST',
      url: `${this.baseUrl}${ATIPAY_PATHS.getToken}`,
      json: body,
      recordBody: { ...body, apiKey: '[REDACTED]' },
      recordResponse: redactTokenReply,
      timeoutMs: this.timeoutsMs[operation] ?? ATIPAY_GET_TOKEN_TIMEOUT_MS,
      attempt,
    });
    if (response.status >= 500) throw atipayServerError(operation, response.status);
    if (response.status === 200) return { httpStatus: 200, body: this.http.expectJsonObject(ctx, operation, response) };
    // D2: a non-200 reply is a failure; its JSON, when it has one, says why, else the status does.
    const json = response.json;
    const isObject = json !== null && typeof json === 'object' && !Array.isArray(json);
    return { httpStatus: response.status, body: isObject ? (json as Record<string, unknown>) : {} };
  }

  async verify(ctx: GatewayCallContext, body: AtipayVerifyRequest, attempt: number): Promise<AtipayReply> {
    const operation = ATIPAY_OPERATIONS.verify;
    const response = await this.http.send(ctx, {
      operation,
      method: 'POST',
      url: `${this.baseUrl}${ATIPAY_PATHS.verify}`,
      json: body,
      recordBody: { ...body, apiKey: '[REDACTED]' },
      timeoutMs: this.timeoutsMs[operation] ?? ATIPAY_VERIFY_TRY_TIMEOUT_MS,
      attempt,
    });
    if (response.status >= 500) throw atipayServerError(operation, response.status);
    return { httpStatus: response.status, body: this.http.expectJsonObject(ctx, operation, response) };
  }
}

function redactTokenReply(body: unknown): unknown {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return body;
  const reply = body as Record<string, unknown>;
  return typeof reply.token === 'string' ? { ...reply, token: tokenTail(reply.token) } : reply;
}
