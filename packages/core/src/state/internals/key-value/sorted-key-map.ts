/**
 * A Map from keys (key bytes as latin1 strings) to values, with a sorted index of its keys built
 * lazily for ranges. Internal to the state stores.
 *
 * Why latin1 strings: each byte becomes one UTF-16 code unit of the same value, so JavaScript's
 * string order (code unit by code unit, shorter first on a common prefix) is exactly the unsigned
 * byte order Kafka Streams ranges use, and a Map lookup needs no custom hashing.
 *
 * Cost model: `get`, `set` and `delete` are O(1) and never sort. `sortedKeys()` returns the index as
 * is when nothing was added since the last call; otherwise it sorts only the keys added since and
 * merges them in, O(n + a log a), into a new array. Deleted keys may stay in the index until they
 * are more than half of it, so readers skip keys that {@link SortedKeyMap.get} no longer finds.
 * An array it returned is never modified afterwards, which is what lets an iteration hold it while
 * the map keeps changing.
 *
 * @internal
 */
export class SortedKeyMap<V> {
  private readonly entries = new Map<string, V>();
  /** Sorted, unique; may still hold deleted keys. */
  private index: string[] = [];
  /** Keys inserted since the last rebuild, in arrival order; may repeat. */
  private added: string[] = [];
  private removedSinceRebuild = 0;

  /** The number of keys. */
  get size(): number {
    return this.entries.size;
  }

  /** Values are never undefined, so undefined means absent. */
  get(key: string): V | undefined {
    return this.entries.get(key);
  }

  /** Sets the value; returns the previous one, or undefined for a new key. */
  set(key: string, value: V): V | undefined {
    const previous = this.entries.get(key);
    if (previous === undefined) this.added.push(key);
    this.entries.set(key, value);
    return previous;
  }

  /** Removes the key; returns its value, or undefined when it was absent. */
  delete(key: string): V | undefined {
    const previous = this.entries.get(key);
    if (previous !== undefined) {
      this.entries.delete(key);
      this.removedSinceRebuild++;
    }
    return previous;
  }

  clear(): void {
    this.entries.clear();
    this.index = [];
    this.added = [];
    this.removedSinceRebuild = 0;
  }

  /** Entries in insertion order (not sorted): for writing a batch out. */
  unsortedEntries(): IterableIterator<[string, V]> {
    return this.entries.entries();
  }

  /** The keys in byte order; may include deleted keys (check with `get`). Never modified later. */
  sortedKeys(): readonly string[] {
    if (this.added.length > 0 || this.removedSinceRebuild * 2 > this.index.length) this.rebuild();
    return this.index;
  }

  private rebuild(): void {
    const old = this.index;
    const added = this.added;
    // Default sort compares code units: byte order for latin1 strings (see the class comment).
    added.sort();
    const next: string[] = [];
    let i = 0;
    let j = 0;
    let last: string | undefined;
    while (i < old.length || j < added.length) {
      const a = old[i];
      const b = added[j];
      let key: string;
      if (b === undefined || (a !== undefined && a < b)) {
        key = a!;
        i++;
      } else if (a === undefined || b < a) {
        key = b;
        j++;
      } else {
        key = a;
        i++;
        j++;
      }
      // A key deleted and added again is both in the old index and in `added`; `last` drops the
      // repeat, and keys deleted since are dropped here.
      if (key !== last && this.entries.has(key)) {
        next.push(key);
        last = key;
      }
    }
    this.index = next;
    this.added = [];
    this.removedSinceRebuild = 0;
  }
}

/** The first position in `keys` (sorted) whose key is >= `from`; 0 when `from` is undefined. */
export function lowerBound(keys: readonly string[], from: string | undefined): number {
  if (from === undefined) return 0;
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid]! < from) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The first position in `keys` (sorted) whose key is > `to`; the length when `to` is undefined. */
export function upperBound(keys: readonly string[], to: string | undefined): number {
  if (to === undefined) return keys.length;
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid]! <= to) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
