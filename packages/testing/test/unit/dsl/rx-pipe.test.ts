/**
 * pipe() cannot hold records or state across records (issue 12, item 5): what its operators emit
 * for a record must be what they emit for that record alone; an operator that keeps state
 * (bufferCount, pairwise, scan, distinct...) stops the task at the first record where it shows,
 * before anything of that record is forwarded, whatever the processing exception handler.
 */
import { ProcessingError, StreamRecord } from '@rivulet/core';
import { serdes } from '@rivulet/serde';
import { StreamsBuilder } from '@rivulet/streams';
import {
  asyncScheduler,
  bufferCount,
  bufferTime,
  catchError,
  count,
  debounceTime,
  distinct,
  distinctUntilChanged,
  EMPTY,
  filter,
  from,
  last,
  map,
  mergeMap,
  of,
  pairwise,
  reduce,
  scan,
  skip,
  startWith,
  subscribeOn,
  tap,
  throttleTime,
  toArray,
  type OperatorFunction,
} from 'rxjs';
import { describe, expect, it } from 'vitest';
import { TopologyTestDriver } from '../../../src/index.js';

type Rec = StreamRecord<string, number>;
const str = serdes.string();
const int = serdes.int32();
const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

/** source 'in' (string keys, int values) -> pipe(...ops) -> sink 'out' (json values), under log-and-continue. */
function pipeDriver(ops: OperatorFunction<Rec, unknown>[]): TopologyTestDriver {
  const b = new StreamsBuilder({ warn: () => undefined });
  const piped = (b.source('in', { key: str, value: int }) as unknown as { pipe(...o: unknown[]): { sink(topic: string, options: object): void } }).pipe(...ops);
  piped.sink('out', { key: str, value: serdes.json<unknown>() });
  // 'log-and-continue': the state check stops the task whatever the handler.
  return new TopologyTestDriver(b.build(), { logger: quiet, processingExceptionHandler: 'log-and-continue' });
}

describe('pipe(): stateless operators', () => {
  it('filter, mergeMap over an array, map to new objects and tap pass the check and emit what they did before', () => {
    const tapped: string[] = [];
    const b = new StreamsBuilder({ warn: () => undefined });
    b.source('in', { key: str, value: str })
      .pipe(
        filter((r: StreamRecord<string, string>) => r.value !== ''),
        mergeMap((r) => r.value.split(' ').map((w) => r.withKey(w))),
        map((r) => r.withValue({ word: r.key, length: r.key.length, tags: [r.key[0]] })),
        tap((r) => tapped.push(r.key)),
      )
      .sink('out', { key: str, value: serdes.json<{ word: string; length: number; tags: string[] }>() });
    const driver = new TopologyTestDriver(b.build(), { logger: quiet });
    const input = driver.createInputTopic('in', str, str);
    input.pipeInput(null, 'the cat');
    input.pipeInput(null, '');
    input.pipeInput(null, 'sat');
    expect(driver.createOutputTopic('out', str, serdes.json<unknown>()).readKeyValuesToList()).toEqual([
      ['the', { word: 'the', length: 3, tags: ['t'] }],
      ['cat', { word: 'cat', length: 3, tags: ['c'] }],
      ['sat', { word: 'sat', length: 3, tags: ['s'] }],
    ]);
    // The operators run twice per record: in the task's chain, then on the record alone.
    expect(tapped).toEqual(['the', 'cat', 'the', 'cat', 'sat', 'sat']);
  });

  it('per-record state inside a mergeMap works: scan over the parts of one record, catchError for one record', () => {
    const b = new StreamsBuilder({ warn: () => undefined });
    b.source('in', { key: str, value: str })
      .pipe(
        mergeMap((r: StreamRecord<string, string>) =>
          of(r).pipe(
            map((one) => {
              if (one.value.includes('!')) throw new Error('unreadable');
              return one;
            }),
            // Drops this record only: the inner chain completes, the task's chain goes on.
            catchError(() => EMPTY),
          ),
        ),
        mergeMap((r) => from(r.value.split(',')).pipe(scan((total, part) => r.withValue(total.value + Number(part)), r.withValue(0)))),
      )
      .sink('out', { key: str, value: int });
    const driver = new TopologyTestDriver(b.build(), { logger: quiet });
    driver.createInputTopic('in', str, str).pipeKeyValueList([
      ['a', '1,2,3'],
      ['b', '4!'],
      ['c', '5,5'],
    ]);
    expect(driver.createOutputTopic('out', str, int).readKeyValuesToList()).toEqual([
      ['a', 1],
      ['a', 3],
      ['a', 6],
      ['c', 5],
      ['c', 10],
    ]);
  });

  it("a failure of the operators on a record goes to the handler, and nothing of that record is forwarded", () => {
    const b = new StreamsBuilder({ warn: () => undefined });
    b.source('in', { key: str, value: str })
      .pipe(
        mergeMap((r: StreamRecord<string, string>) => r.value.split(',').map((v) => r.withValue(v))),
        map((r) => {
          if (r.value === 'bad') throw new Error('bad part');
          return r.withValue(r.value.toUpperCase());
        }),
      )
      .sink('out', { key: str, value: str });
    const driver = new TopologyTestDriver(b.build(), { logger: quiet, processingExceptionHandler: 'log-and-continue' });
    driver.createInputTopic('in', str, str).pipeKeyValueList([
      ['1', 'a,b'],
      ['2', 'c,bad'],
      ['3', 'd'],
    ]);
    // 'C' came before the failure within record 2: it is not forwarded either.
    expect(driver.createOutputTopic('out', str, str).readKeyValuesToList()).toEqual([
      ['1', 'A'],
      ['1', 'B'],
      ['3', 'D'],
    ]);
  });
});

