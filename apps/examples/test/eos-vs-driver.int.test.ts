/**
 * The same topology, the same input: on the real broker under exactly_once, read back with
 * read_committed, a StreamsApp produces exactly what the TopologyTestDriver produces. Word count
 * (through a repartition topic) and a windowed count (tumbling windows with grace, late records,
 * emit 'update' and emit 'final'), whose window store is also queried while the app runs.
 */
import { StreamsApp, type Topology } from '@rivulet/core';
import { serdes } from '@rivulet/serde';
import { LateRecordCounter, StreamsBuilder, TimeWindows, windowedSerde, type EmitStrategy } from '@rivulet/streams';
import { KafkaTestHarness, TopologyTestDriver, type HarnessRecord } from '@rivulet/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { wordCountTopology } from '../src/word-count/topology.js';

const str = serdes.string();
const apps: StreamsApp[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.close()));
});

function startApp(kafka: KafkaTestHarness, topology: Topology, applicationId: string): Promise<StreamsApp> {
  const app = new StreamsApp(topology, {
    applicationId,
    brokers: kafka.brokers,
    processingGuarantee: 'exactly_once',
    logLevel: 'error',
    stateDir: `/tmp/rivulet-test-state/${applicationId}`,
  });
  apps.push(app);
  return app.start().then(() => app);
}

/** Sorted, so that two outputs compare as multisets: same records, same number of times, any interleaving. */
const sorted = (lines: readonly string[]): string[] => [...lines].sort();

/**
 * Waits (up to 10 s) until `read()` returns `expected`; the caller then asserts, so a mismatch
 * fails with a diff. The output can be complete a moment before the last records of the same
 * batch reach the store: the store is eventually what the driver's is.
 */
async function settled(kafka: KafkaTestHarness, read: () => string[], expected: string[]): Promise<string[]> {
  const canonical = (lines: string[]): string => lines.join('\n');
  await kafka.eventually(async () => (canonical(read()) === canonical(expected) ? true : undefined), 10_000).catch(() => undefined);
  return read();
}

/** Lines of text made from a small vocabulary, deterministic. */
function makeLines(count: number): string[] {
  const words = ['kafka', 'stream', 'table', 'Window', 'join', 'state', 'store', 'commit', 'offset', 'topic', 'the', 'a'];
  let x = 11;
  const next = (n: number): number => {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    return x % n;
  };
  return Array.from({ length: count }, () => Array.from({ length: 1 + next(9) }, () => words[next(words.length)]!).join(next(3) === 0 ? ', ' : ' '));
}

