import { partitionForKey, ProcessingError, Stores, type KeyValueStore, type ProcessorContext, type ProcessorSupplier, type StreamRecord } from '@rivulet/core';
import { serdes } from '@rivulet/serde';
import { StreamsBuilder, TimeWindows } from '@rivulet/streams';
import { delay, filter, from, map, mergeMap, scan, take, tap } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { TopologyTestDriver, type TopologyTestDriverOptions } from '../../../src/index.js';

const str = serdes.string();
const int = serdes.int32();
const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

/** A builder whose warnings are kept (see `builder.warnings`), not printed. */
function newBuilder(): StreamsBuilder {
  return new StreamsBuilder({ warn: () => undefined });
}

function drive(builder: StreamsBuilder, options: TopologyTestDriverOptions = {}): TopologyTestDriver {
  return new TopologyTestDriver(builder.build(), { logger: quiet, ...options });
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe('stateless operators', () => {
  it('map: new key and value per record, timestamp kept', () => {
    const b = newBuilder();
    b.source('in', { key: str, value: str })
      .map((k, v) => [v, k.length] as const)
      .sink('out', { key: str, value: int });
    const driver = drive(b);
    const input = driver.createInputTopic('in', str, str);
    input.pipeInput('ab', 'x', 10);
    input.pipeInput('abc', 'y', 20);
    expect(driver.createOutputTopic('out', str, int).readRecordsToList()).toEqual([
      { key: 'x', value: 2, timestamp: 10, headers: {}, partition: undefined },
      { key: 'y', value: 3, timestamp: 20, headers: {}, partition: undefined },
    ]);
  });

  it('mapValues: new value, key and key serde kept', () => {
    const b = newBuilder();
    b.source('in', { key: str, value: str })
      .mapValues((v, k) => `${k}:${v.toUpperCase()}`)
      .sink('out', { value: str });
    const driver = drive(b);
    driver.createInputTopic('in', str, str).pipeKeyValueList([
      ['a', 'x'],
      ['b', 'y'],
    ]);
    expect(driver.createOutputTopic('out', str, str).readKeyValuesToList()).toEqual([
      ['a', 'a:X'],
      ['b', 'b:Y'],
    ]);
  });

  it('flatMap: zero or more records per record, each with a new key', () => {
    const b = newBuilder();
    b.source('in', { key: str, value: str })
      .flatMap((k, v) => (v === '' ? [] : v.split(',').map((w) => [w, k] as const)))
      .sink('out', { key: str, value: str });
    const driver = drive(b);
    driver.createInputTopic('in', str, str).pipeKeyValueList([
      ['k1', 'a,b'],
      ['k2', ''],
      ['k3', 'c'],
    ]);
    expect(driver.createOutputTopic('out', str, str).readKeyValuesToList()).toEqual([
      ['a', 'k1'],
      ['b', 'k1'],
      ['c', 'k3'],
    ]);
  });

  it('flatMapValues: zero or more values per record, keeping the key', () => {
    const b = newBuilder();
    b.source('in', { key: str, value: str })
      .flatMapValues((v) => v.split(' ').filter((w) => w.length > 0))
      .sink('out', { value: str });
    const driver = drive(b);
    driver.createInputTopic('in', str, str).pipeKeyValueList([
      ['k1', 'the cat'],
      ['k2', ' '],
      [null, 'hat'],
    ]);
    expect(driver.createOutputTopic('out', str, str).readKeyValuesToList()).toEqual([
      ['k1', 'the'],
      ['k1', 'cat'],
      [null, 'hat'],
    ]);
  });

  it('filter keeps and filterNot drops what the predicate accepts', () => {
    const b = newBuilder();
    const numbers = b.source('in', { key: str, value: int });
    numbers.filter((_k, v) => v % 2 === 0).sink('evens');
    numbers.filterNot((_k, v) => v % 2 === 0).sink('odds');
    const driver = drive(b);
    driver.createInputTopic('in', str, int).pipeKeyValueList([1, 2, 3, 4, 5].map((n) => [`k${n}`, n] as const));
    expect(driver.createOutputTopic('evens', str, int).readKeyValuesToList()).toEqual([
      ['k2', 2],
      ['k4', 4],
    ]);
    expect(driver.createOutputTopic('odds', str, int).readKeyValuesToList()).toEqual([
      ['k1', 1],
      ['k3', 3],
      ['k5', 5],
    ]);
  });

  it('selectKey: a new key from key and value, value kept', () => {
    const b = newBuilder();
    b.source('in', { key: str, value: str })
      .selectKey((k, v) => `${v[0]}-${k}`)
      .sink('out', { key: str });
    const driver = drive(b);
    driver.createInputTopic('in', str, str).pipeKeyValueList([
      ['1', 'apple'],
      ['2', 'banana'],
    ]);
    expect(driver.createOutputTopic('out', str, str).readKeyValuesToList()).toEqual([
      ['a-1', 'apple'],
      ['b-2', 'banana'],
    ]);
  });

  it('peek: sees every record and passes it on unchanged', () => {
    const seen: [string, string][] = [];
    const b = newBuilder();
    b.source('in', { key: str, value: str })
      .peek((k, v) => seen.push([k, v]))
      .sink('out');
    const driver = drive(b);
    driver.createInputTopic('in', str, str).pipeKeyValueList([
      ['a', '1'],
      ['b', '2'],
    ]);
    expect(seen).toEqual([
      ['a', '1'],
      ['b', '2'],
    ]);
    expect(driver.createOutputTopic('out', str, str).readKeyValuesToList()).toEqual(seen);
  });

  it('split: each record goes to the first branch that accepts it, else to the default branch', () => {
    const b = newBuilder();
    const branches = b
      .source('in', { key: str, value: int })
      .split({ name: 'size' })
      .branch('small', (_k, v) => v < 10)
      .branch('medium', (_k, v) => v < 100)
      .defaultBranch('large');
    branches.small.sink('small');
    branches.medium.sink('medium');
    branches.large.sink('large');
    const driver = drive(b);
    driver.createInputTopic('in', str, int).pipeKeyValueList([
      ['a', 5],
      ['b', 50],
      ['c', 500],
      ['d', 9],
    ]);
    // 5 and 9 are also < 100: the first matching branch wins.
    expect(driver.createOutputTopic('small', str, int).readKeyValuesToList()).toEqual([
      ['a', 5],
      ['d', 9],
    ]);
    expect(driver.createOutputTopic('medium', str, int).readKeyValuesToList()).toEqual([['b', 50]]);
    expect(driver.createOutputTopic('large', str, int).readKeyValuesToList()).toEqual([['c', 500]]);
    expect(b.build().describe().toString()).toContain('Processor: size-small');
  });

  it('split without a default branch drops what no branch accepts', () => {
    const b = newBuilder();
    const { even } = b
      .source('in', { key: str, value: int })
      .split()
      .branch('even', (_k, v) => v % 2 === 0)
      .noDefaultBranch();
    even.sink('even');
    const driver = drive(b);
    driver.createInputTopic('in', str, int).pipeKeyValueList([
      ['a', 1],
      ['b', 2],
    ]);
    expect(driver.createOutputTopic('even', str, int).readKeyValuesToList()).toEqual([['b', 2]]);
  });

  it('merge: the records of both streams, in the order they are processed', () => {
    const b = newBuilder();
    const left = b.source('left', { key: str, value: str });
    const right = b.source('right', { key: str, value: str });
    left.merge(right).mapValues((v) => v.toUpperCase()).sink('out', { value: str });
    const driver = drive(b);
    const l = driver.createInputTopic('left', str, str);
    const r = driver.createInputTopic('right', str, str);
    l.pipeInput('k', 'l1');
    r.pipeInput('k', 'r1');
    l.pipeInput('k', 'l2');
    expect(driver.createOutputTopic('out', str, str).readKeyValuesToList()).toEqual([
      ['k', 'L1'],
      ['k', 'R1'],
      ['k', 'L2'],
    ]);
  });

  it('repartition: writes through <applicationId>-<name>-repartition with the partition count given, fed back by the driver', () => {
    const b = newBuilder();
    b.source('in', { key: str, value: str })
      .selectKey((_k, v) => v.toUpperCase())
      .repartition({ name: 'by-value', numPartitions: 3, key: str, value: str })
      .mapValues((v) => `${v}!`)
      .sink('out', { value: str });
    const topology = b.build();
    expect(topology.internalTopicDefs().get('by-value-repartition')).toMatchObject({ numPartitions: 3 });
    expect(topology.subTopologies().map((s) => s.sourceTopics)).toEqual([['in'], ['by-value-repartition']]);
    expect(b.warnings).toEqual([]);
    const driver = new TopologyTestDriver(topology, { applicationId: 'app', logger: quiet });
    driver.createInputTopic('in', str, str).pipeKeyValueList([
      ['1', 'a'],
      ['2', 'b'],
    ]);
    expect(driver.createOutputTopic('out', str, str).readKeyValuesToList()).toEqual([
      ['A', 'a!'],
      ['B', 'b!'],
    ]);
  });

  it('repartition without a name warns and uses a generated topic', () => {
    const b = newBuilder();
    b.source('in', { key: str, value: str }).repartition().sink('out');
    expect(b.warnings).toEqual([
      "repartition() has no name and got 'KSTREAM-REPARTITION-0000000001', which changes when the topology changes and orphans its state: pass a name",
    ]);
    const driver = drive(b);
    driver.createInputTopic('in', str, str).pipeInput('k', 'v');
    expect(driver.createOutputTopic('out', str, str).readKeyValuesToList()).toEqual([['k', 'v']]);
  });

  it('process: a Processor API processor with a store (first value per key only)', () => {
    const firstPerKey: ProcessorSupplier<string, string, string, string> = () => {
      let ctx!: ProcessorContext<string, string>;
      let seen!: KeyValueStore<string, string>;
      return {
        init: (context) => {
          ctx = context;
          seen = context.getStateStore<KeyValueStore<string, string>>('first-seen');
        },
        process: (record) => {
          if (seen.get(record.key) !== undefined) return;
          seen.put(record.key, record.value);
          ctx.forward(record.withValue(`first:${record.value}`));
        },
      };
    };
    const b = newBuilder();
    b.source('in', { key: str, value: str })
      .process(firstPerKey, { name: 'dedup', stores: [Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore('first-seen'), str, str)] })
      .sink('out', { key: str, value: str });
    const driver = drive(b);
    driver.createInputTopic('in', str, str).pipeKeyValueList([
      ['a', '1'],
      ['b', '2'],
      ['a', '3'],
    ]);
    expect(driver.createOutputTopic('out', str, str).readKeyValuesToList()).toEqual([
      ['a', 'first:1'],
      ['b', 'first:2'],
    ]);
    expect(driver.getKeyValueStore<string, string>('first-seen').get('a')).toBe('1');
  });

  it('sink: a topic chosen per record by a topic extractor', () => {
    const b = newBuilder();
    b.source('in', { key: str, value: int }).sink((_k, v) => (v % 2 === 0 ? 'out-even' : 'out-odd'));
    const driver = drive(b);
    driver.createInputTopic('in', str, int).pipeKeyValueList([
      ['a', 1],
      ['b', 2],
      ['c', 3],
    ]);
    expect(driver.createOutputTopic('out-even', str, int).readKeyValuesToList()).toEqual([['b', 2]]);
    expect(driver.createOutputTopic('out-odd', str, int).readKeyValuesToList()).toEqual([
      ['a', 1],
      ['c', 3],
    ]);
  });

  it('sink: a custom partitioner picks the partition; without one it is murmur2 of the key', () => {
    const b = newBuilder();
    const source = b.source('in', { key: str, value: str });
    source.sink('custom', { partitioner: ({ key, partitionCount }) => (key === null ? 0 : key.length % partitionCount) });
    source.sink('default');
    const driver = drive(b, { partitionCounts: { custom: 4, default: 4 } });
    driver.createInputTopic('in', str, str).pipeKeyValueList([
      ['a', '1'],
      ['bbb', '2'],
      ['cccccc', '3'],
    ]);
    expect(driver.createOutputTopic('custom', str, str).readRecordsToList().map((r) => [r.key, r.partition])).toEqual([
      ['a', 1],
      ['bbb', 3],
      ['cccccc', 2],
    ]);
    expect(driver.createOutputTopic('default', str, str).readRecordsToList().map((r) => [r.key, r.partition])).toEqual(
      ['a', 'bbb', 'cccccc'].map((k) => [k, partitionForKey(Buffer.from(k), 4)]),
    );
  });
});

