import { StreamRecord, type KeyValue, type Processor, type ProcessorContext, type ValueAndTimestamp, type WindowStore, type Windowed } from '@rivulet/core';
import type { SlidingWindows } from '../../sliding-windows.js';
import { dropsNegativeTimestamp, dropsNullKeyOrValue } from './drops.js';
import { FinalResults, sharedFinalResults, type LateRecords } from './window-support.js';

type Aggregate<VA> = ValueAndTimestamp<VA | undefined>;

/**
 * count, reduce and aggregate over sliding windows, following Kafka Streams'
 * `KStreamSlidingWindowAggregate`: windows `[start, start + d]` exist only where records are. A
 * record at `t` updates the existing windows that contain it, creates its left window `[t - d, t]`
 * (from the aggregate of the window just before, when the previous record is within `d`), its
 * right window `[t + 1, t + 1 + d]` when later records exist, and the previous record's right
 * window when this record falls in it. Records earlier than `d` share the window `[0, d]`. The
 * window store keeps each window's newest record timestamp, which these decisions read. As Kafka
 * Streams does (its reverse-iterator path, the one its stores take), the existing windows are
 * updated newest start first, so their updates are emitted in that order.
 *
 * A window whose end is before stream time - grace is closed: a record for it is dropped there
 * (counted once per record). Final results (`emitFinal`) are emitted as in {@link StreamWindowAggregate}.
 */
export class StreamSlidingWindowAggregate<K, V, VA> implements Processor<K, V, Windowed<K>, VA> {
  private ctx!: ProcessorContext<Windowed<K>, VA>;
  private store!: WindowStore<K, Aggregate<VA>>;
  private readonly diff: number;
  private readonly graceMs: number;
  /** With `emitFinal`: the windows that still owe their final result. */
  private final: FinalResults<KeyValue<Windowed<K>, Aggregate<VA>>> | undefined;
  /** Set when a window of the record being processed was closed. */
  private lateWindow = -1;
  private headers: StreamRecord<K, V>['headers'] | undefined;

  constructor(
    private readonly storeName: string,
    windows: SlidingWindows,
    private readonly initializer: (() => VA) | undefined,
    private readonly aggregator: (key: K, value: V, aggregate: VA | undefined) => VA,
    private readonly emitFinal: boolean,
    private readonly late: LateRecords,
  ) {
    this.diff = windows.timeDifferenceMs;
    this.graceMs = windows.graceMs;
  }

  init(context: ProcessorContext<Windowed<K>, VA>): void {
    this.ctx = context;
    this.store = context.getStateStore<WindowStore<K, Aggregate<VA>>>(this.storeName);
    const store = this.store;
    if (this.emitFinal) this.final = sharedFinalResults(context, this.storeName, () => new FinalResults(store, (from, to) => store.fetchAll(from, to), (e) => e.key.window.start));
  }

  process(record: StreamRecord<K, V>): void {
    const closeTime = this.ctx.currentStreamTimeMs() - this.graceMs;
    // A window [start, start + d] is closed once its end is before stream time - grace.
    this.final?.emitUpTo(closeTime - this.diff - 1, (e) => this.ctx.forward(new StreamRecord<Windowed<K>, VA>(e.key, e.value.value as VA, e.value.timestamp)));
    const { key, value, timestamp } = record;
    if (dropsNullKeyOrValue(this.ctx, key, value) || dropsNegativeTimestamp(this.ctx, timestamp)) return;
    if (timestamp + 1 + this.diff <= closeTime) {
      this.late.drop(this.ctx, () => this.describeLate(key, timestamp, timestamp - this.diff, closeTime));
      return;
    }
    this.headers = record.headers;
    this.lateWindow = -1;
    if (timestamp < this.diff) this.processEarly(key, value, timestamp, closeTime);
    else this.processInOrder(key, value, timestamp, closeTime);
    if (this.lateWindow >= 0) {
      const start = this.lateWindow;
      this.late.drop(this.ctx, () => this.describeLate(key, timestamp, start, closeTime));
    }
  }

