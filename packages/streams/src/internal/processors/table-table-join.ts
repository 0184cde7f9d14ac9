import type { KeyValueStore, Processor, ProcessorContext, StreamRecord } from '@rivulet/core';
import { forwardChange, oldValueOf } from '../table-change.js';
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
 * dropped and reported (reason `null-key-or-value`). The old result forwarded with it (a
 * TableChange) is the join of this side's old value with the other side's current one.
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
    const thisOld = oldValueOf<VThis>(record);
    const old = thisOld === undefined ? undefined : this.result(thisOld, otherValue, key);
    forwardChange(this.ctx, record, this.result(thisValue, otherValue, key), old);
  }

  /** The join result of these two sides, or null when there is none. */
  private result(thisValue: VThis | null, otherValue: VOther | null, key: K): VR | null {
    if ((thisValue === null && this.thisRequired) || (otherValue === null && this.otherRequired)) return null;
    if (thisValue === null && otherValue === null) return null;
    return this.joiner(thisValue, otherValue, key);
  }
}
