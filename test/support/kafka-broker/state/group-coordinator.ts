import { ErrorCode, ErrorCodeValue } from '../protocol/error-codes';
import { GROUP_TICK_MS } from '../protocol/limits';
import { ConsumerGroup, GroupDescription, GroupSettings } from './consumer-group';
import { OffsetStore } from './offset-store';

/**
 * All consumer groups of the broker plus their committed offsets. This broker is the coordinator of every
 * group, so there is no partitioning of __consumer_offsets to mirror.
 */
export class GroupCoordinator {
  readonly offsets = new OffsetStore();
  private readonly groups = new Map<string, ConsumerGroup>();
  private ticker: NodeJS.Timeout | undefined;

  constructor(private readonly settings: GroupSettings) {}

  find(groupId: string): ConsumerGroup | undefined {
    return this.groups.get(groupId);
  }

  getOrCreate(groupId: string): ConsumerGroup {
    let group = this.groups.get(groupId);
    if (!group) {
      group = new ConsumerGroup(groupId, this.settings);
      this.groups.set(groupId, group);
    }
    return group;
  }

  /** Groups Kafka would list: every group with members or committed offsets. */
  list(): ConsumerGroup[] {
    const ids = new Set([...this.groups.keys(), ...this.offsets.groupIds()]);
    return [...ids].sort().map((id) => this.getOrCreate(id));
  }

  /** DeleteGroups: only a group nobody is consuming with may go, and its offsets go with it. */
  delete(groupId: string): ErrorCodeValue {
    const group = this.groups.get(groupId);
    if (group && group.state !== 'Empty' && group.state !== 'Dead') {
      return ErrorCode.NON_EMPTY_GROUP;
    }
    const hadOffsets = this.offsets.deleteGroup(groupId);
    const hadGroup = this.groups.delete(groupId);
    return hadGroup || hadOffsets ? ErrorCode.NONE : ErrorCode.GROUP_ID_NOT_FOUND;
  }

  describe(groupId: string): GroupDescription | undefined {
    return this.groups.get(groupId)?.describe();
  }

  /** Starts the clock that expires sessions and rebalances; called when the broker starts listening. */
  resume(now: number): void {
    this.groups.forEach((group) => group.resume(now));
    this.ticker ??= setInterval(() => this.tick(Date.now()), GROUP_TICK_MS);
    // A test that forgets stop() should not hang jest on this timer.
    this.ticker.unref();
  }

  /** Stops the clock while the broker is down, so members are not expired for the outage itself. */
  suspend(): void {
    if (this.ticker) {
      clearInterval(this.ticker);
      this.ticker = undefined;
    }
    this.groups.forEach((group) => group.suspend());
  }

  private tick(now: number): void {
    for (const group of this.groups.values()) {
      group.tick(now);
    }
  }
}
