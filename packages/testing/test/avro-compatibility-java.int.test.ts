/**
 * MockSchemaRegistry's Avro compatibility and schema identity against Avro's own Java library
 * (test/support/java/AvroCompatibility.java on org.apache.avro:avro, fetched with Maven once): every
 * row of the table in test/support/avro-compatibility-cases.ts, both directions, must get the same
 * verdict, incompatibility kinds and locations, and every schema the same canonical text (or be
 * refused by both). It also checks that test/fixtures/avro-compatibility-verdicts.json, which the
 * unit tests hold the mock to without Java, is what Java answers today; run with
 * RIVULET_UPDATE_FIXTURES=1 to rewrite it after changing the table.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { SCHEMA_CASES, evolutionPairs, schemaText } from './support/avro-compatibility-cases.js';
import type { AvroVerdicts } from './support/avro-compatibility-cases.js';
import { AVRO_VERSION, fetchAvroJars } from './support/avro-jars.js';
import { comparable, mockPairVerdict, mockSchemaVerdict } from './support/avro-verdicts.js';

const JAVA_PROGRAM = fileURLToPath(new URL('./support/java/AvroCompatibility.java', import.meta.url));
const FIXTURE = fileURLToPath(new URL('./fixtures/avro-compatibility-verdicts.json', import.meta.url));

/** Both sides' errors reduced to their presence: the messages are each library's own. */
function comparableAll(verdicts: AvroVerdicts): Pick<AvroVerdicts, 'pairs' | 'schemas'> {
  const map = <T extends object>(o: Record<string, T>) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, comparable(v)]));
  return { pairs: map(verdicts.pairs), schemas: map(verdicts.schemas) } as Pick<AvroVerdicts, 'pairs' | 'schemas'>;
}

let java: AvroVerdicts;

beforeAll(() => {
  const libs = fetchAvroJars();
  const input = join(mkdtempSync(join(tmpdir(), 'rivulet-avro-')), 'cases.json');
  writeFileSync(
    input,
    JSON.stringify({
      pairs: evolutionPairs(),
      schemas: SCHEMA_CASES.map((c) => ({ id: c.name, schema: schemaText(c.schema), references: (c.references ?? []).map(schemaText) })),
    }),
  );
  const run = spawnSync('java', ['-cp', `${libs}/*`, JAVA_PROGRAM, input], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (run.status !== 0) throw new Error(`AvroCompatibility.java failed (${run.status ?? run.error?.message}): ${run.stderr}`);
  java = { avroVersion: AVRO_VERSION, ...(JSON.parse(run.stdout) as Omit<AvroVerdicts, 'avroVersion'>) };
  if (process.env['RIVULET_UPDATE_FIXTURES'] === '1') writeFileSync(FIXTURE, `${JSON.stringify(java, null, 2)}\n`);
}, 300_000);

describe("MockSchemaRegistry's Avro behaviour against Avro's Java library", () => {
  it('agrees with Java on every (reader, writer) pair of the evolution table', () => {
    const pairs = evolutionPairs();
    expect(pairs.length).toBeGreaterThanOrEqual(60);
    const mock = Object.fromEntries(pairs.map((p) => [p.id, comparable(mockPairVerdict(p.reader, p.writer))]));
    expect(mock).toEqual(comparableAll(java).pairs);
  });

  it('agrees with Java on the canonical text of every schema, and on which are invalid', () => {
    const mock = Object.fromEntries(SCHEMA_CASES.map((c) => [c.name, comparable(mockSchemaVerdict(c))]));
    expect(mock).toEqual(comparableAll(java).schemas);
  });

  it('finds the checked-in verdicts current (the fixture the unit tests use)', () => {
    const fixture = JSON.parse(readFileSync(FIXTURE, 'utf8')) as AvroVerdicts;
    expect(fixture.avroVersion).toBe(AVRO_VERSION);
    expect(comparableAll(fixture)).toEqual(comparableAll(java));
  });
});
