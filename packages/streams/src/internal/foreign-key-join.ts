import { partitionForKey, type Partitioner } from '@rivulet/core';
import { serdes, type Serde } from '@rivulet/serde';
import { KTable, type TableOptions } from '../ktable.js';
import type { BuilderContext } from './builder-context.js';
import { FkForeignTableJoin } from './processors/fk-foreign-table-join.js';
import { FkResponseJoin } from './processors/fk-response-join.js';
import { FkSubscriptionReceive } from './processors/fk-subscription-receive.js';
import { FkSubscriptionSend } from './processors/fk-subscription-send.js';
import { KTableSource } from './processors/ktable-processors.js';
import { skippingOutOfOrderVersions } from './table-change.js';
import { responsePartition } from './subscription-wrappers.js';
import { isVersionedStore, readingLatestVersions } from './versioned-tables.js';

/**
 * Options of a foreign-key table-table join: the result table's (name, store, value serde) and the
 * serdes the join's internal topics and hashes are built from. Each serde defaults to the table's
 * own (given at its source); the join needs them synchronous, and names the missing one.
 */
export interface ForeignKeyJoinOptions<K, V, KO, VO, VR> extends TableOptions<VR> {
  /** This table's keys (the primary keys): default this table's key serde. */
  key?: Serde<K>;
  /** This table's values, hashed to recognize stale responses: default this table's value serde. */
  thisValue?: Serde<V>;
  /** The other table's keys (the foreign keys): default the other table's key serde. */
  otherKey?: Serde<KO>;
  /** The other table's values, sent back to this side: default the other table's value serde. */
  otherValue?: Serde<VO>;
}

/** The nodes and store of a table a join reads: the table's own, or a materialization of it. */
interface TableSide {
  readonly node: string;
  readonly store: string;
}

/**
 * `table.join(other, foreignKeyExtractor, joiner)` and `leftJoin`: Kafka Streams' foreign-key join
 * (KIP-213), laid out as its `KTableImpl.doJoinOnForeignKey` does.
 *
 * ```
 * left table ─> subscription-registration-processor ─> <name>-subscription-registration-topic
 *   (keyed by foreign key, co-partitioned with the right table's topic)
 *     ─> subscription-receive (subscription store, reads the right table) ─┐
 * right table ─> foreign-join-subscription (scans the subscription store) ─┴─> <name>-subscription-response-topic
 *   (keyed by primary key, to the left row's partition; co-partitioned with the left table's topic)
 *     ─> subscription-response-resolver (reads the left table, checks the hash) ─> result
 * ```
 *
 * Both tables are materialized (an unmaterialized one is, here). The left side needs each update's
 * old value to unsubscribe an old foreign key: the left table's node provides it (table nodes
 * forward TableChange records; a materialized table reads it from its store).
 *
 * @internal
 */
