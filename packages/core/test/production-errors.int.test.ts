/**
 * Output records the brokers refuse (issue 11, problem 3): under every guarantee they reach the
 * production exception handler, the records around them are delivered as the guarantee promises,
 * and nothing loops. A topic's max.message.bytes known at start is checked before the send; one
 * lowered while the app runs is learned from the broker's refusal, after an abort and a replay.
 */
import { serdes } from '@rivulet/serde';
import { afterEach, describe, expect, it } from 'vitest';
import {
  DEAD_LETTER_HEADERS,
  ProcessingError,
  StreamsApp,
  Topology,
  type ExceptionHandlerSetting,
  type ProcessingGuarantee,
  type ProcessorContext,
  type ProcessorSupplier,
  type StreamsError,
} from '../src/index.js';
import { brokers, eventually, produce, readAll, readAtLeast, uniqueName, withAdmin } from './support/kafka.js';
import { createTopicsAndWait } from './support/topics.js';

const apps: StreamsApp[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.close()));
});

/** Upper-cases each value; a value `big:N` becomes N bytes of 'x', too large for the output topic. */
const upperOrBig: ProcessorSupplier<string, string, string, string> = () => {
  let ctx: ProcessorContext<string, string>;
  return {
    init: (context) => {
      ctx = context;
    },
    process: (record) => {
      const big = /^big:(\d+)$/.exec(record.value);
      ctx.forward(record.withValue(big ? 'x'.repeat(Number(big[1])) : record.value.toUpperCase()));
    },
  };
};

function topology(input: string, output: string): Topology {
  return new Topology()
    .addSource('in', input, { key: serdes.string(), value: serdes.string() })
    .addProcessor('upper', upperOrBig, 'in')
    .addSink('out', output, { key: serdes.string(), value: serdes.string() }, 'upper');
}

function newApp(input: string, output: string, guarantee: ProcessingGuarantee, productionExceptionHandler: ExceptionHandlerSetting): StreamsApp {
  const applicationId = uniqueName('too-large-app');
  const app = new StreamsApp(topology(input, output), {
    applicationId,
    brokers: brokers(),
    processingGuarantee: guarantee,
    commitIntervalMs: 200,
    logLevel: 'error',
    stateDir: `/tmp/rivulet-test-state/${applicationId}`,
    productionExceptionHandler,
  });
  apps.push(app);
  return app;
}

async function committed(groupId: string, topic: string): Promise<string | undefined> {
  return withAdmin(async (admin) => (await admin.fetchOffsets({ groupId, topics: [topic] }))[0]?.partitions[0]?.offset);
}

const INPUT = [
  { key: 'k1', value: 'a' },
  { key: 'k2', value: 'b' },
  { key: 'k3', value: 'big:20000' },
  { key: 'k4', value: 'c' },
  { key: 'k5', value: 'd' },
];

