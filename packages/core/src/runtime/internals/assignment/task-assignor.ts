import type { GroupAssignor, TopicPartition } from '../../../client/internals/kafka-port.js';
import { taskIdOf } from '../processing/stream-task.js';
import { hostsOf, parseHosts, serverOf, type HostTasks } from './host-assignment.js';

/** A sub-topology as the assignor sees it: its id and full source topic names. */
export interface AssignableSubTopology {
  readonly id: number;
  readonly sourceTopics: readonly string[];
}

interface Task {
  readonly id: string;
  readonly subTopology: number;
  readonly partition: number;
  readonly partitions: TopicPartition[];
}

/** What the assignor gives a member besides its partitions: its active tasks and its standby tasks. */
export interface MemberTasks {
  readonly tasks: readonly string[];
  readonly standbys: readonly string[];
}

/**
 * Rivulet's group assignor, plugged into the consumer in place of kafkajs's round robin, which would
 * send one task's partitions to different instances. It is:
 * - task-aware: all partitions of a task (a join's co-partitioned inputs) go to one member;
 * - balanced: members' task counts differ by at most one;
 * - sticky: a member keeps the tasks it had (where its state is) as far as balance allows. Each
 *   member tells its current tasks in its join metadata;
 * - warm-aware: a task whose owner left goes, within balance, to a member that keeps a caught-up
 *   standby copy of its stores (it says which in its join metadata);
 * - with standbys: `numStandbyReplicas` other members each keep a standby copy of every task
 *   (fewer when there are not enough members), sticky too;
 * - host-aware: a member with an `applicationServer` says it in its join metadata, and every
 *   member's assignment lists every server's active and standby tasks (host-assignment.ts), for
 *   interactive queries across instances.
 */
export class TaskAssignor implements GroupAssignor {
  readonly name = 'rivulet-tasks';

  constructor(
    private readonly subTopologies: () => readonly AssignableSubTopology[],
    private readonly ownedTasks: () => readonly string[],
    private readonly numStandbyReplicas = 0,
    /** Task ids this member keeps a caught-up standby copy of. */
    private readonly warmTasks: () => readonly string[] = () => [],
    /** This member's `applicationServer` (`host:port`), if it has one. */
    private readonly applicationServer?: string,
  ) {}

  memberUserData(): Buffer {
    const server = this.applicationServer !== undefined ? { server: this.applicationServer } : {};
    return Buffer.from(JSON.stringify({ version: 2, tasks: this.ownedTasks(), warm: this.warmTasks(), ...server }));
  }

  memberIdOf(userData: Buffer): string | undefined {
    const parsed = parseJson(userData) as { assignor?: unknown; memberId?: unknown } | undefined;
    return parsed?.assignor === this.name && typeof parsed.memberId === 'string' ? parsed.memberId : undefined;
  }

  /** Reads what the leader gave this member (undefined user data: an older leader; no standbys). */
  static memberTasks(userData: Buffer | undefined): MemberTasks | undefined {
    if (userData === undefined) return undefined;
    const parsed = parseJson(userData) as { tasks?: unknown; standbys?: unknown } | undefined;
    if (parsed === undefined) return undefined;
    return { tasks: strings(parsed.tasks), standbys: strings(parsed.standbys) };
  }

  /**
   * Reads the hosts the leader gave this member: every `applicationServer` of the group with its
   * active and standby tasks; undefined from a leader that sent none.
   */
  static assignedHosts(userData: Buffer | undefined): HostTasks[] | undefined {
    return userData === undefined ? undefined : parseHosts(parseJson(userData));
  }

