import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { compareToBaseline, inputNote, readBaseline, writeBaseline, type Baseline } from './baseline.js';
import type { Ratio } from './compare-report.js';

const INPUT = { records: 1_000_000, keys: 10_000, valueBytes: 100 };
const baseline: Baseline = {
  savedAt: '2026-12-01T00:00:00.000Z',
  input: INPUT,
  ratios: [
    { name: 'count alos t1 throughput', value: 0.8, better: 'higher' },
    { name: 'count alos t1 cpu', value: 1.0, better: 'lower' },
    { name: 'join alos t1 throughput', value: 0.5, better: 'higher' },
  ],
};
const ratio = (name: string, value: number, better: Ratio['better']): Ratio => ({ name, value, better });

describe('compareToBaseline', () => {
  it('calls a throughput ratio worse only when it dropped by more than the tolerance', () => {
    // 0.8 x (1 - 0.15) = 0.68: 0.69 is within the tolerance, 0.67 is not.
    const verdicts = compareToBaseline([ratio('count alos t1 throughput', 0.69, 'higher'), ratio('join alos t1 throughput', 0.43, 'higher')], baseline, 0.15);
    expect(verdicts.map((v) => [v.name, v.verdict])).toEqual([
      ['count alos t1 throughput', 'ok'],
      ['join alos t1 throughput', 'ok'],
    ]);
    expect(compareToBaseline([ratio('count alos t1 throughput', 0.67, 'higher')], baseline, 0.15)[0]).toMatchObject({ verdict: 'worse', current: 0.67, baseline: 0.8 });
    expect(compareToBaseline([ratio('join alos t1 throughput', 0.42, 'higher')], baseline, 0.15)[0]!.verdict).toBe('worse');
    expect(compareToBaseline([ratio('count alos t1 throughput', 1.5, 'higher')], baseline, 0.15)[0]!.verdict).toBe('ok');
  });

  it('calls a CPU ratio worse when it rose by more than the tolerance, and gives the change', () => {
    const [worse] = compareToBaseline([ratio('count alos t1 cpu', 1.2, 'lower')], baseline, 0.15);
    expect(worse).toMatchObject({ verdict: 'worse', current: 1.2, baseline: 1.0 });
    expect(worse!.change).toBeCloseTo(0.2);
    expect(compareToBaseline([ratio('count alos t1 cpu', 1.1, 'lower')], baseline, 0.15)[0]!.verdict).toBe('ok');
    expect(compareToBaseline([ratio('count alos t1 cpu', 0.5, 'lower')], baseline, 0.15)[0]!.verdict).toBe('ok');
  });

  it('follows the tolerance given', () => {
    expect(compareToBaseline([ratio('count alos t1 throughput', 0.75, 'higher')], baseline, 0.05)[0]!.verdict).toBe('worse');
    expect(compareToBaseline([ratio('count alos t1 throughput', 0.75, 'higher')], baseline, 0.1)[0]!.verdict).toBe('ok');
  });

  it('leaves out ratios the baseline does not have', () => {
    expect(compareToBaseline([ratio('windowed-count eos t2 throughput', 0.1, 'higher')], baseline, 0.15)).toEqual([]);
  });
});

describe('the baseline file', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('writes the ratios sorted by name and reads them back; no file reads as none', () => {
    dir = mkdtempSync(join(tmpdir(), 'bench-baseline-'));
    const path = join(dir, 'baseline.json');
    expect(readBaseline(path)).toBeUndefined();
    writeBaseline(path, INPUT, [ratio('b cpu', 1.1, 'lower'), ratio('a throughput', 0.9, 'higher')], '2026-12-05T00:00:00.000Z');
    const read = readBaseline(path)!;
    expect(read.ratios.map((r) => r.name)).toEqual(['a throughput', 'b cpu']);
    expect(read).toMatchObject({ savedAt: '2026-12-05T00:00:00.000Z', input: INPUT });
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual(read);
  });

  it('notes a baseline measured on another input size', () => {
    expect(inputNote(baseline, INPUT)).toBeUndefined();
    expect(inputNote(baseline, { ...INPUT, records: 20_000 })).toContain('measured on 1000000 records');
  });
});
