/**
 * Denied permissions on a secured broker (SASL_SSL, SCRAM-SHA-512, ACLs on): the word count under
 * exactly_once gets every ACL `rivulet topics --acls` prints but one. Each case: the app fails fast
 * (its task timeout is ten minutes: reaching ERROR within the test's time shows no retry loop ran),
 * with a fatal error that names the resource, the operation and the principal, runApp's fatal exit
 * code, and no offset committed nor output visible for records it did not process. No log line,
 * at any level, holds a password of the broker.
 */
import { AuthorizationError, EXIT_CODES, runApp, StreamsApp, type StreamsAppState } from '@rivulet/core';
import { planAcls, type AclEntry } from '@rivulet/core/internal';
import { beforeAll, describe, expect, it } from 'vitest';
import { SAMPLE_TEXT, wordCountTopology } from '../src/word-count/topology.js';
import { collectingLogger } from './support/collecting-logger.js';
import { startSecureBroker, type SecureBroker } from './support/secure-broker.js';

let broker: SecureBroker;
const logLines: string[] = [];

const USERS = ['deny-read', 'deny-write', 'deny-send', 'deny-group', 'deny-txn', 'deny-create'] as const;

beforeAll(async () => {
  broker = await startSecureBroker({ users: [...USERS] });
}, 120_000);

interface Denial {
  user: (typeof USERS)[number];
  /** Which of the app's ACLs is left out. */
  missing: (acl: AclEntry, ids: { input: string; output: string; applicationId: string }) => boolean;
  /** The operation the error must name (its `operation` field). */
  operation: string;
  /** What the error must name: resource type, resource name, operation. */
  names: (ids: { input: string; output: string; applicationId: string }) => RegExp[];
  /** An ACL granted besides (DESCRIBE on the output: the refusal then comes at the first send, not at start). */
  extra?: (ids: { input: string; output: string; applicationId: string }) => AclEntry[];
  guarantee?: 'at_least_once' | 'exactly_once';
}

const denials: Record<string, Denial> = {
  'READ on the input topic': {
    user: 'deny-read',
    operation: 'READ',
    missing: (a, { input }) => a.resourceType === 'TOPIC' && a.resourceName === input && a.operation === 'READ',
    names: ({ input }) => [new RegExp(`topic '${input}'`), /\bREAD\b/],
  },
  'WRITE on the output topic': {
    user: 'deny-write',
    operation: 'WRITE',
    missing: (a, { output }) => a.resourceType === 'TOPIC' && a.resourceName === output && a.operation === 'WRITE',
    names: ({ output }) => [new RegExp(`topic '${output}'`), /\bWRITE\b/],
  },
  'WRITE on the output topic, which it may describe (refused at the first send, at_least_once)': {
    user: 'deny-send',
    operation: 'WRITE',
    missing: (a, { output }) => a.resourceType === 'TOPIC' && a.resourceName === output && a.operation === 'WRITE',
    extra: ({ output }) => [{ principal: 'User:deny-send', resourceType: 'TOPIC', patternType: 'LITERAL', resourceName: output, operation: 'DESCRIBE', why: 'test' }],
    names: ({ output }) => [new RegExp(`topic '${output}'`), /\bWRITE\b/],
    guarantee: 'at_least_once',
  },
  'READ on the group': {
    user: 'deny-group',
    operation: 'READ',
    missing: (a, { applicationId }) => a.resourceType === 'GROUP' && a.resourceName === applicationId,
    names: ({ applicationId }) => [new RegExp(`group '${applicationId}'`), /\bREAD\b/],
  },
  'WRITE on the transactional ids': {
    user: 'deny-txn',
    operation: 'WRITE',
    missing: (a) => a.resourceType === 'TRANSACTIONAL_ID' && a.operation === 'WRITE',
    names: ({ applicationId }) => [new RegExp(`transactional id '${applicationId}-\\d+_\\d+'`), /\bWRITE\b/],
  },
  'CREATE on the internal topics': {
    user: 'deny-create',
    operation: 'CREATE',
    missing: (a, { applicationId }) => a.resourceType === 'TOPIC' && a.resourceName === `${applicationId}-` && a.operation === 'CREATE',
    names: ({ applicationId }) => [new RegExp(`topic '${applicationId}-[^']*-(repartition|changelog)'`), /\bCREATE\b/],
  },
};