  assign(
    members: readonly { memberId: string; userData: Buffer }[],
    partitionCounts: ReadonlyMap<string, number>,
  ): Map<string, { partitions: TopicPartition[]; userData: Buffer }> {
    const tasks = this.tasks(partitionCounts);
    const taskById = new Map(tasks.map((t) => [t.id, t]));
    const ids = members.map((m) => m.memberId).sort();
    const previous = new Map(members.map((m) => [m.memberId, parseTasks(m.userData)]));
    const warm = new Map(members.map((m) => [m.memberId, new Set(parseWarm(m.userData))]));
    const owned = new Map<string, string[]>(ids.map((id) => [id, []]));
    const taken = new Set<string>();

    const floor = Math.floor(tasks.length / Math.max(ids.length, 1));
    let ceilSlots = tasks.length % Math.max(ids.length, 1);
    // Sticky, within balance: first everyone keeps up to `floor` of its previous tasks, then members
    // with more previous tasks keep one more while there are slots for members at floor + 1.
    for (const id of ids) {
      for (const t of previous.get(id)!) {
        if (owned.get(id)!.length >= floor) break;
        if (taskById.has(t) && !taken.has(t)) {
          owned.get(id)!.push(t);
          taken.add(t);
        }
      }
    }
    for (const id of ids) {
      if (ceilSlots === 0) break;
      const extra = previous.get(id)!.find((t) => taskById.has(t) && !taken.has(t));
      if (extra !== undefined && owned.get(id)!.length === floor) {
        owned.get(id)!.push(extra);
        taken.add(extra);
        ceilSlots--;
      }
    }
    // The rest go to the least loaded member, in (sub-topology, partition) order so that consecutive
    // tasks of one sub-topology land on different members.
    // A member with a caught-up standby copy of the task comes first, within balance: only
    // `tasks % members` members may hold floor + 1 tasks.
    let slotsAboveFloor = (tasks.length % Math.max(ids.length, 1)) - ids.filter((id) => owned.get(id)!.length > floor).length;
    const rest = tasks.filter((t) => !taken.has(t.id)).sort((a, b) => a.subTopology - b.subTopology || a.partition - b.partition);
    for (const t of rest) {
      let best: string | undefined;
      for (const id of ids) {
        const n = owned.get(id)!.length;
        if (!warm.get(id)!.has(t.id) || !(n < floor || (n === floor && slotsAboveFloor > 0))) continue;
        if (best === undefined || n < owned.get(best)!.length) best = id;
      }
      if (best === undefined) {
        best = ids[0]!;
        for (const id of ids) if (owned.get(id)!.length < owned.get(best)!.length) best = id;
      }
      owned.get(best)!.push(t.id);
      if (owned.get(best)!.length === floor + 1) slotsAboveFloor--;
    }
    const standbys = this.assignStandbys(ids, owned, warm, tasks);
    const hosts = hostsOf(new Map(members.map((m) => [m.memberId, serverOf(parseJson(m.userData))])), owned, standbys);

    const result = new Map<string, { partitions: TopicPartition[]; userData: Buffer }>();
    for (const id of ids) {
      const list = owned.get(id)!;
      result.set(id, {
        partitions: list.flatMap((t) => taskById.get(t)!.partitions),
        userData: Buffer.from(JSON.stringify({ version: 2, assignor: this.name, memberId: id, tasks: list, standbys: standbys.get(id)!, hosts })),
      });
    }
    return result;
  }

  /**
   * `numStandbyReplicas` standby copies of each task on members other than its owner: a member
   * that already keeps a copy first, then the member with the fewest standbys.
   */
  private assignStandbys(ids: readonly string[], owned: ReadonlyMap<string, string[]>, warm: ReadonlyMap<string, ReadonlySet<string>>, tasks: readonly Task[]): Map<string, string[]> {
    const standbys = new Map<string, string[]>(ids.map((id) => [id, []]));
    if (this.numStandbyReplicas <= 0) return standbys;
    const ownerOf = new Map<string, string>();
    for (const [id, list] of owned) for (const t of list) ownerOf.set(t, id);
    for (const t of tasks) {
      const chosen = new Set<string>();
      for (let n = 0; n < this.numStandbyReplicas; n++) {
        let best: string | undefined;
        for (const id of ids) {
          if (id === ownerOf.get(t.id) || chosen.has(id)) continue;
          if (best === undefined) {
            best = id;
            continue;
          }
          const w = warm.get(id)!.has(t.id);
          const bw = warm.get(best)!.has(t.id);
          if ((w && !bw) || (w === bw && standbys.get(id)!.length < standbys.get(best)!.length)) best = id;
        }
        if (best === undefined) break;
        chosen.add(best);
        standbys.get(best)!.push(t.id);
      }
    }
    return standbys;
  }

  /** One task per sub-topology and partition number, up to the largest partition count of its sources. */
  private tasks(partitionCounts: ReadonlyMap<string, number>): Task[] {
    const tasks: Task[] = [];
    for (const sub of this.subTopologies()) {
      const counts = sub.sourceTopics.map((t) => partitionCounts.get(t) ?? 0);
      const n = Math.max(0, ...counts);
      for (let p = 0; p < n; p++) {
        const partitions = sub.sourceTopics.filter((_t, i) => counts[i]! > p).map((topic) => ({ topic, partition: p }));
        tasks.push({ id: taskIdOf(sub.id, p), subTopology: sub.id, partition: p, partitions });
      }
    }
    return tasks;
  }
}

function parseJson(userData: Buffer): unknown {
  try {
    return JSON.parse(userData.toString());
  } catch {
    return undefined;
  }
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((t): t is string => typeof t === 'string') : [];
}

/** A member of another version or with no metadata keeps nothing and gets its share. */
function parseTasks(userData: Buffer): string[] {
  return strings((parseJson(userData) as { tasks?: unknown } | undefined)?.tasks);
}

function parseWarm(userData: Buffer): string[] {
  return strings((parseJson(userData) as { warm?: unknown } | undefined)?.warm);
}
