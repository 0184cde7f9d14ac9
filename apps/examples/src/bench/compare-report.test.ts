import { describe, expect, it } from 'vitest';
import type { CompareCase } from './compare-options.js';
import { combineRounds, compareRatios, formatRounds, formatThreadScaling, medianOfRoundRatios, medianRun, targetChecks, type CaseResult, type RunFigures } from './compare-report.js';

function run(framework: RunFigures['framework'], c: CompareCase, recordsPerSec: number, cpuUsPerRecord: number): RunFigures {
  return { framework, ...c, records: 1000, status: 'ok', recordsPerSec, cpuUsPerRecord, durationMs: 1, cpuUtilization: 1, peakRssMb: 100 };
}

function result(c: CompareCase, rivulet: [number, number] | 'not supported yet', kstreams: [number, number]): CaseResult {
  return {
    case: c,
    rivulet: rivulet === 'not supported yet' ? { framework: 'rivulet', ...c, records: 1000, status: rivulet } : run('rivulet', c, ...rivulet),
    kstreams: run('kafka-streams', c, ...kstreams),
    outputsAgree: rivulet === 'not supported yet' ? undefined : true,
  };
}

const alos = { pipeline: 'pass-through', guarantee: 'at_least_once', threads: 1 } as const;
const eos = { pipeline: 'pass-through', guarantee: 'exactly_once', threads: 1 } as const;
const count = { pipeline: 'count', guarantee: 'at_least_once', threads: 1 } as const;

describe('compareRatios', () => {
  it('gives records/s and CPU per record Rivulet / Kafka Streams per case, and eos / alos per framework', () => {
    const ratios = compareRatios([result(alos, [50, 20], [100, 10]), result(eos, [45, 22], [90, 11])]);
    const byName = Object.fromEntries(ratios.map((r) => [r.name, r.value]));
    expect(byName).toEqual({
      'pass-through alos t1 throughput': 0.5,
      'pass-through alos t1 cpu': 2,
      'pass-through eos t1 throughput': 0.5,
      'pass-through eos t1 cpu': 2,
      'pass-through t1 rivulet eos/alos': 0.9,
      'pass-through t1 kafka-streams eos/alos': 0.9,
    });
    expect(ratios.find((r) => r.name.endsWith('cpu'))!.better).toBe('lower');
    expect(ratios.find((r) => r.name.endsWith('throughput'))!.better).toBe('higher');
  });

  it('gives thread scaling per framework, and no ratio for a side that has no figures', () => {
    const two = { ...alos, threads: 2 };
    const ratios = compareRatios([result(alos, [50, 20], [100, 10]), result(two, 'not supported yet', [180, 10])]);
    const names = ratios.map((r) => r.name);
    expect(names).toContain('pass-through alos kafka-streams t2/t1');
    expect(ratios.find((r) => r.name === 'pass-through alos kafka-streams t2/t1')!.value).toBeCloseTo(1.8);
    expect(names).not.toContain('pass-through alos t2 throughput');
    expect(names).not.toContain('pass-through alos rivulet t2/t1');
  });
});

describe('medianOfRoundRatios', () => {
  it('the median of the rounds\' ratios (the lower middle of an even count), over the rounds measured on both sides', () => {
    expect(medianOfRoundRatios([100, 300, 200], [100, 200, 400])).toBe(1);
    expect(medianOfRoundRatios([100, 300, 200, 90], [100, 200, 400, 100])).toBe(0.9);
    expect(medianOfRoundRatios([100, undefined, 200], [100, 200, 400])).toBe(0.5);
    expect(medianOfRoundRatios([undefined, 1], [1, undefined])).toBeUndefined();
    // One round, or rounds that do not line up: no median of rounds (the caller divides the figures).
    expect(medianOfRoundRatios([100], [50])).toBeUndefined();
    expect(medianOfRoundRatios([100, 200], [50])).toBeUndefined();
    expect(medianOfRoundRatios(undefined, [50, 60])).toBeUndefined();
  });
});

