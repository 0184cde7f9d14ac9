import { serdes } from '@rivulet/serde';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ProcessingGuarantee } from '../config/streams-config.js';
import type { ProcessorContext } from '../processor/processor-context.js';
import type { ProcessorSupplier } from '../processor/processor.js';
import type { KeyValueStore } from '../state/key-value-store.js';
import { Stores } from '../state/stores.js';
import { Topology } from '../topology/topology.js';
import { FakeWorld, sorted, waitForState, type FakeAppRun } from './test-support/fake-app.js';

/**
 * Pattern subscriptions on the fake Kafka client: a topic created after start that a pattern
 * source matches is picked up at the next topic check (every metadataMaxAgeMs), as Kafka Streams'
 * metadata refresh does; one that does not match is ignored; one that breaks co-partitioning fails
 * as it does at start.
 */

let world: FakeWorld;
afterEach(async () => world.dispose());

/** /^orders-/ -> a running count per key (a changelogged store) -> `counts` as `key:<n>`. */
function countingPatternTopology(): Topology {
  const count: ProcessorSupplier<string, string, string, string> = () => {
    let ctx: ProcessorContext<string, string>;
    let store: KeyValueStore<string, bigint>;
    return {
      init: (context) => {
        ctx = context;
        store = context.getStateStore<KeyValueStore<string, bigint>>('counts');
      },
      process: (record) => {
        const next = (store.get(record.key) ?? 0n) + 1n;
        store.put(record.key, next);
        ctx.forward(record.withValue(`${record.value}#${next}`));
      },
    };
  };
  return new Topology()
    .addSource('orders', /^orders-/, { key: serdes.string(), value: serdes.string() })
    .addProcessor('counter', count, 'orders')
    .addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore('counts'), serdes.string(), serdes.int64()), 'counter')
    .addSink('out', 'counts', { key: serdes.string(), value: serdes.string() }, 'counter');
}

/** /^orders-/ -> each value upper-cased -> `upper`. */
function statelessPatternTopology(): Topology {
  const upper: ProcessorSupplier<string, string, string, string> = () => {
    let ctx: ProcessorContext<string, string>;
    return {
      init: (context) => {
        ctx = context;
      },
      process: (record) => ctx.forward(record.withValue(record.value.toUpperCase())),
    };
  };
  return new Topology()
    .addSource('orders', /^orders-/, { key: serdes.string(), value: serdes.string() })
    .addProcessor('upper', upper, 'orders')
    .addSink('out', 'upper', { key: serdes.string(), value: serdes.string() }, 'upper');
}

/** The end offsets of every non-empty partition of these topics: what the group has committed once all is processed. */
function endsOf(...topics: string[]): Map<string, string> {
  return new Map(topics.flatMap((t) => [...world.ends(t)]));
}

function infoLines(run: FakeAppRun): string[] {
  return run.logger.lines.filter((l) => l.level === 'info').map((l) => l.message);
}

describe.each<ProcessingGuarantee>(['at_least_once', 'exactly_once'])('pattern subscriptions under %s', (guarantee) => {
  it('picks up a matching topic created after start at the next check, keeps the state, and ignores one that does not match', async () => {
    world = new FakeWorld({ 'orders-a': 2, counts: 2 });
    world.produce('orders-a', ['a:a1', 'b:b1', 'a:a2']);
    const run = world.start(countingPatternTopology(), { processingGuarantee: guarantee, metadataMaxAgeMs: 100 });
    expect(await run.started).toEqual({ ok: true });
    await vi.waitFor(() => expect(sorted(world.values('counts'))).toEqual(['a:a1#1', 'a:a2#2', 'b:b1#1']), { timeout: 5_000, interval: 10 });

    world.cluster.createTopic('orders-b', 2);
    world.cluster.createTopic('payments', 2);
    world.produce('orders-b', ['a:a3', 'c:c1']);
    world.produce('payments', ['a:not-me']);
    await vi.waitFor(() => expect(infoLines(run)).toContain("pattern source 'orders' /^orders-/: topics added orders-b; re-subscribing"), { timeout: 5_000, interval: 10 });
    await vi.waitFor(() => expect(world.cluster.committedOffsets('app')).toEqual(endsOf('orders-a', 'orders-b')), { timeout: 5_000, interval: 10 });
    await waitForState(run, 'RUNNING');

    // Each record once, and the count of `a` goes on from the store as it was before the re-subscription.
    expect(sorted(world.values('counts'))).toEqual(['a:a1#1', 'a:a2#2', 'a:a3#3', 'b:b1#1', 'c:c1#1']);
    expect(run.app.metrics().tasks.slice().sort()).toEqual(['0_0', '0_1']);
    expect(run.logger.aboveInfo()).toEqual([]);
    expect(run.errors).toEqual([]);

    // Later records of the new topic flow without another re-subscription.
    world.produce('orders-b', ['c:c2']);
    await vi.waitFor(() => expect(world.values('counts')).toContain('c:c2#2'), { timeout: 5_000, interval: 10 });
    expect(infoLines(run).filter((l) => l.includes('re-subscribing'))).toHaveLength(1);
    // The app's counters count since it started, across the re-subscription.
    expect(run.app.metrics().recordsProcessed).toBe(6);
  });

  it('makes tasks for every partition number of the new topic', async () => {
    world = new FakeWorld({ 'orders-a': 1, upper: 1 });
    world.produce('orders-a', ['a:one']);
    const run = world.start(statelessPatternTopology(), { processingGuarantee: guarantee, metadataMaxAgeMs: 100 });
    expect(await run.started).toEqual({ ok: true });
    expect(run.app.metrics().tasks).toEqual(['0_0']);
    world.cluster.createTopic('orders-b', 3);
    world.cluster.produce('orders-b', [0, 1, 2].map((partition) => ({ key: `k${partition}`, value: `p${partition}`, partition })));
    await vi.waitFor(() => expect(world.cluster.committedOffsets('app')).toEqual(endsOf('orders-a', 'orders-b')), { timeout: 5_000, interval: 10 });
    await waitForState(run, 'RUNNING');
    expect(sorted(world.values('upper'))).toEqual(['a:ONE', 'k0:P0', 'k1:P1', 'k2:P2']);
    expect(run.app.metrics().tasks.slice().sort()).toEqual(['0_0', '0_1', '0_2']);
  });
});

describe('pattern subscriptions and co-partitioning', () => {
  it('fails the app at start when the matched topics are not co-partitioned', async () => {
    world = new FakeWorld({ 'orders-a': 2, 'orders-b': 3, counts: 2 });
    const outcome = await world.start(countingPatternTopology()).started;
    expect(outcome.ok).toBe(false);
    expect(outcome.ok ? '' : outcome.error.message).toMatch(/must be co-partitioned \(same partition count\): orders-a \(2\), orders-b \(3\)/);
  });

  it('fails the app when a topic created later breaks the co-partitioning, with the error of start', async () => {
    world = new FakeWorld({ 'orders-a': 2, counts: 2 });
    const run = world.start(countingPatternTopology(), { metadataMaxAgeMs: 100 });
    expect(await run.started).toEqual({ ok: true });
    world.cluster.createTopic('orders-b', 3);
    await waitForState(run, 'ERROR', 5_000);
    const fatal = run.errors.filter((e) => e.category === 'fatal');
    expect(fatal).toHaveLength(1);
    expect(fatal[0]!.message).toMatch(/must be co-partitioned \(same partition count\): orders-a \(2\), orders-b \(3\)/);
  });
});
