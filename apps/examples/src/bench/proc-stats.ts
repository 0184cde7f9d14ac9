/**
 * A process's CPU time and resident memory from Linux's /proc, read by the comparison bench's parent
 * for both frameworks alike (the Node child and the JVM): `utime + stime` of /proc/<pid>/stat (every
 * thread of the process, in clock ticks) and `VmRSS` / `VmHWM` of /proc/<pid>/status.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Clock ticks per second (`getconf CLK_TCK`), 100 where getconf is missing. */
export const CLOCK_TICKS_PER_SEC = ((): number => {
  try {
    const ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    return Number.isInteger(ticks) && ticks > 0 ? ticks : 100;
  } catch {
    return 100;
  }
})();

/**
 * utime + stime in clock ticks from the text of /proc/<pid>/stat. The second field (the command) is
 * in parentheses and may hold spaces or parentheses itself: the fields are counted after its last `)`.
 *
 * @example
 * cpuTicksOfStat('42 (java) S 1 42 42 0 -1 4194560 1 0 0 0 250 50 0 0'); // 300
 */
export function cpuTicksOfStat(stat: string): number {
  const end = stat.lastIndexOf(')');
  if (end < 0) throw new Error(`not a /proc/<pid>/stat line: ${stat.slice(0, 60)}`);
  // After ')': state(3) ppid(4) pgrp(5) session(6) tty_nr(7) tpgid(8) flags(9) minflt(10) cminflt(11)
  // majflt(12) cmajflt(13) utime(14) stime(15).
  const fields = stat.slice(end + 2).trim().split(/\s+/);
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) throw new Error(`no utime/stime in /proc/<pid>/stat: ${stat.slice(0, 120)}`);
  return utime + stime;
}

/**
 * A `Vm...:` line of /proc/<pid>/status in bytes (the file gives kB).
 *
 * @example
 * memoryOfStatus('VmHWM:\t  2048 kB\nVmRSS:\t  1024 kB\n', 'VmRSS'); // 1048576
 */
export function memoryOfStatus(status: string, field: 'VmRSS' | 'VmHWM'): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  if (match === null) throw new Error(`no ${field} in /proc/<pid>/status`);
  return Number(match[1]) * 1024;
}

/** The process's CPU time so far (user + system, every thread), in microseconds. */
export function processCpuUs(pid: number): number {
  return (cpuTicksOfStat(readFileSync(`/proc/${pid}/stat`, 'utf8')) * 1e6) / CLOCK_TICKS_PER_SEC;
}

/** The process's resident set now (`VmRSS`) and its peak so far (`VmHWM`), in bytes. */
export function processMemory(pid: number): { rssBytes: number; peakRssBytes: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return { rssBytes: memoryOfStatus(status, 'VmRSS'), peakRssBytes: memoryOfStatus(status, 'VmHWM') };
}
