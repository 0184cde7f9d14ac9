/**
 * suppress(untilWindowCloses) on the real broker under exactly_once: per key and 1 s window, the
 * final count appears exactly once in the output topic (read_committed) and none is lost, across a
 * clean restart (the buffer restored from its changelog) and across a crash (a child app killed
 * by pid with SIGKILL mid-way: its open transaction, emitted results and buffer deletions alike,
 * is aborted, and the next instance restores the buffer from the committed changelog and emits
 * them again, once).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { StreamsApp } from '@rivulet/core';
import { afterEach, describe, expect, it } from 'vitest';
import { brokers, createTopics, eventually, produce, readAll, uniqueName, type ReadRecord } from './support/broker.js';
import { finalCountsTopology, GRACE_MS, WINDOW_MS } from './support/suppress-topology.js';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SUPPRESS_APP = fileURLToPath(new URL('./support/suppress-app.ts', import.meta.url));

const KEYS = 8;
const RECORDS = 1_600;
const STEP_MS = 15;

const apps: StreamsApp[] = [];
const children: ChildProcess[] = [];

afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

interface Input {
  first: { key: string; value: string; timestamp: number }[];
  second: { key: string; value: string; timestamp: number }[];
  /** `<key>@<window start>` -> the number of records in the window. */
  expected: Map<string, string>;
}

/**
 * RECORDS clicks over KEYS keys, 15 ms apart (about 24 windows per key), in two halves; the second
 * ends with one record per key far enough ahead to close every earlier window on every partition.
 */
function input(): Input {
  const t0 = Math.floor((Date.now() - 3_600_000) / WINDOW_MS) * WINDOW_MS;
  const all = Array.from({ length: RECORDS }, (_, i) => ({ key: `k${i % KEYS}`, value: String(i), timestamp: t0 + i * STEP_MS }));
  const counts = new Map<string, number>();
  for (const r of all) {
    const window = `${r.key}@${Math.floor(r.timestamp / WINDOW_MS) * WINDOW_MS}`;
    counts.set(window, (counts.get(window) ?? 0) + 1);
  }
  const closeAll = t0 + RECORDS * STEP_MS + WINDOW_MS + GRACE_MS + 10_000;
  const flush = Array.from({ length: KEYS }, (_, k) => ({ key: `k${k}`, value: 'flush', timestamp: closeAll }));
  return {
    first: all.slice(0, RECORDS / 2),
    second: [...all.slice(RECORDS / 2), ...flush],
    expected: new Map([...counts].map(([window, n]) => [window, String(n)])),
  };
}

async function topics(): Promise<{ in: string; out: string; applicationId: string }> {
  const names = { in: uniqueName('suppress-clicks'), out: uniqueName('suppress-final'), applicationId: uniqueName('suppress-app') };
  await createTopics([
    { topic: names.in, partitions: 2 },
    { topic: names.out, partitions: 2 },
  ]);
  return names;
}

/** The output read_committed once it holds a record for every expected window. */
async function finalOutput(out: string, expected: Map<string, string>): Promise<ReadRecord[]> {
  return eventually(
    async () => {
      const records = await readAll(out);
      return new Set(records.map((r) => r.key)).size >= expected.size ? records : undefined;
    },
    `a final count for each of the ${expected.size} windows`,
    90_000,
  );
}

/** Every window's final count exactly once, none missing, nothing else. */
function expectExactlyOnce(records: readonly ReadRecord[], expected: Map<string, string>): void {
  const seen = new Map<string, string[]>();
  for (const r of records) seen.set(r.key!, [...(seen.get(r.key!) ?? []), r.value!]);
  const repeated = [...seen].filter(([, values]) => values.length > 1);
  expect(repeated).toEqual([]);
  expect(new Map([...seen].map(([k, values]) => [k, values[0]!]))).toEqual(expected);
  expect(records.length).toBe(expected.size);
}

