/**
 * Errors shaped like kafkajs 2.2.4's (node_modules/kafkajs/src/errors.js and
 * src/protocol/error.js): the same `name`, `type`, `code`, `retriable` and `cause` fields, so code
 * that classifies kafkajs errors (isFencedError, isRebalanceError, retriers) classifies these alike.
 */

/** A protocol error kafkajs knows: Kafka's error code, kafkajs's retriable flag and message. */
interface ProtocolErrorSpec {
  readonly code: number;
  readonly retriable: boolean;
  readonly message: string;
}

/** The protocol errors the fake raises or a test may script, as kafkajs 2.2.4 defines them. */
const PROTOCOL_ERRORS = {
  UNKNOWN: { code: -1, retriable: false, message: 'The server experienced an unexpected error when processing the request' },
  OFFSET_OUT_OF_RANGE: { code: 1, retriable: false, message: 'The requested offset is not within the range of offsets maintained by the server' },
  UNKNOWN_TOPIC_OR_PARTITION: { code: 3, retriable: true, message: 'This server does not host this topic-partition' },
  LEADER_NOT_AVAILABLE: { code: 5, retriable: true, message: 'There is no leader for this topic-partition as we are in the middle of a leadership election' },
  NOT_LEADER_FOR_PARTITION: { code: 6, retriable: true, message: 'This server is not the leader for that topic-partition' },
  REQUEST_TIMED_OUT: { code: 7, retriable: true, message: 'The request timed out' },
  MESSAGE_TOO_LARGE: { code: 10, retriable: false, message: 'The request included a message larger than the max message size the server will accept' },
  NETWORK_EXCEPTION: { code: 13, retriable: true, message: 'The server disconnected before a response was received' },
  GROUP_LOAD_IN_PROGRESS: { code: 14, retriable: true, message: "The coordinator is loading and hence can't process requests for this group" },
  GROUP_COORDINATOR_NOT_AVAILABLE: { code: 15, retriable: true, message: 'The group coordinator is not available' },
  NOT_COORDINATOR_FOR_GROUP: { code: 16, retriable: true, message: 'This is not the correct coordinator for this group' },
  NOT_ENOUGH_REPLICAS: { code: 19, retriable: true, message: 'Messages are rejected since there are fewer in-sync replicas than required' },
  ILLEGAL_GENERATION: { code: 22, retriable: false, message: 'Specified group generation id is not valid' },
  UNKNOWN_MEMBER_ID: { code: 25, retriable: false, message: 'The coordinator is not aware of this member' },
  OUT_OF_ORDER_SEQUENCE_NUMBER: { code: 45, retriable: false, message: 'The broker received an out of order sequence number' },
  REBALANCE_IN_PROGRESS: { code: 27, retriable: false, message: 'The group is rebalancing, so a rejoin is needed' },
  TOPIC_AUTHORIZATION_FAILED: { code: 29, retriable: false, message: 'Not authorized to access topics: [Topic authorization failed]' },
  GROUP_AUTHORIZATION_FAILED: { code: 30, retriable: false, message: 'Not authorized to access group: Group authorization failed' },
  TOPIC_ALREADY_EXISTS: { code: 36, retriable: false, message: 'Topic with this name already exists' },
  INVALID_PRODUCER_EPOCH: {
    code: 47,
    retriable: false,
    message:
      "Producer attempted an operation with an old epoch. Either there is a newer producer with the same transactionalId, or the producer's transaction has been expired by the broker",
  },
  INVALID_TXN_STATE: { code: 48, retriable: false, message: 'The producer attempted a transactional operation in an invalid state' },
  INVALID_PRODUCER_ID_MAPPING: {
    code: 49,
    retriable: false,
    message: 'The producer attempted to use a producer id which is not currently assigned to its transactional id',
  },
  // kafkajs marks it retriable although the protocol does not: the broker expects clients to retry.
  CONCURRENT_TRANSACTIONS: {
    code: 51,
    retriable: true,
    message: 'The producer attempted to update a transaction while another concurrent operation on the same transaction was ongoing',
  },
  TRANSACTION_COORDINATOR_FENCED: {
    code: 52,
    retriable: false,
    message: 'Indicates that the transaction coordinator sending a WriteTxnMarker is no longer the current coordinator for a given producer',
  },
  TRANSACTIONAL_ID_AUTHORIZATION_FAILED: { code: 53, retriable: false, message: 'Transactional Id authorization failed' },
  UNKNOWN_PRODUCER_ID: {
    code: 59,
    retriable: false,
    message:
      "This exception is raised by the broker if it could not locate the producer metadata associated with the producerId in question. This could happen if, for instance, the producer's records were deleted because their retention time had elapsed. Once the last records of the producerId are removed, the producer's metadata is removed from the broker, and future appends by the producer will return this exception",
  },
  UNSTABLE_OFFSET_COMMIT: { code: 88, retriable: true, message: 'There are unstable offsets that need to be cleared' },
  // Newer than kafkajs 2.2.4's table (KIP-588): kafkajs would report it as KAFKAJS_UNKNOWN_ERROR_CODE,
  // and its request versions make the broker answer INVALID_PRODUCER_EPOCH instead. Here for tests
  // that want the modern shape.
  PRODUCER_FENCED: { code: 90, retriable: false, message: 'There is a newer producer with the same transactionalId which fences the current one' },
} as const satisfies Record<string, ProtocolErrorSpec>;

