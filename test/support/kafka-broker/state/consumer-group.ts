import { randomUUID } from 'node:crypto';
import { ErrorCode, ErrorCodeValue } from '../protocol/error-codes';

/** Kafka's GroupState names, as DescribeGroups reports them. */
export type GroupStateName = 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable' | 'Dead';

export interface GroupProtocol {
  readonly name: string;
  readonly metadata: Buffer;
}

export interface GroupSettings {
  readonly minSessionTimeoutMs: number;
  readonly maxSessionTimeoutMs: number;
  /** Kafka's `group.initial.rebalance.delay.ms`: how long a group leaving Empty waits for more joiners. */
  readonly initialRebalanceDelayMs: number;
  readonly log: (message: string) => void;
}

export interface JoinRequest {
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly clientId: string;
  readonly clientHost: string;
  readonly sessionTimeoutMs: number;
  readonly rebalanceTimeoutMs: number;
  readonly protocolType: string;
  readonly protocols: readonly GroupProtocol[];
  /** JoinGroup v4+: a member without an id first gets MEMBER_ID_REQUIRED and an id to rejoin with. */
  readonly requireKnownMemberId: boolean;
}

export interface JoinedMember {
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly metadata: Buffer;
}

export interface JoinResult {
  readonly errorCode: ErrorCodeValue;
  readonly generationId: number;
  readonly protocolName: string;
  readonly leaderId: string;
  readonly memberId: string;
  /** Only the leader gets the member list it has to compute assignments from. */
  readonly members: readonly JoinedMember[];
}

export interface SyncResult {
  readonly errorCode: ErrorCodeValue;
  readonly assignment: Buffer;
}

export interface MemberDescription {
  readonly memberId: string;
  readonly clientId: string;
  readonly clientHost: string;
  readonly metadata: Buffer;
  readonly assignment: Buffer;
}

export interface GroupDescription {
  readonly groupId: string;
  readonly state: GroupStateName;
  readonly generationId: number;
  readonly protocolType: string;
  readonly protocol: string;
  readonly leaderId: string | null;
  readonly members: readonly MemberDescription[];
}

const EMPTY = Buffer.alloc(0);

class GroupMember {
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  protocolType: string;
  protocols: readonly GroupProtocol[];
  assignment: Buffer = EMPTY;
  lastHeartbeatAt: number;
  awaitingJoin: ((result: JoinResult) => void) | null = null;
  awaitingSync: ((result: SyncResult) => void) | null = null;

  constructor(
    readonly memberId: string,
    request: JoinRequest,
    now: number,
  ) {
    this.groupInstanceId = request.groupInstanceId;
    this.clientId = request.clientId;
    this.clientHost = request.clientHost;
    this.sessionTimeoutMs = request.sessionTimeoutMs;
    this.rebalanceTimeoutMs = request.rebalanceTimeoutMs;
    this.protocolType = request.protocolType;
    this.protocols = request.protocols;
    this.lastHeartbeatAt = now;
  }

  update(request: JoinRequest, now: number): void {
    this.groupInstanceId = request.groupInstanceId;
    this.clientId = request.clientId;
    this.clientHost = request.clientHost;
    this.sessionTimeoutMs = request.sessionTimeoutMs;
    this.rebalanceTimeoutMs = request.rebalanceTimeoutMs;
    this.protocols = request.protocols;
    this.lastHeartbeatAt = now;
  }

  hasSameProtocols(protocols: readonly GroupProtocol[]): boolean {
    return (
      protocols.length === this.protocols.length &&
      protocols.every((p, i) => p.name === this.protocols[i].name && p.metadata.equals(this.protocols[i].metadata))
    );
  }

  metadataFor(protocolName: string | null): Buffer {
    return this.protocols.find((p) => p.name === protocolName)?.metadata ?? EMPTY;
  }

  /** Kafka's MemberMetadata.vote: the member's most preferred protocol that every member supports. */
  vote(candidates: ReadonlySet<string>): string | undefined {
    return this.protocols.find((p) => candidates.has(p.name))?.name;
  }

  /** Members parked in a join or sync are not expected to heartbeat (Kafka's shouldKeepAlive). */
  isExpired(now: number): boolean {
    return !this.awaitingJoin && !this.awaitingSync && now - this.lastHeartbeatAt > this.sessionTimeoutMs;
  }
}

