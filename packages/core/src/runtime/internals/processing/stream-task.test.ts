import { SchemaRegistryUnavailableError, serdes, type Headers, type Serde } from '@rivulet/serde';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { FetchedBatch, FetchedRecord, OutgoingRecord } from '../../../client/internals/kafka-port.js';
import { partitionForKey } from '../../../client/partitioner.js';
import type { ExceptionHandlerFunction } from '../../../config/exception-handler-setting.js';
import type { Logger } from '../../../config/logger.js';
import { ProcessingError } from '../../../errors/processing-error.js';
import type { ProcessorContext } from '../../../processor/processor-context.js';
import type { ProcessorSupplier } from '../../../processor/processor.js';
import { StreamRecord } from '../../../processor/stream-record.js';
import type { StateStore } from '../../../state/state-store.js';
import type { StoreBuilder } from '../../../state/stores.js';
import type { TimestampExtractor } from '../../../topology/nodes.js';
import { Topology } from '../../../topology/topology.js';
import { ErrorRouter, type ErrorHandlers } from './error-router.js';
import { RecordCollector } from '../producing/record-collector.js';
import { StreamTask, type DecodedBatch } from './stream-task.js';

const PARTITION = 1;
/** Partition counts of the topics the tasks below write. */
const PARTITION_COUNTS: ReadonlyMap<string, number> = new Map([
  ['out', 4],
  ['evens', 4],
  ['odds', 4],
  ['dlq', 2],
]);

/** A string serde that cannot read the value `poison`. */
const pickyStrings: Serde<string> = {
  name: 'picky-string',
  serialize: (_topic, value) => Buffer.from(value),
  deserialize: (_topic, data) => {
    const s = data.toString();
    if (s === 'poison') throw new Error('cannot read poison');
    return s;
  },
};

/** Upper-cases values; throws on `boom` (a processing failure). */
const upper: ProcessorSupplier<string, string, string, string> = () => {
  let ctx!: ProcessorContext<string, string>;
  return {
    init: (context) => void (ctx = context),
    process: (record) => {
      if (record.value === 'boom') throw new Error('boom!');
      ctx.forward(record.withValue(record.value.toUpperCase()));
    },
  };
};

interface TaskOptions {
  /** Adds nodes after source `src` (topic `in`); by default `upper` then sink `out`. */
  build?: (topology: Topology) => Topology;
  handlers?: Partial<ErrorHandlers>;
  timestampExtractor?: TimestampExtractor;
  valueSerde?: Serde<string>;
  stores?: ReadonlyMap<string, StateStore>;
}

interface Harness {
  task: StreamTask;
  collector: RecordCollector;
  errors: ErrorRouter;
  warnings: [string, Record<string, unknown> | undefined][];
  /** Everything the collector sent, in order. */
  sent: OutgoingRecord[];
  /** Flushes the collector and returns what it sent as `topic/partition key=value @timestamp`. */
  output(): Promise<string[]>;
  commitRequests: number;
}

function harness(options: TaskOptions = {}): Harness {
  const topology = new Topology().addSource('src', 'in', {
    key: serdes.string(),
    value: options.valueSerde ?? pickyStrings,
    ...(options.timestampExtractor === undefined ? {} : { timestampExtractor: options.timestampExtractor }),
  });
  (options.build ?? ((t) => t.addProcessor('upper', upper, 'src').addSink('out', 'out', { key: serdes.string(), value: serdes.string() }, 'upper')))(
    topology,
  );
  const sub = topology.subTopologies()[0]!;

  const sent: OutgoingRecord[] = [];
  const collector = new RecordCollector({
    lingerMs: 60_000,
    batchSize: 1 << 20,
    maxBufferedBytes: 1 << 24,
    partitionCount: (topic) => PARTITION_COUNTS.get(topic),
    fetchPartitionCounts: async () => new Map(),
    sender: async (records) => void sent.push(...records),
    onSendError: () => undefined,
  });
  const warnings: Harness['warnings'] = [];
  const logger: Logger = {
    debug: () => undefined,
    info: () => undefined,
    warn: (message, extra) => void warnings.push([message, extra]),
    error: () => undefined,
  };
  const errors = new ErrorRouter(
    'app',
    { deserialization: 'fail', processing: 'fail', production: 'fail', ...options.handlers },
    collector,
    logger,
  );
  const h: Harness = {
    task: undefined as unknown as StreamTask,
    collector,
    errors,
    warnings,
    sent,
    commitRequests: 0,
    output: async () => {
      await collector.flush();
      return sent.map((r) => `${r.topic}/${r.partition} ${r.key?.toString() ?? 'null'}=${r.value?.toString() ?? 'null'} @${r.timestamp}`);
    },
  };
  h.task = new StreamTask(`${sub.id}_${PARTITION}`, sub, PARTITION, {
    applicationId: 'app',
    nodes: new Map(topology.nodeDefs().map((n) => [n.name, n])),
    defaultSerdes: {},
    topicName: (name) => name,
    collector,
    errors,
    stores: options.stores ?? new Map(),
    requestCommit: () => void h.commitRequests++,
    logger,
  });
  return h;
}