/** A protocol error type the fake knows, as kafkajs names it. */
export type ProtocolErrorType = keyof typeof PROTOCOL_ERRORS;

/** Every protocol error type the fake knows. */
export const PROTOCOL_ERROR_TYPES = Object.keys(PROTOCOL_ERRORS) as ProtocolErrorType[];

/**
 * Names from the Kafka protocol documentation that kafkajs 2.2.4 spells differently: a test may
 * use either; the error carries kafkajs's `type`.
 */
const ALIASES: Readonly<Record<string, ProtocolErrorType>> = {
  NOT_COORDINATOR: 'NOT_COORDINATOR_FOR_GROUP',
  COORDINATOR_LOAD_IN_PROGRESS: 'GROUP_LOAD_IN_PROGRESS',
  COORDINATOR_NOT_AVAILABLE: 'GROUP_COORDINATOR_NOT_AVAILABLE',
};

/** kafkajs's base error: a message, `retriable` (true unless said otherwise) and an optional `cause`. */
export class KafkaJSError extends Error {
  /** Whether kafkajs's retrier would retry the call. */
  readonly retriable: boolean;

  constructor(message: string, options: { retriable?: boolean; cause?: unknown } = {}) {
    super(message, options.cause !== undefined ? { cause: options.cause } : undefined);
    this.name = 'KafkaJSError';
    this.retriable = options.retriable ?? true;
  }
}

/** kafkajs's error for what no retry can fix (a wrong state, a non-retriable protocol error after its retrier). */
export class KafkaJSNonRetriableError extends KafkaJSError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { retriable: false, ...options });
    this.name = 'KafkaJSNonRetriableError';
  }
}

/** An error code in a broker's response. */
export class KafkaJSProtocolError extends KafkaJSError {
  /** kafkajs's name of the error, e.g. `REBALANCE_IN_PROGRESS`. */
  readonly type: ProtocolErrorType;
  /** Kafka's error code, e.g. 27. */
  readonly code: number;

  constructor(type: ProtocolErrorType, message?: string) {
    const spec: ProtocolErrorSpec = PROTOCOL_ERRORS[type];
    super(message ?? spec.message, { retriable: spec.retriable });
    this.name = 'KafkaJSProtocolError';
    this.type = type;
    this.code = spec.code;
  }
}

