import { StreamRecord, type KeyValue, type Processor, type ProcessorContext, type SessionStore, type Windowed } from '@rivulet/core';
import type { SessionWindows } from '../../session-windows.js';
import { dropsNegativeTimestamp, dropsNullKeyOrValue } from './drops.js';
import { FinalResults, type LateRecords } from './window-support.js';

/**
 * count, reduce and aggregate over session windows, as Kafka Streams'
 * `KStreamSessionWindowAggregate`: a record at `t` merges the key's sessions within the
 * inactivity gap of it (those ending at or after `t - gap` and starting at or before `t + gap`)
 * into one session, their aggregates combined by the merger, then adds itself. Merged sessions are
 * removed from the store and, when emitting updates, deleted downstream (a tombstone, at the old
 * session's end) before the new session's result is sent (its timestamp: the session's end).
 *
 * A record whose merged session ends before stream time - grace is late: dropped and counted. A
 * session is closed (final) once its end + gap is before stream time - grace: it takes no more
 * records and merges no more; with `emitFinal`, that is when it is emitted (see
 * {@link StreamWindowAggregate} for the mark).
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
    if (this.emitFinal) this.final = new FinalResults(store, (from, to) => store.findAllSessions(from, to), (e) => e.key.window.end);
  }

  process(record: StreamRecord<K, V>): void {
    const closeTime = this.ctx.currentStreamTimeMs() - this.graceMs;
    // Sessions that can no longer grow (end + gap before stream time - grace) emit their final result.
    this.final?.emitUpTo(closeTime - this.gapMs - 1, (e) => this.ctx.forward(new StreamRecord<Windowed<K>, VA | null>(e.key, e.value, e.key.window.end)));
    const { key, value, timestamp: t } = record;
    if (dropsNullKeyOrValue(this.ctx, key, value) || dropsNegativeTimestamp(this.ctx, t)) return;
    // Sessions within the gap of t, except closed ones (end + gap before the close time): those are
    // final, and may have been emitted as such. (A record could otherwise reach one through a
    // session that bridges them; the store's retention would decide whether it still can.)
    const earliestEnd = Math.max(t, closeTime) - this.gapMs;
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
        () => `key ${String(key)} at ${t} for session [${start}, ${end}], closed at stream time ${closeTime + this.graceMs} (grace ${this.graceMs} ms)`,
      );
      return;
    }
    for (const session of merged) {
      const window = session.key.window;
      // The session that already has the merged bounds is overwritten below, not deleted.
      if (window.start === start && window.end === end) continue;
      this.store.remove(session.key);
      if (!this.emitFinal) this.ctx.forward(new StreamRecord<Windowed<K>, VA | null>(session.key, null, window.end, record.headers));
    }
    const next = this.aggregator(key, value, aggregate);
    const session: Windowed<K> = { key, window: { start, end } };
    this.store.put(session, next);
    if (this.final !== undefined) this.final.add(end);
    else this.ctx.forward(new StreamRecord<Windowed<K>, VA | null>(session, next, end, record.headers));
  }

}
