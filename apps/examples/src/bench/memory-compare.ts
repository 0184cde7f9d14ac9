/**
 * `npm run bench -- --compare-memory`: the memory a store of N keys (default 1M) costs in Rivulet
 * (in-memory store, lmdb store) and in Kafka Streams (in-memory store, RocksDB), each filled through
 * its framework's TopologyTestDriver in a process of its own (memory-child.ts with --expose-gc;
 * kstreams/KStreamsBench.java `memory`). Reports heap used (Node: process.memoryUsage().heapUsed,
 * JVM: Runtime total - free, both after full GCs) and RSS, before and after the load, and the
 * growth per key. lmdb and RocksDB keep their data outside the heap: their RSS growth is the figure.
 */
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CompareOptions } from './compare-options.js';
import { buildKStreamsBench } from './kstreams-process.js';
import { formatInt as int, formatTable } from './text-table.js';

/** One store's figures. */
export interface MemoryFigures {
  readonly framework: 'rivulet' | 'kafka-streams';
  readonly store: string;
  readonly keys: number;
  /** Entries in the store after the load (approximateNumEntries): must be `keys`. */
  readonly stored: number;
  readonly heapBefore: number;
  readonly heapAfter: number;
  readonly rssBefore: number;
  readonly rssAfter: number;
}

/** Parses the `memory <json>` line of either side; throws with the process's output otherwise. */
export function parseMemoryLine(output: string, what: string): Omit<MemoryFigures, 'framework' | 'store'> {
  const line = output.split('\n').find((l) => l.startsWith('memory '));
  if (line === undefined) throw new Error(`${what}: no memory figures in its output: ${output.trim().split('\n').slice(-3).join(' | ')}`);
  return JSON.parse(line.slice('memory '.length)) as Omit<MemoryFigures, 'framework' | 'store'>;
}

function runRivulet(store: 'in-memory' | 'lmdb', keys: number): MemoryFigures {
  const stateDir = join(tmpdir(), 'rivulet-bench', `memory-${store}-${process.pid}`);
  try {
    const child = fileURLToPath(new URL('./memory-child.ts', import.meta.url));
    const run = spawnSync(process.execPath, [...process.execArgv, '--expose-gc', child, JSON.stringify({ store, keys, stateDir })], {
      encoding: 'utf8',
      maxBuffer: 16 * 1024 * 1024,
    });
    return { framework: 'rivulet', store, ...parseMemoryLine(`${run.stdout}\n${run.stderr}`, `Rivulet ${store}`) };
  } finally {
    rmSync(stateDir, { recursive: true, force: true });
  }
}

function runKafkaStreams(classPath: string, store: 'in-memory' | 'rocksdb', keys: number): MemoryFigures {
  const stateDir = join(tmpdir(), 'rivulet-bench', `memory-ks-${store}-${process.pid}`);
  try {
    const run = spawnSync('java', ['-cp', classPath, 'KStreamsBench', 'memory', `store=${store}`, `keys=${keys}`, `stateDir=${stateDir}`], {
      encoding: 'utf8',
      maxBuffer: 16 * 1024 * 1024,
    });
    return { framework: 'kafka-streams', store, ...parseMemoryLine(`${run.stdout}\n${run.stderr}`, `Kafka Streams ${store}`) };
  } finally {
    rmSync(stateDir, { recursive: true, force: true });
  }
}

/** The printed table: per store, heap and RSS before and after, and the growth per key. */
export function formatMemoryTable(figures: readonly MemoryFigures[]): string {
  const mb = (b: number) => (b / 1024 / 1024).toFixed(1);
  const rows = [['framework', 'store', 'keys', 'heap before MB', 'heap after MB', 'heap B/key', 'RSS before MB', 'RSS after MB', 'RSS B/key']];
  for (const f of figures) {
    rows.push([
      f.framework === 'rivulet' ? 'Rivulet' : 'Kafka Streams',
      f.store,
      int(f.keys),
      mb(f.heapBefore),
      mb(f.heapAfter),
      int((f.heapAfter - f.heapBefore) / f.keys),
      mb(f.rssBefore),
      mb(f.rssAfter),
      int((f.rssAfter - f.rssBefore) / f.keys),
    ]);
  }
  return formatTable(rows, new Set([2, 3, 4, 5, 6, 7, 8]));
}

/** Runs the four stores one after the other and prints the table; non-zero when a store is not complete. */
export async function runMemoryComparison(options: CompareOptions): Promise<number> {
  const keys = options.memoryKeys;
  const classPath = buildKStreamsBench();
  const figures: MemoryFigures[] = [];
  for (const run of [
    () => runRivulet('in-memory', keys),
    () => runRivulet('lmdb', keys),
    () => runKafkaStreams(classPath, 'in-memory', keys),
    () => runKafkaStreams(classPath, 'rocksdb', keys),
  ]) {
    const f = run();
    process.stdout.write(`[compare-memory] ${f.framework} ${f.store}: ${int(f.stored)} keys, heap +${int((f.heapAfter - f.heapBefore) / f.keys)} B/key, RSS +${int((f.rssAfter - f.rssBefore) / f.keys)} B/key\n`);
    figures.push(f);
  }
  process.stdout.write(
    `\nStores of ${int(keys)} keys (key-0000000 ..., 11-byte keys, 8-byte counts), filled through each framework's TopologyTestDriver, logging off; ` +
      'heap and RSS after full GCs, before and after the load (Node: heapUsed, --expose-gc; JVM: total - free after System.gc(), default heap settings)\n\n' +
      `${formatMemoryTable(figures)}\n`,
  );
  const incomplete = figures.filter((f) => f.stored !== f.keys);
  for (const f of incomplete) process.stdout.write(`FAILED: ${f.framework} ${f.store} holds ${f.stored} keys, expected ${f.keys}\n`);
  return incomplete.length > 0 ? 1 : 0;
}
