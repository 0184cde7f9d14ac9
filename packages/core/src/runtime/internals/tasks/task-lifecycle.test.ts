import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serdes } from '@rivulet/serde';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { StreamsConfig } from '../../../config/streams-config.js';
import type { RestoredPartition, StateRestoreListener } from '../../../config/state-restore-listener.js';
import { TaskTimeoutError } from '../../../errors/streams-error.js';
import { InvalidStateStoreError } from '../../../index.js';
import type { ProcessorContext } from '../../../processor/processor-context.js';
import type { ProcessorSupplier } from '../../../processor/processor.js';
import { changelogTopic } from '../../../state/internals/changelog/changelog-topic.js';
import type { KeyValueStore } from '../../../state/key-value-store.js';
import { LmdbKeyValueStore } from '../../../state/internals/lmdb/lmdb-key-value-store.js';
import { Stores } from '../../../state/stores.js';
import { Topology } from '../../../topology/topology.js';
import { HANGING_TRANSACTION_MARGIN_MS, TaskManager } from './task-manager.js';
import { describeError, FakeWorld, producersOf, sleep, waitAllCommitted, waitForState, type FakeAppRun } from '../../test-support/fake-app.js';

/**
 * The life of a task and its state (issue 12) on the fake Kafka client, with a count per key kept
 * in a logged store (in memory, or persistent on lmdb):
 * - a member that lost its group membership closes every task dirty, and a task handed back is a
 *   new task, restored to the changelog's end: its store is what the changelog says, including what
 *   another owner wrote meanwhile (problem 1);
 * - checkpoints say what the store holds: at_least_once after each commit, exactly_once only at a
 *   clean close; a restart restores only what came after (problem 2);
 * - restoring in the background: a task restoring while another processes, interactive queries
 *   during a restore, a stalled restore retried and then fatal, the restore listener (problem 4).
 */

const STORE = 'counts';
const CHANGELOG = changelogTopic('app', STORE);
const int64 = serdes.int64();

type Guarantee = 'at_least_once' | 'exactly_once';
type StoreKind = 'memory' | 'persistent';

let world: FakeWorld | undefined;
const dirs: string[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  await world?.dispose();
  world = undefined;
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A state folder a test keeps across two apps (a restart). */
function stateDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'rivulet-lifecycle-'));
  dirs.push(dir);
  return dir;
}

/**
 * input -> the running count of each key, kept in the logged store `counts` -> output (`key:count`).
 * `onRecord` sees each record before it is counted (to evict the member mid-batch, or ask for a commit).
 */
function countTopology(kind: StoreKind, onRecord?: (key: string, value: string, context: ProcessorContext<string, string>) => void): Topology {
  const counter: ProcessorSupplier<string, string, string, string> = () => {
    let ctx: ProcessorContext<string, string>;
    let store: KeyValueStore<string, bigint>;
    return {
      init: (context) => {
        ctx = context;
        store = context.getStateStore<KeyValueStore<string, bigint>>(STORE);
      },
      process: (record) => {
        onRecord?.(record.key, record.value, ctx);
        const next = (store.get(record.key) ?? 0n) + 1n;
        store.put(record.key, next);
        ctx.forward(record.withValue(String(next)));
      },
    };
  };
  const engine = kind === 'persistent' ? Stores.persistentKeyValueStore(STORE) : Stores.inMemoryKeyValueStore(STORE);
  return new Topology()
    .addSource('in', 'input', { key: serdes.string(), value: serdes.string() })
    .addProcessor('counter', counter, 'in')
    .addStateStore(Stores.keyValueStoreBuilder(engine, serdes.string(), serdes.int64()), 'counter')
    .addSink('out', 'output', { key: serdes.string(), value: serdes.string() }, 'counter');
}

/** Input records to one partition: `key` once per element of `keys`, values numbered from `from`. */
function feed(w: FakeWorld, partition: number, keys: readonly string[], from = 0): void {
  w.cluster.produce(
    'input',
    keys.map((key, i) => ({ key, value: `v${from + i}`, partition })),
  );
}

/** Changelog records written straight to the topic, as another owner of the task would: `key` -> count. */
function writeChangelog(w: FakeWorld, partition: number, entries: readonly [string, bigint][]): void {
  w.cluster.produce(
    CHANGELOG,
    entries.map(([key, count]) => ({ key, value: int64.serialize(CHANGELOG, count) as Buffer, partition })),
  );
}

/** What a store restored from the changelog partition would hold: each key's last value (read_committed), before `upTo`. */
function changelogState(w: FakeWorld, partition: number, upTo?: bigint): Map<string, bigint> {
  const state = new Map<string, bigint>();
  for (const r of w.cluster.records(CHANGELOG, { readCommitted: true, partition })) {
    if (upTo !== undefined && BigInt(r.offset) >= upTo) break;
    const key = r.key!.toString();
    if (r.value === null) state.delete(key);
    else state.set(key, r.value.readBigInt64BE());
  }
  return state;
}

/** The store as interactive queries see it, across the app's tasks. */
function storeState(run: FakeAppRun, staleReads = false): Map<string, bigint> {
  const store = run.app.store<string, bigint>(STORE, staleReads ? { staleReads } : undefined);
  return new Map([...store.all()].map(({ key, value }) => [key, value]));
}

/** The counts the app wrote (read_committed), per key, in order. */
function outputCounts(w: FakeWorld): Map<string, number[]> {
  const counts = new Map<string, number[]>();
  for (const r of w.cluster.records('output', { readCommitted: true })) {
    const key = r.key!.toString();
    counts.set(key, [...(counts.get(key) ?? []), Number(r.value!.toString())]);
  }
  return counts;
}

