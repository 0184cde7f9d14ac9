import { afterEach, describe, expect, it, vi } from 'vitest';
import type { BatchControl, ConsumerOptions, GroupAssignor, TopicPartition } from '../kafka-port.js';
import { FakeCluster } from './fake-cluster.js';
import type { FakeConsumer } from './fake-consumer.js';
import { FakeGroup, roundRobin } from './fake-group.js';
import { FakeKafkaClient } from './fake-kafka-client.js';
import { testConsumerOptions } from './test-options.js';

const options = (assignor?: GroupAssignor): ConsumerOptions => testConsumerOptions('g', assignor !== undefined ? { assignor } : {});


let cluster: FakeCluster;
let client: FakeKafkaClient;

afterEach(() => cluster.close());

function setup(partitions: number): void {
  cluster = new FakeCluster();
  client = new FakeKafkaClient(cluster);
  cluster.createTopic('t', partitions);
}

interface Member {
  consumer: FakeConsumer;
  joins: { assignment: string[]; memberId: string; isLeader: boolean }[];
  rebalancings: number;
  values: string[];
  controls: BatchControl[];
}

const names = (tps: readonly TopicPartition[]) => tps.map((tp) => `${tp.topic}:${tp.partition}`).sort();

async function join(assignor?: GroupAssignor): Promise<Member> {
  const consumer = client.consumer(options(assignor)) as FakeConsumer;
  const m: Member = { consumer, joins: [], rebalancings: 0, values: [], controls: [] };
  await consumer.connect();
  await consumer.subscribe(['t']);
  await consumer.run(
    async (batch, control) => {
      m.values.push(...batch.records.map((r) => r.value!.toString()));
      m.controls.push(control);
    },
    {
      onGroupJoin: (assignment, info) => m.joins.push({ assignment: names(assignment), memberId: info.memberId, isLeader: info.isLeader }),
      onRebalancing: () => void m.rebalancings++,
      onCrash: () => undefined,
    },
  );
  return m;
}

const last = (m: Member) => m.joins[m.joins.length - 1]!;

