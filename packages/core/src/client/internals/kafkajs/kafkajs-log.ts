/**
 * How kafkajs's log lines reach Rivulet's logger: at a level that says what they mean for the app,
 * and repeated warnings and errors once per interval (see {@link throttleLogger}).
 */
import { logLevel as KafkaLogLevel, type logCreator as LogCreator } from 'kafkajs';
import { throttleLogger, type LogThrottleOptions } from '../../../config/log-throttle.js';
import type { Logger } from '../../../config/logger.js';

/**
 * kafkajs's messages (2.2.4, protocol/error.js) of broker errors that kafkajs retries itself and
 * that resolve in a retry or two in a healthy cluster: a transaction still completing, a coordinator
 * loading or moving, a rebalance, a leader election. kafkajs logs a send that meets one as ERROR
 * "Failed to send messages: ..."; the call still succeeds, and when it does not, its error reaches
 * the runtime, which reports it. Kafka's names, with kafkajs's where they differ.
 */
const RETRIED_PROTOCOL_ERRORS: readonly string[] = [
  // CONCURRENT_TRANSACTIONS: the first AddPartitionsToTxn of a transaction that follows the previous
  // commit by a few ms, while the coordinator still writes that commit's markers.
  'The producer attempted to update a transaction while another concurrent operation on the same transaction was ongoing',
  // COORDINATOR_LOAD_IN_PROGRESS (GROUP_LOAD_IN_PROGRESS)
  "The coordinator is loading and hence can't process requests for this group",
  // COORDINATOR_NOT_AVAILABLE (GROUP_COORDINATOR_NOT_AVAILABLE)
  'The group coordinator is not available',
  // NOT_COORDINATOR (NOT_COORDINATOR_FOR_GROUP)
  'This is not the correct coordinator for this group',
  // REBALANCE_IN_PROGRESS
  'The group is rebalancing, so a rejoin is needed',
  // LEADER_NOT_AVAILABLE
  'There is no leader for this topic-partition as we are in the middle of a leadership election',
  // NOT_LEADER_OR_FOLLOWER (NOT_LEADER_FOR_PARTITION)
  'This server is not the leader for that topic-partition',
  // FENCED_LEADER_EPOCH, UNKNOWN_LEADER_EPOCH: metadata a moment behind a leader change.
  'The leader epoch in the request is older than the epoch on the broker',
  'The leader epoch in the request is newer than the epoch on the broker',
];

/** kafkajs's own re-join and retry narration: the group protocol at work, not a failure. */
const ROUTINE_LINES: readonly string[] = ['The group is rebalancing, re-joining', 'Consumer is not aware of all assigned partitions, refreshing metadata'];

/**
 * Lines about a broker that cannot be reached or answers late, and the consumer restarting after it:
 * worth a warning (once per interval) while kafkajs retries. If the retries run out, the call that
 * made them fails and the runtime reports that as an error.
 */
const CONNECTION_TROUBLE =
  /Connection error|Connection timeout|Closed connection|ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|Failed to connect|Restarting the consumer|The coordinator is not aware of this member|timed out|The server disconnected|does not host this topic-partition|fewer in-sync replicas|Cluster has disconnected|^Crash: /;

/** The level a kafkajs log line is written at. */
export function kafkajsLineLevel(level: KafkaLogLevel, message: string): 'debug' | 'info' | 'warn' | 'error' {
  if (level >= KafkaLogLevel.DEBUG) return 'debug';
  // kafkajs logs every error response of a connection at ERROR, also those its retrier or the group
  // protocol handles; the call's own outcome is what matters.
  if (message.startsWith('Response ')) return 'debug';
  if (RETRIED_PROTOCOL_ERRORS.some((m) => message.includes(m))) return 'debug';
  if (ROUTINE_LINES.some((m) => message.startsWith(m))) return 'debug';
  if (level === KafkaLogLevel.INFO) return 'info';
  // A consumer crash kafkajs restarts from is a warning; one it does not restart from reaches the
  // runtime (onCrash with restart false), which stops the app and logs it as an error.
  if (CONNECTION_TROUBLE.test(message)) return 'warn';
  return level <= KafkaLogLevel.ERROR ? 'error' : 'warn';
}

/**
 * kafkajs's `logCreator` writing to `logger` as `[kafkajs] ...`, each line at its
 * {@link kafkajsLineLevel}, a repeated warning or error once per interval with a count.
 *
 * @example
 * ```ts
 * new Kafka({ brokers, logLevel: logLevel.WARN, logCreator: kafkajsLogCreator(createConsoleLogger('warn')) });
 * ```
 */
export function kafkajsLogCreator(logger: Logger, throttle?: LogThrottleOptions): LogCreator {
  const throttled = throttleLogger(logger, throttle);
  return () =>
    ({ level, log }) => {
      const { message, ...extra } = log;
      throttled[kafkajsLineLevel(level, message)](`[kafkajs] ${message}`, extra);
    };
}
