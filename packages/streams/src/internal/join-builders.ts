import { serdes, type Serde } from '@rivulet/serde';
import { JoinWindows } from '../join-windows.js';
import type { StreamJoinOptions, StreamTableJoinOptions } from '../joined.js';
import { KStream } from '../kstream.js';
import { KTable, type TableOptions } from '../ktable.js';
import type { BuilderContext, StoreOptions } from './builder-context.js';
import { KTableSource, KTableTransform } from './processors/ktable-processors.js';
import { skippingOutOfOrderVersions } from './table-change.js';
import { PassThrough } from './processors/stateless.js';
import { StreamJoinWindow } from './processors/stream-join-window.js';
import { StreamStreamJoin } from './processors/stream-stream-join.js';
import { StreamTableJoin } from './processors/stream-table-join.js';
import { TableTableJoin } from './processors/table-table-join.js';
import { StreamJoinShared } from './stream-join-state.js';
import { isVersionedStore, readingLatestVersions, streamTableJoinGrace } from './versioned-tables.js';

// How the DSL's joins become nodes and stores of the core topology. `KStream` and `KTable` call
// these; each adds its nodes where Kafka Streams puts them, so that the processors reading a store
// and the source writing it share a sub-topology, and the runtime checks at start that their topics
// are co-partitioned (sub-topologies.ts groups the topics whose records meet in one store).

/** Which records without a partner a join keeps (joined with null). @internal */
export type JoinKind = 'inner' | 'left' | 'outer';

const METHOD: Readonly<Record<JoinKind, string>> = { inner: 'join()', left: 'leftJoin()', outer: 'outerJoin()' };

/** Tables materialized for joins because they had no store: materialized once, however often joined. */
const materializedForJoin = new WeakMap<KTable<unknown, unknown>, string>();

/**
 * `stream.join(table)` / `stream.leftJoin(table)`: a processor after the stream (repartitioned
 * first if its key changed) that reads the table's store.
 */
export function streamTableJoin<K, V, VT, VR>(
  ctx: BuilderContext,
  stream: KStream<K, V>,
  table: KTable<K, VT>,
  joiner: (value: V, tableValue: VT | null, key: K) => VR,
  left: boolean,
  options: StreamTableJoinOptions<K, V>,
): KStream<K, VR> {
  const what = `stream-table ${left ? METHOD.left : METHOD.inner}`;
  assertSameBuilder(ctx, table.ctx, what);
  let source = stream;
  if (stream.keyChanged) {
    const name = ctx.names.stateful('KSTREAM-JOIN', options.name, `the repartition topic of a ${what}`);
    // Undefined serdes are the app's defaults, checked when the app is constructed.
    source = stream.repartitionThrough(name, options.key ?? stream.keySerde ?? table.keySerde, options.value ?? stream.valueSerde, undefined);
  }
  const store = materializedStore(ctx, table, what);
  const name = ctx.names.node(left ? 'KSTREAM-LEFTJOIN' : 'KSTREAM-JOIN', options.name);
  const versioned = isVersionedStore(ctx, store);
  const { gracePeriodMs } = options;
  const grace =
    gracePeriodMs === undefined
      ? undefined
      : streamTableJoinGrace(ctx, store, what, { ...(options.name !== undefined ? { name: options.name } : {}), gracePeriodMs }, options.key ?? source.keySerde ?? table.keySerde, options.value ?? source.valueSerde);
  ctx.topology.addProcessor(name, () => new StreamTableJoin<K, V, VT, VR>(store, joiner, left, versioned, grace), source.nodeName);
  ctx.topology.connectProcessorAndStateStores(store, name);
  if (grace !== undefined) ctx.topology.addStateStore(ctx.keyValueStore(grace.storeName, serdes.bytes(), serdes.bytes(), {}), name);
  return new KStream<K, VR>(ctx, name, source.keySerde ?? table.keySerde, undefined, false);
}

/**
 * `stream.join(other, joiner, windows)` and its left and outer forms, laid out as Kafka Streams
 * does: each side goes through a window node (buffering it) to its join node, which reads the other
 * side's buffer; both join nodes feed one merge node, the resulting stream.
 */
