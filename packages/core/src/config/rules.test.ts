import { describe, expect, it } from 'vitest';
import { ConfigError, IssueList } from './config-error.js';
import { checkIdempotence } from './rules.js';
import type { RuleInput } from './rules.js';
import { defaultsFor } from './settings.js';
import type { StreamsConfig } from './streams-config.js';
import { resolveConfig } from './validate.js';

const MINIMAL = { applicationId: 'orders-app', brokers: ['localhost:9092'] } as const;

/** Resolves a config that must be rejected and returns its one issue. */
function onlyIssue(config: Record<string, unknown>): { setting: string; message: string } {
  let error: unknown;
  try {
    resolveConfig({ ...MINIMAL, ...config } as unknown as StreamsConfig);
  } catch (caught) {
    error = caught;
  }
  expect(error).toBeInstanceOf(ConfigError);
  const issues = (error as ConfigError).issues;
  expect(issues.map((issue) => issue.setting)).toHaveLength(1);
  return issues[0]!;
}

describe('settings that contradict exactly_once', () => {
  it.each([
    [{ acks: 0 }, 'producer.acks', "producer.acks = 0 contradicts processingGuarantee 'exactly_once', which needs acks 'all' so committed transactions are on every in-sync replica. Fix: remove producer.acks or set it to 'all'."],
    [{ acks: 1 }, 'producer.acks', "Fix: remove producer.acks or set it to 'all'."],
    [{ idempotent: false }, 'producer.idempotent', 'Fix: remove producer.idempotent or set it to true.'],
    [{ retries: 0 }, 'producer.retries', 'Fix: remove producer.retries (unlimited by default) or set it above 0.'],
    [{ maxInFlightRequests: 2 }, 'producer.maxInFlightRequests', 'Fix: remove producer.maxInFlightRequests or set it to 1.'],
  ])('rejects producer %o, naming %s and the fix', (producer, setting, expected) => {
    const issue = onlyIssue({ processingGuarantee: 'exactly_once', producer });
    expect(issue.setting).toBe(setting);
    expect(issue.message).toContain(`contradicts processingGuarantee 'exactly_once'`);
    expect(issue.message).toContain(expected);
  });

  it("rejects consumer.isolationLevel 'read_uncommitted'", () => {
    const issue = onlyIssue({ processingGuarantee: 'exactly_once', consumer: { isolationLevel: 'read_uncommitted' } });
    expect(issue.setting).toBe('consumer.isolationLevel');
    expect(issue.message).toContain("consumer.isolationLevel = 'read_uncommitted' contradicts processingGuarantee 'exactly_once'");
    expect(issue.message).toContain("Fix: remove consumer.isolationLevel or set it to 'read_committed'.");
  });

  it('rejects a commit interval that outlasts the transaction timeout', () => {
    const issue = onlyIssue({ processingGuarantee: 'exactly_once', commitIntervalMs: 60000 });
    expect(issue.setting).toBe('commitIntervalMs');
    expect(issue.message).toContain('commitIntervalMs = 60000 and producer.transactionTimeoutMs = 60000 (the default) contradict');
    expect(issue.message).toContain('Fix: make commitIntervalMs smaller than producer.transactionTimeoutMs');

    const shortTimeout = onlyIssue({ processingGuarantee: 'exactly_once', producer: { transactionTimeoutMs: 50 } });
    expect(shortTimeout.setting).toBe('producer.transactionTimeoutMs');
  });

  it("names the guarantee as the user wrote it, 'exactly_once_v2' included", () => {
    const issue = onlyIssue({ processingGuarantee: 'exactly_once_v2', producer: { acks: 1 } });
    expect(issue.message).toContain("producer.acks = 1 contradicts processingGuarantee 'exactly_once_v2'");
  });

  it('reports every contradiction at once, one per line', () => {
    let error: ConfigError | undefined;
    try {
      resolveConfig({
        ...MINIMAL,
        processingGuarantee: 'exactly_once',
        producer: { acks: 0, idempotent: false, retries: 0, maxInFlightRequests: 5 },
        consumer: { isolationLevel: 'read_uncommitted' },
      });
    } catch (caught) {
      error = caught as ConfigError;
    }
    expect(error?.settings).toEqual([
      'producer.acks',
      'producer.idempotent',
      'producer.retries',
      'producer.maxInFlightRequests',
      'consumer.isolationLevel',
    ]);
    expect(error?.message.split('\n')).toHaveLength(6);
  });

  it('leaves transactionTimeoutMs alone under the other guarantees', () => {
    expect(resolveConfig({ ...MINIMAL, commitIntervalMs: 90000 }).commitIntervalMs).toBe(90000);
  });
});

