/**
 * Serde benchmark: registry Avro (Confluent wire format, schema id and resolver cached) against
 * plain avsc on the same records, in the same run. Not a test: it prints figures and ratios.
 *
 *   node --conditions=@rivulet/source --import tsx apps/examples/src/bench/serde-bench.ts [records] [rounds]
 *
 * Each round times the plain and the registry case of a pair back to back, so both run under the
 * same conditions (GC, CPU frequency, other processes); the median of the per-round ratios is
 * reported, with throughputs in records per CPU-second of this process. The registry is a
 * MockSchemaRegistry served over HTTP on 127.0.0.1, asked through the same client an app uses;
 * its request log shows that, once warm, no record costs a registry call.
 */
import { registryAvroSerde, schemaRegistryClient } from '@rivulet/serde';
import { MockSchemaRegistry } from '@rivulet/testing';
// avsc itself, for the baseline (a dependency of @rivulet/serde, resolved from the workspace).
import avro from 'avsc';
import type { Schema } from 'avsc';

const RECORDS = Number(process.argv[2] ?? 50_000);
const ROUNDS = Number(process.argv[3] ?? 31);
const TOPIC = 'orders';

const OrderV1 = {
  type: 'record',
  name: 'Order',
  namespace: 'com.acme.bench',
  fields: [
    { name: 'id', type: 'string' },
    { name: 'customer', type: 'string' },
    { name: 'quantity', type: 'int' },
    { name: 'price', type: 'double' },
    { name: 'placedAt', type: 'long' },
    { name: 'note', type: ['null', 'string'], default: null },
    { name: 'status', type: { type: 'enum', name: 'Status', symbols: ['NEW', 'PAID', 'SHIPPED'] } },
    { name: 'tags', type: { type: 'array', items: 'string' } },
    {
      name: 'address',
      type: { type: 'record', name: 'Address', fields: [{ name: 'city', type: 'string' }, { name: 'zip', type: 'string' }] },
    },
  ],
} as const;

// v2 adds a field with a default: reading v1 bytes as v2 goes through a resolver.
const OrderV2 = { ...OrderV1, fields: [...OrderV1.fields, { name: 'channel', type: 'string', default: 'web' }] } as const;

type Order = {
  id: string;
  customer: string;
  quantity: number;
  price: number;
  placedAt: number;
  note: string | null;
  status: 'NEW' | 'PAID' | 'SHIPPED';
  tags: string[];
  address: { city: string; zip: string };
};

function makeRecords(n: number): Order[] {
  const statuses = ['NEW', 'PAID', 'SHIPPED'] as const;
  return Array.from({ length: n }, (_, i) => ({
    id: `order-${i}`,
    customer: `customer-${i % 997}`,
    quantity: 1 + (i % 17),
    price: Math.round(i * 13.37) / 100,
    placedAt: 1_714_557_600_000 + i,
    note: i % 3 === 0 ? null : `note ${i}`,
    status: statuses[i % 3]!,
    tags: i % 2 === 0 ? ['a', 'b'] : ['c'],
    address: { city: `city-${i % 101}`, zip: String(10000 + (i % 89_999)) },
  }));
}

interface Pair {
  name: string;
  plain: () => void;
  registry: () => void;
}

interface PairResult {
  name: string;
  plain: number;
  registry: number;
  ratio: number;
  q1: number;
  q3: number;
}

function cpuSeconds(run: () => void): number {
  // CPU time of this process rather than wall time: on a shared machine (CI, parallel test runs)
  // the wall clock also counts the time other processes held the core.
  const started = process.cpuUsage();
  run();
  const used = process.cpuUsage(started);
  return (used.user + used.system) / 1e6;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/**
 * Each pair's plain and registry cases timed back to back, round after round: one ratio per round
 * from two timings close in time (so under the same load), and the median of those ratios.
 */
function measure(pairs: readonly Pair[]): PairResult[] {
  // Warm-up: the JIT, and the serdes' caches.
  for (const p of pairs) {
    for (let i = 0; i < 3; i++) {
      p.plain();
      p.registry();
    }
  }
  return pairs.map((p) => {
    const plain: number[] = [];
    const registry: number[] = [];
    const ratios: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const a = cpuSeconds(p.plain);
      const b = cpuSeconds(p.registry);
      plain.push(RECORDS / a);
      registry.push(RECORDS / b);
      ratios.push(a / b);
    }
    ratios.sort((x, y) => x - y);
    return {
      name: p.name,
      plain: median(plain),
      registry: median(registry),
      ratio: median(ratios),
      q1: ratios[Math.floor(ratios.length / 4)]!,
      q3: ratios[Math.floor((ratios.length * 3) / 4)]!,
    };
  });
}

