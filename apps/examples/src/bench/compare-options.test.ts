import { describe, expect, it } from 'vitest';
import { PIPELINES, compareCases, defaultPipelines, parseCompareOptions } from './compare-options.js';

const parse = (...argv: string[]) => parseCompareOptions(['--compare', ...argv], '/repo/baseline.json')!;

describe('parseCompareOptions', () => {
  it('defaults to 1M records, every pipeline but cpu-heavy at both guarantees, one thread, latency on, the 15% tolerance', () => {
    const options = parse();
    expect(options).toMatchObject({ mode: 'pipelines', records: 1_000_000, keys: 10_000, latencyDurationMs: 10_000, tolerance: 0.15, baselinePath: '/repo/baseline.json', repeat: 1 });
    expect(options.cases).toHaveLength(10);
    expect(options.cases.some((c) => c.pipeline === 'cpu-heavy')).toBe(false);
    expect(options.cases.every((c) => c.threads === 1)).toBe(true);
    expect(options.cases.slice(0, 2)).toEqual([
      { pipeline: 'pass-through', guarantee: 'at_least_once', threads: 1 },
      { pipeline: 'pass-through', guarantee: 'exactly_once', threads: 1 },
    ]);
  });

  it('--short: 3,000 records, no latency phase, every pipeline at alos, the pass-through and the join at eos too', () => {
    const options = parse('--short');
    expect(options).toMatchObject({ short: true, records: 3_000, latencyDurationMs: 0 });
    expect(options.cases.map((c) => `${c.pipeline}/${c.guarantee}`)).toEqual([
      'pass-through/at_least_once',
      'pass-through/exactly_once',
      'filter-map/at_least_once',
      'count/at_least_once',
      'windowed-count/at_least_once',
      'stream-table-join/at_least_once',
      'stream-table-join/exactly_once',
      'cpu-heavy/at_least_once',
    ]);
  });

  it('adds cpu-heavy to the default pipelines when --threads gives several counts, and takes it alone with --pipelines', () => {
    const options = parse('--threads', '1,2', '--guarantees', 'alos');
    expect(options.cases.filter((c) => c.pipeline === 'cpu-heavy')).toEqual([
      { pipeline: 'cpu-heavy', guarantee: 'at_least_once', threads: 1 },
      { pipeline: 'cpu-heavy', guarantee: 'at_least_once', threads: 2 },
    ]);
    expect(options.cases).toHaveLength(2 * PIPELINES.length);
    expect(parse('--threads', '2').cases.some((c) => c.pipeline === 'cpu-heavy')).toBe(false);
    expect(parse('--pipelines', 'cpu-heavy', '--threads', '1,2', '--guarantees', 'alos').cases).toEqual([
      { pipeline: 'cpu-heavy', guarantee: 'at_least_once', threads: 1 },
      { pipeline: 'cpu-heavy', guarantee: 'at_least_once', threads: 2 },
    ]);
    expect(parse('--pipelines', 'cpu-heavy').cases).toEqual([
      { pipeline: 'cpu-heavy', guarantee: 'at_least_once', threads: 1 },
      { pipeline: 'cpu-heavy', guarantee: 'exactly_once', threads: 1 },
    ]);
  });

  it('takes --pipelines, --guarantees and --threads as lists, each case once per thread count', () => {
    const options = parse('--pipelines', 'count,pass-through', '--guarantees', 'eos', '--threads', '2,1,2');
    expect(options.cases).toEqual([
      { pipeline: 'pass-through', guarantee: 'exactly_once', threads: 1 },
      { pipeline: 'count', guarantee: 'exactly_once', threads: 1 },
      { pipeline: 'pass-through', guarantee: 'exactly_once', threads: 2 },
      { pipeline: 'count', guarantee: 'exactly_once', threads: 2 },
    ]);
  });

  it('takes the baseline options', () => {
    expect(parse('--save-baseline', '--baseline', '/tmp/b.json')).toMatchObject({ saveBaseline: true, baselinePath: '/tmp/b.json' });
    expect(parse('--check-baseline', '--tolerance', '10')).toMatchObject({ checkBaseline: true, tolerance: 0.1 });
  });

  it('takes --repeat, the rounds', () => {
    expect(parse('--repeat', '3').repeat).toBe(3);
    expect(() => parse('--repeat', '0')).toThrow("--repeat must be an integer in [1, 20], got '0'");
  });

  it('picks the memory mode with --compare-memory', () => {
    expect(parseCompareOptions(['--compare-memory', '--memory-keys', '1000'], '/b.json')).toMatchObject({ mode: 'memory', memoryKeys: 1_000 });
  });

  it('names the option and the value when it rejects one', () => {
    expect(() => parse('--pipelines', 'count,sort')).toThrow("--pipelines: unknown 'sort'; known: pass-through, filter-map, count, windowed-count, stream-table-join, cpu-heavy");
    expect(() => parse('--guarantees', 'exactly_once')).toThrow("--guarantees: unknown 'exactly_once'; known: alos, eos");
    expect(() => parse('--threads', '0')).toThrow("--threads must be an integer in [1, 16], got '0'");
    expect(() => parse('--tolerance', '150')).toThrow("--tolerance must be an integer in [0, 100], got '150'");
    expect(() => parse('--short', '--save-baseline')).toThrow(/--save-baseline with --short/);
    expect(() => parseCompareOptions(['--compare', '--compare-memory'], '/b.json')).toThrow('--compare and --compare-memory: pick one');
  });
});

describe('defaultPipelines', () => {
  it('is every pipeline but cpu-heavy for one thread count, all of them for several or in short mode', () => {
    expect(defaultPipelines([1], false)).toEqual(['pass-through', 'filter-map', 'count', 'windowed-count', 'stream-table-join']);
    expect(defaultPipelines([1, 2], false)).toEqual([...PIPELINES]);
    expect(defaultPipelines([1], true)).toEqual([...PIPELINES]);
  });
});

describe('compareCases', () => {
  it('gives explicit guarantees to every pipeline, even in short mode', () => {
    expect(compareCases(['count', 'pass-through'], ['exactly_once'], [1], true)).toEqual([
      { pipeline: 'count', guarantee: 'exactly_once', threads: 1 },
      { pipeline: 'pass-through', guarantee: 'exactly_once', threads: 1 },
    ]);
  });
});
