import { StreamRecord, type KeyValue, type Processor, type ProcessorContext, type SessionStore, type Windowed } from '@rivulet/core';
import type { SessionWindows } from '../../session-windows.js';
import { dropNullKey, dropsNegativeTimestamp } from './drops.js';
import { FinalResults, sharedFinalResults, type LateRecords } from './window-support.js';

/**
 * count, reduce and aggregate over session windows, as Kafka Streams'
 * `KStreamSessionWindowAggregate`: a record at `t` merges the key's sessions within the
 * inactivity gap of it (those ending at or after `t - gap` and starting at or before `t + gap`)
 * into one session, their aggregates combined by the merger, then adds itself. Merged sessions are
 * removed from the store and, when emitting updates, deleted downstream (a tombstone, at the old
 * session's end) before the new session's result is sent (its timestamp: the session's end).
 *
 * A session is closed once its end + gap + grace is before stream time (its end before the close
 * time, stream time - grace - gap), as in Kafka Streams: a record whose merged session ends before
 * the close time is late, dropped and counted; a closed session takes no more records and merges no
 * more; with `emitFinal`, that is when it is emitted (see {@link StreamWindowAggregate} for the
 * mark). The gap counts because a session may still grow by a record up to `gap` after its end.
 * A record with a null key is dropped and reported (`null-key-or-value`); a null value is aggregated
 * like any other, as Kafka Streams 4.4 does (its javadoc says null values are ignored, its code
 * skips null keys only).
 */
export class StreamSessionWindowAggregate<K, V, VA> implements Processor<K, V, Windowed<K>, VA | null> {
  private ctx!: ProcessorContext<Windowed<K>, VA | null>;
  private store!: SessionStore<K, VA>;
  private readonly gapMs: number;
  private readonly graceMs: number;
  /** With `emitFinal`: the sessions that still owe their final result. */
  private final: FinalResults<KeyValue<Windowed<K>, VA>> | undefined;

  constructor(
    private readonly storeName: string,
    windows: SessionWindows,
    private readonly initializer: (() => VA) | undefined,
    private readonly aggregator: (key: K, value: V, aggregate: VA | undefined) => VA,
    private readonly merger: (key: K, aggregate: VA | undefined, other: VA) => VA,
    private readonly emitFinal: boolean,
    private readonly late: LateRecords,
  ) {
    this.gapMs = windows.inactivityGapMs;
    this.graceMs = windows.graceMs;
  }

  init(context: ProcessorContext<Windowed<K>, VA | null>): void {
    this.ctx = context;
    this.store = context.getStateStore<SessionStore<K, VA>>(this.storeName);
    const store = this.store;
    if (this.emitFinal) this.final = sharedFinalResults(context, this.storeName, () => new FinalResults(store, (from, to) => store.findAllSessions(from, to), (e) => e.key.window.end));
  }

  process(record: StreamRecord<K, V>): void {
    // Kafka Streams' window close time for sessions: stream time - grace - gap.
    const closeTime = this.ctx.currentStreamTimeMs() - this.graceMs - this.gapMs;
    // Sessions that can no longer grow (end before the close time) emit their final result.
    this.final?.emitUpTo(closeTime - 1, (e) => this.ctx.forward(new StreamRecord<Windowed<K>, VA | null>(e.key, e.value, e.key.window.end)));
    const { key, value, timestamp: t } = record;
    // Null keys only: a null value is aggregated, as Kafka Streams 4.4's KStreamSessionWindowAggregate does.
    if (key === null || key === undefined) return dropNullKey(this.ctx);
    if (dropsNegativeTimestamp(this.ctx, t)) return;
    // Sessions within the gap of t, except closed ones (end before the close time): those are
    // final, and may have been emitted as such. (A record could otherwise reach one through a
    // session that bridges them; the store's retention would decide whether it still can.)
    const earliestEnd = Math.max(t - this.gapMs, closeTime);
    const merged: KeyValue<Windowed<K>, VA>[] = [...this.store.findSessions(key, earliestEnd, t + this.gapMs)];
    let start = t;
    let end = t;
    let aggregate = this.initializer === undefined ? undefined : this.initializer();
    for (const session of merged) {
      aggregate = this.merger(key, aggregate, session.value);
      if (session.key.window.start < start) start = session.key.window.start;
      if (session.key.window.end > end) end = session.key.window.end;
    }
    if (end < closeTime) {
      this.late.drop(
        this.ctx,
        () => `key ${String(key)} at ${t} for session [${start}, ${end}], closed at stream time ${closeTime + this.graceMs + this.gapMs} (gap ${this.gapMs} ms, grace ${this.graceMs} ms)`,
      );
      return;
    }
    // Unless the record only repeats a one-point session [t, t], every merged session is deleted
    // downstream, even one that already has the merged bounds (Kafka Streams forwards its tombstone
    // too, just before the new result for the same window).
    if (start !== t || end !== t) {
      for (const session of merged) {
        this.store.remove(session.key);
        if (!this.emitFinal) this.ctx.forward(new StreamRecord<Windowed<K>, VA | null>(session.key, null, session.key.window.end, record.headers));
      }
    }
    const next = this.aggregator(key, value, aggregate);
    const session: Windowed<K> = { key, window: { start, end } };
    this.store.put(session, next);
    if (this.final !== undefined) this.final.add(end);
    else this.ctx.forward(new StreamRecord<Windowed<K>, VA | null>(session, next, end, record.headers));
  }

}