interface StatefulCase {
  readonly name: string;
  readonly ops: () => OperatorFunction<Rec, unknown>[];
  readonly inputs: readonly number[];
  /** The offset of the first record whose output shows the state. */
  readonly failsAt: number;
  /** What the records before it emitted (each what it emits alone). */
  readonly before: readonly unknown[];
  /** What the message says of the difference. */
  readonly says: RegExp;
}

const sum = (acc: Rec, r: Rec) => r.withValue(acc.value + r.value);

const STATEFUL: readonly StatefulCase[] = [
  { name: 'bufferCount(2)', ops: () => [bufferCount(2)], inputs: [1, 2], failsAt: 0, before: [], says: /emitted 0 records, but 1 record given this record alone; 1 record of those only when their input completed/ },
  { name: 'toArray()', ops: () => [toArray()], inputs: [1], failsAt: 0, before: [], says: /only when their input completed/ },
  { name: 'reduce(sum)', ops: () => [reduce(sum)], inputs: [1], failsAt: 0, before: [], says: /only when their input completed/ },
  { name: 'last()', ops: () => [last()], inputs: [1], failsAt: 0, before: [], says: /only when their input completed/ },
  { name: 'debounceTime(10)', ops: () => [debounceTime(10)], inputs: [1], failsAt: 0, before: [], says: /only when their input completed/ },
  { name: 'bufferTime(60 s)', ops: () => [bufferTime(60_000)], inputs: [1], failsAt: 0, before: [], says: /only when their input completed/ },
  { name: 'count()', ops: () => [count()], inputs: [1], failsAt: 0, before: [], says: /only when their input completed/ },
  { name: 'pairwise()', ops: () => [pairwise()], inputs: [1, 2], failsAt: 1, before: [], says: /emitted 1 record, but 0 records given this record alone/ },
  { name: 'skip(1)', ops: () => [skip(1)], inputs: [1, 2], failsAt: 1, before: [], says: /emitted 1 record, but 0 records/ },
  { name: 'scan(sum)', ops: () => [scan(sum)], inputs: [1, 2], failsAt: 1, before: [1], says: /emitted 1 record, as many as given this record alone, but with other contents/ },
  {
    name: 'scan(sum, seed)',
    ops: () => [scan(sum, new StreamRecord('seed', 10, 0))],
    inputs: [1, 2],
    failsAt: 1,
    before: [11],
    says: /but with other contents/,
  },
  { name: 'distinct(by value)', ops: () => [distinct((r: Rec) => r.value)], inputs: [1, 2, 1], failsAt: 2, before: [1, 2], says: /emitted 0 records, but 1 record/ },
  {
    name: 'distinctUntilChanged(by value)',
    ops: () => [distinctUntilChanged((a: Rec, b: Rec) => a.value === b.value)],
    inputs: [1, 2, 2],
    failsAt: 2,
    before: [1, 2],
    says: /emitted 0 records, but 1 record/,
  },
  { name: 'filter on the index', ops: () => [filter((_r: Rec, i: number) => i % 2 === 0)], inputs: [1, 2], failsAt: 1, before: [1], says: /emitted 0 records, but 1 record/ },
  { name: 'throttleTime(60 s)', ops: () => [throttleTime(60_000)], inputs: [1, 2], failsAt: 1, before: [1], says: /emitted 0 records, but 1 record/ },
  {
    name: 'map with a counter in its closure',
    ops: () => {
      let n = 0;
      return [map((r: Rec) => r.withValue(n++))];
    },
    inputs: [1],
    failsAt: 0,
    before: [],
    says: /but with other contents/,
  },
  { name: 'map to Math.random()', ops: () => [map((r: Rec) => r.withValue(Math.random()))], inputs: [1], failsAt: 0, before: [], says: /but with other contents/ },
];

