import { describe, expect, it } from 'vitest';
import { cpuHeavyDigest, cpuHeavyValue } from './cpu-heavy-topology.js';
import { filterMapOutput, keepsKey } from './filter-map-topology.js';
import { keyOf, valueOf, type InputShape } from './input.js';
import { OutputChecker, compareOutputs, expectedOutputCount, expectedRecord } from './output-check.js';

const shape: InputShape = { records: 200, keys: 7, valueBytes: 32 };
const timestampOf = (i: number) => 1_700_000_000_000 + i * 25; // 40 records per 1 s window
const k = (s: string) => Buffer.from(s, 'latin1');
const long = (n: number) => {
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(BigInt(n));
  return b;
};
const windowed = (key: string, start: number) => Buffer.concat([k(key), long(start)]);

/** What a correct pipeline writes, in input order. */
function correctOutput(pipeline: 'pass-through' | 'filter-map' | 'stream-table-join' | 'cpu-heavy'): [Buffer, Buffer][] {
  const out: [Buffer, Buffer][] = [];
  for (let i = 0; i < shape.records; i++) {
    const r = expectedRecord(pipeline, i, shape);
    if (r !== undefined) out.push([r.key, r.value]);
  }
  return out;
}

/** Every count update per key (or per key and window), in input order. */
function countUpdates(byWindow: boolean): [Buffer, Buffer][] {
  const counts = new Map<string, number>();
  const out: [Buffer, Buffer][] = [];
  for (let i = 0; i < shape.records; i++) {
    const key = keyOf(i, shape.keys);
    const start = timestampOf(i) - (timestampOf(i) % 1000);
    const group = byWindow ? `${key}@${start}` : key;
    const n = (counts.get(group) ?? 0) + 1;
    counts.set(group, n);
    out.push([byWindow ? windowed(key, start) : k(key), long(n)]);
  }
  return out;
}

function check(pipeline: Parameters<typeof OutputChecker.for>[0], records: readonly [Buffer | null, Buffer | null][]) {
  const checker = OutputChecker.for(pipeline, shape, timestampOf);
  for (const [key, value] of records) checker.add(key, value);
  return checker.result();
}