/** The offset after the last data record of a changelog partition: what a store holding all of it checkpoints. */
function afterLastRecord(w: FakeWorld, partition: number): string {
  const records = w.cluster.records(CHANGELOG, { readCommitted: false, partition });
  return records.length === 0 ? '0' : String(BigInt(records.at(-1)!.offset) + 1n);
}

function checkpointFile(dir: string, taskId: string): string {
  return join(dir, taskId, `${STORE}.checkpoint`);
}

function readCheckpointJson(dir: string, taskId: string): { offset: string; topic?: string; partition?: number } {
  return JSON.parse(readFileSync(checkpointFile(dir, taskId), 'utf8')) as { offset: string; topic?: string; partition?: number };
}

/** One call of the restore listener, as recorded. */
type ListenerCall =
  | { readonly call: 'start'; readonly tp: RestoredPartition; readonly store: string; readonly start: string; readonly end: string }
  | { readonly call: 'batch'; readonly tp: RestoredPartition; readonly store: string; readonly batchEnd: string; readonly n: number }
  | { readonly call: 'end'; readonly tp: RestoredPartition; readonly store: string; readonly total: number };

/** A listener that records every call, in order. */
function recordingListener(): { listener: StateRestoreListener; calls: ListenerCall[] } {
  const calls: ListenerCall[] = [];
  return {
    calls,
    listener: {
      onRestoreStart: (tp, store, start, end) => calls.push({ call: 'start', tp: { ...tp }, store, start, end }),
      onBatchRestored: (tp, store, batchEnd, n) => calls.push({ call: 'batch', tp: { ...tp }, store, batchEnd, n }),
      onRestoreEnd: (tp, store, total) => calls.push({ call: 'end', tp: { ...tp }, store, total }),
    },
  };
}

async function started(run: FakeAppRun): Promise<void> {
  expect(await run.started).toEqual({ ok: true });
}

