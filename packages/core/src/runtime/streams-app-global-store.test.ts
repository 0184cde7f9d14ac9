import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serdes, type Serde } from '@rivulet/serde';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { connectionRefused } from '../client/internals/fake/fake-errors.js';
import { FakeKafkaClient } from '../client/internals/fake/fake-kafka-client.js';
import type { ProcessorContext } from '../processor/processor-context.js';
import type { ProcessorSupplier } from '../processor/processor.js';
import type { KeyValueStore } from '../state/key-value-store.js';
import { Stores } from '../state/stores.js';
import { TaskTimeoutError } from '../errors/streams-error.js';
import { TopologyError } from '../errors/topology-error.js';
import { Topology } from '../topology/topology.js';
import { FakeWorld, sorted, waitAllCommitted, type FakeAppRun } from './test-support/fake-app.js';

/**
 * Global stores (Topology.addGlobalStore, Kafka Streams' GlobalStreamThread) in the StreamsApp, on
 * the fake Kafka client: loaded from every partition before RUNNING, kept up to date while the
 * app runs, read by every task without a connection, queryable; failures classified as everywhere.
 */

let world: FakeWorld;
afterEach(async () => world.dispose());

const str = serdes.string();

/** A string serde that cannot read the value `poison`. */
const picky: Serde<string> = {
  name: 'picky-string',
  serialize: (_topic, value) => Buffer.from(value),
  deserialize: (_topic, data) => {
    if (data.toString() === 'poison') throw new Error('cannot read poison');
    return data.toString();
  },
};

/** The global store's update processor: puts, and deletes on a null value. */
const updater: ProcessorSupplier<string, string | null, void, void> = () => {
  let store!: KeyValueStore<string, string>;
  return {
    init: (ctx) => void (store = ctx.getStateStore<KeyValueStore<string, string>>('names')),
    process: (r) => (r.value === null ? store.delete(r.key) : store.put(r.key, r.value)),
  };
};

/** input (value: a key of the global table) -> `<value>=<name>` or `<value>=?` -> output; the global store `names` from `names-topic`. */
function topology(valueSerde: Serde<string> = str, persistent = false): Topology {
  const lookup: ProcessorSupplier<string, string, string, string> = () => {
    let ctx!: ProcessorContext<string, string>;
    let names!: KeyValueStore<string, string>;
    return {
      init: (context) => {
        ctx = context;
        // Not connected to the store: a global store is readable by every processor.
        names = context.getStateStore<KeyValueStore<string, string>>('names');
      },
      process: (r) => ctx.forward(r.withValue(`${r.value}=${names.get(r.value) ?? '?'}`)),
    };
  };
  return new Topology()
    .addGlobalStore(Stores.keyValueStoreBuilder(persistent ? Stores.persistentKeyValueStore('names') : Stores.inMemoryKeyValueStore('names'), str, str), 'names-source', 'names-topic', { key: str, value: valueSerde }, 'names-updater', updater)
    .addSource('in', 'input', { key: str, value: str })
    .addProcessor('lookup', lookup as ProcessorSupplier<unknown, unknown, unknown, unknown>, 'in')
    .addSink('out', 'output', { key: str, value: str }, 'lookup');
}

/** `n` records `n<i>:Name<i>` over the partitions of names-topic. */
function names(n: number, partitions = 4): { key: string; value: string; partition: number }[] {
  return Array.from({ length: n }, (_, i) => ({ key: `n${i}`, value: `Name${i}`, partition: i % partitions }));
}

/** What the global store holds at the moment the app says RUNNING. */
function entriesAtRunning(run: FakeAppRun): () => number | undefined {
  let seen: number | undefined;
  run.app.state$.subscribe((s) => {
    if (s === 'RUNNING' && seen === undefined) seen = run.app.store<string, string>('names', { staleReads: true }).approximateNumEntries();
  });
  return () => seen;
}

