import type { ResolvedConsumerConfig, ResolvedProducerConfig, ResolvedRetrySetting } from './client-config.js';
import type { IssueList } from './config-error.js';
import { formatValue } from './readers.js';
import { meets, OPTION_PATHS, settingAt } from './settings.js';
import type { OptionPath } from './settings.js';
import type { ProcessingGuarantee, ResolvedProcessingGuarantee } from './streams-config.js';

/** What the rules that combine settings look at: the settings read, defaults filled in. */
export interface RuleInput {
  /** The guarantee as the user wrote it (`'exactly_once_v2'` stays), for messages. */
  readonly written: ProcessingGuarantee;
  /** The guarantee with its alias resolved. */
  readonly guarantee: ResolvedProcessingGuarantee;
  /** The commit interval, in ms. */
  readonly commitIntervalMs: number;
  /** The Kafka client's retries. */
  readonly retry: ResolvedRetrySetting;
  /** The producer settings. */
  readonly producer: ResolvedProducerConfig;
  /** The consumer settings. */
  readonly consumer: ResolvedConsumerConfig;
  /** Whether the user set a setting (a dotted path) rather than left it to its default. */
  readonly isSet: (path: string) => boolean;
}

/**
 * Reports the settings that contradict the processing guarantee, from the `requires` of each row
 * of `SETTINGS` (docs/architecture.md#processing-guarantees), in the order of the rows. The
 * defaults of each guarantee never contradict it, so each problem is a value the user set.
 *
 * @param issues - Where problems are reported.
 * @param input - The settings read, defaults filled in.
 * @param valueOf - The value read for a setting.
 */
export function checkRequirements(issues: IssueList, input: RuleInput, valueOf: (path: OptionPath) => unknown): void {
  for (const path of OPTION_PATHS) {
    const requirement = settingAt(path).requires?.[input.guarantee];
    const value = valueOf(path);
    if (requirement !== undefined && !meets(requirement, value)) contradiction(issues, input, path, value, requirement);
  }
}

/** A rule that combines settings, under one guarantee or whatever the guarantee. */
interface CrossRule {
  /** What it keeps from happening, for readers of this list. */
  readonly name: string;
  /** The guarantee it belongs to; such a rule is skipped when `processingGuarantee` itself is wrong. */
  readonly guarantee?: ResolvedProcessingGuarantee;
  readonly check: (issues: IssueList, input: RuleInput) => void;
}

/** Two numeric settings where the first must stay below the second, whatever the guarantee. */
const ORDERINGS: readonly { low: OptionPath; high: OptionPath; orEqual: boolean; why: string }[] = [
  {
    low: 'consumer.heartbeatIntervalMs',
    high: 'consumer.sessionTimeoutMs',
    orEqual: false,
    why: 'a member must heartbeat within each session timeout, or the group evicts it and rebalances (a third of it at most is usual)',
  },
  { low: 'consumer.minBytes', high: 'consumer.maxBytes', orEqual: true, why: 'a fetch cannot wait for more bytes than it may return' },
  {
    low: 'retry.initialRetryTimeMs',
    high: 'retry.maxRetryTimeMs',
    orEqual: true,
    why: 'the backoff starts at initialRetryTimeMs and grows up to maxRetryTimeMs',
  },
];

/**
 * The rules that do not fit one row of `SETTINGS`, checked in this order after the rows'
 * requirements. Each problem goes to the setting the user set (the defaults agree with each
 * other), and a rule whose settings were already reported says nothing.
 */
export const CROSS_RULES: readonly CrossRule[] = [
  {
    name: 'a transaction outlives its commit interval',
    guarantee: 'exactly_once',
    check(issues, input) {
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
    },
  },
  {
    name: 'retries keep the order of records',
    guarantee: 'at_least_once',
    check(issues, input) {
      const { producer } = input;
      // With idempotence on, kafkajs keeps the order itself: it sends one Produce request at a time
      // per broker (eosManager.acquireBrokerLock), so only this combination reorders.
      if (producer.idempotent || producer.retries === 0 || producer.maxInFlightRequests <= 1) return;
      contradiction(issues, input, 'producer.maxInFlightRequests', producer.maxInFlightRequests, {
        why:
          `with producer.idempotent = false and ${showSetting(input, 'producer.retries', producer.retries)}: retries without idempotence or a single in-flight request reorder records ` +
          '(a failed request is retried after the one sent behind it succeeded)',
        fix: 'set producer.maxInFlightRequests to 1, or remove producer.idempotent = false so the idempotent producer keeps the order',
      });
    },
  },
  { name: "Kafka's idempotent producer needs acks 'all' and retries", check: checkIdempotence },
  {
    name: 'pairs of settings in order',
    check(issues, input) {
      const values: Readonly<Record<string, number>> = {
        'consumer.heartbeatIntervalMs': input.consumer.heartbeatIntervalMs,
        'consumer.sessionTimeoutMs': input.consumer.sessionTimeoutMs,
        'consumer.minBytes': input.consumer.minBytes,
        'consumer.maxBytes': input.consumer.maxBytes,
        'retry.initialRetryTimeMs': input.retry.initialRetryTimeMs,
        'retry.maxRetryTimeMs': input.retry.maxRetryTimeMs,
      };
      for (const { low, high, orEqual, why } of ORDERINGS) {
        const lowValue = values[low]!;
        const highValue = values[high]!;
        if ((orEqual ? lowValue <= highValue : lowValue < highValue) || issues.has(low, high)) continue;
        issues.add(
          input.isSet(low) ? low : high,
          `${showSetting(input, low, lowValue)} must be ${orEqual ? 'at most' : 'less than'} ${showSetting(input, high, highValue)}: ${why}. ` +
            `Fix: lower ${low} or raise ${high}.`,
        );
      }
    },
  },
];

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

function contradiction(issues: IssueList, input: RuleInput, setting: string, value: unknown, { why, fix }: { why: string; fix: string }): void {
  issues.add(setting, `${setting} = ${formatValue(value, setting)} contradicts processingGuarantee '${input.written}', ${why}. Fix: ${fix}.`);
}

/** Shows a setting and its value, marking a value the user did not set: `consumer.sessionTimeoutMs = 45000 (the default)`. */
function showSetting(input: RuleInput, path: string, value: unknown): string {
  return `${path} = ${formatValue(value, path)}${input.isSet(path) ? '' : ' (the default)'}`;
}