describe('pipe(): operators that keep state across records stop the task', () => {
  const cases = STATEFUL.map((c) => ({ ...c, offset: String(c.failsAt) }));
  it.each(cases)('$name: at offset $offset, with nothing of that record forwarded', async ({ ops, inputs, failsAt, before, says }) => {
    const driver = pipeDriver(ops());
    const input = driver.createInputTopic('in', str, int);
    const output = driver.createOutputTopic('out', str, serdes.json<unknown>());
    for (let offset = 0; offset < failsAt; offset++) input.pipeInput(`k${offset}`, inputs[offset]!);
    let error: unknown;
    try {
      input.pipeInput(`k${failsAt}`, inputs[failsAt]!);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ProcessingError);
    expect(error).toMatchObject({ stage: 'processing', topic: 'in', partition: 0, offset: String(failsAt), category: 'fatal' });
    const message = (error as Error).message;
    expect(message).toMatch(/the RxJS operators of 'KSTREAM-RX-PIPE-\d+' keep state across records/);
    expect(message).toMatch(says);
    expect(message).toMatch(/groupByKey\(\) then aggregate, reduce or count/);
    expect(message).toMatch(/windowedBy\(\.\.\.\)/);
    expect(message).toMatch(/emit: 'final'/);
    expect(output.readValuesToList()).toEqual(before);
    // Thrown by process(), not reported as work in flight: the runtime stopped at that record, and
    // the records before it count as done (at-least-once commits them; see rx-pipe-state.int.test.ts).
    await expect(driver.flushAsync()).resolves.toBeUndefined();
    // The task stays stopped: a later record fails with the same error and forwards nothing.
    expect(() => input.pipeInput('later', 1)).toThrow(error as Error);
    expect(output.isEmpty()).toBe(true);
  });

  it('a failure that only earlier records cause is fatal too, whatever the handler', () => {
    // Emits each record as it is, so the outputs agree, until the running check throws.
    const guard = scan((previous: Rec, r: Rec) => {
      if (previous.value + r.value > 3) throw new Error('two large records in a row');
      return r;
    });
    const driver = pipeDriver([guard]);
    const input = driver.createInputTopic('in', str, int);
    input.pipeInput('a', 1);
    input.pipeInput('b', 2);
    expect(() => input.pipeInput('c', 2)).toThrow(
      expect.objectContaining({
        name: 'ProcessingError',
        offset: '2',
        message: expect.stringMatching(/for this record they failed \(two large records in a row\) but given this record alone they did not/),
      }),
    );
    expect(driver.createOutputTopic('out', str, serdes.json<unknown>()).readValuesToList()).toEqual([1, 2]);
  });
});

describe('pipe(): operators that complete, emit before any record or subscribe late', () => {
  it('startWith stops the task at the first record: its record comes from no input', () => {
    const driver = pipeDriver([startWith(new StreamRecord('first', 0, 0))]);
    expect(() => driver.createInputTopic('in', str, int).pipeInput('a', 1)).toThrow(/emitted before any record \(startWith/);
    expect(driver.createOutputTopic('out', str, serdes.json<unknown>()).isEmpty()).toBe(true);
  });

  it('catchError(() => EMPTY) at the top level completes the chain at the first failure: the task stops', () => {
    const driver = pipeDriver([
      map((r: Rec) => {
        if (r.value < 0) throw new Error('negative');
        return r;
      }),
      catchError(() => EMPTY),
    ]);
    const input = driver.createInputTopic('in', str, int);
    input.pipeInput('a', 1);
    expect(() => input.pipeInput('b', -1)).toThrow(
      expect.objectContaining({ name: 'ProcessingError', offset: '1', message: expect.stringMatching(/completed \(an operator such as take or first\)/) }),
    );
    expect(driver.createOutputTopic('out', str, serdes.json<unknown>()).readValuesToList()).toEqual([1]);
  });

  it('subscribeOn stops the task instead of dropping the records pushed before it subscribes', () => {
    const driver = pipeDriver([subscribeOn(asyncScheduler)]);
    expect(() => driver.createInputTopic('in', str, int).pipeInput('a', 1)).toThrow(
      expect.objectContaining({ name: 'ProcessingError', offset: '0', message: expect.stringMatching(/did not subscribe to their input at once \(subscribeOn/) }),
    );
  });
});
