/**
 * SIGKILL right after a commit, with a persistent (lmdb) store (issue 12, problem 2): the moment a
 * checkpoint matters. Under at_least_once a commit is followed at once by the checkpoint of each
 * store whose changelog position moved (written after the store's data is on disk), so the
 * instance is killed the moment a checkpoint file is renamed into place; a restart then restores
 * only what came after it, onto the data lmdb kept. Under exactly_once no checkpoint exists while
 * the app runs (the store may hold writes of an open transaction), so the instance is killed right
 * after the group's committed offsets moved; a restart wipes the store and restores it whole.
 *
 * One instance (its own state folder, kept across restarts) on two partitions, input flowing
 * throughout; killed and restarted a few times, then closed with SIGTERM. Promised, read_committed:
 * no loss and no lost count update (each key's last count >= its number of input records); under
 * exactly_once no duplicate and counts 1..n per key.
 *
 * It runs on the suite's shared broker.
 */
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, onTestFailed } from 'vitest';
import { changelogTopic } from '../../src/index.js';
import { killAllChildren, startCrashApp, type AppEvent, type CrashAppChild } from '../support/child-app.js';
import { brokers, readAll, testKafka, uniqueName } from '../support/kafka.js';
import { groupLag } from '../support/group-offsets.js';
import { createTopicsAndWait } from '../support/topics.js';
import { inputRecords, verifyCopies, verifyCounts, type CrashInput } from './verifier.js';

type Guarantee = 'at_least_once' | 'exactly_once';

const PARTITIONS = 2;
const INPUT: CrashInput = { total: 12_000, keys: 40 };
const KILLS = 4;
const SESSION_TIMEOUT_MS = 6_000;

/** crash-app's restore-start event (its stateRestoreListener). */
type RestoreEvent = AppEvent & { partition?: number; start?: string };

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

let children: CrashAppChild[] = [];
const stateRoots: string[] = [];

