import { describe, expect, it } from 'vitest';
import { classifyError, isRecordProductionError } from './error-classification.js';
import { ProcessingError } from './processing-error.js';
import { BrokerCallTimeoutError, RecordTooLargeError, StreamsError } from './streams-error.js';

/** An error shaped as kafkajs makes them. */
function kafkajs(name: string, fields: { type?: string; retriable?: boolean; message?: string; cause?: unknown; topic?: string; errors?: Error[] } = {}): Error {
  const error = new Error(fields.message ?? name) as Error & Record<string, unknown>;
  error.name = name;
  if (fields.type !== undefined) error['type'] = fields.type;
  if (fields.retriable !== undefined) error['retriable'] = fields.retriable;
  if (fields.cause !== undefined) error['cause'] = fields.cause;
  if (fields.topic !== undefined) error['topic'] = fields.topic;
  if (fields.errors !== undefined) error['errors'] = fields.errors;
  return error;
}

describe('classifyError', () => {
  it.each([
    ['KafkaJSConnectionError', { retriable: true, message: 'Connection error: connect ECONNREFUSED 127.0.0.1:9092' }],
    ['KafkaJSConnectionClosedError', { retriable: true, message: 'Closed connection' }],
    ['KafkaJSRequestTimeoutError', { retriable: true }],
    ['KafkaJSBrokerNotFound', {}],
    ['KafkaJSProtocolError', { type: 'NOT_LEADER_OR_FOLLOWER', retriable: true }],
    ['KafkaJSProtocolError', { type: 'COORDINATOR_LOAD_IN_PROGRESS', retriable: true }],
    ['KafkaJSProtocolError', { type: 'CONCURRENT_TRANSACTIONS', retriable: true }],
    ['KafkaJSNonRetriableError', { message: 'Transaction state exception: Invalid transition READY -> COMMITTING' }],
  ])('%s %o is retriable', (name, fields) => {
    expect(classifyError(kafkajs(name, fields))).toBe('retriable');
  });

  it.each(['PRODUCER_FENCED', 'INVALID_PRODUCER_EPOCH', 'REBALANCE_IN_PROGRESS', 'ILLEGAL_GENERATION', 'UNKNOWN_MEMBER_ID', 'FENCED_INSTANCE_ID'])(
    '%s means the task migrated',
    (type) => {
      expect(classifyError(kafkajs('KafkaJSProtocolError', { type, retriable: false }))).toBe('task-migrated');
    },
  );

  it.each(['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE', 'INVALID_RECORD'])('%s is fatal and about the record', (type) => {
    const error = kafkajs('KafkaJSProtocolError', { type, retriable: false });
    expect(classifyError(error)).toBe('fatal');
    expect(isRecordProductionError(error)).toBe(true);
  });

  it.each(['TOPIC_AUTHORIZATION_FAILED', 'GROUP_AUTHORIZATION_FAILED', 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED', 'CLUSTER_AUTHORIZATION_FAILED'])(
    '%s (a missing ACL) is fatal, not a record for the production handler, even inside an error kafkajs calls retriable',
    (type) => {
      const refusal = kafkajs('KafkaJSProtocolError', { type, retriable: false });
      expect(classifyError(refusal)).toBe('fatal');
      expect(isRecordProductionError(refusal)).toBe(false);
      // kafkajs (patched) keeps a refused FindCoordinator as the cause of its "coordinator not found".
      expect(classifyError(kafkajs('KafkaJSGroupCoordinatorNotFound', { cause: refusal }))).toBe('fatal');
      expect(classifyError(kafkajs('KafkaJSAggregateError', { errors: [kafkajs('KafkaJSCreateTopicError', { type, topic: 't' })] }))).toBe('fatal');
    },
  );

  it('looks through kafkajs giving up after its retries at what kept failing', () => {
    const down = kafkajs('KafkaJSConnectionError', { retriable: true, message: 'connect ECONNREFUSED' });
    expect(classifyError(kafkajs('KafkaJSNumberOfRetriesExceeded', { cause: down }))).toBe('retriable');
    const fenced = kafkajs('KafkaJSProtocolError', { type: 'PRODUCER_FENCED' });
    expect(classifyError(kafkajs('KafkaJSNumberOfRetriesExceeded', { cause: fenced }))).toBe('task-migrated');
  });

  it('treats a socket error, a call that timed out and a schema registry outage as retriable', () => {
    expect(classifyError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))).toBe('retriable');
    expect(classifyError(new BrokerCallTimeoutError('commit', 100))).toBe('retriable');
    const outage = Object.assign(new Error('registry down'), { code: 'SCHEMA_REGISTRY_UNAVAILABLE' });
    expect(classifyError(new ProcessingError('deserialization', outage, { topic: 't', partition: 0, offset: '5' }))).toBe('retriable');
  });

  it('treats a bug in user code under the fail handler, and unknown errors, as fatal', () => {
    expect(classifyError(new ProcessingError('processing', new TypeError('x is undefined'), { topic: 't', partition: 0, offset: '5' }))).toBe('fatal');
    expect(classifyError(new Error('something else'))).toBe('fatal');
    expect(classifyError('a string')).toBe('fatal');
  });

  it('keeps the category a StreamsError was raised with', () => {
    expect(classifyError(new StreamsError('x', { category: 'task-migrated', action: 'rejoining' }))).toBe('task-migrated');
  });

  it('sees a record found too large before the send as a production error of the record', () => {
    const error = new RecordTooLargeError('out', 2_000_000, 1_048_515);
    expect(isRecordProductionError(error)).toBe(true);
    expect(error.message).toMatch(/topic 'out' is 2000000 bytes, larger than the 1048515 bytes/);
  });
});
