/**
 * The start-up check of an app's topics (issue 18, part 2): every missing topic and every
 * co-partitioning mismatch is reported at once, in one TopologyError, each with the command that
 * fixes it.
 */
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { StreamsApp, TopologyError, type Topology } from '../src/index.js';
import { runCli } from '../src/cli/main.js';
import { brokers, createTopic, uniqueName } from './support/kafka.js';
import { countingTopology } from './support/topologies.js';
import joined from './fixtures/cli/joined.js';

const apps: StreamsApp[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.close()));
});

function newApp(topology: Topology, applicationId: string): StreamsApp {
  const app = new StreamsApp(topology, { applicationId, brokers: brokers(), logLevel: 'error', stateDir: `/tmp/rivulet-test-state/${applicationId}`, taskTimeoutMs: 5_000 });
  apps.push(app);
  return app;
}

async function startError(app: StreamsApp): Promise<Error> {
  const outcome = await app.start().then(
    () => undefined,
    (error: unknown) => error as Error,
  );
  if (outcome === undefined) throw new Error('start() resolved: expected it to reject');
  return outcome;
}

describe('start-up topic check', () => {
  it('names every missing topic in one error, each with its kafka-topics.sh line, and the rivulet topics line that creates them all', async () => {
    const input = uniqueName('chk-in');
    const copies = uniqueName('chk-copies');
    const counts = uniqueName('chk-counts');
    const appId = uniqueName('chk-app');
    const bootstrap = brokers().join(',');
    const app = newApp(countingTopology(input, copies, counts), appId);
    const error = await startError(app);
    expect(error).toBeInstanceOf(TopologyError);
    expect(error.message).toBe(
      [
        '3 topic problems at start (Rivulet creates only its internal topics):',
        `  - source topic '${input}' not found: create it before starting the app`,
        `    fix: kafka-topics.sh --bootstrap-server ${bootstrap} --create --topic ${input} --partitions 1`,
        `  - sink topic '${copies}' not found: create it before starting the app`,
        `    fix: kafka-topics.sh --bootstrap-server ${bootstrap} --create --topic ${copies} --partitions 1`,
        `  - sink topic '${counts}' not found: create it before starting the app`,
        `    fix: kafka-topics.sh --bootstrap-server ${bootstrap} --create --topic ${counts} --partitions 1`,
        `Or create every missing topic at once: npx rivulet topics <module exporting the topology> --bootstrap-servers ${bootstrap} --application-id ${appId} --create`,
      ].join('\n'),
    );
    expect(app.state).toBe('ERROR');

    // The suggested command fixes them all: the next start runs.
    Object.assign(process.env, { CLI_TEST_INPUT: input, CLI_TEST_COPIES: copies, CLI_TEST_COUNTS: counts });
    const module = fileURLToPath(new URL('./fixtures/cli/topologies.ts', import.meta.url));
    const quiet = { out: () => undefined, err: (t: string) => void expect.fail(t) };
    expect(await runCli(['topics', module, '--export', 'fromEnv', '--bootstrap-servers', bootstrap, '--application-id', appId, '--create'], quiet)).toBe(0);
    const again = newApp(countingTopology(input, copies, counts), appId);
    await again.start();
    expect(again.state).toBe('RUNNING');
  });

  it('reports topics not co-partitioned together with a missing one, with the commands that fix them', async () => {
    const left = uniqueName('chk-left');
    const right = uniqueName('chk-right');
    const out = uniqueName('chk-out');
    const appId = uniqueName('chk-join-app');
    const bootstrap = brokers().join(',');
    await Promise.all([createTopic(left, 2), createTopic(right, 3)]);
    Object.assign(process.env, { CLI_TEST_LEFT: left, CLI_TEST_RIGHT: right, CLI_TEST_OUT: out });
    const error = await startError(newApp(joined(), appId));
    expect(error).toBeInstanceOf(TopologyError);
    const lines = error.message.split('\n');
    expect(lines[0]).toBe('2 topic problems at start (Rivulet creates only its internal topics):');
    expect(lines).toContain(`  - sink topic '${out}' not found: create it before starting the app`);
    expect(lines).toContain(`    fix: kafka-topics.sh --bootstrap-server ${bootstrap} --create --topic ${out} --partitions 3`);
    expect(error.message).toMatch(/topics joined in sub-topology 0 must be co-partitioned \(same partition count\): /);
    expect(error.message).toContain(`${left} (2)`);
    expect(error.message).toContain(`${right} (3)`);
    expect(lines).toContain(
      `    fix: kafka-topics.sh --bootstrap-server ${bootstrap} --alter --topic ${left} --partitions 3 (more partitions move keys to other partitions: only on topics whose keys may move)`,
    );
  });
});
