import { serdes } from '@rivulet/serde';
import { describe, expect, it } from 'vitest';
import { Stores } from '../state/stores.js';
import { Topology } from '../topology/topology.js';
import { planTopics, topicsToCreate } from './topic-plan.js';

const string = { key: serdes.string(), value: serdes.string() };

/** `orders` joined with `customers` in one store, written to `enriched`. */
function topology(): Topology {
  return new Topology()
    .addSource('o', 'orders', string)
    .addSource('c', 'customers', string)
    .addProcessor('join', () => ({ process: () => undefined }), 'o', 'c')
    .addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore('latest'), serdes.string(), serdes.string()), 'join')
    .addSink('out', 'enriched', string, 'join');
}

describe('planTopics', () => {
  it('sizes missing topics like the topics they are co-partitioned with, and the changelog as its sub-topology', async () => {
    const plan = await planTopics(topology(), { applicationId: 'app', existing: new Map([['orders', 6]]), defaultPartitions: 1, replicationFactor: 3 });
    expect(plan.problem).toBeUndefined();
    expect(plan.topics).toEqual([
      { topic: 'orders', role: 'source', partitions: 6, exists: true, configs: {} },
      { topic: 'customers', role: 'source', partitions: 6, exists: false, configs: {} },
      { topic: 'enriched', role: 'sink', partitions: 6, exists: false, configs: {} },
      { topic: 'app-latest-changelog', role: 'changelog', partitions: 6, exists: false, configs: { 'cleanup.policy': 'compact' } },
    ]);
    expect(plan.copartitionGroups).toEqual([['customers', 'orders']]);
    expect(topicsToCreate(plan, 3)).toEqual([
      { topic: 'customers', numPartitions: 6, replicationFactor: 3 },
      { topic: 'enriched', numPartitions: 6, replicationFactor: 3 },
      { topic: 'app-latest-changelog', numPartitions: 6, replicationFactor: 3, configs: { 'cleanup.policy': 'compact' } },
    ]);
  });

  it('uses --partitions where nothing else sizes a topic, and shows the configs of an existing internal topic', async () => {
    const plan = await planTopics(topology(), { applicationId: 'app', existing: new Map([['app-latest-changelog', 4]]), defaultPartitions: 4, replicationFactor: -1 });
    expect(plan.problem).toBeUndefined();
    expect(plan.topics.map((t) => [t.topic, t.partitions, t.exists, t.configs])).toEqual([
      ['orders', 4, false, {}],
      ['customers', 4, false, {}],
      ['enriched', 4, false, {}],
      ['app-latest-changelog', 4, true, { 'cleanup.policy': 'compact' }],
    ]);
  });

  it('reports what cannot work: joined topics not co-partitioned, a changelog of another size', async () => {
    const mismatch = await planTopics(topology(), { applicationId: 'app', existing: new Map([['orders', 2], ['customers', 3]]), defaultPartitions: 1, replicationFactor: -1 });
    expect(mismatch.problem).toMatch(/must be co-partitioned \(same partition count\): (orders \(2\), customers \(3\)|customers \(3\), orders \(2\))/);
    const changelog = await planTopics(topology(), { applicationId: 'app', existing: new Map([['orders', 2], ['customers', 2], ['app-latest-changelog', 5]]), defaultPartitions: 1, replicationFactor: -1 });
    expect(changelog.problem).toMatch(/changelog topic 'app-latest-changelog' has 5 partitions but its store's sub-topology has 2/);
  });
});
