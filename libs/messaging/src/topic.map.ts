import { categoryOf } from '@payledger/event-store';

/** Every topic payledger publishes to. The `.v1` is the topic generation, not a payload version. */
export const TOPICS = {
  payments: 'payledger.payments.v1',
  gatewayInteractions: 'payledger.gateway-interactions.v1',
  ledger: 'payledger.ledger.v1',
  reconciliation: 'payledger.reconciliation.v1',
} as const;

export type TopicName = (typeof TOPICS)[keyof typeof TOPICS];
export const ALL_TOPICS: readonly TopicName[] = Object.values(TOPICS);

/** Streams that hold nothing but gateway interactions (`gateway-session-<gw>`, `inbound-<gw>`). */
const INTERACTION_CATEGORIES: ReadonlySet<string> = new Set(['gateway', 'inbound']);

/**
 * The topic of one event. The rule looks at the event type first, because a payment stream holds both
 * the payment's decisions and the raw gateway interactions behind them, and those have different
 * audiences: `Gateway*` types go to gateway-interactions wherever they are stored. Ledger and
 * reconciliation are told apart by stream category; everything else (payments, refunds, payouts,
 * beneficiaries, and any category added later) goes to payments, so no event is ever without a topic.
 */
export function topicFor(event: { type: string; streamId: string }): TopicName {
  const category = categoryOf(event.streamId);
  if (event.type.startsWith('Gateway') || INTERACTION_CATEGORIES.has(category)) return TOPICS.gatewayInteractions;
  if (category === 'ledger' || category === 'journal' || event.type.startsWith('Journal')) return TOPICS.ledger;
  if (category === 'reconciliation') return TOPICS.reconciliation;
  return TOPICS.payments;
}

/**
 * The message key is always the stream id: Kafka keeps one key on one partition, so one payment's
 * events stay in order within a topic. Across topics (a payment's decisions on payments, its gateway
 * calls on gateway-interactions) order is carried by the `stream-version` header instead.
 */
export function keyFor(event: { streamId: string }): string {
  return event.streamId;
}
