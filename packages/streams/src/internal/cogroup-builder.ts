import type { ProcessorSupplier, StoreBuilder } from '@rivulet/core';
import type { BuilderContext } from './builder-context.js';
import { PassThrough } from './processors/stateless.js';

/**
 * One input of a cogroup: the node its grouped records leave from (the repartition source when
 * its key changed) and the aggregator that adds its records to the shared aggregate.
 *
 * @internal
 */
export interface CogroupInput<K, VA> {
  readonly nodeName: string;
  readonly aggregator: (key: K, value: unknown, aggregate: VA) => VA;
}

/** The aggregator an aggregate processor takes (its aggregate is undefined only without an initializer). @internal */
export type CogroupAggregator<K, VA> = (key: K, value: unknown, aggregate: VA | undefined) => VA;

/**
 * Adds a cogroup's aggregation to the topology, laid out as Kafka Streams'
 * `CogroupedStreamAggregateBuilder` does: one aggregate processor per input, fed by that input's
 * grouped node, all of them writing the one `store`, and a merge node (a pass-through) they all
 * forward to, whose output is the table. Sharing the store puts every input in one sub-topology,
 * so a key's records from all inputs meet in one task, and the runtime checks at start that the
 * topics they come from are co-partitioned (same partition count), as for a join. `processor`
 * makes an input's aggregate processor from its aggregator. Returns the merge node's name.
 *
 * @internal
 */
export function addCogroupAggregate<K, VA>(
  ctx: BuilderContext,
  inputs: readonly CogroupInput<K, VA>[],
  name: string | undefined,
  store: StoreBuilder,
  processor: (aggregator: CogroupAggregator<K, VA>) => ProcessorSupplier<K, unknown, unknown, unknown>,
): string {
  const aggregates = inputs.map((input, i) => {
    const node = ctx.names.node('COGROUPKSTREAM-AGGREGATE', name === undefined ? undefined : `${name}-cogroup-agg-${i}`);
    const aggregator = input.aggregator;
    ctx.topology.addProcessor(node, processor((key, value, aggregate) => aggregator(key, value, aggregate as VA)), input.nodeName);
    return node;
  });
  ctx.topology.addStateStore(store, ...aggregates);
  const merge = ctx.names.node('COGROUPKSTREAM-MERGE', name === undefined ? undefined : `${name}-cogroup-merge`);
  ctx.topology.addProcessor(merge, () => new PassThrough<unknown, unknown>(), ...aggregates);
  return merge;
}
