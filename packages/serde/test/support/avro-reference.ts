/**
 * Apache Avro's Java implementation as a reference for the Avro serdes: org.apache.avro:avro and
 * its runtime dependencies, fetched with Maven once per version into a cache directory, and
 * java/AvroReference.java run on them (a single-file source program: `java -cp '<libs>/*' ...`).
 *
 * The cache is `$RIVULET_AVRO_CACHE` or `~/.cache/rivulet/avro`, one folder per version
 * (`$AVRO_VERSION`, default 1.12.1) with a `.complete` marker once every jar is in: a fetch that
 * failed half-way is redone, a complete one is never fetched again. (The same layout, and the
 * same throwaway pom, as the testing package's reference checks, so both share one fetch.)
 */
import { spawnSync } from 'node:child_process';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fetchMavenJars } from '../../../../scripts/maven-jars.mjs';
import { fileURLToPath } from 'node:url';

/** The Avro version the reference runs on: Confluent's Schema Registry 8.x ships Avro 1.12. */
export const AVRO_VERSION = process.env['AVRO_VERSION'] ?? '1.12.1';

const PROGRAM = fileURLToPath(new URL('./java/AvroReference.java', import.meta.url));

/** The folder holding the jars: run Java with `-cp '<libs>/*'`. */
export function avroLibs(version = AVRO_VERSION): string {
  const cache = process.env['RIVULET_AVRO_CACHE'] ?? join(homedir(), '.cache', 'rivulet', 'avro');
  return join(cache, version, 'libs');
}

/** Fetches the jars if they are not in the cache yet; returns their folder. Throws with Maven's last lines. */
export function fetchAvroJars(version = AVRO_VERSION): string {
  const libs = avroLibs(version);
  const avro = `org.apache.avro:avro:${version}`;
  fetchMavenJars({ what: avro, libs, pomDir: join(libs, '..'), dependencies: [avro, 'org.slf4j:slf4j-nop:2.0.17'] });
  return libs;
}

/** A request to AvroReference.java (see its comment for the value format). */
export type JavaRequest =
  | { op: 'encode'; schema: unknown; value: unknown }
  | { op: 'decode'; writer: unknown; reader?: unknown; hex: string };

/** Its answer: `hex` for an encode, `raw` and `logical` for a decode, `error` when Java refused. */
export interface JavaAnswer {
  hex?: string;
  raw?: unknown;
  logical?: unknown;
  error?: string;
}

/** Runs the requests through Java's Avro in one JVM; the answers are in the same order. */
export function runJavaAvro(requests: readonly JavaRequest[]): JavaAnswer[] {
  const libs = fetchAvroJars();
  const input = requests.map((r) => JSON.stringify(r)).join('\n') + '\n';
  const run = spawnSync('java', ['-cp', `${libs}/*`, PROGRAM], { input, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (run.error !== undefined) throw new Error(`java is needed for the Avro reference: ${run.error.message}`);
  if (run.status !== 0) throw new Error(`AvroReference.java failed (${run.status}): ${run.stderr.trim().split('\n').slice(-5).join(' | ')}`);
  const answers = run.stdout.trim().split('\n').map((line) => JSON.parse(line) as JavaAnswer);
  if (answers.length !== requests.length) throw new Error(`AvroReference.java answered ${answers.length} of ${requests.length} requests`);
  return answers;
}
