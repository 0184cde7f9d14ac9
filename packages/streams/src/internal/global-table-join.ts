import type { GlobalKTable } from '../global-ktable.js';
import { KStream, type Named } from '../kstream.js';
import type { BuilderContext } from './builder-context.js';
import { StreamGlobalTableJoin } from './processors/stream-global-table-join.js';

/**
 * `stream.join(globalTable, keySelector, joiner)` / `leftJoin`: one processor after the stream that
 * reads the global store. No repartitioning (the stream's key is not the table's) and no
 * co-partitioning: every instance holds all of the table.
 *
 * @internal
 */
export function streamGlobalTableJoin<K, V, KG, VG, VR>(
  ctx: BuilderContext,
  stream: KStream<K, V>,
  table: GlobalKTable<KG, VG>,
  keySelector: (key: K, value: V) => KG,
  joiner: (value: V, tableValue: VG | null, key: K) => VR,
  left: boolean,
  options: Named,
): KStream<K, VR> {
  if (table.ctx !== ctx) throw new Error(`a stream-globalTable ${left ? 'leftJoin()' : 'join()'} needs a table of the same StreamsBuilder`);
  if (typeof keySelector !== 'function' || typeof joiner !== 'function') {
    throw new TypeError('a join with a GlobalKTable takes a key selector, (key, value) => tableKey, then the joiner');
  }
  const name = ctx.names.node(left ? 'KSTREAM-LEFTJOIN' : 'KSTREAM-JOIN', options.name);
  ctx.topology.addProcessor(name, () => new StreamGlobalTableJoin<K, V, KG, VG, VR>(table.queryableStoreName, keySelector, joiner, left), stream.nodeName);
  // The key is the stream's own: a key change before the join still counts for what comes after.
  return new KStream<K, VR>(ctx, name, stream.keySerde, undefined, stream.keyChanged);
}
