import { serdes } from '@rivulet/serde';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { countingTopology } from '../../test/support/topologies.js';
import { partitionForKey } from '../client/partitioner.js';
import { FakeWorld, waitAllCommitted, type FakeAppRun } from './test-support/fake-app.js';
import { KeyQueryMetadata, type HostInfo, type KeyQueryMetadata as Where } from './streams-metadata.js';
import type { StreamsAppState } from './streams-app.js';
import { UnknownStateStoreError } from '../state/unknown-state-store-error.js';

/**
 * Interactive queries across instances on the fake Kafka: two members of one group, each with its
 * applicationServer, learn each other's hosts and tasks from the assignment; after one leaves, the
 * survivor's metadata points at itself.
 */

const KEYS = Array.from({ length: 24 }, (_, i) => `key-${i}`);
const A: HostInfo = { host: 'instance-a', port: 7001 };
const B: HostInfo = { host: 'instance-b', port: 7002 };

let world: FakeWorld;
afterEach(async () => {
  await world.dispose();
});

function start(server: HostInfo, extra: Record<string, unknown> = {}): FakeAppRun {
  return world.start(countingTopology('input', 'copies', 'counts'), { applicationServer: `${server.host}:${server.port}`, numStandbyReplicas: 1, ...extra });
}

const where = (run: FakeAppRun, key: string): Where => run.app.queryMetadataForKey('counts', key, serdes.string());
const count = (run: FakeAppRun, key: string): bigint | undefined => run.app.store<string, bigint>('counts').get(key);

describe('StreamsApp interactive queries across instances', { timeout: 20_000 }, () => {
  it('every instance knows which instance holds each key, before and after a rebalance', async () => {
    world = new FakeWorld({ input: 4, copies: 4, counts: 4 });
    const a = start(A);
    // Before the app runs there is nothing to say, but a wrong store name is still an error.
    expect(where(a, 'key-0')).toBe(KeyQueryMetadata.NOT_AVAILABLE);
    expect(a.app.allMetadataForStore('counts')).toEqual([]);
    expect(() => a.app.queryMetadataForKey('no-such-store', 'k', serdes.string())).toThrow(UnknownStateStoreError);
    expect(() => a.app.queryMetadataForKey('count', 'k', serdes.string())).toThrow("the topology has no state store named 'count' (did you mean 'counts'?)");
    expect(() => a.app.allMetadataForStore('no-such-store')).toThrow("no state store named 'no-such-store'");
    expect(await a.started).toEqual({ ok: true });
    const b = start(B);
    expect(await b.started).toEqual({ ok: true });
    world.produce('input', KEYS.map((k) => `${k}:x`));
    await waitAllCommitted(world);
    await vi.waitFor(() => {
      expect([a.app.state, b.app.state]).toEqual(['RUNNING', 'RUNNING']);
      expect(a.app.metadataForAllStreamsClients().map((m) => m.hostInfo)).toEqual([A, B]);
      expect(b.app.metadataForAllStreamsClients().map((m) => m.hostInfo)).toEqual([A, B]);
    });

    // Both instances hold tasks, and each tells the same: the partition, the active host (the one
    // whose local store has the key) and the standby host (the other one).
    expect(a.app.metrics().tasks.length).toBeGreaterThan(0);
    expect(b.app.metrics().tasks.length).toBeGreaterThan(0);
    for (const key of KEYS) {
      const fromA = where(a, key);
      expect(where(b, key), key).toEqual(fromA);
      expect(fromA.partition, key).toBe(partitionForKey(Buffer.from(key), 4));
      const [owner, other] = fromA.activeHost.port === A.port ? [a, b] : [b, a];
      expect(count(owner, key), key).toBe(1n);
      expect(count(other, key), key).toBeUndefined();
      expect(fromA.standbyHosts, key).toEqual([fromA.activeHost.port === A.port ? B : A]);
    }
    // Each instance's metadata lists the input partitions of the tasks it runs.
    const partitionsOf = (run: FakeAppRun) => run.app.metrics().tasks.map((t) => Number(t.split('_')[1])).sort();
    for (const [run, host] of [
      [a, A],
      [b, B],
    ] as const) {
      const mine = a.app.allMetadataForStore('counts').find((m) => m.hostInfo.port === host.port)!;
      expect(mine.topicPartitions.map((tp) => tp.partition)).toEqual(partitionsOf(run));
      expect(mine.topicPartitions.every((tp) => tp.topic === 'input')).toBe(true);
      expect(mine.stateStoreNames).toEqual(['counts']);
      expect(mine.standbyTopicPartitions.map((tp) => tp.partition)).toEqual(partitionsOf(run === a ? b : a));
    }

    // A rebalance (b leaves): while a rebalances it says NOT_AVAILABLE; then every key is a's.
    const duringRebalance: Where[] = [];
    a.app.state$.subscribe((s: StreamsAppState) => {
      if (s === 'REBALANCING') duringRebalance.push(where(a, 'key-1'));
    });
    await b.app.close();
    await vi.waitFor(() => {
      expect(a.app.state).toBe('RUNNING');
      expect(a.app.metrics().tasks).toHaveLength(4);
      expect(a.app.metadataForAllStreamsClients().map((m) => m.hostInfo)).toEqual([A]);
    });
    expect(duringRebalance.length).toBeGreaterThan(0);
    expect(duringRebalance.every((m) => m === KeyQueryMetadata.NOT_AVAILABLE)).toBe(true);
    for (const key of KEYS) {
      expect(where(a, key), key).toEqual({ activeHost: A, standbyHosts: [], partition: partitionForKey(Buffer.from(key), 4) });
      expect(count(a, key), key).toBe(1n);
    }
    expect(a.app.allMetadataForStore('counts').map((m) => m.topicPartitions.length)).toEqual([4]);
    await a.app.close();
    expect(where(a, 'key-1')).toBe(KeyQueryMetadata.NOT_AVAILABLE);
    expect(a.app.metadataForAllStreamsClients()).toEqual([]);
  });

  it("an instance without an applicationServer still learns the others' hosts; its own tasks have no host", async () => {
    world = new FakeWorld({ input: 2, copies: 2, counts: 2 });
    const a = start(A);
    expect(await a.started).toEqual({ ok: true });
    const anonymous = world.start(countingTopology('input', 'copies', 'counts'), {});
    expect(await anonymous.started).toEqual({ ok: true });
    await vi.waitFor(() => {
      expect([a.app.state, anonymous.app.state]).toEqual(['RUNNING', 'RUNNING']);
      expect(anonymous.app.metrics().tasks).toHaveLength(1);
      expect(a.app.metrics().tasks).toHaveLength(1);
    });
    const hosts = anonymous.app.metadataForAllStreamsClients();
    expect(hosts.map((m) => m.hostInfo)).toEqual([A]);
    expect(hosts[0]!.topicPartitions.map((tp) => tp.partition)).toEqual(a.app.metrics().tasks.map((t) => Number(t.split('_')[1])));
    const mineKey = KEYS.find((k) => `0_${partitionForKey(Buffer.from(k), 2)}` === anonymous.app.metrics().tasks[0])!;
    expect(where(anonymous, mineKey).activeHost).toEqual({ host: 'unavailable', port: -1 });
  });
});