describe('pipe() with standard RxJS operators', () => {
  it('filter and map over records', () => {
    const b = newBuilder();
    b.source('in', { key: str, value: int })
      .pipe(
        filter((r: StreamRecord<string, number>) => r.value > 0),
        map((r) => r.withValue(r.value * 2)),
      )
      .sink('out', { key: str, value: int });
    const driver = drive(b);
    driver.createInputTopic('in', str, int).pipeKeyValueList([
      ['a', 1],
      ['b', -1],
      ['c', 3],
    ]);
    expect(driver.createOutputTopic('out', str, int).readKeyValuesToList()).toEqual([
      ['a', 2],
      ['c', 6],
    ]);
  });

  it('mergeMap, with a scan over the parts of one record, and tap', () => {
    const tapped: string[] = [];
    const b = newBuilder();
    b.source('in', { key: str, value: str })
      .pipe(
        // A running total over the words of one record: the inner chain starts afresh per record.
        // (A scan across records keeps state outside any store: the task fails, see rx-pipe.test.ts.)
        mergeMap((r: StreamRecord<string, string>) =>
          from(r.value.split(' ')).pipe(scan((total, w) => r.withKey(w).withValue(total.value + w.length), r.withValue(0))),
        ),
        tap((r) => tapped.push(r.key)),
      )
      .sink('out', { key: str, value: int });
    const driver = drive(b);
    const input = driver.createInputTopic('in', str, str);
    input.pipeInput(null, 'the cat');
    input.pipeInput(null, 'sat');
    // The operators run twice per record: in the task's chain, then on the record alone.
    expect(tapped).toEqual(['the', 'cat', 'the', 'cat', 'sat', 'sat']);
    expect(driver.createOutputTopic('out', str, int).readKeyValuesToList()).toEqual([
      ['the', 3],
      ['cat', 6],
      ['sat', 3],
    ]);
  });

  it('an operator that throws fails that record only: skipped under log-and-continue, the chain rebuilt', () => {
    const b = newBuilder();
    b.source('in', { key: str, value: str })
      .pipe(
        map((r: StreamRecord<string, string>) => {
          if (r.value === 'bad') throw new Error('bad record');
          return r.withValue(r.value.toUpperCase());
        }),
      )
      .sink('out', { key: str, value: str });
    const driver = drive(b, { processingExceptionHandler: 'log-and-continue' });
    driver.createInputTopic('in', str, str).pipeKeyValueList([
      ['a', 'x'],
      ['b', 'bad'],
      ['c', 'y'],
    ]);
    expect(driver.createOutputTopic('out', str, str).readKeyValuesToList()).toEqual([
      ['a', 'X'],
      ['c', 'Y'],
    ]);
  });

  it("an operator that throws stops the app under 'fail', naming the record", () => {
    const b = newBuilder();
    b.source('in', { key: str, value: str })
      .pipe(
        map((r: StreamRecord<string, string>) => {
          if (r.value === 'bad') throw new Error('bad record');
          return r;
        }),
      )
      .sink('out', { key: str, value: str });
    const driver = drive(b);
    const input = driver.createInputTopic('in', str, str);
    input.pipeInput('a', 'ok');
    expect(() => input.pipeInput('b', 'bad')).toThrow(
      expect.objectContaining({ name: 'ProcessingError', topic: 'in', partition: 0, offset: '1', message: expect.stringMatching(/bad record/) }),
    );
  });

  it('an async operator (delay) fails the task: its late emission is reported, never forwarded', async () => {
    const b = newBuilder();
    b.source('in', { key: str, value: str })
      .pipe(delay(5))
      .sink('out', { key: str, value: str });
    const driver = drive(b);
    const input = driver.createInputTopic('in', str, str);
    input.pipeInput('a', 'x');
    await sleep(30);
    const output = driver.createOutputTopic('out', str, str);
    expect(output.isEmpty()).toBe(true);
    const error = await driver.flushAsync().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProcessingError);
    expect((error as Error).message).toMatch(/emitted outside the processing of a record .*delay.*Use mapAsync\/flatMapAsync/);
    expect(() => input.pipeInput('b', 'y')).toThrow(/emitted outside the processing of a record/);
    expect(output.isEmpty()).toBe(true);
  });

  it('a completing operator (take) fails the task instead of dropping every later record', () => {
    const b = newBuilder();
    b.source('in', { key: str, value: str })
      .pipe(take(1))
      .sink('out', { key: str, value: str });
    const driver = drive(b);
    const input = driver.createInputTopic('in', str, str);
    expect(() => input.pipeInput('a', 'x')).toThrow(/completed \(an operator such as take or first\)/);
    expect(() => input.pipeInput('b', 'y')).toThrow(/completed/);
  });
});

