export interface CommittedOffset {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly metadata: string | null;
  readonly commitTimestamp: number;
}

/**
 * Committed offsets per group, the in-memory stand-in for __consumer_offsets. It lives in the broker
 * object, not in a group, so offsets outlive members, empty groups and broker restarts.
 */
export class OffsetStore {
  private readonly groups = new Map<string, Map<string, CommittedOffset>>();

  commit(groupId: string, committed: CommittedOffset): void {
    let offsets = this.groups.get(groupId);
    if (!offsets) {
      offsets = new Map();
      this.groups.set(groupId, offsets);
    }
    offsets.set(key(committed.topic, committed.partition), committed);
  }

  get(groupId: string, topic: string, partition: number): CommittedOffset | undefined {
    return this.groups.get(groupId)?.get(key(topic, partition));
  }

  all(groupId: string): CommittedOffset[] {
    const offsets = this.groups.get(groupId);
    if (!offsets) {
      return [];
    }
    return [...offsets.values()].sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
  }

  groupIds(): string[] {
    return [...this.groups.keys()];
  }

  deleteGroup(groupId: string): boolean {
    return this.groups.delete(groupId);
  }

  /** Kafka drops the offsets of deleted partitions from every group. */
  deleteTopic(topic: string): void {
    for (const offsets of this.groups.values()) {
      for (const [entryKey, committed] of offsets) {
        if (committed.topic === topic) {
          offsets.delete(entryKey);
        }
      }
    }
  }
}

function key(topic: string, partition: number): string {
  return `${partition}:${topic}`;
}