export function foreignKeyJoin<K, V, KO, VO, VR>(
  ctx: BuilderContext,
  left: KTable<K, V>,
  right: KTable<KO, VO>,
  foreignKeyExtractor: (value: V) => KO | null | undefined,
  joiner: (value: V | null, otherValue: VO | null) => VR,
  leftJoin: boolean,
  options: ForeignKeyJoinOptions<K, V, KO, VO, VR>,
): KTable<K, VR> {
  const method = leftJoin ? 'leftJoin()' : 'join()';
  if (ctx !== right.ctx) throw new Error(`a foreign-key ${method} joins tables of one StreamsBuilder; the other table comes from another builder`);
  if (typeof foreignKeyExtractor !== 'function') throw new TypeError(`a foreign-key ${method} needs a foreign key extractor function, got ${typeof foreignKeyExtractor}`);
  if (typeof joiner !== 'function') throw new TypeError(`a foreign-key ${method} needs a joiner function, got ${typeof joiner}`);
  const where = `a foreign-key ${method}`;
  const primaryKeySerde = ctx.requireSerde(options.key ?? left.keySerde, 'key', `${where} (its subscriptions)`);
  const valueSerde = ctx.requireSerde(options.thisValue ?? left.valueSerde, 'thisValue', `${where} (its value hashes)`);
  const foreignKeySerde = ctx.requireSerde(options.otherKey ?? right.keySerde, 'otherKey', `${where} (its subscription topic)`);
  const foreignValueSerde = ctx.requireSerde(options.otherValue ?? right.valueSerde, 'otherValue', `${where} (its response topic)`);

  const base = ctx.names.stateful('KTABLE-FK-JOIN', options.name, `a foreign-key ${method} (its internal topics and subscription store)`);
  const subscriptionTopic = `${base}-subscription-registration-topic`;
  const responseTopic = `${base}-subscription-response-topic`;
  const subscriptionStore = `${base}-subscription-store`;
  const join = base;
  const thisSide = materialized(ctx, left, base, 'left', primaryKeySerde, valueSerde);
  const otherSide = materialized(ctx, right, base, 'right', foreignKeySerde, foreignValueSerde);
  const { topology } = ctx;
  const bytes = serdes.bytes();
  // A versioned table's store is read for its latest versions (out-of-order updates of a versioned
  // table are not forwarded by its source, so neither side sees them: Kafka Streams' KIP-914).
  const latest = new Set([thisSide.store, otherSide.store].filter((s) => isVersionedStore(ctx, s)));

  // Left side: updates become subscriptions, keyed by foreign key.
  const send = `${base}-subscription-registration-processor`;
  topology.addProcessor(
    send,
    () => new FkSubscriptionSend<K, V, KO>({ join, topic: subscriptionTopic, foreignKeyExtractor, foreignKeySerde, primaryKeySerde, valueSerde, leftJoin }),
    thisSide.node,
  );
  topology.addInternalTopic(subscriptionTopic);
  topology.addSink(`${base}-subscription-registration-sink`, subscriptionTopic, { key: bytes, value: bytes }, send);

  // Right side: subscriptions are stored and answered; right updates answer every subscriber.
  // The subscription store joins the subscription topic and the right table's topic in one
  // sub-topology, so the runtime co-partitions them (the internal topic takes the right topic's count).
  const source = `${base}-subscription-registration-source`;
  topology.addSource(source, subscriptionTopic, { key: bytes, value: bytes });
  const receive = `${base}-subscription-receive`;
  topology.addProcessor(
    receive,
    () =>
      readingLatestVersions(
        new FkSubscriptionReceive<KO, VO>({ join, topic: subscriptionTopic, subscriptionStore, foreignStore: otherSide.store, foreignKeySerde, foreignValueSerde }),
        latest,
      ),
    source,
  );
  const foreignJoin = `${base}-foreign-join-subscription`;
  topology.addProcessor(
    foreignJoin,
    () => new FkForeignTableJoin<KO, VO>({ join, topic: subscriptionTopic, subscriptionStore, foreignKeySerde, foreignValueSerde }),
    otherSide.node,
  );
  topology.addStateStore(ctx.keyValueStore(subscriptionStore, bytes, bytes, options), receive, foreignJoin);
  topology.connectProcessorAndStateStores(otherSide.store, receive);

  // Responses go back to the partition of the left row that subscribed (its task holds the row).
  topology.addInternalTopic(responseTopic);
  topology.addSink(`${base}-subscription-response-sink`, responseTopic, { key: bytes, value: bytes, partitioner: toPrimaryPartition }, receive, foreignJoin);
  const responseSource = `${base}-subscription-response-source`;
  topology.addSource(responseSource, responseTopic, { key: bytes, value: bytes });
  const resolver = `${base}-subscription-response-resolver`;
  topology.addProcessor(
    resolver,
    () =>
      readingLatestVersions(
        new FkResponseJoin<K, V, VO, VR>({
          join,
          topic: subscriptionTopic,
          primaryStore: thisSide.store,
          primaryKeySerde,
          valueSerde,
          foreignValueSerde,
          joiner,
          leftJoin,
        }),
        latest,
      ),
    responseSource,
  );
  topology.connectProcessorAndStateStores(thisSide.store, resolver);

  // The result is a table (Kafka Streams' KTableSource), materialized when a store is named: then
  // each update carries the old result, read from the store.
  const result = `${base}-result`;
  topology.addProcessor(result, () => new KTableSource<K, VR>(options.store), resolver);
  if (options.store !== undefined) topology.addStateStore(ctx.tableStore(options.store, primaryKeySerde, options.value, options), result);
  return new KTable<K, VR>(ctx, result, options.store, primaryKeySerde, options.value);
}

/**
 * The response sink's partitioner: the partition the response names (its left row's), else Kafka's
 * default partition of the primary key bytes.
 */
const toPrimaryPartition: Partitioner = ({ key, value, partitionCount }) => {
  const partition = responsePartition(value);
  if (partition >= 0 && partition < partitionCount) return partition;
  return key === null ? 0 : partitionForKey(key, partitionCount);
};

/** Tables this join materialized, so joining one twice materializes it once. */
const materializedTables = new WeakMap<KTable<unknown, unknown>, TableSide>();

/**
 * The table's node and store when it is materialized; else a node materializing it (with a warning
 * about its generated store name) with the serdes the join resolved, whose updates then carry old
 * values read from that store.
 */
function materialized<K, V>(ctx: BuilderContext, table: KTable<K, V>, base: string, side: 'left' | 'right', key: Serde<K>, value: Serde<V>): TableSide {
  if (table.storeName !== undefined) return { node: table.nodeName, store: table.storeName };
  const done = materializedTables.get(table as KTable<unknown, unknown>);
  if (done !== undefined) return done;
  const store = ctx.names.stateful(
    'KTABLE-FK-JOIN-STATE-STORE',
    undefined,
    `the ${side} table of foreign-key join '${base}' is not materialized, so the join materializes it; its store`,
  );
  const node = ctx.names.node('KTABLE-MATERIALIZE');
  ctx.topology.addProcessor(node, () => skippingOutOfOrderVersions(new KTableSource<K, V>(store)), table.nodeName);
  ctx.topology.addStateStore(ctx.tableStore(store, key, value, {}), node);
  const result = { node, store };
  materializedTables.set(table as KTable<unknown, unknown>, result);
  return result;
}
