/**
 * The bank example across crashes: the app runs in a child process that is killed with SIGKILL
 * three times, at random moments of its processing, and started again while transfers keep
 * arriving. A read_committed verifier then checks that no money was created or lost: exactly two
 * balance updates per transfer (none lost, none repeated), each account's last balance what the
 * transfers say, and the total zero.
 *
 * With 3 transfer partitions, the 3 tasks that split transfers into movements all write every
 * partition of the repartition topic, each in its own transactions. A kill leaves their aborted
 * transactions interleaved in a partition. kafkajs 2.2.4's own read_committed filter
 * (consumer/filterAbortedMessages.js) lets the head of such an aborted transaction through, and the
 * app would count those movements twice; Rivulet patches that filter
 * (patches/kafkajs+2.2.4.patch, applied at install), and this scenario proves it end to end.
 */
import { KafkaTestHarness, type HarnessRecord } from '@rivulet/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { expectedBalances, makeTransfers, type Transfer } from '../src/bank/topology.js';
import { killAllChildren, startExample, type ExampleChild } from './support/child-process.js';

const BANK_APP = 'apps/examples/test/support/bank-app.ts';
const KILLS = 3;
const TRANSFERS = 3_000;
const ACCOUNTS = 20;

const SCENARIOS = [{ partitions: 1 }, { partitions: 3 }];

afterEach(async () => {
  await killAllChildren();
});

/** What the read_committed verifier found: with exactly_once, exactly what the transfers say. */
function verify(input: readonly Transfer[], updates: readonly HarnessRecord[], movementsInRepartitionTopic: number) {
  const last = new Map<string, number>();
  const perAccount = new Map<string, number>();
  for (const r of updates) {
    last.set(r.key!, JSON.parse(r.value!) as number);
    perAccount.set(r.key!, (perAccount.get(r.key!) ?? 0) + 1);
  }
  const movements = new Map<string, number>();
  for (const t of input) for (const account of [t.from, t.to]) movements.set(account, (movements.get(account) ?? 0) + 1);
  const wrongBalances: Record<string, { expected: number; actual: number | undefined }> = {};
  for (const [account, expected] of expectedBalances(input)) {
    if (last.get(account) !== expected) wrongBalances[account] = { expected, actual: last.get(account) };
  }
  const updatesPerAccountWrong: Record<string, { expected: number; actual: number | undefined }> = {};
  for (const [account, expected] of movements) {
    if (perAccount.get(account) !== expected) updatesPerAccountWrong[account] = { expected, actual: perAccount.get(account) };
  }
  return {
    updates: updates.length,
    movementsInRepartitionTopic,
    wrongBalances,
    total: [...last.values()].reduce((a, b) => a + b, 0),
    updatesPerAccountWrong,
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const asRecord = (t: Transfer) => ({ key: t.id, value: JSON.stringify(t) });

describe.each(SCENARIOS)('bank transfers example across crashes, $partitions transfer partition(s)', ({ partitions }) => {
  it(`creates and loses no money when the app is killed ${KILLS} times and restarted`, async () => {
    const kafka = new KafkaTestHarness();
    const transfers = kafka.uniqueName('crash-transfers');
    const balances = kafka.uniqueName('crash-balances');
    const applicationId = kafka.uniqueName('bank-crash');
    await Promise.all([kafka.createTopic(transfers, partitions), kafka.createTopic(balances, partitions)]);
    // The app's internal topics, as it would create them: created here so that a child killed
    // during its first start cannot leave them half made.
    await kafka.withAdmin((admin) =>
      admin.createTopics({
        waitForLeaders: true,
        topics: [
          { topic: `${applicationId}-movements-repartition`, numPartitions: partitions, configEntries: [{ name: 'cleanup.policy', value: 'delete' }] },
          { topic: `${applicationId}-balances-changelog`, numPartitions: partitions, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] },
        ],
      }),
    );

    const input = makeTransfers(TRANSFERS, ACCOUNTS, 11);
    const env = {
      KAFKA_BROKERS: kafka.brokers.join(','),
      BANK_APPLICATION_ID: applicationId,
      BANK_TRANSFERS: transfers,
      BANK_BALANCES: balances,
      BANK_STATE_DIR: `/tmp/rivulet-test-state/${applicationId}`,
    };
    const children: ExampleChild[] = [];
    const launch = (): ExampleChild => {
      const child = startExample(`bank #${children.length + 1}`, BANK_APP, env);
      children.push(child);
      return child;
    };
    const history = () => children.map((c) => `--- ${c.label} (${JSON.stringify(c.exit ?? 'running')})\n${c.tail(15)}`).join('\n');

    // A fifth of the transfers up front, the rest while the app is being killed.
    const upFront = TRANSFERS / 5;
    await kafka.produce(transfers, input.slice(0, upFront).map(asRecord));
    let child = launch();
    await child.waitForLine(/^state RUNNING/, 45_000);
    let produced = upFront;
    const feeding = (async () => {
      while (produced < TRANSFERS) {
        const next = Math.min(produced + 200, TRANSFERS);
        await kafka.produce(transfers, input.slice(produced, next).map(asRecord));
        produced = next;
        await sleep(1_500);
      }
    })();

    const kills: string[] = [];
    for (let k = 0; k < KILLS; k++) {
      await child.waitForLine(/^state RUNNING/, 45_000);
      // Somewhere in its processing: the backlog of the downtime, or the transfers as they come.
      const delay = 300 + Math.round(Math.random() * 2_000);
      await sleep(delay);
      kills.push(`${child.label} killed ${delay} ms after RUNNING, ${produced} transfers produced`);
      await child.kill();
      child = launch();
    }
    await feeding;
    await child.waitForLine(/^state RUNNING/, 45_000);

    // Each transfer makes two balance updates. Then a clean close (SIGTERM), which must exit 0.
    await kafka.readAtLeast(balances, 2 * TRANSFERS, 45_000).catch((err: unknown) => {
      throw new Error(`${(err as Error).message}\nkills: ${kills.join('; ')}\n${history()}`);
    });
    child.signal('SIGTERM');
    expect(await child.waitForExit(30_000), history()).toEqual({ code: 0, signal: null });

    // The verifier reads as a downstream consumer would: read_committed. It reports everything it
    // finds before asserting, so that a failure says where money appeared or vanished.
    const updates = await kafka.readAll(balances);
    const movements = await kafka.readAll(`${applicationId}-movements-repartition`);
    const report = verify(input, updates, movements.length);
    expect(report, `${applicationId}: ${transfers} -> ${balances}; kills: ${kills.join('; ')}`).toEqual({
      updates: 2 * TRANSFERS,
      movementsInRepartitionTopic: 2 * TRANSFERS,
      wrongBalances: {},
      total: 0,
      updatesPerAccountWrong: {},
    });
    expect(children).toHaveLength(KILLS + 1);
  });
});