describe.each(['at_least_once', 'exactly_once'] as const)('an output record too large for its topic (%s)', (guarantee) => {
  it('goes to the dead-letter topic with the input bytes and why; the records around it are delivered once, and the app keeps RUNNING', async () => {
    const [input, output, dlq] = [uniqueName('in'), uniqueName('out'), uniqueName('dlq')];
    await createTopicsAndWait([input, dlq], 1);
    await createTopicsAndWait([output], 1, { 'max.message.bytes': '5000' });
    await produce(input, INPUT);
    const app = newApp(input, output, guarantee, { deadLetterTopic: dlq });
    const errors: StreamsError[] = [];
    app.errors$.subscribe((e) => errors.push(e));
    await app.start();

    const dead = await readAtLeast(dlq, 1);
    expect(dead).toHaveLength(1);
    expect(dead[0]!.value).toBe('big:20000');
    expect(dead[0]!.key).toBe('k3');
    expect(String(dead[0]!.headers[DEAD_LETTER_HEADERS.stage])).toBe('production');
    expect(String(dead[0]!.headers[DEAD_LETTER_HEADERS.errorClass])).toBe('RecordTooLargeError');
    expect(String(dead[0]!.headers[DEAD_LETTER_HEADERS.offset])).toBe('2');
    await eventually(async () => ((await committed(app.config.applicationId, input)) === '5' ? true : undefined), 30_000, 'offset 5 committed');
    // No failure, so no replay: each record exactly once even under at_least_once.
    expect((await readAll(output)).map((r) => r.value)).toEqual(['A', 'B', 'C', 'D']);
    expect(app.state).toBe('RUNNING');
    expect(errors.map((e) => [e.category, e.action, e.offset])).toEqual([['fatal', 'dead-lettered', '2']]);
  });

  it("stops the app under 'fail' with an error naming the topic, the size and the input record; nothing after it is written", async () => {
    const [input, output] = [uniqueName('in'), uniqueName('out')];
    await createTopicsAndWait([input], 1);
    await createTopicsAndWait([output], 1, { 'max.message.bytes': '5000' });
    await produce(input, INPUT);
    const app = newApp(input, output, guarantee, 'fail');
    const errors: StreamsError[] = [];
    app.errors$.subscribe((e) => errors.push(e));
    await app.start().catch(() => undefined);
    await eventually(async () => (app.state === 'ERROR' ? true : undefined), 30_000, 'state ERROR');
    const failure = errors.find((e) => e instanceof ProcessingError);
    expect(failure?.message).toMatch(new RegExp(`^production failed for the record at ${input}-0 offset 2: the output record to topic '${output}' is 200\\d\\d bytes`));
    expect(errors.filter((e) => e.category === 'fatal')).toHaveLength(1);
    const out = (await readAll(output)).map((r) => r.value);
    // At least once: what was sent before the record stays; exactly once: its transaction aborted with it.
    expect(out).toEqual(guarantee === 'exactly_once' ? [] : ['A', 'B']);
    // The records before it are committed (at least once) or aborted with it (exactly once): a restart resumes at or before it.
    expect(BigInt((await committed(app.config.applicationId, input)) ?? '-1')).toBeLessThanOrEqual(2n);
  });

  it('is skipped under log-and-continue, counted on errors$, and nothing loops', async () => {
    const [input, output] = [uniqueName('in'), uniqueName('out')];
    await createTopicsAndWait([input], 1);
    await createTopicsAndWait([output], 1, { 'max.message.bytes': '5000' });
    await produce(input, INPUT);
    const app = newApp(input, output, guarantee, 'log-and-continue');
    const errors: StreamsError[] = [];
    app.errors$.subscribe((e) => errors.push(e));
    await app.start();
    await eventually(async () => ((await committed(app.config.applicationId, input)) === '5' ? true : undefined), 30_000, 'offset 5 committed');
    expect((await readAll(output)).map((r) => r.value)).toEqual(['A', 'B', 'C', 'D']);
    expect(errors.map((e) => e.action)).toEqual(['skipped']);
    expect(app.metrics().recordsProcessed).toBe(5);
  });

  it('learns a limit lowered while the app runs from the broker refusing the send: replays once and dead-letters the record', async () => {
    const [input, output, dlq] = [uniqueName('in'), uniqueName('out'), uniqueName('dlq')];
    await createTopicsAndWait([input, output, dlq], 1);
    const app = newApp(input, output, guarantee, { deadLetterTopic: dlq });
    const errors: StreamsError[] = [];
    app.errors$.subscribe((e) => errors.push(e));
    await app.start();
    await produce(input, INPUT.slice(0, 2));
    await eventually(async () => ((await committed(app.config.applicationId, input)) === '2' ? true : undefined), 30_000, 'offset 2 committed');
    // The app read the topic's limit (the broker default, about 1 MiB) at start; it goes down now.
    await withAdmin((admin) =>
      admin.alterConfigs({ validateOnly: false, resources: [{ type: 2, name: output, configEntries: [{ name: 'max.message.bytes', value: '5000' }] }] }),
    );
    await produce(input, INPUT.slice(2));
    await eventually(async () => ((await committed(app.config.applicationId, input)) === '5' ? true : undefined), 60_000, 'offset 5 committed');
    const dead = await readAll(dlq);
    expect(dead.map((r) => r.value)).toEqual(['big:20000']);
    const out = (await readAll(output)).map((r) => r.value);
    if (guarantee === 'exactly_once') expect(out).toEqual(['A', 'B', 'C', 'D']);
    else expect([...new Set(out)]).toEqual(['A', 'B', 'C', 'D']);
    expect(app.state).toBe('RUNNING');
    expect(errors.filter((e) => e.category === 'fatal' && e.action === 'fatal')).toEqual([]);
  });
});
