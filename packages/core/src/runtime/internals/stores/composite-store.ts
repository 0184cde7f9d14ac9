import type { KeyValue, ReadOnlyKeyValueStore } from '../../../state/key-value-store.js';
import { KeyValueStoreBuilder } from '../../../state/key-value-store-builder.js';
import type { ReadOnlySessionStore } from '../../../state/session-store.js';
import { SessionStoreBuilder } from '../../../state/session-store-builder.js';
import type { StateStore } from '../../../state/state-store.js';
import type { StoreBuilder } from '../../../state/store-builder.js';
import type { ValueAndTimestamp } from '../../../state/value-and-timestamp.js';
import type { ReadOnlyVersionedKeyValueStore } from '../../../state/versioned-key-value-store.js';
import type { ReadOnlyWindowStore } from '../../../state/window-store.js';
import { WindowStoreBuilder } from '../../../state/window-store-builder.js';
import type { Windowed } from '../../../state/windowed.js';
import { VersionedKeyValueStoreBuilder } from '../../../state/versioned-key-value-store-builder.js';

/** The kinds of store interactive queries read, and the StreamsApp method that reads each. */
export type QueryableStoreKind = 'key-value' | 'window' | 'session' | 'versioned';

const QUERY_METHOD: Record<QueryableStoreKind, string> = {
  'key-value': 'store',
  window: 'windowStore',
  session: 'sessionStore',
  versioned: 'versionedStore',
};

/** Whether a store of `kind` answers a query for `wanted`: a versioned store also answers `app.store(name)` (its latest versions). */
function answers(kind: QueryableStoreKind | undefined, wanted: QueryableStoreKind): boolean {
  return kind === wanted || (kind === 'versioned' && wanted === 'key-value');
}

/** The kind of store a builder makes, when it is one of the built-in builders. */
function kindOfBuilder(builder: StoreBuilder): QueryableStoreKind | undefined {
  if (builder instanceof KeyValueStoreBuilder) return 'key-value';
  if (builder instanceof VersionedKeyValueStoreBuilder) return 'versioned';
  if (builder instanceof WindowStoreBuilder) return 'window';
  if (builder instanceof SessionStoreBuilder) return 'session';
  return undefined;
}

/** The kind of a store instance, by the methods it has. */
function kindOfInstance(store: StateStore): QueryableStoreKind | undefined {
  const s = store as unknown as Record<string, unknown>;
  if (s['versioned'] === true && typeof s['get'] === 'function') return 'versioned';
  if (typeof s['findSessions'] === 'function') return 'session';
  if (typeof s['fetchAll'] === 'function' && typeof s['fetch'] === 'function') return 'window';
  if (typeof s['get'] === 'function' && typeof s['range'] === 'function') return 'key-value';
  return undefined;
}

function wrongKind(name: string, wanted: QueryableStoreKind, actual: QueryableStoreKind | undefined): Error {
  const hint = actual === undefined ? '' : `: it is a ${actual} store, query it with app.${QUERY_METHOD[actual]}('${name}')`;
  return new Error(`state store '${name}' is not a ${wanted} store${hint}`);
}

/**
 * Fails at once when `builder` makes another kind of store than `wanted`, naming the method that
 * reads it. A custom builder is checked later, on its instances.
 */
export function assertStoreKind(name: string, builder: StoreBuilder, wanted: QueryableStoreKind): void {
  const kind = kindOfBuilder(builder);
  if (kind !== undefined && !answers(kind, wanted)) throw wrongKind(name, wanted, kind);
}

/** The current instances, each checked to be of the `wanted` kind. */
function instancesOf<T>(name: string, instances: () => StateStore[], wanted: QueryableStoreKind): () => T[] {
  return () => {
    const list = instances();
    for (const s of list) {
      const kind = kindOfInstance(s);
      if (!answers(kind, wanted)) throw wrongKind(name, wanted, kind);
    }
    return list as unknown as T[];
  };
}

/** Concatenates per-task results, then orders them by `time` (stable: each task's own order is kept within a time). */
function mergedBy<T>(lists: Iterable<Iterable<T>>, time: (entry: T) => number): T[] {
  const all: T[] = [];
  for (const list of lists) for (const entry of list) all.push(entry);
  return all.sort((a, b) => time(a) - time(b));
}

/**
 * A read-only view over the local instances of one key-value store, one per task this app runs:
 * what `app.store(name)` returns. A key lives in one task, so `get` asks each instance until one
 * has it; `range` and `all` concatenate the instances' results (ordered within each task).
 *
 * On a versioned store, `get(key)` returns the latest `VersionedRecord` and `get(key, asOfTimestamp)`
 * (untyped here: `app.versionedStore(name)` types it) the version as of that time; it has no ranges.
 */
export function compositeKeyValueStore<K, V>(name: string, instances: () => StateStore[]): ReadOnlyKeyValueStore<K, V> {
  const stores = instancesOf<ReadOnlyKeyValueStore<K, V>>(name, instances, 'key-value');
  return {
    get(key: K, ...asOfTimestamp: number[]): V | undefined {
      for (const s of stores()) {
        const v = asOfTimestamp.length === 0 ? s.get(key) : (s as unknown as ReadOnlyVersionedKeyValueStore<K, unknown>).get(key, asOfTimestamp[0]) as V | undefined;
        if (v !== undefined) return v;
      }
      return undefined;
    },
    *range(from?: K, to?: K): Iterable<KeyValue<K, V>> {
      for (const s of stores()) yield* s.range(from, to);
    },
    *all(): Iterable<KeyValue<K, V>> {
      for (const s of stores()) yield* s.all();
    },
    approximateNumEntries(): number {
      let n = 0;
      for (const s of stores()) n += s.approximateNumEntries();
      return n;
    },
  };
}

