import type { IssueList } from './issue-list.js';
import { showSetting } from './rule-input.js';
import type { RuleInput } from './rule-input.js';

/** Two numeric settings where the first must stay below the second. */
interface Ordering {
  readonly low: string;
  readonly high: string;
  /** Whether the two may be equal. */
  readonly orEqual: boolean;
  readonly why: string;
}

const ORDERINGS: readonly Ordering[] = [
  {
    low: 'consumer.heartbeatIntervalMs',
    high: 'consumer.sessionTimeoutMs',
    orEqual: false,
    why: 'a member must heartbeat within each session timeout, or the group evicts it and rebalances (a third of it at most is usual)',
  },
  {
    low: 'consumer.minBytes',
    high: 'consumer.maxBytes',
    orEqual: true,
    why: 'a fetch cannot wait for more bytes than it may return',
  },
  {
    low: 'retry.initialRetryTimeMs',
    high: 'retry.maxRetryTimeMs',
    orEqual: true,
    why: 'the backoff starts at initialRetryTimeMs and grows up to maxRetryTimeMs',
  },
];

/**
 * Reports pairs of settings that cannot hold together whatever the guarantee: a heartbeat
 * interval not below the session timeout, a minimum fetch size above the maximum, a first retry
 * backoff above the longest. Each problem goes to the setting the user set (the defaults agree
 * with each other). A pair where either setting was already reported is skipped.
 *
 * @param issues - Where problems are reported.
 * @param input - The settings read, defaults filled in.
 */
export function checkConsistency(issues: IssueList, input: RuleInput): void {
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
    const holds = orEqual ? lowValue <= highValue : lowValue < highValue;
    if (holds || issues.has(low, high)) continue;
    issues.add(
      input.isSet(low) ? low : high,
      `${showSetting(input, low, lowValue)} must be ${orEqual ? 'at most' : 'less than'} ${showSetting(input, high, highValue)}: ${why}. ` +
        `Fix: lower ${low} or raise ${high}.`,
    );
  }
}
