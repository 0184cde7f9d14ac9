import type { Windowed } from '@rivulet/core';
import { serdes, type Serde } from '@rivulet/serde';
import {
  LateRecordCounter,
  SessionWindows,
  SlidingWindows,
  StreamsBuilder,
  TimeWindows,
  sessionWindowedSerde,
  windowedSerde,
  type EmitStrategy,
  type KTable,
  type KGroupedStream,
} from '@rivulet/streams';
import { describe, expect, it } from 'vitest';
import { TopologyTestDriver, type TestOutputTopic } from '../../../src/index.js';

/** [key, window start, window end, value, record timestamp]: one output record, compactly. */
type Row = [string, number, number, bigint | string | null, number];

function rows(topic: TestOutputTopic<Windowed<string>, bigint | string>): Row[] {
  return topic.readRecordsToList().map((r) => [r.key!.key, r.key!.window.start, r.key!.window.end, r.value, r.timestamp]);
}

interface Setup {
  emit?: EmitStrategy;
  retentionMs?: number;
}

/** input (string keys, string values) -> groupByKey -> windowed aggregation -> output. */
function windowed(
  aggregate: (grouped: KGroupedStream<string, string>, late: LateRecordCounter) => KTable<Windowed<string>, bigint> | KTable<Windowed<string>, string>,
  outputKey: (inner: Serde<string>) => Serde<Windowed<string>>,
  outputValue: 'int64' | 'string' = 'int64',
) {
  const warnings: string[] = [];
  const late = new LateRecordCounter();
  const builder = new StreamsBuilder({ warn: (m) => warnings.push(m) });
  const grouped = builder.source('input', { key: serdes.string(), value: serdes.string() }).groupByKey();
  aggregate(grouped, late).toStream().sink('output');
  // The builder's warnings and the driver's log lines (dropped records) in one list.
  const none = () => undefined;
  const driver = new TopologyTestDriver(builder.build(), { logger: { debug: none, info: none, warn: (m) => void warnings.push(m), error: none } });
  const input = driver.createInputTopic('input', serdes.string(), serdes.string());
  const values: Serde<bigint | string> = outputValue === 'int64' ? (serdes.int64() as Serde<bigint | string>) : (serdes.string() as Serde<bigint | string>);
  const output = driver.createOutputTopic('output', outputKey(serdes.string()), values);
  const pipe = (key: string, timestamp: number, value = 'x'): void => input.pipeInput(key, value, timestamp);
  return { driver, input, pipe, output, late, warnings, builder };
}

const tumbling = (setup: Setup = {}) =>
  windowed(
    (g, late) => g.windowedBy(TimeWindows.ofSizeAndGrace(10, 5)).count({ store: 'counts', lateRecords: late, ...setup }),
    (s) => windowedSerde(s, 10),
  );

