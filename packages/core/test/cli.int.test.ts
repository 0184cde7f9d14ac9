/**
 * The `rivulet` command line on the real broker (issue 18): `reset` (an app reprocesses everything
 * after it; it refuses while an instance runs; --dry-run changes nothing) and `topics --create`.
 */
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { StreamsApp, type Topology } from '../src/index.js';
import { runCli } from '../src/cli/main.js';
import { brokers, createTopic, produce, readAll, readAtLeast, testKafka, uniqueName, withAdmin } from './support/kafka.js';
import { countingTopology } from './support/topologies.js';

const fixture = (name: string): string => fileURLToPath(new URL(`./fixtures/cli/${name}`, import.meta.url));
const bootstrap = (): string => brokers().join(',');

const apps: StreamsApp[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.close()));
});

function newApp(topology: Topology, applicationId: string): StreamsApp {
  const app = new StreamsApp(topology, {
    applicationId,
    brokers: brokers(),
    processingGuarantee: 'at_least_once',
    commitIntervalMs: 200,
    logLevel: 'error',
    stateDir: `/tmp/rivulet-test-state/${applicationId}`,
  });
  apps.push(app);
  return app;
}

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, { out: (t) => void out.push(t), err: (t) => void err.push(t) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

async function committed(groupId: string, topic: string): Promise<string[]> {
  return withAdmin(async (admin) => {
    const [entry] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return entry!.partitions.sort((a, b) => a.partition - b.partition).map((p) => p.offset);
  });
}

const topicExists = (topic: string): Promise<boolean> => withAdmin(async (admin) => (await admin.listTopics()).includes(topic));

/** An app counting per key, run once over the input and closed. */
async function processedOnce(): Promise<{ appId: string; input: string; copies: string; counts: string; changelog: string; topology: () => Topology }> {
  const input = uniqueName('cli-in');
  const copies = uniqueName('cli-copies');
  const counts = uniqueName('cli-counts');
  const appId = uniqueName('cli-app');
  await Promise.all([createTopic(input, 2), createTopic(copies, 2), createTopic(counts, 2)]);
  await produce(input, Array.from({ length: 60 }, (_, i) => ({ key: `k${i % 6}`, value: `v${i}` })));
  const topology = (): Topology => countingTopology(input, copies, counts, { persistent: true });
  const app = newApp(topology(), appId);
  await app.start();
  await readAtLeast(copies, 60);
  await app.close();
  expect(await committed(appId, input)).toEqual(await endOffsets(input));
  return { appId, input, copies, counts, changelog: `${appId}-counts-changelog`, topology };
}

async function endOffsets(topic: string): Promise<string[]> {
  return withAdmin(async (admin) => (await admin.fetchTopicOffsets(topic)).sort((a, b) => a.partition - b.partition).map((o) => o.high));
}

/** The count records per key, in order. */
async function countsByKey(topic: string): Promise<Map<string, string[]>> {
  const byKey = new Map<string, string[]>();
  for (const r of await readAll(topic)) byKey.set(r.key!, [...(byKey.get(r.key!) ?? []), r.valueBytes!.readBigInt64BE().toString()]);
  return byKey;
}

describe('rivulet reset', () => {
  it('to earliest: the closed app is reset, its changelog deleted, and after cleanUp() it reprocesses everything from scratch', async () => {
    const { appId, input, copies, counts, changelog, topology } = await processedOnce();
    expect(await topicExists(changelog)).toBe(true);
    const firstCounts = await countsByKey(counts);
    expect([...firstCounts.values()].map((c) => c.at(-1))).toEqual(['10', '10', '10', '10', '10', '10']);

    const reset = await cli(['reset', '--application-id', appId, '--bootstrap-servers', bootstrap(), '--input-topics', input, '--to-earliest']);
    expect(reset.err).toBe('');
    expect(reset.code).toBe(0);
    expect(reset.out).toContain(`Committed offsets of group '${appId}' that are reset to the earliest offset:`);
    expect(reset.out).toContain(`  ${input} partition 0: ${(await endOffsets(input))[0]} -> 0`);
    expect(reset.out).toContain(`Internal topics that are deleted:\n  ${changelog}\n`);
    expect(await committed(appId, input)).toEqual(['0', '0']);
    expect(await topicExists(changelog)).toBe(false);

    // As Kafka Streams: the tool leaves local state to the app's cleanUp().
    const again = newApp(topology(), appId);
    await again.cleanUp();
    await again.start();
    await readAtLeast(copies, 120);
    await again.close();
    // Every input record processed again, and the counts start from zero: the second run's
    // counts are the first run's, once more.
    expect((await readAll(copies)).length).toBe(120);
    const secondCounts = await countsByKey(counts);
    for (const [key, first] of firstCounts) expect(secondCounts.get(key)).toEqual([...first, ...first]);
  });

  it('refuses while an instance of the app runs, naming it, and changes nothing', async () => {
    const { appId, input, changelog, topology } = await processedOnce();
    const offsets = await committed(appId, input);
    const running = newApp(topology(), appId);
    await running.start();
    const reset = await cli(['reset', '--application-id', appId, '--bootstrap-servers', bootstrap(), '--input-topics', input]);
    expect(reset.code).toBe(1);
    expect(reset.err).toMatch(new RegExp(`^reset: consumer group '${appId}' has 1 active member: \\S+ \\(client ${appId}\\S* on \\S+\\)\\. Stop every instance`));
    expect(reset.out).toBe('');
    await running.close();
    expect(await committed(appId, input)).toEqual(offsets);
    expect(await topicExists(changelog)).toBe(true);
  });

  it('--dry-run prints what it would do and changes nothing', async () => {
    const { appId, input, changelog } = await processedOnce();
    const offsets = await committed(appId, input);
    const dry = await cli(['reset', '--application-id', appId, '--bootstrap-servers', bootstrap(), '--input-topics', `${input},no-such-topic-${appId}`, '--to-offset', '3', '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.out.split('\n')).toEqual([
      `input topic 'no-such-topic-${appId}' not found: skipped`,
      `Committed offsets of group '${appId}' that would be reset to offset 3:`,
      `  ${input} partition 0: ${offsets[0]} -> 3`,
      `  ${input} partition 1: ${offsets[1]} -> 3`,
      'Internal topics that would be deleted:',
      `  ${changelog}`,
      'Dry run: nothing was changed.',
    ]);
    expect(await committed(appId, input)).toEqual(offsets);
    expect(await topicExists(changelog)).toBe(true);
  });
});

describe('rivulet reset by time', () => {
  it('--to-datetime and --by-duration move to the first record at or after the time, the end where none is that late', async () => {
    const input = uniqueName('cli-timed');
    const appId = uniqueName('cli-timed-app');
    await createTopic(input, 1);
    const now = Date.now();
    const producer = testKafka('rivulet-test-producer').producer();
    await producer.connect();
    await producer.send({
      topic: input,
      messages: [now - 3 * 3_600_000, now - 2 * 3_600_000, now - 3_600_000].map((t, i) => ({ key: 'k', value: `v${i}`, timestamp: String(t) })),
    });
    await producer.disconnect();
    const base = ['reset', '--application-id', appId, '--bootstrap-servers', bootstrap(), '--input-topics', input, '--dry-run'];
    const at = async (...args: string[]) => (await cli([...base, ...args])).out.split('\n').find((l) => l.startsWith(`  ${input} partition 0:`));
    expect(await at('--to-datetime', new Date(now - 2 * 3_600_000).toISOString())).toBe(`  ${input} partition 0: none -> 1`);
    expect(await at('--by-duration', 'PT2H30M')).toBe(`  ${input} partition 0: none -> 1`);
    expect(await at('--by-duration', 'PT30M')).toBe(`  ${input} partition 0: none -> 3`);
    expect(await at('--to-latest')).toBe(`  ${input} partition 0: none -> 3`);
  });
});

describe('rivulet topics', () => {
  it('prints the topics an app needs and --create makes the missing ones co-partitioned, internal ones with their configs; the app then starts', async () => {
    const left = uniqueName('cli-left');
    const right = uniqueName('cli-right');
    const out = uniqueName('cli-out');
    const appId = uniqueName('cli-topics-app');
    await createTopic(left, 3);
    Object.assign(process.env, { CLI_TEST_LEFT: left, CLI_TEST_RIGHT: right, CLI_TEST_OUT: out });
    const changelog = `${appId}-last-changelog`;

    const listed = await cli(['topics', fixture('joined.ts'), '--bootstrap-servers', bootstrap(), '--application-id', appId]);
    expect(listed.code).toBe(0);
    const rows = listed.out.split('\n').map((l) => l.split(/\s{2,}/));
    expect(rows).toEqual([
      ['ROLE', 'TOPIC', 'PARTITIONS', 'STATUS', 'CONFIGS'],
      ['source', left, '3', 'exists'],
      ['source', right, '3', 'missing'],
      ['sink', out, '3', 'missing'],
      ['changelog', changelog, '3', 'missing', 'cleanup.policy=compact'],
      [`co-partitioned (same partition count): ${[left, right].sort().join(', ')}`],
      ['3 topics missing: add --create to create them.'],
    ]);
    expect(await topicExists(right)).toBe(false);

    const created = await cli(['topics', fixture('joined.ts'), '--bootstrap-servers', bootstrap(), '--application-id', appId, '--create']);
    expect(created.err).toBe('');
    expect(created.code).toBe(0);
    expect(created.out).toContain(`created ${right} (3 partitions)\ncreated ${out} (3 partitions)\ncreated ${changelog} (3 partitions)`);
    await withAdmin(async (admin) => {
      const { topics } = await admin.fetchTopicMetadata({ topics: [right, out, changelog] });
      expect(topics.map((t) => t.partitions.length)).toEqual([3, 3, 3]);
      const { resources } = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: 2, name: changelog, configNames: ['cleanup.policy'] }] });
      expect(resources[0]!.configEntries.map((e) => e.configValue)).toEqual(['compact']);
    });
    const again = await cli(['topics', fixture('joined.ts'), '--bootstrap-servers', bootstrap(), '--application-id', appId, '--create']);
    expect(again.out.split('\n').at(-1)).toBe('Nothing to create.');

    const { default: joined } = await import('./fixtures/cli/joined.js');
    const app = newApp(joined(), appId);
    await app.start();
    expect(app.state).toBe('RUNNING');
  });
});
