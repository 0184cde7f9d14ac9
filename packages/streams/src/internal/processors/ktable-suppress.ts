import { StreamRecord, type Processor, type ProcessorContext, type Windowed } from '@rivulet/core';
import type { BufferFullStrategy } from '../../suppressed.js';
import { SuppressionBufferFullError } from '../../suppression-buffer-full-error.js';
import type { Eviction, SuppressionBuffer } from '../suppress/suppression-buffer.js';
import { TableChange, isOutOfOrderVersion, oldValueOf } from '../table-change.js';
import { dropNullKey } from './drops.js';

/** What a suppress node needs to know of its `Suppressed`, resolved when the topology is built. */
export interface SuppressSettings {
  /** The operator's node name, for the buffer-full error. */
  readonly name: string;
  /** The buffer store. */
  readonly storeName: string;
  /** True for untilWindowCloses: the buffer time is the window end, and deletions are never emitted. */
  readonly windowClose: boolean;
  /** How long after its buffer time an entry is emitted: the window grace, or the time limit. */
  readonly suppressMs: number;
  readonly maxRecords: number;
  readonly maxBytes: number;
  readonly strategy: BufferFullStrategy;
}

/**
 * `KTable.suppress` (Kafka Streams' `KTableSuppressProcessor`): buffers the latest update per key
 * and emits it once stream time, the largest record timestamp this node has seen (never the wall
 * clock, so the TopologyTestDriver and a real run agree), reaches its buffer time + `suppressMs`.
 * Buffer time: the window end for `untilWindowCloses`, the first buffered update's timestamp for
 * `untilTimeLimit`. Over its bounds, the buffer emits its earliest entries early or fails the app,
 * as configured. An emitted update carries the latest update's timestamp and headers and, as its
 * old value, the key's value before its first buffered update (what downstream last saw of it).
 * `untilWindowCloses` drops deletions (a merged session's), as Kafka Streams does; `untilTimeLimit`
 * emits them.
 */
export class KTableSuppress<K, V> implements Processor<K, V | null, K, V | null> {
  private ctx!: ProcessorContext<K, V | null>;
  private buffer!: SuppressionBuffer<K, V>;
  // Kafka Streams keeps it per processor and starts it over when the task is opened: after a
  // restart, restored entries wait for the next record to be due.
  private observedStreamTime = -1;

  constructor(private readonly settings: SuppressSettings) {}

  init(context: ProcessorContext<K, V | null>): void {
    this.ctx = context;
    this.buffer = context.getStateStore<SuppressionBuffer<K, V>>(this.settings.storeName);
  }

  process(record: StreamRecord<K, V | null>): void {
    if (record.key === null || record.key === undefined) {
      dropNullKey(this.ctx);
      return;
    }
    if (isOutOfOrderVersion(record)) return; // KIP-914: not the table's latest value (Kafka Streams refuses suppress on a versioned table)
    this.observedStreamTime = Math.max(this.observedStreamTime, record.timestamp);
    const bufferTime = this.settings.windowClose ? (record.key as unknown as Windowed<unknown>).window.end : record.timestamp;
    this.buffer.put(bufferTime, {
      key: record.key,
      value: record.value ?? null,
      oldValue: oldValueOf(record),
      timestamp: record.timestamp,
      headers: record.headers,
      topic: this.ctx.recordMetadata()?.topic ?? '',
    });
    this.enforceConstraints();
  }

  private enforceConstraints(): void {
    const { buffer, settings } = this;
    const expiryTime = this.observedStreamTime - settings.suppressMs;
    while (buffer.minTime <= expiryTime) this.emit(buffer.evictFirst()!);
    if (!this.overCapacity()) return;
    if (settings.strategy === 'emit-early') {
      while (this.overCapacity()) this.emit(buffer.evictFirst()!);
      return;
    }
    const meta = this.ctx.recordMetadata() ?? { topic: '', partition: -1, offset: '-1' };
    throw new SuppressionBufferFullError(
      settings.name,
      { count: buffer.numRecords, max: settings.maxRecords },
      { count: buffer.bufferSize, max: settings.maxBytes },
      { topic: meta.topic, partition: meta.partition, offset: meta.offset },
      this.ctx.taskId,
    );
  }

  private overCapacity(): boolean {
    return this.buffer.numRecords > this.settings.maxRecords || this.buffer.bufferSize > this.settings.maxBytes;
  }

  private emit(e: Eviction<K, V>): void {
    if (e.value === null && this.settings.windowClose) return;
    this.ctx.forward(
      e.priorValue === undefined ? new StreamRecord<K, V | null>(e.key, e.value, e.timestamp, e.headers) : new TableChange<K, V>(e.key, e.value, e.priorValue, e.timestamp, e.headers),
    );
  }
}