/** A window store instance, with whether its values carry timestamps (the DSL's do). */
interface WindowStoreInstance<K, V> extends ReadOnlyWindowStore<K, V> {
  readonly timestamped?: boolean;
}

/** How a window view shows the stored values: as they are, or without their timestamps. */
export type WindowValues = 'as-stored' | 'without-timestamps';

/**
 * A read-only view over the local instances of one window store: what `app.windowStore(name)`
 * returns. A key lives in one task, so `fetch(key, ...)` asks each instance until one has the key;
 * `fetchAll` and `all` gather every instance's windows ordered by window start (within a start,
 * each task's keys in their byte order).
 *
 * With `'without-timestamps'`, a timestamped store (what the DSL's windowed aggregations keep:
 * each aggregate with the timestamp of its newest record) shows the aggregates alone, as Kafka
 * Streams' `QueryableStoreTypes.windowStore()` does; a plain window store shows its values as they are.
 */
export function compositeWindowStore<K, V>(
  name: string,
  instances: () => StateStore[],
  values: WindowValues = 'without-timestamps',
): ReadOnlyWindowStore<K, V> {
  const stores = instancesOf<WindowStoreInstance<K, unknown>>(name, instances, 'window');
  // Decided per instance: every instance of one store is built alike, but the view is made before any exists.
  const shown = (s: WindowStoreInstance<K, unknown>, v: unknown): V =>
    (values === 'without-timestamps' && s.timestamped === true ? (v as ValueAndTimestamp<V>).value : v) as V;
  const shownAll = <T>(s: WindowStoreInstance<K, unknown>, entries: Iterable<KeyValue<T, unknown>>): KeyValue<T, V>[] => {
    const result: KeyValue<T, V>[] = [];
    for (const e of entries) result.push({ key: e.key, value: shown(s, e.value) });
    return result;
  };
  const byStart = (e: KeyValue<Windowed<K>, V>): number => e.key.window.start;

  function fetch(key: K, windowStart: number): V | undefined;
  function fetch(key: K, timeFrom: number, timeTo: number): KeyValue<number, V>[];
  function fetch(key: K, from: number, to?: number): V | undefined | KeyValue<number, V>[] {
    if (to === undefined) {
      for (const s of stores()) {
        const v = s.fetch(key, from);
        if (v !== undefined) return shown(s, v);
      }
      return undefined;
    }
    for (const s of stores()) {
      const windows = shownAll(s, s.fetch(key, from, to));
      if (windows.length > 0) return windows;
    }
    return [];
  }
  return {
    fetch,
    fetchAll: (timeFrom: number, timeTo: number): KeyValue<Windowed<K>, V>[] =>
      mergedBy(
        stores().map((s) => shownAll(s, s.fetchAll(timeFrom, timeTo))),
        byStart,
      ),
    all: (): KeyValue<Windowed<K>, V>[] =>
      mergedBy(
        stores().map((s) => shownAll(s, s.all())),
        byStart,
      ),
  };
}

/**
 * The timestamped view of a window store (each value with the timestamp of the newest record in
 * its window): what `app.timestampedWindowStore(name)` returns. Fails on a store that keeps no timestamps.
 */
export function compositeTimestampedWindowStore<K, V>(name: string, instances: () => StateStore[]): ReadOnlyWindowStore<K, ValueAndTimestamp<V>> {
  return compositeWindowStore<K, ValueAndTimestamp<V>>(
    name,
    () => {
      const list = instances();
      for (const s of list) {
        if ((s as Partial<WindowStoreInstance<K, unknown>>).timestamped !== true) {
          throw new Error(`window store '${name}' does not keep timestamps: query it with app.windowStore('${name}')`);
        }
      }
      return list;
    },
    'as-stored',
  );
}

/**
 * A read-only view over the local instances of one session store: what `app.sessionStore(name)`
 * returns. A key lives in one task, so the per-key reads ask each instance until one has the key;
 * `findAllSessions` and `all` gather every instance's sessions ordered by session end (within an
 * end, each task's own order).
 */
export function compositeSessionStore<K, V>(name: string, instances: () => StateStore[]): ReadOnlySessionStore<K, V> {
  const stores = instancesOf<ReadOnlySessionStore<K, V>>(name, instances, 'session');
  const firstNonEmpty = (read: (s: ReadOnlySessionStore<K, V>) => Iterable<KeyValue<Windowed<K>, V>>): KeyValue<Windowed<K>, V>[] => {
    for (const s of stores()) {
      const sessions = [...read(s)];
      if (sessions.length > 0) return sessions;
    }
    return [];
  };
  const byEnd = (e: KeyValue<Windowed<K>, V>): number => e.key.window.end;
  return {
    fetchSession(key: K, sessionStart: number, sessionEnd: number): V | undefined {
      for (const s of stores()) {
        const v = s.fetchSession(key, sessionStart, sessionEnd);
        if (v !== undefined) return v;
      }
      return undefined;
    },
    findSessions: (key: K, earliestSessionEnd: number, latestSessionStart: number): KeyValue<Windowed<K>, V>[] =>
      firstNonEmpty((s) => s.findSessions(key, earliestSessionEnd, latestSessionStart)),
    fetch: (key: K): KeyValue<Windowed<K>, V>[] => firstNonEmpty((s) => s.fetch(key)),
    findAllSessions: (earliestSessionEnd: number, latestSessionEnd: number): KeyValue<Windowed<K>, V>[] =>
      mergedBy(
        stores().map((s) => s.findAllSessions(earliestSessionEnd, latestSessionEnd)),
        byEnd,
      ),
    all: (): KeyValue<Windowed<K>, V>[] =>
      mergedBy(
        stores().map((s) => s.all()),
        byEnd,
      ),
  };
}
