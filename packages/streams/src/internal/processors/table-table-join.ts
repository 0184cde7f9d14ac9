import type { KeyValueStore, Processor, ProcessorContext, StreamRecord } from '@rivulet/core';
import { dropNullKey } from './drops.js';

/**
 * One side of a table-table join: an update of this side's table looks up the other table's store
 * and forwards the join result for the key, or a tombstone when the key no longer has one.
 *
 * The result exists when each side is present or optional (`thisRequired` / `otherRequired`: both
 * for an inner join, the left side for a left join, neither for an outer join) and at least one side
 * is present. An update with no result forwards a tombstone unless the other side rules a result
 * out anyway (an inner join whose other side is absent had no result before either). Without the
 * old value of this side, a deletion of a key that never had a result still forwards a tombstone, as
 * Kafka Streams does. The result carries the update's timestamp. An update with a null key is
 * dropped and reported (reason `null-key-or-value`).
 */
export class TableTableJoin<K, VThis, VOther, VR> implements Processor<K, VThis | null, K, VR | null> {
  private ctx!: ProcessorContext<K, VR | null>;
  private other!: KeyValueStore<K, VOther>;

  constructor(
    private readonly otherStoreName: string,
    /** Called with this side's value first, whichever side of the join this is. */
    private readonly joiner: (thisValue: VThis | null, otherValue: VOther | null, key: K) => VR,
    private readonly thisRequired: boolean,
    private readonly otherRequired: boolean,
  ) {}

  init(context: ProcessorContext<K, VR | null>): void {
    this.ctx = context;
    this.other = context.getStateStore<KeyValueStore<K, VOther>>(this.otherStoreName);
  }

  process(record: StreamRecord<K, VThis | null>): void {
    const key = record.key;
    if (key === null || key === undefined) {
      dropNullKey(this.ctx);
      return;
    }
    const thisValue = record.value ?? null;
    const otherValue = this.other.get(key) ?? null;
    if (otherValue === null && this.otherRequired) return;
    if ((thisValue === null && this.thisRequired) || (thisValue === null && otherValue === null)) {
      this.ctx.forward(record.withValue(null));
      return;
    }
    this.ctx.forward(record.withValue(this.joiner(thisValue, otherValue, key)));
  }
}