/** Whether a promise has settled, without waiting for it. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  void promise.then(() => (done = true));
  await sleep(0);
  return done;
}

const LOST_MEMBERSHIP = /^this member lost its group membership \((.*)\): closing its task\(s\) (.*) dirty$/;

function lostMembershipLines(run: FakeAppRun): { reason: string; tasks: string }[] {
  return run.logger.lines.flatMap((l) => {
    const m = LOST_MEMBERSHIP.exec(l.message);
    return m === null ? [] : [{ reason: m[1]!, tasks: m[2]! }];
  });
}

const CASES = [
  ['at_least_once', 'memory'],
  ['at_least_once', 'persistent'],
  ['exactly_once', 'memory'],
  ['exactly_once', 'persistent'],
] as const satisfies readonly (readonly [Guarantee, StoreKind])[];

describe('a member that lost its group membership (issue 12, problem 1)', { timeout: 15_000 }, () => {
  it.each(CASES)(
    '%s, %s store: evicted, it re-joins as a new member; its task is closed dirty and opened as a new one, whose store is what the changelog says (another owner wrote meanwhile)',
    async (guarantee, kind) => {
      world = new FakeWorld({ input: 1, output: 1 });
      const w = world;
      const { listener, calls } = recordingListener();
      const run = w.start(countTopology(kind), { processingGuarantee: guarantee, stateRestoreListener: listener });
      await started(run);
      feed(w, 0, ['k0', 'k1', 'k0', 'k1', 'k0', 'k1']);
      await waitAllCommitted(w);
      expect(storeState(run)).toEqual(new Map([['k0', 3n], ['k1', 3n]]));
      const ownEnd = afterLastRecord(w, 0);

      // Evicted (a session that timed out). Before it re-joins, another member owned the task: it
      // counted two more records of k0 (to 5, in the changelog) and committed the input offsets
      // past them. Done before any await, so the evicted member re-joins only after it; the input
      // records come once it has re-joined, so that it never fetches them (the committed offset is
      // past them).
      const evictedMember = run.client.consumers[0]!.memberId;
      expect(w.cluster.evict(run.client.consumers[0]!)).toBe(true);
      writeChangelog(w, 0, [['k0', 4n], ['k0', 5n]]);
      w.cluster.group('app').committed.set('input:0', '8');
      await vi.waitFor(() => expect(run.client.consumers[0]!.memberId).not.toBe(evictedMember), { timeout: 2_000 });
      feed(w, 0, ['k0', 'k0'], 6);

      // Handed back to this member: the next k0 is the 6th, not the 4th a stale store would say.
      await waitForState(run, 'RUNNING');
      feed(w, 0, ['k0', 'k1'], 8);
      await waitAllCommitted(w);
      const counts = outputCounts(w);
      expect(counts.get('k0')!.at(-1)).toBe(6);
      expect(counts.get('k1')!.at(-1)).toBe(4);
      expect(storeState(run)).toEqual(new Map([['k0', 6n], ['k1', 4n]]));
      expect(storeState(run)).toEqual(changelogState(w, 0));
      // Found out by the consumer's own heartbeat (a new member id), or by the app's heartbeat when
      // the eviction came while the last batch was still being handled.
      expect(lostMembershipLines(run)).toEqual([{ reason: expect.stringMatching(/^(it re-joined with a new member id|UNKNOWN_MEMBER_ID on heartbeat)$/), tasks: '0_0' }]);
      // Restored again: a persistent store from the checkpoint its dirty close could still write (it
      // had written nothing since its last commit), an in-memory one from the beginning.
      const starts = calls.filter((c) => c.call === 'start');
      expect(starts).toHaveLength(2);
      expect(starts[1]).toMatchObject({ start: kind === 'persistent' ? ownEnd : '0' });
      // Opened again as a new task: under exactly_once with a new transactional producer.
      if (guarantee === 'exactly_once') expect(producersOf(run, '0_0')).toBe(2);
      expect(run.errors.filter((e) => e.category === 'fatal')).toEqual([]);
    },
  );

  // Found by this test: kafkajs re-joins after UNKNOWN_MEMBER_ID without a REBALANCING event, so
  // the app stayed RUNNING while the tasks it re-opened were restoring (and an interactive query
  // was told to "query again once the app is RUNNING" while it was RUNNING).
  it('evicted: the app is REBALANCING while the re-opened task restores, and RUNNING again once it is restored', async () => {
    world = new FakeWorld({ input: 1, output: 1 });
    const w = world;
    const run = w.start(countTopology('memory'), { processingGuarantee: 'at_least_once' });
    await started(run);
    feed(w, 0, ['k0', 'k0']);
    await waitAllCommitted(w);
    // The restore after the re-join takes 500 ms (its first fetch hangs).
    w.cluster.hang('fetch', 500, { topic: CHANGELOG });
    w.cluster.evict(run.client.consumers[0]!);
    await vi.waitFor(() => expect(lostMembershipLines(run)).toHaveLength(1), { timeout: 2_000 });
    expect(() => storeState(run)).toThrow(InvalidStateStoreError);
    expect(run.app.state).toBe('REBALANCING');
    await waitForState(run, 'RUNNING');
    expect(storeState(run)).toEqual(new Map([['k0', 2n]]));
    expect(run.states).toEqual(['CREATED', 'REBALANCING', 'RUNNING', 'REBALANCING', 'RUNNING']);
  });

  // Found by the broker eviction hand-back test: after a freeze (SIGSTOP) the app's timer was the
  // first to run; it marked the loop alive again, erasing the freeze, and the commit it started
  // sent what the frozen member had buffered, after the new owner's writes (9 keys ended 125
  // counts short). The clock jumping forward past the session timeout with no timer run in
  // between is that freeze, as the timer sees it.
  it('at_least_once: a freeze longer than the session timeout that the timer notices first: what was buffered is not sent until a heartbeat proves the membership; counts exact', async () => {
    world = new FakeWorld({ input: 1, output: 1 });
    const w = world;
    // Records stay buffered (a long linger, a long commit interval) until the commit after the freeze.
    const run = w.start(countTopology('memory'), { processingGuarantee: 'at_least_once', commitIntervalMs: 3_000, producer: { lingerMs: 60_000 } });
    await started(run);
    feed(w, 0, ['k0', 'k1', 'k0', 'k1', 'k0']);
    await vi.waitFor(() => expect(run.app.metrics().recordsProcessed).toBe(5), { timeout: 2_000 });
    expect(outputCounts(w).size).toBe(0);

    // The freeze: the clock jumps past the session timeout (fake-app's is 3000 ms) and the commit
    // interval at once, and the heartbeats that would prove the membership hang for a while.
    w.cluster.hang('heartbeat', 1_000, { times: 3 });
    const realNow = Date.now.bind(Date);
    vi.spyOn(Date, 'now').mockImplementation(() => realNow() + 4_000);
    await vi.waitFor(() => expect(run.logger.lines.map((l) => l.message)).toContainEqual(expect.stringMatching(/^the event loop did not run for \d+ ms/)), { timeout: 2_000 });
    await vi.waitFor(() => expect(run.errors.map((e) => e.message)).toContainEqual(expect.stringMatching(/event loop was blocked for longer than consumer.sessionTimeoutMs/)), { timeout: 2_000 });
    // Held: the commit the timer started sent nothing.
    expect(outputCounts(w).size).toBe(0);

    // A heartbeat then proves the membership: the task, rewound to its committed offset (none: the
    // start), processes the five records again and they are sent once, at the next commit.
    await vi.waitFor(() => expect(w.cluster.committedOffsets('app')).toEqual(new Map([['input:0', '5']])), { timeout: 6_000 });
    const counts = outputCounts(w);
    expect(counts.get('k0')).toEqual([1, 2, 3]);
    expect(counts.get('k1')).toEqual([1, 2]);
    expect(storeState(run)).toEqual(new Map([['k0', 3n], ['k1', 2n]]));
    expect(run.errors.filter((e) => e.category === 'fatal')).toEqual([]);
  });

  it.each(CASES)(
    '%s, %s store: evicted in the middle of a batch (the heartbeat answers UNKNOWN_MEMBER_ID): no commit is tried, what the batch did is dropped, every task is closed dirty; counts exact',
    async (guarantee, kind) => {
      world = new FakeWorld({ input: 2, output: 2 });
      const w = world;
      const commitCalls = (): number => w.cluster.callCount('commitOffsets') + w.cluster.callCount('sendOffsets') + w.cluster.callCount('commit');
      let evictedAt: number | undefined;
      // Commits happen only when a record asks for one (the `v…` records), and records are sent only
      // at a commit (a linger longer than the test): so the batch that holds the eviction asks for no
      // commit, and what it did is still unsent when the member learns it was evicted. The member is
      // evicted while it processes the record `evict`; it goes on with the rest of that slice of the
      // batch (a zombie), and the heartbeat after the slice finds it out. Meanwhile another owner
      // took the task over: it processed the same four records and one more of k0 (offset 8), and
      // committed the offsets past them.
      const topology = countTopology(kind, (_key, value, context) => {
        if (value.startsWith('v')) context.commit();
        if (value !== 'evict' || evictedAt !== undefined) return;
        evictedAt = commitCalls();
        w.cluster.evict(w.runs[0]!.client.consumers[0]!);
        feed(w, 0, ['k0'], 8);
        const other: [string, bigint][] = [['k0', 3n], ['k1', 3n], ['k0', 4n], ['k1', 4n], ['k0', 5n]];
        writeChangelog(w, 0, other);
        w.cluster.produce('output', other.map(([key, count]) => ({ key, value: String(count) })));
        w.cluster.group('app').committed.set('input:0', '9');
      });
      // The commit calls made when the assignment after the eviction is applied.
      const atAssignment: number[] = [];
      const apply = TaskManager.prototype.applyAssignment;
      vi.spyOn(TaskManager.prototype, 'applyAssignment').mockImplementation(function (this: TaskManager, ...args) {
        atAssignment.push(commitCalls());
        return apply.apply(this, args);
      });
      const run = w.start(topology, { processingGuarantee: guarantee, commitIntervalMs: 20_000, producer: { lingerMs: 60_000 } });
      await started(run);
      feed(w, 0, ['k0', 'k1', 'k0', 'k1']);
      feed(w, 1, ['k2', 'k2']);
      await waitAllCommitted(w);
      w.cluster.produce('input', [
        { key: 'k0', value: 'a', partition: 0 },
        { key: 'k1', value: 'b', partition: 0 },
        { key: 'k0', value: 'evict', partition: 0 },
        { key: 'k1', value: 'c', partition: 0 },
        { key: 'k2', value: 'd', partition: 1 },
      ]);
      await vi.waitFor(() => expect(lostMembershipLines(run)).toHaveLength(1), { timeout: 3_000 });
      await waitForState(run, 'RUNNING');
      feed(w, 0, ['k0', 'k1'], 100);
      feed(w, 1, ['k2'], 100);
      await waitAllCommitted(w);

      expect(lostMembershipLines(run)).toEqual([{ reason: 'UNKNOWN_MEMBER_ID on heartbeat', tasks: '0_0, 0_1' }]);
      // No commit was even tried between the eviction and the assignment that followed it.
      expect(evictedAt).toBeDefined();
      expect(atAssignment.at(-1)).toBe(evictedAt);
      expect(run.errors.map((e) => [e.category, e.action])).toContainEqual(['task-migrated', 'rejoining']);
      // Nothing the zombie did after it was evicted reached the topics (it would repeat counts), and
      // the re-opened task counts on from where the other owner left the store: no duplicate, no
      // lost update, for the task of the other partition too.
      const counts = outputCounts(w);
      expect(Object.fromEntries(counts)).toEqual({ k0: [1, 2, 3, 4, 5, 6], k1: [1, 2, 3, 4, 5], k2: [1, 2, 3, 4] });
      expect(storeState(run)).toEqual(new Map([...changelogState(w, 0), ...changelogState(w, 1)]));
      expect(storeState(run)).toEqual(new Map([['k0', 6n], ['k1', 5n], ['k2', 4n]]));
      expect(run.errors.filter((e) => e.category === 'fatal')).toEqual([]);
    },
  );

  it('at_least_once: an offset commit that fails as task-migrated marks the membership lost; at the next assignment (same member id) every task is closed dirty and restored', async () => {
    world = new FakeWorld({ input: 1, output: 1 });
    const w = world;
    const run = w.start(countTopology('memory'), { processingGuarantee: 'at_least_once' });
    await started(run);
    feed(w, 0, ['k0', 'k0']);
    await waitAllCommitted(w);
    const member = run.client.consumers[0]!.memberId;
    w.cluster.failNext('commitOffsets', 'ILLEGAL_GENERATION');
    feed(w, 0, ['k0'], 2);
    await vi.waitFor(() => expect(run.logger.lines.map((l) => l.message)).toContainEqual(expect.stringMatching(/^committing offsets failed: this member left/)), {
      timeout: 2_000,
    });
    // Meanwhile another owner counted k0 to 7.
    writeChangelog(w, 0, [['k0', 7n]]);
    w.cluster.rebalance('app');
    await vi.waitFor(() => expect(lostMembershipLines(run)).toHaveLength(1), { timeout: 2_000 });
    expect(run.client.consumers[0]!.memberId).toBe(member);
    expect(lostMembershipLines(run)[0]!.reason).toMatch(/^committing offsets: /);
    await waitForState(run, 'RUNNING');
    feed(w, 0, ['k0'], 3);
    await waitAllCommitted(w);
    // The other owner's 7, then the records this member processes again: 8 for record 3, or 9 when
    // record 2 (processed but never committed) is processed again too. A stale store gives 4.
    const last = outputCounts(w).get('k0')!.at(-1)!;
    expect(last).toBeGreaterThanOrEqual(8);
    expect(last).toBeLessThanOrEqual(9);
    expect(storeState(run)).toEqual(changelogState(w, 0));
  });
});

/** One call of a persistent store's checkpoint(offset), with what the store held then and what the changelog said up to that offset. */
interface CheckpointCall {
  readonly taskId: string;
  readonly offset: bigint;
  readonly store: Map<string, bigint>;
  readonly changelog: Map<string, bigint>;
  /** The changelog partition's end offset at that moment. */
  readonly changelogEnd: bigint;
}

