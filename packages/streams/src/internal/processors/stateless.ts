import type { Processor, ProcessorContext, StreamRecord } from '@rivulet/core';

/**
 * The stateless record-at-a-time operators (map, mapValues, selectKey, filter, filterNot, peek,
 * flatMap, flatMapValues) as Processor API suppliers. Each is a small class: plain and monomorphic.
 */
abstract class Forwarding<KIn, VIn, KOut, VOut> implements Processor<KIn, VIn, KOut, VOut> {
  protected ctx!: ProcessorContext<KOut, VOut>;
  init(context: ProcessorContext<KOut, VOut>): void {
    this.ctx = context;
  }
  abstract process(record: StreamRecord<KIn, VIn>): void;
}

export class StreamMap<K, V, KR, VR> extends Forwarding<K, V, KR, VR> {
  constructor(private readonly fn: (key: K, value: V) => readonly [KR, VR]) {
    super();
  }
  process(record: StreamRecord<K, V>): void {
    const [k, v] = this.fn(record.key, record.value);
    this.ctx.forward(record.withKey(k).withValue(v));
  }
}

export class StreamMapValues<K, V, VR> extends Forwarding<K, V, K, VR> {
  constructor(private readonly fn: (value: V, key: K) => VR) {
    super();
  }
  process(record: StreamRecord<K, V>): void {
    this.ctx.forward(record.withValue(this.fn(record.value, record.key)));
  }
}

export class StreamSelectKey<K, V, KR> extends Forwarding<K, V, KR, V> {
  constructor(private readonly fn: (key: K, value: V) => KR) {
    super();
  }
  process(record: StreamRecord<K, V>): void {
    this.ctx.forward(record.withKey(this.fn(record.key, record.value)));
  }
}

export class StreamFilter<K, V> extends Forwarding<K, V, K, V> {
  constructor(
    private readonly predicate: (key: K, value: V) => boolean,
    private readonly keep: boolean,
  ) {
    super();
  }
  process(record: StreamRecord<K, V>): void {
    if (this.predicate(record.key, record.value) === this.keep) this.ctx.forward(record);
  }
}

export class StreamPeek<K, V> extends Forwarding<K, V, K, V> {
  constructor(private readonly fn: (key: K, value: V) => void) {
    super();
  }
  process(record: StreamRecord<K, V>): void {
    this.fn(record.key, record.value);
    this.ctx.forward(record);
  }
}

export class StreamFlatMap<K, V, KR, VR> extends Forwarding<K, V, KR, VR> {
  constructor(private readonly fn: (key: K, value: V) => Iterable<readonly [KR, VR]>) {
    super();
  }
  process(record: StreamRecord<K, V>): void {
    for (const [k, v] of this.fn(record.key, record.value)) this.ctx.forward(record.withKey(k).withValue(v));
  }
}

export class StreamFlatMapValues<K, V, VR> extends Forwarding<K, V, K, VR> {
  constructor(private readonly fn: (value: V, key: K) => Iterable<VR>) {
    super();
  }
  process(record: StreamRecord<K, V>): void {
    for (const v of this.fn(record.value, record.key)) this.ctx.forward(record.withValue(v));
  }
}

/** Forwards each record to the first branch whose predicate matches, or to the default branch. */
export class StreamBranch<K, V> extends Forwarding<K, V, K, V> {
  constructor(
    private readonly branches: readonly { child: string; predicate: (key: K, value: V) => boolean }[],
    private readonly defaultChild: string | undefined,
  ) {
    super();
  }
  process(record: StreamRecord<K, V>): void {
    for (const b of this.branches) {
      if (b.predicate(record.key, record.value)) {
        this.ctx.forward(record, b.child);
        return;
      }
    }
    if (this.defaultChild !== undefined) this.ctx.forward(record, this.defaultChild);
  }
}

/** Passes records through unchanged: merge points and repartition/toStream hops. */
export class PassThrough<K, V> extends Forwarding<K, V, K, V> {
  process(record: StreamRecord<K, V>): void {
    this.ctx.forward(record);
  }
}
