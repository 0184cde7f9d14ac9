import { StreamRecord, type Processor, type ProcessorContext } from '@rivulet/core';
import type { JoinWindowBuffer } from '../join-window-buffer.js';
import type { JoinSide, OuterJoinBuffer } from '../outer-join-buffer.js';
import type { StreamJoinShared, StreamJoinTaskState } from '../stream-join-state.js';
import { dropNullKey, dropNullValue } from './drops.js';

/**
 * One side of a stream-stream join, after its {@link StreamJoinWindow}: each record joins with the
 * other side's buffered records of the same key within the join window, as Kafka Streams 3.x does:
 *
 * - a match forwards `joiner(left, right)` at the later of the two timestamps;
 * - in a left join (left side) or an outer join (both sides), a record without a match waits in the
 *   outer buffer and is forwarded joined with null once its window closes, that is once the join's
 *   stream time passes its timestamp + the time difference after it + grace; a record whose window
 *   has already closed when it arrives is forwarded at once. A later match removes it from the buffer;
 * - closed windows are looked for whenever a record advances the join's stream time;
 * - a record with a null value is dropped; one with a null key is dropped, except on an outer side
 *   where it is forwarded at once joined with null (it can never match; KIP-962). Each drop is
 *   reported here, once (reason `null-key-or-value`), not by the side's `StreamJoinWindow`.
 */
export class StreamStreamJoin<K, V, VR> implements Processor<K, V, K, VR> {
  private ctx!: ProcessorContext<K, VR>;
  private state!: StreamJoinTaskState<K, unknown, unknown>;
  private other!: JoinWindowBuffer<K, unknown>;
  private outerBuffer: OuterJoinBuffer<K, unknown, unknown> | undefined;
  private readonly otherSide: JoinSide;
  /** How far before / after this record's timestamp the other side's records join it. */
  private readonly lookBeforeMs: number;
  private readonly lookAfterMs: number;
  private readonly graceMs: number;

  constructor(
    private readonly shared: StreamJoinShared<K, unknown, unknown>,
    private readonly side: JoinSide,
    /** True when this side's records without a match are emitted joined with null. */
    private readonly outer: boolean,
    /** The user's joiner, always called as (left value, right value, key). */
    private readonly joiner: (left: unknown, right: unknown, key: K) => VR,
  ) {
    const { beforeMs, afterMs, graceMs } = shared.spec.windows;
    this.otherSide = side === 'left' ? 'right' : 'left';
    // The window is defined from the left record: right in [left - before, left + after], hence
    // left in [right - after, right + before] as seen from the right.
    this.lookBeforeMs = side === 'left' ? beforeMs : afterMs;
    this.lookAfterMs = side === 'left' ? afterMs : beforeMs;
    this.graceMs = graceMs;
  }

  init(context: ProcessorContext<K, VR>): void {
    this.ctx = context;
    this.state = this.shared.forTask(context);
    this.other = this.side === 'left' ? this.state.rightBuffer(context) : this.state.leftBuffer(context);
    this.outerBuffer = this.state.outerBuffer(context);
  }

  process(record: StreamRecord<K, V>): void {
    const state = this.state;
    const timestamp = record.timestamp;
    if (timestamp > state.streamTime) state.streamTime = timestamp;
    const { key, value } = record;
    if (value === null || value === undefined) {
      dropNullValue(this.ctx);
      return;
    }
    if (key === null || key === undefined) {
      if (this.outer) this.ctx.forward(record.withValue(this.joinAlone(this.side, value, key)));
      else dropNullKey(this.ctx);
      return;
    }
    if (this.outerBuffer !== undefined && timestamp === state.streamTime) this.emitClosedWindows(this.outerBuffer);

    const matches = this.other.fetch(key, timestamp - this.lookBeforeMs, timestamp + this.lookAfterMs);
    for (const match of matches) {
      // The other record found its partner: it will not be emitted joined with null.
      this.outerBuffer?.remove(this.otherSide, key, match.timestamp);
      const joined = this.side === 'left' ? this.joiner(value, match.value, key) : this.joiner(match.value, value, key);
      this.ctx.forward(record.withValue(joined).withTimestamp(Math.max(timestamp, match.timestamp)));
    }
    if (matches.length > 0 || !this.outer) return;
    if (this.outerBuffer === undefined || timestamp + this.lookAfterMs + this.graceMs < state.streamTime) {
      // Late enough that its window has closed already: no partner can come any more.
      this.ctx.forward(record.withValue(this.joinAlone(this.side, value, key)));
      return;
    }
    this.outerBuffer.put(this.side, key, value, timestamp);
  }

  /** Forwards, joined with null, the waiting records whose window has closed, oldest first. */
  private emitClosedWindows(buffer: OuterJoinBuffer<K, unknown, unknown>): void {
    const { beforeMs, afterMs } = this.shared.spec.windows;
    // A left record's window ends `after` its timestamp, a right record's `before` it.
    for (const entry of buffer.closed(this.state.streamTime, afterMs + this.graceMs, beforeMs + this.graceMs)) {
      for (const value of entry.values) {
        this.ctx.forward(new StreamRecord(entry.key, this.joinAlone(entry.side, value, entry.key), entry.timestamp));
      }
      buffer.delete(entry.storeKey);
    }
  }

  private joinAlone(side: JoinSide, value: unknown, key: K): VR {
    return side === 'left' ? this.joiner(value, null, key) : this.joiner(null, value, key);
  }
}