describe('tumbling windows', () => {
  it('counts per key and window, takes out-of-order records within grace, drops and counts late ones', () => {
    const { driver, pipe, output, late, warnings } = tumbling();
    pipe('a', 1);
    pipe('a', 4);
    pipe('b', 9);
    pipe('a', 12);
    expect(rows(output)).toEqual([
      ['a', 0, 10, 1n, 1],
      ['a', 0, 10, 2n, 4],
      ['b', 0, 10, 1n, 9],
      ['a', 10, 20, 1n, 12],
    ]);
    // Stream time 12, grace 5: window [0, 10) is open until stream time 15.
    pipe('a', 8);
    expect(rows(output)).toEqual([['a', 0, 10, 3n, 8]]);
    pipe('a', 16);
    pipe('a', 3); // stream time 16: [0, 10) closed at 15
    expect(rows(output)).toEqual([['a', 10, 20, 2n, 16]]);
    expect(late.count).toBe(1);
    // A dropped record of the task too: counted with its reason and logged, naming the operator and the record.
    expect(driver.droppedRecords()).toEqual({ total: 1, byReason: { late: 1 } });
    expect(warnings.filter((w) => /dropped/.test(w))).toEqual([
      "task 0_0 dropped a record (late: too late: its window had closed) at node 'KSTREAM-AGGREGATE-0000000001', input-0 offset 6: key a at 3 for window [0, 10), closed at stream time 16 (grace 5 ms); 1 dropped for this reason so far",
    ]);

    const store = driver.getWindowStore<string, bigint>('counts');
    expect(store.fetch('a', 0)).toBe(3n);
    expect([...store.fetch('a', 0, 100)]).toEqual([
      { key: 0, value: 3n },
      { key: 10, value: 2n },
    ]);
    expect([...store.all()].map((e) => [e.key.key, e.key.window.start, e.value])).toEqual([
      ['a', 0, 3n],
      ['b', 0, 1n],
      ['a', 10, 2n],
    ]);
    expect(driver.getTimestampedWindowStore<string, bigint>('counts').fetch('a', 10)).toEqual({ value: 2n, timestamp: 16 });
  });

  it("emits only final results, once stream time passes each window's end + grace", () => {
    const { pipe, output, late } = tumbling({ emit: 'final' });
    pipe('a', 1);
    pipe('a', 4);
    pipe('b', 9);
    pipe('a', 12);
    pipe('a', 8);
    expect(output.isEmpty()).toBe(true);
    pipe('a', 14); // stream time 14 < 10 + 5
    expect(output.isEmpty()).toBe(true);
    pipe('a', 15); // [0, 10) closes: its results come out before this record is applied
    expect(rows(output)).toEqual([
      ['a', 0, 10, 3n, 8],
      ['b', 0, 10, 1n, 9],
    ]);
    pipe('a', 3); // late
    pipe('c', 24);
    expect(output.isEmpty()).toBe(true);
    pipe('c', 25);
    expect(rows(output)).toEqual([['a', 10, 20, 3n, 15]]);
    expect(late.count).toBe(1);
  });

  it('aggregates into another type, the value type flowing to the sink', () => {
    const { pipe, output } = windowed(
      (g) =>
        g
          .windowedBy(TimeWindows.ofSizeWithNoGrace(10))
          .aggregate(() => '', (_k, v, agg) => agg + v, { value: serdes.string(), store: 'letters' }),
      (s) => windowedSerde(s, 10),
      'string',
    );
    pipe('a', 1, 'x');
    pipe('a', 2, 'y');
    pipe('a', 11, 'z');
    pipe('a', 9, 'late'); // no grace: [0, 10) closed at stream time 10
    expect(rows(output)).toEqual([
      ['a', 0, 10, 'x', 1],
      ['a', 0, 10, 'xy', 2],
      ['a', 10, 20, 'z', 11],
    ]);
  });

  it('reduces, and writes keys in Kafka Streams\' TimeWindowedSerde layout: [key][8-byte big-endian start]', () => {
    const { driver, pipe } = windowed(
      (g) => g.windowedBy(TimeWindows.ofSizeWithNoGrace(1_000)).reduce((a, b) => `${a}+${b}`, { store: 'joined' }),
      (s) => windowedSerde(s, 1_000),
      'string',
    );
    pipe('k', 5_000, 'p');
    pipe('k', 5_500, 'q');
    const written = driver.runner.peekOutput('output');
    expect(written.map((r) => r.value?.toString())).toEqual(['p', 'p+q']);
    expect(written[0]!.key).toEqual(Buffer.concat([Buffer.from('k'), Buffer.from([0, 0, 0, 0, 0, 0, 0x13, 0x88])]));
  });
});

