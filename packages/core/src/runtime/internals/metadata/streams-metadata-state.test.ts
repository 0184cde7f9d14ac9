import { serdes } from '@rivulet/serde';
import { describe, expect, it } from 'vitest';
import { partitionForKey } from '../../../client/partitioner.js';
import { Stores } from '../../../state/stores.js';
import { Topology } from '../../../topology/topology.js';
import { KeyQueryMetadata } from '../../streams-metadata.js';
import { keyQueryMetadata, metadataForStore, serializeQueryKey, StreamsMetadataState } from './streams-metadata-state.js';

/**
 * Two sub-topologies: `orders` (4 partitions) -> store `totals`; `clicks` (2 partitions) -> store
 * `visits`; and a global store `rates`.
 */
function topology(): Topology {
  const noop = () => ({ process: () => undefined });
  return new Topology()
    .addSource('orders', 'orders', { key: serdes.string(), value: serdes.string() })
    .addProcessor('sum', noop, 'orders')
    .addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore('totals'), serdes.string(), serdes.int64()), 'sum')
    .addSource('clicks', 'clicks', { key: serdes.string(), value: serdes.string() })
    .addProcessor('visit', noop, 'clicks')
    .addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore('visits'), serdes.string(), serdes.int64()), 'visit')
    .addGlobalStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore('rates'), serdes.string(), serdes.string()), 'rates-source', 'rates', { key: serdes.string(), value: serdes.string() }, 'rates-updater', noop);
}

function state(server: string | undefined = 'a:1'): StreamsMetadataState {
  const t = topology();
  const counts = new Map([
    ['orders', 4],
    ['clicks', 2],
  ]);
  return new StreamsMetadataState(() => t, () => (name) => name, () => counts, () => server);
}

const HOSTS = [
  { server: 'b:2', tasks: ['0_1', '0_3', '1_1'], standbys: ['0_0', '0_2', '1_0'] },
  { server: 'a:1', tasks: ['0_0', '0_2', '1_0'], standbys: ['0_1', '0_3', '1_1'] },
];

