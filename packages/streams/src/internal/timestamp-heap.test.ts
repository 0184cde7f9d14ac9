import { describe, expect, it } from 'vitest';
import { TimestampHeap } from './timestamp-heap.js';

describe('TimestampHeap', () => {
  it('pops items oldest first, whatever the order they were pushed in', () => {
    const heap = new TimestampHeap<{ timestamp: number; n: number }>();
    // A fixed pseudo-random sequence with duplicates.
    const timestamps = Array.from({ length: 500 }, (_, i) => (i * 7919) % 263);
    timestamps.forEach((timestamp, n) => heap.push({ timestamp, n }));
    expect(heap.size).toBe(500);
    const popped: number[] = [];
    for (let item = heap.pop(); item !== undefined; item = heap.pop()) popped.push(item.timestamp);
    expect(popped).toEqual([...timestamps].sort((a, b) => a - b));
    expect(heap.peek()).toBeUndefined();
  });

  it('peeks at the oldest without removing it', () => {
    const heap = new TimestampHeap<{ timestamp: number }>();
    heap.push({ timestamp: 5 });
    heap.push({ timestamp: 3 });
    expect(heap.peek()).toEqual({ timestamp: 3 });
    expect(heap.size).toBe(2);
  });
});
