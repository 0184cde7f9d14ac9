/**
 * KTable.suppress on the TopologyTestDriver (Kafka Streams' KTableSuppressProcessor): final results
 * of windowed counts once their windows close (end + grace, by stream time), the latest value per
 * key after a time limit, bounded buffers that emit early or stop the app, and deletions.
 */
import { ProcessingError, type ProcessorContext, type StreamRecord, type Windowed } from '@rivulet/core';
import { serdes } from '@rivulet/serde';
import {
  BufferConfig,
  SessionWindows,
  StreamsBuilder,
  Suppressed,
  SuppressionBufferFullError,
  TimeWindows,
  sessionWindowedSerde,
  windowedSerde,
  type KTable,
} from '@rivulet/streams';
import { describe, expect, it } from 'vitest';
import { TopologyTestDriver, type TestOutputTopic } from '../../../src/index.js';

const str = serdes.string();
const long = serdes.int64();
const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

/** [key, window start, window end, count, record timestamp] */
type Row = [string, number, number, bigint | null, number];

function rows(topic: TestOutputTopic<Windowed<string>, bigint>): Row[] {
  return topic.readRecordsToList().map((r) => [r.key!.key, r.key!.window.start, r.key!.window.end, r.value, r.timestamp]);
}

/** clicks (string keys) -> groupByKey -> windowed count -> suppress -> out. */
function windowedCount(
  count: (b: StreamsBuilder) => KTable<Windowed<string>, bigint>,
  suppressed: Suppressed<Windowed<string>>,
  keySerde: typeof windowedSerde<string> extends (...a: never[]) => infer S ? S : never,
  options: ConstructorParameters<typeof TopologyTestDriver>[1] = {},
) {
  const warnings: string[] = [];
  const b = new StreamsBuilder({ warn: (m) => warnings.push(m) });
  count(b).suppress(suppressed).toStream().sink('out');
  const topology = b.build();
  const driver = new TopologyTestDriver(topology, { logger: quiet, ...options });
  const input = driver.createInputTopic('clicks', str, str);
  const output = driver.createOutputTopic('out', keySerde, long);
  return { topology, driver, warnings, output, pipe: (key: string, timestamp: number) => input.pipeInput(key, 'x', timestamp) };
}

const tumbling = (suppressed: Suppressed<Windowed<string>>, options: ConstructorParameters<typeof TopologyTestDriver>[1] = {}) =>
  windowedCount(
    (b) => b.source('clicks', { key: str, value: str }).groupByKey().windowedBy(TimeWindows.ofSizeAndGrace(10, 5)).count({ store: 'counts' }),
    suppressed,
    windowedSerde(str, 10),
    options,
  );