/** Records every checkpoint a persistent store is asked to take, with the store's contents at that moment. */
function spyOnCheckpoints(w: FakeWorld): CheckpointCall[] {
  const calls: CheckpointCall[] = [];
  const checkpoint = LmdbKeyValueStore.prototype.checkpoint;
  vi.spyOn(LmdbKeyValueStore.prototype, 'checkpoint').mockImplementation(function (this: LmdbKeyValueStore, offset: string) {
    // The store's context is private: the task and changelog partition it was opened for.
    const { taskId, changelog } = (this as unknown as { context: { taskId: string; changelog: { partition: number } } }).context;
    const store = new Map([...this.all()].map(({ key, value }) => [key.toString(), value.readBigInt64BE()]));
    calls.push({
      taskId,
      offset: BigInt(offset),
      store,
      changelog: changelogState(w, changelog.partition, BigInt(offset)),
      changelogEnd: BigInt(w.cluster.log(CHANGELOG, changelog.partition)!.highWatermark),
    });
    checkpoint.call(this, offset);
  });
  return calls;
}

describe('checkpoints say what the store holds (issue 12, problem 2)', { timeout: 15_000 }, () => {
  it('at_least_once: after every commit that moved it, the checkpoint is the last acknowledged changelog offset + 1, and the store then holds exactly the changelog before it', async () => {
    world = new FakeWorld({ input: 2, output: 2 });
    const w = world;
    const dir = stateDir();
    const calls = spyOnCheckpoints(w);
    const run = w.start(countTopology('persistent'), { processingGuarantee: 'at_least_once', stateDir: dir });
    await started(run);
    for (let round = 0; round < 3; round++) {
      feed(w, 0, ['k0', 'k1', 'k0'], round * 10);
      feed(w, 1, ['k2', 'k3'], round * 10);
      await waitAllCommitted(w);
      // The file is written once the store's data is on disk, after the commit.
      for (const p of [0, 1]) {
        await vi.waitFor(() => expect(readCheckpointJson(dir, `0_${p}`)).toEqual({ version: 1, offset: afterLastRecord(w, p), topic: CHANGELOG, partition: p }), {
          timeout: 2_000,
        });
      }
    }
    // Taken after each round's commit (and after the empty restore at the start), per task.
    for (const taskId of ['0_0', '0_1']) {
      const offsets = calls.filter((c) => c.taskId === taskId).map((c) => c.offset);
      expect(offsets, taskId).toEqual(taskId === '0_0' ? [0n, 3n, 6n, 9n] : [0n, 2n, 4n, 6n]);
    }
    // Never an offset whose record the store has not applied, nor one short of what it holds: the
    // store at each checkpoint is exactly the changelog before the offset, which is all there is.
    for (const c of calls) {
      expect(c.store, `checkpoint ${c.offset} of ${c.taskId}`).toEqual(c.changelog);
      expect(c.offset, `checkpoint ${c.offset} of ${c.taskId}`).toBe(c.changelogEnd);
    }
    expect(storeState(run)).toEqual(new Map([['k0', 6n], ['k1', 3n], ['k2', 3n], ['k3', 3n]]));
  });

  it('exactly_once: no checkpoint while running (the store may hold writes of an open transaction); one at a clean close, after the last changelog record', async () => {
    world = new FakeWorld({ input: 2, output: 2 });
    const w = world;
    const dir = stateDir();
    const calls = spyOnCheckpoints(w);
    const run = w.start(countTopology('persistent'), { processingGuarantee: 'exactly_once', stateDir: dir });
    await started(run);
    for (let round = 0; round < 3; round++) {
      feed(w, 0, ['k0', 'k1', 'k0'], round * 10);
      feed(w, 1, ['k2', 'k3'], round * 10);
      await waitAllCommitted(w);
    }
    await sleep(100);
    expect(calls).toEqual([]);
    expect(existsSync(checkpointFile(dir, '0_0'))).toBe(false);
    expect(existsSync(checkpointFile(dir, '0_1'))).toBe(false);
    await run.app.close();
    for (const p of [0, 1]) {
      // The offset after the last data record: the commit marker after it is not a record the store holds.
      const after = afterLastRecord(w, p);
      expect(BigInt(after)).toBeLessThan(BigInt(w.cluster.log(CHANGELOG, p)!.highWatermark));
      expect(readCheckpointJson(dir, `0_${p}`)).toEqual({ version: 1, offset: after, topic: CHANGELOG, partition: p });
    }
    expect(calls.map((c) => c.taskId).sort()).toEqual(['0_0', '0_1']);
    for (const c of calls) expect(c.store).toEqual(c.changelog);
  });

  it.each(['at_least_once', 'exactly_once'] as const)(
    '%s: a restart after a clean close restores only the changelog records written after the checkpoint',
    async (guarantee) => {
      world = new FakeWorld({ input: 1, output: 1 });
      const w = world;
      const dirA = stateDir();
      const dirB = stateDir();
      const config = (dir: string, listener?: StateRestoreListener): Partial<StreamsConfig> => ({
        processingGuarantee: guarantee,
        stateDir: dir,
        ...(listener !== undefined ? { stateRestoreListener: listener } : {}),
      });
      // Instance A counts, and closes: its store is checkpointed.
      const a = w.start(countTopology('persistent'), config(dirA));
      await started(a);
      feed(w, 0, ['k0', 'k1', 'k0', 'k1', 'k0']);
      await waitAllCommitted(w);
      await a.app.close();
      const checkpoint = readCheckpointJson(dirA, '0_0').offset;
      expect(checkpoint).toBe(afterLastRecord(w, 0));
      // Instance B, on another machine (state folder), restores it all and counts on.
      const b = recordingListener();
      const runB = w.start(countTopology('persistent'), config(dirB, b.listener));
      await started(runB);
      expect(b.calls[0]).toMatchObject({ call: 'start', start: '0' });
      feed(w, 0, ['k0', 'k1', 'k2'], 5);
      await waitAllCommitted(w);
      await runB.app.close();
      // A again, on its own state: it reads only what B wrote after A's checkpoint.
      const again = recordingListener();
      const runA = w.start(countTopology('persistent'), config(dirA, again.listener));
      await started(runA);
      const end = w.cluster.log(CHANGELOG, 0)!.highWatermark;
      const tp = { topic: CHANGELOG, partition: 0 };
      const written = w.cluster.records(CHANGELOG, { readCommitted: true, partition: 0 }).filter((r) => BigInt(r.offset) >= BigInt(checkpoint));
      expect(written).toHaveLength(3);
      expect(again.calls[0]).toEqual({ call: 'start', tp, store: STORE, start: checkpoint, end: String(end) });
      expect(again.calls.at(-1)).toEqual({ call: 'end', tp, store: STORE, total: 3 });
      const batches = again.calls.filter((c) => c.call === 'batch');
      expect(batches.reduce((n, c) => n + c.n, 0)).toBe(3);
      expect(batches.at(-1)).toMatchObject({ batchEnd: written.at(-1)!.offset });
      expect(storeState(runA)).toEqual(new Map([['k0', 4n], ['k1', 3n], ['k2', 1n]]));
      expect(storeState(runA)).toEqual(changelogState(w, 0));
      // at_least_once checkpoints right after the restore; exactly_once only when it closes.
      if (guarantee === 'at_least_once') {
        await vi.waitFor(() => expect(readCheckpointJson(dirA, '0_0').offset).toBe(String(end)), { timeout: 2_000 });
      } else {
        expect(existsSync(checkpointFile(dirA, '0_0'))).toBe(false);
      }
      feed(w, 0, ['k0'], 8);
      await waitAllCommitted(w);
      expect(outputCounts(w).get('k0')).toEqual([1, 2, 3, 4, 5]);
    },
  );

  it('a checkpoint past the end of the changelog (the topic was made again) wipes the store, which is restored from the beginning', async () => {
    const dir = stateDir();
    const first = new FakeWorld({ input: 1, output: 1 });
    world = first;
    const a = first.start(countTopology('persistent'), { stateDir: dir });
    await started(a);
    feed(first, 0, ['k0', 'k0', 'k0', 'k1', 'k1']);
    await waitAllCommitted(first);
    await a.app.close();
    expect(readCheckpointJson(dir, '0_0').offset).toBe('5');
    await first.dispose();
    // Another cluster: the same topics, made again, empty.
    world = new FakeWorld({ input: 1, output: 1 });
    const w = world;
    const run = w.start(countTopology('persistent'), { stateDir: dir });
    await started(run);
    expect(run.logger.lines.map((l) => l.message)).toContain(
      `store '${STORE}' of task 0_0: its checkpoint (5) is past the end of ${CHANGELOG}-0 (0); restoring it from the beginning`,
    );
    expect(storeState(run)).toEqual(new Map());
    feed(w, 0, ['k0']);
    await waitAllCommitted(w);
    expect(outputCounts(w).get('k0')).toEqual([1]);
  });
});


