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
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
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
  const marker = join(libs, '.complete');
  if (existsSync(marker)) return libs;
  const pomDir = join(libs, '..');
  mkdirSync(pomDir, { recursive: true });
  rmSync(libs, { recursive: true, force: true });
  writeFileSync(
    join(pomDir, 'pom.xml'),
    `<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>dev.rivulet</groupId><artifactId>avro-reference</artifactId><version>1</version><packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.avro</groupId><artifactId>avro</artifactId><version>${version}</version></dependency>
    <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-nop</artifactId><version>2.0.17</version></dependency>
  </dependencies>
</project>
`,
  );
  const run = spawnSync(
    'mvn',
    ['-B', '-q', '-f', join(pomDir, 'pom.xml'), 'dependency:copy-dependencies', `-DoutputDirectory=${libs}`, '-DincludeScope=runtime'],
    { encoding: 'utf8' },
  );
  if (run.error !== undefined) throw new Error(`Maven (mvn) is needed to fetch org.apache.avro:avro:${version}: ${run.error.message}`);
  if (run.status !== 0) {
    const tail = `${run.stdout}\n${run.stderr}`.trim().split('\n').slice(-5).join(' | ');
    throw new Error(`Maven could not fetch org.apache.avro:avro:${version}: ${tail}`);
  }
  writeFileSync(marker, new Date().toISOString());
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
