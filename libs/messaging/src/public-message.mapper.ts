import { categoryOf, RecordedEvent, toJson } from '@payledger/event-store';
import { contractFor, GENERIC_CONTRACT, PublicEventContract } from './public-event.contracts';
import { payloadProblems } from './public-payload.schema';
import { keyFor, TopicName, topicFor } from './topic.map';

/** Header names, CloudEvents binary-mode (`ce_`) where CloudEvents has the attribute. */
export const HEADERS = {
  id: 'ce_id',
  type: 'ce_type',
  source: 'ce_source',
  subject: 'ce_subject',
  time: 'ce_time',
  specVersion: 'ce_specversion',
  dataContentType: 'ce_datacontenttype',
  dataSchema: 'ce_dataschema',
  schemaVersion: 'schema-version',
  correlationId: 'correlation-id',
  causationId: 'causation-id',
  streamVersion: 'stream-version',
  position: 'position',
} as const;

export const CLOUDEVENTS_SPEC_VERSION = '1.0';

export interface PublicMessage {
  topic: TopicName;
  key: string;
  value: string;
  headers: Record<string, string>;
}

export interface MappedMessage {
  message: PublicMessage;
  /** Set when a contracted event had to go out as the generic envelope (its stored data broke the contract). */
  fallbackReason?: string;
}

/** `urn:payledger:event:PaymentSucceeded:v1`; the generic envelope is `urn:payledger:event:generic:v1`. */
export function dataSchemaOf(contract: PublicEventContract<unknown>, type: string): string {
  return contract === (GENERIC_CONTRACT as PublicEventContract<unknown>) ? `urn:payledger:event:generic:v${contract.version}` : `urn:payledger:event:${type}:v${contract.version}`;
}

/**
 * A stored event as the message the relay produces: topic by type and category, key = stream id, the
 * contract's payload as JSON value, metadata in headers. Pure; never throws for odd data: an event whose
 * data does not fit its contract goes out as the generic envelope, so a payload published under a
 * contract's `ce_dataschema` always conforms to that contract, and no event is ever held back.
 */
export function toPublicMessage(event: RecordedEvent): MappedMessage {
  const contract = contractFor(event.type);
  let value: string | undefined;
  let fallbackReason: string | undefined;
  if (contract) {
    try {
      // Checked as consumers will parse it: what JSON drops (undefined) or turns into strings (bigint) counts.
      const json = toJson(contract.toPayload(event.data as Record<string, unknown>, event.streamId));
      const problems = payloadProblems(JSON.parse(json), contract.payload);
      if (problems.length === 0) value = json;
      else fallbackReason = `${event.type} v${contract.version}: ${problems.slice(0, 3).join('; ')}`;
    } catch (error) {
      fallbackReason = `${event.type} v${contract.version}: mapping threw ${error instanceof Error ? error.message : String(error)}`;
    }
  }
  const used = (value !== undefined ? contract : GENERIC_CONTRACT) as PublicEventContract<unknown>;
  value ??= toJson(GENERIC_CONTRACT.toPayload({ type: event.type, schemaVersion: event.schemaVersion, data: event.data }, event.streamId));
  return {
    message: { topic: topicFor(event), key: keyFor(event), value, headers: headersFor(event, used) },
    ...(fallbackReason ? { fallbackReason } : {}),
  };
}

/**
 * An event with no recorded correlation or causation names itself: it starts its own chain, and every
 * message carries both headers so consumers never branch on their absence.
 */
export function headersFor(event: RecordedEvent, contract: PublicEventContract<unknown>): Record<string, string> {
  const correlationId = typeof event.metadata?.correlationId === 'string' && event.metadata.correlationId ? event.metadata.correlationId : event.eventId;
  const causationId = typeof event.metadata?.causationId === 'string' && event.metadata.causationId ? event.metadata.causationId : event.eventId;
  return {
    [HEADERS.id]: event.eventId,
    [HEADERS.type]: event.type,
    [HEADERS.source]: `/payledger/${categoryOf(event.streamId)}`,
    [HEADERS.subject]: event.streamId,
    [HEADERS.time]: event.occurredAt.toISOString(),
    [HEADERS.specVersion]: CLOUDEVENTS_SPEC_VERSION,
    [HEADERS.dataContentType]: 'application/json',
    [HEADERS.dataSchema]: dataSchemaOf(contract, event.type),
    [HEADERS.schemaVersion]: String(contract.version),
    [HEADERS.correlationId]: correlationId,
    [HEADERS.causationId]: causationId,
    [HEADERS.streamVersion]: String(event.streamVersion),
    [HEADERS.position]: event.position.toString(),
  };
}
