import type { KeyValue, ReadOnlySessionStore, ReadOnlyWindowStore, StateStore, ValueAndTimestamp, Windowed } from '@rivulet/core';

/** A store that reads like a window store, with whether its values carry timestamps. */
interface WindowStoreLike<K, V> extends ReadOnlyWindowStore<K, V> {
  readonly timestamped?: boolean;
}

/**
 * The store as a window store; throws when it is another kind.
 *
 * @internal
 */
export function asWindowStore<K, V>(name: string, store: StateStore): WindowStoreLike<K, V> {
  const candidate = store as unknown as Partial<WindowStoreLike<K, V>>;
  if (typeof candidate.fetchAll !== 'function' || typeof candidate.fetch !== 'function') throw new Error(`store '${name}' is not a window store`);
  return candidate as WindowStoreLike<K, V>;
}

/**
 * The store as a session store; throws when it is another kind.
 *
 * @internal
 */
export function asSessionStore<K, V>(name: string, store: StateStore): ReadOnlySessionStore<K, V> {
  const candidate = store as unknown as Partial<ReadOnlySessionStore<K, V>>;
  if (typeof candidate.findSessions !== 'function') throw new Error(`store '${name}' is not a session store`);
  return candidate as ReadOnlySessionStore<K, V>;
}

/**
 * A read-only view of a timestamped window store that shows the values without their timestamps,
 * as Kafka Streams' test driver shows a timestamped store through `getWindowStore`.
 *
 * @internal
 */
export function withoutTimestamps<K, V>(store: ReadOnlyWindowStore<K, ValueAndTimestamp<V>>): ReadOnlyWindowStore<K, V> {
  const values = <T>(entries: Iterable<KeyValue<T, ValueAndTimestamp<V>>>): KeyValue<T, V>[] => [...entries].map((e) => ({ key: e.key, value: e.value.value }));
  function fetch(key: K, windowStart: number): V | undefined;
  function fetch(key: K, timeFrom: number, timeTo: number): KeyValue<number, V>[];
  function fetch(key: K, from: number, to?: number): V | undefined | KeyValue<number, V>[] {
    if (to === undefined) return store.fetch(key, from)?.value;
    return values(store.fetch(key, from, to));
  }
  return {
    fetch,
    fetchAll: (timeFrom: number, timeTo: number): KeyValue<Windowed<K>, V>[] => values(store.fetchAll(timeFrom, timeTo)),
    all: (): KeyValue<Windowed<K>, V>[] => values(store.all()),
  };
}