describe('targetChecks', () => {
  it("holds the ratios to issue 17's targets", () => {
    const targets = targetChecks(compareRatios([result(alos, [85, 12], [100, 10]), result(eos, [70, 12], [90, 11]), result(count, [70, 30], [100, 20])]));
    const byName = Object.fromEntries(targets.map((t) => [t.name, t.met]));
    expect(byName).toEqual({
      'pass-through at_least_once >= 0.8x Kafka Streams': true,
      'count at_least_once >= 0.8x Kafka Streams': false,
      'pass-through alos t1: CPU/record <= 1.2x Kafka Streams': true,
      'pass-through eos t1: CPU/record <= 1.2x Kafka Streams': true,
      'count alos t1: CPU/record <= 1.2x Kafka Streams': false,
      'pass-through t1: Rivulet exactly_once >= 0.9x its at_least_once': false,
    });
  });
});

describe('formatThreadScaling', () => {
  const environment = { node: 'v20', java: '17', kafkaStreams: '4.4.0', cpus: 2, brokers: ['b:9092'] };
  const heavy = (threads: number) => ({ pipeline: 'cpu-heavy', guarantee: 'at_least_once', threads }) as const;

  it('prints records/s per thread count and tN/t1 for both frameworks', () => {
    const cases = [result(heavy(1), [10_000, 80], [12_000, 60]), result(heavy(2), [19_000, 82], [18_000, 64])];
    const lines = formatThreadScaling({ cases, ratios: compareRatios(cases), environment });
    expect(lines[0]).toContain('2 CPUs, shared with the broker');
    const table = lines.slice(2).join('\n').split('\n');
    expect(table[0]!.split(/\s{3,}/)).toEqual(['pipeline', 'guarantee', 'framework', 't1 records/s', 't1 CPU use', 't2 records/s', 't2 CPU use', 't2/t1']);
    expect(table[1]!.split(/\s{3,}/)).toEqual(['cpu-heavy', 'at_least_once', 'Rivulet', '10,000', '100%', '19,000', '100%', '1.90x']);
    expect(table[2]!.split(/\s{3,}/)).toEqual(['cpu-heavy', 'at_least_once', 'Kafka Streams', '12,000', '100%', '18,000', '100%', '1.50x']);
  });

  it('says why a side has no figures, and prints nothing for one thread count', () => {
    const cases = [result(heavy(1), [10_000, 80], [12_000, 60]), result(heavy(2), 'not supported yet', [18_000, 64])];
    const table = formatThreadScaling({ cases, ratios: compareRatios(cases), environment }).join('\n');
    expect(table).toMatch(/Rivulet\s+10,000\s+100%\s+not supported yet\s*\n/);
    expect(formatThreadScaling({ cases: cases.slice(0, 1), ratios: [], environment })).toEqual([]);
  });
});

