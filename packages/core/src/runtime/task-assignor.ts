import type { GroupAssignor, TopicPartition } from '../client/kafka-port.js';
import { taskIdOf } from './stream-task.js';

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

/**
 * Rivulet's group assignor, plugged into the consumer in place of kafkajs's round robin, which would
 * send one task's partitions to different instances. It is:
 * - task-aware: all partitions of a task (a join's co-partitioned inputs) go to one member;
 * - balanced: members' task counts differ by at most one;
 * - sticky: a member keeps the tasks it had (where its state is) as far as balance allows. Each
 *   member tells its current tasks in its join metadata.
 */
export class TaskAssignor implements GroupAssignor {
  readonly name = 'rivulet-tasks';

  constructor(
    private readonly subTopologies: () => readonly AssignableSubTopology[],
    private readonly ownedTasks: () => readonly string[],
  ) {}

  memberUserData(): Buffer {
    return Buffer.from(JSON.stringify({ version: 1, tasks: this.ownedTasks() }));
  }

  assign(
    members: readonly { memberId: string; userData: Buffer }[],
    partitionCounts: ReadonlyMap<string, number>,
  ): Map<string, { partitions: TopicPartition[]; userData: Buffer }> {
    const tasks = this.tasks(partitionCounts);
    const taskById = new Map(tasks.map((t) => [t.id, t]));
    const ids = members.map((m) => m.memberId).sort();
    const previous = new Map(members.map((m) => [m.memberId, parseTasks(m.userData)]));
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
    const rest = tasks.filter((t) => !taken.has(t.id)).sort((a, b) => a.subTopology - b.subTopology || a.partition - b.partition);
    for (const t of rest) {
      let best = ids[0]!;
      for (const id of ids) if (owned.get(id)!.length < owned.get(best)!.length) best = id;
      owned.get(best)!.push(t.id);
    }

    const result = new Map<string, { partitions: TopicPartition[]; userData: Buffer }>();
    for (const id of ids) {
      const list = owned.get(id)!;
      result.set(id, {
        partitions: list.flatMap((t) => taskById.get(t)!.partitions),
        userData: Buffer.from(JSON.stringify({ version: 1, tasks: list })),
      });
    }
    return result;
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

function parseTasks(userData: Buffer): string[] {
  try {
    const parsed = JSON.parse(userData.toString()) as { tasks?: unknown };
    return Array.isArray(parsed.tasks) ? parsed.tasks.filter((t): t is string => typeof t === 'string') : [];
  } catch {
    // A member of another version or with no metadata: it keeps nothing and gets its share.
    return [];
  }
}