describe('record pipelines: pass-through, filter+map, join, cpu-heavy', () => {
  it.each(['pass-through', 'filter-map', 'stream-table-join', 'cpu-heavy'] as const)('%s: accepts the expected output in any order', (pipeline) => {
    const output = correctOutput(pipeline);
    const result = check(pipeline, [...output].reverse());
    expect(result).toMatchObject({ ok: true, problems: [], records: output.length, expectedRecords: output.length });
    expect(result.fingerprint).toBe(check(pipeline, output).fingerprint);
  });

  it('filter+map keeps about half the records, each prefixed with its key', () => {
    const kept = expectedOutputCount('filter-map', shape);
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(shape.records);
    for (let i = 0; i < shape.records; i++) {
      const r = expectedRecord('filter-map', i, shape);
      const key = keyOf(i, shape.keys);
      expect(r === undefined).toBe(!keepsKey(key));
      if (r !== undefined) expect(r.value.toString('latin1')).toBe(`${key}|${valueOf(i, shape.valueBytes).toString('latin1')}`);
    }
  });

  it('finds a missing record, a duplicate, a changed value and a record the filter drops', () => {
    const output = correctOutput('pass-through');
    expect(check('pass-through', output.slice(1)).problems[0]).toBe('1 missing records');
    expect(check('pass-through', [...output, output[5]!]).problems[0]).toBe('1 duplicates');
    const changed = output.map(([key, value], i): [Buffer, Buffer] => [key, i === 3 ? Buffer.from(value).fill(0x21, 10) : value]);
    expect(check('pass-through', changed)).toMatchObject({ ok: false });
    expect(check('pass-through', changed).problems[0]).toContain('1 wrong records');
    const dropped = [...Array(shape.records).keys()].find((i) => !keepsKey(keyOf(i, shape.keys)))!;
    const extra: [Buffer, Buffer] = [k(keyOf(dropped, shape.keys)), filterMapOutput(keyOf(dropped, shape.keys), valueOf(dropped, shape.valueBytes))];
    expect(check('filter-map', [...correctOutput('filter-map'), extra]).problems[0]).toBe('1 unexpected records');
  });

  it('cpu-heavy: expects every input value prefixed with its digest, computed by the checker', () => {
    expect(expectedOutputCount('cpu-heavy', shape)).toBe(shape.records);
    for (const i of [0, 1, shape.records - 1]) {
      const value = valueOf(i, shape.valueBytes);
      const hex = cpuHeavyDigest(value).toString(16).padStart(8, '0');
      expect(expectedRecord('cpu-heavy', i, shape)).toEqual({ key: k(keyOf(i, shape.keys)), value: Buffer.concat([k(`${hex}|`), value]) });
    }
  });

  it('cpu-heavy: rejects a wrong digest, a digest of too few rounds and a pass-through output', () => {
    const output = correctOutput('cpu-heavy');
    const value = valueOf(3, shape.valueBytes);
    const wrong = (i: number, v: Buffer) => output.map(([key, good], j): [Buffer, Buffer] => [key, j === i ? v : good]);
    // One digit of the digest changed.
    const flipped = Buffer.from(output[3]![1]);
    flipped[0] = flipped[0] === 0x30 ? 0x31 : 0x30;
    // A wrong record does not count as its input's output: that input is missing too.
    expect(check('cpu-heavy', wrong(3, flipped)).problems[0]).toBe('1 wrong records, 1 missing records');
    expect(check('cpu-heavy', wrong(3, cpuHeavyValue(cpuHeavyDigest(value, 1), value))).problems.slice(0, 2)).toEqual([
      '1 wrong records, 1 missing records',
      expect.stringContaining('seq 3: got'),
    ]);
    expect(check('cpu-heavy', correctOutput('pass-through')).ok).toBe(false);
    expect(check('cpu-heavy', [...output, output[0]!]).problems[0]).toBe('1 duplicates');
  });

  it('gives a different fingerprint for a different output', () => {
    const output = correctOutput('stream-table-join');
    expect(check('stream-table-join', output.slice(1)).fingerprint).not.toBe(check('stream-table-join', output).fingerprint);
  });
});

describe('count and windowed count: updates 1..c per key (and window)', () => {
  it('accepts every update once, in any order across keys', () => {
    expect(check('count', countUpdates(false))).toMatchObject({ ok: true, records: shape.records, expectedRecords: shape.records });
    expect(check('windowed-count', countUpdates(true))).toMatchObject({ ok: true, records: shape.records });
  });

  it('rejects counts that went on past the input (records processed twice) and a missing update', () => {
    const updates = countUpdates(false);
    const firstKey = updates[0]![0];
    const c = updates.filter(([key]) => key.equals(firstKey)).length;
    const result = check('count', [...updates, [firstKey, long(c + 1)]]);
    expect(result.ok).toBe(false);
    expect(result.problems[0]).toBe('1 wrong counts');
    expect(result.problems[1]).toContain(`expected 1..${c}`);
    expect(check('count', updates.slice(0, -1)).ok).toBe(false);
  });

  it('puts each windowed update in its window: a shifted window start is wrong', () => {
    const shifted = countUpdates(true).map(([key, value], i): [Buffer, Buffer] => {
      if (i !== 0) return [key, value];
      const start = Number(key.readBigInt64BE(key.length - 8));
      return [windowed(key.toString('latin1', 0, key.length - 8), start + 1000), value];
    });
    expect(check('windowed-count', shifted).ok).toBe(false);
  });

  it('rejects a value that is not an 8-byte count', () => {
    expect(check('count', [[k('key-00001'), Buffer.from('1')]]).problems[0]).toBe('1 malformed records, 7 missing keys');
  });
});

describe('compareOutputs', () => {
  it('is undefined for the same output and names both counts otherwise', () => {
    const a = check('count', countUpdates(false));
    const b = check('count', [...countUpdates(false)].reverse());
    expect(compareOutputs(a, b)).toBeUndefined();
    const c = check('count', countUpdates(false).slice(2));
    expect(compareOutputs(a, c)).toContain(`Rivulet wrote ${shape.records} records`);
    expect(compareOutputs(a, c)).toContain(`Kafka Streams ${shape.records - 2}`);
  });
});