/**
 * One consumer group, following the state machine of Kafka's GroupCoordinator for the classic protocol:
 * Empty → PreparingRebalance (waiting for every member to (re)join) → CompletingRebalance (waiting for
 * the leader's SyncGroup) → Stable, and back to PreparingRebalance whenever a member joins, leaves, changes
 * its subscription or misses its session timeout. Joins and syncs are answered through parked callbacks
 * so the requests long-poll exactly like on a real coordinator.
 */
export class ConsumerGroup {
  private groupState: GroupStateName = 'Empty';
  private generation = 0;
  private protocolType: string | null = null;
  private protocolName: string | null = null;
  private leaderId: string | null = null;
  private readonly members = new Map<string, GroupMember>();
  /** Ids handed out with MEMBER_ID_REQUIRED, with the time they expire if the client never rejoins. */
  private readonly pendingMembers = new Map<string, number>();
  private rebalanceDeadline = 0;
  private inInitialDelay = false;

  constructor(
    readonly groupId: string,
    private readonly settings: GroupSettings,
  ) {}

  get state(): GroupStateName {
    return this.groupState;
  }

  get generationId(): number {
    return this.generation;
  }

  get memberCount(): number {
    return this.members.size;
  }

  get type(): string {
    return this.protocolType ?? '';
  }