describe('exactly_once on the broker produces what the TopologyTestDriver produces', () => {
  it('word count: every update, and the final count per word', async () => {
    const kafka = new KafkaTestHarness();
    const input = kafka.uniqueName('eos-lines');
    const output = kafka.uniqueName('eos-word-counts');
    const applicationId = kafka.uniqueName('eos-word-count');
    await Promise.all([kafka.createTopic(input, 3), kafka.createTopic(output, 2)]);
    const lines = makeLines(400);

    const driver = new TopologyTestDriver(wordCountTopology({ input, output }), { applicationId });
    const lineInput = driver.createInputTopic(input, str, str);
    for (const line of lines) lineInput.pipeInput(null, line);
    const expected = driver.createOutputTopic(output, str, serdes.int64()).readKeyValuesToList();
    const expectedCounts = new Map(expected.map(([word, count]) => [word!, count!]));
    await driver.close();
    expect(expected.length).toBeGreaterThan(1500);

    const app = await startApp(kafka, wordCountTopology({ input, output }), applicationId);
    // Null keys: the lines spread over the 3 input partitions; the repartition by word brings each word to one task.
    await kafka.produce(input, lines.map((line) => ({ key: null, value: line })));
    await kafka.readAtLeast(output, expected.length, 45_000);
    // Interactive query while the app runs: its store holds the driver's final counts.
    const store = app.store<string, bigint>('word-counts');
    const storeCounts = () => sorted([...store.all()].map((e) => `${e.key}=${e.value}`));
    const expectedStore = sorted([...expectedCounts].map(([word, count]) => `${word}=${count}`));
    expect(await settled(kafka, storeCounts, expectedStore)).toEqual(expectedStore);
    await app.close();

    const actual = await kafka.readAll(output);
    const line = (word: string | null, count: bigint | null): string => `${word}=${count}`;
    // Each word's counts 1, 2, ..., n, once each: nothing lost, nothing repeated.
    expect(sorted(actual.map((r) => line(r.key, r.valueBytes!.readBigInt64BE())))).toEqual(sorted(expected.map(([w, c]) => line(w, c))));
    const finalCounts = new Map<string, bigint>();
    for (const r of actual) finalCounts.set(r.key!, r.valueBytes!.readBigInt64BE());
    expect(finalCounts).toEqual(expectedCounts);
  });

  describe('windowed count: 10 s tumbling windows with 5 s grace', () => {
    const SIZE = 10_000;
    const GRACE = 5_000;
    const STORE = 'counts-per-window';
    // An hour ago, on a minute (so on a window start: T0, T0 + 10 s, ...): recent enough for the broker's timestamp checks and retention.
    const T0 = Math.floor(Date.now() / 60_000) * 60_000 - 3_600_000;
    const KEYS = ['k0', 'k1', 'k2', 'k3', 'k4', 'k5'];

    function windowedCount(input: string, output: string, emit: EmitStrategy, lateRecords: LateRecordCounter): Topology {
      // Quiet: the late records are meant; the counter counts them (and the app, whose logger is at 'error', logs them as dropped).
      const builder = new StreamsBuilder({ warn: () => undefined });
      builder
        .source(input, { key: str, value: str })
        .groupByKey()
        .windowedBy(TimeWindows.ofSizeAndGrace(SIZE, GRACE))
        // Retention well past size + grace, so the store still holds every window when the test reads it.
        .count({ store: STORE, emit, retentionMs: 10 * 60_000, lateRecords })
        .toStream()
        .sink(output, { value: serdes.int64() });
      return builder.build();
    }

    interface Event {
      key: string;
      timestamp: number;
      partition: number;
    }

    /**
     * One tick per second for a minute, then one far ahead that closes every earlier window. Each
     * tick gives every key a record first (keys k0, k2, k4 on partition 0, the others on 1): so
     * both tasks see each tick and their stream time follows the driver's single one. Then some keys
     * get another record at the tick's time, and every 7th tick brings a record 12 s old, which is
     * late (dropped) when its window ended 5 s or more ago, else within grace.
     */
    function timeline(): Event[] {
      const events: Event[] = [];
      const at = (i: number, timestamp: number) => events.push({ key: KEYS[i]!, timestamp, partition: i % 2 });
      for (let step = 0; step < 60; step++) {
        const t = T0 + step * 1000;
        for (let i = 0; i < KEYS.length; i++) at(i, t);
        for (let i = 0; i < KEYS.length; i++) if ((step + i) % 3 === 0) at(i, t);
        if (step % 7 === 6) at(step % KEYS.length, t - 12_000);
      }
      for (let i = 0; i < KEYS.length; i++) at(i, T0 + 100_000);
      return events;
    }

    const windowLine = (key: string, start: number, count: bigint): string => `${key}@${(start - T0) / 1000}s=${count}`;

    async function compare(emit: EmitStrategy): Promise<void> {
      const kafka = new KafkaTestHarness();
      const input = kafka.uniqueName(`eos-events-${emit}`);
      const output = kafka.uniqueName(`eos-window-counts-${emit}`);
      const applicationId = kafka.uniqueName(`eos-windowed-${emit}`);
      await Promise.all([kafka.createTopic(input, 2), kafka.createTopic(output, 2)]);
      const events = timeline();

      const driverLate = new LateRecordCounter();
      const driver = new TopologyTestDriver(windowedCount(input, output, emit, driverLate), { applicationId });
      const eventInput = driver.createInputTopic(input, str, str);
      for (const e of events) eventInput.pipeInput(e.key, 'x', e.timestamp);
      const expected = driver
        .createOutputTopic(output, windowedSerde(str, SIZE), serdes.int64())
        .readKeyValuesToList()
        .map(([w, count]) => windowLine(w!.key, w!.window.start, count!));
      const expectedStore = [...driver.getWindowStore<string, bigint>(STORE).all()].map((e) => windowLine(e.key.key, e.key.window.start, e.value));
      const expectedK3 = [...driver.getWindowStore<string, bigint>(STORE).fetch('k3', T0, T0 + 60_000)];
      await driver.close();
      // The input is what the timeline says: of the 8 old records, those of ticks 13 and 34 come
      // within grace, the other 6 are dropped. 'final': 6 keys x 6 closed windows; 'update': one
      // update per record kept (494 records, 6 dropped).
      expect(driverLate.count).toBe(6);
      expect(expected).toHaveLength(emit === 'final' ? 36 : 488);

      const late = new LateRecordCounter();
      const app = await startApp(kafka, windowedCount(input, output, emit, late), applicationId);
      await kafka.produce(
        input,
        events.map((e) => ({ key: e.key, value: 'x', timestamp: e.timestamp, partition: e.partition })),
      );
      await kafka.readAtLeast(output, expected.length, 45_000);

      // Interactive queries while the app runs, on the window store of both tasks.
      const windows = app.windowStore<string, bigint>(STORE);
      const storeLines = () => sorted([...windows.all()].map((e) => windowLine(e.key.key, e.key.window.start, e.value)));
      expect(await settled(kafka, storeLines, sorted(expectedStore))).toEqual(sorted(expectedStore));
      expect([...windows.fetch('k3', T0, T0 + 60_000)]).toEqual(expectedK3);
      // k0 in [10 s, 20 s): 10 ticks, 3 of them (12, 15, 18) with a second record; the newest at 19 s.
      expect(windows.fetch('k0', T0 + 10_000)).toBe(13n);
      expect(app.timestampedWindowStore<string, bigint>(STORE).fetch('k0', T0 + 10_000)?.timestamp).toBe(T0 + 19_000);
      expect(windows.fetch('nobody', T0)).toBeUndefined();
      await app.close();

      const decode = windowedSerde(str, SIZE);
      const actual = (await kafka.readAll(output)).map((r: HarnessRecord) => {
        const w = decode.deserialize(output, r.keyBytes!) as { key: string; window: { start: number } };
        return windowLine(w.key, w.window.start, r.valueBytes!.readBigInt64BE());
      });
      expect(sorted(actual)).toEqual(sorted(expected));
      // The counter is a metric of this process, not part of a transaction: a batch replayed after an
      // aborted transaction counts its late records again.
      expect(late.count).toBeGreaterThanOrEqual(driverLate.count);
    }

    it("emit 'final': one result per key and closed window, the same as the driver's", async () => {
      await compare('final');
    });

    it("emit 'update': every update per key and window, the same as the driver's", async () => {
      await compare('update');
    });
  });
});