describe('hopping windows', () => {
  it('updates every window a record falls in, and drops it only from the closed ones', () => {
    const { pipe, output, late } = windowed(
      (g, l) => g.windowedBy(TimeWindows.ofSizeWithNoGrace(10).advanceBy(5)).count({ store: 'hops', lateRecords: l }),
      (s) => windowedSerde(s, 10),
    );
    pipe('a', 3);
    pipe('a', 7);
    pipe('a', 12);
    expect(rows(output)).toEqual([
      ['a', 0, 10, 1n, 3],
      ['a', 0, 10, 2n, 7],
      ['a', 5, 15, 1n, 7],
      ['a', 5, 15, 2n, 12],
      ['a', 10, 20, 1n, 12],
    ]);
    pipe('a', 9); // [0, 10) closed at stream time 12; [5, 15) still open
    expect(rows(output)).toEqual([['a', 5, 15, 3n, 12]]);
    expect(late.count).toBe(1);
    pipe('a', 2); // only in [0, 10): dropped whole
    expect(output.isEmpty()).toBe(true);
    expect(late.count).toBe(2);
  });

  it('emits each hopping window once, when it closes', () => {
    const { pipe, output } = windowed(
      (g) => g.windowedBy(TimeWindows.ofSizeAndGrace(10, 2).advanceBy(5)).count({ store: 'hops', emit: 'final' }),
      (s) => windowedSerde(s, 10),
    );
    pipe('a', 3);
    pipe('a', 7);
    pipe('a', 11);
    expect(output.isEmpty()).toBe(true);
    pipe('a', 12); // [0, 10) + grace 2 closes at 12
    expect(rows(output)).toEqual([['a', 0, 10, 2n, 7]]);
    pipe('b', 17); // [5, 15) closes at 17
    expect(rows(output)).toEqual([['a', 5, 15, 3n, 12]]);
    pipe('b', 30);
    expect(rows(output)).toEqual([
      ['a', 10, 20, 2n, 12],
      ['b', 10, 20, 1n, 17],
      ['b', 15, 25, 1n, 17],
    ]);
  });
});

describe('null keys and values in windowed aggregations', () => {
  it('tumbling and hopping windows aggregate a null value like any other and drop a null key, as Kafka Streams 4.4 does', () => {
    const { driver, input, output } = tumbling();
    input.pipeInput('a', 'x', 1);
    input.pipeInput('a', null, 2); // counted: KStreamWindowAggregate skips null keys only
    input.pipeInput(null, 'x', 3);
    expect(rows(output)).toEqual([
      ['a', 0, 10, 1n, 1],
      ['a', 0, 10, 2n, 2],
    ]);
    expect(driver.droppedRecords()).toEqual({ total: 1, byReason: { 'null-key-or-value': 1 } });
  });

  it('session windows aggregate a null value like any other and drop a null key, as Kafka Streams 4.4 does', () => {
    const { driver, input, output } = windowed(
      (g) => g.windowedBy(SessionWindows.ofInactivityGapAndGrace(10, 5)).count({ store: 'null-sessions' }),
      (s) => sessionWindowedSerde(s),
    );
    input.pipeInput('a', 'x', 0);
    input.pipeInput('a', null, 3); // counted: KStreamSessionWindowAggregate skips null keys only
    input.pipeInput(null, 'x', 4);
    expect(rows(output)).toEqual([
      ['a', 0, 0, 1n, 0],
      ['a', 0, 0, null, 0],
      ['a', 0, 3, 2n, 3],
    ]);
    expect(driver.droppedRecords()).toEqual({ total: 1, byReason: { 'null-key-or-value': 1 } });
  });

  it('sliding windows drop a null value, as Kafka Streams does', () => {
    const { driver, input, output } = windowed(
      (g) => g.windowedBy(SlidingWindows.ofTimeDifferenceAndGrace(10, 5)).count({ store: 'null-slides' }),
      (s) => windowedSerde(s, 10),
    );
    input.pipeInput('a', 'x', 20);
    input.pipeInput('a', null, 22);
    expect(rows(output)).toEqual([['a', 10, 20, 1n, 20]]);
    expect(driver.droppedRecords()).toEqual({ total: 1, byReason: { 'null-key-or-value': 1 } });
  });
});

