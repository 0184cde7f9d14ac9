import { changelogTopic, type KeyValueStore, type ProcessorContext } from '@rivulet/core';
import type { Serde } from '@rivulet/serde';
import type { JoinWindows } from '../join-windows.js';
import { JoinWindowBuffer } from './join-window-buffer.js';
import { OuterJoinBuffer } from './outer-join-buffer.js';

/** What the processors of one stream-stream join share, fixed when the topology is built. */
export interface StreamJoinSpec<K, VL, VR> {
  readonly windows: JoinWindows;
  readonly leftStore: string;
  readonly rightStore: string;
  /** The store of records waiting for a partner; left and outer joins only. */
  readonly outerStore: string | undefined;
  readonly keySerde: Serde<K>;
  readonly leftSerde: Serde<VL>;
  readonly rightSerde: Serde<VR>;
}

/**
 * The state one task's processors of a stream-stream join share: the join's stream time (the
 * largest timestamp either side has seen, as Kafka Streams' shared time tracker) and one buffer
 * object per store (each opened by the first processor connected to it).
 *
 * @internal
 */
export class StreamJoinTaskState<K, VL, VR> {
  /** The largest timestamp seen by either side of the join in this task. */
  streamTime = Number.NEGATIVE_INFINITY;
  private left: JoinWindowBuffer<K, VL> | undefined;
  private right: JoinWindowBuffer<K, VR> | undefined;
  private outer: OuterJoinBuffer<K, VL, VR> | undefined;

  constructor(readonly spec: StreamJoinSpec<K, VL, VR>) {}

  /** The left side's buffer; `context` must be that of a processor connected to its store. */
  leftBuffer(context: ProcessorContext<unknown, unknown>): JoinWindowBuffer<K, VL> {
    this.left ??= new JoinWindowBuffer(
      this.store(context, this.spec.leftStore),
      this.spec.keySerde,
      this.spec.leftSerde,
      this.spec.windows.retentionMs,
      changelogTopic(context.applicationId, this.spec.leftStore),
    );
    return this.left;
  }

  /** The right side's buffer; `context` must be that of a processor connected to its store. */
  rightBuffer(context: ProcessorContext<unknown, unknown>): JoinWindowBuffer<K, VR> {
    this.right ??= new JoinWindowBuffer(
      this.store(context, this.spec.rightStore),
      this.spec.keySerde,
      this.spec.rightSerde,
      this.spec.windows.retentionMs,
      changelogTopic(context.applicationId, this.spec.rightStore),
    );
    return this.right;
  }

  /** The outer buffer of a left or outer join; undefined for an inner join. */
  outerBuffer(context: ProcessorContext<unknown, unknown>): OuterJoinBuffer<K, VL, VR> | undefined {
    const name = this.spec.outerStore;
    if (name === undefined) return undefined;
    this.outer ??= new OuterJoinBuffer(
      this.store(context, name),
      this.spec.keySerde,
      this.spec.leftSerde,
      this.spec.rightSerde,
      changelogTopic(context.applicationId, name),
    );
    return this.outer;
  }

  private store(context: ProcessorContext<unknown, unknown>, name: string): KeyValueStore<Buffer, Buffer> {
    return context.getStateStore<KeyValueStore<Buffer, Buffer>>(name);
  }
}

/**
 * Hands each task its {@link StreamJoinTaskState}. Keyed by the task's processor context: a task
 * reopened after a failure or a rebalance is a new context, so it starts from its restored stores
 * with fresh shared state, and two apps running the same topology in one process never share.
 *
 * @internal
 */
export class StreamJoinShared<K, VL, VR> {
  private readonly tasks = new WeakMap<object, StreamJoinTaskState<K, VL, VR>>();

  constructor(readonly spec: StreamJoinSpec<K, VL, VR>) {}

  forTask(context: ProcessorContext<unknown, unknown>): StreamJoinTaskState<K, VL, VR> {
    let state = this.tasks.get(context);
    if (state === undefined) {
      state = new StreamJoinTaskState(this.spec);
      this.tasks.set(context, state);
    }
    return state;
  }
}