describe('mapAsync and flatMapAsync', () => {
  /** An async function that records how many calls run at once; later records finish first. */
  function tracked<T>(result: (value: string) => T) {
    const stats = { inFlight: 0, maxInFlight: 0, calls: [] as string[] };
    const fn = async (value: string): Promise<T> => {
      stats.calls.push(value);
      stats.inFlight++;
      stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
      await sleep(Math.max(1, 16 - Number(value.slice(1)) * 2));
      stats.inFlight--;
      return result(value);
    };
    return { stats, fn };
  }

  const values = Array.from({ length: 8 }, (_, i) => `v${i}`);

  it('mapAsync keeps the input order and never runs more than `concurrency` calls at once', async () => {
    const { stats, fn } = tracked((v) => v.toUpperCase());
    const b = newBuilder();
    b.source('in', { key: str, value: str })
      .mapAsync(fn, { concurrency: 3, name: 'upper-async' })
      .sink('out', { value: str });
    const driver = drive(b);
    await driver.createInputTopic('in', str, str).pipeKeyValueListAsync(values.map((v, i) => [`k${i}`, v] as const));
    expect(driver.createOutputTopic('out', str, str).readKeyValuesToList()).toEqual(values.map((v, i) => [`k${i}`, v.toUpperCase()]));
    expect(stats.maxInFlight).toBe(3);
    expect(stats.calls).toEqual(values);
  });

  it('mapAsync runs one call at a time by default', async () => {
    const { stats, fn } = tracked((v) => v.length);
    const b = newBuilder();
    b.source('in', { key: str, value: str }).mapAsync(fn).sink('out', { value: int });
    const driver = drive(b);
    await driver.createInputTopic('in', str, str).pipeValueListAsync(values.slice(0, 4));
    expect(driver.createOutputTopic('out', str, int).readValuesToList()).toEqual([2, 2, 2, 2]);
    expect(stats.maxInFlight).toBe(1);
  });

  it('flatMapAsync forwards every value of each result, in input order', async () => {
    const { stats, fn } = tracked((v) => (v === 'v2' ? [] : [`${v}a`, `${v}b`]));
    const b = newBuilder();
    b.source('in', { key: str, value: str })
      .flatMapAsync(fn, { concurrency: 4 })
      .sink('out', { value: str });
    const driver = drive(b);
    await driver.createInputTopic('in', str, str).pipeValueListAsync(values.slice(0, 5));
    expect(driver.createOutputTopic('out', str, str).readValuesToList()).toEqual(['v0a', 'v0b', 'v1a', 'v1b', 'v3a', 'v3b', 'v4a', 'v4b']);
    expect(stats.maxInFlight).toBe(4);
  });

  it('the synchronous pipeInput throws a clear error while async work is in flight; flushAsync finishes it', async () => {
    const b = newBuilder();
    b.source('in', { key: str, value: str })
      .mapAsync(async (v) => `${v}!`)
      .sink('out', { value: str });
    const driver = drive(b);
    const input = driver.createInputTopic('in', str, str);
    expect(() => input.pipeInput('k', 'v')).toThrow(/async work \(mapAsync, flatMapAsync\) is still in flight .*use pipeInputAsync/);
    await driver.flushAsync();
    expect(driver.createOutputTopic('out', str, str).readKeyValuesToList()).toEqual([['k', 'v!']]);
    await input.pipeInputAsync('k2', 'w');
    expect(driver.createOutputTopic('out', str, str).readKeyValuesToList()).toEqual([['k2', 'w!']]);
  });

  it("a rejected call stops the app under 'fail' with the record's topic, partition and offset", async () => {
    const b = newBuilder();
    b.source('in', { key: str, value: str })
      .mapAsync(async (v) => {
        await sleep(1);
        if (v === 'bad') throw new Error('lookup failed');
        return v.toUpperCase();
      }, { concurrency: 2 })
      .sink('out', { value: str });
    const driver = drive(b);
    const input = driver.createInputTopic('in', str, str);
    const error = await input
      .pipeKeyValueListAsync([
        ['a', 'x'],
        ['b', 'bad'],
        ['c', 'y'],
      ])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProcessingError);
    expect(error).toMatchObject({ stage: 'processing', topic: 'in', partition: 0, offset: '1' });
    expect((error as Error).message).toBe('processing failed for the record at in-0 offset 1: lookup failed');
    // The records around it finished (at-least-once: they may be repeated after the restart).
    expect(driver.createOutputTopic('out', str, str).readKeyValuesToList()).toEqual([
      ['a', 'X'],
      ['c', 'Y'],
    ]);
  });

  it('a rejected call is skipped under log-and-continue; order holds for the rest', async () => {
    const b = newBuilder();
    b.source('in', { key: str, value: str })
      .flatMapAsync(async (v) => {
        if (v === 'bad') throw new Error('lookup failed');
        return [v];
      }, { concurrency: 3 })
      .sink('out', { value: str });
    const driver = drive(b, { processingExceptionHandler: 'log-and-continue' });
    await driver.createInputTopic('in', str, str).pipeValueListAsync(['a', 'bad', 'c', 'd']);
    expect(driver.createOutputTopic('out', str, str).readValuesToList()).toEqual(['a', 'c', 'd']);
  });

  it('results go on through a repartition and an aggregation', async () => {
    const b = newBuilder();
    b.source('in', { key: str, value: str })
      .mapAsync(async (v) => v.toLowerCase(), { concurrency: 2 })
      .groupBy((_k, v) => v, { key: str, value: str, name: 'words' })
      .count({ store: 'word-counts' })
      .toStream()
      .sink('counts', { key: str, value: serdes.int64() });
    const driver = drive(b);
    await driver.createInputTopic('in', str, str).pipeValueListAsync(['A', 'b', 'a']);
    expect(driver.createOutputTopic('counts', str, serdes.int64()).readKeyValuesToList()).toEqual([
      ['a', 1n],
      ['b', 1n],
      ['a', 2n],
    ]);
  });

  it('rejects a concurrency that is not an integer >= 1 where the topology is built', () => {
    const stream = newBuilder().source('in', { key: str, value: str });
    expect(() => stream.mapAsync(async (v) => v, { concurrency: 0 })).toThrow('mapAsync(): concurrency must be an integer >= 1, got 0');
    expect(() => stream.flatMapAsync(async (v) => [v], { concurrency: 1.5 })).toThrow(
      'flatMapAsync(): concurrency must be an integer >= 1, got 1.5',
    );
  });
});

