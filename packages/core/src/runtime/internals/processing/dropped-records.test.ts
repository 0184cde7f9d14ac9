import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Logger } from '../../../config/logger.js';
import { DROPPED_RECORD_REASONS, DroppedRecords, sumDropped } from './dropped-records.js';

function recording(): { logger: Logger; lines: [string, Record<string, unknown> | undefined][] } {
  const lines: [string, Record<string, unknown> | undefined][] = [];
  const none = () => undefined;
  return { lines, logger: { debug: none, info: none, warn: (m, extra) => void lines.push([m, extra]), error: none } };
}

const at = (offset: number) => ({ topic: 'orders', partition: 3, offset: String(offset) });

describe('DroppedRecords', () => {
  beforeEach(() => vi.useFakeTimers({ now: 0 }));
  afterEach(() => vi.useRealTimers());

  it('counts per reason and in total', () => {
    const drops = new DroppedRecords('0_3', recording().logger);
    drops.add('null-key-or-value', 'agg', at(1));
    drops.add('late', 'windowed', at(2));
    drops.add('null-key-or-value', 'agg', at(3));
    drops.add('deserialization-error', 'src', at(4));
    expect(drops.total).toBe(4);
    expect(drops.snapshot()).toEqual({ total: 4, byReason: { 'null-key-or-value': 2, late: 1, 'deserialization-error': 1 } });
  });

  it('writes the first drop of a reason at once, then one line per interval with the count, not one per record', () => {
    const { logger, lines } = recording();
    const drops = new DroppedRecords('0_3', logger, { intervalMs: 10_000 });
    const described: number[] = [];
    for (let i = 0; i < 1000; i++) {
      drops.add('null-key-or-value', 'KSTREAM-AGGREGATE-0000000002', at(i), () => {
        described.push(i);
        return `record ${i}`;
      });
      vi.advanceTimersByTime(5);
    }
    // 1000 drops in 5 s: the first line only. The detail of the others was never built.
    expect(lines.map(([m]) => m)).toEqual([
      "task 0_3 dropped a record (null-key-or-value: a null key or value the operator cannot use) at node 'KSTREAM-AGGREGATE-0000000002', orders-3 offset 0: record 0; 1 dropped for this reason so far",
    ]);
    expect(lines[0]![1]).toEqual({ taskId: '0_3', reason: 'null-key-or-value', dropped: 1, node: 'KSTREAM-AGGREGATE-0000000002', topic: 'orders', partition: 3, offset: '0' });
    expect(described).toEqual([0]);
    // At the end of the interval: one line for the 999 held back, naming the newest and the running count.
    vi.advanceTimersByTime(5_000);
    expect(lines.map(([m]) => m)).toEqual([
      expect.any(String),
      "task 0_3 dropped 999 records (null-key-or-value: a null key or value the operator cannot use) in the last 10 s at node 'KSTREAM-AGGREGATE-0000000002', the latest orders-3 offset 999: record 999; 1000 dropped for this reason so far",
    ]);
    expect(described).toEqual([0, 999]);
    // Quiet afterwards: nothing more; the next drop after an interval is written at once.
    vi.advanceTimersByTime(60_000);
    expect(lines).toHaveLength(2);
    drops.add('null-key-or-value', 'KSTREAM-AGGREGATE-0000000002', at(1000));
    expect(lines).toHaveLength(3);
    expect(lines[2]![0]).toMatch(/dropped a record .* in the last 60 s .*orders-3 offset 1000; 1001 dropped for this reason so far$/);
  });

  it('keeps one line per reason: a burst of one does not hide another', () => {
    const { logger, lines } = recording();
    const drops = new DroppedRecords('1_0', logger);
    for (let i = 0; i < 50; i++) drops.add('null-key-or-value', 'agg', at(i));
    drops.add('late', 'windowed', at(50), 'key a at 3 for window [0, 10)');
    expect(lines.map(([, extra]) => extra?.['reason'])).toEqual(['null-key-or-value', 'late']);
    expect(lines[1]![0]).toBe(
      "task 1_0 dropped a record (late: too late: its window had closed) at node 'windowed', orders-3 offset 50: key a at 3 for window [0, 10); 1 dropped for this reason so far",
    );
  });

  it('writes what it held back at flush (the task closes), and stops its timers', () => {
    const { logger, lines } = recording();
    const drops = new DroppedRecords('0_0', logger);
    drops.add('expired', 'join-window', at(1));
    drops.add('expired', 'join-window', at(2));
    drops.add('expired', 'join-window', at(3));
    expect(lines).toHaveLength(1);
    vi.advanceTimersByTime(2_000);
    drops.flush();
    expect(lines.map(([m]) => m)).toEqual([
      expect.any(String),
      "task 0_0 dropped 2 records (expired: older than the store's retention) in the last 2 s at node 'join-window', the latest orders-3 offset 3; 3 dropped for this reason so far",
    ]);
    expect(vi.getTimerCount()).toBe(0);
    drops.flush();
    expect(lines).toHaveLength(2);
  });

  it('says so when the drop happened outside a record (a punctuator)', () => {
    const { logger, lines } = recording();
    new DroppedRecords('0_0', logger).add('late', 'punctuating', undefined);
    expect(lines[0]![0]).toBe("task 0_0 dropped a record (late: too late: its window had closed) at node 'punctuating' (outside a record: a punctuator); 1 dropped for this reason so far");
  });

  it('refuses a reason that is not one (JavaScript callers)', () => {
    const drops = new DroppedRecords('0_0', recording().logger);
    expect(() => drops.add('toString' as never, 'p', at(0))).toThrow(/unknown dropped-record reason "toString"/);
    expect(() => drops.add('filtered' as never, 'p', at(0))).toThrow(/unknown dropped-record reason "filtered": one of null-key-or-value, late, expired/);
    expect(drops.total).toBe(0);
  });

  it('sums the counts of several tasks', () => {
    expect(
      sumDropped([
        { total: 3, byReason: { late: 1, 'null-key-or-value': 2 } },
        { total: 0, byReason: {} },
        { total: 2, byReason: { late: 2 } },
      ]),
    ).toEqual({ total: 5, byReason: { 'null-key-or-value': 2, late: 3 } });
  });
});

describe('docs/failures.md: the dropped-records table', () => {
  it('lists every reason, once, in the order of the union', () => {
    const doc = readFileSync(join(dirname(fileURLToPath(import.meta.url)), '../../../../../../docs/failures.md'), 'utf8');
    const section = doc.split(/^## /m).find((s) => s.startsWith('Dropped records'));
    expect(section, 'docs/failures.md has a "## Dropped records" section').toBeDefined();
    const rows = section!.split('\n').filter((l) => l.startsWith('| `'));
    const reasons = rows.flatMap((row) => [...row.split('|')[1]!.matchAll(/`([a-z-]+)`/g)].map((m) => m[1]));
    expect(reasons).toEqual([...DROPPED_RECORD_REASONS]);
  });
});