describe('rounds (--repeat)', () => {
  const at = (framework: RunFigures['framework'], recordsPerSec: number, extra: Partial<RunFigures> = {}): RunFigures => ({ ...run(framework, alos, recordsPerSec, 3), ...extra });
  const round = (rivulet: RunFigures, kstreams: RunFigures, outputsAgree: boolean | undefined = true): CaseResult => ({ case: alos, rivulet, kstreams, outputsAgree });

  it('medianRun: the median round by records/s (the lower middle of an even count), with the first round\'s latency', () => {
    expect(medianRun([at('rivulet', 300), at('rivulet', 100), at('rivulet', 200)]).recordsPerSec).toBe(200);
    expect(medianRun([at('rivulet', 400), at('rivulet', 100), at('rivulet', 300), at('rivulet', 200)]).recordsPerSec).toBe(200);
    const median = medianRun([at('rivulet', 100, { p99Ms: 12 }), at('rivulet', 300), at('rivulet', 200)]);
    expect([median.recordsPerSec, median.p99Ms]).toEqual([200, 12]);
  });

  it('medianRun: a FAILED round stands for the case, however fast the others were', () => {
    const failed: RunFigures = { framework: 'rivulet', ...alos, records: 1000, status: 'FAILED', error: 'wrong output' };
    expect(medianRun([at('rivulet', 300), failed, at('rivulet', 200)])).toBe(failed);
  });

  it('combineRounds: medians per framework, every round\'s records/s, outputs agree only if they did in every round', () => {
    const combined = combineRounds([round(at('rivulet', 300), at('kafka-streams', 90)), round(at('rivulet', 100), at('kafka-streams', 110)), round(at('rivulet', 200), at('kafka-streams', 100))]);
    expect([combined.rivulet.recordsPerSec, combined.kstreams.recordsPerSec, combined.outputsAgree]).toEqual([200, 100, true]);
    expect(combined.rounds).toEqual({ rivulet: [300, 100, 200], kstreams: [90, 110, 100], cpu: { rivulet: [3, 3, 3], kstreams: [3, 3, 3] } });
    const disagreeing = combineRounds([round(at('rivulet', 1), at('kafka-streams', 1)), { ...round(at('rivulet', 1), at('kafka-streams', 1), false), disagreement: 'counts differ' }]);
    expect([disagreeing.outputsAgree, disagreeing.disagreement]).toEqual([false, 'counts differ']);
    const single = round(at('rivulet', 1), at('kafka-streams', 1));
    expect(combineRounds([single])).toBe(single);
  });

  it('ratios of several rounds: the median of each round\'s ratio, not the ratio of the median runs', () => {
    // Rivulet's at_least_once and exactly_once were both fast in round 3 and both slow in round 2: the
    // median runs (200 and 150) come from different rounds, and their ratio (0.75x) is no round's.
    const alosCase = combineRounds([round(at('rivulet', 200), at('kafka-streams', 100)), round(at('rivulet', 150), at('kafka-streams', 90)), round(at('rivulet', 300), at('kafka-streams', 110))]);
    const eosRound = (r: number, k: number, cpu = 3): CaseResult => ({ ...round(at('rivulet', r, { cpuUsPerRecord: cpu }), at('kafka-streams', k)), case: eos });
    const eosCase = combineRounds([eosRound(150, 80, 4), eosRound(140, 85, 3.3), eosRound(290, 100, 3)]);
    const byName = Object.fromEntries(compareRatios([alosCase, eosCase]).map((r) => [r.name, r.value]));
    expect(eosCase.rivulet.recordsPerSec! / alosCase.rivulet.recordsPerSec!).toBe(0.75);
    // Rounds' eos/alos: 0.75, 0.933, 0.967; Kafka Streams': 0.8, 0.944, 0.909.
    expect(byName['pass-through t1 rivulet eos/alos']).toBeCloseTo(140 / 150);
    expect(byName['pass-through t1 kafka-streams eos/alos']).toBeCloseTo(100 / 110);
    // Rivulet / Kafka Streams per round: 1.875, 1.647, 2.9 (records/s); 4/3, 1.1, 1 (CPU per record).
    expect(byName['pass-through eos t1 throughput']).toBeCloseTo(1.875);
    expect(byName['pass-through eos t1 cpu']).toBeCloseTo(1.1);
    // A round without figures on one side is left out.
    const failed: RunFigures = { framework: 'rivulet', ...alos, records: 1000, status: 'ok' };
    const gappy = combineRounds([round(at('rivulet', 100), at('kafka-streams', 100)), round(failed, at('kafka-streams', 100)), round(at('rivulet', 300), at('kafka-streams', 100))]);
    expect(gappy.rounds!.rivulet).toEqual([100, undefined, 300]);
  });

  it('formatRounds: every round, and eos/alos of each round per framework; nothing for one round', () => {
    const alosCase = combineRounds([round(at('rivulet', 100), at('kafka-streams', 50)), round(at('rivulet', 200), at('kafka-streams', 50))]);
    const eosRound = (r: number, k: number): CaseResult => ({ ...round(at('rivulet', r), at('kafka-streams', k)), case: eos });
    const eosCase = combineRounds([eosRound(90, 45), eosRound(150, 50)]);
    const text = formatRounds([alosCase, eosCase]).join('\n');
    expect(text).toContain('pass-through t1 rivulet eos/alos by round: 0.90x, 0.75x');
    expect(text).toContain('pass-through t1 kafka-streams eos/alos by round: 0.90x, 1.00x');
    expect(text).toMatch(/round 1\s+round 2/);
    expect(formatRounds([round(at('rivulet', 1), at('kafka-streams', 1))])).toEqual([]);
  });
});
