/**
 * @rivulet/testing: the TopologyTestDriver for broker-free topology tests, the MockSchemaRegistry
 * (in process and over HTTP),
 * and helpers for tests against a real broker.
 *
 * @packageDocumentation
 * @module \@rivulet/testing
 */
export { TopologyTestDriver } from './driver/topology-test-driver.js';
export type { TopologyTestDriverOptions } from './driver/topology-test-driver.js';
export { TestInputTopic } from './driver/test-input-topic.js';
export type { TestRecord } from './driver/test-input-topic.js';
export { TestOutputTopic } from './driver/test-output-topic.js';
export type { TestOutputRecord } from './driver/test-output-topic.js';
export { MockSchemaRegistry } from './mock-schema-registry/mock-schema-registry.js';
export type { MockSchemaRegistryRequestOptions } from './mock-schema-registry/mock-schema-registry.js';
export type { MockSchemaRegistryServer, MockSchemaRegistryServerOptions } from './mock-schema-registry/http-server.js';
export type { CompatibilityLevel } from './mock-schema-registry/compatibility.js';
export { KafkaTestHarness } from './kafka/kafka-test-harness.js';
export type { HarnessInput, HarnessRecord } from './kafka/kafka-test-harness.js';
