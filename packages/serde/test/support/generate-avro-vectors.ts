/**
 * Writes test/fixtures/avro-int64-vectors.json: for every Avro type that carries a long, the edge
 * values and random ones across the int64 range, each with the bytes Java's Avro writes for it and
 * what Java reads back (raw, and through its logical-type conversion). The unit tests check the
 * codec against these without Java; the integration test asks Java afresh.
 *
 * Run: npx tsx packages/serde/test/support/generate-avro-vectors.ts
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { AVRO_VERSION, runJavaAvro } from './avro-reference.js';
import { EDGE_VALUES, LONG_KINDS, anyLong, fits, javaRequests, javaView } from './avro-int64-cases.js';

const RANDOM_PER_KIND = 24;
const SEED = 20_240_613;

const cases = LONG_KINDS.flatMap((kind, i) => {
  const random = fc.sample(anyLong(kind.int === true), { seed: SEED + i, numRuns: RANDOM_PER_KIND });
  const values = [...new Set([...EDGE_VALUES.filter((v) => fits(kind, v)), ...random])];
  return values.map((value) => ({ kind, value }));
});

const encoded = runJavaAvro(cases.map(({ kind, value }) => javaRequests(kind, value).encode));
const decoded = runJavaAvro(cases.map(({ kind, value }, i) => javaRequests(kind, value).decode(encoded[i]!.hex!)));

const vectors = cases.map(({ kind, value }, i) => {
  const hex = encoded[i]!.hex;
  if (hex === undefined) throw new Error(`Java refused ${kind.name} ${value}: ${encoded[i]!.error}`);
  if (decoded[i]!.error !== undefined) throw new Error(`Java could not read ${kind.name} ${value}: ${decoded[i]!.error}`);
  const view = javaView(kind, decoded[i]!);
  return { kind: kind.name, value: String(value), hex, javaRaw: view.raw, javaLogical: view.logical ?? null };
});

const out = fileURLToPath(new URL('../fixtures/avro-int64-vectors.json', import.meta.url));
// One vector a line: a reviewable diff when they are regenerated.
const header = {
  description:
    'Avro longs written and read by Apache Avro Java (test/support/java/AvroReference.java): value as decimal text, hex of the Avro binary (the record R { v }), what Java reads (javaRaw: the long, or the bits of the promoted double/float) and the long back from its logical-type conversion (javaLogical; null where Java has none or refuses, e.g. time-micros beyond a day). Regenerate: npx tsx packages/serde/test/support/generate-avro-vectors.ts',
  avro: `org.apache.avro:avro:${AVRO_VERSION}`,
};
const head = JSON.stringify(header, null, 1).slice(0, -2);
writeFileSync(out, `${head},\n "vectors": [\n${vectors.map((v) => `  ${JSON.stringify(v)}`).join(',\n')}\n ]\n}\n`);
process.stdout.write(`${vectors.length} vectors written to ${out}\n`);
