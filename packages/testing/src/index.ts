/**
 * @rivulet/testing: the TopologyTestDriver for broker-free topology tests, the MockSchemaRegistry,
 * and helpers for tests against a real broker.
 */
export { TopologyTestDriver } from './driver/topology-test-driver.js';
export type { TopologyTestDriverOptions } from './driver/topology-test-driver.js';
export { TestInputTopic } from './driver/test-input-topic.js';
export type { TestRecord } from './driver/test-input-topic.js';
export { TestOutputTopic } from './driver/test-output-topic.js';
export type { TestOutputRecord } from './driver/test-output-topic.js';
