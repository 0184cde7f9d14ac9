/**
 * Standby replicas on a real broker (issue 12, item 6): two instances of the counting app
 * (test/crash/crash-app.ts) in child processes, exactly_once, `numStandbyReplicas: 1`, on an input
 * of 3 partitions and 3,000 keys. Instance A starts first and keeps two of the three tasks when B
 * joins; B keeps warm standby copies of those two. A is killed with SIGKILL once all input is
 * processed; when its session expires B takes both tasks over with its standby copies' stores, so
 * their restores start at the changelog's end, not at 0, and restore (almost) nothing. B then
 * counts more input, and a read_committed verifier checks that every input record was copied
 * exactly once and that per key the counts run 1..n: B's stores went on from A's exactly.
 *
 * Then the same hand-over followed by a crash of B while its transaction is open (persistent
 * stores): restarted on its state folder, B must still count 1..n per key.
 */
import { existsSync, rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { changelogTopic } from '../src/index.js';
import { expectedCounts, inputRecords, verifyCopies, verifyCounts, type CrashInput } from './crash/verifier.js';
import { killAllChildren, startCrashApp, type AppEvent, type CrashAppChild } from './support/child-app.js';
import { groupLag } from './support/group-offsets.js';
import { brokers, eventually, readAll, testKafka, uniqueName } from './support/kafka.js';
import { createTopicsAndWait } from './support/topics.js';

const PARTITIONS = 3;
const INPUT: CrashInput = { total: 24_000, keys: 3_000 };
/** Input records processed by A before it is killed; the rest arrive after. */
const BEFORE_KILL = 18_000;
/** The broker's minimum: a killed member's tasks move after this. */
const SESSION_TIMEOUT_MS = 6_000;
/**
 * How long B's standby follower gets after A committed its last input to read the changelog's
 * last records: it follows continuously (a fetch wait is at most the consumer's maxWaitTimeMs).
 */
const FOLLOW_SLACK_MS = 2_000;

/** A crash app's restore listener events (see crash-app.ts). */
interface RestoreEvent {
  readonly event: 'restore-start' | 'restore-end';
  readonly topic: string;
  readonly partition: number;
  readonly start?: string;
  readonly end?: string;
  readonly restored?: number;
  readonly at: number;
}

const restoreEvents = (child: CrashAppChild): RestoreEvent[] =>
  (child.events as unknown as RestoreEvent[]).filter((e) => e.event === 'restore-start' || e.event === 'restore-end');
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const lastRebalance = (child: CrashAppChild): AppEvent | undefined => child.events.filter((e) => e.event === 'rebalance').at(-1);

// crash-app.ts reads `--standbys` also from CRASH_STANDBYS; child-app.ts passes the environment on.
const previousStandbys = process.env['CRASH_STANDBYS'];
beforeAll(() => {
  process.env['CRASH_STANDBYS'] = '1';
});
afterAll(async () => {
  if (previousStandbys === undefined) delete process.env['CRASH_STANDBYS'];
  else process.env['CRASH_STANDBYS'] = previousStandbys;
  await killAllChildren();
});

describe('standby replicas (real broker)', () => {
  it.concurrent.each(['memory', 'persistent'] as const)(
    '%s store: the owner is killed; the survivor takes its tasks over from its standby copies, restores only the tail, and the counts go on exactly',
    async (store) => {
      const applicationId = uniqueName(`standby-${store}`);
      const input = uniqueName('standby-in');
      const copies = uniqueName('standby-copies');
      const counts = uniqueName('standby-counts');
      const changelog = changelogTopic(applicationId, 'counts');
      await createTopicsAndWait([input, copies, counts], PARTITIONS);
      // As the crash tests do: the changelog made here, not by start()'s createTopics (see crash.int.test.ts).
      await createTopicsAndWait([changelog], PARTITIONS, { 'cleanup.policy': 'compact' });
      const stateRoot = `/tmp/rivulet-standby/${applicationId}`;
      const launch = (name: 'a' | 'b') =>
        startCrashApp(name, {
          brokers: brokers(),
          applicationId,
          input,
          copies,
          counts,
          guarantee: 'exactly_once',
          stateDir: `${stateRoot}/${name}`,
          store,
          clientId: name,
          sessionTimeoutMs: SESSION_TIMEOUT_MS,
          heartbeatIntervalMs: 1_000,
          maxBytesPerPartition: 65_536,
          logLevel: 'warn',
        });
      const kafka = testKafka('rivulet-standby-test');
      const admin = kafka.admin();
      const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
      await Promise.all([admin.connect(), producer.connect()]);
      const children: CrashAppChild[] = [];
      try {
        const a = launch('a');
        children.push(a);
        await a.waitForRunning(30_000);
        const b = launch('b');
        children.push(b);
        // A keeps two tasks (sticky), B gets one; each keeps standbys of the other's.
        const settled = async () => {
          const ra = lastRebalance(a);
          const rb = lastRebalance(b);
          return ra !== undefined && rb !== undefined && ra.tasks!.length + rb.tasks!.length === PARTITIONS && rb.tasks!.length > 0 ? ra.tasks! : undefined;
        };
        const tasksOfA = await eventually(settled, 30_000, 'A and B sharing the tasks');
        expect(tasksOfA).toHaveLength(2);
        for (const t of tasksOfA) {
          await b.waitForEvent((e) => e.event === 'log' && e.message === `keeping a standby copy of task ${t}`, 10_000, `B keeping a standby of ${t}`);
        }

        for (let i = 0; i < BEFORE_KILL; i += 3_000) {
          await producer.send({ topic: input, acks: -1, messages: inputRecords(INPUT, i, i + 3_000) });
        }
        await eventually(async () => ((await groupLag(admin, applicationId, input)) === 0 ? true : undefined), 60_000, 'A and B processing the input');
        await sleep(FOLLOW_SLACK_MS);
        const endsAtKill = new Map((await admin.fetchTopicOffsets(changelog)).map((p) => [p.partition, BigInt(p.high)]));
        const restoresBefore = restoreEvents(b).length;

        await a.kill();
        const killedAt = Date.now();
        for (let i = BEFORE_KILL; i < INPUT.total; i += 3_000) {
          await producer.send({ topic: input, acks: -1, messages: inputRecords(INPUT, i, Math.min(i + 3_000, INPUT.total)) });
        }
        const takeover = await b.waitForEvent(
          (e) => e.event === 'rebalance' && e.tasks!.length === PARTITIONS && tasksOfA.every((t) => e.gained!.includes(t)),
          SESSION_TIMEOUT_MS + 20_000,
          "B taking A's tasks over",
        );
        await eventually(async () => ((await groupLag(admin, applicationId, input)) === 0 ? true : undefined), 60_000, 'B processing the rest');
        const failoverMs = Date.now() - killedAt;

        // Each of A's tasks: B took its standby copy's stores and restored from (near) the end.
        const restores = restoreEvents(b).slice(restoresBefore);
        const figures: Record<string, unknown> = { store, rebalanceMs: takeover.durationMs, killToCaughtUpMs: failoverMs };
        for (const t of tasksOfA) {
          const p = Number(t.split('_')[1]);
          expect(b.events.some((e) => e.event === 'log' && e.message === `task ${t} takes over its standby copy's stores`), t).toBe(true);
          const start = restores.find((e) => e.event === 'restore-start' && e.topic === changelog && e.partition === p);
          const end = restores.find((e) => e.event === 'restore-end' && e.topic === changelog && e.partition === p);
          expect(start, `restore of ${t}`).toBeDefined();
          expect(end, `restore of ${t}`).toBeDefined();
          const endAtKill = endsAtKill.get(p)!;
          // The partition holds ~6,000 counts of A's; the standby copy had them all: at most a
          // transaction marker is left to read.
          expect(endAtKill).toBeGreaterThan(5_000n);
          expect(BigInt(start!.start!), t).toBeGreaterThanOrEqual(endAtKill - 1n);
          expect(BigInt(start!.end!), t).toBeGreaterThanOrEqual(endAtKill);
          expect(end!.restored, t).toBe(0);
          figures[`restore ${t}`] = { start: start!.start, end: start!.end, endAtKill: String(endAtKill), ms: end!.at - start!.at };
        }
        console.log(`standby fail-over figures: ${JSON.stringify(figures)}`);

        const closed = await b.terminate(30_000);
        expect(closed.exit, b.tail(40)).toEqual({ code: 0, signal: null });
        const [copied, counted] = await Promise.all([readAll(copies, { timeoutMs: 60_000 }), readAll(counts, { timeoutMs: 60_000 })]);
        const copiesReport = verifyCopies(copied, INPUT);
        expect(copiesReport.problems).toEqual([]);
        expect({ missing: copiesReport.missing, duplicated: copiesReport.duplicated, outOfOrder: copiesReport.keysOutOfOrder }).toEqual({ missing: 0, duplicated: 0, outOfOrder: 0 });
        const countsReport = verifyCounts(
          counted.map((r) => ({ key: r.key, count: r.valueBytes!.readBigInt64BE() })),
          INPUT,
        );
        expect(countsReport.problems).toEqual([]);
        expect(countsReport.keys).toBe(expectedCounts(INPUT).size);
      } catch (err) {
        for (const c of children) console.error(`--- ${c.label} (last lines)\n${c.tail(60)}`);
        throw err;
      } finally {
        await Promise.all(children.map((c) => c.kill()));
        await Promise.all([admin.disconnect(), producer.disconnect()]);
        rmSync(stateRoot, { recursive: true, force: true });
      }
    },
    60_000,
  );

  it.concurrent(
    'persistent store: the new owner crashes mid-transaction after taking a standby copy over; restarted on its state folder, its counts still run 1..n',
    async () => {
      // 20,000 keys and a 3 s commit interval: B's open transaction writes more keys than the lmdb
      // store buffers (10,000 entries), so some of its uncommitted writes are on disk when it dies.
      const input: CrashInput = { total: 60_000, keys: 20_000 };
      const applicationId = uniqueName('standby-crash');
      const inputTopic = uniqueName('standby-crash-in');
      const copies = uniqueName('standby-crash-copies');
      const counts = uniqueName('standby-crash-counts');
      await createTopicsAndWait([inputTopic, copies, counts], 2);
      await createTopicsAndWait([changelogTopic(applicationId, 'counts')], 2, { 'cleanup.policy': 'compact' });
      const stateRoot = `/tmp/rivulet-standby/${applicationId}`;
      const launch = (label: string, name: 'a' | 'b') =>
        startCrashApp(label, {
          brokers: brokers(),
          applicationId,
          input: inputTopic,
          copies,
          counts,
          guarantee: 'exactly_once',
          stateDir: `${stateRoot}/${name}`,
          store: 'persistent',
          clientId: name,
          sessionTimeoutMs: SESSION_TIMEOUT_MS,
          heartbeatIntervalMs: 1_000,
          maxBytesPerPartition: 65_536,
          commitIntervalMs: 3_000,
          logLevel: 'warn',
        });
      const kafka = testKafka('rivulet-standby-crash-test');
      const admin = kafka.admin();
      const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
      await Promise.all([admin.connect(), producer.connect()]);
      const children: CrashAppChild[] = [];
      let produced = 0;
      const feed = async (to: number, pauseMs: number) => {
        while (produced < to) {
          const next = Math.min(produced + 500, to);
          await producer.send({ topic: inputTopic, acks: -1, messages: inputRecords(input, produced, next) });
          produced = next;
          await sleep(pauseMs);
        }
      };
      try {
        const a = launch('a', 'a');
        children.push(a);
        await a.waitForRunning(30_000);
        const b = launch('b', 'b');
        children.push(b);
        const kept = await b.waitForEvent((e) => e.event === 'log' && /^keeping a standby copy of task /.test(e.message!), 30_000, 'B keeping a standby');
        const task = kept.message!.split(' ').at(-1)!;
        // Input keeps coming; B commits its own task, which checkpoints its standby copy of A's.
        const feeding = feed(45_000, 40);
        await eventually(async () => (existsSync(`${stateRoot}/b/${task}/counts.checkpoint`) ? true : undefined), 30_000, "B's standby copy checkpointed");
        await a.kill();
        await b.waitForEvent((e) => e.event === 'log' && e.message === `task ${task} takes over its standby copy's stores`, SESSION_TIMEOUT_MS + 20_000, `B taking ${task} over`);
        await sleep(2_500);
        await b.kill();
        await feeding;
        const restarted = launch('b#2', 'b');
        children.push(restarted);
        await feed(input.total, 5);
        await eventually(async () => ((await groupLag(admin, applicationId, inputTopic)) === 0 ? true : undefined), 60_000, 'the restarted B processing the rest');
        const closed = await restarted.terminate(30_000);
        expect(closed.exit, restarted.tail(40)).toEqual({ code: 0, signal: null });
        const [copied, counted] = await Promise.all([readAll(copies, { timeoutMs: 60_000 }), readAll(counts, { timeoutMs: 60_000 })]);
        const copiesReport = verifyCopies(copied, input);
        expect({ missing: copiesReport.missing, duplicated: copiesReport.duplicated, problems: copiesReport.problems }).toEqual({ missing: 0, duplicated: 0, problems: [] });
        const countsReport = verifyCounts(
          counted.map((r) => ({ key: r.key, count: r.valueBytes!.readBigInt64BE() })),
          input,
        );
        expect({ notOneToN: countsReport.notOneToN, problems: countsReport.problems }).toEqual({ notOneToN: 0, problems: [] });
      } catch (err) {
        for (const c of children) console.error(`--- ${c.label} (last lines)\n${c.tail(60)}`);
        throw err;
      } finally {
        await Promise.all(children.map((c) => c.kill()));
        await Promise.all([admin.disconnect(), producer.disconnect()]);
        rmSync(stateRoot, { recursive: true, force: true });
      }
    },
    60_000,
  );
});