describe('StreamsApp: global stores', { timeout: 15_000 }, () => {
  for (const guarantee of ['at_least_once', 'exactly_once'] as const) {
    it(`loads the store from every partition before RUNNING, then follows updates and tombstones (${guarantee})`, async () => {
      world = new FakeWorld({ 'names-topic': 4, input: 2, output: 2 });
      world.cluster.produce('names-topic', names(200));
      const run = world.start(topology(), { processingGuarantee: guarantee });
      const atRunning = entriesAtRunning(run);
      expect(await run.started).toEqual({ ok: true });
      expect(atRunning()).toBe(200);
      expect(run.app.metrics().recordsRestored).toBe(200);
      const store = run.app.store<string, string>('names');
      expect(store.get('n7')).toBe('Name7');
      // No task reads the global topic, and the global store has no changelog.
      expect([...run.app.metrics().tasks].sort()).toEqual(['0_0', '0_1']);
      expect(world.cluster.partitionCounts(['app-names-changelog']).size).toBe(0);

      world.produce('input', ['a:n1', 'b:n2', 'c:n999']);
      await waitAllCommitted(world);
      expect(sorted(world.values('output'))).toEqual(['a:n1=Name1', 'b:n2=Name2', 'c:n999=?']);

      world.cluster.produce('names-topic', [
        { key: 'n1', value: 'Renamed', partition: 1 },
        { key: 'n2', value: null, partition: 2 },
      ]);
      await vi.waitFor(() => expect([store.get('n1'), store.get('n2')]).toEqual(['Renamed', undefined]), { timeout: 5_000, interval: 5 });
      world.produce('input', ['d:n1', 'e:n2']);
      await waitAllCommitted(world);
      expect(sorted(world.values('output'))).toEqual(['a:n1=Name1', 'b:n2=Name2', 'c:n999=?', 'd:n1=Renamed', 'e:n2=?']);
    });
  }

  it('a persistent (lmdb) global store loads and follows its topic the same', async () => {
    world = new FakeWorld({ 'names-topic': 3, input: 1, output: 1 });
    world.cluster.produce('names-topic', names(30, 3));
    const run = world.start(topology(str, true));
    const atRunning = entriesAtRunning(run);
    expect(await run.started).toEqual({ ok: true });
    expect(atRunning()).toBe(30);
    world.cluster.produce('names-topic', [{ key: 'n5', value: null, partition: 2 }]);
    const store = run.app.store<string, string>('names');
    await vi.waitFor(() => expect(store.get('n5')).toBeUndefined(), { timeout: 5_000, interval: 5 });
    expect([store.get('n4'), store.approximateNumEntries()]).toEqual(['Name4', 29]);
  });

  it('a persistent global store keeps no checkpoint: a restart on the same stateDir reads its topic again from the beginning', async () => {
    world = new FakeWorld({ 'names-topic': 2, input: 1, output: 1 });
    const stateDir = mkdtempSync(join(tmpdir(), 'rivulet-global-'));
    try {
      world.cluster.produce('names-topic', names(10, 2));
      const first = world.start(topology(str, true), { stateDir });
      expect(await first.started).toEqual({ ok: true });
      await first.app.close();
      world.cluster.produce('names-topic', [
        { key: 'n1', value: 'Later', partition: 1 },
        { key: 'n2', value: null, partition: 0 },
      ]);
      const second = world.start(topology(str, true), { stateDir });
      expect(await second.started).toEqual({ ok: true });
      const store = second.app.store<string, string>('names');
      expect([store.get('n1'), store.get('n2'), store.get('n3'), store.approximateNumEntries()]).toEqual(['Later', undefined, 'Name3', 9]);
      expect(second.app.metrics().recordsRestored).toBe(12);
    } finally {
      rmSync(stateDir, { recursive: true, force: true });
    }
  });

  it('under exactly_once reads the global topic read_committed: aborted records never reach the store', async () => {
    world = new FakeWorld({ 'names-topic': 2, input: 1, output: 1 });
    world.cluster.produce('names-topic', names(10, 2));
    // A transaction written to the global topic and aborted.
    const producer = new FakeKafkaClient(world.cluster).producer({
      transactionalId: 'writer',
      idempotent: true,
      acks: -1,
      retries: 0,
      maxInFlightRequests: 1,
      compression: 'none',
      transactionTimeoutMs: 10_000,
    });
    await producer.connect();
    const tx = await producer.beginTransaction();
    await tx.send([{ topic: 'names-topic', partition: 1, key: Buffer.from('n1'), value: Buffer.from('Aborted'), timestamp: Date.now(), headers: undefined }]);
    await tx.abort();
    await producer.disconnect();
    expect(world.values('names-topic', false)).toContain('n1:Aborted');
    const run = world.start(topology(), { processingGuarantee: 'exactly_once' });
    expect(await run.started).toEqual({ ok: true });
    expect(run.app.store<string, string>('names').get('n1')).toBe('Name1');
  });

  it('queries on a loading store throw InvalidStateStoreError, unless stale reads are asked for', async () => {
    world = new FakeWorld({ 'names-topic': 1, input: 1, output: 1 });
    world.cluster.produce('names-topic', names(5, 1));
    // The reader's fetches fail for a while: the load cannot finish.
    world.cluster.failNext('fetch', connectionRefused, { topic: 'names-topic', times: 1_000_000 });
    const run = world.start(topology(), { taskTimeoutMs: 60_000 });
    await vi.waitFor(() => expect(run.errors.some((e) => /global stores/.test(e.message))).toBe(true), { timeout: 5_000, interval: 5 });
    expect(run.app.state).toBe('REBALANCING');
    expect(() => run.app.store('names').get('n1')).toThrow(/is loading/);
    expect(run.app.store('names', { staleReads: true }).get('n1')).toBeUndefined();
  });

  it('retries retriable failures of the load with backoff, and is RUNNING once loaded', async () => {
    world = new FakeWorld({ 'names-topic': 2, input: 1, output: 1 });
    world.cluster.produce('names-topic', names(20, 2));
    world.cluster.failNext('offsetRange', connectionRefused, { topic: 'names-topic', times: 3 });
    const run = world.start(topology());
    const atRunning = entriesAtRunning(run);
    expect(await run.started).toEqual({ ok: true });
    expect(atRunning()).toBe(20);
    const retried = run.errors.filter((e) => /^global stores/.test(e.message));
    expect(retried).toHaveLength(3);
    expect(retried.every((e) => e.category === 'retriable' && e.action === 'retrying')).toBe(true);
  });

  it('a reader that fails while the app runs is made again from where the store is, and the app stays RUNNING', async () => {
    world = new FakeWorld({ 'names-topic': 2, input: 1, output: 1 });
    world.cluster.produce('names-topic', names(6, 2));
    const run = world.start(topology());
    expect(await run.started).toEqual({ ok: true });
    world.cluster.failNext('fetch', connectionRefused, { topic: 'names-topic', times: 5 });
    world.cluster.produce('names-topic', [{ key: 'n0', value: 'After', partition: 0 }]);
    const store = run.app.store<string, string>('names');
    await vi.waitFor(() => expect(store.get('n0')).toBe('After'), { timeout: 5_000, interval: 5 });
    expect(run.errors.filter((e) => /^global stores/.test(e.message)).length).toBeGreaterThan(0);
    expect(run.errors.every((e) => e.category === 'retriable')).toBe(true);
    expect(store.approximateNumEntries()).toBe(6);
    expect(run.app.state).toBe('RUNNING');
  });

  it('close() while the store loads ends start() and the app in NOT_RUNNING', async () => {
    world = new FakeWorld({ 'names-topic': 1, input: 1, output: 1 });
    world.cluster.produce('names-topic', names(5, 1));
    world.cluster.failNext('fetch', connectionRefused, { topic: 'names-topic', times: 1_000_000 });
    const run = world.start(topology(), { taskTimeoutMs: 60_000 });
    await vi.waitFor(() => expect(run.errors.length).toBeGreaterThan(0), { timeout: 5_000, interval: 5 });
    await run.app.close();
    expect(run.app.state).toBe('NOT_RUNNING');
    await run.started;
    expect(run.states).not.toContain('RUNNING');
  });

  it('a load that keeps failing is fatal after taskTimeoutMs: start() rejects and the app ends in ERROR', async () => {
    world = new FakeWorld({ 'names-topic': 2, input: 1, output: 1 });
    world.cluster.failNext('offsetRange', connectionRefused, { topic: 'names-topic', times: 1_000_000 });
    const run = world.start(topology(), { taskTimeoutMs: 300 });
    const outcome = await run.started;
    expect(outcome.ok).toBe(false);
    expect(!outcome.ok && outcome.error).toBeInstanceOf(TaskTimeoutError);
    expect(run.app.state).toBe('ERROR');
    expect(run.states).not.toContain('RUNNING');
  });

  it('a missing global topic fails the start', async () => {
    world = new FakeWorld({ input: 1, output: 1 });
    const run = world.start(topology());
    const outcome = await run.started;
    expect(!outcome.ok && outcome.error).toBeInstanceOf(TopologyError);
    expect(!outcome.ok && outcome.error.message).toMatch(/global store topic 'names-topic' not found/);
    expect(run.app.state).toBe('ERROR');
  });

  it('a global record that cannot be read goes to the deserialization handler: log-and-continue skips and counts it', async () => {
    world = new FakeWorld({ 'names-topic': 2, input: 1, output: 1 });
    world.cluster.produce('names-topic', [...names(4, 2), { key: 'bad', value: 'poison', partition: 0 }, { key: 'n9', value: 'Name9', partition: 0 }]);
    const run = world.start(topology(picky), { deserializationExceptionHandler: 'log-and-continue' });
    expect(await run.started).toEqual({ ok: true });
    const store = run.app.store<string, string>('names');
    expect([store.get('bad'), store.get('n9'), store.approximateNumEntries()]).toEqual([undefined, 'Name9', 5]);
    expect(run.app.metrics().droppedRecordsByReason).toEqual({ 'deserialization-error': 1 });
  });

  it("a global record that cannot be read under the 'fail' handler is fatal: start() rejects", async () => {
    world = new FakeWorld({ 'names-topic': 1, input: 1, output: 1 });
    world.cluster.produce('names-topic', [{ key: 'bad', value: 'poison', partition: 0 }]);
    const run = world.start(topology(picky));
    const outcome = await run.started;
    expect(outcome.ok).toBe(false);
    expect(!outcome.ok && outcome.error.message).toMatch(/poison/);
    expect(run.app.state).toBe('ERROR');
  });

  it('a failure while running that retries cannot cure goes to the uncaught-exception handler; REPLACE_THREAD cannot replace the global reader', async () => {
    world = new FakeWorld({ 'names-topic': 1, input: 1, output: 1 });
    world.cluster.produce('names-topic', names(3, 1));
    const handler = vi.fn(() => 'REPLACE_THREAD' as const);
    const run = world.start(topology(picky), { uncaughtExceptionHandler: handler });
    expect(await run.started).toEqual({ ok: true });
    world.cluster.produce('names-topic', [{ key: 'bad', value: 'poison', partition: 0 }]);
    await vi.waitFor(() => expect(run.app.state).toBe('ERROR'), { timeout: 5_000, interval: 5 });
    expect(handler).toHaveBeenCalledTimes(1);
    expect(run.logger.aboveInfo().some((l) => /global store reader failed and cannot be replaced/.test(l.message))).toBe(true);
  });
});