describe('FakeGroup through consumers', () => {
  it('shares the partitions of two consumers round robin, rebalancing on a join and a leave', async () => {
    setup(4);
    const a = await join();
    expect(a.joins).toEqual([{ assignment: ['t:0', 't:1', 't:2', 't:3'], memberId: a.consumer.memberId, isLeader: true }]);
    const b = await join();
    // The second join waited for the first member to re-join: both hold their share of one generation.
    expect(a.rebalancings).toBe(1);
    expect(a.joins).toHaveLength(2);
    expect([...last(a).assignment, ...last(b).assignment].sort()).toEqual(['t:0', 't:1', 't:2', 't:3']);
    expect(last(a).assignment).toHaveLength(2);
    expect(last(b).isLeader).toBe(false);
    cluster.produce('t', [0, 1, 2, 3].map((p) => ({ value: `v${p}`, partition: p })));
    await vi.waitFor(() => expect([...a.values, ...b.values].sort()).toEqual(['v0', 'v1', 'v2', 'v3']));
    expect(a.values).toHaveLength(2);

    await b.consumer.disconnect();
    await vi.waitFor(() => expect(last(a).assignment).toEqual(['t:0', 't:1', 't:2', 't:3']));
    expect(cluster.members('g')).toEqual([a.consumer.memberId]);
    await a.consumer.disconnect();
  });

  it("runs the leader's assignor with every member's user data", async () => {
    setup(3);
    const seen: { memberId: string; userData: string }[][] = [];
    const assignor = (tag: string): GroupAssignor => ({
      name: 'test',
      memberUserData: () => Buffer.from(tag),
      assign: (members, counts) => {
        seen.push(members.map((m) => ({ memberId: m.memberId, userData: m.userData.toString() })));
        // Everything to the member tagged 'big'.
        const big = members.find((m) => m.userData.toString() === 'big')!;
        const partitions = Array.from({ length: counts.get('t')! }, (_, partition) => ({ topic: 't', partition }));
        return new Map(members.map((m) => [m.memberId, { partitions: m === big ? partitions : [], userData: Buffer.alloc(0) }]));
      },
    });
    const a = await join(assignor('big'));
    const b = await join(assignor('small'));
    expect(seen.at(-1)!.map((m) => m.userData).sort()).toEqual(['big', 'small']);
    expect(last(a).assignment).toEqual(['t:0', 't:1', 't:2']);
    expect(last(b).assignment).toEqual([]);
    await a.consumer.disconnect();
    await b.consumer.disconnect();
  });

  it('reports a scripted rebalance through heartbeat (REBALANCE_IN_PROGRESS), and accepts a commit of the old generation until it completes', async () => {
    setup(1);
    cluster.produce('t', [{ value: 'a', partition: 0 }]);
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let inBatch!: (control: BatchControl) => void;
    const batchStarted = new Promise<BatchControl>((r) => (inBatch = r));
    const consumer = client.consumer(options()) as FakeConsumer;
    const joins: number[] = [];
    let rebalancings = 0;
    await consumer.subscribe(['t']);
    await consumer.run(
      async (_batch, control) => {
        inBatch(control);
        await held;
      },
      { onGroupJoin: () => void joins.push(cluster.group('g').generation), onRebalancing: () => void rebalancings++, onCrash: () => undefined },
    );
    // The member is inside its batch: the group rebalances under it.
    const control = await batchStarted;
    const group = cluster.group('g');
    const generation = group.generation;
    cluster.rebalance('g');
    await expect(control.heartbeat()).rejects.toMatchObject({ name: 'KafkaJSProtocolError', type: 'REBALANCE_IN_PROGRESS', code: 27, retriable: false });
    await consumer.commitOffsets([{ topic: 't', partition: 0, offset: '1' }]);
    expect(cluster.committedOffsets('g')).toEqual(new Map([['t:0', '1']]));
    release();
    // Its heartbeat after the batch finds the rebalance: it re-joins into the next generation.
    await vi.waitFor(() => expect(joins).toEqual([generation, generation + 1]));
    expect(rebalancings).toBe(1);
    expect(control.isStale()).toBe(true);
    expect(() => group.commit(consumer.memberId, generation, [])).toThrow(expect.objectContaining({ type: 'ILLEGAL_GENERATION', code: 22 }));
    await consumer.disconnect();
  });

  it('evicts a member: UNKNOWN_MEMBER_ID at its next heartbeat or commit, then it re-joins as a new member', async () => {
    setup(2);
    const a = await join();
    const b = await join();
    const evicted = a.consumer.memberId!;
    expect(cluster.evict(a.consumer)).toBe(true);
    await expect(a.consumer.commitOffsets([{ topic: 't', partition: 0, offset: '1' }])).rejects.toMatchObject({ type: 'UNKNOWN_MEMBER_ID', code: 25 });
    await vi.waitFor(() => expect(cluster.members('g')).toHaveLength(2));
    await vi.waitFor(() => expect(last(a).memberId).not.toBe(evicted));
    expect(a.consumer.memberId).not.toBe(evicted);
    expect([...last(a).assignment, ...last(b).assignment].sort()).toEqual(['t:0', 't:1']);
    await a.consumer.disconnect();
    await b.consumer.disconnect();
  });

  it('drops a member that does not re-join within the rebalance timeout', async () => {
    const group = new FakeGroup('g', { partitionCounts: () => new Map([['t', 2]]), changed: () => undefined });
    const request = (memberId: string) => ({ memberId, topics: ['t'], assignor: undefined, rebalanceTimeoutMs: 20 });
    await group.join(request('a'));
    const b = await group.join(request('b')).catch((e: unknown) => e);
    // 'a' never re-joined: after 20 ms the group completed without it.
    expect(b).toMatchObject({ memberId: 'b', assignment: [{ topic: 't', partition: 0 }, { topic: 't', partition: 1 }] });
    expect(group.memberIds()).toEqual(['b']);
    expect(() => group.heartbeat('a', 1)).toThrow(expect.objectContaining({ type: 'UNKNOWN_MEMBER_ID' }));
    group.close();
  });

  it('round robin deals partitions to members sorted by id', () => {
    expect(roundRobin(['b', 'a'], new Map([['t', 3]]))).toEqual(
      new Map([
        ['a', [{ topic: 't', partition: 0 }, { topic: 't', partition: 2 }]],
        ['b', [{ topic: 't', partition: 1 }]],
      ]),
    );
  });
});
