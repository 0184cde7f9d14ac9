/**
 * The in-memory index behind the in-memory window and session stores: values per key (key bytes as
 * latin1 strings, see {@link SortedKeyMap} for why), each in a slot with a `time` (a window's start,
 * a session's end) and a `tiebreak` (0 for windows, a session's start), and the keys per time.
 *
 * Cost model: a key's slots are an array sorted by (time, tiebreak), short in practice (the windows
 * or sessions of one key within retention), so lookups and inserts are binary searches that
 * usually end at the array's tail. Times are a sorted array (new times are usually the newest, so
 * usually appended), which makes ranges over all keys and expiry O(log t + what they touch): no
 * cost grows with the number of keys except what a caller reads.
 *
 * @internal
 */
export interface TimeSlot {
  readonly time: number;
  readonly tiebreak: number;
  readonly value: Buffer;
}

/** A slot and its key, as ranges over all keys yield them. */
export interface KeyedTimeSlot {
  readonly key: string;
  readonly slot: TimeSlot;
}

/** @internal */
export class TimeSlotIndex {
  private readonly byKey = new Map<string, TimeSlot[]>();
  private readonly keysByTime = new Map<number, Set<string>>();
  /** Sorted, unique from `head` on; may hold times whose keys are all gone (skipped by readers). */
  private times: number[] = [];
  private head = 0;
  private count = 0;

  get size(): number {
    return this.count;
  }

  get(key: string, time: number, tiebreak: number): Buffer | undefined {
    const slots = this.byKey.get(key);
    if (slots === undefined) return undefined;
    const i = slotPosition(slots, time, tiebreak);
    const slot = slots[i];
    return slot !== undefined && slot.time === time && slot.tiebreak === tiebreak ? slot.value : undefined;
  }

  set(key: string, time: number, tiebreak: number, value: Buffer): void {
    let slots = this.byKey.get(key);
    if (slots === undefined) {
      slots = [];
      this.byKey.set(key, slots);
    }
    const i = slotPosition(slots, time, tiebreak);
    const existing = slots[i];
    // A new slot object rather than a changed one: a range already returned keeps what it read.
    const slot: TimeSlot = { time, tiebreak, value };
    if (existing !== undefined && existing.time === time && existing.tiebreak === tiebreak) {
      slots[i] = slot;
      return;
    }
    if (i === slots.length) slots.push(slot);
    else slots.splice(i, 0, slot);
    this.count++;
    let keys = this.keysByTime.get(time);
    if (keys === undefined) {
      keys = new Set();
      this.keysByTime.set(time, keys);
      this.insertTime(time);
    }
    keys.add(key);
  }

  /** Removes one slot; returns its value, or undefined when there was none. */
  delete(key: string, time: number, tiebreak: number): Buffer | undefined {
    const slots = this.byKey.get(key);
    if (slots === undefined) return undefined;
    const i = slotPosition(slots, time, tiebreak);
    const slot = slots[i];
    if (slot === undefined || slot.time !== time || slot.tiebreak !== tiebreak) return undefined;
    slots.splice(i, 1);
    this.count--;
    const sameTimeLeft = slots[i]?.time === time || (i > 0 && slots[i - 1]!.time === time);
    if (!sameTimeLeft) {
      const keys = this.keysByTime.get(time);
      keys?.delete(key);
      if (keys !== undefined && keys.size === 0) this.keysByTime.delete(time);
    }
    if (slots.length === 0) this.byKey.delete(key);
    return slot.value;
  }

  /** The key's slots with `from <= time <= to`, by time then tiebreak: a copy, safe to hold while writing. */
  forKey(key: string, from: number, to: number): TimeSlot[] {
    const slots = this.byKey.get(key);
    if (slots === undefined || from > to) return [];
    const result: TimeSlot[] = [];
    for (let i = slotPosition(slots, from, -Infinity); i < slots.length; i++) {
      const slot = slots[i]!;
      if (slot.time > to) break;
      result.push(slot);
    }
    return result;
  }

  /** Every slot with `from <= time <= to`, by time, then key bytes, then tiebreak: a copy. */
  between(from: number, to: number): KeyedTimeSlot[] {
    const result: KeyedTimeSlot[] = [];
    if (from > to) return result;
    const times = this.times;
    for (let t = lowerBound(times, from, this.head); t < times.length && times[t]! <= to; t++) {
      const time = times[t]!;
      const keys = this.keysByTime.get(time);
      if (keys === undefined) continue;
      // Default sort compares code units: byte order for latin1 strings.
      for (const key of [...keys].sort()) {
        const slots = this.byKey.get(key)!;
        for (let i = slotPosition(slots, time, -Infinity); i < slots.length && slots[i]!.time === time; i++) result.push({ key, slot: slots[i]! });
      }
    }
    return result;
  }

  /** Removes every slot with `time < cutoff`; the work is proportional to what is removed. */
  removeBefore(cutoff: number): void {
    const times = this.times;
    while (this.head < times.length && times[this.head]! < cutoff) {
      const time = times[this.head++]!;
      const keys = this.keysByTime.get(time);
      if (keys === undefined) continue;
      this.keysByTime.delete(time);
      for (const key of keys) {
        const slots = this.byKey.get(key);
        if (slots === undefined) continue;
        // Older times went first, so this key's expired slots lead its array.
        let n = 0;
        while (n < slots.length && slots[n]!.time < cutoff) n++;
        if (n === 0) continue;
        this.count -= n;
        if (n === slots.length) this.byKey.delete(key);
        else slots.splice(0, n);
      }
    }
    if (this.head > 64 && this.head * 2 > times.length) {
      this.times = times.slice(this.head);
      this.head = 0;
    }
  }

  clear(): void {
    this.byKey.clear();
    this.keysByTime.clear();
    this.times = [];
    this.head = 0;
    this.count = 0;
  }

  private insertTime(time: number): void {
    const times = this.times;
    if (times.length === this.head || time > times[times.length - 1]!) {
      times.push(time);
      return;
    }
    const i = lowerBound(times, time, this.head);
    if (times[i] !== time) times.splice(i, 0, time);
  }
}

/** The first position in `slots` whose (time, tiebreak) is >= the given one. */
function slotPosition(slots: readonly TimeSlot[], time: number, tiebreak: number): number {
  let lo = 0;
  let hi = slots.length;
  // The common case, a write for the newest time, ends here without a search.
  const last = slots[hi - 1];
  if (last === undefined || last.time < time || (last.time === time && last.tiebreak < tiebreak)) return hi;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const slot = slots[mid]!;
    if (slot.time < time || (slot.time === time && slot.tiebreak < tiebreak)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function lowerBound(values: readonly number[], value: number, from: number): number {
  let lo = from;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (values[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
