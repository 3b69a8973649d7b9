import { randomUUID } from 'node:crypto';
import type { NewEvent } from '@payledger/event-store';
import { GatewayName, InboundVerdict } from '../port/gateway.types';
import {
  BODY_RECORD_LENGTH_MAX,
  GatewayInboundReceivedData,
  GatewayRequestFailedData,
  GatewayRequestSentData,
  GatewayResponseReceivedData,
  INTERACTION_EVENT_TYPES,
} from './interaction-events';

/**
 * The one recorder every outbound call and inbound notice goes through. It only collects events; the
 * caller appends them to the payment's stream (or `gateway-session-<gateway>` for tokens).
 */
export class InteractionRecorder {
  private readonly events: NewEvent[] = [];

  constructor(
    private readonly now: () => Date = () => new Date(),
    private readonly baseMetadata: Record<string, unknown> = {},
  ) {}

  requestSent(data: Omit<GatewayRequestSentData, 'requestId' | 'sentAt'>): string {
    const requestId = randomUUID();
    this.push(INTERACTION_EVENT_TYPES.requestSent, data.gateway, { ...data, body: truncateBody(data.body), requestId, sentAt: this.now().toISOString() }, requestId);
    return requestId;
  }

  responseReceived(data: GatewayResponseReceivedData): void {
    this.push(INTERACTION_EVENT_TYPES.responseReceived, data.gateway, { ...data, body: truncateBody(data.body) }, data.requestId);
  }

  requestFailed(data: GatewayRequestFailedData): void {
    this.push(INTERACTION_EVENT_TYPES.requestFailed, data.gateway, { ...data, body: truncateBody(data.body) }, data.requestId);
  }

  inboundReceived(gateway: GatewayName, kind: 'return' | 'webhook', verdict: InboundVerdict, extra: { duplicate: boolean; sourceIp?: string; receivedAt: Date; rejectionCode?: string }): string {
    const eventId = randomUUID();
    const data: GatewayInboundReceivedData = {
      gateway,
      kind,
      subject: verdict.subject,
      accepted: verdict.accepted && !extra.rejectionCode,
      authenticity: verdict.authenticity,
      rejectionCode: extra.rejectionCode ?? verdict.rejection?.code,
      duplicate: extra.duplicate,
      dedupKey: verdict.dedupKey,
      request: verdict.recorded,
      sourceIp: extra.sourceIp,
      receivedAt: extra.receivedAt.toISOString(),
    };
    this.events.push({
      eventId,
      type: kind === 'return' ? INTERACTION_EVENT_TYPES.callbackReceived : INTERACTION_EVENT_TYPES.webhookReceived,
      data,
      metadata: { ...this.baseMetadata, gateway },
      occurredAt: extra.receivedAt,
    });
    return eventId;
  }

  /** Any other interaction event a gateway needs (e.g. `GatewayTokenIssued`); secrets must already be gone. */
  custom(type: string, gateway: GatewayName, data: Record<string, unknown>): void {
    this.push(type, gateway, data);
  }

  /** Takes the collected events, leaving the recorder empty. */
  drain(): NewEvent[] {
    return this.events.splice(0, this.events.length);
  }

  peek(): readonly NewEvent[] {
    return this.events;
  }

  private push(type: string, gateway: GatewayName, data: object, requestId?: string): void {
    this.events.push({
      eventId: randomUUID(),
      type,
      data,
      metadata: { ...this.baseMetadata, gateway, ...(requestId ? { requestId } : {}) },
      occurredAt: this.now(),
    });
  }
}

export function truncateBody(body: unknown): unknown {
  if (body === undefined) return undefined;
  if (typeof body === 'string') {
    return body.length > BODY_RECORD_LENGTH_MAX ? `${body.slice(0, BODY_RECORD_LENGTH_MAX)}…[truncated ${body.length - BODY_RECORD_LENGTH_MAX} chars]` : body;
  }
  const text = JSON.stringify(body);
  if (text !== undefined && text.length > BODY_RECORD_LENGTH_MAX) {
    return `${text.slice(0, BODY_RECORD_LENGTH_MAX)}…[truncated ${text.length - BODY_RECORD_LENGTH_MAX} chars]`;
  }
  return body;
}