afterEach(async () => {
  await killAllChildren();
  for (const dir of stateRoots.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** The offsets in the checkpoint files under a state folder, by path (a file being replaced is skipped). */
function checkpointOffsets(stateDir: string): Map<string, string> {
  const offsets = new Map<string, string>();
  let tasks: string[];
  try {
    tasks = readdirSync(stateDir);
  } catch {
    return offsets;
  }
  for (const task of tasks) {
    const file = join(stateDir, task, 'counts.checkpoint');
    try {
      offsets.set(file, (JSON.parse(readFileSync(file, 'utf8')) as { offset: string }).offset);
    } catch {
      // No checkpoint (yet) for this task.
    }
  }
  return offsets;
}

/** Resolves once `changed()` is true, checking every `everyMs`; throws if `child` exits first or the time is up. */
async function until(changed: () => boolean | Promise<boolean>, everyMs: number, timeoutMs: number, child: CrashAppChild, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await changed()) return;
    if (!child.alive) throw new Error(`${child.label} exited (${JSON.stringify(child.exit)}) before ${what}:\n${child.tail(40)}`);
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

describe('SIGKILL right after a commit, persistent store', () => {
  it.each<Guarantee>(['at_least_once', 'exactly_once'])(
    `%s: killed ${KILLS} times right after a commit and restarted; no loss, no lost update (no duplicate under exactly_once)`,
    async (guarantee) => {
      children = [];
      onTestFailed(() => {
        for (const c of children) console.log(`--- ${c.label} (pid ${c.pid}) ---\n${c.tail(40)}`);
      });
      const started = Date.now();
      const applicationId = uniqueName(`after-commit-${guarantee === 'exactly_once' ? 'eos' : 'alos'}`);
      const input = uniqueName('after-commit-in');
      const copies = uniqueName('after-commit-copies');
      const counts = uniqueName('after-commit-counts');
      await createTopicsAndWait([input, copies, counts], PARTITIONS);
      await createTopicsAndWait([changelogTopic(applicationId, 'counts')], PARTITIONS, { 'cleanup.policy': 'compact' });
      const stateRoot = `/tmp/rivulet-crash/${applicationId}`;
      stateRoots.push(stateRoot);
      const stateDir = `${stateRoot}/a`;
      let generation = 0;
      const launch = (): CrashAppChild => {
        const child = startCrashApp(`a#${++generation}`, {
          brokers: brokers(),
          applicationId,
          input,
          copies,
          counts,
          guarantee,
          stateDir,
          store: 'persistent',
          sessionTimeoutMs: SESSION_TIMEOUT_MS,
          heartbeatIntervalMs: 1_000,
          rebalanceTimeoutMs: 20_000,
          maxBytesPerPartition: 65_536,
          shutdownTimeoutMs: 30_000,
          logLevel: 'warn',
          // Frequent commits under at_least_once (default 30 s), each followed by a checkpoint.
          ...(guarantee === 'at_least_once' ? { commitIntervalMs: 500 } : {}),
        });
        children.push(child);
        return child;
      };

      const kafka = testKafka('rivulet-after-commit');
      const admin = kafka.admin();
      const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
      await Promise.all([admin.connect(), producer.connect()]);
      const committedTotal = async (): Promise<bigint> => {
        const [entry] = await admin.fetchOffsets({ groupId: applicationId, topics: [input] });
        return (entry?.partitions ?? []).reduce((sum, p) => sum + (BigInt(p.offset) > 0n ? BigInt(p.offset) : 0n), 0n);
      };
      // Input flows throughout: a chunk every 250 ms until the end.
      let produced = 0;
      let stopFeeding = false;
      const feeding = (async () => {
        while (produced < INPUT.total && !stopFeeding) {
          const to = Math.min(produced + 150, INPUT.total);
          await producer.send({ topic: input, acks: -1, messages: inputRecords(INPUT, produced, to) });
          produced = to;
          await sleep(250);
        }
      })();

      const kills: { after: string; producedSoFar: number; checkpoints: string }[] = [];
      try {
        let child = launch();
        for (let k = 0; k < KILLS; k++) {
          await child.waitForRunning(90_000);
          if (guarantee === 'at_least_once') {
            // The moment a commit moved a checkpoint (the one taken after the restore is written
            // before the app is RUNNING): the new file was just renamed into place.
            const before = checkpointOffsets(stateDir);
            await until(
              () => [...checkpointOffsets(stateDir)].some(([file, offset]) => before.get(file) !== offset),
              2,
              30_000,
              child,
              'a checkpoint after a commit',
            );
          } else {
            const before = await committedTotal();
            await until(async () => (await committedTotal()) > before, 20, 30_000, child, 'the committed offsets to move');
          }
          await child.kill();
          kills.push({ after: guarantee === 'at_least_once' ? 'checkpoint' : 'commit', producedSoFar: produced, checkpoints: [...checkpointOffsets(stateDir).values()].join(',') });
          child = launch();
        }
        await child.waitForRunning(90_000);
        await feeding;
        const deadline = Date.now() + 120_000;
        while ((await groupLag(admin, applicationId, input)) > 0) {
          if (!child.alive) throw new Error(`${child.label} exited:\n${child.tail(40)}`);
          if (Date.now() > deadline) throw new Error('the input was not consumed within 120 s');
          await sleep(500);
        }
        const closed = await child.terminate(30_000);
        expect(closed.exit, child.tail()).toEqual({ code: 0, signal: null });
      } finally {
        stopFeeding = true;
        await feeding.catch(() => undefined);
        await Promise.all([admin.disconnect(), producer.disconnect()]);
      }

      // Each restart restored its stores: under at_least_once from the checkpoint the kill left
      // (only what came after it), under exactly_once from the beginning (no checkpoint is left).
      const restarts = children.slice(1).map((c) => c.events.filter((e) => (e.event as string) === 'restore-start') as RestoreEvent[]);
      for (const [i, starts] of restarts.entries()) {
        expect(starts.length, `restart ${i + 1} restored its stores`).toBeGreaterThanOrEqual(PARTITIONS);
        const fromCheckpoint = starts.filter((e) => e.start !== '0').length;
        if (guarantee === 'exactly_once') expect(fromCheckpoint, `restart ${i + 1}: no checkpoint under exactly_once`).toBe(0);
        else expect(fromCheckpoint, `restart ${i + 1}: restored from the checkpoints the kill left`).toBeGreaterThan(0);
      }

      const [copied, counted] = await Promise.all([readAll(copies, { timeoutMs: 60_000 }), readAll(counts, { timeoutMs: 60_000 })]);
      const copiesReport = verifyCopies(copied, INPUT);
      const countsReport = verifyCounts(
        counted.map((r) => ({ key: r.key, count: r.valueBytes!.readBigInt64BE() })),
        INPUT,
      );
      console.log(
        `crash-after-commit figures ${JSON.stringify({
          guarantee,
          kills,
          restoredFrom: restarts.map((starts) => starts.map((e) => `${e.partition}@${e.start}`)),
          copies: copiesReport.records,
          duplicated: copiesReport.duplicated,
          missing: copiesReport.missing,
          countKeysWrongLast: countsReport.wrongLastCount,
          countKeysLostUpdate: countsReport.lostUpdates,
          totalMs: Date.now() - started,
        })}`,
      );
      expect(copiesReport.problems).toEqual([]);
      expect(copiesReport.missing, `lost input records, e.g. ${copiesReport.examples.missing.join(', ')}`).toBe(0);
      expect(countsReport.lostUpdates, countsReport.lostUpdateExamples.join('; ')).toBe(0);
      if (guarantee === 'exactly_once') {
        expect(copiesReport.duplicated, `duplicated, e.g. ${copiesReport.examples.duplicated.join(', ')}`).toBe(0);
        expect(countsReport.problems, 'counts per key must run 1..n').toEqual([]);
      }
    },
    300_000,
  );
});