/** Starts suppress-app.ts in a child process; resolves once its app is RUNNING. */
async function startChild(names: { in: string; out: string; applicationId: string }, stateDir: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--conditions=@rivulet/source', '--import', 'tsx', SUPPRESS_APP], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      KAFKA_BROKERS: brokers().join(','),
      SUPPRESS_APPLICATION_ID: names.applicationId,
      SUPPRESS_INPUT: names.in,
      SUPPRESS_OUTPUT: names.out,
      SUPPRESS_STATE_DIR: stateDir,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const lines: string[] = [];
  createInterface({ input: child.stderr! }).on('line', (line) => lines.push(`! ${line}`));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the child app did not reach RUNNING in 60 s:\n${lines.join('\n')}`)), 60_000);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      lines.push(line);
      if (line.includes('"state":"RUNNING"')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`the child app exited (${String(code ?? signal)}) before RUNNING:\n${lines.join('\n')}`));
    });
  });
  return child;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('suppress(untilWindowCloses) under exactly_once', () => {
  it('a clean restart in the middle: each window final result exactly once, none lost; emitted entries are deleted from the buffer changelog', async () => {
    const names = await topics();
    const data = input();
    const start = (n: number): StreamsApp => {
      const app = new StreamsApp(finalCountsTopology(names.in, names.out), {
        applicationId: names.applicationId,
        brokers: brokers(),
        processingGuarantee: 'exactly_once',
        commitIntervalMs: 500,
        logLevel: 'error',
        stateDir: `/tmp/rivulet-test-state/${names.applicationId}-${n}`,
      });
      apps.push(app);
      return app;
    };
    const first = start(1);
    await first.start();
    await produce(names.in, data.first);
    // Some windows closed and emitted, later ones still buffered when the app stops.
    await eventually(async () => ((await readAll(names.out)).length > 0 ? true : undefined), 'a first final count');
    await first.close();
    apps.splice(apps.indexOf(first), 1);
    const before = (await readAll(names.out)).length;
    expect(before).toBeGreaterThan(0);
    expect(before).toBeLessThan(data.expected.size);

    await produce(names.in, data.second);
    const second = start(2); // another state folder: the buffer is rebuilt from its changelog
    await second.start();
    const records = await finalOutput(names.out, data.expected);
    await second.close();
    apps.splice(apps.indexOf(second), 1);
    expectExactlyOnce(await readAll(names.out), data.expected);
    expect(records.length).toBe(data.expected.size);

    // The buffer's changelog: after the last write per key, only the flush records' windows are
    // still buffered (their windows are open); every emitted window was deleted (a tombstone).
    const changelog = await readAll(`${names.applicationId}-final-counts-store-changelog`);
    const last = new Map<string, string | null>();
    for (const r of changelog) last.set(r.keyBytes!.toString('hex'), r.value);
    expect(last.size).toBe(data.expected.size + KEYS);
    expect([...last.values()].filter((v) => v !== null).length).toBe(KEYS);
  }, 180_000);

  it('a crash in the middle (SIGKILL by pid): each window final result exactly once, none lost', async () => {
    const names = await topics();
    const data = input();
    const stateDir = (n: number) => `/tmp/rivulet-test-state/${names.applicationId}-${n}`;
    await produce(names.in, data.first);
    const victim = await startChild(names, stateDir(1));
    await eventually(async () => ((await readAll(names.out)).length > 0 ? true : undefined), 'a first committed final count');
    // The second half arrives and is being processed, windows closing, when the app dies: what it
    // emitted since its last commit is in an open transaction, with the buffer's deletions.
    await produce(names.in, data.second);
    await sleep(200 + Math.floor(Math.random() * 600));
    const killed = new Promise((resolve) => victim.once('exit', resolve));
    process.kill(victim.pid!, 'SIGKILL');
    await killed;
    const committedAtKill = (await readAll(names.out)).length;
    expect(committedAtKill).toBeLessThanOrEqual(data.expected.size);

    const survivor = await startChild(names, stateDir(2));
    await finalOutput(names.out, data.expected);
    const exited = new Promise((resolve) => survivor.once('exit', resolve));
    survivor.kill('SIGTERM');
    await exited;
    expectExactlyOnce(await readAll(names.out), data.expected);
  }, 180_000);
});
