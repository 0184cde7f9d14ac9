/**
 * Per-record cost of `pipe()`: the StreamRxPipe node alone (a context whose forward only counts),
 * and in a whole topology (string source, the node, string sink) run in batches of 500 by the
 * LocalTopologyRunner, next to the same topology written with the DSL's filter and mapValues.
 *
 *   node --conditions=@rivulet/source --import tsx packages/streams/test/bench/rx-pipe-cost.ts
 *
 * `RX_PIPE_BASELINE=<path to another stream-rx-pipe.ts>` also measures that version of the node
 * (for a before and after; it must resolve `@rivulet/core` and `rxjs`, e.g. from a folder with a
 * `node_modules` link to the repository's), runs interleaved with the current one in the same
 * process. Each figure is the fastest of several runs (the least disturbed by other load on the
 * machine), in ns per record.
 */
import { StreamRecord, type ProcessorContext } from '@rivulet/core';
import { LocalTopologyRunner, type PipedRecord } from '@rivulet/core/internal';
import { serdes } from '@rivulet/serde';
import { StreamsBuilder } from '../../src/index.js';
import { filter, map, mergeMap, tap, type OperatorFunction } from 'rxjs';
import { StreamRxPipe } from '../../src/rx/stream-rx-pipe.js';

type Rec = StreamRecord<string, string>;
type Ops = OperatorFunction<Rec, Rec>[];
type PipeClass = typeof StreamRxPipe;

const NODE_RECORDS = 200_000;
const TOPOLOGY_RECORDS = 100_000;
const RUNS = 9;

const chains: Record<string, () => Ops> = {
  'filter, map': () => [filter((r: Rec) => r.value.length > 1), map((r: Rec) => r.withValue(r.value.toUpperCase()))],
  'filter, mergeMap x3, map to an object, tap': () => [
    filter((r: Rec) => r.value.length > 1),
    mergeMap((r: Rec) => [r, r.withKey(`${r.key}-1`), r.withKey(`${r.key}-2`)]),
    map((r: Rec) => r.withValue({ text: r.value, length: r.value.length } as unknown as string)),
    tap(() => undefined),
  ],
};

const records = Array.from({ length: 1_000 }, (_, i) => new StreamRecord(`k${i % 50}`, `value-${i}`, i));
const metadata = { topic: 'in', partition: 0, offset: '0' };
let forwarded = 0;
const ctx = {
  taskId: '0_0',
  forward: () => void forwarded++,
  recordMetadata: () => metadata,
} as unknown as ProcessorContext<unknown, unknown>;

function nodeRun(Impl: PipeClass, ops: () => Ops): number {
  const node = new Impl(ops() as never, 'bench-pipe');
  node.init(ctx);
  const started = process.hrtime.bigint();
  for (let i = 0; i < NODE_RECORDS; i++) node.process(records[i % records.length]!);
  const ns = Number(process.hrtime.bigint() - started) / NODE_RECORDS;
  node.close();
  return ns;
}

const str = serdes.string();
const batch: PipedRecord[] = Array.from({ length: 500 }, (_, i) => ({
  key: Buffer.from(`k${i % 50}`),
  value: Buffer.from(`value-${i}`),
  timestamp: i,
}));
const quiet = { debug() {}, info() {}, warn() {}, error() {} };

async function topologyRun(build: (b: StreamsBuilder) => void): Promise<number> {
  const b = new StreamsBuilder({ warn: () => undefined });
  build(b);
  const runner = new LocalTopologyRunner(b.build(), { logger: quiet });
  await runner.ready();
  const started = process.hrtime.bigint();
  for (let i = 0; i < TOPOLOGY_RECORDS; i += batch.length) {
    await runner.pipeAsync('in', batch);
    runner.takeOutput('out');
  }
  const ns = Number(process.hrtime.bigint() - started) / TOPOLOGY_RECORDS;
  await runner.close();
  return ns;
}

const withPipe = (Impl: PipeClass) => (b: StreamsBuilder) =>
  b
    .source('in', { key: str, value: str })
    .process(() => new Impl(chains['filter, map']!() as never, 'bench-pipe'))
    .sink('out', { key: str, value: str });
const withDsl = (b: StreamsBuilder) =>
  b
    .source('in', { key: str, value: str })
    .filter((_k, v) => v.length > 1)
    .mapValues((v) => v.toUpperCase())
    .sink('out', { key: str, value: str });

const impls: [string, PipeClass][] = [['current', StreamRxPipe]];
const baselinePath = process.env['RX_PIPE_BASELINE'];
if (baselinePath !== undefined) {
  const { StreamRxPipe: Baseline } = (await import(baselinePath)) as { StreamRxPipe: PipeClass };
  impls.unshift(['baseline', Baseline]);
}

const best = new Map<string, number>();
const keep = (name: string, ns: number) => best.set(name, Math.min(best.get(name) ?? Infinity, ns));
// Interleaved: a burst of load on the machine hits every variant alike.
for (let run = 0; run < RUNS; run++) {
  for (const [label, Impl] of impls) {
    for (const [chain, ops] of Object.entries(chains)) keep(`node, ${chain}: ${label}`, nodeRun(Impl, ops));
    keep(`topology, source -> pipe(filter, map) -> sink: ${label}`, await topologyRun(withPipe(Impl)));
  }
  keep('topology, source -> filter -> mapValues -> sink (DSL)', await topologyRun(withDsl));
}
if (forwarded === 0) throw new Error('nothing was forwarded');
for (const [name, ns] of best) console.log(`${name.padEnd(72)} ${ns.toFixed(0).padStart(6)} ns/record`);
