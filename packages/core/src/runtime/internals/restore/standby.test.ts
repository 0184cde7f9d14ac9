import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serdes } from '@rivulet/serde';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { StateRestoreListener } from '../../../config/state-restore-listener.js';
import type { ProcessorContext } from '../../../processor/processor-context.js';
import type { ProcessorSupplier } from '../../../processor/processor.js';
import { changelogTopic } from '../../../state/internals/changelog/changelog-topic.js';
import type { KeyValueStore } from '../../../state/key-value-store.js';
import { Stores } from '../../../state/stores.js';
import { Topology } from '../../../topology/topology.js';
import type { StandbyTasks } from './standby-tasks.js';
import type { TaskManager } from '../tasks/task-manager.js';
import { FakeWorld, waitAllCommitted, waitForState, type FakeAppRun } from '../../test-support/fake-app.js';

/**
 * Standby replicas (issue 12, item 6) on the fake Kafka client: two apps count per key in a logged
 * store on a one-partition input, so one task, 0_0, owned by the first app (A). With
 * `numStandbyReplicas: 1` the second app (B) keeps a standby copy of 0_0 that follows the
 * changelog; when A closes (a clean leave), B takes the task over with the standby's store and
 * restores only the changelog's tail, and the counts go on from where A left them. Without a
 * standby the same hand-over restores the whole changelog from offset 0. Then the checkpoints of
 * persistent standby copies: written as the member commits, and gone once the copy is an active
 * exactly_once task's store (both found by these tests).
 */

const STORE = 'counts';
const CHANGELOG = changelogTopic('app', STORE);
const KEYS = 10;

type StoreKind = 'memory' | 'persistent';
type Guarantee = 'at_least_once' | 'exactly_once';

let world: FakeWorld | undefined;
const dirs: string[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  await world?.dispose();
  world = undefined;
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A state folder the test can look into. */
function stateDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'rivulet-standby-'));
  dirs.push(dir);
  return dir;
}

