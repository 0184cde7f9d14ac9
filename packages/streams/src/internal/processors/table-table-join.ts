import type { KeyValueStore, Processor, ProcessorContext, StreamRecord } from '@rivulet/core';
import { forwardChange, isOutOfOrderVersion, oldValueOf } from '../table-change.js';
import { dropNullKey } from './drops.js';
import { newerTimestamp, readRow } from './table-rows.js';

/**
 * One side of a table-table join: an update of this side's table looks up the other table's store
 * and forwards the join result for the key, or a tombstone when the key no longer has one.
 *
 * The result exists when each side is present or optional (`thisRequired` / `otherRequired`: both
 * for an inner join, the left side for a left join, neither for an outer join) and at least one side
 * is present. An update with no result forwards a tombstone when the key had a result before it,
 * and nothing when it had none (an inner join whose other side is absent, or an update whose old
 * result, from this side's old value, was null too), as Kafka Streams does; only when this side's
 * old value is unknown (the update is not a TableChange) is a tombstone forwarded whatever came
 * before. The result carries, as in Kafka Streams, the newer of the update's timestamp and the
 * other side's row timestamp (read from its timestamped store; the update's own when the other
 * side is absent or its store keeps no timestamps). An update with a null key is dropped and
 * reported (reason `null-key-or-value`). The old result forwarded with it (a TableChange) is the
 * join of this side's old value with the other side's current one.
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
    if (isOutOfOrderVersion(record)) return; // KIP-914: a versioned table's out-of-order update changes no join result
    const thisValue = record.value ?? null;
    const otherRow = readRow(this.other, key);
    const otherValue = otherRow?.value ?? null;
    if (otherValue === null && this.otherRequired) return;
    const thisOld = oldValueOf<VThis>(record);
    const old = thisOld === undefined ? undefined : this.result(thisOld, otherValue, key);
    const next = this.result(thisValue, otherValue, key);
    // No result before and none now: nothing changed for this key (Kafka Streams forwards nothing).
    if (next === null && old === null) return;
    const timestamp = newerTimestamp(record.timestamp, otherRow);
    forwardChange(this.ctx, timestamp === record.timestamp ? record : record.withTimestamp(timestamp), next, old);
  }

  /** The join result of these two sides, or null when there is none. */
  private result(thisValue: VThis | null, otherValue: VOther | null, key: K): VR | null {
    if ((thisValue === null && this.thisRequired) || (otherValue === null && this.otherRequired)) return null;
    if (thisValue === null && otherValue === null) return null;
    return this.joiner(thisValue, otherValue, key);
  }
}
