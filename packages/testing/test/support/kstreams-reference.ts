/**
 * The two runs test/kstreams-reference.int.test.ts compares: Kafka Streams' (test/support/java/
 * KStreamsReference.java, on the jars of ./kstreams-jars.ts, through Kafka Streams' own
 * TopologyTestDriver) and Rivulet's (a topology built with Rivulet's DSL, through Rivulet's
 * TopologyTestDriver), on the same inputs (./kstreams-reference-inputs.ts). Both give their output
 * as the same lines, so that a difference reads as a line diff.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { serdes } from '@rivulet/serde';
import { StreamsBuilder } from '@rivulet/streams';
import { TopologyTestDriver } from '../../src/index.js';
import { fetchKafkaStreamsJars } from './kstreams-jars.js';
import type { ReferenceInput } from './kstreams-reference-inputs.js';

const JAVA_PROGRAM = fileURLToPath(new URL('./java/KStreamsReference.java', import.meta.url));

/**
 * One output record as a line, `topic key value @timestamp`: the value as canonical JSON (object keys
 * sorted) or `null` for a tombstone, the key as it is (`null` for none).
 */
export type OutputLine = string;

interface RawOutput {
  topic: string;
  key: string | null;
  value: string | null;
  timestamp: number;
}

/** JSON text with object keys sorted: the two sides print the same value with their own key order. */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function lines(records: readonly RawOutput[]): OutputLine[] {
  return records.map((r) => `${r.topic} ${r.key} ${r.value === null ? 'null' : canonical(JSON.parse(r.value))} @${r.timestamp}`);
}

/** The topic of an output line. */
export function topicOf(line: OutputLine): string {
  return line.slice(0, line.indexOf(' '));
}

/**
 * Runs the named scenarios in Kafka Streams (one JVM for all: a few seconds, the jars fetched with
 * Maven the first time); returns each one's output lines: every topic its sinks wrote, in name
 * order, each topic's records in emission order. Throws with Java's stderr when it fails.
 */
export function runKafkaStreams(scenarios: readonly { scenario: string; inputs: readonly ReferenceInput[] }[]): Map<string, OutputLine[]> {
  const libs = fetchKafkaStreamsJars();
  const run = spawnSync('java', ['-cp', `${libs}/*`, JAVA_PROGRAM], {
    input: JSON.stringify(scenarios),
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (run.error !== undefined) throw new Error(`Java is needed for the Kafka Streams reference: ${run.error.message}`);
  if (run.status !== 0) throw new Error(`KStreamsReference.java failed (exit ${run.status}): ${run.stderr}`);
  const results = JSON.parse(run.stdout) as { scenario: string; outputs: RawOutput[] }[];
  return new Map(results.map((r) => [r.scenario, lines(r.outputs)]));
}

/**
 * Runs `inputs` through the topology `build` makes, on Rivulet's TopologyTestDriver (string serdes
 * on the driver's side: values are JSON text); returns the output lines of `outputs` as
 * {@link runKafkaStreams} lists them.
 */
export async function runRivulet(
  build: (builder: StreamsBuilder) => void,
  inputs: readonly ReferenceInput[],
  outputs: readonly string[],
): Promise<OutputLine[]> {
  const str = serdes.string();
  const builder = new StreamsBuilder({ warn: () => undefined });
  build(builder);
  const driver = await TopologyTestDriver.create(builder.build());
  try {
    for (const input of inputs) driver.createInputTopic(input.topic, str, str).pipeInput(input.key, input.value, input.timestamp);
    return lines(
      [...outputs].sort().flatMap((topic) =>
        driver
          .createOutputTopic(topic, str, str)
          .readRecordsToList()
          .map((r) => ({ topic, key: r.key, value: r.value, timestamp: r.timestamp })),
      ),
    );
  } finally {
    await driver.close();
  }
}
