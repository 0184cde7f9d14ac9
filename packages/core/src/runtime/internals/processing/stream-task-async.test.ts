import { serdes } from '@rivulet/serde';
import { describe, expect, it } from 'vitest';
import type { Logger } from '../../../config/logger.js';
import type { ExceptionHandlerSetting } from '../../../config/exception-handler-setting.js';
import { ProcessingError } from '../../../errors/processing-error.js';
import type { AsyncForwarder, AsyncOrigin, ProcessorContext } from '../../../processor/processor-context.js';
import type { Processor, ProcessorSupplier } from '../../../processor/processor.js';
import type { RecordMetadata, StreamRecord } from '../../../processor/stream-record.js';
import { Topology } from '../../../topology/topology.js';
import { LocalTopologyRunner } from '../../local-topology-runner.js';

/**
 * An async processor driven by hand: each record waits until the test settles it, and results are
 * forwarded as they settle (no ordering here: that is the DSL operator's job).
 */
class Deferred implements Processor<string, string, string, string> {
  private later!: AsyncForwarder<string, string>;
  readonly waiting: { record: StreamRecord<string, string>; origin: AsyncOrigin<string, string> }[] = [];
  private idle: { promise: Promise<void>; resolve: () => void } | undefined;

  init(context: ProcessorContext<string, string>): void {
    this.later = context.asyncForwarder();
  }

  process(record: StreamRecord<string, string>): void {
    this.waiting.push({ record, origin: this.later.capture() });
  }

  pending(): Promise<void> | undefined {
    if (this.waiting.length === 0) return undefined;
    if (this.idle === undefined) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      this.idle = { promise, resolve };
    }
    return this.idle.promise;
  }

  /** Settles the oldest waiting record: upper-cases it, or fails it when the value is `boom`. */
  settleOldest(): void {
    const job = this.waiting.shift()!;
    try {
      if (job.record.value === 'boom') job.origin.fail(new Error('async boom'));
      else job.origin.forward(job.record.withValue(job.record.value.toUpperCase()));
    } catch {
      // A ProcessingError under 'fail': the task keeps it and the pending work rejects with it.
    }
    if (this.waiting.length === 0) {
      this.idle?.resolve();
      this.idle = undefined;
    }
  }
}

const quiet: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

function setup(processing: ExceptionHandlerSetting = 'fail') {
  let instance!: Deferred;
  const seen: (RecordMetadata | undefined)[] = [];
  const supplier: ProcessorSupplier<string, string, string, string> = () => (instance = new Deferred());
  const recordMeta: ProcessorSupplier<string, string, string, string> = () => {
    let ctx!: ProcessorContext<string, string>;
    return {
      init: (c) => void (ctx = c),
      process: (r) => {
        seen.push(ctx.recordMetadata());
        ctx.forward(r);
      },
    };
  };
  const strings = { key: serdes.string(), value: serdes.string() };
  const topology = new Topology()
    .addSource('src', 'in', strings)
    .addProcessor('async', supplier, 'src')
    .addProcessor('meta', recordMeta, 'async')
    .addSink('out', 'out', strings, 'meta');
  const runner = new LocalTopologyRunner(topology, { processingExceptionHandler: processing, logger: quiet });
  const piped = (values: string[]) =>
    values.map((v, i) => ({ key: Buffer.from(`k${i}`), value: Buffer.from(v), timestamp: 100 + i }));
  const output = () => runner.takeOutput('out').map((r) => `${r.key?.toString() ?? 'null'}=${r.value?.toString() ?? 'null'} @${r.timestamp}`);
  return { runner, processor: () => instance, seen, piped, output };
}

describe('StreamTask async work (asyncForwarder, pending)', () => {
  it('forwards later with the captured record metadata and timestamp, and pipeAsync waits for it', async () => {
    const { runner, processor, seen, piped, output } = setup();
    const done = runner.pipeAsync('in', piped(['a', 'b', 'c']));
    await Promise.resolve();
    expect(output()).toEqual([]);
    // Settle out of band, as work finishing later would.
    setTimeout(() => {
      processor().settleOldest();
      processor().settleOldest();
      processor().settleOldest();
    }, 5);
    await done;
    expect(output()).toEqual(['k0=A @100', 'k1=B @101', 'k2=C @102']);
    expect(seen).toEqual([
      { topic: 'in', partition: 0, offset: '0' },
      { topic: 'in', partition: 0, offset: '1' },
      { topic: 'in', partition: 0, offset: '2' },
    ]);
  });

  it('makes the synchronous pipe throw a clear error while async work is in flight', async () => {
    const { runner, processor, output } = setup();
    expect(() => runner.pipe('in', null, Buffer.from('x'), 1)).toThrow(/async work .* is still in flight .* pipeInputAsync/);
    processor().settleOldest();
    await runner.flush();
    expect(output()).toEqual(['null=X @1']);
  });

  it("routes a failed async call to the processing handler: 'fail' rejects with the record's topic, partition and offset", async () => {
    const { runner, processor, piped, output } = setup('fail');
    const done = runner.pipeAsync('in', piped(['a', 'boom', 'c']));
    setTimeout(() => {
      for (let i = 0; i < 3; i++) processor().settleOldest();
    }, 1);
    const error = await done.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProcessingError);
    expect(error).toMatchObject({ stage: 'processing', topic: 'in', partition: 0, offset: '1' });
    expect((error as Error).message).toMatch(/async boom/);
    expect(output()).toEqual(['k0=A @100', 'k2=C @102']);
    // The failure is sticky: nothing after it may be committed as if the record was done.
    await expect(runner.flush()).rejects.toBe(error);
  });

  it('sends a failed async record to the dead-letter topic with its original bytes', async () => {
    const { runner, processor, piped, output } = setup({ deadLetterTopic: 'dlq' });
    const done = runner.pipeAsync('in', piped(['boom', 'b']));
    setTimeout(() => {
      processor().settleOldest();
      processor().settleOldest();
    }, 1);
    await done;
    expect(output()).toEqual(['k1=B @101']);
    const dead = runner.takeOutput('dlq');
    expect(dead.map((r) => [r.key?.toString(), r.value?.toString()])).toEqual([['k0', 'boom']]);
    expect(dead[0]!.headers).toMatchObject({ 'rivulet.source.offset': '0', 'rivulet.error.message': 'async boom' });
  });

  it('drops results that arrive after the task closed', async () => {
    const { runner, processor, output } = setup();
    expect(() => runner.pipe('in', null, Buffer.from('x'), 1)).toThrow(/still in flight/);
    await runner.close();
    processor().settleOldest();
    expect(output()).toEqual([]);
  });
});