/** Fills changelog partition `partition` with `n` records over `keys` keys `<prefix><i>`, counting up: each key ends at n / keys. */
function prefillChangelog(w: FakeWorld, partition: number, n: number, keys: number, prefix: string): void {
  // As the app would make it: as many partitions as its input.
  w.cluster.createTopic(CHANGELOG, w.cluster.partitionCounts(['input']).get('input')!, { 'cleanup.policy': 'compact' });
  const records = [];
  for (let i = 0; i < n; i++) {
    records.push({ key: `${prefix}${i % keys}`, value: int64.serialize(CHANGELOG, BigInt(Math.floor(i / keys) + 1)) as Buffer, partition });
  }
  w.cluster.produce(CHANGELOG, records);
}

describe('restoring in the background (issue 12, problem 4)', { timeout: 15_000 }, () => {
  it('a task restoring a big changelog while the other task processes: the app stays REBALANCING and start() waits; queries throw, stale reads read; then RUNNING with one rebalance event', async () => {
    world = new FakeWorld({ input: 2, output: 2 });
    const w = world;
    // Task 0_0's store: 50,000 changelog records over 100 keys (each at 500); task 0_1's: none.
    prefillChangelog(w, 0, 50_000, 100, 'p0-');
    // The restore's first fetch takes 1 s: long enough to watch the other task work meanwhile.
    w.cluster.hang('fetch', 1_000, { topic: CHANGELOG });
    const { listener, calls } = recordingListener();
    const restoredAt: number[] = [];
    const run = w.start(countTopology('memory'), {
      processingGuarantee: 'exactly_once',
      stateRestoreListener: {
        ...listener,
        onRestoreEnd: (tp, store, total) => {
          if (tp.partition === 0) restoredAt.push(Date.now());
          listener.onRestoreEnd!(tp, store, total);
        },
      },
    });
    const rebalances: string[][] = [];
    run.app.rebalances$.subscribe((e) => rebalances.push([...e.gained].sort()));
    w.cluster.produce('input', [
      { key: 'x', value: 'v0', partition: 1 },
      { key: 'x', value: 'v1', partition: 1 },
      { key: 'p0-7', value: 'v2', partition: 0 },
    ]);
    // Task 0_1 processes while 0_0 is still restoring.
    await vi.waitFor(() => expect(outputCounts(w).get('x')).toEqual([1, 2]), { timeout: 900, interval: 5 });
    const processedAt = Date.now();
    expect(calls.filter((c) => c.call === 'end' && c.tp.partition === 0)).toEqual([]);
    expect(run.app.state).toBe('REBALANCING');
    expect(await settled(run.started)).toBe(false);
    expect(rebalances).toEqual([]);
    // A query needs every task of the store: one is restoring. Stale reads see what there is.
    expect(() => run.app.store<string, bigint>(STORE).get('x')).toThrow(InvalidStateStoreError);
    expect(() => storeState(run)).toThrow(/task 0_0 is restoring it from its changelog/);
    expect(run.app.store<string, bigint>(STORE, { staleReads: true }).get('x')).toBe(2n);
    expect(outputCounts(w).get('p0-7')).toBeUndefined();

    await started(run);
    expect(restoredAt[0]).toBeGreaterThan(processedAt);
    expect(run.app.state).toBe('RUNNING');
    expect(rebalances).toEqual([['0_0', '0_1']]);
    expect(run.states).toEqual(['CREATED', 'REBALANCING', 'RUNNING']);
    // The input of the restored task that came during its restore is processed after it.
    await waitAllCommitted(w);
    expect(outputCounts(w).get('p0-7')).toEqual([501]);
    const store = storeState(run);
    expect(store.size).toBe(101);
    expect(store.get('p0-7')).toBe(501n);
    expect(store.get('p0-99')).toBe(500n);
    expect(store.get('x')).toBe(2n);
    const tp0 = { topic: CHANGELOG, partition: 0 };
    const tp1 = { topic: CHANGELOG, partition: 1 };
    expect(calls.filter((c) => c.tp.partition === 1)).toEqual([
      { call: 'start', tp: tp1, store: STORE, start: '0', end: '0' },
      { call: 'end', tp: tp1, store: STORE, total: 0 },
    ]);
    const p0 = calls.filter((c) => c.tp.partition === 0);
    expect(p0[0]).toEqual({ call: 'start', tp: tp0, store: STORE, start: '0', end: '50000' });
    expect(p0.at(-1)).toEqual({ call: 'end', tp: tp0, store: STORE, total: 50_000 });
  });

  it('the restore listener hears start, each batch and the end, in order, with the offsets of the changelog partition', async () => {
    world = new FakeWorld({ input: 2, output: 2 });
    const w = world;
    prefillChangelog(w, 0, 3_000, 10, 'k');
    const { listener, calls } = recordingListener();
    // Small fetches: the restore reads the 3,000 records in many batches.
    const run = w.start(countTopology('memory'), { stateRestoreListener: listener, consumer: { maxBytesPerPartition: 2_048 } });
    await started(run);
    const p0 = calls.filter((c) => c.tp.partition === 0);
    const tp = { topic: CHANGELOG, partition: 0 };
    expect(p0[0]).toEqual({ call: 'start', tp, store: STORE, start: '0', end: '3000' });
    expect(p0.at(-1)).toEqual({ call: 'end', tp, store: STORE, total: 3_000 });
    const batches = p0.slice(1, -1);
    expect(batches.length).toBeGreaterThan(5);
    // Contiguous batches: each starts right after the last one ended.
    let previousEnd = -1;
    for (const b of batches) {
      expect(b.call).toBe('batch');
      if (b.call !== 'batch') continue;
      expect(b.store).toBe(STORE);
      expect(Number(b.batchEnd) - previousEnd).toBe(b.n);
      previousEnd = Number(b.batchEnd);
    }
    expect(previousEnd).toBe(2_999);
    expect(storeState(run)).toEqual(changelogState(w, 0));
  });

  it('a restore listener that throws is logged and the restore goes on', async () => {
    world = new FakeWorld({ input: 1, output: 1 });
    const w = world;
    prefillChangelog(w, 0, 100, 10, 'k');
    const boom = (): never => {
      throw new Error('listener bug');
    };
    const run = w.start(countTopology('memory'), { stateRestoreListener: { onRestoreStart: boom, onBatchRestored: boom, onRestoreEnd: boom } });
    await started(run);
    expect(storeState(run)).toEqual(changelogState(w, 0));
    expect(run.logger.lines.map((l) => l.message)).toContain('the stateRestoreListener threw: listener bug');
  });

  /** Settings under which a restore that does not move fails after 300 ms: max(requestTimeoutMs, 2 x sessionTimeoutMs). */
  const STALL_300: Partial<StreamsConfig> = { requestTimeoutMs: 200, consumer: { sessionTimeoutMs: 150, heartbeatIntervalMs: 30 } };
  const restoreConsumers = (run: FakeAppRun) => run.client.consumers.filter((c) => c.groupId.startsWith('app-restore-')).length;

  // Found by these two tests: when a restore failed, the task was closed to wait for its retry and
  // restoreFailed's onRestored() saw no task restoring: the app went RUNNING and start() resolved
  // with a task of its assignment not restored (a query then silently missed its keys); and when the
  // retries ran out, RUNNING came just before PENDING_ERROR, so start() resolved instead of
  // rejecting. The stall's StreamsError is reported without its task id.
  it('a restore that stalls once is retried as a retriable failure, and the task then starts', async () => {
    world = new FakeWorld({ input: 1, output: 1 });
    const w = world;
    prefillChangelog(w, 0, 1_000, 10, 'k');
    // The first restore's fetch hangs past the stall bound; the retry's does not.
    w.cluster.hang('fetch', 2_000, { topic: CHANGELOG });
    const run = w.start(countTopology('memory'), STALL_300);
    await started(run);
    // start() resolves once the task is restored, by its second restore.
    expect(restoreConsumers(run)).toBe(2);
    expect(storeState(run)).toEqual(changelogState(w, 0));
    expect(run.states).toEqual(['CREATED', 'REBALANCING', 'RUNNING']);
    expect(run.errors.map((e) => [e.category, e.action])).toEqual([['retriable', 'retrying']]);
    expect(run.errors[0]!.message).toMatch(/restoring app-counts-changelog:0 made no progress for 300 ms/);
    expect(run.errors[0]!.taskId, 'errors$ names the task whose restore stalled').toBe('0_0');
  });

  it('a restore that never moves is retried with backoff until taskTimeoutMs, then fails the app with a TaskTimeoutError', async () => {
    world = new FakeWorld({ input: 1, output: 1 });
    const w = world;
    prefillChangelog(w, 0, 1_000, 10, 'k');
    w.cluster.hang('fetch', 60_000, { topic: CHANGELOG, times: 1_000 });
    const startedAt = Date.now();
    const run = w.start(countTopology('memory'), { ...STALL_300, taskTimeoutMs: 1_500 });
    const outcome = await run.started;
    const failedAfter = Date.now() - startedAt;
    expect(outcome.ok).toBe(false);
    expect(!outcome.ok && outcome.error).toBeInstanceOf(TaskTimeoutError);
    expect(run.states).toEqual(['CREATED', 'REBALANCING', 'PENDING_ERROR', 'ERROR']);
    const retries = run.errors.filter((e) => e.action === 'retrying');
    expect(retries.length).toBeGreaterThanOrEqual(3);
    for (const e of retries) expect(e.message).toMatch(/made no progress for 300 ms/);
    expect(retries.map((e) => e.taskId), 'errors$ names the task whose restore stalled').toEqual(retries.map(() => '0_0'));
    expect(run.errors.at(-1)).toBeInstanceOf(TaskTimeoutError);
    expect(run.errors.at(-1)!.taskId).toBe('0_0');
    expect(restoreConsumers(run)).toBe(retries.length + 1);
    // The first failure came after one stall bound; the fatal one a taskTimeoutMs later.
    expect(failedAfter).toBeGreaterThanOrEqual(300 + 1_500);
    expect(failedAfter).toBeLessThan(300 + 1_500 + 1_500);
  });
});

