import { describe, expect, it } from 'vitest';
import { describePlan, isInternalTopic, parseDateTime, parseDuration, planReset, resetTarget, type ResetFacts } from './reset-plan.js';

const facts: ResetFacts = {
  applicationId: 'orders-app',
  inputTopics: ['orders', 'customers', 'gone'],
  topics: [
    'orders',
    'customers',
    'orders-app-by-customer-repartition',
    'orders-app-totals-changelog',
    'orders-app-fk-subscription-registration-topic',
    'orders-app-fk-subscription-response-topic',
    'orders-app-report', // a topic of the app's name that is not internal: kept
    'other-app-totals-changelog', // another app's: kept
    'orders-app-output',
  ],
  partitions: new Map([
    ['orders', [
      { partition: 0, low: 0, high: 10, committed: 10, atTimestamp: 4 },
      { partition: 1, low: 5, high: 8, atTimestamp: undefined },
    ]],
    ['customers', [{ partition: 0, low: 2, high: 3, committed: 3 }]],
  ]),
};

describe('planReset', () => {
  it('to earliest: every partition of the existing input topics to its low offset; the app\'s internal topics deleted', () => {
    const plan = planReset(facts, { kind: 'earliest' });
    expect(plan.offsets).toEqual([
      { topic: 'orders', partition: 0, from: 10, to: 0 },
      { topic: 'orders', partition: 1, from: undefined, to: 5 },
      { topic: 'customers', partition: 0, from: 3, to: 2 },
    ]);
    expect(plan.deleteTopics).toEqual([
      'orders-app-by-customer-repartition',
      'orders-app-fk-subscription-registration-topic',
      'orders-app-fk-subscription-response-topic',
      'orders-app-totals-changelog',
    ]);
    expect(plan.missingInputTopics).toEqual(['gone']);
  });

  it('to latest, to an offset (kept within the log), to a time (the end where no record is that late)', () => {
    expect(planReset(facts, { kind: 'latest' }).offsets.map((o) => o.to)).toEqual([10, 8, 3]);
    expect(planReset(facts, { kind: 'offset', offset: 6 }).offsets.map((o) => o.to)).toEqual([6, 6, 3]);
    expect(planReset(facts, { kind: 'offset', offset: 1 }).offsets.map((o) => o.to)).toEqual([1, 5, 2]);
    expect(planReset(facts, { kind: 'timestamp', timestamp: 0, from: 'x' }).offsets.map((o) => o.to)).toEqual([4, 8, 3]);
  });

  it('tells internal topics by prefix and suffix', () => {
    expect(isInternalTopic('a', 'a-s-changelog')).toBe(true);
    expect(isInternalTopic('a', 'a-x-repartition')).toBe(true);
    expect(isInternalTopic('a', 'ab-s-changelog')).toBe(false);
    expect(isInternalTopic('a', 'a-output')).toBe(false);
  });

  it('says what it did, or would do with --dry-run', () => {
    const plan = planReset(facts, { kind: 'earliest' });
    const dry = describePlan('orders-app', plan, { kind: 'earliest' }, true);
    expect(dry).toEqual([
      "input topic 'gone' not found: skipped",
      "Committed offsets of group 'orders-app' that would be reset to the earliest offset:",
      '  orders partition 0: 10 -> 0',
      '  orders partition 1: none -> 5',
      '  customers partition 0: 3 -> 2',
      'Internal topics that would be deleted:',
      '  orders-app-by-customer-repartition',
      '  orders-app-fk-subscription-registration-topic',
      '  orders-app-fk-subscription-response-topic',
      '  orders-app-totals-changelog',
      'Dry run: nothing was changed.',
    ]);
    const done = describePlan('orders-app', { offsets: [], deleteTopics: [], missingInputTopics: [] }, { kind: 'earliest' }, false);
    expect(done[0]).toBe('No input topic offsets are reset (no --input-topics given).');
    expect(done.at(-1)).toMatch(/^Done\. Local state is not touched: call app\.cleanUp\(\)/);
  });
});

describe('reset options', () => {
  it('default to earliest, and take one target', () => {
    expect(resetTarget({}, 0)).toEqual({ kind: 'earliest' });
    expect(resetTarget({ 'to-latest': true }, 0)).toEqual({ kind: 'latest' });
    expect(resetTarget({ 'to-offset': '42' }, 0)).toEqual({ kind: 'offset', offset: 42 });
    expect(() => resetTarget({ 'to-offset': '-1' }, 0)).toThrow("--to-offset must be an offset (an integer >= 0), got '-1'");
    expect(resetTarget({ 'to-datetime': '2026-12-01T10:00:00Z' }, 0)).toEqual({ kind: 'timestamp', timestamp: Date.UTC(2026, 11, 1, 10), from: '2026-12-01T10:00:00Z' });
    const now = Date.UTC(2026, 11, 5, 12);
    expect(resetTarget({ 'by-duration': 'P1DT2H' }, now)).toMatchObject({ kind: 'timestamp', timestamp: now - 26 * 3_600_000 });
    expect(() => resetTarget({ 'to-latest': true, 'by-duration': 'PT1M' }, 0)).toThrow('reset: choose one of --to-latest, --by-duration');
  });

  it('parse ISO 8601 durations and date-times', () => {
    expect(parseDuration('PT30M')).toBe(1_800_000);
    expect(parseDuration('P2D')).toBe(172_800_000);
    expect(parseDuration('PT1.5S')).toBe(1500);
    for (const bad of ['P', 'PT', '1D', 'P1H', 'PT-1M']) expect(() => parseDuration(bad)).toThrow(/not an ISO 8601 duration/);
    expect(parseDateTime('2026-12-01T10:00:00.250+01:00')).toBe(Date.UTC(2026, 11, 1, 9, 0, 0, 250));
    for (const bad of ['yesterday', '2026-12-01', '2026-13-01T00:00:00Z']) expect(() => parseDateTime(bad)).toThrow(/not an ISO 8601 date-time/);
  });
});
