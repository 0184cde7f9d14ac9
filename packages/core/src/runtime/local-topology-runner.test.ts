import { serdes } from '@rivulet/serde';
import { describe, expect, it } from 'vitest';
import type { ProcessorContext } from '../processor/processor-context.js';
import type { ProcessorSupplier } from '../processor/processor.js';
import { Topology } from '../topology/topology.js';
import { LocalTopologyRunner } from './local-topology-runner.js';

const str = { key: serdes.string(), value: serdes.string() };

/**
 * `in` (values `<a|b>:<timestamp>`) is routed to repartition topic `a` or `b` with that timestamp;
 * a second sub-topology reads both and writes `<topic>:<timestamp>` to `out` in the order it
 * processes them.
 */
function twoInternalTopics(): Topology {
  const route: ProcessorSupplier<string, string, string, string> = () => {
    let ctx!: ProcessorContext<string, string>;
    return {
      init: (context) => void (ctx = context),
      process: (record) => {
        const [to, ts] = record.value.split(':') as [string, string];
        ctx.forward(record.withTimestamp(Number(ts)), `to-${to}`);
      },
    };
  };
  const merge: ProcessorSupplier<string, string, string, string> = () => {
    let ctx!: ProcessorContext<string, string>;
    return {
      init: (context) => void (ctx = context),
      process: (record) => ctx.forward(record.withValue(`${ctx.recordMetadata()!.topic}:${record.timestamp}`)),
    };
  };
  return new Topology()
    .addInternalTopic('a')
    .addInternalTopic('b')
    .addSource('in', 'in', str)
    .addProcessor('route', route, 'in')
    .addSink('to-a', 'a', str, 'route')
    .addSink('to-b', 'b', str, 'route')
    .addSource('from-a', 'a', str)
    .addSource('from-b', 'b', str)
    .addProcessor('merge', merge, 'from-a', 'from-b')
    .addSink('out', 'out', str, 'merge');
}

const values = (runner: LocalTopologyRunner): string[] => runner.takeOutput('out').map((r) => r.value!.toString());

describe('LocalTopologyRunner: a task with several input topics', () => {
  it('takes what was written to its topics together in timestamp order, as the runtime does', async () => {
    const runner = new LocalTopologyRunner(twoInternalTopics(), { applicationId: 'app' });
    const piped = ['a:10', 'a:30', 'b:20', 'b:40'].map((v) => ({ key: Buffer.from('k'), value: Buffer.from(v), timestamp: 1 }));
    await runner.pipeAsync('in', piped);
    // Fed back as one batch per topic (a, then b); the merge task reads them by timestamp.
    expect(values(runner)).toEqual(['app-a:10', 'app-b:20', 'app-a:30', 'app-b:40']);
    await runner.close();
  });

  it('processes each piped record at once: nothing waits for the other topic', () => {
    const runner = new LocalTopologyRunner(twoInternalTopics(), { applicationId: 'app' });
    runner.pipe('in', Buffer.from('k'), Buffer.from('b:50'), 1);
    expect(values(runner)).toEqual(['app-b:50']);
    runner.pipe('in', Buffer.from('k'), Buffer.from('a:5'), 2);
    expect(values(runner)).toEqual(['app-a:5']);
  });
});
