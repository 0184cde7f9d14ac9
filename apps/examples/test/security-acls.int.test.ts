/**
 * Apps on a secured broker (SASL_SSL, SCRAM-SHA-512, ACLs on, nothing allowed without one), each
 * with exactly the ACLs `rivulet topics --acls` prints for its topology (docs/security.md): the word
 * count (at_least_once) and the bank (exactly_once: a changelogged store, a repartition, one
 * transactional producer per task) produce their whole, correct output. No log line of theirs, at
 * any level, holds a password of the broker (SCRAM users, key store, trust store).
 */
import { StreamsApp } from '@rivulet/core';
import { planAcls } from '@rivulet/core/internal';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { bankTopology, expectedBalances, makeTransfers } from '../src/bank/topology.js';
import { SAMPLE_TEXT, wordCountTopology } from '../src/word-count/topology.js';
import { collectingLogger } from './support/collecting-logger.js';
import { brokerLogTail, startSecureBroker, type SecureBroker } from './support/secure-broker.js';

let broker: SecureBroker;
const logLines: string[] = [];
const apps: StreamsApp[] = [];

beforeAll(async () => {
  broker = await startSecureBroker({ users: ['word-count', 'bank'] });
}, 120_000);

afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.close()));
});

describe('apps on a secured broker with their minimal ACLs', () => {
  it('word count (at_least_once) counts every word over SASL_SSL with SCRAM-SHA-512', async () => {
    const admin = broker.admin();
    const input = admin.uniqueName('wc-lines');
    const output = admin.uniqueName('wc-counts');
    const applicationId = admin.uniqueName('wc');
    await Promise.all([admin.createTopic(input, 2), admin.createTopic(output, 2)]);
    const topology = wordCountTopology({ input, output });
    await broker.grant(planAcls(topology, { applicationId, principal: 'User:word-count', processingGuarantee: 'at_least_once' }).acls);
    await admin.produce(input, SAMPLE_TEXT.map((line, i) => ({ key: String(i), value: line })));

    const { brokers, ssl, sasl } = broker.clientSettings('word-count');
    // kafkajs at debug too (every request and response, the SASL handshake among them): searched for secrets below.
    const app = new StreamsApp(topology, { applicationId, brokers, ssl, sasl, logLevel: 'debug', clientLogLevel: 'debug', logger: collectingLogger(logLines), commitIntervalMs: 200 });
    apps.push(app);
    await app.start();

    const expected = new Map<string, number>();
    for (const word of SAMPLE_TEXT.flatMap((l) => l.toLowerCase().split(/\W+/)).filter((w) => w.length > 0)) expected.set(word, (expected.get(word) ?? 0) + 1);
    const total = [...expected.values()].reduce((a, b) => a + b, 0);
    const updates = await admin.readAtLeast(output, total).catch((err: Error) => {
      throw new Error(`${err.message}\n--- broker log ---\n${brokerLogTail(broker)}`);
    });
    const last = new Map(updates.map((r) => [r.key!, r.valueBytes!.readBigInt64BE(0)]));
    expect(Object.fromEntries(last)).toEqual(Object.fromEntries([...expected].map(([w, n]) => [w, BigInt(n)])));
    expect(app.state).toBe('RUNNING');
  });

  it('the bank (exactly_once: changelog, repartition, transactional ids) keeps every balance right', async () => {
    const admin = broker.admin();
    const transfers = admin.uniqueName('bank-transfers');
    const balances = admin.uniqueName('bank-balances');
    const applicationId = admin.uniqueName('bank');
    await Promise.all([admin.createTopic(transfers, 2), admin.createTopic(balances, 2)]);
    const topology = bankTopology({ transfers, balances });
    await broker.grant(planAcls(topology, { applicationId, principal: 'User:bank', processingGuarantee: 'exactly_once' }).acls);
    const input = makeTransfers(400, 10);
    await admin.produce(transfers, input.map((t) => ({ key: t.id, value: JSON.stringify(t) })));

    const { brokers, ssl, sasl } = broker.clientSettings('bank');
    const app = new StreamsApp(topology, {
      applicationId,
      brokers,
      ssl,
      sasl,
      processingGuarantee: 'exactly_once',
      logLevel: 'debug',
      logger: collectingLogger(logLines),
      commitIntervalMs: 200,
    });
    apps.push(app);
    await app.start();

    // Each transfer makes two balance updates, read as a read_committed consumer sees them.
    const updates = await admin.readAtLeast(balances, 800).catch((err: Error) => {
      throw new Error(`${err.message}\n--- broker log ---\n${brokerLogTail(broker)}`);
    });
    const last = new Map<string, number>();
    for (const r of updates) last.set(r.key!, JSON.parse(r.value!) as number);
    expect(updates).toHaveLength(800);
    expect(Object.fromEntries(last)).toEqual(Object.fromEntries(expectedBalances(input)));
    // Its progress is committed in its own group, through its transactions.
    const committed = await admin.committedOffsets(applicationId, transfers);
    expect([...committed.values()].reduce((a, b) => a + Number(b), 0)).toBe(400);
  });

  it('printed no secret of the broker in any log line of these runs, at any level', () => {
    // Closed first: their closing lines count too.
    expect(logLines.length).toBeGreaterThan(20);
    for (const secret of broker.secrets()) expect(logLines.filter((l) => l.includes(secret))).toEqual([]);
  });
});
