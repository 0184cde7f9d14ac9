import type { MaybePromise } from '../internal/maybe-async.js';

/**
 * Values loaded once per key, synchronously when the loader is (an in-process registry), else
 * through one Promise shared by every caller that asks while it is pending. A failure is not kept:
 * the next ask loads again.
 *
 * @internal
 */
export class MaybeCache<K, V> {
  private readonly values = new Map<K, V>();
  private readonly pending = new Map<K, Promise<V>>();

  get(key: K, load: () => MaybePromise<V>): MaybePromise<V> {
    const value = this.values.get(key);
    if (value !== undefined) return value;
    const waiting = this.pending.get(key);
    if (waiting !== undefined) return waiting;
    const loaded = load();
    if (!(loaded instanceof Promise)) {
      this.values.set(key, loaded);
      return loaded;
    }
    const shared = loaded.then(
      (v) => {
        this.values.set(key, v);
        this.pending.delete(key);
        return v;
      },
      (error: unknown) => {
        this.pending.delete(key);
        throw error;
      },
    );
    this.pending.set(key, shared);
    return shared;
  }
}

/**
 * Every item, now when all are values, else as one Promise.
 *
 * @internal
 */
export function allOf<T>(items: readonly MaybePromise<T>[]): MaybePromise<T[]> {
  return items.some((item) => item instanceof Promise) ? Promise.all(items) : (items as T[]);
}
