import { serdes } from '@rivulet/serde';
import { afterEach, describe, expect, it } from 'vitest';
import type { ProcessorContext } from './processor-context.js';
import type { ProcessorSupplier } from './processor.js';
import { StreamRecord } from './stream-record.js';
import { Topology } from '../topology/topology.js';
import { FakeWorld, waitAllCommitted, waitForState } from '../runtime/test-support/fake-app.js';
import { parseTraceparent, withTraceContext, type TracedRecord } from './trace-context.js';

/** Issue 15, part 7: W3C trace context from input to output records, and the `around` hook. */

const PARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

let world: FakeWorld | undefined;
afterEach(async () => {
  await world?.dispose();
  world = undefined;
});

/** input -> a processor that forwards a new record (no headers kept), as an aggregation's update is -> output. */
function freshRecordTopology(): Topology {
  const supplier: ProcessorSupplier<string, string, string, string> = () => {
    let ctx: ProcessorContext<string, string>;
    return {
      init: (context) => {
        ctx = context;
      },
      process: (record) => ctx.forward(new StreamRecord(record.key, record.value.toUpperCase(), record.timestamp)),
    };
  };
  return new Topology()
    .addSource('in', 'input', { key: serdes.string(), value: serdes.string() })
    .addProcessor('fresh', supplier, 'in')
    .addSink('out', 'output', { key: serdes.string(), value: serdes.string() }, 'fresh');
}

describe('parseTraceparent (W3C Trace Context)', () => {
  it('accepts a valid traceparent and refuses what the spec refuses', () => {
    expect(parseTraceparent(PARENT)).toEqual({ version: '00', traceId: '4bf92f3577b34da6a3ce929d0e0e4736', parentId: '00f067aa0ba902b7', flags: '01' });
    expect(parseTraceparent(Buffer.from(PARENT))).toBeDefined();
    expect(parseTraceparent('ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01')).toBeUndefined();
    expect(parseTraceparent('00-00000000000000000000000000000000-00f067aa0ba902b7-01')).toBeUndefined();
    expect(parseTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01')).toBeUndefined();
    expect(parseTraceparent('00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01')).toBeUndefined();
    expect(parseTraceparent(`${PARENT}-extra`)).toBeUndefined();
    expect(parseTraceparent('01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-future')).toBeDefined();
    expect(parseTraceparent('garbage')).toBeUndefined();
  });

  it('withTraceContext adds the input context to an output without one, and keeps an output of its own', () => {
    const input = { traceparent: Buffer.from(PARENT), tracestate: Buffer.from('vendor=1') };
    expect(withTraceContext({ a: 'x' }, input)).toEqual({ a: 'x', traceparent: PARENT, tracestate: 'vendor=1' });
    const own = { traceparent: '00-11111111111111111111111111111111-2222222222222222-01' };
    expect(withTraceContext(own, input)).toBe(own);
    const none = { a: 'x' };
    expect(withTraceContext(none, { traceparent: 'bad' })).toBe(none);
  });
});

describe('traceContext on a running app', { timeout: 10_000 }, () => {
  it('propagates traceparent and tracestate to records built afresh, and calls around once per input record with its context', async () => {
    world = new FakeWorld({ input: 1, output: 1 });
    const seen: TracedRecord[] = [];
    const run = world.start(freshRecordTopology(), {
      processingGuarantee: 'at_least_once',
      traceContext: {
        around: (record, process) => {
          seen.push(record);
          process();
        },
      },
    });
    expect(await run.started).toEqual({ ok: true });
    world.cluster.produce('input', [
      { key: 'a', value: 'one', headers: { traceparent: PARENT, tracestate: 'vendor=1' } },
      { key: 'b', value: 'two' },
      { key: 'c', value: 'three', headers: { traceparent: 'not-a-traceparent' } },
    ]);
    await waitAllCommitted(world);
    const out = world.cluster.records('output');
    expect(out.map((r) => r.value!.toString())).toEqual(['ONE', 'TWO', 'THREE']);
    expect(String(out[0]!.headers['traceparent'])).toBe(PARENT);
    expect(String(out[0]!.headers['tracestate'])).toBe('vendor=1');
    expect(out[1]!.headers['traceparent']).toBeUndefined();
    expect(out[2]!.headers['traceparent']).toBeUndefined();
    expect(seen.map((r) => [r.offset, r.traceparent, r.tracestate, r.taskId])).toEqual([
      ['0', PARENT, 'vendor=1', '0_0'],
      ['1', undefined, undefined, '0_0'],
      ['2', undefined, undefined, '0_0'],
    ]);
  });

  it('without traceContext, a record built afresh carries no trace context (opt-in)', async () => {
    world = new FakeWorld({ input: 1, output: 1 });
    const run = world.start(freshRecordTopology(), { processingGuarantee: 'at_least_once' });
    expect(await run.started).toEqual({ ok: true });
    world.cluster.produce('input', [{ key: 'a', value: 'one', headers: { traceparent: PARENT } }]);
    await waitAllCommitted(world);
    expect(world.cluster.records('output')[0]!.headers['traceparent']).toBeUndefined();
  });

  it('an around that does not call process() stops the app naming the record, instead of losing it', async () => {
    world = new FakeWorld({ input: 1, output: 1 });
    const run = world.start(freshRecordTopology(), { processingGuarantee: 'at_least_once', traceContext: { around: () => undefined } });
    expect(await run.started).toEqual({ ok: true });
    world.cluster.produce('input', [{ key: 'a', value: 'one' }]);
    await waitForState(run, 'ERROR');
    expect(run.errors.at(-1)?.message).toMatch(/traceContext.around did not call process\(\) for input-0 offset 0/);
    expect(world.cluster.records('output')).toEqual([]);
  });

  it('a bad traceContext setting fails at construction, naming it', () => {
    world = new FakeWorld({ input: 1, output: 1 });
    expect(() => world!.start(freshRecordTopology(), { traceContext: { around: 'span' as unknown as () => void, propagte: true } as never })).toThrow(
      /traceContext\.around = 'span' is not allowed: it must be a function[\s\S]*Unknown setting traceContext\.propagte/,
    );
  });
});
