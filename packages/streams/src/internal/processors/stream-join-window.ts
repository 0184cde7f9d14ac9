import type { Processor, ProcessorContext, StreamRecord } from '@rivulet/core';
import type { JoinWindowBuffer } from '../join-window-buffer.js';
import type { JoinSide } from '../outer-join-buffer.js';
import type { StreamJoinShared } from '../stream-join-state.js';

/**
 * The first node of each side of a stream-stream join: forwards every record to the side's join
 * node, then buffers it (when it has a key and a value) for the other side's records to find.
 * Forwarding first means a self-join does not join a record with itself, as in Kafka Streams. A
 * record older than the buffer's retention is not buffered: it is reported as dropped (`expired`).
 */
export class StreamJoinWindow<K, V> implements Processor<K, V, K, V> {
  private ctx!: ProcessorContext<K, V>;
  private buffer!: JoinWindowBuffer<K, V>;

  constructor(
    private readonly shared: StreamJoinShared<K, unknown, unknown>,
    private readonly side: JoinSide,
  ) {}

  init(context: ProcessorContext<K, V>): void {
    this.ctx = context;
    const state = this.shared.forTask(context);
    this.buffer = (this.side === 'left' ? state.leftBuffer(context) : state.rightBuffer(context)) as JoinWindowBuffer<K, V>;
  }

  process(record: StreamRecord<K, V>): void {
    this.ctx.forward(record);
    // A null key or value is reported by the join node, which drops the record.
    if (record.key === null || record.key === undefined || record.value === null || record.value === undefined) return;
    const { timestamp } = record;
    if (!this.buffer.put(record.key, record.value, timestamp)) {
      // Joined with what the other side had, but too old to keep: later records of the other side
      // will not find it (Kafka Streams' window store counts it as an expired record).
      this.ctx.reportDropped('expired', () => this.buffer.describeExpired(timestamp));
    }
  }
}
