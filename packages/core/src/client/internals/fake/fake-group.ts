import type { GroupAssignor, TopicPartition, TopicPartitionOffset } from '../kafka-port.js';
import { protocolError } from './fake-errors.js';

/** A member's JoinGroup request. */
export interface JoinRequest {
  /** The member id: one the group knows (a re-join), or a new one (a new member). */
  readonly memberId: string;
  /** The topics it subscribes to. */
  readonly topics: readonly string[];
  /** Its assignor; without one, round robin (kafkajs's default). */
  readonly assignor: GroupAssignor | undefined;
  /** How long the group waits for this member to re-join once a rebalance starts. */
  readonly rebalanceTimeoutMs: number;
}

/** What a member gets when the group completes a rebalance (JoinGroup + SyncGroup). */
export interface JoinResult {
  readonly memberId: string;
  readonly generation: number;
  readonly isLeader: boolean;
  readonly assignment: TopicPartition[];
  /** The user data the leader's assignor gave this member, as kafkajs's MemberAssignment carries it. */
  readonly userData?: Buffer;
}

interface Member {
  readonly memberId: string;
  request: JoinRequest;
  userData: Buffer;
  /** Set while the member waits for the rebalance to complete. */
  pending: { resolve(result: JoinResult): void; reject(error: Error): void } | undefined;
  assignment: TopicPartition[];
}

/** What a group needs from the cluster. */
export interface GroupHooks {
  /** Partition counts of the topics that exist. */
  partitionCounts(topics: readonly string[]): Map<string, number>;
  /** Membership changed: fetch loops wake to heartbeat. */
  changed(): void;
}

/**
 * A consumer group on the coordinator, with Kafka's eager rebalance protocol: a join, a leave, an
 * eviction or a scripted rebalance moves the group to PreparingRebalance; members learn it from
 * their next heartbeat (REBALANCE_IN_PROGRESS) and re-join; once every member has re-joined (or the
 * rebalance timeout dropped the ones that did not), the generation moves on, the leader's assignor
 * assigns the partitions, and every member gets its share. Offset commits follow the coordinator's
 * rules: accepted from a member of the current generation (also while preparing a rebalance),
 * ILLEGAL_GENERATION for an older one, UNKNOWN_MEMBER_ID from a non-member.
 */