describe('an app missing one ACL fails fast and clearly, committing nothing', () => {
  for (const [what, denial] of Object.entries(denials)) {
    it(`without ${what}`, async () => {
      const admin = broker.admin();
      const ids = { input: admin.uniqueName('deny-lines'), output: admin.uniqueName('deny-counts'), applicationId: admin.uniqueName(denial.user) };
      await Promise.all([admin.createTopic(ids.input, 1), admin.createTopic(ids.output, 1)]);
      const topology = wordCountTopology({ input: ids.input, output: ids.output });
      const principal = `User:${denial.user}`;
      const guarantee = denial.guarantee ?? 'exactly_once';
      const { acls } = planAcls(topology, { applicationId: ids.applicationId, principal, processingGuarantee: guarantee });
      const granted = acls.filter((a) => !denial.missing(a, ids));
      expect(granted).toHaveLength(acls.length - 1);
      await broker.grant([...granted, ...(denial.extra?.(ids) ?? [])]);
      await admin.produce(ids.input, SAMPLE_TEXT.map((line, i) => ({ key: String(i), value: line })));

      const { brokers, ssl, sasl } = broker.clientSettings(denial.user);
      const app = new StreamsApp(topology, {
        applicationId: ids.applicationId,
        brokers,
        ssl,
        sasl,
        processingGuarantee: guarantee,
        // A retry loop would run this long, and (at_least_once) a failure found only at a commit
        // would wait this long: the app must stop long before (the test's own timeout is 90 s).
        taskTimeoutMs: 600_000,
        ...(guarantee === 'at_least_once' ? { commitIntervalMs: 600_000 } : {}),
        logLevel: 'debug',
        logger: collectingLogger(logLines),
      });
      const states: StreamsAppState[] = [];
      app.state$.subscribe((s) => states.push(s));
      const fatal: Error[] = [];
      app.errors$.subscribe((e) => {
        if (e.category === 'fatal') fatal.push(e);
      });
      const code = await runApp(app, { onExit: () => undefined, logger: collectingLogger(logLines), shutdownTimeoutMs: 20_000 });

      expect(code).toBe(EXIT_CODES.FATAL);
      expect(app.state).toBe('ERROR');
      expect(states).not.toContain('PENDING_SHUTDOWN');
      const message = fatal.map((e) => e.message).join('\n');
      for (const pattern of [...denial.names(ids), new RegExp(`principal ${principal}\\b`)]) expect(message).toMatch(pattern);
      // The refusal itself, as an AuthorizationError in the fatal error's chain, with its fields.
      const refusal = fatal.flatMap((e) => [e, e.cause]).find((e): e is AuthorizationError => e instanceof AuthorizationError);
      expect(refusal).toMatchObject({ principal, operation: denial.operation, category: 'fatal' });
      // Nothing committed for records not processed; no output a read_committed reader sees.
      // (Retried: the first group call on a new broker may meet NOT_COORDINATOR while __consumer_offsets is made.)
      const committed = await admin.eventually(() => admin.committedOffsets(ids.applicationId, ids.input), 30_000, 'the committed offsets');
      expect([...committed.values()].filter((o) => o !== '-1')).toEqual([]);
      expect(await admin.readAll(ids.output)).toEqual([]);
    }, 90_000);
  }

  it('printed no secret of the broker in any log line of these runs, at any level', () => {
    expect(logLines.length).toBeGreaterThan(20);
    expect(logLines.filter((l) => l.startsWith('error ')).length).toBeGreaterThanOrEqual(Object.keys(denials).length);
    for (const secret of broker.secrets()) expect(logLines.filter((l) => l.includes(secret))).toEqual([]);
  });
});