  private processInOrder(key: K, value: V, t: number, closeTime: number): void {
    const diff = this.diff;
    const starts = new Set<number>();
    let leftAgg: Aggregate<VA> | undefined;
    let rightAgg: Aggregate<VA> | undefined;
    let leftExists = false;
    let rightExists = false;
    let previous: number | undefined;
    // From t + 1 (this record's right window) back to two differences before t (the previous
    // record's left window), newest start first; the walk stops at the first window before t.
    const windows = [...this.store.fetch(key, Math.max(0, t - 2 * diff), t + 1)].reverse();
    for (const { key: start, value: window } of windows) {
      starts.add(start);
      const end = start + diff;
      if (start === t + 1) {
        rightExists = true;
      } else if (end > t) {
        // The newest window holding t: the records after t in it are those of t's right window.
        rightAgg ??= window;
        this.update(key, value, start, window, t, closeTime);
      } else if (end === t) {
        leftExists = true;
        this.update(key, value, start, window, t, closeTime);
        // A record at t was here before: its windows exist already.
        if (window.timestamp >= t) return;
        previous = window.timestamp;
      } else {
        leftAgg = window;
        previous = window.timestamp;
        break;
      }
    }
    if (previous !== undefined) {
      const previousRight = previous + 1;
      if (!starts.has(previousRight) && previousRight + diff >= t) this.update(key, value, previousRight, this.fresh(t), t, closeTime);
    }
    if (!leftExists) {
      const left = previous !== undefined && leftAgg !== undefined && t - diff <= previous ? { value: leftAgg.value, timestamp: t } : this.fresh(t);
      this.update(key, value, t - diff, left, t, closeTime);
    }
    if (!rightExists && rightAgg !== undefined && rightAgg.timestamp > t) this.createRight(key, t, rightAgg);
  }

  /** A record before the first full difference: its windows would start before 0, so `[0, d]` holds them all. */
  private processEarly(key: K, value: V, t: number, closeTime: number): void {
    const starts = new Set<number>();
    let combined: Aggregate<VA> | undefined;
    let rightAgg: Aggregate<VA> | undefined;
    let rightExists = false;
    let previous: number | undefined;
    for (const { key: start, value: window } of this.store.fetch(key, 0, t + 1)) {
      starts.add(start);
      if (start === 0) {
        combined = window;
        if (window.timestamp < t) previous = window.timestamp;
      } else if (start <= t) {
        rightAgg = window;
        this.update(key, value, start, window, t, closeTime);
      } else if (start === t + 1) {
        rightExists = true;
      }
    }
    // With no right window found, [0, d] holds only records after t when its newest is after t.
    if (rightAgg === undefined && combined !== undefined && combined.timestamp > t) rightAgg = combined;
    if (!rightExists && rightAgg !== undefined && rightAgg.timestamp > t) this.createRight(key, t, rightAgg);
    if (previous !== undefined && !starts.has(previous + 1)) this.update(key, value, previous + 1, this.fresh(t), t, closeTime);
    this.update(key, value, 0, combined ?? this.fresh(t), t, closeTime);
  }

  private fresh(t: number): Aggregate<VA> {
    return { value: this.initializer === undefined ? undefined : this.initializer(), timestamp: t };
  }

  /** Adds the record to the window starting at `start`, unless the window is closed. */
  private update(key: K, value: V, start: number, window: Aggregate<VA>, t: number, closeTime: number): void {
    const end = start + this.diff;
    if (end < closeTime) {
      this.lateWindow = start;
      return;
    }
    const next = this.aggregator(key, value, window.value);
    const newest = window.value === undefined || t > window.timestamp ? t : window.timestamp;
    this.store.put(key, { value: next, timestamp: newest }, start);
    this.emit(key, start, next, newest);
  }

  /** This record's right window `[t + 1, t + 1 + d]`: the records after it, whose aggregate is `rightAgg`. */
  private createRight(key: K, t: number, rightAgg: Aggregate<VA>): void {
    const start = t + 1;
    this.store.put(key, rightAgg, start);
    this.emit(key, start, rightAgg.value as VA, rightAgg.timestamp);
  }

  private emit(key: K, start: number, value: VA, timestamp: number): void {
    if (this.final !== undefined) this.final.add(start);
    else this.ctx.forward(new StreamRecord<Windowed<K>, VA>({ key, window: { start, end: start + this.diff } }, value, timestamp, this.headers));
  }

  private describeLate(key: K, t: number, start: number, closeTime: number): string {
    return `key ${String(key)} at ${t} for window [${start}, ${start + this.diff}], closed at stream time ${closeTime + this.graceMs} (grace ${this.graceMs} ms)`;
  }
}