describe('suppress(untilWindowCloses)', () => {
  it('tumbling windows: exactly one final count per window, once stream time reaches end + grace, nothing before', () => {
    const { pipe, output } = tumbling(Suppressed.untilWindowCloses(BufferConfig.unbounded()).withName('final'));
    pipe('a', 1);
    pipe('a', 4);
    pipe('b', 9);
    pipe('a', 12);
    pipe('a', 8); // within grace: [0, 10) is open until stream time 15
    pipe('c', 14);
    expect(rows(output)).toEqual([]);
    pipe('c', 15); // [0, 10) closes: its final counts, in key order, with the latest update's timestamp
    expect(rows(output)).toEqual([
      ['a', 0, 10, 3n, 8],
      ['b', 0, 10, 1n, 9],
    ]);
    pipe('a', 3); // late for the aggregation: dropped there, nothing changes
    pipe('a', 24);
    expect(rows(output)).toEqual([]);
    pipe('d', 25); // [10, 20) closes at 20 + 5
    expect(rows(output)).toEqual([
      ['a', 10, 20, 1n, 12],
      ['c', 10, 20, 2n, 15],
    ]);
    pipe('z', 100);
    expect(rows(output)).toEqual([
      ['a', 20, 30, 1n, 24],
      ['d', 20, 30, 1n, 25],
    ]);
  });

  it('session windows: one final count per session; sessions merged away (their deletions) are never emitted', () => {
    const { pipe, output } = windowedCount(
      (b) => b.source('clicks', { key: str, value: str }).groupByKey().windowedBy(SessionWindows.ofInactivityGapAndGrace(5, 2)).count({ store: 'sessions' }),
      Suppressed.untilWindowCloses(BufferConfig.unbounded()).withName('final-sessions'),
      sessionWindowedSerde(str),
    );
    // A session closes gap + grace (5 + 2) after its end.
    pipe('a', 0);
    pipe('a', 3); // merges into [0, 3]: the aggregation deletes [0, 0]
    pipe('b', 4);
    pipe('a', 6); // [0, 6]
    pipe('x', 7);
    pipe('x', 10); // [7, 10]
    expect(rows(output)).toEqual([]);
    pipe('y', 11); // b's [4, 4] closes at 4 + 7
    expect(rows(output)).toEqual([['b', 4, 4, 1n, 4]]);
    pipe('y', 20); // a new session for y; [0, 6] closed at 13, [7, 10] at 17, [11, 11] at 18
    expect(rows(output)).toEqual([
      ['a', 0, 6, 3n, 6],
      ['x', 7, 10, 2n, 10],
      ['y', 11, 11, 1n, 11],
    ]);
    pipe('a', 21);
    pipe('a', 24); // merges [21, 21] into [21, 24]
    pipe('z', 40);
    expect(rows(output)).toEqual([
      ['y', 20, 20, 1n, 20],
      ['a', 21, 24, 2n, 24],
    ]);
  });

  it('names the buffer <name>-store (changelogged), or warns about a generated name', () => {
    const named = tumbling(Suppressed.untilWindowCloses(BufferConfig.unbounded()).withName('final'));
    expect(named.topology.describe().stores).toContainEqual({ name: 'final-store', persistent: false, logged: true });
    expect(named.warnings).toEqual([]);
    const unnamed = tumbling(Suppressed.untilWindowCloses(BufferConfig.unbounded().withLoggingDisabled()));
    const buffer = unnamed.topology.describe().stores.find((s) => s.name.startsWith('KTABLE-SUPPRESS-STATE-STORE-'));
    expect(buffer).toEqual({ name: expect.stringMatching(/^KTABLE-SUPPRESS-STATE-STORE-\d{10}$/), persistent: false, logged: false });
    expect(unnamed.warnings).toEqual([expect.stringContaining(`the buffer of suppress() (name it with Suppressed.withName) has no name and got '${buffer!.name}'`)]);
  });

  it('works on a table derived from a windowed count (the grace is found upstream)', () => {
    const { pipe, output } = windowedCount(
      (b) =>
        b
          .source('clicks', { key: str, value: str })
          .groupByKey()
          .windowedBy(TimeWindows.ofSizeAndGrace(10, 5))
          .count({ store: 'counts' })
          .filter((_k, n) => n >= 2n),
      Suppressed.untilWindowCloses(BufferConfig.unbounded()).withName('final'),
      windowedSerde(str, 10),
    );
    pipe('a', 1);
    pipe('b', 2);
    pipe('a', 3);
    pipe('z', 14);
    expect(rows(output)).toEqual([]);
    pipe('z', 15); // b's count 1 was filtered (a deletion downstream): only a's final result
    expect(rows(output)).toEqual([['a', 0, 10, 2n, 3]]);
  });

  it('refuses a table that is not windowed, and a buffer that emits early', () => {
    const b = new StreamsBuilder({ warn: () => undefined });
    const table = b.table('t', { key: str, value: str, store: 't' }) as unknown as KTable<Windowed<string>, string>;
    expect(() => table.suppress(Suppressed.untilWindowCloses(BufferConfig.unbounded()))).toThrow(/windows close only downstream of a windowed aggregation/);
    const eager = BufferConfig.maxRecords(10) as unknown as ReturnType<typeof BufferConfig.unbounded>;
    expect(() => Suppressed.untilWindowCloses(eager)).toThrow(/takes a strict buffer config/);
  });

  it('a full buffer that shuts down fails the app with a SuppressionBufferFullError, even under log-and-continue', () => {
    for (const processingExceptionHandler of ['fail', 'log-and-continue'] as const) {
      const { pipe, output } = tumbling(Suppressed.untilWindowCloses(BufferConfig.maxRecords(2).shutDownWhenFull()).withName('final'), { processingExceptionHandler });
      pipe('a', 1);
      pipe('b', 2);
      pipe('a', 3); // a key already buffered takes no more room
      let error: unknown;
      try {
        pipe('c', 4);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(SuppressionBufferFullError);
      expect(error).toBeInstanceOf(ProcessingError);
      expect(error).toMatchObject({ category: 'fatal', suppression: 'final', records: { count: 3, max: 2 }, topic: 'clicks', partition: 0, offset: '3' });
      expect((error as Error).message).toMatch(/the buffer of suppress 'final' is full: over its maxRecords 2 \(it holds 3 keys\).*shut down when full.*withMaxRecords.*emitEarlyWhenFull/);
      expect(rows(output)).toEqual([]);
    }
  });
});

/** t (a table of strings) -> suppress -> out. */
function suppressedTable(suppressed: Suppressed<string>) {
  const b = new StreamsBuilder({ warn: () => undefined });
  const seen: StreamRecord<string, string | null>[] = [];
  b.table('t', { key: str, value: str, store: 't' })
    .suppress(suppressed)
    .toStream()
    .process<string, string | null>(() => {
      let ctx: ProcessorContext<string, string | null>;
      return {
        init: (c) => void (ctx = c),
        process: (r) => {
          seen.push(r);
          ctx.forward(r);
        },
      };
    })
    .sink('out', { key: str, value: str });
  const driver = new TopologyTestDriver(b.build(), { logger: quiet });
  const input = driver.createInputTopic('t', str, str);
  const output = driver.createOutputTopic('out', str, str);
  const out = () => output.readRecordsToList().map((r) => [r.key, r.value, r.timestamp]);
  return { driver, seen, out, pipe: (key: string, value: string | null, timestamp: number) => input.pipeInput(key, value, timestamp) };
}

describe('suppress(untilTimeLimit)', () => {
  it('emits the latest value of a key once stream time is the limit past its first buffered update; updates collapse', () => {
    const { pipe, out } = suppressedTable(Suppressed.untilTimeLimit<string>(10, BufferConfig.unbounded()).withName('rate-limit'));
    pipe('a', '1', 0);
    pipe('a', '2', 3);
    pipe('b', '1', 5);
    pipe('a', '3', 9);
    expect(out()).toEqual([]);
    pipe('c', '1', 10); // a first buffered at 0: due at 10
    expect(out()).toEqual([['a', '3', 9]]);
    pipe('b', '2', 14); // b keeps its place (first buffered at 5)
    expect(out()).toEqual([]);
    pipe('a', '4', 15); // b due at 15; a starts over (due at 25)
    expect(out()).toEqual([['b', '2', 14]]);
    pipe('d', '1', 24);
    expect(out()).toEqual([['c', '1', 10]]);
    pipe('d', '2', 25);
    expect(out()).toEqual([['a', '4', 15]]);
  });

  it('a limit of 0 emits every update at once', () => {
    const { pipe, out } = suppressedTable(Suppressed.untilTimeLimit<string>(0, BufferConfig.unbounded()).withName('none'));
    pipe('a', '1', 5);
    pipe('a', '2', 3); // behind stream time: due at once too
    expect(out()).toEqual([
      ['a', '1', 5],
      ['a', '2', 3],
    ]);
  });

  it('emits deletions (tombstones), and the value before the first buffered update as the old value', () => {
    const { pipe, out, seen } = suppressedTable(Suppressed.untilTimeLimit<string>(10, BufferConfig.unbounded()).withName('rate-limit'));
    pipe('a', '1', 0);
    pipe('z', '1', 10);
    expect(out()).toEqual([['a', '1', 0]]);
    pipe('a', '2', 11);
    pipe('a', null, 12); // deleted: the buffered entry becomes a deletion
    pipe('b', '1', 13);
    pipe('b', null, 14);
    expect(out()).toEqual([]);
    pipe('z', '2', 23); // z (buffered at 10) is due, then a (11) and b (13)
    expect(out()).toEqual([
      ['z', '2', 23],
      ['a', null, 12],
      ['b', null, 14],
    ]);
    // What downstream last saw of the key before the buffered updates: a was '1', b did not exist.
    expect(seen.slice(2).map((r) => [r.key, r.value, (r as { oldValue?: unknown }).oldValue])).toEqual([
      ['a', null, '1'],
      ['b', null, null],
    ]);
  });

  it('maxRecords with emitEarlyWhenFull: the oldest keys leave early, the buffer keeps its bound', () => {
    const { pipe, out } = suppressedTable(Suppressed.untilTimeLimit<string>(100, BufferConfig.maxRecords(2).emitEarlyWhenFull()).withName('bounded'));
    pipe('a', '1', 0);
    pipe('b', '1', 1);
    pipe('a', '2', 2);
    expect(out()).toEqual([]);
    pipe('c', '1', 3); // 3 keys > 2: a (buffered first) leaves early
    expect(out()).toEqual([['a', '2', 2]]);
    pipe('d', '1', 4);
    expect(out()).toEqual([['b', '1', 1]]);
    pipe('z', '1', 104); // c due at 103, d at 104
    expect(out()).toEqual([
      ['c', '1', 3],
      ['d', '1', 4],
    ]);
  });

  it('maxBytes counts serialized key, values and record context as Kafka Streams does', () => {
    // One entry of key 'a' (1 byte), new value '1' (1 byte), no old value, from topic 't' (1 char):
    // 8 (buffer time) + 1 + 1 + 8 (timestamp) + 8 (offset) + 4 (partition) + 1 = 31 bytes.
    const { pipe, out } = suppressedTable(Suppressed.untilTimeLimit<string>(100, BufferConfig.maxBytes(62)).withName('bytes'));
    pipe('a', '1', 0);
    pipe('b', '1', 1); // 62 bytes: at the bound, not over it
    expect(out()).toEqual([]);
    pipe('b', '22', 2); // b: + '22', + old value '1' (no longer its prior) = 62 + 1 + 1 = 64 > 62
    expect(out()).toEqual([['a', '1', 0]]);
  });

  it('maxRecords with shutDownWhenFull fails the app, naming the suppression, the limit and the fix', () => {
    const { pipe } = suppressedTable(Suppressed.untilTimeLimit<string>(100, BufferConfig.maxRecords(1).shutDownWhenFull()).withName('strict'));
    pipe('a', '1', 0);
    expect(() => pipe('b', '1', 1)).toThrow(SuppressionBufferFullError);
  });
});
