import { TopologyError } from '@rivulet/core';
import { KTable } from '../../ktable.js';
import type { Suppressed } from '../../suppressed.js';
import { KTableSuppress } from '../processors/ktable-suppress.js';
import { windowGraceOf } from '../window-grace.js';
import { SuppressionBufferBuilder } from './suppression-buffer.js';

/**
 * Adds `table.suppress(suppressed)` to the topology: the suppress node after the table's node and
 * its buffer store, `<name>-store` (Kafka Streams' naming), else a generated
 * `KTABLE-SUPPRESS-STATE-STORE-<n>` with the usual warning. The result is not materialized.
 *
 * @internal
 */
export function suppressTable<K, V>(table: KTable<K, V>, suppressed: Suppressed<K>): KTable<K, V> {
  const ctx = table.ctx;
  const config = suppressed.bufferConfig;
  let suppressMs: number;
  if (suppressed.time.kind === 'window-close') {
    const grace = windowGraceOf(ctx, table.nodeName);
    if (grace === undefined) {
      throw new TopologyError(
        `suppress(Suppressed.untilWindowCloses(...)) on table node '${table.nodeName}': windows close only downstream of a windowed aggregation ` +
          '(groupByKey().windowedBy(...).count/reduce/aggregate), and none feeds this table: use Suppressed.untilTimeLimit for a table that is not windowed',
      );
    }
    suppressMs = grace;
  } else {
    suppressMs = suppressed.time.timeToWaitForMoreEventsMs;
  }
  const name = ctx.names.node('KTABLE-SUPPRESS', suppressed.name);
  const storeName = ctx.names.stateful('KTABLE-SUPPRESS-STATE-STORE', suppressed.name === undefined ? undefined : `${suppressed.name}-store`, 'the buffer of suppress() (name it with Suppressed.withName)');
  const settings = {
    name,
    storeName,
    windowClose: suppressed.time.kind === 'window-close',
    suppressMs,
    maxRecords: config.maxRecords,
    maxBytes: config.maxBytes,
    strategy: config.strategy,
  };
  ctx.topology.addProcessor(name, () => new KTableSuppress<K, V>(settings), table.nodeName);
  const store = new SuppressionBufferBuilder<K, V>(storeName, table.keySerde, table.valueSerde);
  if (config.loggingEnabled) store.withLoggingEnabled({ ...config.logConfig });
  else store.withLoggingDisabled();
  ctx.topology.addStateStore(store, name);
  return new KTable<K, V>(ctx, name, undefined, table.keySerde, table.valueSerde);
}
