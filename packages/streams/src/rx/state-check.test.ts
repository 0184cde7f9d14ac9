import { isDeepStrictEqual } from 'node:util';
import { StreamRecord } from '@rivulet/core';
import { bufferCount, filter, map, mergeMap, pairwise, scan, subscribeOn, asyncScheduler, type OperatorFunction } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { OneRecordChain } from './one-record-chain.js';
import { differenceFromAlone, sameValue } from './state-check.js';

type Rec = StreamRecord<string, unknown>;
const rec = (value: unknown, key = 'k', timestamp = 1) => new StreamRecord<string, unknown>(key, value, timestamp);

describe('sameValue', () => {
  const pairs: [string, unknown, unknown][] = [
    ['equal strings', 'a', 'a'],
    ['NaN', Number.NaN, Number.NaN],
    ['StreamRecords with equal fields', rec({ a: 1 }), rec({ a: 1 })],
    ['plain objects in another key order', { a: 1, b: [1, { c: 'x' }] }, { b: [1, { c: 'x' }], a: 1 }],
    ['null-prototype objects', Object.assign(Object.create(null) as object, { a: 1 }), Object.assign(Object.create(null) as object, { a: 1 })],
    ['Buffers', Buffer.from('ab'), Buffer.from('ab')],
    ['Dates', new Date(5), new Date(5)],
    ['Maps', new Map([['a', 1]]), new Map([['a', 1]])],
    ['records with headers', rec(1).withHeaders({ h: 'x' }), rec(1).withHeaders({ h: 'x' })],
  ];
  it.each(pairs)('%s are the same', (_what, a, b) => {
    expect(sameValue(a, b)).toBe(true);
  });

  const different: [string, unknown, unknown][] = [
    ['strings', 'a', 'b'],
    ['0 and -0', 0, -0],
    ['a number and its string', 1, '1'],
    ['null and undefined', null, undefined],
    ['records with other values', rec(1), rec(2)],
    ['records with other keys', rec(1, 'a'), rec(1, 'b')],
    ['records with other timestamps', rec(1, 'k', 1), rec(1, 'k', 2)],
    ['records with other headers', rec(1).withHeaders({ h: 'x' }), rec(1).withHeaders({ h: 'y' })],
    ['a record and a plain object with its fields', rec(1), { key: 'k', value: 1, timestamp: 1, headers: {} }],
    ['objects with an extra key', { a: 1 }, { a: 1, b: undefined }],
    ['objects with another key', { a: 1 }, { b: 1 }],
    ['nested values', { a: [1, { b: 2 }] }, { a: [1, { b: 3 }] }],
    ['arrays of other lengths', [1, 2], [1, 2, 3]],
    ['a hole and undefined', [undefined], new Array(1)],
    ['an array and an object', [1], { 0: 1 }],
    ['Buffers', Buffer.from('ab'), Buffer.from('ac')],
    ['Dates', new Date(5), new Date(6)],
  ];
  it.each(different)('%s differ', (_what, a, b) => {
    expect(sameValue(a, b)).toBe(false);
  });

  it('agrees with isDeepStrictEqual past its fast depth, cycles included', () => {
    const deep = (n: number, leaf: number): unknown => (n === 0 ? leaf : { next: deep(n - 1, leaf) });
    expect(sameValue(deep(100, 1), deep(100, 1))).toBe(true);
    expect(sameValue(deep(100, 1), deep(100, 2))).toBe(false);
    const cyclic = (): unknown => {
      const o: Record<string, unknown> = { a: 1 };
      let at = o;
      for (let i = 0; i < 40; i++) at = (at['next'] = { i }) as Record<string, unknown>;
      at['loop'] = o;
      return o;
    };
    const [a, b] = [cyclic(), cyclic()];
    expect(sameValue(a, b)).toBe(isDeepStrictEqual(a, b));
    expect(sameValue(a, b)).toBe(true);
  });
});

describe('OneRecordChain', () => {
  const chain = (...ops: OperatorFunction<Rec, unknown>[]) => new OneRecordChain(ops as OperatorFunction<unknown, unknown>[]);

  it('gives what the operators emit for the record alone, every run starting afresh', () => {
    const alone = chain(scan((acc: Rec, r: Rec) => r.withValue((acc.value as number) + (r.value as number))));
    alone.run(rec(1));
    expect(alone.emitted).toEqual([rec(1)]);
    alone.run(rec(2));
    expect(alone.emitted).toEqual([rec(2)]);
    expect(alone).toMatchObject({ emittedAtCompletion: 0, failure: undefined, subscribed: true });
  });

  it('counts what is emitted only on completion', () => {
    const alone = chain(bufferCount(2));
    alone.run(rec(1));
    expect(alone.emitted).toEqual([[rec(1)]]);
    expect(alone.emittedAtCompletion).toBe(1);
  });

  it('keeps the failure', () => {
    const alone = chain(
      map((r: Rec) => {
        if (r.value === 'bad') throw new Error('bad value');
        return r;
      }),
    );
    alone.run(rec('bad'));
    expect(alone.failure?.message).toBe('bad value');
    alone.run(rec('good'));
    expect(alone.failure).toBeUndefined();
  });

  it('tells when the operators did not subscribe to their input at once', () => {
    const alone = chain(subscribeOn(asyncScheduler));
    alone.run(rec(1));
    expect(alone.subscribed).toBe(false);
    expect(alone.emitted).toEqual([]);
  });
});

describe('differenceFromAlone', () => {
  const run = (op: OperatorFunction<Rec, unknown>, record: Rec) => {
    const alone = new OneRecordChain([op as OperatorFunction<unknown, unknown>]);
    alone.run(record);
    return alone;
  };

  it('is undefined when the stream emitted what the record alone gives', () => {
    const double = map((r: Rec) => r.withValue({ n: (r.value as number) * 2 }));
    expect(differenceFromAlone([rec({ n: 4 })], undefined, run(double, rec(2)))).toBeUndefined();
    const none = filter((r: Rec) => r.value !== 2);
    expect(differenceFromAlone([], undefined, run(none, rec(2)))).toBeUndefined();
    const twice = mergeMap((r: Rec) => [r, r]);
    expect(differenceFromAlone([rec(2), rec(2)], undefined, run(twice, rec(2)))).toBeUndefined();
  });

  it('describes other counts, other contents, failures on one side and records held until completion', () => {
    expect(differenceFromAlone([], undefined, run(bufferCount(2), rec(1)))).toBe(
      'for this record they emitted 0 records, but 1 record given this record alone; 1 record of those only when their input completed: an operator holds records until then',
    );
    expect(differenceFromAlone([[rec(1), rec(2)]], undefined, run(pairwise(), rec(2)))).toBe(
      'for this record they emitted 1 record, but 0 records given this record alone',
    );
    const identity = map((r: Rec) => r);
    expect(differenceFromAlone([rec(3)], undefined, run(identity, rec(2)))).toBe(
      'for this record they emitted 1 record, as many as given this record alone, but with other contents',
    );
    expect(differenceFromAlone([], new Error('total too high'), run(identity, rec(2)))).toBe(
      'for this record they failed (total too high) but given this record alone they did not; for this record they emitted 0 records, but 1 record given this record alone',
    );
  });
});
