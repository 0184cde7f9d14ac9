/**
 * The Rivulet topologies the benchmark runs, written with the Processor API. Each processor notes
 * the first record it sees (the start of the clock); past that, one comparison per record.
 */
import { Stores, Topology, type KeyValueStore, type ProcessorContext, type ProcessorSupplier } from '@rivulet/core';
import { serdes } from '@rivulet/serde';

/** Calls `onFirst` the first time `mark()` is called, then nothing. */
export class FirstRecordProbe {
  private seen = false;

  constructor(private readonly onFirst: () => void) {}

  mark(): void {
    if (this.seen) return;
    this.seen = true;
    this.onFirst();
  }
}

/** Scenarios 2 and 3: source -> identity processor -> sink, bytes in and bytes out (no decoding). */
export function passThroughTopology(input: string, output: string, probe: FirstRecordProbe): Topology {
  const identity: ProcessorSupplier<Buffer, Buffer, Buffer, Buffer> = () => {
    let ctx: ProcessorContext<Buffer, Buffer>;
    return {
      init: (context) => {
        ctx = context;
      },
      process: (record) => {
        probe.mark();
        ctx.forward(record);
      },
    };
  };
  return new Topology()
    .addSource('in', input, { key: serdes.bytes(), value: serdes.bytes() })
    .addProcessor('identity', identity, 'in')
    .addSink('out', output, { key: serdes.bytes(), value: serdes.bytes() }, 'identity');
}

/** The count store's name: its changelog is `<applicationId>-counts-changelog`. */
export const COUNT_STORE = 'counts';

/**
 * Scenario 4: the running count per key in an in-memory store (logged to its changelog), each new
 * count forwarded to the output: one store read, one store write, one changelog record and one
 * output record per input record.
 */
export function countTopology(input: string, output: string, probe: FirstRecordProbe): Topology {
  const count: ProcessorSupplier<string, Buffer, string, bigint> = () => {
    let ctx: ProcessorContext<string, bigint>;
    let store: KeyValueStore<string, bigint>;
    return {
      init: (context) => {
        ctx = context;
        store = context.getStateStore<KeyValueStore<string, bigint>>(COUNT_STORE);
      },
      process: (record) => {
        probe.mark();
        const next = (store.get(record.key) ?? 0n) + 1n;
        store.put(record.key, next);
        ctx.forward(record.withValue(next));
      },
    };
  };
  return new Topology()
    .addSource('in', input, { key: serdes.string(), value: serdes.bytes() })
    .addProcessor('count', count, 'in')
    .addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(COUNT_STORE), serdes.string(), serdes.int64()), 'count')
    .addSink('out', output, { key: serdes.string(), value: serdes.int64() }, 'count');
}
