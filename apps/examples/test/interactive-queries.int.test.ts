/**
 * The interactive-queries example on the real broker: two instances of one app, each with its query
 * service on its own port as its applicationServer. Every user is answered correctly through
 * EITHER instance (the owner answers from its store, the other forwards to it), and both
 * instances' metadata agree on the owner. Then one instance leaves: after the rebalance the
 * survivor answers every user itself, its metadata naming it as the owner of every key. Then a
 * third instance of two stream threads (StreamsApp.fromModule) joins: tasks move to it, and both
 * instances again answer every user, their metadata naming the new owners.
 */
import type { Server } from 'node:http';
import { KeyQueryMetadata, StreamsApp, type StreamThreadsApp } from '@rivulet/core';
import { KafkaTestHarness } from '@rivulet/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { FORWARDED_TO, queryHandler, serveQueries } from '../src/interactive-queries/query-service.js';
import type { PageViewThreadData } from '../src/interactive-queries/thread-module.js';
import { expectedViews, pageViewCountTopology, PAGE_VIEW_COUNTS, samplePageViews, USER_ID } from '../src/interactive-queries/topology.js';

const USERS = 30;
const THREAD_MODULE = new URL('../src/interactive-queries/thread-module.ts', import.meta.url);
const users = Array.from({ length: USERS }, (_, n) => `user-${n}`);

interface Instance {
  readonly app: StreamsApp | StreamThreadsApp;
  readonly server: Server;
  readonly port: number;
  readonly applicationServer: string;
}

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step().catch(() => undefined);
});

const closeServer = (server: Server): Promise<void> => new Promise((resolve) => server.close(() => resolve()));

/** An instance with its query service; `threads` > 1: an app of that many stream threads, built from the example's thread module. */
async function startInstance(kafka: KafkaTestHarness, input: string, applicationId: string, name: string, threads = 1): Promise<Instance> {
  const server = await serveQueries(undefined, 0);
  cleanup.push(() => closeServer(server));
  const applicationServer = `127.0.0.1:${server.port}`;
  const config = {
    applicationId,
    brokers: kafka.brokers,
    applicationServer,
    stateDir: `/tmp/rivulet-test-state/${applicationId}/${name}`,
    logLevel: 'error',
    commitIntervalMs: 200,
  } as const;
  const app =
    threads === 1
      ? new StreamsApp(pageViewCountTopology(input), config)
      : StreamsApp.fromModule(THREAD_MODULE, { ...config, numStreamThreads: threads }, { data: { input } satisfies PageViewThreadData });
  cleanup.push(() => app.close());
  server.on('request', queryHandler(app, PAGE_VIEW_COUNTS, USER_ID));
  await app.start();
  return { app, server, port: server.port, applicationServer };
}

interface Answer {
  readonly status: number;
  readonly count: number | null;
  readonly servedBy: string | undefined;
  readonly forwardedTo: string | null;
}

async function ask(port: number, user: string): Promise<Answer> {
  const res = await fetch(`http://127.0.0.1:${port}/count/${user}`);
  const body = (await res.json()) as { count?: number | null; servedBy?: string };
  return { status: res.status, count: body.count ?? null, servedBy: body.servedBy, forwardedTo: res.headers.get(FORWARDED_TO) };
}

const owner = (app: StreamsApp | StreamThreadsApp, user: string): string => {
  const where = app.queryMetadataForKey(PAGE_VIEW_COUNTS, user, USER_ID);
  return `${where.activeHost.host}:${where.activeHost.port}`;
};

/** Every user asked through each instance, until all answer right (503s during a rebalance are asked again). */
async function answerAll(kafka: KafkaTestHarness, instances: readonly Instance[]): Promise<Map<string, Answer[]>> {
  return kafka.eventually(async () => {
    const all = new Map<string, Answer[]>();
    for (const user of users) all.set(user, await Promise.all(instances.map((i) => ask(i.port, user))));
    const right = [...all].every(([user, list]) => list.every((a) => a.status === 200 && a.count === expectedViews(Number(user.slice(5)))));
    return right ? all : undefined;
  }, 30_000, 'every user to be answered correctly through every instance');
}

