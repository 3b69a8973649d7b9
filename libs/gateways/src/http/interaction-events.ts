import { GatewayName } from '../port/gateway.types';

/**
 * The recorded shape of every gateway interaction. Bodies are redacted before they get here and
 * truncated to BODY_RECORD_LENGTH_MAX characters.
 */
export const BODY_RECORD_LENGTH_MAX = 8 * 1024;

export interface GatewayRequestSentData {
  gateway: GatewayName;
  operation: string;
  requestId: string;
  attempt: number;
  method: string;
  /** Without query secrets; gateways that put secrets in URLs have them redacted. */
  url: string;
  headers?: Record<string, string>;
  body?: unknown;
  timeoutMs: number;
  sentAt: string;
}

export interface GatewayResponseReceivedData {
  gateway: GatewayName;
  operation: string;
  requestId: string;
  attempt: number;
  httpStatus: number;
  latencyMs: number;
  contentType?: string;
  body?: unknown;
}

export interface GatewayRequestFailedData {
  gateway: GatewayName;
  operation: string;
  requestId: string;
  attempt: number;
  reason: 'timeout' | 'network' | 'malformed';
  message: string;
  latencyMs: number;
  httpStatus?: number;
  body?: unknown;
}

export interface GatewayInboundReceivedData {
  gateway: GatewayName;
  kind: 'return' | 'webhook';
  subject: 'payment' | 'refund' | 'payout';
  accepted: boolean;
  authenticity: 'verified' | 'unauthenticated' | 'forged' | 'not_checked';
  rejectionCode?: string;
  duplicate: boolean;
  dedupKey?: string;
  request: Record<string, unknown>;
  sourceIp?: string;
  receivedAt: string;
}

export const INTERACTION_EVENT_TYPES = {
  requestSent: 'GatewayRequestSent',
  responseReceived: 'GatewayResponseReceived',
  requestFailed: 'GatewayRequestFailed',
  callbackReceived: 'GatewayCallbackReceived',
  webhookReceived: 'GatewayWebhookReceived',
} as const;