describe('settings that contradict at_least_once', () => {
  it.each([0, 1] as const)('rejects acks %s: records could be lost', (acks) => {
    const issue = onlyIssue({ producer: { acks } });
    expect(issue.setting).toBe('producer.acks');
    expect(issue.message).toContain(`producer.acks = ${acks} contradicts processingGuarantee 'at_least_once'`);
    expect(issue.message).toContain('is lost');
    expect(issue.message).toContain("Fix: remove producer.acks or set it to 'all'.");
  });

  it('rejects retries 0', () => {
    const issue = onlyIssue({ producer: { retries: 0 } });
    expect(issue.setting).toBe('producer.retries');
    expect(issue.message).toContain("producer.retries = 0 contradicts processingGuarantee 'at_least_once'");
    expect(issue.message).toContain('Fix: remove producer.retries or set it above 0.');
  });

  it('rejects retries without idempotence and with several requests in flight', () => {
    const issue = onlyIssue({ producer: { idempotent: false, retries: 3, maxInFlightRequests: 5 } });
    expect(issue.setting).toBe('producer.maxInFlightRequests');
    expect(issue.message).toContain('producer.maxInFlightRequests = 5 contradicts');
    expect(issue.message).toContain('retries without idempotence or a single in-flight request reorder records');
    expect(issue.message).toContain('Fix: set producer.maxInFlightRequests to 1, or remove producer.idempotent = false');
  });

  it('shows the default retries by name', () => {
    const issue = onlyIssue({ producer: { idempotent: false, maxInFlightRequests: 5 } });
    expect(issue.message).toContain('producer.retries = Number.MAX_SAFE_INTEGER (the default)');
  });

  it('accepts each way of keeping the order: idempotence, or one request in flight', () => {
    expect(resolveConfig({ ...MINIMAL, producer: { idempotent: true, maxInFlightRequests: 5 } }).producer.maxInFlightRequests).toBe(5);
    expect(resolveConfig({ ...MINIMAL, producer: { idempotent: false, retries: 3 } }).producer.idempotent).toBe(false);
  });

  it("accepts 'read_uncommitted': reading aborted records loses nothing", () => {
    const resolved = resolveConfig({ ...MINIMAL, consumer: { isolationLevel: 'read_uncommitted' } });
    expect(resolved.consumer.isolationLevel).toBe('read_uncommitted');
  });
});

describe('settings that contradict at_most_once', () => {
  it('rejects retries > 0: a retry can write a record twice', () => {
    const issue = onlyIssue({ processingGuarantee: 'at_most_once', producer: { retries: 3 } });
    expect(issue.setting).toBe('producer.retries');
    expect(issue.message).toContain("producer.retries = 3 contradicts processingGuarantee 'at_most_once'");
    expect(issue.message).toContain('write a record twice');
    expect(issue.message).toContain('Fix: remove producer.retries or set it to 0.');
  });

  it('rejects the idempotent producer, once, without echoing its other needs', () => {
    const issue = onlyIssue({ processingGuarantee: 'at_most_once', producer: { idempotent: true } });
    expect(issue.setting).toBe('producer.idempotent');
    expect(issue.message).toContain("producer.idempotent = true contradicts processingGuarantee 'at_most_once'");
    expect(issue.message).toContain('Fix: remove producer.idempotent or set it to false');
  });

  it('accepts acks 0, 1 and all, and reading uncommitted records', () => {
    for (const acks of [0, 1, 'all'] as const) {
      expect(() => resolveConfig({ ...MINIMAL, processingGuarantee: 'at_most_once', producer: { acks } })).not.toThrow();
    }
    const readUncommitted = { processingGuarantee: 'at_most_once', consumer: { isolationLevel: 'read_uncommitted' } } as const;
    expect(() => resolveConfig({ ...MINIMAL, ...readUncommitted })).not.toThrow();
  });
});

describe("Kafka's rule for the idempotent producer, whatever the guarantee", () => {
  function inputWith(producer: Partial<RuleInput['producer']>): RuleInput {
    const defaults = defaultsFor('at_least_once');
    return {
      ...defaults,
      written: 'at_least_once',
      guarantee: 'at_least_once',
      retry: { retries: 5, initialRetryTimeMs: 300, maxRetryTimeMs: 30000 },
      producer: { ...defaults.producer, ...producer },
      isSet: () => true,
    };
  }

  it('requires acks all', () => {
    const issues = new IssueList();
    checkIdempotence(issues, inputWith({ idempotent: true, acks: 1 }));
    expect(issues.issues).toHaveLength(1);
    expect(issues.issues[0]?.setting).toBe('producer.acks');
    expect(issues.issues[0]?.message).toContain("Kafka's idempotent producer needs acks 'all'");
    expect(issues.issues[0]?.message).toContain("Fix: set producer.acks to 'all', or producer.idempotent to false.");
  });

  it('requires retries > 0', () => {
    const issues = new IssueList();
    checkIdempotence(issues, inputWith({ idempotent: true, retries: 0 }));
    expect(issues.issues.map((issue) => issue.setting)).toEqual(['producer.retries']);
    expect(issues.issues[0]?.message).toContain('Fix: set producer.retries above 0, or producer.idempotent to false.');
  });

  it('says nothing about a producer that is not idempotent', () => {
    const issues = new IssueList();
    checkIdempotence(issues, inputWith({ idempotent: false, acks: 0, retries: 0 }));
    expect(issues.issues).toEqual([]);
  });

  it('defers to a guarantee rule that already rejected producer.idempotent', () => {
    const issues = new IssueList();
    issues.add('producer.idempotent', 'already reported');
    checkIdempotence(issues, inputWith({ idempotent: true, acks: 1, retries: 0 }));
    expect(issues.issues.map((issue) => issue.setting)).toEqual(['producer.idempotent']);
  });
});
