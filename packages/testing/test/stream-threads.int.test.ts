/**
 * numStreamThreads on the real broker (issue 17, part 4): an app of two stream threads (two
 * worker threads, each with its own consumer and producer in the app's group) built from a module,
 * counting keys over four partitions. Both threads get tasks, the outputs and the interactive
 * queries over both threads are exact, metrics() reports both threads, a thread that fails on a
 * poison record is replaced under REPLACE_THREAD and processing completes, and under
 * SHUTDOWN_CLIENT the failure closes every thread.
 */
import { mkdtempSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findMetrics, StreamsApp, type StreamsAppState, type StreamsError, type StreamThreadsApp } from '@rivulet/core';
import { afterEach, describe, expect, it } from 'vitest';
import { KafkaTestHarness } from '../src/index.js';
import type { CountThreadData } from './support/stream-threads-topology.js';

const MODULE = new URL('./support/stream-threads-topology.ts', import.meta.url);
const apps: StreamThreadsApp[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.close()));
});

const KEYS = 12;
const PER_KEY = 5;

async function setUp(kafka: KafkaTestHarness, prefix: string): Promise<CountThreadData> {
  const [input, output] = [kafka.uniqueName(`${prefix}-in`), kafka.uniqueName(`${prefix}-out`)];
  await Promise.all([kafka.createTopic(input, 4), kafka.createTopic(output, 4)]);
  const poisonMarker = join(mkdtempSync(join(tmpdir(), 'rivulet-threads-')), 'poison-thrown');
  return { input, output, poisonMarker };
}

/** KEYS keys, PER_KEY records each, and one poison record for key-0 in the middle. */
function inputRecords(): { key: string; value: string }[] {
  const records: { key: string; value: string }[] = [];
  for (let round = 0; round < PER_KEY; round++) {
    for (let k = 0; k < KEYS; k++) records.push({ key: `key-${k}`, value: `v-${round}` });
    if (round === 2) records.push({ key: 'key-0', value: 'poison' });
  }
  return records;
}

/** Each key's count once every record (the poison one included) is counted. */
function expectedCounts(): Map<string, bigint> {
  const counts = new Map<string, bigint>();
  for (let k = 0; k < KEYS; k++) counts.set(`key-${k}`, BigInt(PER_KEY));
  counts.set('key-0', BigInt(PER_KEY + 1));
  return counts;
}