/** A fetched batch of topic `in`, partition 1: `[offset, key, value, timestamp]` per record. */
function batch(...records: [offset: number, key: string | null, value: string | null, timestamp: number, headers?: Headers][]): FetchedBatch {
  return {
    topic: 'in',
    partition: PARTITION,
    highWatermark: String((records.at(-1)?.[0] ?? 0) + 1),
    records: records.map(
      ([offset, key, value, timestamp, headers]): FetchedRecord => ({
        offset: String(offset),
        key: key === null ? null : Buffer.from(key),
        value: value === null ? null : Buffer.from(value),
        timestamp,
        headers: headers ?? {},
      }),
    ),
  };
}

/** Decodes (synchronously: these serdes are sync) and processes a batch. */
function run(task: StreamTask, fetched: FetchedBatch): DecodedBatch {
  const decoded = task.decode(fetched);
  if (decoded instanceof Promise) throw new Error('expected a synchronous decode');
  task.process(fetched, decoded);
  return decoded;
}

/** Where a key lands on the 4 partitions of `out`. */
const p4 = (key: string): number => partitionForKey(Buffer.from(key), 4);

/** A store that is only looked up, never used. */
function fakeStore(name: string): StateStore {
  return { name, persistent: false, isOpen: true, init: async () => undefined, flush: async () => undefined, close: async () => undefined };
}

