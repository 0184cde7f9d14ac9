/**
 * Interactive queries across instances, end to end on a real broker:
 *
 *   npm run example:interactive-queries
 *   node --conditions=@rivulet/source --import tsx apps/examples/src/interactive-queries/main.ts
 *
 * Uses KAFKA_BROKERS if set, else the local broker (started if needed). Runs two instances of one
 * app in this process, each with its own query service (query-service.ts) on its own port and
 * that port as its `applicationServer`. Counts page views per user, then asks each instance for
 * every user: an instance answers the users of its own tasks from its store and forwards the
 * others to the instance that runs them. Then instance two leaves; the group rebalances, and
 * instance one answers every user itself.
 */
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Server } from 'node:http';
import { StreamsApp } from '@rivulet/core';
import { ExampleKafka, exampleBrokers } from '../support/example-kafka.js';
import { runExample, say } from '../support/run-example.js';
import { FORWARDED_TO, queryHandler, serveQueries } from './query-service.js';
import { expectedViews, pageViewCountTopology, PAGE_VIEW_COUNTS, samplePageViews, USER_ID } from './topology.js';

const USERS = 12;

interface Answer {
  readonly status: number;
  readonly count: number | null;
  readonly servedBy: string | undefined;
  readonly forwarded: boolean;
}

/** Asks an instance's query service for a user's count. */
async function ask(port: number, user: string): Promise<Answer> {
  const res = await fetch(`http://127.0.0.1:${port}/count/${encodeURIComponent(user)}`);
  const body = (await res.json()) as { count?: number | null; servedBy?: string };
  return { status: res.status, count: body.count ?? null, servedBy: body.servedBy, forwarded: res.headers.get(FORWARDED_TO) !== null };
}

/** Asks until every user's count is right through each port (503s and counts still growing are asked again). */
async function askAll(ports: readonly number[], timeoutMs = 60_000): Promise<Map<string, Answer[]>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const answers = new Map<string, Answer[]>();
    for (let n = 0; n < USERS; n++) answers.set(`user-${n}`, await Promise.all(ports.map((p) => ask(p, `user-${n}`))));
    const right = [...answers].every(([user, list]) => list.every((a) => a.status === 200 && a.count === expectedViews(Number(user.slice(5)))));
    if (right) return answers;
    if (Date.now() > deadline) throw new Error('the instances did not answer every user correctly in time');
    await new Promise((r) => setTimeout(r, 250));
  }
}

function printAnswers(answers: Map<string, Answer[]>, names: readonly string[]): void {
  say(`  ${'user'.padEnd(9)} ${'count'.padStart(5)}   ${names.map((n) => `asked ${n}: served by`.padEnd(32)).join('')}`);
  for (const [user, list] of answers) {
    say(`  ${user.padEnd(9)} ${String(list[0]!.count).padStart(5)}   ${list.map((a) => `${a.servedBy}${a.forwarded ? ' (forwarded)' : ''}`.padEnd(32)).join('')}`);
  }
}

const closeServer = (server: Server): Promise<void> => new Promise((resolve) => server.close(() => resolve()));

runExample('interactive-queries', async (closer) => {
  const brokers = await exampleBrokers();
  const kafka = new ExampleKafka(brokers, 'interactive-queries-example');
  const run = randomBytes(3).toString('hex');
  const input = `page-views-${run}`;
  await kafka.createTopics([{ topic: input, partitions: 4 }]);
  const applicationId = `interactive-queries-${run}`;
  say(`Topic: ${input} (4 partitions); app ${applicationId}, store '${PAGE_VIEW_COUNTS}'`);

  const instances: { name: string; app: StreamsApp; port: number; server: Server }[] = [];
  for (const name of ['one', 'two']) {
    // The service listens first: its port is the instance's applicationServer.
    const server = await serveQueries(undefined, 0);
    closer.add(`the query service of instance ${name}`, () => closeServer(server));
    const app = new StreamsApp(pageViewCountTopology(input), {
      applicationId,
      brokers,
      applicationServer: `127.0.0.1:${server.port}`,
      stateDir: join(tmpdir(), 'rivulet', applicationId, name),
      logLevel: 'error',
    });
    server.on('request', queryHandler(app, PAGE_VIEW_COUNTS, USER_ID));
    // Instance one runs under runApp (Ctrl-C closes everything); instance two leaves mid-way, so it is closed by hand.
    if (name === 'one') await closer.start(app);
    else {
      closer.add('instance two', () => app.close());
      await app.start();
    }
    instances.push({ name, app, port: server.port, server });
    say(`Instance ${name}: applicationServer 127.0.0.1:${server.port}, GET http://127.0.0.1:${server.port}/count/:user`);
  }

  const views = samplePageViews(USERS);
  await kafka.produce(input, views.map((v) => ({ key: v.user, value: v.page })));
  say(`> ${views.length} page views of ${USERS} users`);

  const [one, two] = instances as [(typeof instances)[0], (typeof instances)[0]];
  say('\nEvery user asked of both instances (each answers its own users and forwards the rest):');
  printAnswers(await askAll([one.port, two.port]), ['one', 'two']);
  for (const m of one.app.allMetadataForStore(PAGE_VIEW_COUNTS)) {
    say(`  ${m.hostInfo.host}:${m.hostInfo.port} runs partitions ${m.topicPartitions.map((tp) => tp.partition).join(', ')}`);
  }

  say('\nInstance two leaves; the group rebalances and instance one takes its tasks (restoring their stores from the changelog).');
  await two.app.close();
  await closeServer(two.server);
  printAnswers(await askAll([one.port]), ['one']);
  const hosts = one.app.allMetadataForStore(PAGE_VIEW_COUNTS).map((m) => `${m.hostInfo.host}:${m.hostInfo.port}`);
  say(`  the metadata now names one instance: ${hosts.join(', ')}`);
});