describe('numStreamThreads on the broker', () => {
  it('runs two threads in one group: both get tasks, outputs and queries are exact, and a failed thread is replaced', async () => {
    const kafka = new KafkaTestHarness();
    const data = await setUp(kafka, 'threads');
    // Half the input before the start, the rest (with the poison record) once both threads run.
    const records = inputRecords();
    const half = KEYS * 2;
    await kafka.produce(data.input, records.slice(0, half));
    const applicationId = kafka.uniqueName('threads-app');
    const app = StreamsApp.fromModule(
      MODULE,
      {
        applicationId,
        brokers: kafka.brokers,
        processingGuarantee: 'exactly_once',
        numStreamThreads: 2,
        uncaughtExceptionHandler: () => 'REPLACE_THREAD',
        stateDir: mkdtempSync(join(tmpdir(), 'rivulet-threads-state-')),
        logLevel: 'error',
      },
      { data },
    );
    apps.push(app);
    const states: StreamsAppState[] = [];
    const errors: StreamsError[] = [];
    app.state$.subscribe((s) => states.push(s));
    app.errors$.subscribe((e) => errors.push(e));
    const rebalanced = new Set<string>();
    app.rebalances$.subscribe((e) => rebalanced.add(e.thread));
    await app.start();
    expect(app.state).toBe('RUNNING');
    await kafka.produce(data.input, records.slice(half));

    // Every count is exact in the output (exactly_once: the failed thread's open transaction was
    // aborted and its replacement counted the poison record once).
    const expected = expectedCounts();
    const last = new Map<string, bigint>();
    await kafka.eventually(
      async () => {
        for (const r of await kafka.readAll(data.output)) last.set(r.key!, r.valueBytes!.readBigInt64BE());
        return [...expected].every(([k, n]) => last.get(k) === n) ? true : undefined;
      },
      90_000,
      'every key counted',
    );
    expect(Object.fromEntries(last)).toEqual(Object.fromEntries(expected));

    // The poison record failed a thread; the handler replaced it and the app came back to RUNNING.
    expect(existsSync(data.poisonMarker)).toBe(true);
    expect(errors.some((e) => e.category === 'fatal' && String(e.message).includes('poison record'))).toBe(true);
    await kafka.eventually(async () => (app.state === 'RUNNING' ? true : undefined), 60_000, 'RUNNING again');
    // RUNNING, then REBALANCING while the thread was replaced, then RUNNING: never ERROR.
    expect(states.slice(states.indexOf('RUNNING'))).toContain('REBALANCING');
    expect(states).not.toContain('ERROR');
    expect(states).not.toContain('PENDING_ERROR');

    // Interactive queries read every key, wherever its task runs.
    const counts = app.store<string, bigint>('counts');
    for (const [key, n] of expected) expect(counts.get(key), key).toBe(n);
    expect(counts.approximateNumEntries()).toBe(KEYS);
    expect(new Map([...counts.all()].map((e) => [e.key, e.value]))).toEqual(expected);

    // Both threads own tasks, under their own thread ids, and metrics() reports both.
    const threads = [`${applicationId}-StreamThread-1`, `${applicationId}-StreamThread-2`];
    await kafka.eventually(
      async () => {
        const m = app.metrics();
        const owners = new Set(findMetrics(m.all, 'process-total').filter((x) => x.group === 'stream-task-metrics').map((x) => x.tags['thread-id']));
        return m.tasks.length === 4 && owners.size === 2 ? true : undefined;
      },
      60_000,
      'both threads own tasks',
    );
    const m = app.metrics();
    expect(m.tasks).toEqual(['0_0', '0_1', '0_2', '0_3']);
    expect(new Set(findMetrics(m.all, 'process-total', {}, 'stream-thread-metrics').map((x) => x.tags['thread-id']))).toEqual(new Set(threads));
    expect(findMetrics(m.all, 'alive-stream-threads')[0]?.value).toBe(2);
    expect(findMetrics(m.all, 'failed-stream-threads')[0]?.value).toBe(1);
    expect(m.recordsProcessed).toBeGreaterThan(0);
    expect(app.health().ready).toBe(true);
    expect(rebalanced).toEqual(new Set(threads));

    await app.close();
    expect(app.state).toBe('NOT_RUNNING');
  });

  it('closes every thread under SHUTDOWN_CLIENT when one fails', async () => {
    const kafka = new KafkaTestHarness();
    const data = await setUp(kafka, 'threads-shutdown');
    const applicationId = kafka.uniqueName('threads-shutdown-app');
    // The main thread's logger: the threads log through it, each line naming its thread.
    const lines: { message: string; fields: Record<string, unknown> | undefined }[] = [];
    const keep = (message: string, fields?: Record<string, unknown>): void => void lines.push({ message, fields });
    const logger = { debug: keep, info: keep, warn: keep, error: keep };
    const app = StreamsApp.fromModule(
      MODULE,
      {
        applicationId,
        brokers: kafka.brokers,
        numStreamThreads: 2,
        stateDir: mkdtempSync(join(tmpdir(), 'rivulet-threads-state-')),
        logger,
      },
      { data },
    );
    apps.push(app);
    const errors: StreamsError[] = [];
    app.errors$.subscribe((e) => errors.push(e));
    const ended = new Promise<void>((resolve) => app.state$.subscribe({ complete: resolve }));
    await app.start();
    expect(app.state).toBe('RUNNING');

    await kafka.produce(data.input, inputRecords());
    await ended;
    expect(app.state).toBe('ERROR');
    expect(errors.some((e) => String(e.message).includes('poison record'))).toBe(true);
    const m = app.metrics();
    expect(findMetrics(m.all, 'alive-stream-threads')[0]?.value).toBe(0);
    expect(m.tasks).toEqual([]);
    expect(app.health().live).toBe(false);
    const failedThread = lines.find((l) => l.message.startsWith('stopping after a fatal error') && l.fields?.['streamThread'] !== undefined);
    expect(failedThread?.fields?.['streamThread']).toMatch(new RegExp(`^${applicationId}-StreamThread-[12]$`));
    // Both threads' consumers left the group (the other thread closed cleanly).
    const group = await kafka.withAdmin(async (admin) => (await admin.describeGroups([applicationId])).groups[0]);
    expect(group?.members).toEqual([]);
  });

  it('fails start() with the reason, and ends in ERROR, when the module has no factory', async () => {
    const kafka = new KafkaTestHarness();
    const data = await setUp(kafka, 'threads-nofactory');
    const app = StreamsApp.fromModule(
      MODULE,
      { applicationId: kafka.uniqueName('threads-nofactory-app'), brokers: kafka.brokers, numStreamThreads: 2, uncaughtExceptionHandler: () => 'REPLACE_THREAD', logLevel: 'nothing' },
      { data, exportName: 'countTopology' },
    );
    apps.push(app);
    const errors: StreamsError[] = [];
    app.errors$.subscribe((e) => errors.push(e));
    await expect(app.start()).rejects.toThrow("has no factory: it needs an export named 'countTopology'");
    expect(app.state).toBe('ERROR');
    expect(errors.length).toBeGreaterThanOrEqual(1);
  });
});
