/**
 * A fatal error in user code on the real broker, with each answer of the uncaught-exception
 * handler (issue 11, Build 1 and 3): REPLACE_THREAD rebuilds the loop and goes on, SHUTDOWN_CLIENT
 * (the default) stops the instance in ERROR with the error on errors$.
 */
import { serdes } from '@rivulet/serde';
import { afterEach, describe, expect, it } from 'vitest';
import { ProcessingError, StreamsApp, Topology, type ProcessingGuarantee, type ProcessorContext, type ProcessorSupplier, type StreamsError } from '../src/index.js';
import { brokers, eventually, produce, readAll, uniqueName, withAdmin } from './support/kafka.js';
import { createTopicsAndWait } from './support/topics.js';

const apps: StreamsApp[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.close()));
});

/** Upper-cases values; throws on the value 'boom' the first `failures` times it sees it. */
function flakyTopology(input: string, output: string, failures: number): Topology {
  let left = failures;
  const upper: ProcessorSupplier<string, string, string, string> = () => {
    let ctx: ProcessorContext<string, string>;
    return {
      init: (context) => {
        ctx = context;
      },
      process: (record) => {
        if (record.value === 'boom' && left-- > 0) throw new TypeError('a bug in user code');
        ctx.forward(record.withValue(record.value.toUpperCase()));
      },
    };
  };
  return new Topology()
    .addSource('in', input, { key: serdes.string(), value: serdes.string() })
    .addProcessor('upper', upper, 'in')
    .addSink('out', output, { key: serdes.string(), value: serdes.string() }, 'upper');
}

async function committed(groupId: string, topic: string): Promise<string | undefined> {
  return withAdmin(async (admin) => (await admin.fetchOffsets({ groupId, topics: [topic] }))[0]?.partitions[0]?.offset);
}

describe.each(['at_least_once', 'exactly_once'] as const)('a fatal error in user code (%s)', (guarantee: ProcessingGuarantee) => {
  async function run(answer: 'REPLACE_THREAD' | 'SHUTDOWN_CLIENT' | undefined) {
    const [input, output] = [uniqueName('in'), uniqueName('out')];
    await createTopicsAndWait([input, output], 1);
    await produce(input, ['a', 'b', 'boom', 'c'].map((value, i) => ({ key: `k${i}`, value })));
    const applicationId = uniqueName('uncaught-app');
    const asked: Error[] = [];
    const app = new StreamsApp(flakyTopology(input, output, 1), {
      applicationId,
      brokers: brokers(),
      processingGuarantee: guarantee,
      commitIntervalMs: 100,
      logLevel: 'nothing',
      stateDir: `/tmp/rivulet-test-state/${applicationId}`,
      ...(answer !== undefined
        ? {
            uncaughtExceptionHandler: (error: Error) => {
              asked.push(error);
              return answer;
            },
          }
        : {}),
    });
    apps.push(app);
    const states: string[] = [];
    const errors: StreamsError[] = [];
    app.state$.subscribe((s) => states.push(s));
    app.errors$.subscribe((e) => errors.push(e));
    await app.start().catch(() => undefined);
    return { app, input, output, applicationId, states, errors, asked };
  }

  it('REPLACE_THREAD: the loop is rebuilt, the record is processed again, and the app goes on RUNNING', async () => {
    const { app, input, output, applicationId, states, errors, asked } = await run('REPLACE_THREAD');
    await eventually(async () => ((await committed(applicationId, input)) === '4' ? true : undefined), 60_000, 'offset 4 committed');
    const out = (await readAll(output)).map((r) => r.value);
    if (guarantee === 'exactly_once') expect(out).toEqual(['A', 'B', 'BOOM', 'C']);
    else expect([...new Set(out)]).toEqual(['A', 'B', 'BOOM', 'C']);
    expect(asked).toHaveLength(1);
    expect(asked[0]).toBeInstanceOf(ProcessingError);
    expect(errors.filter((e) => e.category === 'fatal').map((e) => e.message)).toEqual([
      `processing failed for the record at ${input}-0 offset 2: a bug in user code`,
    ]);
    expect(app.state).toBe('RUNNING');
    // RUNNING, then REBALANCING while the loop is rebuilt, then RUNNING again; never an error state.
    expect(states.slice(2)).toContain('REBALANCING');
    expect(states).not.toContain('ERROR');
  });

  it.each([['SHUTDOWN_CLIENT'], ['the default']] as const)('%s: the instance stops in ERROR, the record is not skipped', async (which) => {
    const { app, input, output, applicationId, states, errors } = await run(which === 'SHUTDOWN_CLIENT' ? 'SHUTDOWN_CLIENT' : undefined);
    await eventually(async () => (app.state === 'ERROR' ? true : undefined), 30_000, 'state ERROR');
    expect(states.slice(-2)).toEqual(['PENDING_ERROR', 'ERROR']);
    expect(errors.filter((e) => e.category === 'fatal')).toHaveLength(1);
    expect((await readAll(output)).map((r) => r.value)).toEqual(guarantee === 'exactly_once' ? [] : ['A', 'B']);
    expect(BigInt((await committed(applicationId, input)) ?? '-1')).toBeLessThanOrEqual(2n);
  });
});