describe('StreamsMetadataState', () => {
  it('knows nothing before the first assignment', () => {
    expect(state().snapshot()).toBeUndefined();
  });

  it("builds each host's stores and input partitions from its tasks; every host holds the global stores", () => {
    const s = state();
    s.onAssignment(HOSTS);
    const snapshot = s.snapshot()!;
    expect(snapshot.hosts).toEqual([
      {
        hostInfo: { host: 'a', port: 1 },
        stateStoreNames: ['rates', 'totals', 'visits'],
        topicPartitions: [
          { topic: 'clicks', partition: 0 },
          { topic: 'orders', partition: 0 },
          { topic: 'orders', partition: 2 },
        ],
        standbyStateStoreNames: ['totals', 'visits'],
        standbyTopicPartitions: [
          { topic: 'clicks', partition: 1 },
          { topic: 'orders', partition: 1 },
          { topic: 'orders', partition: 3 },
        ],
      },
      expect.objectContaining({ hostInfo: { host: 'b', port: 2 }, stateStoreNames: ['rates', 'totals', 'visits'] }),
    ]);
    expect(snapshot.localHost).toEqual({ host: 'a', port: 1 });
    expect(metadataForStore(snapshot, 'totals').map((m) => m.hostInfo.port)).toEqual([1, 2]);
    expect(metadataForStore(snapshot, 'rates')).toHaveLength(2);
  });

  it('is rebuilt by every assignment: a host gone is gone', () => {
    const s = state();
    s.onAssignment(HOSTS);
    expect(s.snapshot()!.hosts).toHaveLength(2);
    s.onAssignment([{ server: 'a:1', tasks: ['0_0', '0_1', '0_2', '0_3', '1_0', '1_1'], standbys: [] }]);
    const snapshot = s.snapshot()!;
    expect(snapshot.hosts.map((h) => h.hostInfo)).toEqual([{ host: 'a', port: 1 }]);
    expect(keyQueryMetadata(snapshot, 'totals', Buffer.from('any'))).toMatchObject({ activeHost: { host: 'a', port: 1 }, standbyHosts: [] });
    // A leader that sends no hosts: nobody is known.
    s.onAssignment(undefined);
    expect(s.snapshot()!.hosts).toEqual([]);
  });

  it("places a key by Kafka's default partitioner over the store's task count: the active host runs that task, the standby host keeps its copy", () => {
    const s = state();
    s.onAssignment(HOSTS);
    const snapshot = s.snapshot()!;
    for (const key of ['alice', 'bob', 'carol', 'dave', 'erin', 'frank']) {
      const bytes = serializeQueryKey(serdes.string(), key, 'orders', 'totals');
      const partition = partitionForKey(Buffer.from(key), 4);
      const owner = partition % 2 === 0 ? { host: 'a', port: 1 } : { host: 'b', port: 2 };
      const other = partition % 2 === 0 ? { host: 'b', port: 2 } : { host: 'a', port: 1 };
      expect(keyQueryMetadata(snapshot, 'totals', bytes), key).toEqual({ activeHost: owner, standbyHosts: [other], partition });
      // The other store has 2 tasks: its own partition count.
      expect(keyQueryMetadata(snapshot, 'visits', bytes).partition, key).toBe(partitionForKey(Buffer.from(key), 2));
    }
  });

  it('places a key by a custom partitioner when given one, and refuses a partition out of range', () => {
    const s = state();
    s.onAssignment(HOSTS);
    const snapshot = s.snapshot()!;
    const seen: unknown[] = [];
    const byLength = (args: { topic: string; key: Buffer | null; value: Buffer | null; partitionCount: number }) => {
      seen.push({ topic: args.topic, value: args.value, partitionCount: args.partitionCount });
      return args.key!.length % args.partitionCount;
    };
    expect(keyQueryMetadata(snapshot, 'totals', Buffer.from('abc'), byLength)).toEqual({ activeHost: { host: 'b', port: 2 }, standbyHosts: [{ host: 'a', port: 1 }], partition: 3 });
    expect(seen).toEqual([{ topic: 'orders', value: null, partitionCount: 4 }]);
    expect(() => keyQueryMetadata(snapshot, 'totals', Buffer.from('abc'), () => 4)).toThrow(RangeError);
  });

  it('answers the unavailable host for a partition no host with an applicationServer runs', () => {
    const s = state();
    s.onAssignment([{ server: 'a:1', tasks: ['0_0'], standbys: [] }]);
    const key = ['k1', 'k2', 'k3', 'k4', 'k5', 'k6'].find((k) => partitionForKey(Buffer.from(k), 4) !== 0)!;
    const where = keyQueryMetadata(s.snapshot()!, 'totals', Buffer.from(key));
    expect(where.activeHost).toEqual({ host: 'unavailable', port: -1 });
    expect(where.partition).toBe(partitionForKey(Buffer.from(key), 4));
  });

  it('answers a global store with this host (or the first one) and partition -1', () => {
    const s = state();
    s.onAssignment(HOSTS);
    expect(keyQueryMetadata(s.snapshot()!, 'rates', Buffer.from('EUR'))).toEqual({ activeHost: { host: 'a', port: 1 }, standbyHosts: [], partition: -1 });
    const serverless = state(undefined);
    serverless.onAssignment(HOSTS);
    expect(keyQueryMetadata(serverless.snapshot()!, 'rates', Buffer.from('EUR')).activeHost).toEqual({ host: 'a', port: 1 });
  });

  it('names an unknown store, and a serde that answers with a Promise', () => {
    const s = state();
    expect(() => s.assertStore('nope')).toThrow("the topology has no state store named 'nope'");
    s.onAssignment(HOSTS);
    expect(() => keyQueryMetadata(s.snapshot()!, 'toString', Buffer.from('x'))).toThrow("no state store named 'toString'");
    expect(() => metadataForStore(s.snapshot()!, 'nope')).toThrow("no state store named 'nope'");
    const asyncSerde = { name: 'registry-avro', serialize: () => Promise.resolve(Buffer.from('x')), deserialize: () => 'x' };
    expect(() => serializeQueryKey(asyncSerde, 'k', 'orders', 'totals')).toThrow(/key serde 'registry-avro' answered asynchronously.*Fix: serialize the key first/);
  });

  it('NOT_AVAILABLE is one frozen constant with the unknown host', () => {
    expect(KeyQueryMetadata.NOT_AVAILABLE).toEqual({ activeHost: { host: 'unavailable', port: -1 }, standbyHosts: [], partition: -1 });
    expect(Object.isFrozen(KeyQueryMetadata.NOT_AVAILABLE)).toBe(true);
  });
});
