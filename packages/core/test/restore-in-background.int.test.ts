/**
 * Restoring in the background on the real broker (issue 12, problem 4): one task's store restores a
 * changelog of a million records while the app's other task processes new input, and interactive
 * queries tell a store being restored apart (InvalidStateStoreError) from one that is ready.
 *
 * The changelog is written before the app starts, straight to `<applicationId>-counts-changelog`
 * partition 0, by the Java producer (kafkajs would take most of a minute for a million records);
 * the app starts on an empty state folder, so it must read all of it.
 */
import { rmSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { changelogTopic, InvalidStateStoreError, StreamsApp, type StateRestoreListener } from '../src/index.js';
import { brokers, produce, testKafka, uniqueName } from './support/kafka.js';
import { produceCounts } from './support/produce-counts.js';
import { createTopicsAndWait } from './support/topics.js';
import { countingTopology } from './support/topologies.js';

const CHANGELOG_RECORDS = 1_000_000;
const CHANGELOG_KEYS = 1_000;

const cleanUps: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const clean of cleanUps.splice(0).reverse()) await clean().catch(() => undefined);
});

describe('a million-record restore in the background', () => {
  it('the other task processes and its output arrives before the restore ends; queries on the store throw InvalidStateStoreError during it and read the full counts after', async () => {
    const started = Date.now();
    const applicationId = uniqueName('restore-1m');
    const input = uniqueName('restore-1m-in');
    const copies = uniqueName('restore-1m-copies');
    const counts = uniqueName('restore-1m-counts');
    const changelog = changelogTopic(applicationId, 'counts');
    const stateDir = `/tmp/rivulet-test-state/${applicationId}`;
    cleanUps.push(async () => rmSync(stateDir, { recursive: true, force: true }));
    await createTopicsAndWait([input, copies, counts], 2);
    await createTopicsAndWait([changelog], 2, { 'cleanup.policy': 'compact' });

    // Task 0_0's store: a million changelog records over a thousand keys, each ending at 1,000.
    const produceStarted = Date.now();
    await produceCounts(changelog, 0, CHANGELOG_RECORDS, CHANGELOG_KEYS, 'k');
    const produceMs = Date.now() - produceStarted;
    // Input for both tasks: task 0_1 has nothing to restore and processes at once; task 0_0's
    // records wait for its restore.
    await produce(input, [
      ...Array.from({ length: 50 }, (_, i) => ({ key: `live-${i % 5}`, value: `live ${i}`, partition: 1 })),
      ...Array.from({ length: 5 }, (_, i) => ({ key: `k${i}`, value: `after ${i}`, partition: 0 })),
    ]);

    // When each copy arrives, as a downstream read_committed reader sees it.
    const arrived = new Map<string, number>();
    const reader = testKafka('rivulet-restore-1m-reader').consumer({ groupId: uniqueName('restore-1m-reader') });
    await reader.connect();
    cleanUps.push(() => reader.disconnect());
    await reader.subscribe({ topic: copies, fromBeginning: true });
    await reader.run({
      eachMessage: async ({ message }) => {
        const value = message.value?.toString() ?? '';
        if (!arrived.has(value)) arrived.set(value, Date.now());
      },
    });

    const restore = { start: [] as string[], end: undefined as number | undefined, total: undefined as number | undefined, batches: 0 };
    const listener: StateRestoreListener = {
      onRestoreStart: (tp, _store, start, end) => {
        if (tp.partition === 0) restore.start.push(start, end);
      },
      onBatchRestored: (tp) => {
        if (tp.partition === 0) restore.batches++;
      },
      onRestoreEnd: (tp, _store, total) => {
        if (tp.partition !== 0) return;
        restore.end = Date.now();
        restore.total = total;
      },
    };
    const app = new StreamsApp(countingTopology(input, copies, counts), {
      applicationId,
      brokers: brokers(),
      processingGuarantee: 'exactly_once',
      logLevel: 'error',
      stateDir,
      stateRestoreListener: listener,
      // Fetches of 256 KiB (default 1 MiB): the restore takes a few seconds more, so that the other
      // task's output arriving first does not depend on how idle the machine is.
      consumer: { maxBytesPerPartition: 262_144 },
    });
    cleanUps.push(() => app.close());
    const appStarted = Date.now();
    let startedAt: number | undefined;
    const starting = app.start().then(() => (startedAt = Date.now()));

    // Query the store while the app starts: once the task is open, a read must be refused until its
    // store is restored; stale reads show task 0_1's counts meanwhile.
    const refused: { at: number; error: unknown }[] = [];
    const staleLive: bigint[] = [];
    while (startedAt === undefined) {
      try {
        app.store<string, bigint>('counts').get('k7');
      } catch (error) {
        refused.push({ at: Date.now(), error });
      }
      const stale = app.store<string, bigint>('counts', { staleReads: true }).get('live-0');
      if (stale !== undefined) staleLive.push(stale);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await starting;

    const liveArrived = Math.min(...Array.from({ length: 50 }, (_, i) => arrived.get(`live ${i}`) ?? Infinity));
    const figures = {
      produceMs,
      startMs: startedAt - appStarted,
      restoreEndMs: restore.end! - appStarted,
      firstLiveCopyMs: liveArrived - appStarted,
      restoredRecords: restore.total,
      batches: restore.batches,
      refusedQueries: refused.length,
    };
    console.log(`restore-1m figures ${JSON.stringify(figures)}`);

    expect(restore.start).toEqual(['0', String(CHANGELOG_RECORDS)]);
    expect(restore.total).toBe(CHANGELOG_RECORDS);
    // The other task's output arrived while the million records were still being restored.
    expect(liveArrived).toBeLessThan(restore.end!);
    expect(staleLive.length).toBeGreaterThan(0);
    // Queries during the restore were refused with the typed error, naming the store.
    expect(refused.length).toBeGreaterThan(0);
    expect(refused[0]!.at).toBeLessThan(restore.end!);
    for (const { error } of refused) {
      expect(error).toBeInstanceOf(InvalidStateStoreError);
      expect((error as InvalidStateStoreError).storeName).toBe('counts');
    }
    // start() resolved once the store was restored: the counts are whole.
    expect(startedAt).toBeGreaterThanOrEqual(restore.end!);
    expect(app.state).toBe('RUNNING');
    const store = app.store<string, bigint>('counts');
    expect(store.get('k7')).toBe(1_000n);
    expect(store.get('k999')).toBe(1_000n);
    expect(store.get('live-0')).toBe(10n);
    // Task 0_0's input that came during its restore is counted on top of the restored counts.
    await waitFor(() => [0, 1, 2, 3, 4].every((i) => store.get(`k${i}`) === 1_001n), 30_000, 'the counts of k0..k4 to reach 1,001');
    expect([...store.all()]).toHaveLength(CHANGELOG_KEYS + 5);
    expect(Date.now() - started).toBeLessThan(90_000);
  }, 120_000);
});

async function waitFor(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
