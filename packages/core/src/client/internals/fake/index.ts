/**
 * The fake Kafka client: an in-memory implementation of the Kafka client port with scriptable
 * faults, for unit tests of the runtime. Internal to core for now (not exported from the package).
 */
export { FakeKafkaClient } from './fake-kafka-client.js';
export { FakeCluster, DEFAULT_MAX_MESSAGE_BYTES } from './fake-cluster.js';
export type { FakeClusterOptions, FakeInputRecord, FakeTopicRecord } from './fake-cluster.js';
export { FakeConsumer } from './fake-consumer.js';
export { FakeProducer, FakeTransaction } from './fake-producer.js';
export { FakeAdmin } from './fake-admin.js';
export { FAKE_OPS } from './fake-faults.js';
export type { CallContext, FakeOp, FaultScope, ScriptedError } from './fake-faults.js';
export {
  KafkaJSConnectionClosedError,
  KafkaJSConnectionError,
  KafkaJSError,
  KafkaJSNonRetriableError,
  KafkaJSNumberOfRetriesExceeded,
  KafkaJSProtocolError,
  KafkaJSRequestTimeoutError,
  connectionClosed,
  connectionRefused,
  protocolError,
  requestTimeout,
} from './fake-errors.js';
export type { ProtocolErrorType } from './fake-errors.js';
