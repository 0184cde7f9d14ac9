import { formatValue } from './format-value.js';
import type { IssueList } from './issue-list.js';
import { showSetting } from './rule-input.js';
import type { RuleInput } from './rule-input.js';

/**
 * Reports the settings that contradict the processing guarantee (DESIGN.md, "Processing
 * guarantees: the settings behind one switch"). The defaults of each guarantee never contradict
 * it, so each problem is a value the user set, and the fix says what to set instead.
 *
 * @param issues - Where problems are reported.
 * @param input - The settings read, defaults filled in.
 */
export function checkGuarantee(issues: IssueList, input: RuleInput): void {
  switch (input.guarantee) {
    case 'exactly_once':
      checkExactlyOnce(issues, input);
      break;
    case 'at_least_once':
      checkAtLeastOnce(issues, input);
      break;
    case 'at_most_once':
      checkAtMostOnce(issues, input);
      break;
  }
}

/**
 * Reports Kafka's own rule for the idempotent producer, whatever the guarantee: it needs acks
 * `'all'` and retries > 0 (kafkajs refuses to create it without retries, and rejects each send
 * without acks all). Skipped when `producer.idempotent` itself was already reported.
 *
 * @param issues - Where problems are reported.
 * @param input - The settings read, defaults filled in.
 */
export function checkIdempotence(issues: IssueList, input: RuleInput): void {
  const { producer } = input;
  if (!producer.idempotent || issues.has('producer.idempotent')) return;
  if (producer.acks !== -1) {
    issues.add(
      'producer.acks',
      `producer.acks = ${formatValue(producer.acks)} with producer.idempotent = true is not allowed: Kafka's idempotent producer needs acks 'all' ` +
        `(kafkajs rejects each send otherwise). Fix: set producer.acks to 'all', or producer.idempotent to false.`,
    );
  }
  if (producer.retries === 0) {
    issues.add(
      'producer.retries',
      `producer.retries = 0 with producer.idempotent = true is not allowed: Kafka's idempotent producer needs retries > 0 ` +
        `(kafkajs refuses to create it otherwise). Fix: set producer.retries above 0, or producer.idempotent to false.`,
    );
  }
}

function checkExactlyOnce(issues: IssueList, input: RuleInput): void {
  const { producer, consumer } = input;
  if (producer.acks !== -1) {
    contradiction(issues, input, {
      setting: 'producer.acks',
      value: producer.acks,
      why: "which needs acks 'all' so committed transactions are on every in-sync replica",
      fix: "remove producer.acks or set it to 'all'",
    });
  }
  if (!producer.idempotent) {
    contradiction(issues, input, {
      setting: 'producer.idempotent',
      value: false,
      why: 'which runs on the idempotent producer: its producer id and sequence numbers are what fence a zombie task and drop duplicate retries',
      fix: 'remove producer.idempotent or set it to true',
    });
  }
  if (producer.retries === 0) {
    contradiction(issues, input, {
      setting: 'producer.retries',
      value: 0,
      why: 'which needs retries > 0: a transient broker error (a leader election, a timeout) would abort the transaction, and the idempotent producer requires retries',
      fix: 'remove producer.retries (unlimited by default) or set it above 0',
    });
  }
  if (producer.maxInFlightRequests > 1) {
    contradiction(issues, input, {
      setting: 'producer.maxInFlightRequests',
      value: producer.maxInFlightRequests,
      why: "which needs one request in flight: kafkajs's transactional producer guarantees exactly-once only with maxInFlightRequests 1 (kafkajs docs, Transactions)",
      fix: 'remove producer.maxInFlightRequests or set it to 1',
    });
  }
  if (consumer.isolationLevel !== 'read_committed') {
    contradiction(issues, input, {
      setting: 'consumer.isolationLevel',
      value: consumer.isolationLevel,
      why: "which needs 'read_committed': otherwise records of aborted transactions, in the input and in the app's own repartition topics and changelogs, would be processed",
      fix: "remove consumer.isolationLevel or set it to 'read_committed'",
    });
  }
  checkCommitWithinTransaction(issues, input);
}

