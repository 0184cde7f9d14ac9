/**
 * Registry serdes on the TopologyTestDriver: with the MockSchemaRegistry in process they answer
 * synchronously, so a topology with Avro in the Confluent wire format (and an Avro state store)
 * runs broker-free and registry-free, in milliseconds.
 */
import { Stores, Topology } from '@rivulet/core';
import type { KeyValueStore, ProcessorContext, ProcessorSupplier } from '@rivulet/core';
import { registryAvroSerde, serdes } from '@rivulet/serde';
import type { AvroValue } from '@rivulet/serde';
import { describe, expect, it } from 'vitest';
import { MockSchemaRegistry, TopologyTestDriver } from '../../src/index.js';

const Click = {
  type: 'record',
  name: 'Click',
  namespace: 'com.acme',
  fields: [
    { name: 'user', type: 'string' },
    { name: 'at', type: { type: 'long', logicalType: 'timestamp-millis' } },
  ],
} as const;
const Total = { type: 'record', name: 'Total', namespace: 'com.acme', fields: [{ name: 'clicks', type: 'long' }] } as const;

type ClickValue = AvroValue<typeof Click>;
type TotalValue = AvroValue<typeof Total, 'bigint'>;

describe('registry Avro serdes on the TopologyTestDriver', () => {
  it('reads, keeps state in an Avro store and writes, in the wire format, registering each subject once', () => {
    const registry = new MockSchemaRegistry();
    const clicks = registryAvroSerde({ registry, schema: Click });
    const totals = registryAvroSerde({ registry, schema: Total, longs: 'bigint' });
    const count: ProcessorSupplier<string, ClickValue, string, TotalValue> = () => {
      let ctx: ProcessorContext<string, TotalValue>;
      let store: KeyValueStore<string, TotalValue>;
      return {
        init: (context) => {
          ctx = context;
          store = context.getStateStore<KeyValueStore<string, TotalValue>>('totals');
        },
        process: (record) => {
          const next = { clicks: (store.get(record.value.user)?.clicks ?? 0n) + 1n };
          store.put(record.value.user, next);
          ctx.forward(record.withKey(record.value.user).withValue(next));
        },
      };
    };
    const topology = new Topology()
      .addSource('in', 'clicks', { key: serdes.string(), value: clicks })
      .addProcessor('count', count, 'in')
      .addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore('totals'), serdes.string(), totals), 'count')
      .addSink('out', 'totals', { key: serdes.string(), value: totals }, 'count');

    const driver = new TopologyTestDriver(topology);
    const input = driver.createInputTopic('clicks', serdes.string(), clicks);
    const output = driver.createOutputTopic('totals', serdes.string(), totals);
    const at = new Date('2024-05-01T00:00:00Z');
    for (const user of ['ada', 'bob', 'ada']) input.pipeInput(null, { user, at });

    expect(output.readKeyValuesToList()).toEqual([
      ['ada', { clicks: 1n }],
      ['bob', { clicks: 1n }],
      ['ada', { clicks: 2n }],
    ]);
    expect(driver.getKeyValueStore<string, TotalValue>('totals').get('ada')).toEqual({ clicks: 2n });
    // The store's serde writes for its changelog topic, so its schema has that subject, as in Kafka Streams.
    expect(registry.getSubjects()).toEqual(['clicks-value', expect.stringMatching(/-totals-changelog-value$/), 'totals-value']);
  });
});
