import { isDeepStrictEqual } from 'node:util';
import type { Processor, ProcessorContext, StreamRecord } from '@rivulet/core';
import type { Change } from '../change-serde.js';
import { isOutOfOrderVersion, oldValueOf } from '../table-change.js';
import { dropNullKey } from './drops.js';

/**
 * The first half of KTable.groupBy (Kafka Streams' `KTableRepartitionMap`): maps each table update
 * to its group, as a {@link Change} for the repartition topic: the old row's value is subtracted from
 * the old row's group and the new row's value added to the new one's. When both land in one group,
 * one record carries both, so the aggregate never shows the intermediate result (KIP-904); else the
 * subtraction goes first.
 *
 * A row the mapper maps to a null key or value has no group: the update is dropped for it and
 * reported (reason `null-key-or-value`). An update that does not carry its old value (it did not
 * come from a table node) would corrupt the aggregates, so it fails the task naming the node.
 */
export class KTableRepartitionMap<K, V, KR, VR> implements Processor<K, V | null, KR, Change<VR>> {
  private ctx!: ProcessorContext<KR, Change<VR>>;

  constructor(
    private readonly nodeName: string,
    private readonly mapper: (key: K, value: V) => readonly [KR, VR],
  ) {}

  init(context: ProcessorContext<KR, Change<VR>>): void {
    this.ctx = context;
  }

  process(record: StreamRecord<K, V | null>): void {
    const key = record.key;
    if (key === null || key === undefined) {
      dropNullKey(this.ctx);
      return;
    }
    if (isOutOfOrderVersion(record)) return; // KIP-914: the aggregate of a versioned table counts its latest versions only
    const oldValue = oldValueOf<V>(record);
    if (oldValue === undefined) {
      throw new Error(
        `${this.nodeName}: KTable.groupBy() got an update without the row's old value, so it cannot subtract it from its old group; ` +
          'group a table built by builder.table(), toTable(), an aggregation, a join, filter or mapValues',
      );
    }
    const newValue = record.value ?? null;
    const added = newValue === null ? undefined : this.group(newValue, key);
    const removed = oldValue === null ? undefined : this.group(oldValue, key);
    if (added !== undefined && removed !== undefined && isDeepStrictEqual(added[0], removed[0])) {
      this.ctx.forward(record.withKey(added[0]).withValue({ newValue: added[1], oldValue: removed[1] }));
      return;
    }
    if (removed !== undefined) this.ctx.forward(record.withKey(removed[0]).withValue({ newValue: null, oldValue: removed[1] }));
    if (added !== undefined) this.ctx.forward(record.withKey(added[0]).withValue({ newValue: added[1], oldValue: null }));
  }

  /** The row's group and value, or undefined (reported) when the mapper gives a null key or value. */
  private group(value: V, key: K): readonly [KR, VR] | undefined {
    const pair = this.mapper(key, value);
    if (pair[0] === null || pair[0] === undefined || pair[1] === null || pair[1] === undefined) {
      this.ctx.reportDropped('null-key-or-value', () => `KTable.groupBy() mapped the row of key ${String(key)} to a null group key or value`);
      return undefined;
    }
    return pair;
  }
}