function checkCommitWithinTransaction(issues: IssueList, input: RuleInput): void {
  const interval = input.commitIntervalMs;
  const timeout = input.producer.transactionTimeoutMs;
  if (interval < timeout || issues.has('commitIntervalMs', 'producer.transactionTimeoutMs')) return;
  // Blame the one the user set: the defaults (100 ms and 60 s) agree with each other.
  const setting = input.isSet('commitIntervalMs') ? 'commitIntervalMs' : 'producer.transactionTimeoutMs';
  issues.add(
    setting,
    `${showSetting(input, 'commitIntervalMs', interval)} and ${showSetting(input, 'producer.transactionTimeoutMs', timeout)} ` +
      `contradict processingGuarantee '${input.written}': a transaction stays open for a whole commit interval, and the broker aborts ` +
      `any transaction older than transactionTimeoutMs. Fix: make commitIntervalMs smaller than producer.transactionTimeoutMs ` +
      `(a fraction of it, to leave room for a slow batch).`,
  );
}

function checkAtLeastOnce(issues: IssueList, input: RuleInput): void {
  const { producer } = input;
  if (producer.acks !== -1) {
    contradiction(issues, input, {
      setting: 'producer.acks',
      value: producer.acks,
      why: "which needs acks 'all': with acks 1 a record is lost if the leader fails before a follower copies it (with acks 0 nothing is even acknowledged), " +
        'while its input offset is committed as processed',
      fix: "remove producer.acks or set it to 'all'",
    });
  }
  if (producer.retries === 0) {
    contradiction(issues, input, {
      setting: 'producer.retries',
      value: 0,
      why: 'which needs retries > 0: the first transient broker error (a leader election, a timeout) would fail the send instead of retrying it',
      fix: 'remove producer.retries or set it above 0',
    });
  }
  if (!producer.idempotent && producer.retries > 0 && producer.maxInFlightRequests > 1) {
    // With idempotence on, kafkajs keeps the order itself: it sends one Produce request at a time
    // per broker (eosManager.acquireBrokerLock), so only this combination reorders.
    const retries = showSetting(input, 'producer.retries', producer.retries);
    contradiction(issues, input, {
      setting: 'producer.maxInFlightRequests',
      value: producer.maxInFlightRequests,
      why:
        `with producer.idempotent = false and ${retries}: retries without idempotence or a single in-flight request reorder records ` +
        '(a failed request is retried after the one sent behind it succeeded)',
      fix: 'set producer.maxInFlightRequests to 1, or remove producer.idempotent = false so the idempotent producer keeps the order',
    });
  }
}

function checkAtMostOnce(issues: IssueList, input: RuleInput): void {
  const { producer } = input;
  if (producer.idempotent) {
    contradiction(issues, input, {
      setting: 'producer.idempotent',
      value: true,
      why: "which never retries: the idempotent producer exists to make retries safe and needs retries > 0 and acks 'all' " +
        '(kafkajs refuses an idempotent producer without retries)',
      fix: "remove producer.idempotent or set it to false, or choose processingGuarantee 'at_least_once' for an idempotent producer",
    });
  }
  if (producer.retries > 0) {
    contradiction(issues, input, {
      setting: 'producer.retries',
      value: producer.retries,
      why: 'which never retries: a retried send can write a record twice (the first attempt may have landed and only its answer been lost), ' +
        'and at_most_once promises that no record is repeated',
      fix: 'remove producer.retries or set it to 0',
    });
  }
}

/** One setting that contradicts the guarantee: its value, why it contradicts, and the fix. */
interface Contradiction {
  readonly setting: string;
  readonly value: unknown;
  readonly why: string;
  readonly fix: string;
}

function contradiction(issues: IssueList, input: RuleInput, { setting, value, why, fix }: Contradiction): void {
  issues.add(setting, `${setting} = ${formatValue(value)} contradicts processingGuarantee '${input.written}', ${why}. Fix: ${fix}.`);
}