/** A failed connection: `Connection error: <socket error>`, retriable. `code` is the socket's errno name. */
export class KafkaJSConnectionError extends KafkaJSError {
  /** `host:port` of the broker. */
  readonly broker: string | undefined;
  /** The socket error code, e.g. `ECONNREFUSED`. */
  readonly code: string | undefined;

  constructor(message: string, options: { broker?: string; code?: string } = {}) {
    super(message);
    this.name = 'KafkaJSConnectionError';
    this.broker = options.broker;
    this.code = options.code;
  }
}

/** The broker closed the connection. */
export class KafkaJSConnectionClosedError extends KafkaJSConnectionError {
  readonly host: string;
  readonly port: number;

  constructor(message: string, options: { host: string; port: number }) {
    super(message, { broker: `${options.host}:${options.port}` });
    this.name = 'KafkaJSConnectionClosedError';
    this.host = options.host;
    this.port = options.port;
  }
}

/** A request got no response within `requestTimeout`. */
export class KafkaJSRequestTimeoutError extends KafkaJSError {
  readonly broker: string | undefined;

  constructor(message: string, options: { broker?: string } = {}) {
    super(message);
    this.name = 'KafkaJSRequestTimeoutError';
    this.broker = options.broker;
  }
}

/** kafkajs's retrier gave up on a retriable error: the last error is the `cause` (and `originalError`). */
export class KafkaJSNumberOfRetriesExceeded extends KafkaJSNonRetriableError {
  readonly retryCount: number;
  readonly retryTime: number;
  /** The error of the last attempt (kafkajs calls it `cause`; older code reads `originalError`). */
  readonly originalError: Error;

  constructor(cause: Error, options: { retryCount: number; retryTime: number }) {
    super(cause.message, { cause });
    this.name = 'KafkaJSNumberOfRetriesExceeded';
    this.retryCount = options.retryCount;
    this.retryTime = options.retryTime;
    this.originalError = cause;
    this.stack = `${this.name}\n  Caused by: ${cause.stack ?? cause.message}`;
  }
}

/** The fake's one broker address, as errors name it. */
export const FAKE_BROKER = { host: '127.0.0.1', port: 9092 } as const;

/**
 * A protocol error by kafkajs type (or a protocol-document alias such as `NOT_COORDINATOR`).
 *
 * @example
 * protocolError('REBALANCE_IN_PROGRESS'); // { name: 'KafkaJSProtocolError', type: 'REBALANCE_IN_PROGRESS', code: 27, retriable: false }
 */
export function protocolError(type: ProtocolErrorType | keyof typeof ALIASES | string, message?: string): KafkaJSProtocolError {
  const resolved = (ALIASES[type] ?? type) as ProtocolErrorType;
  if (!(resolved in PROTOCOL_ERRORS)) throw new Error(`the fake Kafka client does not know protocol error '${type}'`);
  return new KafkaJSProtocolError(resolved, message);
}

/** Tells whether `type` names a protocol error the fake knows (directly or by alias). */
export function isKnownProtocolError(type: string): boolean {
  return (ALIASES[type] ?? type) in PROTOCOL_ERRORS;
}

/** What every call gets while the broker is down: a refused connection, as kafkajs reports it. */
export function connectionRefused(): KafkaJSConnectionError {
  return new KafkaJSConnectionError(`Connection error: connect ECONNREFUSED ${FAKE_BROKER.host}:${FAKE_BROKER.port}`, {
    broker: `${FAKE_BROKER.host}:${FAKE_BROKER.port}`,
    code: 'ECONNREFUSED',
  });
}

/** The broker closed the connection. */
export function connectionClosed(): KafkaJSConnectionClosedError {
  return new KafkaJSConnectionClosedError('Closed connection', FAKE_BROKER);
}

/** A request that timed out, named as kafkajs names it. */
export function requestTimeout(api: string): KafkaJSRequestTimeoutError {
  return new KafkaJSRequestTimeoutError(`Request ${api}(key: -1, version: -1) timed out`, { broker: `${FAKE_BROKER.host}:${FAKE_BROKER.port}` });
}