export class FakeGroup {
  /** Committed offsets, by `topic:partition`. */
  readonly committed = new Map<string, string>();
  private readonly members = new Map<string, Member>();
  private state: 'empty' | 'stable' | 'preparing' = 'empty';
  private gen = 0;
  private leaderId: string | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    /** The group id. */
    readonly groupId: string,
    private readonly hooks: GroupHooks,
  ) {}

  /** The current generation; it moves on with every completed rebalance. */
  get generation(): number {
    return this.gen;
  }

  /** True while a rebalance is in progress. */
  get rebalancing(): boolean {
    return this.state === 'preparing';
  }

  /** The member ids, in join order. */
  memberIds(): string[] {
    return [...this.members.keys()];
  }

  /** A member's assignment of the current generation. */
  assignmentOf(memberId: string): TopicPartition[] | undefined {
    return this.members.get(memberId)?.assignment;
  }

  /** A member (new or known) joins; resolves when the rebalance completes, with its assignment. */
  join(request: JoinRequest): Promise<JoinResult> {
    let member = this.members.get(request.memberId);
    if (member === undefined) {
      // The consumer picks a fresh id when it joins anew (kafkajs resets its id after UNKNOWN_MEMBER_ID).
      member = { memberId: request.memberId, request, userData: Buffer.alloc(0), pending: undefined, assignment: [] };
      this.members.set(member.memberId, member);
    }
    member.request = request;
    member.userData = request.assignor?.memberUserData() ?? Buffer.alloc(0);
    member.pending?.reject(protocolError('REBALANCE_IN_PROGRESS'));
    const joined = member;
    const result = new Promise<JoinResult>((resolve, reject) => (joined.pending = { resolve, reject }));
    if (this.state !== 'preparing') this.prepare();
    this.tryComplete();
    return result;
  }

  /** A member leaves (LeaveGroup), or is evicted: the others rebalance. Its pending join, if any, fails. */
  leave(memberId: string): boolean {
    const member = this.members.get(memberId);
    if (member === undefined) return false;
    this.members.delete(memberId);
    member.pending?.reject(protocolError('UNKNOWN_MEMBER_ID'));
    if (this.members.size === 0) {
      this.state = 'empty';
      this.clearTimer();
      return true;
    }
    if (this.state !== 'preparing') this.prepare();
    this.tryComplete();
    return true;
  }

  /** Starts a rebalance now (a scripted one, as a new member or a metadata change would). */
  rebalance(): void {
    if (this.members.size === 0 || this.state === 'preparing') return;
    this.prepare();
    this.tryComplete();
  }

  /** A heartbeat: throws what the coordinator would answer when the member must re-join. */
  heartbeat(memberId: string | undefined, generation: number): void {
    if (memberId === undefined || !this.members.has(memberId)) throw protocolError('UNKNOWN_MEMBER_ID');
    if (this.state === 'preparing') throw protocolError('REBALANCE_IN_PROGRESS');
    if (generation !== this.gen) throw protocolError('ILLEGAL_GENERATION');
  }

  /** A group member's OffsetCommit. */
  commit(memberId: string | undefined, generation: number, offsets: readonly TopicPartitionOffset[]): void {
    if (memberId === undefined || !this.members.has(memberId)) throw protocolError('UNKNOWN_MEMBER_ID');
    // Accepted while preparing a rebalance if the generation is still current: that is how a member
    // commits its work before giving its partitions up.
    if (generation !== this.gen) throw protocolError('ILLEGAL_GENERATION');
    for (const o of offsets) this.committed.set(`${o.topic}:${o.partition}`, o.offset);
  }

  /** Offsets of a committed transaction (TxnOffsetCommit before KIP-447 checks no generation). */
  commitTransactional(offsets: ReadonlyMap<string, string>): void {
    for (const [key, offset] of offsets) this.committed.set(key, offset);
  }

  /** Clears the rebalance timer (the cluster is closing). */
  close(): void {
    this.clearTimer();
  }

  private prepare(): void {
    this.state = 'preparing';
    this.clearTimer();
    const timeoutMs = Math.max(0, ...[...this.members.values()].map((m) => m.request.rebalanceTimeoutMs));
    this.timer = setTimeout(() => this.dropLaggards(), timeoutMs);
    // Not a reason to keep a process alive: a test that forgets a member must still exit.
    this.timer.unref();
    this.hooks.changed();
  }

  /** The rebalance timeout passed: members that did not re-join are out; the rest go on. */
  private dropLaggards(): void {
    this.timer = undefined;
    for (const [id, m] of this.members) if (m.pending === undefined) this.members.delete(id);
    if (this.members.size === 0) this.state = 'empty';
    this.tryComplete();
    this.hooks.changed();
  }

  private tryComplete(): void {
    if (this.state !== 'preparing') return;
    for (const m of this.members.values()) if (m.pending === undefined) return;
    this.complete();
  }

  private complete(): void {
    this.clearTimer();
    this.gen++;
    this.state = 'stable';
    const members = [...this.members.values()];
    if (this.leaderId === undefined || !this.members.has(this.leaderId)) this.leaderId = members[0]!.memberId;
    const leader = this.members.get(this.leaderId)!;
    const topics = [...new Set(members.flatMap((m) => m.request.topics))].sort();
    const counts = this.hooks.partitionCounts(topics);
    let assignments: Map<string, TopicPartition[]>;
    const assignedUserData = new Map<string, Buffer>();
    try {
      const assignor = leader.request.assignor;
      assignments =
        assignor === undefined
          ? roundRobin(members.map((m) => m.memberId), counts)
          : new Map(
              [...assignor.assign(members.map((m) => ({ memberId: m.memberId, userData: m.userData })), counts)].map(([id, a]) => {
                assignedUserData.set(id, a.userData);
                return [id, a.partitions];
              }),
            );
    } catch (err) {
      // The leader's assignor failed: no one gets an assignment; the members crash and re-join.
      const error = err instanceof Error ? err : new Error(String(err));
      for (const m of members) {
        this.members.delete(m.memberId);
        m.pending?.reject(error);
      }
      this.state = 'empty';
      return;
    }
    for (const m of members) {
      m.assignment = assignments.get(m.memberId) ?? [];
      const pending = m.pending!;
      m.pending = undefined;
      const userData = assignedUserData.get(m.memberId);
      pending.resolve({
        memberId: m.memberId,
        generation: this.gen,
        isLeader: m.memberId === this.leaderId,
        assignment: m.assignment,
        ...(userData !== undefined ? { userData } : {}),
      });
    }
  }

  private clearTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/**
 * kafkajs's default RoundRobinAssigner: members sorted by id, then each topic's partitions in turn
 * to the next member.
 */
export function roundRobin(memberIds: readonly string[], partitionCounts: ReadonlyMap<string, number>): Map<string, TopicPartition[]> {
  const ids = [...memberIds].sort();
  const result = new Map<string, TopicPartition[]>(ids.map((id) => [id, []]));
  let i = 0;
  for (const topic of [...partitionCounts.keys()].sort()) {
    for (let partition = 0; partition < partitionCounts.get(topic)!; partition++) {
      result.get(ids[i++ % ids.length]!)!.push({ topic, partition });
    }
  }
  return result;
}