describe('sliding windows', () => {
  const sliding = (graceMs: number, emit?: EmitStrategy) =>
    windowed(
      (g, l) =>
        g.windowedBy(SlidingWindows.ofTimeDifferenceAndGrace(10, graceMs)).count({ store: 'slides', lateRecords: l, ...(emit ? { emit } : {}) }),
      (s) => windowedSerde(s, 10),
    );

  it("creates each record's windows and updates the ones it falls in, out-of-order records within grace included", () => {
    const { driver, pipe, output, late } = sliding(20);
    pipe('a', 20);
    expect(rows(output)).toEqual([['a', 10, 20, 1n, 20]]);
    pipe('a', 25);
    expect(rows(output)).toEqual([
      ['a', 21, 31, 1n, 25], // the previous record's right window
      ['a', 15, 25, 2n, 25], // this record's left window
    ]);
    pipe('a', 40);
    expect(rows(output)).toEqual([['a', 30, 40, 1n, 40]]);
    pipe('a', 22); // stream time 40, grace 20: windows ending at or after 20 are open
    expect(rows(output)).toEqual([
      // the existing windows it falls in, newest start first, as Kafka Streams updates them
      ['a', 21, 31, 2n, 25],
      ['a', 15, 25, 3n, 25],
      ['a', 12, 22, 2n, 22],
      ['a', 23, 33, 1n, 25], // this record's right window: the records after it within 10
    ]);
    pipe('a', 5); // even its right window [6, 16] ended before 20
    expect(output.isEmpty()).toBe(true);
    expect(late.count).toBe(1);
    expect([...driver.getWindowStore<string, bigint>('slides').fetch('a', 0, 100)].map((w) => [w.key, w.value])).toEqual([
      [10, 1n],
      [12, 2n],
      [15, 3n],
      [21, 2n],
      [23, 1n],
      [30, 1n],
    ]);
  });

  it('puts records earlier than the time difference in the window [0, difference]', () => {
    const { pipe, output } = sliding(0);
    pipe('a', 2);
    pipe('a', 6);
    expect(rows(output)).toEqual([
      ['a', 0, 10, 1n, 2],
      ['a', 3, 13, 1n, 6], // the right window of the record at 2
      ['a', 0, 10, 2n, 6],
    ]);
  });

  it('emits each sliding window once, after its end passes stream time - grace', () => {
    const { pipe, output } = sliding(0, 'final');
    pipe('a', 20);
    expect(output.isEmpty()).toBe(true);
    pipe('a', 25);
    expect(rows(output)).toEqual([['a', 10, 20, 1n, 20]]);
    pipe('b', 60);
    expect(rows(output)).toEqual([
      ['a', 15, 25, 2n, 25],
      ['a', 21, 31, 1n, 25],
    ]);
  });
});

