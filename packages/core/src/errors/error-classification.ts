/**
 * Sorts errors into the three categories of {@link ErrorCategory}, where they are caught. kafkajs
 * reports Kafka protocol errors as `KafkaJSProtocolError` with the protocol's `type` (for example
 * `PRODUCER_FENCED`) and a `retriable` flag, client-side failures under their own names
 * (`KafkaJSConnectionError`, ...), and gives up after its retries with
 * `KafkaJSNumberOfRetriesExceeded`, whose cause tells what kept failing. The table of
 * docs/failures.md lists the same rules; `failures-doc.test.ts` holds the page to them.
 */
import { AUTHORIZATION_TYPES, authorizationType } from './authorization-error.js';
import type { ErrorCategory } from './streams-error.js';

/**
 * Protocol errors of a refusal by the brokers' authorizer (a missing ACL): fatal, wherever they
 * come from (a send, a fetch, a group join, a transactional id, a topic creation), and checked
 * before every other rule: retrying cannot grant an ACL, and a refusal wrapped in an error kafkajs
 * marks retriable (`KafkaJSGroupCoordinatorNotFound`) must not loop until `taskTimeoutMs`.
 */
export const AUTHORIZATION_ERROR_TYPES: ReadonlySet<string> = new Set(AUTHORIZATION_TYPES.keys());

/**
 * Protocol errors that mean this member or this producer no longer owns its work: the task is
 * closed without writing and re-joined or re-opened (Kafka Streams' `TaskMigratedException`).
 */
export const TASK_MIGRATED_TYPES: ReadonlySet<string> = new Set([
  'REBALANCE_IN_PROGRESS',
  'ILLEGAL_GENERATION',
  'UNKNOWN_MEMBER_ID',
  'FENCED_INSTANCE_ID',
  'PRODUCER_FENCED',
  'INVALID_PRODUCER_EPOCH',
  'INVALID_PRODUCER_ID_MAPPING',
  'UNKNOWN_PRODUCER_ID',
  'OUT_OF_ORDER_SEQUENCE_NUMBER',
  'TRANSACTION_COORDINATOR_FENCED',
]);

/**
 * Protocol errors about one output record (or the topic it goes to) that retrying cannot fix: they
 * go to the production exception handler, under every guarantee.
 */
export const RECORD_PRODUCTION_TYPES: ReadonlySet<string> = new Set([
  'MESSAGE_TOO_LARGE',
  'RECORD_LIST_TOO_LARGE',
  'INVALID_RECORD',
  'INVALID_TIMESTAMP',
  'INVALID_TOPIC_EXCEPTION',
]);

/** kafkajs client-side errors that mean the brokers could not be reached or did not answer in time. */
export const RETRIABLE_CLIENT_ERRORS: ReadonlySet<string> = new Set([
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSRequestTimeoutError',
  'KafkaJSBrokerNotFound',
  'KafkaJSNoBrokerAvailableError',
  'KafkaJSMetadataNotLoaded',
  'KafkaJSTopicMetadataNotLoaded',
  'KafkaJSStaleTopicMetadataAssignment',
  'KafkaJSGroupCoordinatorNotFound',
  'KafkaJSLockTimeout',
  'BrokerCallTimeoutError',
]);

/** Node socket error codes of a broker that is down or went away. */
const RETRIABLE_SOCKET_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ERR_STREAM_WRITE_AFTER_END',
  'ERR_STREAM_DESTROYED',
]);

/**
 * kafkajs's own transaction state machine refuses a call after a failure left it in another state
 * ("Transaction state exception: Invalid transition...", "... in state READY"): the producer is
 * unusable, not the record. The task is rebuilt with a new producer, after a backoff.
 */
const PRODUCER_STATE_MESSAGE = /transaction state exception|invalid transition|in state (READY|TRANSACTING|COMMITTING|ABORTING|UNINITIALIZED)|write after end/i;

/** kafkajs's consumer between a crash and its restart: a call that needs its group fails until it has re-joined. */
const CONSUMER_RESTARTING_MESSAGE = /Consumer group was not initialized/i;

interface ErrorFields {
  name?: string;
  type?: string;
  code?: unknown;
  retriable?: boolean;
  message?: string;
  cause?: unknown;
  originalError?: unknown;
  category?: ErrorCategory;
}

/** The error and its causes, outermost first (kafkajs wraps in `cause` or `originalError`). */
function* chain(error: unknown): Generator<ErrorFields> {
  let e = error as ErrorFields | undefined;
  for (let depth = 0; e !== undefined && e !== null && typeof e === 'object' && depth < 6; depth++) {
    yield e;
    e = (e.cause ?? e.originalError) as ErrorFields | undefined;
  }
}

/**
 * The category of an error caught by the runtime (see {@link ErrorCategory}).
 *
 * @example
 * classifyError(Object.assign(new Error('fenced'), { name: 'KafkaJSProtocolError', type: 'PRODUCER_FENCED' })); // 'task-migrated'
 * classifyError(Object.assign(new Error('connect ECONNREFUSED'), { name: 'KafkaJSConnectionError', retriable: true })); // 'retriable'
 */
export function classifyError(error: unknown): ErrorCategory {
  if (authorizationType(error) !== undefined) return 'fatal';
  for (const e of chain(error)) {
    // An error that carries its category (a StreamsError) was classified where it was raised.
    if (e.category === 'retriable' || e.category === 'task-migrated' || e.category === 'fatal') return e.category;
    if (e.type !== undefined && TASK_MIGRATED_TYPES.has(e.type)) return 'task-migrated';
    if (e.type !== undefined && RECORD_PRODUCTION_TYPES.has(e.type)) return 'fatal';
    if (/fenced|old epoch/i.test(e.message ?? '')) return 'task-migrated';
  }
  for (const e of chain(error)) {
    if (e.code === 'SCHEMA_REGISTRY_UNAVAILABLE') return 'retriable';
    if (e.name !== undefined && RETRIABLE_CLIENT_ERRORS.has(e.name)) return 'retriable';
    if (typeof e.code === 'string' && RETRIABLE_SOCKET_CODES.has(e.code)) return 'retriable';
    if (e.name === 'KafkaJSProtocolError' && e.retriable === true) return 'retriable';
    if (PRODUCER_STATE_MESSAGE.test(e.message ?? '')) return 'retriable';
    if (CONSUMER_RESTARTING_MESSAGE.test(e.message ?? '')) return 'retriable';
    if (/ECONNREFUSED|ECONNRESET|Closed connection|Connection timeout|Request .* timed out/i.test(e.message ?? '')) return 'retriable';
  }
  return 'fatal';
}

/**
 * True when a failed send is about an output record or its topic (too large, invalid, not allowed):
 * such a failure goes to the production exception handler instead of stopping the task.
 */
export function isRecordProductionError(error: unknown): boolean {
  for (const e of chain(error)) if ((e.type !== undefined && RECORD_PRODUCTION_TYPES.has(e.type)) || e.name === 'RecordTooLargeError') return true;
  return false;
}

/** The protocol error type of an error or its causes, e.g. `MESSAGE_TOO_LARGE`, if it has one. */
export function protocolErrorType(error: unknown): string | undefined {
  for (const e of chain(error)) if (typeof e.type === 'string') return e.type;
  return undefined;
}