export function streamStreamJoin<K, V, VO, VR>(
  ctx: BuilderContext,
  left: KStream<K, V>,
  right: KStream<K, VO>,
  joiner: (value: V | null, otherValue: VO | null, key: K) => VR,
  windows: JoinWindows,
  kind: JoinKind,
  options: StreamJoinOptions<K, V, VO>,
  rightCtx: BuilderContext,
): KStream<K, VR> {
  const what = `stream-stream ${METHOD[kind]}`;
  assertSameBuilder(ctx, rightCtx, what);
  if (!(windows instanceof JoinWindows)) {
    throw new TypeError(`a ${what} needs JoinWindows, e.g. JoinWindows.ofTimeDifferenceWithNoGrace(60_000), after the joiner`);
  }
  const keySerde = requireJoinSerde(options.key ?? left.keySerde ?? right.keySerde, 'key', `${what} (its buffers)`);
  const leftSerde = requireJoinSerde(options.value ?? left.valueSerde, 'value', `${what} (its buffers)`);
  const rightSerde = requireJoinSerde(options.otherValue ?? right.valueSerde, 'otherValue', `${what} (its buffers)`);
  const base = ctx.names.stateful('KSTREAM-JOIN', options.name, `a ${what} (its stores)`);
  const l = left.keyChanged ? left.repartitionThrough(`${base}-left`, keySerde, leftSerde, undefined) : left;
  const r = right.keyChanged ? right.repartitionThrough(`${base}-right`, keySerde, rightSerde, undefined) : right;

  const leftStore = `${base}-this-join-store`;
  const rightStore = `${base}-other-join-store`;
  const outerStore = kind === 'inner' ? undefined : `${base}-outer-shared-join-store`;
  const shared = new StreamJoinShared<K, unknown, unknown>({
    windows,
    leftStore,
    rightStore,
    outerStore,
    keySerde,
    leftSerde: leftSerde as Serde<unknown>,
    rightSerde: rightSerde as Serde<unknown>,
  });
  const named = (suffix: string): string | undefined => (options.name === undefined ? undefined : `${base}-${suffix}`);
  const thisWindow = ctx.names.node('KSTREAM-WINDOWED', named('this-windowed'));
  const otherWindow = ctx.names.node('KSTREAM-WINDOWED', named('other-windowed'));
  const thisJoin = ctx.names.node(kind === 'inner' ? 'KSTREAM-JOINTHIS' : 'KSTREAM-OUTERTHIS', named('this-join'));
  const otherJoin = ctx.names.node(kind === 'outer' ? 'KSTREAM-OUTEROTHER' : 'KSTREAM-JOINOTHER', named('other-join'));
  const merge = ctx.names.node('KSTREAM-MERGE', named('merge'));
  const untypedJoiner = joiner as (left: unknown, right: unknown, key: K) => VR;

  const { topology } = ctx;
  topology.addProcessor(thisWindow, () => new StreamJoinWindow<K, V>(shared, 'left'), l.nodeName);
  topology.addProcessor(otherWindow, () => new StreamJoinWindow<K, VO>(shared, 'right'), r.nodeName);
  topology.addProcessor(thisJoin, () => new StreamStreamJoin<K, V, VR>(shared, 'left', kind !== 'inner', untypedJoiner), thisWindow);
  topology.addProcessor(otherJoin, () => new StreamStreamJoin<K, VO, VR>(shared, 'right', kind === 'outer', untypedJoiner), otherWindow);
  topology.addProcessor(merge, () => new PassThrough<K, VR>(), thisJoin, otherJoin);
  const storeOptions: StoreOptions = {
    ...(options.persistent !== undefined ? { persistent: options.persistent } : {}),
    ...(options.loggingDisabled !== undefined ? { loggingDisabled: options.loggingDisabled } : {}),
  };
  topology.addStateStore(ctx.keyValueStore(leftStore, serdes.bytes(), serdes.bytes(), storeOptions), thisWindow, otherJoin);
  topology.addStateStore(ctx.keyValueStore(rightStore, serdes.bytes(), serdes.bytes(), storeOptions), otherWindow, thisJoin);
  if (outerStore !== undefined) {
    topology.addStateStore(ctx.keyValueStore(outerStore, serdes.bytes(), serdes.bytes(), storeOptions), thisJoin, otherJoin);
  }
  return new KStream<K, VR>(ctx, merge, keySerde, undefined, false);
}

/**
 * `table.join(other)` and its left and outer forms: each side's updates go to a join node reading
 * the other side's store; both feed one merge node, which materializes the result when `store` is
 * given.
 */
