/**
 * The stateDir lock and app.cleanUp() on the real broker (issue 12, item 3): one instance per
 * state directory, released when the app closes or fails to start; cleanUp deletes the task
 * directories only, and never while the app runs or another instance holds the directory.
 */
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { KafkaClientPort } from '../src/client/internals/kafka-port.js';
import { ConfigError, EXIT_CODES, runApp, StateDirectoryLockedError, StreamsApp, type StreamsConfig, type Topology } from '../src/index.js';
import { killAllChildren, startCrashApp } from './support/child-app.js';
import { brokers, createTopic, eventually, produce, readAtLeast, uniqueName } from './support/kafka.js';
import { countingTopology } from './support/topologies.js';

const apps: StreamsApp[] = [];
const dirs: string[] = [];
afterEach(async () => {
  await killAllChildren();
  await Promise.all(apps.splice(0).map((a) => a.close()));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

/** A client factory for an instance that must fail before it connects to anything. */
const mustNotConnect = (): KafkaClientPort => {
  throw new Error('the instance created a Kafka client: it got past the stateDir lock');
};

/** An instance; one expected to fail (a client factory given, or `quietly`) logs nothing. */
function app(topology: Topology, applicationId: string, stateDir: string, clientFactory?: () => KafkaClientPort, quietly = clientFactory !== undefined): StreamsApp {
  const config: StreamsConfig = { applicationId, brokers: brokers(), processingGuarantee: 'at_least_once', commitIntervalMs: 200, stateDir, ...(quietly ? { logger: quiet } : { logLevel: 'error' }) };
  const created = clientFactory === undefined ? new StreamsApp(topology, config) : new StreamsApp(topology, config, clientFactory);
  apps.push(created);
  return created;
}

async function topics(partitions: number) {
  const names = { input: uniqueName('sd-in'), copies: uniqueName('sd-copies'), counts: uniqueName('sd-counts') };
  await Promise.all([createTopic(names.input, partitions), createTopic(names.copies, partitions), createTopic(names.counts, partitions)]);
  return names;
}

function stateDirFor(applicationId: string): string {
  const dir = `/tmp/rivulet-test-state/${applicationId}`;
  dirs.push(dir);
  return dir;
}

const lockOf = (stateDir: string) => JSON.parse(readFileSync(join(stateDir, '.lock'), 'utf8')) as Record<string, unknown>;
const taskDirs = (stateDir: string) => readdirSync(stateDir).filter((name) => /^\d+_\d+$/.test(name)).sort();

describe('the stateDir lock', () => {
  it('keeps a second instance out of a running one’s stateDir, before it connects, until the first has closed', async () => {
    const { input, copies, counts } = await topics(2);
    const applicationId = uniqueName('sd-app');
    const stateDir = stateDirFor(applicationId);
    const topology = () => countingTopology(input, copies, counts, { persistent: true });
    await produce(input, Array.from({ length: 40 }, (_, i) => ({ key: `k${i % 4}`, value: String(i) })));

    const first = app(topology(), applicationId, stateDir);
    await first.start();
    await readAtLeast(copies, 40);
    const lock = lockOf(stateDir);
    expect(lock).toMatchObject({ pid: process.pid, applicationId });

    // A second instance on the same directory fails in start(), before it makes a Kafka client.
    const second = app(topology(), applicationId, stateDir, mustNotConnect);
    const error: unknown = await second.start().catch((err: unknown) => err);
    expect(error).toBeInstanceOf(StateDirectoryLockedError);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).setting).toBe('stateDir');
    expect((error as Error).message).toContain(`stateDir '${stateDir}' is in use by another app in this process (pid ${process.pid}, application '${applicationId}'`);
    expect(second.state).toBe('ERROR');
    // runApp exits with CONFIG for it: restarting will not help.
    const third = app(topology(), applicationId, stateDir, mustNotConnect);
    expect(await runApp(third, { onExit: () => undefined, logger: quiet })).toBe(EXIT_CODES.CONFIG);

    // cleanUp() refuses on the running app, and on an app not started while the first holds the directory.
    await expect(first.cleanUp()).rejects.toThrow('cleanUp() was called in state RUNNING');
    await expect(app(topology(), applicationId, stateDir, mustNotConnect).cleanUp()).rejects.toThrow(StateDirectoryLockedError);

    // The failed instances left the first's lock and state alone: it still runs and counts.
    expect(lockOf(stateDir)).toEqual(lock);
    expect(taskDirs(stateDir)).toEqual(['0_0', '0_1']);
    await produce(input, Array.from({ length: 4 }, (_, i) => ({ key: `k${i}`, value: 'more' })));
    await eventually(async () => (first.store<string, bigint>('counts').get('k0') === 11n ? true : undefined), 30_000, 'k0 = 11');
    await first.close();
    expect(existsSync(join(stateDir, '.lock'))).toBe(false);

    // Once the first has closed, a new instance starts on the directory and finds its state.
    const next = app(topology(), applicationId, stateDir);
    await next.start();
    expect(next.state).toBe('RUNNING');
    expect(lockOf(stateDir)).toMatchObject({ pid: process.pid, applicationId });
    expect(lockOf(stateDir)['token']).not.toBe(lock['token']);
    await eventually(async () => (next.store<string, bigint>('counts').get('k3') === 11n ? true : undefined), 30_000, 'k3 = 11 after the restart');
    await next.close();
    expect(existsSync(join(stateDir, '.lock'))).toBe(false);
  }, 120_000);

  it('keeps out an instance while another process holds the directory, and takes the lock over once that process has crashed', async () => {
    const { input, copies, counts } = await topics(1);
    const applicationId = uniqueName('sd-crash');
    const stateDir = stateDirFor(applicationId);
    await produce(input, Array.from({ length: 20 }, (_, i) => ({ key: `k${i % 2}`, value: String(i) })));
    // A short session: the member of the killed process leaves the group soon after it dies.
    const child = startCrashApp('holder', {
      brokers: brokers(),
      applicationId,
      input,
      copies,
      counts,
      guarantee: 'at_least_once',
      stateDir,
      store: 'persistent',
      sessionTimeoutMs: 6_000,
      heartbeatIntervalMs: 1_000,
      logLevel: 'error',
    });
    await child.waitForRunning(60_000);
    const childPid = child.process.pid!;
    expect(lockOf(stateDir)).toMatchObject({ pid: childPid, applicationId });

    const refused = app(countingTopology(input, copies, counts, { persistent: true }), applicationId, stateDir, mustNotConnect);
    const error: unknown = await refused.start().catch((err: unknown) => err);
    expect(error).toBeInstanceOf(StateDirectoryLockedError);
    expect((error as StateDirectoryLockedError).holder).toMatchObject({ pid: childPid, applicationId });
    expect((error as Error).message).toContain(`stateDir '${stateDir}' is in use by pid ${childPid} on this host`);

    // SIGKILL: the lock file stays behind, naming a process that is gone. The next instance takes it over.
    await child.kill();
    expect(lockOf(stateDir)).toMatchObject({ pid: childPid });
    const next = app(countingTopology(input, copies, counts, { persistent: true }), applicationId, stateDir);
    await next.start();
    expect(next.state).toBe('RUNNING');
    expect(lockOf(stateDir)).toMatchObject({ pid: process.pid, applicationId });
    await eventually(async () => (next.store<string, bigint>('counts').get('k1') === 10n ? true : undefined), 30_000, 'k1 = 10');
  }, 120_000);

  it('is released after a failed start, so another instance can start on the directory', async () => {
    const { input, copies, counts } = await topics(1);
    const applicationId = uniqueName('sd-failed');
    const stateDir = stateDirFor(applicationId);
    const failing = app(countingTopology(uniqueName('sd-missing'), copies, counts), applicationId, stateDir, undefined, true);
    await expect(failing.start()).rejects.toThrow(/not found|does not exist/);
    expect(failing.state).toBe('ERROR');
    expect(existsSync(join(stateDir, '.lock'))).toBe(false);

    const working = app(countingTopology(input, copies, counts), applicationId, stateDir);
    await working.start();
    expect(working.state).toBe('RUNNING');
  }, 120_000);
});

