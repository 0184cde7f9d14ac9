// Kafka Streams' own Java library (org.apache.kafka:kafka-streams and kafka-streams-test-utils, with
// their runtime dependencies), fetched with Maven once per version into a cache folder. Two users:
// the testing package's reference run (packages/testing/test/support/java/KStreamsReference.java,
// compared with the Rivulet DSL) and the comparison benchmark's Kafka Streams app
// (apps/examples/src/bench/kstreams/KStreamsBench.java).
//
// The cache is `$RIVULET_KSTREAMS_CACHE` or `~/.cache/rivulet/kafka-streams`, one folder per version
// (`$KAFKA_STREAMS_VERSION`, default 4.4.0, the broker's version) with a `.complete` marker once
// every jar is in: a fetch that failed half-way is redone, a complete one is never fetched again.
// slf4j-nop is the 1.7 binding, for the slf4j-api 1.7 that kafka-clients brings: Kafka Streams logs
// nothing, and SLF4J prints no warning on stderr.
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fetchMavenJars } from './maven-jars.mjs';

/** The Kafka Streams version the reference and the benchmark run: the one the broker runs. */
export const KAFKA_STREAMS_VERSION = process.env['KAFKA_STREAMS_VERSION'] ?? '4.4.0';

/** The version's cache folder (the jars are in its `libs`). */
export function kafkaStreamsHome(version = KAFKA_STREAMS_VERSION) {
  const cache = process.env['RIVULET_KSTREAMS_CACHE'] ?? join(homedir(), '.cache', 'rivulet', 'kafka-streams');
  return join(cache, version);
}

/** The folder holding the jars: run Java with `-cp '<libs>/*'`. */
export function kafkaStreamsLibs(version = KAFKA_STREAMS_VERSION) {
  return join(kafkaStreamsHome(version), 'libs');
}

/** Fetches the jars if they are not in the cache yet; returns their folder. Throws with Maven's last lines. */
export function fetchKafkaStreamsJars(version = KAFKA_STREAMS_VERSION) {
  const libs = kafkaStreamsLibs(version);
  const streams = `org.apache.kafka:kafka-streams:${version}`;
  fetchMavenJars({
    what: streams,
    libs,
    pomDir: join(libs, '..'),
    dependencies: [streams, `org.apache.kafka:kafka-streams-test-utils:${version}`, 'org.slf4j:slf4j-nop:1.7.36'],
  });
  return libs;
}