function syncBuffer(value: Buffer | Promise<Buffer>): Buffer {
  if (!Buffer.isBuffer(value)) throw new Error('the registry serde is not warm: it returned a Promise');
  return value;
}

async function main(): Promise<void> {
  const registry = new MockSchemaRegistry();
  const server = await registry.listen();
  try {
    const client = schemaRegistryClient({ url: server.url });
    const writer = registryAvroSerde<Order>({ registry: client, schema: OrderV1 });
    const readerV1 = registryAvroSerde<Order>({ registry: client, schema: OrderV1 });
    const readerV2 = registryAvroSerde<Order & { channel: string }>({ registry: client, schema: OrderV2 });

    const typeV1 = avro.Type.forSchema(OrderV1 as unknown as Schema);
    const typeV2 = avro.Type.forSchema(OrderV2 as unknown as Schema);
    const resolver = typeV2.createResolver(typeV1);

    const records = makeRecords(RECORDS);
    // Warm the registry serdes: the one registration and the one schema fetch happen here.
    const first = await writer.serialize(TOPIC, records[0]!);
    await readerV1.deserialize(TOPIC, first);
    await readerV2.deserialize(TOPIC, first);
    const requestsWhenWarm = server.requests.length;

    const plainBytes = records.map((r) => typeV1.toBuffer(r));
    const wireBytes = records.map((r) => syncBuffer(writer.serialize(TOPIC, r)));
    // Same payload: the wire format is the 5-byte header then exactly avsc's bytes.
    if (!wireBytes[7]!.subarray(5).equals(plainBytes[7]!)) throw new Error('registry payload differs from avsc bytes');

    let sink = 0;
    // Plain for loops: each loop stays monomorphic, so what differs is the serde call.
    const results = measure([
      {
        name: 'serialize',
        plain: () => {
          for (let i = 0; i < records.length; i++) sink += typeV1.toBuffer(records[i]).length;
        },
        registry: () => {
          for (let i = 0; i < records.length; i++) sink += syncBuffer(writer.serialize(TOPIC, records[i]!)).length;
        },
      },
      {
        name: 'deserialize',
        plain: () => {
          for (let i = 0; i < plainBytes.length; i++) sink += (typeV1.fromBuffer(plainBytes[i]!) as Order).quantity;
        },
        registry: () => {
          for (let i = 0; i < wireBytes.length; i++) sink += (readerV1.deserialize(TOPIC, wireBytes[i]!) as Order).quantity;
        },
      },
      {
        name: 'deserialize v1 as v2 (resolver)',
        plain: () => {
          for (let i = 0; i < plainBytes.length; i++) sink += (typeV2.fromBuffer(plainBytes[i]!, resolver) as Order).quantity;
        },
        registry: () => {
          for (let i = 0; i < wireBytes.length; i++) sink += (readerV2.deserialize(TOPIC, wireBytes[i]!) as Order).quantity;
        },
      },
    ]);
    const requestsAfter = server.requests.length;

    const perSecond = (n: number) => `${(n / 1000).toFixed(0)}k/s`;
    const bytes = Math.round(plainBytes.reduce((sum, b) => sum + b.length, 0) / RECORDS);
    console.log(`serde-bench: ${RECORDS} records (Order, 9 fields, ~${bytes} bytes), ${ROUNDS} paired rounds, records per CPU-second, node ${process.version}`);
    console.log(`  ${'case'.padEnd(32)} ${'avsc'.padStart(10)} ${'registry'.padStart(10)}   registry/avsc: median of rounds (quartiles)`);
    for (const r of results) {
      console.log(`  ${r.name.padEnd(32)} ${perSecond(r.plain).padStart(10)} ${perSecond(r.registry).padStart(10)}   ${r.ratio.toFixed(2)}x (${r.q1.toFixed(2)}-${r.q3.toFixed(2)})`);
    }
    console.log('  target: >= 0.90x once cached');
    console.log(`registry HTTP requests: ${requestsWhenWarm} to warm up (${server.requests.join(', ')}), ${requestsAfter - requestsWhenWarm} during the measured runs`);
    if (sink === 42) console.log('');
  } finally {
    await server.close();
  }
}

await main();
