import { describe, expect, it } from 'vitest';
import { RatePacer } from './rate-pacer.js';

describe('RatePacer', () => {
  it('schedules rate x duration records, one every 1000/rate ms', () => {
    const pacer = new RatePacer(2000, 10_000, 1_000);
    expect(pacer.total).toBe(20_000);
    expect(pacer.scheduledAt(0)).toBe(1_000);
    expect(pacer.scheduledAt(1)).toBe(1_000.5);
    expect(pacer.scheduledAt(2000)).toBe(2_000);
  });

  it('counts the records due at a time, the first at the start', () => {
    const pacer = new RatePacer(1000, 5_000, 10_000);
    expect(pacer.dueBy(9_999)).toBe(0);
    expect(pacer.dueBy(10_000)).toBe(1);
    expect(pacer.dueBy(10_000.9)).toBe(1);
    expect(pacer.dueBy(10_001)).toBe(2);
    expect(pacer.dueBy(11_000)).toBe(1_001);
  });

  it('never schedules more than the total, however late it is asked', () => {
    const pacer = new RatePacer(1000, 5_000, 0);
    expect(pacer.dueBy(4_999)).toBe(5_000);
    expect(pacer.dueBy(60_000)).toBe(5_000);
  });

  it('lets a late sender catch up instead of lowering the rate', () => {
    const pacer = new RatePacer(100, 1_000, 0);
    // A sender stalled for 300 ms sends everything due at once, then keeps to the schedule.
    let sent = pacer.dueBy(0);
    expect(sent).toBe(1);
    sent = pacer.dueBy(300);
    expect(sent).toBe(31);
    expect(pacer.waitFor(sent, 300)).toBe(10);
    expect(pacer.waitFor(sent, 315)).toBe(0);
  });

  it('gives a fractional rate its exact schedule', () => {
    const pacer = new RatePacer(3, 2_000, 0);
    expect(pacer.total).toBe(6);
    expect(pacer.dueBy(333)).toBe(1);
    expect(pacer.dueBy(334)).toBe(2);
  });

  it('rejects a rate that is not positive', () => {
    expect(() => new RatePacer(0, 1_000, 0)).toThrow(/rate must be > 0/);
    expect(() => new RatePacer(Number.NaN, 1_000, 0)).toThrow(/rate must be > 0/);
  });
});