  join(request: JoinRequest, now: number): Promise<JoinResult> {
    if (
      request.sessionTimeoutMs < this.settings.minSessionTimeoutMs ||
      request.sessionTimeoutMs > this.settings.maxSessionTimeoutMs
    ) {
      return Promise.resolve(this.joinError(ErrorCode.INVALID_SESSION_TIMEOUT, request.memberId));
    }
    if (!this.supportsProtocols(request)) {
      return Promise.resolve(this.joinError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, request.memberId));
    }
    if (request.memberId === '') {
      const memberId = `${request.clientId}-${randomUUID()}`;
      if (request.requireKnownMemberId) {
        this.pendingMembers.set(memberId, now + request.sessionTimeoutMs);
        return Promise.resolve(this.joinError(ErrorCode.MEMBER_ID_REQUIRED, memberId));
      }
      return this.addMemberAndRebalance(memberId, request, now);
    }
    if (this.pendingMembers.delete(request.memberId)) {
      return this.addMemberAndRebalance(request.memberId, request, now);
    }
    const member = this.members.get(request.memberId);
    if (!member) {
      return Promise.resolve(this.joinError(ErrorCode.UNKNOWN_MEMBER_ID, request.memberId));
    }
    switch (this.groupState) {
      case 'PreparingRebalance':
        return this.updateMemberAndRebalance(member, request, now);
      case 'CompletingRebalance':
        // A member that lost the join response rejoins with the same subscription: repeat the answer.
        if (member.hasSameProtocols(request.protocols)) {
          member.lastHeartbeatAt = now;
          return Promise.resolve(this.joinResultFor(member));
        }
        return this.updateMemberAndRebalance(member, request, now);
      case 'Stable':
        // The leader rejoining means it wants a new assignment (e.g. new partitions), so rebalance.
        if (member.memberId === this.leaderId || !member.hasSameProtocols(request.protocols)) {
          return this.updateMemberAndRebalance(member, request, now);
        }
        member.lastHeartbeatAt = now;
        return Promise.resolve(this.joinResultFor(member));
      default:
        return Promise.resolve(this.joinError(ErrorCode.UNKNOWN_MEMBER_ID, request.memberId));
    }
  }

  sync(
    generationId: number,
    memberId: string,
    assignments: ReadonlyMap<string, Buffer>,
    now: number,
  ): Promise<SyncResult> {
    const member = this.members.get(memberId);
    if (!member) {
      return Promise.resolve({ errorCode: ErrorCode.UNKNOWN_MEMBER_ID, assignment: EMPTY });
    }
    if (generationId !== this.generation) {
      return Promise.resolve({ errorCode: ErrorCode.ILLEGAL_GENERATION, assignment: EMPTY });
    }
    member.lastHeartbeatAt = now;
    if (this.groupState === 'PreparingRebalance') {
      return Promise.resolve({ errorCode: ErrorCode.REBALANCE_IN_PROGRESS, assignment: EMPTY });
    }
    if (this.groupState === 'Stable') {
      return Promise.resolve({ errorCode: ErrorCode.NONE, assignment: member.assignment });
    }
    if (this.groupState !== 'CompletingRebalance') {
      return Promise.resolve({ errorCode: ErrorCode.UNKNOWN_MEMBER_ID, assignment: EMPTY });
    }
    const result = new Promise<SyncResult>((resolve) => {
      member.awaitingSync?.({ errorCode: ErrorCode.REBALANCE_IN_PROGRESS, assignment: EMPTY });
      member.awaitingSync = resolve;
    });
    if (memberId === this.leaderId) {
      for (const m of this.members.values()) {
        m.assignment = assignments.get(m.memberId) ?? EMPTY;
      }
      this.groupState = 'Stable';
      this.settings.log(`group ${this.groupId} generation ${this.generation} is stable (${this.members.size} members)`);
      for (const m of this.members.values()) {
        const callback = m.awaitingSync;
        m.awaitingSync = null;
        callback?.({ errorCode: ErrorCode.NONE, assignment: m.assignment });
      }
    }
    return result;
  }

  heartbeat(generationId: number, memberId: string, now: number): ErrorCodeValue {
    const member = this.members.get(memberId);
    if (!member || this.groupState === 'Empty' || this.groupState === 'Dead') {
      return ErrorCode.UNKNOWN_MEMBER_ID;
    }
    if (generationId !== this.generation) {
      return ErrorCode.ILLEGAL_GENERATION;
    }
    member.lastHeartbeatAt = now;
    return this.groupState === 'PreparingRebalance' ? ErrorCode.REBALANCE_IN_PROGRESS : ErrorCode.NONE;
  }

  leave(memberId: string, now: number): ErrorCodeValue {
    if (this.pendingMembers.delete(memberId)) {
      this.maybeCompleteJoin(now);
      return ErrorCode.NONE;
    }
    const member = this.members.get(memberId);
    if (!member) {
      return ErrorCode.UNKNOWN_MEMBER_ID;
    }
    this.settings.log(`group ${this.groupId}: member ${memberId} left`);
    this.removeMemberAndUpdateGroup(member, now);
    return ErrorCode.NONE;
  }

  /** Kafka's checks before an OffsetCommit; a commit by a live member also counts as its heartbeat. */
  validateCommit(generationId: number, memberId: string, now: number): ErrorCodeValue {
    if (generationId < 0 && this.groupState === 'Empty') {
      return ErrorCode.NONE; // an admin or manually-assigned consumer, not using group management
    }
    if (this.groupState === 'CompletingRebalance') {
      return ErrorCode.REBALANCE_IN_PROGRESS;
    }
    const member = this.members.get(memberId);
    if (!member) {
      return ErrorCode.UNKNOWN_MEMBER_ID;
    }
    if (generationId !== this.generation) {
      return ErrorCode.ILLEGAL_GENERATION;
    }
    member.lastHeartbeatAt = now;
    return ErrorCode.NONE;
  }

  /** Expires silent members and pending ids, and ends a rebalance whose timeout has passed. */
  tick(now: number): void {
    for (const [memberId, expiresAt] of this.pendingMembers) {
      if (now >= expiresAt) {
        this.pendingMembers.delete(memberId);
        this.maybeCompleteJoin(now);
      }
    }
    for (const member of [...this.members.values()]) {
      if (this.members.has(member.memberId) && member.isExpired(now)) {
        this.settings.log(`group ${this.groupId}: member ${member.memberId} missed its session timeout`);
        this.removeMemberAndUpdateGroup(member, now);
      }
    }
    if (this.groupState === 'PreparingRebalance' && now >= this.rebalanceDeadline) {
      this.completeJoin(now);
    }
  }

  /**
   * The broker is going down: parked joins and syncs are dropped with their connections. A rebalance in
   * flight restarts when the broker is back (Kafka reloads the last stable generation and the clients
   * rejoin); a stable group stays stable so its members can carry on after reconnecting.
   */
  suspend(): void {
    for (const member of this.members.values()) {
      member.awaitingJoin?.(this.joinError(ErrorCode.COORDINATOR_NOT_AVAILABLE, member.memberId));
      member.awaitingJoin = null;
      member.awaitingSync?.({ errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, assignment: EMPTY });
      member.awaitingSync = null;
    }
    if (this.groupState === 'CompletingRebalance') {
      this.members.forEach((m) => (m.assignment = EMPTY));
      this.groupState = 'PreparingRebalance';
    }
    this.inInitialDelay = false;
  }

  /** Like Kafka after loading a group: every member gets a fresh session to reconnect within. */
  resume(now: number): void {
    for (const member of this.members.values()) {
      member.lastHeartbeatAt = now;
    }
    for (const [memberId, expiresAt] of this.pendingMembers) {
      this.pendingMembers.set(memberId, Math.max(expiresAt, now + this.settings.minSessionTimeoutMs));
    }
    if (this.groupState === 'PreparingRebalance') {
      this.rebalanceDeadline = now + this.rebalanceTimeoutMs();
    }
  }

  describe(): GroupDescription {
    const stable = this.groupState === 'Stable';
    return {
      groupId: this.groupId,
      state: this.groupState,
      generationId: this.generation,
      protocolType: this.protocolType ?? '',
      protocol: stable ? (this.protocolName ?? '') : '',
      leaderId: this.leaderId,
      members: [...this.members.values()].map((m) => ({
        memberId: m.memberId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        metadata: stable ? m.metadataFor(this.protocolName) : EMPTY,
        assignment: stable ? m.assignment : EMPTY,
      })),
    };
  }

  private supportsProtocols(request: JoinRequest): boolean {
    if (request.protocolType === '' || request.protocols.length === 0) {
      return false;
    }
    if (this.members.size === 0) {
      return true;
    }
    if (request.protocolType !== this.protocolType) {
      return false;
    }
    const candidates = this.candidateProtocols();
    return request.protocols.some((p) => candidates.has(p.name));
  }

  /** Protocols every current member supports. */
  private candidateProtocols(): Set<string> {
    let candidates: Set<string> | undefined;
    for (const member of this.members.values()) {
      const names = new Set(member.protocols.map((p) => p.name));
      const previous: Set<string> | undefined = candidates;
      candidates = previous ? new Set([...previous].filter((name) => names.has(name))) : names;
    }
    return candidates ?? new Set<string>();
  }

  private addMemberAndRebalance(memberId: string, request: JoinRequest, now: number): Promise<JoinResult> {
    const member = new GroupMember(memberId, request, now);
    if (this.members.size === 0) {
      this.protocolType = request.protocolType;
    }
    this.members.set(memberId, member);
    this.leaderId ??= memberId;
    const result = new Promise<JoinResult>((resolve) => (member.awaitingJoin = resolve));
    this.settings.log(`group ${this.groupId}: member ${memberId} joined`);
    this.rebalanceOrCompleteJoin(now);
    return result;
  }

  private updateMemberAndRebalance(member: GroupMember, request: JoinRequest, now: number): Promise<JoinResult> {
    member.update(request, now);
    // The previous parked join belongs to a connection that is gone (one request at a time per connection).
    member.awaitingJoin?.(this.joinError(ErrorCode.REBALANCE_IN_PROGRESS, member.memberId));
    const result = new Promise<JoinResult>((resolve) => (member.awaitingJoin = resolve));
    this.rebalanceOrCompleteJoin(now);
    return result;
  }

  private rebalanceOrCompleteJoin(now: number): void {
    if (this.groupState === 'PreparingRebalance') {
      this.maybeCompleteJoin(now);
    } else {
      this.prepareRebalance(now);
    }
  }

  private prepareRebalance(now: number): void {
    if (this.groupState === 'CompletingRebalance') {
      // Syncs parked for the generation being abandoned must rejoin.
      for (const member of this.members.values()) {
        member.assignment = EMPTY;
        const callback = member.awaitingSync;
        member.awaitingSync = null;
        callback?.({ errorCode: ErrorCode.REBALANCE_IN_PROGRESS, assignment: EMPTY });
      }
    }
    const fromEmpty = this.groupState === 'Empty';
    this.groupState = 'PreparingRebalance';
    const timeout = this.rebalanceTimeoutMs();
    this.inInitialDelay = fromEmpty && this.settings.initialRebalanceDelayMs > 0;
    const wait = this.inInitialDelay ? Math.min(this.settings.initialRebalanceDelayMs, timeout) : timeout;
    this.rebalanceDeadline = now + wait;
    this.settings.log(`group ${this.groupId}: preparing rebalance from generation ${this.generation}`);
    this.maybeCompleteJoin(now);
  }

  private maybeCompleteJoin(now: number): void {
    if (this.groupState !== 'PreparingRebalance' || this.inInitialDelay) {
      return;
    }
    const everyoneJoined = [...this.members.values()].every((m) => m.awaitingJoin !== null);
    if (everyoneJoined && this.pendingMembers.size === 0) {
      this.completeJoin(now);
    }
  }

  /** Members that did not rejoin in time are dropped, then the next generation starts. */
  private completeJoin(now: number): void {
    this.inInitialDelay = false;
    for (const member of [...this.members.values()]) {
      if (!member.awaitingJoin) {
        this.settings.log(`group ${this.groupId}: member ${member.memberId} did not rejoin in time`);
        this.removeMember(member);
      }
    }
    this.generation += 1;
    if (this.members.size === 0) {
      this.groupState = 'Empty';
      this.protocolName = null;
      this.settings.log(`group ${this.groupId} is empty at generation ${this.generation}`);
      return;
    }
    this.protocolName = this.selectProtocol();
    this.groupState = 'CompletingRebalance';
    this.settings.log(
      `group ${this.groupId} generation ${this.generation}: ${this.members.size} members, leader ${this.leaderId}`,
    );
    for (const member of this.members.values()) {
      const callback = member.awaitingJoin;
      member.awaitingJoin = null;
      member.lastHeartbeatAt = now;
      callback?.(this.joinResultFor(member));
    }
  }

  private selectProtocol(): string {
    const candidates = this.candidateProtocols();
    const votes = new Map<string, number>();
    for (const member of this.members.values()) {
      const choice = member.vote(candidates);
      if (choice !== undefined) {
        votes.set(choice, (votes.get(choice) ?? 0) + 1);
      }
    }
    let winner = '';
    let best = 0;
    for (const [name, count] of votes) {
      if (count > best) {
        winner = name;
        best = count;
      }
    }
    return winner;
  }

  private removeMemberAndUpdateGroup(member: GroupMember, now: number): void {
    this.removeMember(member);
    if (this.groupState === 'Stable' || this.groupState === 'CompletingRebalance') {
      this.prepareRebalance(now);
    } else if (this.groupState === 'PreparingRebalance') {
      this.maybeCompleteJoin(now);
    }
  }

  private removeMember(member: GroupMember): void {
    this.members.delete(member.memberId);
    member.awaitingJoin?.(this.joinError(ErrorCode.UNKNOWN_MEMBER_ID, member.memberId));
    member.awaitingJoin = null;
    member.awaitingSync?.({ errorCode: ErrorCode.UNKNOWN_MEMBER_ID, assignment: EMPTY });
    member.awaitingSync = null;
    if (this.leaderId === member.memberId) {
      const next = this.members.keys().next();
      this.leaderId = next.done ? null : next.value;
    }
  }

  private rebalanceTimeoutMs(): number {
    let timeout = 0;
    for (const member of this.members.values()) {
      timeout = Math.max(timeout, member.rebalanceTimeoutMs);
    }
    return timeout;
  }

  private joinResultFor(member: GroupMember): JoinResult {
    const isLeader = member.memberId === this.leaderId;
    return {
      errorCode: ErrorCode.NONE,
      generationId: this.generation,
      protocolName: this.protocolName ?? '',
      leaderId: this.leaderId ?? '',
      memberId: member.memberId,
      members: isLeader
        ? [...this.members.values()].map((m) => ({
            memberId: m.memberId,
            groupInstanceId: m.groupInstanceId,
            metadata: m.metadataFor(this.protocolName),
          }))
        : [],
    };
  }

  private joinError(errorCode: ErrorCodeValue, memberId: string): JoinResult {
    return { errorCode, generationId: -1, protocolName: '', leaderId: '', memberId, members: [] };
  }
}