export function tableTableJoin<K, V, VO, VR>(
  ctx: BuilderContext,
  left: KTable<K, V>,
  right: KTable<K, VO>,
  joiner: (value: V | null, otherValue: VO | null, key: K) => VR,
  kind: JoinKind,
  options: TableOptions<VR>,
): KTable<K, VR> {
  const what = `table-table ${METHOD[kind]}`;
  assertSameBuilder(ctx, right.ctx, what);
  const leftStore = materializedStore(ctx, left, what);
  const rightStore = materializedStore(ctx, right, what);
  const prefix = kind === 'inner' ? 'JOIN' : kind === 'left' ? 'LEFT' : 'OUTER';
  const named = (suffix: string): string | undefined => (options.name === undefined ? undefined : `${options.name}-${suffix}`);
  const thisJoin = ctx.names.node(`KTABLE-${prefix}THIS`, named('join-this'));
  const otherJoin = ctx.names.node(`KTABLE-${prefix}OTHER`, named('join-other'));
  const merge = ctx.names.node('KTABLE-MERGE', options.name);

  const { topology } = ctx;
  // Left side: required unless outer. Right side: required only in an inner join. A versioned
  // table's store is read for its latest versions.
  const latest = new Set([leftStore, rightStore].filter((s) => isVersionedStore(ctx, s)));
  topology.addProcessor(
    thisJoin,
    () => readingLatestVersions(new TableTableJoin<K, V, VO, VR>(rightStore, joiner, kind !== 'outer', kind === 'inner'), latest),
    left.nodeName,
  );
  topology.addProcessor(
    otherJoin,
    () => readingLatestVersions(new TableTableJoin<K, VO, V, VR>(leftStore, (r, l, k) => joiner(l, r, k), kind === 'inner', kind !== 'outer'), latest),
    right.nodeName,
  );
  topology.connectProcessorAndStateStores(rightStore, thisJoin);
  topology.connectProcessorAndStateStores(leftStore, otherJoin);

  const keySerde = left.keySerde ?? right.keySerde;
  const store = options.store;
  if (store === undefined) {
    topology.addProcessor(merge, () => new PassThrough<K, VR | null>(), thisJoin, otherJoin);
  } else {
    topology.addProcessor(merge, () => new KTableTransform<K, VR, VR>((_k, v) => v, store), thisJoin, otherJoin);
    topology.addStateStore(ctx.tableStore(store, keySerde, options.value, options), merge);
  }
  return new KTable<K, VR>(ctx, merge, store, keySerde, options.value);
}

/** The table's store, or a store materializing it (with a warning) when it has none. */
function materializedStore<K, V>(ctx: BuilderContext, table: KTable<K, V>, what: string): string {
  if (table.storeName !== undefined) return table.storeName;
  const done = materializedForJoin.get(table as KTable<unknown, unknown>);
  if (done !== undefined) return done;
  const store = ctx.names.stateful(
    'KTABLE-JOIN-STATE-STORE',
    undefined,
    `the table of a ${what} is not materialized, so the join materializes it; its store`,
  );
  const name = ctx.names.node('KTABLE-MATERIALIZE');
  ctx.topology.addProcessor(name, () => skippingOutOfOrderVersions(new KTableSource<K, V>(store)), table.nodeName);
  ctx.topology.addStateStore(ctx.tableStore(store, table.keySerde, table.valueSerde, {}), name);
  materializedForJoin.set(table as KTable<unknown, unknown>, store);
  return store;
}

function assertSameBuilder(ctx: BuilderContext, other: BuilderContext, what: string): void {
  if (ctx !== other) throw new Error(`a ${what} joins streams and tables of one StreamsBuilder; the other side comes from another builder`);
}

function requireJoinSerde<T>(serde: Serde<T> | undefined, option: 'key' | 'value' | 'otherValue', where: string): Serde<T> {
  if (serde !== undefined) return serde;
  const part = option === 'otherValue' ? "the other stream's value" : option === 'key' ? 'key' : 'value';
  throw new Error(
    `${where} needs a serde for the ${part}, and its type is not known here (no serde was given at the source, or an operator ` +
      `before it changed the type; the app's default serdes do not reach a join's buffers): pass { ${option}: serdes.<type>() }`,
  );
}
