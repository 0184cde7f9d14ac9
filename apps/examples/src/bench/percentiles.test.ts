import { describe, expect, it } from 'vitest';
import { percentile, summarizeLatencies } from './percentiles.js';

describe('percentile (nearest rank)', () => {
  it('picks the smallest sample with at least p% at or below it', () => {
    const hundred = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(hundred, 50)).toBe(50);
    expect(percentile(hundred, 99)).toBe(99);
    expect(percentile(hundred, 100)).toBe(100);
    expect(percentile(hundred, 0.5)).toBe(1);
  });

  it('returns an observed sample, not an interpolation', () => {
    expect(percentile([1, 2, 3, 4], 50)).toBe(2);
    expect(percentile([10, 20], 50)).toBe(10);
    expect(percentile([10, 20], 51)).toBe(20);
    expect(percentile([7], 99)).toBe(7);
  });

  it('puts p99 of 1,000 samples on the 990th', () => {
    const thousand = Array.from({ length: 1000 }, (_, i) => i);
    expect(percentile(thousand, 99)).toBe(989);
  });

  it('rejects no samples and p outside (0, 100]', () => {
    expect(() => percentile([], 50)).toThrow(/no samples/);
    expect(() => percentile([1], 0)).toThrow(/\(0, 100\]/);
    expect(() => percentile([1], 101)).toThrow(/\(0, 100\]/);
  });
});

describe('summarizeLatencies', () => {
  it('sorts numerically, not as strings', () => {
    // As strings, 100 < 9 < 20; a string sort would make p50 = 20 and max = 9.
    const summary = summarizeLatencies([9, 100, 20]);
    expect(summary).toEqual({ count: 3, p50Ms: 20, p99Ms: 100, maxMs: 100, meanMs: 43 });
  });

  it('sees a tail that the median hides', () => {
    // 98 fast samples and 2 slow ones: p50 stays fast, p99 lands in the tail.
    const samples = [...Array.from({ length: 98 }, () => 2), 150, 400];
    const summary = summarizeLatencies(samples)!;
    expect(summary.p50Ms).toBe(2);
    expect(summary.p99Ms).toBe(150);
    expect(summary.maxMs).toBe(400);
  });

  it('does not reorder the caller\'s samples', () => {
    const samples = [3, 1, 2];
    summarizeLatencies(samples);
    expect(samples).toEqual([3, 1, 2]);
  });

  it('is undefined for no samples', () => {
    expect(summarizeLatencies([])).toBeUndefined();
  });
});
