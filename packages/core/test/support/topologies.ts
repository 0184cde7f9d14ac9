/**
 * Topologies used by core's integration and crash tests, written with the Processor API.
 */
import { serdes } from '@rivulet/serde';
import { Stores, Topology, type KeyValueStore, type ProcessorContext, type ProcessorSupplier } from '../../src/index.js';

/** input -> upper-case value -> output. */
export function upperCaseTopology(input: string, output: string): Topology {
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
    .addSource('in', input, { key: serdes.string(), value: serdes.string() })
    .addProcessor('upper', upper, 'in')
    .addSink('out', output, { key: serdes.string(), value: serdes.string() }, 'upper');
}

/**
 * input -> (a copy of each record to `copies`) and (the running count per key, kept in the store
 * `counts`, to `countsTopic`).
 */
export function countingTopology(
  input: string,
  copies: string,
  countsTopic: string,
  options: { persistent?: boolean; storeName?: string } = {},
): Topology {
  const storeName = options.storeName ?? 'counts';
  const count: ProcessorSupplier<string, string, string, string | bigint> = () => {
    let ctx: ProcessorContext<string, string | bigint>;
    let store: KeyValueStore<string, bigint>;
    return {
      init: (context) => {
        ctx = context;
        store = context.getStateStore<KeyValueStore<string, bigint>>(storeName);
      },
      process: (record) => {
        const next = (store.get(record.key) ?? 0n) + 1n;
        store.put(record.key, next);
        ctx.forward(record, 'copy');
        ctx.forward(record.withValue(next), 'count');
      },
    };
  };
  const supplier = options.persistent ? Stores.persistentKeyValueStore(storeName) : Stores.inMemoryKeyValueStore(storeName);
  return new Topology()
    .addSource('in', input, { key: serdes.string(), value: serdes.string() })
    .addProcessor('counter', count, 'in')
    .addStateStore(Stores.keyValueStoreBuilder(supplier, serdes.string(), serdes.int64()), 'counter')
    .addSink('copy', copies, { key: serdes.string(), value: serdes.string() }, 'counter')
    .addSink('count', countsTopic, { key: serdes.string(), value: serdes.int64() }, 'counter');
}