describe('names and serdes', () => {
  it('warns about every stateful operator without a name, and not when all are named', () => {
    const unnamed = newBuilder();
    unnamed
      .source('in', { key: str, value: str })
      .groupBy((_k, v) => v, { key: str, value: str })
      .count()
      .toStream()
      .sink('out', { value: serdes.int64() });
    unnamed.table('t', { key: str, value: str });
    // Generated names carry a counter that moves with the topology: that is the point of the warning.
    const warning = (what: string, prefix: string) =>
      expect.stringMatching(
        new RegExp(`^${what} has no name and got '${prefix}-\\d{10}', which changes when the topology changes and orphans its state: pass a name$`),
      );
    expect(unnamed.warnings).toEqual([
      warning('the repartition topic of groupByKey\\(\\)/groupBy\\(\\)', 'KSTREAM-AGGREGATE'),
      warning('the store of count\\(\\)', 'KSTREAM-AGGREGATE-STATE-STORE'),
      warning("the store of table\\('t'\\)", 'KTABLE-SOURCE-STATE-STORE'),
    ]);

    const printed: string[] = [];
    const named = new StreamsBuilder({ warn: (m) => printed.push(m) });
    named
      .source('in', { key: str, value: str })
      .groupBy((_k, v) => v, { key: str, value: str, name: 'by-value' })
      .count({ store: 'counts' })
      .toStream()
      .sink('out', { value: serdes.int64() });
    named.table('t', { key: str, value: str, store: 't-store' });
    expect(named.warnings).toEqual([]);
    expect(printed).toEqual([]);
  });

  it('says which serde is missing after a key- or value-changing operator, and how to pass it or set a default', () => {
    const b = newBuilder();
    const mapped = b.source('in', { key: str, value: str }).map((k, v) => [v, k.length] as const);
    mapped.sink('out');
    // Serdes going straight to a topic or store may be the app's defaults: the check is at construction.
    expect(() => drive(b)).toThrow(
      /^sink 'KSTREAM-SINK-\d+' \(topic 'out'\) has no key serde; sink 'KSTREAM-SINK-\d+' \(topic 'out'\) has no value serde, and the app sets no default for it\. Fix: pass the serde .* or set defaultKeySerde \/ defaultValueSerde/,
    );
    // A windowed key serde is built from the key serde: that one must be known when the DSL is built.
    const values = b.source('in2', { key: str, value: str }).selectKey((_k, v) => v.length);
    expect(() => values.groupByKey({ name: 'g' }).windowedBy(TimeWindows.ofSizeWithNoGrace(10)).count({ store: 'w' })).toThrow(
      /windowed count\(\) needs a key serde to build on.*the app's default serdes do not reach here\): pass \{ key: serdes\.<type>\(\) \}/,
    );
  });
});
