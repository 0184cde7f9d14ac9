/**
 * `npm start`: the word-count app with exactly_once on a real broker. Uses KAFKA_BROKERS if set,
 * else starts the local broker; creates the topics, feeds sample text, prints the counts as they
 * change, then closes cleanly and exits 0 (1 if the app fails: see support/run-example.ts).
 * Without a broker (and no Java to start one) it runs the same topology on the TopologyTestDriver
 * and says so.
 */
import { randomBytes } from 'node:crypto';
import { serveObservability, StreamsApp, type Topology } from '@rivulet/core';
import { serdes } from '@rivulet/serde';
import { TopologyTestDriver } from '@rivulet/testing';
import { Kafka, logLevel } from 'kafkajs';
import { startBroker } from '../../../scripts/kafka.mjs';
import { runExample } from './support/run-example.js';
import { SAMPLE_TEXT, wordCountTopology } from './word-count/topology.js';

const out = (line: string): void => void process.stdout.write(`${line}\n`);

async function findBrokers(): Promise<string | undefined> {
  if (process.env['KAFKA_BROKERS']) return process.env['KAFKA_BROKERS'];
  try {
    // The data `npm run kafka stop` kept is used, not wiped.
    const broker = await startBroker(undefined, { keepData: true });
    out(`Kafka is up on ${broker.bootstrap}${broker.started ? ' (started for this demo; stop it with: npm run kafka stop)' : ''}`);
    return broker.bootstrap;
  } catch (err) {
    out(`No Kafka broker: ${(err as Error).message.split('\n')[0]}`);
    return undefined;
  }
}

function printTop(counts: Map<string, bigint>): void {
  const top = [...counts].sort((a, b) => Number(b[1] - a[1]) || a[0].localeCompare(b[0])).slice(0, 8);
  out(`Top words: ${top.map(([w, n]) => `${w}=${n}`).join(', ')}`);
}

function runOnTestDriver(topology: Topology, input: string, output: string): void {
  out('Running the same topology on the TopologyTestDriver instead (no broker, in process).');
  const driver = new TopologyTestDriver(topology);
  const lines = driver.createInputTopic(input, serdes.string(), serdes.string());
  const counts = driver.createOutputTopic(output, serdes.string(), serdes.int64());
  for (const line of SAMPLE_TEXT) lines.pipeInput(null, line);
  printTop(counts.readKeyValuesToMap() as Map<string, bigint>);
}

runExample('demo', async (closer) => {
  const run = randomBytes(3).toString('hex');
  const input = `demo-text-lines-${run}`;
  const output = `demo-word-counts-${run}`;
  const topology = wordCountTopology({ input, output });
  const brokers = await findBrokers();
  if (brokers === undefined) return runOnTestDriver(topology, input, output);

  const kafka = new Kafka({ clientId: 'rivulet-demo', brokers: brokers.split(','), logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic: input, numPartitions: 2 }, { topic: output, numPartitions: 2 }] });
  await admin.disconnect();
  out(`Topics: ${input} -> ${output}`);

  const app = new StreamsApp(topology, {
    applicationId: `demo-word-count-${run}`,
    brokers: brokers.split(','),
    processingGuarantee: 'exactly_once',
    logLevel: 'warn',
  });
  app.state$.subscribe((state) => out(`App state: ${state}`));
  // Under runApp: Ctrl-C closes the app (commit, leave the group) and the reader, then exits 0.
  await closer.start(app);
  // The live page and Prometheus metrics, on port 9464 (the Prometheus exporters' usual), or any free one.
  const wanted = Number(process.env['RIVULET_DEMO_PORT'] ?? 9464);
  const server = await serveObservability(app, { port: wanted }).catch(() => serveObservability(app, { port: 0 }));
  closer.add('the live page', () => server.close());
  out(`Live page: ${server.url}/  (Prometheus metrics: ${server.url}/metrics; npm start -- --stay keeps it up)`);

  // Read the counts as a read_committed consumer sees them: only what committed transactions wrote.
  const counts = new Map<string, bigint>();
  const expected = new Map<string, bigint>();
  for (const line of SAMPLE_TEXT) for (const w of line.toLowerCase().split(/\W+/).filter(Boolean)) expected.set(w, (expected.get(w) ?? 0n) + 1n);
  const consumer = kafka.consumer({ groupId: `demo-reader-${run}`, readUncommitted: false });
  closer.add('the reader', () => consumer.disconnect());
  await consumer.connect();
  await consumer.subscribe({ topic: output, fromBeginning: true });
  let updates = 0;
  const done = new Promise<void>((resolve) => {
    void consumer.run({
      eachMessage: async ({ message }) => {
        const word = message.key!.toString();
        const count = message.value!.readBigInt64BE();
        counts.set(word, count);
        updates++;
        out(`  ${word.padEnd(10)} ${String(count).padStart(3)}   (update ${updates})`);
        if ([...expected].every(([w, n]) => counts.get(w) === n)) resolve();
      },
    });
  });

  const producer = kafka.producer();
  closer.add('the producer', () => producer.disconnect());
  await producer.connect();
  for (const [i, line] of SAMPLE_TEXT.entries()) {
    await producer.send({ topic: input, messages: [{ value: line }] });
    out(`> fed line ${i + 1}/${SAMPLE_TEXT.length}: "${line}"`);
    await new Promise((r) => setTimeout(r, 300));
  }

  const timeout = setTimeout(() => out('Still waiting for counts... (Ctrl-C to stop)'), 20_000);
  await done;
  clearTimeout(timeout);
  printTop(counts);
  out('');
  out('Done: every word counted exactly once. More examples: see apps/examples/README.md');
  if (process.argv.includes('--stay')) {
    out(`Staying up for the live page at ${server.url}/ : Ctrl-C stops.`);
    await new Promise<void>(() => undefined);
  }
  // runExample closes the producer, the reader and the app, then exits 0.
});