/** input -> the running count of each key, kept in the logged store `counts` -> output (`key:count`). */
function countTopology(kind: StoreKind): Topology {
  const counter: ProcessorSupplier<string, string, string, string> = () => {
    let ctx: ProcessorContext<string, string>;
    let store: KeyValueStore<string, bigint>;
    return {
      init: (context) => {
        ctx = context;
        store = context.getStateStore<KeyValueStore<string, bigint>>(STORE);
      },
      process: (record) => {
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

/** What the restore listener saw start: one entry per changelog partition restored. */
interface RestoreStart {
  readonly topic: string;
  readonly partition: number;
  readonly store: string;
  readonly start: bigint;
  readonly end: bigint;
}

function recordingListener(): { listener: StateRestoreListener; starts: RestoreStart[]; restored: number[] } {
  const starts: RestoreStart[] = [];
  const restored: number[] = [];
  return {
    starts,
    restored,
    listener: {
      onRestoreStart: (tp, store, start, end) => starts.push({ topic: tp.topic, partition: tp.partition, store, start: BigInt(start), end: BigInt(end) }),
      onRestoreEnd: (_tp, _store, total) => restored.push(total),
    },
  };
}

/** `n` input records `k<i % keys>:v<i>`, from `from`. */
function input(n: number, from: number, keys = KEYS): string[] {
  return Array.from({ length: n }, (_, i) => `k${(from + i) % keys}:v${from + i}`);
}

const manager = (run: FakeAppRun): TaskManager => (run.app as unknown as { manager: TaskManager }).manager;

/**
 * How far B's standby copy of 0_0 holds the changelog (the offset after the last record applied),
 * read from StandbyTasks' followed partitions; undefined while it keeps no copy or has read nothing.
 */
function standbyPosition(standbys: StandbyTasks): bigint | undefined {
  const followed = (standbys as unknown as { byPartition: Map<string, { position: bigint | undefined }> }).byPartition;
  return followed.get(`${CHANGELOG}:0`)?.position;
}

/** The changelog's end offset (data records and, under exactly_once, transaction markers). */
function changelogEnd(w: FakeWorld): bigint {
  return BigInt(w.cluster.log(CHANGELOG, 0)!.highWatermark);
}

/** Per key, the counts in the output topic (read_committed, in order): each must run 1..n. */
function countsByKey(w: FakeWorld): Map<string, number[]> {
  const byKey = new Map<string, number[]>();
  for (const r of w.values('output')) {
    const [key, count] = r.split(':') as [string, string];
    const list = byKey.get(key) ?? [];
    list.push(Number(count));
    byKey.set(key, list);
  }
  return byKey;
}

describe.each<[StoreKind, Guarantee]>([
  ['memory', 'at_least_once'],
  ['memory', 'exactly_once'],
  ['persistent', 'at_least_once'],
  ['persistent', 'exactly_once'],
])('standby replicas, %s store, %s', (kind, guarantee) => {
  /**
   * A owns 0_0 and counts 200 records; B joins; both run with `standbys` standby replicas. Before
   * A closes, B's standby copy (if any) has followed the whole changelog and is then held back
   * (its fetches hang) while A counts 50 more records of half the keys, so that the tail B must
   * restore is not empty and the other keys' counts are only in what the standby copy holds. A
   * closes; B takes 0_0 over and counts 100 more of every key.
   */
  async function handOver(standbys: 0 | 1) {
    const w = (world = new FakeWorld({ input: 1, output: 1 }));
    const a = recordingListener();
    const b = recordingListener();
    const config = { processingGuarantee: guarantee, numStandbyReplicas: standbys } as const;
    const runA = w.start(countTopology(kind), { ...config, stateRestoreListener: a.listener });
    await waitForState(runA, 'RUNNING');
    w.produce('input', input(200, 0));
    await waitAllCommitted(w);

    const runB = w.start(countTopology(kind), { ...config, stateRestoreListener: b.listener });
    await waitForState(runB, 'RUNNING');
    await vi.waitFor(() => expect(runA.app.metrics().tasks).toEqual(['0_0']), { timeout: 5_000, interval: 5 });
    expect(runB.app.metrics().tasks).toEqual([]);

    let caughtUpAt: bigint | undefined;
    const standbyTasks = manager(runB).standbys;
    if (standbys === 1) {
      // B keeps a standby of 0_0 that follows the changelog to its end (every record A wrote).
      expect(standbyTasks).toBeDefined();
      const end = changelogEnd(w);
      await vi.waitFor(() => expect(standbyPosition(standbyTasks!)).toBe(end), { timeout: 5_000, interval: 5 });
      expect(standbyTasks!.ids()).toEqual(['0_0']);
      expect(runB.app.metrics().standbyTasks).toEqual(['0_0']);
      expect(standbyTasks!.warm()).toEqual(['0_0']);
      caughtUpAt = end;
    } else {
      expect(standbyTasks).toBeUndefined();
    }
    // Its next fetch of the changelog hangs: what A writes from now on is a tail B's copy lacks.
    if (standbys === 1) w.cluster.hang('fetch', 3_000, { topic: CHANGELOG });
    w.produce('input', input(50, 200, KEYS / 2));
    await waitAllCommitted(w);
    if (standbys === 1) expect(standbyPosition(standbyTasks!)).toBe(caughtUpAt);

    // A leaves the group at once (a clean close): B takes 0_0 over, restores and counts on.
    const endBeforeHandOver = changelogEnd(w);
    await runA.app.close();
    await vi.waitFor(() => expect(runB.app.metrics().tasks).toEqual(['0_0']), { timeout: 5_000, interval: 5 });
    await waitForState(runB, 'RUNNING');
    w.produce('input', input(100, 250));
    await waitAllCommitted(w);

    // Per key the counts run 1..n over A's and B's outputs: B's store went on from A's.
    const counts = countsByKey(w);
    expect(counts.size).toBe(KEYS);
    for (const [key, list] of counts) {
      const n = Number(key.slice(1)) < KEYS / 2 ? 40 : 30;
      expect(list, key).toEqual(Array.from({ length: n }, (_, i) => i + 1));
    }

    const restoresOfB = b.starts.filter((s) => s.topic === CHANGELOG && s.partition === 0);
    expect(restoresOfB).toHaveLength(1);
    return { restore: restoresOfB[0]!, restoredRecords: b.restored, caughtUpAt, endBeforeHandOver, logB: runB.logger.lines.map((l) => l.message) };
  }

  it('B keeps a standby that follows the changelog; when A leaves, B takes it over and restores only the tail', async () => {
    const { restore, restoredRecords, caughtUpAt, endBeforeHandOver, logB } = await handOver(1);
    expect(logB).toContain("task 0_0 takes over its standby copy's stores");
    // The restore starts where the standby stood (near the end), not at 0, and reads only the 50
    // records A counted after it (the changelog's end moved past them: markers under exactly_once).
    expect(restore.start).toBe(caughtUpAt);
    expect(restore.start).toBeGreaterThanOrEqual(200n);
    expect(restore.end).toBe(endBeforeHandOver);
    expect(restoredRecords).toEqual([50]);
  });

  it('without a standby the same hand-over restores the whole changelog from 0', async () => {
    const { restore, restoredRecords, endBeforeHandOver, logB } = await handOver(0);
    expect(logB.some((m) => m.includes('standby'))).toBe(false);
    expect(restore.start).toBe(0n);
    expect(restore.end).toBe(endBeforeHandOver);
    expect(restoredRecords).toEqual([250]);
  });
});

describe('standby replicas, persistent store: checkpoints', () => {
  /** The checkpoint file of task `taskId`'s store in a state folder. */
  const checkpointFile = (dir: string, taskId: string) => join(dir, taskId, `${STORE}.checkpoint`);

  // Found by this test: commitDue() was false while no active task had anything to commit, so a
  // member that keeps only standby copies never checkpointed them, and after a crash it followed the
  // whole changelog again.
  it('a member that keeps only standby copies checkpoints them as it commits', async () => {
    const w = (world = new FakeWorld({ input: 1, output: 1 }));
    const config = { processingGuarantee: 'at_least_once', numStandbyReplicas: 1 } as const;
    const runA = w.start(countTopology('persistent'), { ...config, stateDir: stateDir() });
    await waitForState(runA, 'RUNNING');
    w.produce('input', input(200, 0));
    await waitAllCommitted(w);
    const dirB = stateDir();
    const runB = w.start(countTopology('persistent'), { ...config, stateDir: dirB });
    await waitForState(runB, 'RUNNING');
    const standbys = manager(runB).standbys!;
    await vi.waitFor(() => expect(standbyPosition(standbys)).toBe(changelogEnd(w)), { timeout: 2_000, interval: 5 });
    // The commit interval is 30 ms: a few of them later the copy's position is on disk.
    await vi.waitFor(() => expect(existsSync(checkpointFile(dirB, '0_0'))).toBe(true), { timeout: 1_000, interval: 5 });
  });

  // Found by this test: the standby copy's checkpoint file stayed on disk when take() handed the
  // store to the active task. Under exactly_once an active task's persistent store must leave no
  // checkpoint behind (LmdbKeyValueStore.init deletes it; it is written again only at a clean
  // close): after a crash the store holds writes of an aborted transaction past the checkpoint,
  // and a restore from that checkpoint would keep them.
  /**
   * Exactly-once, two partitions: A owns 0_0, B owns 0_1 (B's commits checkpoint its standby copy
   * of 0_0, if it keeps one). A closes; B takes 0_0 over and processes it. Returns B's state folder.
   */
  async function takeOverWhileBRuns(standbys: 0 | 1): Promise<{ dirB: string; runB: FakeAppRun }> {
    const w = (world = new FakeWorld({ input: 2, output: 2 }));
    const config = { processingGuarantee: 'exactly_once', numStandbyReplicas: standbys } as const;
    const runA = w.start(countTopology('persistent'), { ...config, stateDir: stateDir() });
    await waitForState(runA, 'RUNNING');
    const dirB = stateDir();
    const runB = w.start(countTopology('persistent'), { ...config, stateDir: dirB });
    await vi.waitFor(() => expect([runA.app.metrics().tasks, runB.app.metrics().tasks, runB.app.state]).toEqual([['0_0'], ['0_1'], 'RUNNING']), { timeout: 5_000, interval: 5 });
    w.produce('input', input(200, 0));
    await waitAllCommitted(w);
    if (standbys === 1) {
      // Once the copy holds all of 0_0's changelog, B's next commits (it processes 0_1) checkpoint it.
      await vi.waitFor(() => expect(standbyPosition(manager(runB).standbys!)).toBe(changelogEnd(w)), { timeout: 2_000, interval: 5 });
      w.produce('input', input(50, 200));
      await waitAllCommitted(w);
      await vi.waitFor(() => expect(existsSync(checkpointFile(dirB, '0_0'))).toBe(true), { timeout: 2_000, interval: 5 });
    }
    await runA.app.close();
    await vi.waitFor(() => expect([...runB.app.metrics().tasks].sort()).toEqual(['0_0', '0_1']), { timeout: 5_000, interval: 5 });
    w.produce('input', input(50, 250));
    await waitAllCommitted(w);
    expect(existsSync(join(dirB, '0_0'))).toBe(true);
    return { dirB, runB };
  }

  // Found by this test: the standby copy's checkpoint file stayed on disk when take() handed the
  // store to the active task. Under exactly_once an active task's persistent store must leave no
  // checkpoint behind (LmdbKeyValueStore.init deletes it; it is written again only at a clean
  // close): after a crash the store holds writes of an aborted transaction past the checkpoint,
  // and a restore from that checkpoint would keep them.
  it('exactly_once: a standby copy taken over by the active task leaves no checkpoint on disk while the task runs', async () => {
    const { dirB, runB } = await takeOverWhileBRuns(1);
    expect(runB.logger.lines.map((l) => l.message)).toContain("task 0_0 takes over its standby copy's stores");
    expect(existsSync(checkpointFile(dirB, '0_0'))).toBe(false);
  }, 15_000);

  it('exactly_once: without a standby, the task opened on the new owner keeps no checkpoint while it runs (the invariant above)', async () => {
    const { dirB } = await takeOverWhileBRuns(0);
    expect(existsSync(checkpointFile(dirB, '0_0'))).toBe(false);
  }, 15_000);
});
