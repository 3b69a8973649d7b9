import { MAX_PARTITIONS_PER_TOPIC, MAX_TOPIC_NAME_LENGTH } from '../protocol/limits';
import { RecordBatchView } from '../protocol/record-batch';
import { AppendResult, PartitionLog } from './partition-log';

export interface Topic {
  readonly name: string;
  readonly partitions: readonly PartitionLog[];
}

/** Called after an append to, or the deletion of, a partition; parked fetches use it to wake up. */
export type LogListener = (topic: string, partition: number) => void;

const LEGAL_TOPIC_CHARACTERS = /^[a-zA-Z0-9._-]+$/;

/** Kafka's Topic.validate, returning the reason instead of throwing. */
export function invalidTopicNameReason(name: string): string | null {
  if (name.length === 0) {
    return 'topic name is empty';
  }
  if (name === '.' || name === '..') {
    return `topic name cannot be "${name}"`;
  }
  if (name.length > MAX_TOPIC_NAME_LENGTH) {
    return `topic name is longer than ${MAX_TOPIC_NAME_LENGTH} characters`;
  }
  if (!LEGAL_TOPIC_CHARACTERS.test(name)) {
    return `topic name "${name}" contains characters other than ASCII alphanumerics, '.', '_' and '-'`;
  }
  return null;
}

export class TopicStore {
  private readonly topics = new Map<string, Topic>();
  private readonly listeners = new Set<LogListener>();

  get(name: string): Topic | undefined {
    return this.topics.get(name);
  }

  partition(name: string, partition: number): PartitionLog | undefined {
    return this.topics.get(name)?.partitions[partition];
  }

  list(): Topic[] {
    return [...this.topics.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  create(name: string, partitionCount: number): Topic {
    if (this.topics.has(name)) {
      throw new Error(`topic ${name} already exists`);
    }
    const reason = invalidTopicNameReason(name);
    if (reason) {
      throw new Error(reason);
    }
    if (!Number.isInteger(partitionCount) || partitionCount < 1 || partitionCount > MAX_PARTITIONS_PER_TOPIC) {
      throw new Error(`partition count ${partitionCount} is outside 1..${MAX_PARTITIONS_PER_TOPIC}`);
    }
    const partitions = Array.from({ length: partitionCount }, (_, index) => new PartitionLog(name, index));
    const topic = { name, partitions };
    this.topics.set(name, topic);
    return topic;
  }

  delete(name: string): boolean {
    const topic = this.topics.get(name);
    if (!topic) {
      return false;
    }
    this.topics.delete(name);
    topic.partitions.forEach((log) => this.notify(name, log.partition));
    return true;
  }

  append(log: PartitionLog, batch: RecordBatchView): AppendResult {
    const result = log.append(batch);
    if (result.ok && !result.duplicate) {
      this.notify(log.topic, log.partition);
    }
    return result;
  }

  onChange(listener: LogListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private notify(topic: string, partition: number): void {
    for (const listener of [...this.listeners]) {
      listener(topic, partition);
    }
  }
}