describe('app.cleanUp()', () => {
  it('deletes the task directories of a closed app and nothing else; the next start restores from the changelog', async () => {
    const { input, copies, counts } = await topics(2);
    const applicationId = uniqueName('sd-clean');
    const stateDir = stateDirFor(applicationId);
    const topology = () => countingTopology(input, copies, counts, { persistent: true });
    await produce(input, Array.from({ length: 30 }, (_, i) => ({ key: `k${i % 3}`, value: String(i) })));

    const first = app(topology(), applicationId, stateDir);
    await first.start();
    await readAtLeast(copies, 30);
    await eventually(async () => (first.store<string, bigint>('counts').get('k2') === 10n ? true : undefined), 30_000, 'k2 = 10');
    await first.close();
    expect(taskDirs(stateDir)).toEqual(['0_0', '0_1']);
    expect(readdirSync(join(stateDir, '0_0'))).toContain('counts.checkpoint');
    writeFileSync(join(stateDir, 'notes.txt'), 'the user’s');

    await first.cleanUp();
    expect(readdirSync(stateDir)).toEqual(['notes.txt']);

    // No local state and no checkpoint: the counts come back from the changelog.
    const second = app(topology(), applicationId, stateDir);
    await second.cleanUp(); // before start() too: nothing left to delete
    await second.start();
    await eventually(
      async () => (['k0', 'k1', 'k2'].every((k) => second.store<string, bigint>('counts').get(k) === 10n) ? true : undefined),
      30_000,
      'counts restored',
    );
  }, 120_000);
});
