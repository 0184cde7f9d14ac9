/**
 * The start-up check of createInternalTopics (issue 18, part 2): every missing topic and every
 * co-partitioning mismatch in one TopologyError, each with its fix; nothing is created then.
 */
import { serdes } from '@rivulet/serde';
import { describe, expect, it } from 'vitest';
import type { AdminPort, NewTopic } from '../../client/internals/kafka-port.js';
import { resolveConfig } from '../../config/validate.js';
import { TopologyError } from '../../errors/topology-error.js';
import { Stores } from '../../state/stores.js';
import { Topology } from '../../topology/topology.js';
import { createInternalTopics } from './internal-topics.js';

const string = { key: serdes.string(), value: serdes.string() };
const config = resolveConfig({ applicationId: 'app', brokers: ['b1:9092', 'b2:9092'] });

function admin(existing: Record<string, number>): AdminPort & { created: NewTopic[] } {
  const created: NewTopic[] = [];
  const unused = (): never => {
    throw new Error('not used');
  };
  return {
    created,
    connect: async () => undefined,
    disconnect: async () => undefined,
    listTopics: async () => Object.keys(existing),
    partitionCounts: async (topics) => new Map(topics.flatMap((t) => (existing[t] !== undefined ? [[t, existing[t]] as const] : []))),
    createTopics: async (topics) => void created.push(...topics),
    committedOffsets: unused,
    offsetRange: unused,
    topicMaxMessageBytes: unused,
  };
}

/** Two joined sources (one store), a second sub-topology reading `c`, sinks `out1` and `out2`. */
function topology(): Topology {
  return new Topology()
    .addSource('sa', 'a', string)
    .addSource('sb', 'b', string)
    .addProcessor('join', () => ({ process: () => undefined }), 'sa', 'sb')
    .addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore('s'), serdes.string(), serdes.string()), 'join')
    .addSink('k1', 'out1', string, 'join')
    .addSource('sc', 'c', string)
    .addSink('k2', 'out2', string, 'sc');
}

async function failure(existing: Record<string, number>): Promise<{ error: TopologyError; created: NewTopic[] }> {
  const port = admin(existing);
  const error = await createInternalTopics(port, topology(), config, (n) => n).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TopologyError);
  return { error: error as TopologyError, created: port.created };
}

describe('createInternalTopics: the start-up check', () => {
  it('lists every missing source and sink at once, sized like the topics they go with', async () => {
    const { error, created } = await failure({ a: 4, c: 2 });
    expect(error.message).toBe(
      [
        '3 topic problems at start (Rivulet creates only its internal topics):',
        "  - source topic 'b' not found: create it before starting the app",
        '    fix: kafka-topics.sh --bootstrap-server b1:9092,b2:9092 --create --topic b --partitions 4',
        "  - sink topic 'out1' not found: create it before starting the app",
        '    fix: kafka-topics.sh --bootstrap-server b1:9092,b2:9092 --create --topic out1 --partitions 4',
        "  - sink topic 'out2' not found: create it before starting the app",
        '    fix: kafka-topics.sh --bootstrap-server b1:9092,b2:9092 --create --topic out2 --partitions 2',
        'Or create every missing topic at once: npx rivulet topics <module exporting the topology> --bootstrap-servers b1:9092,b2:9092 --application-id app --create',
      ].join('\n'),
    );
    expect(created).toEqual([]);
  });

  it('reports joined topics that differ in partition count together with a missing topic', async () => {
    const { error } = await failure({ a: 2, b: 3, out1: 3 });
    expect(error.message.split('\n').slice(0, 5)).toEqual([
      '3 topic problems at start (Rivulet creates only its internal topics):',
      "  - source topic 'c' not found: create it before starting the app",
      '    fix: kafka-topics.sh --bootstrap-server b1:9092,b2:9092 --create --topic c --partitions 3',
      "  - sink topic 'out2' not found: create it before starting the app",
      '    fix: kafka-topics.sh --bootstrap-server b1:9092,b2:9092 --create --topic out2 --partitions 3',
    ]);
    expect(error.message).toContain('  - topics joined in sub-topology 0 must be co-partitioned (same partition count): b (3), a (2).');
    expect(error.message).toContain('    fix: kafka-topics.sh --bootstrap-server b1:9092,b2:9092 --alter --topic a --partitions 3');
  });

  it('with every topic there, a mismatch alone is reported without the create line, and nothing is created', async () => {
    const { error, created } = await failure({ a: 2, b: 3, c: 1, out1: 1, out2: 1 });
    expect(error.message.split('\n')[0]).toBe('1 topic problem at start (Rivulet creates only its internal topics):');
    expect(error.message).not.toContain('--create');
    expect(created).toEqual([]);
  });

  it('creates the changelog when all is well', async () => {
    const port = admin({ a: 2, b: 2, c: 1, out1: 1, out2: 1 });
    await createInternalTopics(port, topology(), config, (n) => n);
    expect(port.created).toEqual([{ topic: 'app-s-changelog', numPartitions: 2, replicationFactor: -1, configs: { 'cleanup.policy': 'compact' } }]);
  });
});
