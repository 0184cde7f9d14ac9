import { describe, expect, it } from 'vitest';
import { cpuTicksOfStat, memoryOfStatus, processCpuUs, processMemory } from './proc-stats.js';

describe('cpuTicksOfStat', () => {
  it('adds utime and stime (fields 14 and 15)', () => {
    expect(cpuTicksOfStat('42 (java) S 1 42 42 0 -1 4194560 1 0 0 0 250 50 7 9 20 0 30 0')).toBe(300);
  });

  it('counts the fields after the last parenthesis: a command may hold spaces and parentheses', () => {
    expect(cpuTicksOfStat('7 (my (odd) cmd) R 1 7 7 0 -1 0 0 0 0 0 11 22 0 0')).toBe(33);
  });

  it('rejects what is not a stat line', () => {
    expect(() => cpuTicksOfStat('nothing here')).toThrow('not a /proc/<pid>/stat line');
  });
});

describe('memoryOfStatus', () => {
  const status = 'Name:\tnode\nVmPeak:\t 9000 kB\nVmHWM:\t   2048 kB\nVmRSS:\t   1024 kB\n';

  it('reads VmRSS and VmHWM in bytes', () => {
    expect(memoryOfStatus(status, 'VmRSS')).toBe(1024 * 1024);
    expect(memoryOfStatus(status, 'VmHWM')).toBe(2048 * 1024);
  });

  it('names a missing field', () => {
    expect(() => memoryOfStatus('Name:\tx\n', 'VmHWM')).toThrow('no VmHWM');
  });
});

describe('this process, from /proc', () => {
  it('has spent CPU time and holds resident memory, its peak at least its current', () => {
    expect(processCpuUs(process.pid)).toBeGreaterThan(0);
    const { rssBytes, peakRssBytes } = processMemory(process.pid);
    expect(rssBytes).toBeGreaterThan(0);
    expect(peakRssBytes).toBeGreaterThanOrEqual(rssBytes);
  });
});