describe('session windows', () => {
  const sessions = (emit?: EmitStrategy) =>
    windowed(
      (g, l) =>
        g.windowedBy(SessionWindows.ofInactivityGapAndGrace(10, 5)).count({ store: 'sessions', lateRecords: l, ...(emit ? { emit } : {}) }),
      (s) => sessionWindowedSerde(s),
    );

  it('merges records within the gap into sessions, deleting merged sessions downstream, and drops late ones', () => {
    const { driver, pipe, output, late } = sessions();
    pipe('a', 0);
    pipe('a', 5);
    expect(rows(output)).toEqual([
      ['a', 0, 0, 1n, 0],
      ['a', 0, 0, null, 0],
      ['a', 0, 5, 2n, 5],
    ]);
    pipe('a', 30);
    pipe('b', 12); // stream time 30, grace 5, gap 10: a session ending before 15 is closed
    expect(rows(output)).toEqual([['a', 30, 30, 1n, 30]]);
    expect(late.count).toBe(1);
    pipe('a', 20); // within the gap of [30, 30], which is still open
    pipe('a', 17);
    expect(rows(output)).toEqual([
      ['a', 30, 30, null, 30],
      ['a', 20, 30, 2n, 30],
      ['a', 20, 30, null, 30],
      ['a', 17, 30, 3n, 30],
    ]);
    pipe('a', 45);
    pipe('a', 38); // bridges [17, 30] and [45, 45]
    expect(rows(output)).toEqual([
      ['a', 45, 45, 1n, 45],
      ['a', 17, 30, null, 30],
      ['a', 45, 45, null, 45],
      ['a', 17, 45, 5n, 45],
    ]);
    const store = driver.getSessionStore<string, bigint>('sessions');
    // Retention is gap + grace (15) after the newest end (45): [0, 5] is gone.
    expect([...store.fetch('a')].map((s) => [s.key.window.start, s.key.window.end, s.value])).toEqual([[17, 45, 5n]]);
    expect(store.fetchSession('a', 17, 45)).toBe(5n);
  });

  it('takes a record whose session ends at or after stream time - grace - gap, as Kafka Streams does', () => {
    const { pipe, output, late } = sessions();
    pipe('a', 30);
    pipe('b', 15); // stream time 30, grace 5, gap 10: [15, 15] could still take a record at 25, so it is open
    pipe('c', 14); // ends before 15: late
    expect(rows(output)).toEqual([
      ['a', 30, 30, 1n, 30],
      ['b', 15, 15, 1n, 15],
    ]);
    expect(late.count).toBe(1);
  });

  it('a record inside a session deletes it downstream before its new result, as Kafka Streams does', () => {
    const { pipe, output } = sessions();
    pipe('a', 0);
    pipe('a', 10);
    pipe('a', 5); // inside [0, 10]: the merged session has the same bounds
    pipe('a', 5); // the same again
    pipe('b', 7);
    pipe('b', 7); // repeats the one-point session [7, 7]: overwritten, not deleted
    expect(rows(output)).toEqual([
      ['a', 0, 0, 1n, 0],
      ['a', 0, 0, null, 0],
      ['a', 0, 10, 2n, 10],
      ['a', 0, 10, null, 10],
      ['a', 0, 10, 3n, 10],
      ['a', 0, 10, null, 10],
      ['a', 0, 10, 4n, 10],
      ['b', 7, 7, 1n, 7],
      ['b', 7, 7, 2n, 7],
    ]);
  });

  it('emits each session once, when stream time passes its end + gap + grace', () => {
    const { pipe, output, late } = sessions('final');
    pipe('a', 0);
    pipe('a', 5);
    pipe('a', 20); // 20 <= 5 + 10 + 5: [0, 5] could still grow
    expect(output.isEmpty()).toBe(true);
    pipe('a', 30);
    expect(rows(output)).toEqual([['a', 0, 5, 2n, 5]]);
    pipe('b', 12); // late
    pipe('a', 17);
    pipe('a', 45);
    pipe('a', 38);
    pipe('c', 60); // [17, 45] is final only after 45 + 10 + 5
    expect(output.isEmpty()).toBe(true);
    pipe('c', 61);
    expect(rows(output)).toEqual([['a', 17, 45, 5n, 45]]);
    expect(late.count).toBe(1);
  });

  it('never merges a closed session, whatever the retention keeps', () => {
    const { pipe, output } = windowed(
      (g) => g.windowedBy(SessionWindows.ofInactivityGapWithNoGrace(10)).count({ store: 'kept-sessions', retentionMs: 1_000 }),
      (s) => sessionWindowedSerde(s),
    );
    pipe('u', 0);
    pipe('u', 20); // [0, 0] closes: 0 + gap 10 is before stream time 20
    pipe('u', 10); // within the gap of both, but only [20, 20] is open
    expect(rows(output)).toEqual([
      ['u', 0, 0, 1n, 0],
      ['u', 20, 20, 1n, 20],
      ['u', 20, 20, null, 20],
      ['u', 10, 20, 2n, 20],
    ]);
  });

  it('aggregates with a merger for merged sessions', () => {
    const { pipe, output } = windowed(
      (g) =>
        g
          .windowedBy(SessionWindows.ofInactivityGapAndGrace(10, 10))
          .aggregate(
            () => '',
            (_k, v, agg) => agg + v,
            (_k, left, right) => `${left}|${right}`,
            { value: serdes.string(), store: 'pages' },
          ),
      (s) => sessionWindowedSerde(s),
      'string',
    );
    pipe('u', 0, 'home');
    pipe('u', 20, 'cart');
    pipe('u', 10, 'item'); // within the gap of both, both still open: merges them
    expect(rows(output)).toEqual([
      ['u', 0, 0, 'home', 0],
      ['u', 20, 20, 'cart', 20],
      ['u', 0, 0, null, 0],
      ['u', 20, 20, null, 20],
      ['u', 0, 20, '|home|cartitem', 20],
    ]);
  });
});

