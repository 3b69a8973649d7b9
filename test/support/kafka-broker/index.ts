export { KafkaTestBroker } from './kafka-test-broker';
export type { FaultAction, KafkaTestBrokerOptions, StoredMessage, TopicSummary } from './kafka-test-broker';
export type { RecordHeader } from './protocol/record-batch';
export type { GroupDescription, GroupStateName } from './state/consumer-group';
export type { CommittedOffset } from './state/offset-store';
export type { ApiName } from './protocol/api-keys';
