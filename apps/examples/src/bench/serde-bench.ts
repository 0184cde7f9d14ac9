/**
 * Serde benchmark: registry Avro (Confluent wire format, schema id and resolver cached) against
 * plain avsc on the same records, in the same run. Not a test: it prints figures and ratios.
 *
 *   node --conditions=@rivulet/source --import tsx apps/examples/src/bench/serde-bench.ts [records] [rounds]
 *
 * Each round times every case once, in turn, so drift (GC, CPU frequency) hits all of them alike;
 * the median round is reported. The registry is a MockSchemaRegistry served over HTTP on
 * 127.0.0.1, asked through the same client an app uses; its request log shows that, once warm,
 * no record costs a registry call.
 */
import { performance } from 'node:perf_hooks';
import { registryAvroSerde, schemaRegistryClient } from '@rivulet/serde';
import { MockSchemaRegistry } from '@rivulet/testing';
// avsc itself, for the baseline (a dependency of @rivulet/serde, resolved from the workspace).
import avro from 'avsc';
import type { Schema } from 'avsc';

const RECORDS = Number(process.argv[2] ?? 200_000);
const ROUNDS = Number(process.argv[3] ?? 11);
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

interface Case {
  name: string;
  run: () => void;
}

/** The range (min-max records/s) of each case's rounds, to show how noisy a run was. */
const spreads = new Map<string, string>();

/** The best round of each case: on a busy machine, the closest to what the code can do. */
const bests = new Map<string, number>();

/** Records per second of each case, one timing per round, all cases in turn in each round. */
function measure(cases: Case[]): Map<string, number> {
  const samples = new Map<string, number[]>(cases.map((c) => [c.name, []]));
  for (const c of cases) c.run(); // warm-up: JIT, and the serdes' caches
  for (let round = 0; round < ROUNDS; round++) {
    for (const c of cases) {
      const started = performance.now();
      c.run();
      const seconds = (performance.now() - started) / 1000;
      samples.get(c.name)!.push(RECORDS / seconds);
    }
  }
  const medians = new Map<string, number>();
  for (const [name, values] of samples) {
    values.sort((a, b) => a - b);
    medians.set(name, values[Math.floor(values.length / 2)]!);
    spreads.set(name, `${(values[0]! / 1000).toFixed(0)}-${(values[values.length - 1]! / 1000).toFixed(0)}k`);
    bests.set(name, values[values.length - 1]!);
  }
  return medians;
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
    // Plain for loops: each case's loop stays monomorphic, so what differs is the serde call.
    const results = measure([
      {
        name: 'avsc toBuffer',
        run: () => {
          for (let i = 0; i < records.length; i++) sink += typeV1.toBuffer(records[i]).length;
        },
      },
      {
        name: 'registry serialize',
        run: () => {
          for (let i = 0; i < records.length; i++) sink += syncBuffer(writer.serialize(TOPIC, records[i]!)).length;
        },
      },
      {
        name: 'avsc fromBuffer',
        run: () => {
          for (let i = 0; i < plainBytes.length; i++) sink += (typeV1.fromBuffer(plainBytes[i]!) as Order).quantity;
        },
      },
      {
        name: 'registry deserialize',
        run: () => {
          for (let i = 0; i < wireBytes.length; i++) sink += (readerV1.deserialize(TOPIC, wireBytes[i]!) as Order).quantity;
        },
      },
      {
        name: 'avsc fromBuffer v1->v2 (resolver)',
        run: () => {
          for (let i = 0; i < plainBytes.length; i++) sink += (typeV2.fromBuffer(plainBytes[i]!, resolver) as Order).quantity;
        },
      },
      {
        name: 'registry deserialize v1->v2',
        run: () => {
          for (let i = 0; i < wireBytes.length; i++) sink += (readerV2.deserialize(TOPIC, wireBytes[i]!) as Order).quantity;
        },
      },
    ]);
    const requestsAfter = server.requests.length;

    const fmt = (n: number) => `${(n / 1000).toFixed(0).padStart(6)}k rec/s`;
    console.log(`serde-bench: ${RECORDS} records (Order, 9 fields, ~${Math.round(plainBytes.reduce((s, b) => s + b.length, 0) / RECORDS)} bytes), median of ${ROUNDS} rounds, node ${process.version}`);
    for (const [name, value] of results) console.log(`  ${name.padEnd(36)} ${fmt(value)}   (rounds: ${spreads.get(name)})`);
    const ratio = (a: string, b: string) =>
      `${(results.get(a)! / results.get(b)!).toFixed(2)}x median, ${(bests.get(a)! / bests.get(b)!).toFixed(2)}x best round`;
    console.log('ratios (registry / plain avsc, target >= 0.90):');
    console.log(`  serialize                 ${ratio('registry serialize', 'avsc toBuffer')}`);
    console.log(`  deserialize               ${ratio('registry deserialize', 'avsc fromBuffer')}`);
    console.log(`  deserialize with resolver ${ratio('registry deserialize v1->v2', 'avsc fromBuffer v1->v2 (resolver)')}`);
    console.log(`registry HTTP requests: ${requestsWhenWarm} to warm up (${server.requests.join(', ')}), ${requestsAfter - requestsWhenWarm} during the measured runs`);
    if (sink === 42) console.log('');
  } finally {
    await server.close();
  }
}

await main();
