/**
 * The Java Avro library (org.apache.avro:avro and its runtime dependencies, Jackson among them),
 * fetched with Maven once per version into a cache directory, for the reference checks that run
 * Avro's own Java code (test/support/java/*.java) next to the mock's.
 *
 * The cache is `$RIVULET_AVRO_CACHE` or `~/.cache/rivulet/avro`, one folder per version
 * (`$AVRO_VERSION`, default 1.12.1) with a `.complete` marker once every jar is in: a fetch that
 * failed half-way is redone, a complete one is never fetched again.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** The Avro version the reference runs on: Confluent's Schema Registry 8.x ships Avro 1.12. */
export const AVRO_VERSION = process.env['AVRO_VERSION'] ?? '1.12.1';

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
  const run = spawnSync('mvn', ['-B', '-q', '-f', join(pomDir, 'pom.xml'), 'dependency:copy-dependencies', `-DoutputDirectory=${libs}`, '-DincludeScope=runtime'], {
    encoding: 'utf8',
  });
  if (run.error !== undefined) throw new Error(`Maven (mvn) is needed to fetch org.apache.avro:avro:${version}: ${run.error.message}`);
  if (run.status !== 0) {
    const tail = `${run.stdout}\n${run.stderr}`.trim().split('\n').slice(-5).join(' | ');
    throw new Error(`Maven could not fetch org.apache.avro:avro:${version}: ${tail}`);
  }
  writeFileSync(marker, new Date().toISOString());
  return libs;
}
