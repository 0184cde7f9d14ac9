import { describe, expect, it } from 'vitest';
import { hostsOf, parseHosts } from './host-assignment.js';
import { TaskAssignor } from './task-assignor.js';

const subs = [{ id: 0, sourceTopics: ['in'] }];
const counts = new Map([['in', 4]]);

function join(assignor: TaskAssignor, memberId: string) {
  return { memberId, userData: assignor.memberUserData() };
}

describe('the hosts in the assignment (interactive queries across instances)', () => {
  it('a member with an applicationServer says it when joining; one without says nothing', () => {
    expect(JSON.parse(new TaskAssignor(() => subs, () => ['0_1'], 0, () => [], 'app-1:7070').memberUserData().toString())).toEqual({
      version: 2,
      tasks: ['0_1'],
      warm: [],
      server: 'app-1:7070',
    });
    expect(JSON.parse(new TaskAssignor(() => subs, () => []).memberUserData().toString())).not.toHaveProperty('server');
  });

  it("gives every member every server's active and standby tasks, a server's members (stream threads) together, a member without a server left out", () => {
    const a1 = new TaskAssignor(() => subs, () => [], 1, () => [], 'a:1');
    const a2 = new TaskAssignor(() => subs, () => [], 1, () => [], 'a:1');
    const b = new TaskAssignor(() => subs, () => [], 1, () => [], 'b:2');
    const none = new TaskAssignor(() => subs, () => [], 1);
    const result = a1.assign([join(a1, 'm-a1'), join(a2, 'm-a2'), join(b, 'm-b'), join(none, 'm-none')], counts);
    const placement = new Map([...result].map(([id, r]) => [id, TaskAssignor.memberTasks(r.userData)!]));

    const hosts = TaskAssignor.assignedHosts(result.get('m-none')!.userData)!;
    for (const [id, r] of result) expect(TaskAssignor.assignedHosts(r.userData), id).toEqual(hosts);
    expect(hosts.map((h) => h.server)).toEqual(['a:1', 'b:2']);
    const sortIds = (ids: readonly string[]) => [...ids].sort();
    expect(sortIds(hosts[0]!.tasks)).toEqual(sortIds([...placement.get('m-a1')!.tasks, ...placement.get('m-a2')!.tasks]));
    expect(hosts[1]!.tasks).toEqual(placement.get('m-b')!.tasks);
    // The server-less member's tasks are on no host.
    const hosted = new Set(hosts.flatMap((h) => h.tasks));
    for (const t of placement.get('m-none')!.tasks) expect(hosted.has(t)).toBe(false);
    expect(hosted.size + placement.get('m-none')!.tasks.length).toBe(4);
    expect(hosts[1]!.standbys).toEqual(placement.get('m-b')!.standbys);
  });

  it("does not list a task as a standby of the server that runs it (one thread active, another keeping its standby)", () => {
    const hosts = hostsOf(
      new Map([
        ['t1', 'a:1'],
        ['t2', 'a:1'],
      ]),
      new Map([
        ['t1', ['0_0']],
        ['t2', ['0_1']],
      ]),
      new Map([
        ['t1', ['0_1']],
        ['t2', ['0_0', '0_2']],
      ]),
    );
    expect(hosts).toEqual([{ server: 'a:1', tasks: ['0_0', '0_1'], standbys: ['0_2'] }]);
  });

  it('reads no hosts from an assignment without them (an older leader), and skips entries that are not hosts', () => {
    expect(TaskAssignor.assignedHosts(Buffer.from(JSON.stringify({ version: 2, tasks: ['0_0'], standbys: [] })))).toBeUndefined();
    expect(TaskAssignor.assignedHosts(undefined)).toBeUndefined();
    expect(TaskAssignor.assignedHosts(Buffer.from('not json'))).toBeUndefined();
    expect(parseHosts({ hosts: [{ server: 'a:1', tasks: ['0_0', 7] }, { tasks: ['0_1'] }, null] })).toEqual([{ server: 'a:1', tasks: ['0_0'], standbys: [] }]);
  });
});
