import type { Serde } from '@rivulet/serde';

/**
 * Serializes for a store, which must not wait: the per-record path is synchronous and a store read
 * or write returns its result at once. A serde that returns a Promise (a schema-registry lookup)
 * cannot serve a store; this says so instead of storing a Promise.
 *
 * @internal
 */
export function serializeForStore<T>(store: string, part: 'key' | 'value', serde: Serde<T>, topic: string, value: T): Buffer {
  const bytes = serde.serialize(topic, value);
  if (Buffer.isBuffer(bytes)) return bytes;
  if (isThenable(bytes)) throw asyncSerdeError(store, part, serde, 'serialize', bytes);
  throw new TypeError(`state store '${store}': the ${part} serde '${serde.name}' returned ${describe(bytes)} from serialize, not a Buffer`);
}

/**
 * Deserializes for a store; see {@link serializeForStore} for why it must be synchronous.
 *
 * @internal
 */
export function deserializeForStore<T>(store: string, part: 'key' | 'value', serde: Serde<T>, topic: string, bytes: Buffer): T {
  const value = serde.deserialize(topic, bytes);
  if (isThenable(value)) throw asyncSerdeError(store, part, serde, 'deserialize', value);
  return value as T;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return value instanceof Promise || (typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function');
}

function asyncSerdeError(store: string, part: 'key' | 'value', serde: { name: string }, method: string, pending: PromiseLike<unknown>): TypeError {
  // The Promise is dropped: keep its eventual rejection from crashing the process as unhandled.
  Promise.resolve(pending).catch(ignore);
  return new TypeError(
    `state store '${store}': the ${part} serde '${serde.name}' returned a Promise from ${method}; ` +
      'the serde of a state store must be synchronous (reads and writes happen on the per-record path). ' +
      'Give the store a serde that returns Buffers and values directly (string, number, bytes or JSON serdes).',
  );
}

function ignore(): void {}

function describe(value: unknown): string {
  return value === null ? 'null' : typeof value === 'object' ? (value.constructor?.name ?? 'an object') : typeof value;
}
