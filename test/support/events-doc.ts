import { toJson } from '@payledger/event-store';
import { ArrayType, FieldType, GENERIC_CONTRACT, ObjectType, PUBLIC_EVENT_CONTRACTS, PublicEventContract, TOPICS, topicFor } from '@payledger/messaging';

/**
 * The generated half of docs/events.md: one section per public event, rendered from the contracts
 * themselves (declared payload, summary, the example's payload), so the document cannot drift from
 * what the relay publishes. test/integration/events-doc.int-spec.ts compares it with the file.
 */
export const GENERATED_START = '<!-- generated from libs/messaging/src/public-event.contracts.ts: start -->';
export const GENERATED_END = '<!-- generated from libs/messaging/src/public-event.contracts.ts: end -->';

const TOPIC_TITLES: Record<string, string> = {
  [TOPICS.payments]: `Topic \`${TOPICS.payments}\``,
  [TOPICS.gatewayInteractions]: `Topic \`${TOPICS.gatewayInteractions}\``,
};

function isNullable(type: FieldType): type is { nullable: ObjectType | ArrayType } {
  return typeof type === 'object' && !Array.isArray(type) && 'nullable' in type && Object.keys(type).length === 1;
}

function typeText(type: FieldType): string {
  if (typeof type === 'string') return type.endsWith('?') ? `${type.slice(0, -1)} or null` : type;
  if (Array.isArray(type)) return 'array';
  if (isNullable(type)) return `${Array.isArray(type.nullable) ? 'array' : 'object'} or null`;
  return 'object';
}

/** One table row per field, nested fields as `items[].sku`. */
function fieldRows(type: FieldType, prefix = ''): string[] {
  if (typeof type === 'string') return [];
  if (Array.isArray(type)) return fieldRows(type[0], `${prefix}[]`);
  if (isNullable(type)) return fieldRows(type.nullable, prefix);
  return Object.entries(type as ObjectType).flatMap(([name, fieldType]) => {
    const path = prefix ? `${prefix}.${name}` : name;
    return [`| \`${path}\` | ${typeText(fieldType)} |`, ...fieldRows(fieldType, path)];
  });
}

function section(contract: PublicEventContract, heading: string): string[] {
  const payload = JSON.parse(toJson(contract.toPayload(contract.example.data, contract.example.streamId)));
  return [
    `### ${heading} (v${contract.version})`,
    '',
    contract.summary,
    '',
    '| field | type |',
    '|---|---|',
    ...fieldRows(contract.payload),
    '',
    '```json',
    JSON.stringify(payload, null, 2),
    '```',
    '',
  ];
}

export function renderEventSections(): string {
  const lines: string[] = [GENERATED_START, ''];
  const byTopic = new Map<string, PublicEventContract[]>();
  for (const contract of PUBLIC_EVENT_CONTRACTS.values()) {
    const topic = topicFor({ type: contract.type, streamId: contract.example.streamId });
    byTopic.set(topic, [...(byTopic.get(topic) ?? []), contract]);
  }
  for (const [topic, contracts] of byTopic) {
    lines.push(`## ${TOPIC_TITLES[topic] ?? `Topic \`${topic}\``}`, '');
    for (const contract of contracts) lines.push(...section(contract, contract.type));
  }
  lines.push('## The generic envelope (any topic)', '', ...section(GENERIC_CONTRACT as unknown as PublicEventContract, 'any event type without a contract'), GENERATED_END);
  return lines.join('\n');
}
