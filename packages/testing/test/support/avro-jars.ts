/**
 * The Java Avro library (org.apache.avro:avro and its runtime dependencies, Jackson among them),
 * fetched with Maven once per version into a cache directory, for the reference checks that run
 * Avro's own Java code (test/support/java/*.java) next to the mock's.
 *
 * The cache is `$RIVULET_AVRO_CACHE` or `~/.cache/rivulet/avro`, one folder per version
 * (`$AVRO_VERSION`, default 1.12.1) with a `.complete` marker once every jar is in: a fetch that
 * failed half-way is redone, a complete one is never fetched again.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fetchMavenJars } from '../../../../scripts/maven-jars.mjs';

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
  const avro = `org.apache.avro:avro:${version}`;
  fetchMavenJars({ what: avro, libs, pomDir: join(libs, '..'), dependencies: [avro, 'org.slf4j:slf4j-nop:2.0.17'] });
  return libs;
}
