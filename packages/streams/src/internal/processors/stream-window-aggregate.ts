import { StreamRecord, type KeyValue, type Processor, type ProcessorContext, type ValueAndTimestamp, type WindowStore, type Windowed } from '@rivulet/core';
import type { TimeWindows } from '../../time-windows.js';
import { dropNullKey, dropsNegativeTimestamp } from './drops.js';
import { FinalResults, sharedFinalResults, type LateRecords } from './window-support.js';

/**
 * count, reduce and aggregate over time windows (tumbling or hopping), as Kafka Streams'
 * `KStreamWindowAggregate`: each record updates every window it falls in that is still open
 * (window end > stream time - grace), keeping the aggregate and the newest record timestamp per
 * key and window in a timestamped window store; a record for a closed window is dropped there and
 * counted (reason `late`), as is a record with a null key (`null-key-or-value`). A null value is
 * aggregated like any other, as Kafka Streams 4.4's `KStreamWindowAggregate` does (it skips null
 * keys only; its javadoc says null values are ignored, its code does not, and no issue tracks that).
 * Emits each update (its timestamp: the newest record's in the window), or with
 * `emitFinal` each window once, when stream time closes it.
 *
 * Final results are emitted before the record that closes their windows is applied (it cannot
 * change them), and the store's `emittedUpTo` mark, logged with the windows, keeps a restored task
 * from emitting them twice.
 */
export class StreamWindowAggregate<K, V, VA> implements Processor<K, V, Windowed<K>, VA> {
  private ctx!: ProcessorContext<Windowed<K>, VA>;
  private store!: WindowStore<K, ValueAndTimestamp<VA>>;
  private readonly sizeMs: number;
  private readonly advanceMs: number;
  private readonly graceMs: number;
  /** With `emitFinal`: the windows that still owe their final result. */
  private final: FinalResults<KeyValue<Windowed<K>, ValueAndTimestamp<VA>>> | undefined;

  constructor(
    private readonly storeName: string,
    windows: TimeWindows,
    private readonly initializer: (() => VA) | undefined,
    private readonly aggregator: (key: K, value: V, aggregate: VA | undefined) => VA,
    private readonly emitFinal: boolean,
    private readonly late: LateRecords,
  ) {
    this.sizeMs = windows.sizeMs;
    this.advanceMs = windows.advanceMs;
    this.graceMs = windows.graceMs;
  }

  init(context: ProcessorContext<Windowed<K>, VA>): void {
    this.ctx = context;
    this.store = context.getStateStore<WindowStore<K, ValueAndTimestamp<VA>>>(this.storeName);
    const store = this.store;
    if (this.emitFinal) this.final = sharedFinalResults(context, this.storeName, () => new FinalResults(store, (from, to) => store.fetchAll(from, to), (e) => e.key.window.start));
  }

  process(record: StreamRecord<K, V>): void {
    const closeTime = this.ctx.currentStreamTimeMs() - this.graceMs;
    // Final results go out before the record that closes their windows is applied (it cannot change them).
    this.final?.emitUpTo(closeTime - this.sizeMs, (e) => this.ctx.forward(new StreamRecord<Windowed<K>, VA>(e.key, e.value.value, e.value.timestamp)));
    const { key, value, timestamp } = record;
    if (key === null || key === undefined) return dropNullKey(this.ctx);
    if (dropsNegativeTimestamp(this.ctx, timestamp)) return;
    const size = this.sizeMs;
    const advance = this.advanceMs;
    const first = Math.max(0, timestamp - size + advance);
    let lateStart = -1;
    for (let start = first - (first % advance); start <= timestamp; start += advance) {
      const end = start + size;
      if (end <= closeTime) {
        lateStart = start;
        continue;
      }
      const old = this.store.fetch(key, start);
      const current = old === undefined ? (this.initializer === undefined ? undefined : this.initializer()) : old.value;
      const next = this.aggregator(key, value, current);
      const newest = old === undefined || timestamp > old.timestamp ? timestamp : old.timestamp;
      this.store.put(key, { value: next, timestamp: newest }, start);
      if (this.final !== undefined) this.final.add(start);
      else this.ctx.forward(new StreamRecord<Windowed<K>, VA>({ key, window: { start, end } }, next, newest, record.headers));
    }
    if (lateStart >= 0) {
      this.late.drop(this.ctx, () => `key ${String(key)} at ${timestamp} for window [${lateStart}, ${lateStart + size}), closed at stream time ${closeTime + this.graceMs} (grace ${this.graceMs} ms)`);
    }
  }
}