describe('window store retention', () => {
  it('keeps windows for retentionMs after the newest window start, then drops them', () => {
    const { driver, pipe } = windowed(
      (g) => g.windowedBy(TimeWindows.ofSizeWithNoGrace(10)).count({ store: 'kept', retentionMs: 30 }),
      (s) => windowedSerde(s, 10),
    );
    for (const t of [5, 15, 25, 35]) pipe('a', t);
    const store = driver.getWindowStore<string, bigint>('kept');
    expect([...store.fetch('a', 0, 100)].map((w) => w.key)).toEqual([0, 10, 20, 30]);
    pipe('a', 45);
    expect(store.fetch('a', 0)).toBeUndefined();
    expect([...store.fetch('a', 0, 100)].map((w) => w.key)).toEqual([10, 20, 30, 40]);
  });

  it('defaults to size + grace, and refuses a shorter retention', () => {
    const { driver, pipe, builder } = windowed(
      (g) => g.windowedBy(TimeWindows.ofSizeAndGrace(10, 5)).count({ store: 'short' }),
      (s) => windowedSerde(s, 10),
    );
    pipe('a', 5);
    pipe('a', 15);
    const store = driver.getWindowStore<string, bigint>('short');
    expect(store.fetch('a', 0)).toBe(1n); // newest start 10, retention 15
    pipe('a', 25);
    expect(store.fetch('a', 0)).toBeUndefined();
    expect(builder.build().stores().get('short')!.logConfig).toEqual({ 'cleanup.policy': 'compact,delete', 'retention.ms': String(15 + 86_400_000) });
    expect(() =>
      new StreamsBuilder({ warn: () => undefined })
        .source('in', { key: serdes.string(), value: serdes.string() })
        .groupByKey()
        .windowedBy(TimeWindows.ofSizeAndGrace(10, 5))
        .count({ store: 'bad', retentionMs: 14 }),
    ).toThrow(/retentionMs must be an integer >= 15/);
  });
});

describe('persistent window stores', () => {
  it('count the same on lmdb', async () => {
    const builder = new StreamsBuilder({ warn: () => undefined });
    builder
      .source('input', { key: serdes.string(), value: serdes.string() })
      .groupByKey()
      .windowedBy(TimeWindows.ofSizeAndGrace(10, 5))
      .count({ store: 'on-disk', persistent: true, emit: 'final' })
      .toStream()
      .sink('output');
    const driver = await TopologyTestDriver.create(builder.build());
    try {
      const input = driver.createInputTopic('input', serdes.string(), serdes.string());
      const output = driver.createOutputTopic('output', windowedSerde(serdes.string(), 10), serdes.int64());
      for (const [key, t] of [['a', 1], ['b', 2], ['a', 9], ['a', 12], ['a', 3], ['a', 15]] as const) input.pipeInput(key, 'x', t);
      expect(output.readRecordsToList().map((r) => [r.key!.key, r.key!.window.start, r.value, r.timestamp])).toEqual([
        ['a', 0, 3n, 9],
        ['b', 0, 1n, 2],
      ]);
      expect(driver.getWindowStore<string, bigint>('on-disk').fetch('a', 10)).toBe(2n);
    } finally {
      await driver.close();
    }
  });
});

describe('windows definitions', () => {
  it('reject sizes, advances and grace periods that cannot be', () => {
    expect(() => TimeWindows.ofSizeWithNoGrace(0)).toThrow(/the size must be an integer number of milliseconds >= 1/);
    expect(() => TimeWindows.ofSizeAndGrace(10, -1)).toThrow(/grace period/);
    expect(() => TimeWindows.ofSizeWithNoGrace(10).advanceBy(11)).toThrow(/must not exceed the window size/);
    expect(() => SlidingWindows.ofTimeDifferenceWithNoGrace(0)).toThrow(/time difference/);
    expect(() => SessionWindows.ofInactivityGapWithNoGrace(-5)).toThrow(/inactivity gap/);
    expect(TimeWindows.ofSizeWithNoGrace(10).advanceBy(5).windowsFor(12)).toEqual([5, 10]);
  });

  it('warns when a windowed aggregation has no store name', () => {
    const warnings: string[] = [];
    new StreamsBuilder({ warn: (m) => warnings.push(m) })
      .source('in', { key: serdes.string(), value: serdes.string() })
      .groupByKey()
      .windowedBy(TimeWindows.ofSizeWithNoGrace(10))
      .count();
    expect(warnings).toEqual([expect.stringMatching(/the window store of count\(\) has no name/)]);
  });
});
