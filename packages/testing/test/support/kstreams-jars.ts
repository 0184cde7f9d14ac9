/**
 * Kafka Streams' own Java library for the reference run of test/support/java/KStreamsReference.java
 * that the Rivulet DSL is compared with: the fetch lives in scripts/kstreams-jars.mjs, shared with
 * the comparison benchmark (apps/examples/src/bench/kstreams/); this file names it for the tests.
 */
export { KAFKA_STREAMS_VERSION, fetchKafkaStreamsJars, kafkaStreamsLibs } from '../../../../scripts/kstreams-jars.mjs';