describe('interactive queries across instances (example)', () => {
  it('answers every key through either instance, through the survivor after one leaves, and after a new instance joins', async () => {
    const kafka = new KafkaTestHarness();
    const input = kafka.uniqueName('page-views');
    await kafka.createTopic(input, 4);
    const applicationId = kafka.uniqueName('interactive-queries');
    const one = await startInstance(kafka, input, applicationId, 'one');
    const two = await startInstance(kafka, input, applicationId, 'two');
    await kafka.produce(
      input,
      samplePageViews(USERS).map((v) => ({ key: v.user, value: v.page })),
    );

    const answers = await answerAll(kafka, [one, two]);
    await kafka.eventually(async () => (one.app.state === 'RUNNING' && two.app.state === 'RUNNING' ? true : undefined), 30_000, 'both instances RUNNING');
    // Both instances run tasks, and agree on each key's owner: the instance that served it.
    expect(one.app.metrics().tasks.length).toBe(2);
    expect(two.app.metrics().tasks.length).toBe(2);
    const servers = [one.applicationServer, two.applicationServer];
    const byOwner = new Map(servers.map((s) => [s, 0]));
    for (const [user, [viaOne, viaTwo]] of answers) {
      const where = owner(one.app, user);
      expect(owner(two.app, user), user).toBe(where);
      expect(viaOne!.servedBy, user).toBe(where);
      expect(viaTwo!.servedBy, user).toBe(where);
      // Asked of the other instance, the answer came forwarded from the owner.
      expect(viaOne!.forwardedTo, user).toBe(where === one.applicationServer ? null : where);
      expect(viaTwo!.forwardedTo, user).toBe(where === two.applicationServer ? null : where);
      byOwner.set(where, byOwner.get(where)! + 1);
    }
    expect([...byOwner.values()].every((n) => n > 0)).toBe(true);
    const metadata = one.app.allMetadataForStore(PAGE_VIEW_COUNTS);
    expect(metadata.map((m) => `${m.hostInfo.host}:${m.hostInfo.port}`).sort()).toEqual([...servers].sort());
    expect(metadata.flatMap((m) => m.topicPartitions.map((tp) => tp.partition)).sort()).toEqual([0, 1, 2, 3]);
    const movedUsers = users.filter((u) => owner(one.app, u) === two.applicationServer);

    // The rebalance: instance two leaves. The survivor takes its tasks, restores their stores
    // from the changelog, and answers every user from its own store.
    await two.app.close();
    await closeServer(two.server);
    const after = await answerAll(kafka, [one]);
    await kafka.eventually(async () => (one.app.state === 'RUNNING' ? true : undefined), 30_000, 'the survivor RUNNING');
    expect(one.app.metrics().tasks.length).toBe(4);
    for (const [user, [viaOne]] of after) {
      expect(viaOne!.servedBy, user).toBe(one.applicationServer);
      expect(viaOne!.forwardedTo, user).toBeNull();
      const where = one.app.queryMetadataForKey(PAGE_VIEW_COUNTS, user, USER_ID);
      expect(where).not.toBe(KeyQueryMetadata.NOT_AVAILABLE);
      expect(`${where.activeHost.host}:${where.activeHost.port}`, user).toBe(one.applicationServer);
      expect(where.standbyHosts).toEqual([]);
    }
    expect(movedUsers.length).toBeGreaterThan(0);
    expect(one.app.metadataForAllStreamsClients().map((m) => m.hostInfo.port)).toEqual([one.port]);

    // Another rebalance: a third instance joins, with two stream threads (two members of the
    // group under one applicationServer), and takes tasks.
    const three = await startInstance(kafka, input, applicationId, 'three', 2);
    const joined = await answerAll(kafka, [one, three]);
    await kafka.eventually(async () => (one.app.state === 'RUNNING' && three.app.state === 'RUNNING' ? true : undefined), 30_000, 'both instances RUNNING');
    expect(three.app.metrics().tasks.length).toBeGreaterThan(0);
    expect(one.app.metadataForAllStreamsClients().map((m) => m.hostInfo.port).sort()).toEqual([one.port, three.port].sort());
    expect(three.app.allMetadataForStore(PAGE_VIEW_COUNTS).find((m) => m.hostInfo.port === three.port)!.topicPartitions.map((tp) => tp.partition)).toEqual(
      three.app.metrics().tasks.map((t) => Number(t.split('_')[1])).sort(),
    );
    let onThree = 0;
    for (const [user, [viaOne, viaThree]] of joined) {
      const where = owner(three.app, user);
      expect(owner(one.app, user), user).toBe(where);
      expect([viaOne!.servedBy, viaThree!.servedBy], user).toEqual([where, where]);
      if (where === three.applicationServer) onThree++;
    }
    expect(onThree).toBeGreaterThan(0);
  });
});
