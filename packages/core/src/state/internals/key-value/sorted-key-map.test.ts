import { describe, expect, it } from 'vitest';
import { lowerBound, SortedKeyMap, upperBound } from './sorted-key-map.js';

const live = (map: SortedKeyMap<number>): string[] => map.sortedKeys().filter((k) => map.get(k) !== undefined);

describe('SortedKeyMap', () => {
  it('sorts keys in code-unit (byte) order, merging keys added since the last sort', () => {
    const map = new SortedKeyMap<number>();
    for (const k of ['b', 'a\0', 'a']) map.set(k, 1);
    expect(map.sortedKeys()).toEqual(['a', 'a\0', 'b']);
    for (const k of ['\xff', '', 'a\0\0']) map.set(k, 1);
    expect(map.sortedKeys()).toEqual(['', 'a', 'a\0', 'a\0\0', 'b', '\xff']);
  });

  it('returns the same index, uncopied, while nothing is added', () => {
    const map = new SortedKeyMap<number>();
    map.set('a', 1);
    map.set('b', 1);
    const index = map.sortedKeys();
    map.set('a', 2); // an overwrite adds no key
    expect(map.sortedKeys()).toBe(index);
    map.set('c', 1);
    const next = map.sortedKeys();
    expect(next).not.toBe(index);
    expect(index).toEqual(['a', 'b']); // an index handed out is never modified
  });

  it('keeps each key once through deletes and re-adds', () => {
    const map = new SortedKeyMap<number>();
    for (const k of ['a', 'b', 'c', 'd']) map.set(k, 1);
    map.sortedKeys();
    map.delete('b');
    map.set('b', 2);
    map.delete('c');
    map.set('e', 1);
    map.delete('e');
    map.set('e', 1);
    expect(map.sortedKeys()).toEqual(['a', 'b', 'd', 'e']);
    map.delete('a');
    map.delete('b');
    map.delete('d');
    expect(live(map)).toEqual(['e']);
    expect(map.sortedKeys()).toEqual(['e']); // more than half deleted: compacted
    expect(map.size).toBe(1);
  });

  it('finds range bounds by binary search', () => {
    const keys = ['a', 'a\0', 'ab', 'b'];
    expect(lowerBound(keys, 'a\0')).toBe(1);
    expect(lowerBound(keys, 'aa')).toBe(2);
    expect(lowerBound(keys, undefined)).toBe(0);
    expect(upperBound(keys, 'ab')).toBe(3);
    expect(upperBound(keys, 'a\xff')).toBe(3);
    expect(upperBound(keys, undefined)).toBe(4);
    expect(lowerBound(keys, 'z')).toBe(4);
  });
});
