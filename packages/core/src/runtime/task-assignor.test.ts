import { describe, expect, it } from 'vitest';
import { TaskAssignor } from './task-assignor.js';

const subs = [
  { id: 0, sourceTopics: ['orders', 'customers'] },
  { id: 1, sourceTopics: ['app-repartition'] },
];
const counts = new Map([
  ['orders', 4],
  ['customers', 4],
  ['app-repartition', 4],
]);

function member(memberId: string, tasks: string[] = []) {
  return { memberId, userData: Buffer.from(JSON.stringify({ version: 1, tasks })) };
}

function tasksOf(result: ReturnType<TaskAssignor['assign']>, id: string): string[] {
  return JSON.parse(result.get(id)!.userData.toString()).tasks.sort();
}

describe('TaskAssignor', () => {
  const assignor = new TaskAssignor(() => subs, () => []);

  it('keeps all partitions of a task on one member', () => {
    const result = assignor.assign([member('a'), member('b'), member('c')], counts);
    for (const [, a] of result) {
      const byPartition = new Map<number, Set<string>>();
      for (const tp of a.partitions) {
        if (tp.topic === 'app-repartition') continue;
        const set = byPartition.get(tp.partition) ?? new Set();
        set.add(tp.topic);
        byPartition.set(tp.partition, set);
      }
      for (const set of byPartition.values()) expect([...set].sort()).toEqual(['customers', 'orders']);
    }
    const all = [...result.values()].flatMap((a) => a.partitions.map((p) => `${p.topic}:${p.partition}`));
    expect(all.sort()).toEqual([...counts].flatMap(([t, n]) => Array.from({ length: n }, (_, p) => `${t}:${p}`)).sort());
  });

  it('balances tasks within one and spreads a sub-topology over members', () => {
    const result = assignor.assign([member('a'), member('b'), member('c')], counts);
    const sizes = ['a', 'b', 'c'].map((id) => tasksOf(result, id).length);
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    expect(sizes.reduce((x, y) => x + y)).toBe(8);
    const two = assignor.assign([member('a'), member('b')], counts);
    expect(tasksOf(two, 'a').filter((t) => t.startsWith('0_'))).toHaveLength(2);
    expect(tasksOf(two, 'b').filter((t) => t.startsWith('1_'))).toHaveLength(2);
  });

  it('is sticky: a member keeps its tasks when another joins, giving up only what balance needs', () => {
    const before = assignor.assign([member('a')], counts);
    const aTasks = tasksOf(before, 'a');
    expect(aTasks).toHaveLength(8);
    const after = assignor.assign([member('a', aTasks), member('b')], counts);
    const kept = tasksOf(after, 'a');
    expect(kept).toHaveLength(4);
    expect(kept.every((t) => aTasks.includes(t))).toBe(true);
    expect(tasksOf(after, 'b')).toHaveLength(4);

    // And when b leaves again, a keeps its 4 and takes b's back.
    const back = assignor.assign([member('a', kept)], counts);
    expect(tasksOf(back, 'a')).toEqual(aTasks);
  });

  it('keeps previous owners on a restart of all members', () => {
    const first = assignor.assign([member('a'), member('b')], counts);
    const again = assignor.assign([member('b', tasksOf(first, 'b')), member('a', tasksOf(first, 'a'))], counts);
    expect(tasksOf(again, 'a')).toEqual(tasksOf(first, 'a'));
    expect(tasksOf(again, 'b')).toEqual(tasksOf(first, 'b'));
  });

  it('treats unreadable member metadata as owning nothing', () => {
    const result = assignor.assign([{ memberId: 'x', userData: Buffer.from('not json') }], counts);
    expect(tasksOf(result, 'x')).toHaveLength(8);
  });
});
