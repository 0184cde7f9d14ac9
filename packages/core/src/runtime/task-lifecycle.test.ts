import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serdes } from '@rivulet/serde';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { StreamsConfig } from '../config/streams-config.js';
import type { RestoredPartition, StateRestoreListener } from '../config/state-restore-listener.js';
import { TaskTimeoutError } from '../errors/streams-error.js';
import { InvalidStateStoreError } from '../index.js';
import type { ProcessorContext } from '../processor/processor-context.js';
import type { ProcessorSupplier } from '../processor/processor.js';
import { changelogTopic } from '../state/changelog-topic.js';
import type { KeyValueStore } from '../state/key-value-store.js';
import { LmdbKeyValueStore } from '../state/lmdb-key-value-store.js';
import { Stores } from '../state/stores.js';
import { Topology } from '../topology/topology.js';
import { TaskManager } from './task-manager.js';
import { FakeWorld, producersOf, sleep, waitAllCommitted, waitForState, type FakeAppRun } from './test-support/fake-app.js';

/**
 * The life of a task and its state (issue 12) on the fake Kafka client, with a count per key kept
 * in a logged store (in memory, or persistent on lmdb):
 * - a member that lost its group membership closes every task dirty, and a task handed back is a
 *   new task, restored to the changelog's end: its store is what the changelog says, including what
 *   another owner wrote meanwhile (item 1);
 * - checkpoints say what the store holds: at_least_once after each commit, exactly_once only at a
 *   clean close; a restart restores only what came after (item 2);
 * - restoring in the background: a task restoring while another processes, interactive queries
 *   during a restore, a stalled restore retried and then fatal, the restore listener (item 3).
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

describe('a member that lost its group membership (issue 12, item 1)', { timeout: 15_000 }, () => {
  it.each(CASES)(
    '%s, %s store: evicted, it re-joins as a new member; its task is closed dirty and opened as a new one, whose store is what the changelog says (another owner wrote meanwhile)',
    async (guarantee, kind) => {
      world = new FakeWorld({ input: 1, output: 1 });
      const w = world;
      const run = w.start(countTopology(kind), { processingGuarantee: guarantee });
      await started(run);
      feed(w, 0, ['k0', 'k1', 'k0', 'k1', 'k0', 'k1']);
      await waitAllCommitted(w);
      expect(storeState(run)).toEqual(new Map([['k0', 3n], ['k1', 3n]]));

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
      expect(lostMembershipLines(run)).toEqual([{ reason: 'it re-joined with a new member id', tasks: '0_0' }]);
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

  it.each(CASES)(
    '%s, %s store: evicted in the middle of a batch (the heartbeat answers UNKNOWN_MEMBER_ID): no commit is tried, what the batch did is dropped, every task is closed dirty; counts exact',
    async (guarantee, kind) => {
      world = new FakeWorld({ input: 2, output: 2 });
      const w = world;
      const commitCalls = (): number => w.cluster.callCount('commitOffsets') + w.cluster.callCount('sendOffsets') + w.cluster.callCount('commit');
      let evictedAt: number | undefined;
      let run!: FakeAppRun;
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
        w.cluster.evict(run.client.consumers[0]!);
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
      run = w.start(topology, { processingGuarantee: guarantee, commitIntervalMs: 20_000, producer: { lingerMs: 60_000 } });
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
    expect(outputCounts(w).get('k0')!.at(-1)).toBe(8);
    expect(storeState(run)).toEqual(changelogState(w, 0));
  });
});