describe('committed offsets held by a transaction that never completes (a hanging transaction)', { timeout: 15_000 }, () => {
  afterEach(() => vi.useRealTimers());

  it('exactly_once: only the task whose offsets are unstable waits; the other processes; past producer.transactionTimeoutMs + the margin it is reported once, at error, with the remedy; it starts once the transaction is gone', async () => {
    world = new FakeWorld({ input: 2, output: 2 });
    const w = world;
    // The coordinator refuses partition 1's offsets as unstable (UNSTABLE_OFFSET_COMMIT), again and again.
    w.cluster.failNext('committedOffsets', 'UNSTABLE_OFFSET_COMMIT', { partition: 1, times: 100_000 });
    feed(w, 0, ['a', 'b', 'a']);
    feed(w, 1, ['x', 'y']);
    const transactionTimeoutMs = 1_000;
    const run = w.start(countTopology('memory'), { processingGuarantee: 'exactly_once', taskTimeoutMs: 600_000, producer: { lingerMs: 1, transactionTimeoutMs } });
    await vi.waitFor(() => expect(outputCounts(w)).toEqual(new Map([['a', [1, 2]], ['b', [1]]])), { timeout: 5_000, interval: 5 });
    await vi.waitFor(() => expect(run.errors.length).toBeGreaterThanOrEqual(2), { timeout: 5_000, interval: 5 });
    for (const e of run.errors) {
      expect(describeError(e)).toMatchObject({ category: 'retriable', action: 'retrying', taskId: '0_1' });
      expect(e.message).toMatch(/unstable offsets/);
    }
    const hanging = () => run.logger.lines.filter((l) => /likely a hanging transaction/.test(l.message));
    expect(hanging(), 'not reported before the transaction timeout has passed').toEqual([]);

    // Later than any transaction the coordinator knows may stay open.
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + transactionTimeoutMs + HANGING_TRANSACTION_MARGIN_MS + 1_000);
    await vi.waitFor(() => expect(hanging().length).toBe(1), { timeout: 5_000, interval: 5 });
    const retriesSoFar = run.errors.length;
    await vi.waitFor(() => expect(run.errors.length).toBeGreaterThan(retriesSoFar + 2), { timeout: 5_000, interval: 5 });
    expect(hanging(), 'said once per run of refusals').toHaveLength(1);
    const [line] = hanging();
    expect(line!.level).toBe('error');
    expect(line!.message).toContain('task 0_1: the committed offsets of input-1');
    expect(line!.message).toContain('kafka-transactions.sh --bootstrap-server <broker> find-hanging');
    expect(line!.message).toContain('abort --topic <topic> --partition <n> --start-offset <offset>');
    expect(outputCounts(w).has('x'), 'task 0_1 processed nothing while its offsets were unstable').toBe(false);

    // An operator aborts it: the task opens and processes.
    w.cluster.clearFaults();
    await vi.waitFor(() => expect(outputCounts(w)).toEqual(new Map([['a', [1, 2]], ['b', [1]], ['x', [1]], ['y', [1]]])), { timeout: 5_000, interval: 5 });
    expect(run.app.state).toBe('RUNNING');
  });
});