function fakeStoreBuilder(name: string): StoreBuilder {
  const builder: StoreBuilder = {
    name,
    persistent: false,
    loggingEnabled: false,
    logConfig: {},
    withLoggingEnabled: () => builder,
    withLoggingDisabled: () => builder,
    build: () => {
      throw new Error('stores are handed to the task directly here');
    },
  };
  return builder;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('StreamTask processing', () => {
  it('decodes a fetched batch and pushes it in offset order through the sub-topology', async () => {
    const seen: unknown[] = [];
    const { task, output } = harness({
      build: (t) =>
        t
          .addProcessor(
            'upper',
            (): ReturnType<typeof upper> => {
              const inner = upper();
              let ctx!: ProcessorContext<string, string>;
              return {
                init: (c) => {
                  ctx = c;
                  inner.init?.(c);
                },
                process: (r) => {
                  seen.push(ctx.recordMetadata());
                  inner.process(r);
                },
              };
            },
            'src',
          )
          .addSink('out', 'out', { key: serdes.string(), value: serdes.string() }, 'upper'),
    });
    task.initProcessors();
    expect(task.inputPartitions()).toEqual([{ topic: 'in', partition: 1 }]);
    expect(task.id).toBe('0_1');
    run(task, batch([5, 'alice', 'a', 100], [6, 'bob', 'b', 101], [7, null, 'c', 102]));
    expect(task.processedCount).toBe(3);
    expect(seen).toEqual([
      { topic: 'in', partition: 1, offset: '5' },
      { topic: 'in', partition: 1, offset: '6' },
      { topic: 'in', partition: 1, offset: '7' },
    ]);
    const out = await output();
    expect(out.slice(0, 2)).toEqual([`out/${p4('alice')} alice=A @100`, `out/${p4('bob')} bob=B @101`]);
    // A null key goes round robin: any partition of the four.
    expect(out[2]).toMatch(/^out\/[0-3] null=C @102$/);
    expect(out).toHaveLength(3);
  });

  it('skips records before the committed offset set with setCommittedOffsets', async () => {
    const { task, output } = harness();
    task.setCommittedOffsets(
      new Map([
        ['in:1', '11'],
        ['in:0', '99'],
        ['other:1', '5'],
      ]),
    );
    expect(task.nextOffset('in')).toBe('11');
    expect(task.offsetsToCommit()).toEqual([]);
    task.initProcessors();
    const decoded = run(task, batch([10, 'alice', 'old', 1], [11, 'bob', 'b', 2], [12, 'carol', 'c', 3]));
    expect(decoded[0]).toBeNull();
    expect(decoded.slice(1).map((r) => (r instanceof StreamRecord ? r.value : r))).toEqual(['b', 'c']);
    expect(task.processedCount).toBe(2);
    expect(await output()).toEqual([`out/${p4('bob')} bob=B @2`, `out/${p4('carol')} carol=C @3`]);
  });

  it('commits last processed + 1, and nothing more once marked committed', () => {
    const { task } = harness();
    task.initProcessors();
    run(task, batch([10, 'a', 'x', 1], [11, 'b', 'y', 2], [12, 'c', 'z', 3]));
    const offsets = task.offsetsToCommit();
    expect(offsets).toEqual([{ topic: 'in', partition: 1, offset: '13' }]);
    task.markCommitted(offsets);
    expect(task.offsetsToCommit()).toEqual([]);
    run(task, batch([13, 'd', 'w', 4]));
    expect(task.offsetsToCommit()).toEqual([{ topic: 'in', partition: 1, offset: '14' }]);
  });

  it('forwards to one named child only', async () => {
    const router: ProcessorSupplier<string, string, string, string> = () => {
      let ctx!: ProcessorContext<string, string>;
      return {
        init: (c) => void (ctx = c),
        process: (r) => ctx.forward(r, r.value.length % 2 === 0 ? 'to-evens' : 'to-odds'),
      };
    };
    const { task, output } = harness({
      build: (t) =>
        t
          .addProcessor('router', router, 'src')
          .addSink('to-evens', 'evens', { key: serdes.string(), value: serdes.string() }, 'router')
          .addSink('to-odds', 'odds', { key: serdes.string(), value: serdes.string() }, 'router'),
    });
    task.initProcessors();
    run(task, batch([0, 'alice', 'ab', 1], [1, 'bob', 'abc', 2], [2, 'carol', 'abcd', 3]));
    expect(await output()).toEqual([
      `evens/${p4('alice')} alice=ab @1`,
      `odds/${p4('bob')} bob=abc @2`,
      `evens/${p4('carol')} carol=abcd @3`,
    ]);
  });

  it('fails a forward to a child that does not exist, naming both', () => {
    const lost: ProcessorSupplier<string, string, string, string> = () => {
      let ctx!: ProcessorContext<string, string>;
      return { init: (c) => void (ctx = c), process: (r) => ctx.forward(r, 'nowhere') };
    };
    const { task } = harness({ build: (t) => t.addProcessor('lost', lost, 'src') });
    task.initProcessors();
    expect(() => run(task, batch([3, 'k', 'v', 1]))).toThrow(
      new ProcessingError('processing', new Error("'lost' has no child named 'nowhere'"), { topic: 'in', partition: 1, offset: '3' }, '0_1'),
    );
  });

  it('gives a processor the stores connected to it, and refuses the others', () => {
    const got: Record<string, unknown> = {};
    const probe =
      (name: string): ProcessorSupplier<string, string> =>
      () => ({
        init: (ctx) => {
          try {
            got[name] = ctx.getStateStore('counts');
          } catch (err) {
            got[name] = (err as Error).message;
          }
        },
        process: () => undefined,
      });
    const counts = fakeStore('counts');
    const { task } = harness({
      build: (t) =>
        t
          .addProcessor('connected', probe('connected'), 'src')
          .addProcessor('unconnected', probe('unconnected'), 'src')
          .addStateStore(fakeStoreBuilder('counts'), 'connected'),
      stores: new Map([['counts', counts]]),
    });
    task.initProcessors();
    expect(got).toEqual({
      connected: counts,
      unconnected: "processor 'unconnected' is not connected to state store 'counts': connect it in the topology",
    });
  });

  it('refuses a connected store that is not open in the task', () => {
    let message = '';
    const { task } = harness({
      build: (t) =>
        t
          .addProcessor(
            'p',
            () => ({
              init: (ctx) => {
                try {
                  ctx.getStateStore('counts');
                } catch (err) {
                  message = (err as Error).message;
                }
              },
              process: () => undefined,
            }),
            'src',
          )
          .addStateStore(fakeStoreBuilder('counts'), 'p'),
    });
    task.initProcessors();
    expect(message).toBe("state store 'counts' is not open in task 0_1");
  });

  it('passes commit requests to the app', () => {
    const h = harness({
      build: (t) =>
        t.addProcessor(
          'committer',
          () => {
            let ctx!: ProcessorContext;
            return { init: (c) => void (ctx = c), process: () => ctx.commit() };
          },
          'src',
        ),
    });
    h.task.initProcessors();
    run(h.task, batch([0, 'a', 'x', 1], [1, 'b', 'y', 2]));
    expect(h.commitRequests).toBe(2);
  });
});

describe('StreamTask punctuation', () => {
  /** Schedules one punctuator at init; each call records its timestamp and forwards a `tick`. */
  function ticking(intervalMs: number, type: 'stream-time' | 'wall-clock-time', fired: unknown[]): ProcessorSupplier<string, string, string, string> {
    return () => {
      let ctx!: ProcessorContext<string, string>;
      return {
        init: (c) => {
          ctx = c;
          ctx.schedule(intervalMs, type, (ts) => {
            fired.push({ ts, metadata: ctx.recordMetadata(), streamTime: ctx.currentStreamTimeMs() });
            ctx.forward(new StreamRecord('tick', String(ts), ts));
          });
        },
        process: (r) => ctx.forward(r),
      };
    };
  }

  const buildTicking =
    (intervalMs: number, type: 'stream-time' | 'wall-clock-time', fired: unknown[]) =>
    (t: Topology): Topology =>
      t
        .addProcessor('ticking', ticking(intervalMs, type, fired), 'src')
        .addSink('out', 'out', { key: serdes.string(), value: serdes.string() }, 'ticking');

  it('fires stream-time punctuators as record timestamps pass each interval, once per catch-up', async () => {
    const fired: unknown[] = [];
    const { task, output } = harness({ build: buildTicking(10, 'stream-time', fired) });
    task.initProcessors();
    // Out-of-order timestamps do not move stream time back.
    run(task, batch([0, 'a', '5', 5], [1, 'a', '9', 9], [2, 'a', '10', 10], [3, 'a', '12', 12], [4, 'a', '3', 3]));
    expect(task.currentStreamTimeMs()).toBe(12);
    run(task, batch([5, 'a', '35', 35], [6, 'a', '39', 39], [7, 'a', '40', 40]));
    expect(fired).toEqual([
      { ts: 10, metadata: undefined, streamTime: 10 },
      { ts: 35, metadata: undefined, streamTime: 35 },
      { ts: 40, metadata: undefined, streamTime: 40 },
    ]);
    expect(task.currentStreamTimeMs()).toBe(40);
    const tick = `out/${p4('tick')} tick=`;
    expect((await output()).map((line) => line.replace(`out/${p4('a')} `, ''))).toEqual([
      'a=5 @5',
      'a=9 @9',
      'a=10 @10',
      `${tick}10 @10`,
      'a=12 @12',
      'a=3 @3',
      'a=35 @35',
      `${tick}35 @35`,
      'a=39 @39',
      'a=40 @40',
      `${tick}40 @40`,
    ]);
  });

  it('fires wall-clock punctuators only through punctuate("wall-clock-time", now)', () => {
    vi.spyOn(Date, 'now').mockReturnValue(1_000_000);
    const fired: unknown[] = [];
    const { task } = harness({ build: buildTicking(1000, 'wall-clock-time', fired) });
    task.initProcessors();
    run(task, batch([0, 'a', 'x', 5_000_000]));
    task.punctuate('stream-time', 9_000_000);
    task.punctuate('wall-clock-time', 1_000_999);
    expect(fired).toEqual([]);
    task.punctuate('wall-clock-time', 1_001_000);
    task.punctuate('wall-clock-time', 1_003_500);
    task.punctuate('wall-clock-time', 1_003_999);
    task.punctuate('wall-clock-time', 1_004_000);
    expect(fired.map((f) => (f as { ts: number }).ts)).toEqual([1_001_000, 1_003_500, 1_004_000]);
  });

  it('stops a cancelled punctuator', () => {
    const fired: number[] = [];
    const { task } = harness({
      build: (t) =>
        t.addProcessor(
          'p',
          () => {
            let cancel!: () => void;
            return {
              init: (ctx) => {
                cancel = ctx.schedule(10, 'stream-time', (ts) => void fired.push(ts)).cancel;
              },
              process: (r) => {
                if (r.value === 'stop') cancel();
              },
            };
          },
          'src',
        ),
    });
    task.initProcessors();
    run(task, batch([0, 'a', 'x', 10], [1, 'a', 'stop', 15], [2, 'a', 'x', 20]));
    expect(fired).toEqual([10]);
  });
});

describe('StreamTask: records a processor drops (ProcessorContext.reportDropped)', () => {
  afterEach(() => vi.useRealTimers());

  /** Drops records with a null key (a reason the runtime knows) and values `old` (late), forwards the rest. */
  const dropping: ProcessorSupplier<string | null, string, string, string> = () => {
    let ctx!: ProcessorContext<string, string>;
    return {
      init: (context) => {
        ctx = context;
        context.schedule(100, 'stream-time', () => ctx.reportDropped('late', 'from a punctuator'));
      },
      process: (record) => {
        if (record.key === null) return ctx.reportDropped('null-key-or-value', 'a null key');
        if (record.value === 'old') return ctx.reportDropped('late', () => `value ${record.value} at ${record.timestamp}`);
        ctx.forward(record.withKey(record.key));
      },
    };
  };
  const build = (t: Topology) =>
    t.addProcessor('dropper', dropping as ProcessorSupplier<unknown, unknown, unknown, unknown>, 'src').addSink('out', 'out', { key: serdes.string(), value: serdes.string() }, 'dropper');

  it('counts each drop by reason in the task, and logs one line per reason per interval, not per record', async () => {
    vi.useFakeTimers({ now: 1_000, toFake: ['Date', 'setTimeout', 'clearTimeout'] });
    const { task, warnings, output } = harness({ build });
    task.initProcessors();
    const records: [number, string | null, string, number][] = [];
    for (let i = 0; i < 300; i++) records.push([i, i % 3 === 0 ? null : `k${i}`, i % 3 === 1 ? 'old' : 'v', 10]);
    run(task, batch(...records));
    expect(task.processedCount).toBe(300);
    expect(task.drops.snapshot()).toEqual({ total: 200, byReason: { 'null-key-or-value': 100, late: 100 } });
    expect((await output()).length).toBe(100);
    // The first of each reason at once, naming the processor and the record.
    expect(warnings.map(([m]) => m)).toEqual([
      "task 0_1 dropped a record (null-key-or-value: a null key or value the operator cannot use) at node 'dropper', in-1 offset 0: a null key; 1 dropped for this reason so far",
      "task 0_1 dropped a record (late: too late: its window had closed) at node 'dropper', in-1 offset 1: value old at 10; 1 dropped for this reason so far",
    ]);
    // The 99 + 99 held back come out at the end of the interval, one line per reason.
    vi.advanceTimersByTime(10_000);
    expect(warnings.map(([m]) => m).slice(2)).toEqual([
      "task 0_1 dropped 99 records (null-key-or-value: a null key or value the operator cannot use) in the last 10 s at node 'dropper', the latest in-1 offset 297: a null key; 100 dropped for this reason so far",
      "task 0_1 dropped 99 records (late: too late: its window had closed) in the last 10 s at node 'dropper', the latest in-1 offset 298: value old at 10; 100 dropped for this reason so far",
    ]);
  });

  it('counts a drop reported by a punctuator, with no record to name', () => {
    const { task, warnings } = harness({ build });
    task.initProcessors();
    run(task, batch([0, 'a', 'v', 50], [1, 'b', 'v', 150]));
    expect(task.drops.snapshot()).toEqual({ total: 1, byReason: { late: 1 } });
    expect(warnings.map(([m]) => m)).toEqual([
      "task 0_1 dropped a record (late: too late: its window had closed) at node 'dropper' (outside a record: a punctuator): from a punctuator; 1 dropped for this reason so far",
    ]);
  });

  it('writes the lines held back when the task closes', () => {
    const { task, warnings } = harness({ build });
    task.initProcessors();
    run(task, batch([0, null, 'v', 1], [1, null, 'v', 2], [2, null, 'v', 3]));
    expect(warnings).toHaveLength(1);
    task.close();
    expect(warnings.map(([m]) => m)[1]).toMatch(/^task 0_1 dropped 2 records \(null-key-or-value: .*\) in the last \d+ s at node 'dropper', the latest in-1 offset 2: a null key; 3 dropped for this reason so far$/);
  });
});

describe('StreamTask error handling', () => {
  const poisoned = (): FetchedBatch =>
    batch([0, 'alice', 'a', 100], [1, 'bob', 'poison', 101, { trace: 'abc' }], [2, 'carol', 'c', 102]);

  it("with 'fail', processes the records before a bad one, then throws a ProcessingError naming it", async () => {
    const { task, output } = harness();
    task.initProcessors();
    const fetched = poisoned();
    const decoded = task.decode(fetched) as DecodedBatch;
    expect(decoded).toHaveLength(2);
    let error: unknown;
    try {
      task.process(fetched, decoded);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ProcessingError);
    const e = error as ProcessingError;
    expect(e.message).toBe('deserialization failed for the record at in-1 offset 1: cannot read poison');
    expect([e.stage, e.topic, e.partition, e.offset]).toEqual(['deserialization', 'in', 1, '1']);
    expect((e.cause as Error).message).toBe('cannot read poison');
    expect(task.processedCount).toBe(1);
    expect(task.offsetsToCommit()).toEqual([{ topic: 'in', partition: 1, offset: '1' }]);
    expect(await output()).toEqual([`out/${p4('alice')} alice=A @100`]);
  });

  it("with 'log-and-continue', skips the bad record with a warning and goes on", async () => {
    const { task, errors, warnings, output } = harness({ handlers: { deserialization: 'log-and-continue' } });
    task.initProcessors();
    run(task, poisoned());
    expect(await output()).toEqual([`out/${p4('alice')} alice=A @100`, `out/${p4('carol')} carol=C @102`]);
    expect(task.processedCount).toBe(2);
    expect(task.offsetsToCommit()).toEqual([{ topic: 'in', partition: 1, offset: '3' }]);
    expect(errors.skipped).toEqual({ deserialization: 1, processing: 0, production: 0 });
    // The handler's own line, and the task's dropped-record line (the first of its reason: at once).
    expect(warnings).toEqual([
      ['deserialization failed, skipping the record: cannot read poison', { topic: 'in', partition: 1, offset: '1' }],
      [
        "task 0_1 dropped a record (deserialization-error: the deserialization exception handler skipped or dead-lettered it) at node 'src', in-1 offset 1: cannot read poison; 1 dropped for this reason so far",
        { taskId: '0_1', reason: 'deserialization-error', dropped: 1, node: 'src', topic: 'in', partition: 1, offset: '1' },
      ],
    ]);
    expect(task.drops.snapshot()).toEqual({ total: 1, byReason: { 'deserialization-error': 1 } });
  });

  it('with a dead-letter topic, sends the original bytes with rivulet.* headers and goes on', async () => {
    const { task, errors, sent, output } = harness({ handlers: { deserialization: { deadLetterTopic: 'dlq' } } });
    task.initProcessors();
    run(task, poisoned());
    await output();
    expect(sent.filter((r) => r.topic === 'dlq')).toEqual([
      {
        topic: 'dlq',
        partition: partitionForKey(Buffer.from('bob'), 2),
        key: Buffer.from('bob'),
        value: Buffer.from('poison'),
        timestamp: 101,
        headers: {
          trace: 'abc',
          'rivulet.error.stage': 'deserialization',
          'rivulet.error.class': 'Error',
          'rivulet.error.message': 'cannot read poison',
          'rivulet.source.topic': 'in',
          'rivulet.source.partition': '1',
          'rivulet.source.offset': '1',
          'rivulet.application.id': 'app',
        },
      },
    ]);
    expect(sent.filter((r) => r.topic === 'out').map((r) => r.value?.toString())).toEqual(['A', 'C']);
    expect(task.offsetsToCommit()).toEqual([{ topic: 'in', partition: 1, offset: '3' }]);
    expect(errors.skipped.deserialization).toBe(1);
    // Dead-lettered: it left the topology, so it counts as dropped too.
    expect(task.drops.snapshot()).toEqual({ total: 1, byReason: { 'deserialization-error': 1 } });
  });

  it("sends a processing exception to the processing handler: 'fail' names the record", () => {
    const { task } = harness();
    task.initProcessors();
    expect(() => run(task, batch([0, 'alice', 'a', 1], [1, 'bob', 'boom', 2], [2, 'carol', 'c', 3]))).toThrow(
      new ProcessingError('processing', new Error('boom!'), { topic: 'in', partition: 1, offset: '1' }, '0_1'),
    );
    expect(task.offsetsToCommit()).toEqual([{ topic: 'in', partition: 1, offset: '1' }]);
  });

  it('sends a processing exception to a custom processing handler, which may continue', async () => {
    const handler = vi.fn<ExceptionHandlerFunction>(() => 'continue');
    const { task, errors, warnings, output } = harness({ handlers: { processing: handler } });
    task.initProcessors();
    run(task, batch([0, 'alice', 'a', 1], [1, 'bob', 'boom', 2], [2, 'carol', 'c', 3]));
    expect(handler.mock.calls.map(([error, where]) => [error.message, where])).toEqual([['boom!', { topic: 'in', partition: 1, offset: '1' }]]);
    expect(errors.skipped).toEqual({ deserialization: 0, processing: 1, production: 0 });
    // A handler function writes no line of its own: the task's dropped-record line is the trace,
    // naming the processor that threw.
    expect(task.drops.snapshot()).toEqual({ total: 1, byReason: { 'processing-error': 1 } });
    expect(warnings.map(([m]) => m)).toEqual([
      "task 0_1 dropped a record (processing-error: the processing exception handler skipped or dead-lettered it) at node 'upper', in-1 offset 1: boom!; 1 dropped for this reason so far",
    ]);
    expect(await output()).toEqual([`out/${p4('alice')} alice=A @1`, `out/${p4('carol')} carol=C @3`]);
    expect(task.offsetsToCommit()).toEqual([{ topic: 'in', partition: 1, offset: '3' }]);
  });

  it('sends a failed processing to the dead-letter topic with stage processing', async () => {
    const { task, sent, output } = harness({ handlers: { processing: { deadLetterTopic: 'dlq' } } });
    task.initProcessors();
    run(task, batch([7, 'bob', 'boom', 2]));
    await output();
    expect(sent.map((r) => [r.topic, r.key?.toString(), r.value?.toString(), r.headers?.['rivulet.error.stage'], r.headers?.['rivulet.source.offset']])).toEqual([
      ['dlq', 'bob', 'boom', 'processing', '7'],
    ]);
  });

  it('skips a record whose timestamp extractor returns -1, counts it as dropped with a line, and passes partition time', async () => {
    const calls: [string, number][] = [];
    const extractor: TimestampExtractor = (record, partitionTime) => {
      calls.push([record.offset, partitionTime]);
      return record.value === 'no-time' ? -1 : record.timestamp;
    };
    const { task, warnings, output } = harness({ timestampExtractor: extractor });
    task.initProcessors();
    run(task, batch([0, 'alice', 'a', 50], [1, 'bob', 'no-time', 60], [2, 'carol', 'c', 40]));
    run(task, batch([3, 'dave', 'd', 70]));
    expect(calls).toEqual([
      ['0', -1],
      ['1', 50],
      ['2', 50],
      ['3', 50],
    ]);
    expect(warnings).toEqual([
      [
        "task 0_1 dropped a record (invalid-timestamp: the timestamp extractor gave a negative or invalid timestamp) at node 'src', in-1 offset 1: the timestamp extractor returned -1; 1 dropped for this reason so far",
        { taskId: '0_1', reason: 'invalid-timestamp', dropped: 1, node: 'src', topic: 'in', partition: 1, offset: '1' },
      ],
    ]);
    expect(task.drops.snapshot()).toEqual({ total: 1, byReason: { 'invalid-timestamp': 1 } });
    expect(task.processedCount).toBe(3);
    expect(task.offsetsToCommit()).toEqual([{ topic: 'in', partition: 1, offset: '4' }]);
    expect(await output()).toEqual([`out/${p4('alice')} alice=A @50`, `out/${p4('carol')} carol=C @40`, `out/${p4('dave')} dave=D @70`]);
  });

  it('awaits an async serde once for the batch', async () => {
    const asyncStrings: Serde<string> = {
      name: 'async-string',
      serialize: (_topic, value) => Buffer.from(value),
      deserialize: async (_topic, data) => data.toString(),
    };
    const { task, output } = harness({ valueSerde: asyncStrings });
    task.initProcessors();
    const fetched = batch([0, 'alice', 'a', 1], [1, 'bob', 'b', 2]);
    const decoded = task.decode(fetched);
    expect(decoded).toBeInstanceOf(Promise);
    task.process(fetched, await decoded);
    expect(await output()).toEqual([`out/${p4('alice')} alice=A @1`, `out/${p4('bob')} bob=B @2`]);
  });
});

describe('StreamTask async serialization failures', () => {
  /** Serializes asynchronously (a registry serde on a cache miss); rejects the value `BOOM`. */
  const asyncPicky: Serde<string> = {
    name: 'async-picky',
    serialize: async (_topic, value) => {
      await Promise.resolve();
      if (value === 'BOOM') throw new Error('registry says no to BOOM');
      return Buffer.from(value);
    },
    deserialize: (_topic, data) => data.toString(),
  };
  const withAsyncSink = (t: Topology): Topology => t.addProcessor('upper', upper, 'src').addSink('out', 'out', { key: serdes.string(), value: asyncPicky }, 'upper');
  const records = (): FetchedBatch => batch([0, 'alice', 'a', 1], [1, 'bob', 'Boom', 2, { trace: 'xyz' }], [2, 'carol', 'c', 3]);

  it('sends a rejected async serialization to the dead-letter topic with the input bytes, and the rest on', async () => {
    const { task, errors, sent, output } = harness({ build: withAsyncSink, handlers: { production: { deadLetterTopic: 'dlq' } } });
    task.initProcessors();
    run(task, records());
    // The handler runs when the collector awaits the serialization: within this flush, before a commit.
    expect(await output()).toEqual([`out/${p4('alice')} alice=A @1`, `out/${p4('carol')} carol=C @3`, `dlq/${partitionForKey(Buffer.from('bob'), 2)} bob=Boom @2`]);
    const dead = sent.find((r) => r.topic === 'dlq')!;
    expect(dead.headers).toMatchObject({
      trace: 'xyz',
      'rivulet.error.stage': 'production',
      'rivulet.error.message': 'registry says no to BOOM',
      'rivulet.source.topic': 'in',
      'rivulet.source.offset': '1',
    });
    expect(errors.skipped).toEqual({ deserialization: 0, processing: 0, production: 1 });
  });

  it("with 'log-and-continue', leaves the record out with a warning naming the input record", async () => {
    const { task, warnings, output } = harness({ build: withAsyncSink, handlers: { production: 'log-and-continue' } });
    task.initProcessors();
    run(task, records());
    expect(await output()).toEqual([`out/${p4('alice')} alice=A @1`, `out/${p4('carol')} carol=C @3`]);
    expect(warnings.map(([m, extra]) => [m, extra?.['offset']])).toEqual([
      ['production failed, skipping the record: registry says no to BOOM', '1'],
      [
        "task 0_1 dropped a record (production-error: the production exception handler skipped or dead-lettered it) at node 'out', in-1 offset 1: registry says no to BOOM; 1 dropped for this reason so far",
        '1',
      ],
    ]);
    expect(task.drops.snapshot()).toEqual({ total: 1, byReason: { 'production-error': 1 } });
  });

  it("with 'fail', fails the send with a ProcessingError naming the input record, and sends nothing of the batch", async () => {
    const { task, collector, sent } = harness({ build: withAsyncSink });
    task.initProcessors();
    run(task, records());
    let error: unknown;
    try {
      await collector.flush();
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ProcessingError);
    expect((error as ProcessingError).message).toBe('production failed for the record at in-1 offset 1: registry says no to BOOM');
    expect(sent).toEqual([]);
    expect(collector.failed).toBe(error);
  });
});

describe('StreamTask and a schema registry outage', () => {
  const outage = (topic: string, part: 'key' | 'value'): SchemaRegistryUnavailableError =>
    new SchemaRegistryUnavailableError('schema registry at http://127.0.0.1:1 unavailable after 3 attempts: connect ECONNREFUSED', { serde: 'avro-registry', topic, part }, { attempts: 3 });

  it('stops at a record whose deserialization hit the outage, even with a dead-letter handler', async () => {
    const registryDown: Serde<string> = {
      name: 'registry-down',
      serialize: (_topic, value) => Buffer.from(value),
      deserialize: (topic, data) => {
        if (data.toString() === 'b') throw outage(topic, 'value');
        return data.toString();
      },
    };
    const { task, sent, errors, output } = harness({ valueSerde: registryDown, handlers: { deserialization: { deadLetterTopic: 'dlq' } } });
    task.initProcessors();
    const fetched = batch([0, 'alice', 'a', 1], [1, 'bob', 'b', 2], [2, 'carol', 'c', 3]);
    expect(() => task.process(fetched, task.decode(fetched) as DecodedBatch)).toThrow(
      // The runtime fills in where the record was on the serde's error.
      new ProcessingError('deserialization', outage('in', 'value').locate({ partition: 1, offset: '1' }), { topic: 'in', partition: 1, offset: '1' }, '0_1'),
    );
    expect(await output()).toEqual([`out/${p4('alice')} alice=A @1`]);
    expect(sent.filter((r) => r.topic === 'dlq')).toEqual([]);
    expect(errors.skipped.deserialization).toBe(0);
    expect(task.offsetsToCommit()).toEqual([{ topic: 'in', partition: 1, offset: '1' }]);
  });

  it('fails the send when an async serialization hit the outage, even with a dead-letter handler', async () => {
    const registryDown: Serde<string> = {
      name: 'registry-down',
      serialize: async (topic, value) => {
        if (value === 'B') throw outage(topic, 'value');
        return Buffer.from(value);
      },
      deserialize: (_topic, data) => data.toString(),
    };
    const { task, collector, sent } = harness({
      build: (t) => t.addProcessor('upper', upper, 'src').addSink('out', 'out', { key: serdes.string(), value: registryDown }, 'upper'),
      handlers: { production: { deadLetterTopic: 'dlq' } },
    });
    task.initProcessors();
    run(task, batch([0, 'alice', 'a', 1], [1, 'bob', 'b', 2]));
    await expect(collector.flush()).rejects.toThrow(/^production failed for the record at in-1 offset 1: schema registry at .* unavailable/);
    expect(collector.failed).toBeInstanceOf(ProcessingError);
    expect(sent).toEqual([]);
  });
});
