import type { Processor, ProcessorContext, StreamRecord } from '@rivulet/core';
import type { JoinWindowBuffer } from '../join-window-buffer.js';
import type { JoinSide } from '../outer-join-buffer.js';
import type { StreamJoinShared } from '../stream-join-state.js';

/**
 * The first node of each side of a stream-stream join: forwards every record to the side's join
 * node, then buffers it (when it has a key and a value) for the other side's records to find.
 * Forwarding first means a self-join does not join a record with itself, as in Kafka Streams.
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
    if (record.key === null || record.key === undefined || record.value === null || record.value === undefined) return;
    this.buffer.put(record.key, record.value, record.timestamp);
  }
}
