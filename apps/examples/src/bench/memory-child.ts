/**
 * The Rivulet side of `--compare-memory` (memory-compare.ts), in its own process started with
 * --expose-gc: a key-value store (in memory, or lmdb) filled with N keys (`key-0000000` ..., 8-byte
 * counts) through Rivulet's TopologyTestDriver, the same processor and data as the Java side
 * (kstreams/KStreamsBench.java `memory`). Prints one line, `memory <json>`: heap used and RSS
 * before and after the load, each after a full GC.
 * Argument: JSON `{ "store": "in-memory" | "lmdb", "keys": N, "stateDir": "..." }`.
 */
import { Stores, Topology, type KeyValueStore, type ProcessorSupplier } from '@rivulet/core';
import { serdes } from '@rivulet/serde';
import { TopologyTestDriver } from '@rivulet/testing';

const STORE = 'memory';

async function usage(): Promise<{ heap: number; rss: number }> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('memory-child.ts needs node --expose-gc');
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const m = process.memoryUsage();
  return { heap: m.heapUsed, rss: m.rss };
}

async function main(): Promise<void> {
  const { store, keys, stateDir } = JSON.parse(process.argv[2] ?? '') as { store: 'in-memory' | 'lmdb'; keys: number; stateDir: string };
  const put: ProcessorSupplier<string, bigint, never, never> = () => {
    let kv: KeyValueStore<string, bigint>;
    return {
      init: (context) => {
        kv = context.getStateStore<KeyValueStore<string, bigint>>(STORE);
      },
      process: (record) => kv.put(record.key, record.value),
    };
  };
  const supplier = store === 'lmdb' ? Stores.persistentKeyValueStore(STORE) : Stores.inMemoryKeyValueStore(STORE);
  const topology = new Topology()
    .addSource('in', 'memory-in', { key: serdes.string(), value: serdes.int64() })
    .addProcessor('put', put, 'in')
    .addStateStore(Stores.keyValueStoreBuilder(supplier, serdes.string(), serdes.int64()).withLoggingDisabled(), 'put');
  const driver = await TopologyTestDriver.create(topology, { stateDir });
  const input = driver.createInputTopic('memory-in', serdes.string(), serdes.int64());
  const before = await usage();
  for (let i = 0; i < keys; i++) input.pipeInput(`key-${String(i).padStart(7, '0')}`, BigInt(i));
  const after = await usage();
  const stored = driver.getKeyValueStore<string, bigint>(STORE).approximateNumEntries();
  process.stdout.write(
    `memory ${JSON.stringify({ keys, stored, heapBefore: before.heap, heapAfter: after.heap, rssBefore: before.rss, rssAfter: after.rss })}\n`,
  );
  await driver.close();
}

main().catch((err: unknown) => {
  process.stdout.write(`failed ${err instanceof Error ? (err.stack ?? err.message).replaceAll('\n', ' ') : String(err)}\n`);
  process.exit(1);
});
