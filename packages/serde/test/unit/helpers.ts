/** Helpers for serde tests: synchronous calls and the typed error a call throws. */
import { expect } from 'vitest';
import type { Serde } from '../../src/serde.js';

/** Serializes, failing the test if the serde answered with a Promise. */
export function writeSync<T>(serde: Serde<T>, value: T, topic = 't'): Buffer {
  const out = serde.serialize(topic, value);
  if (!Buffer.isBuffer(out)) throw new Error(`${serde.name} serialize did not return a Buffer`);
  return out;
}

/** Deserializes, failing the test if the serde answered with a Promise. */
export function readSync<T>(serde: Serde<T>, data: Buffer, topic = 't'): T {
  const value = serde.deserialize(topic, data);
  if (value instanceof Promise) throw new Error(`${serde.name} deserialize returned a Promise`);
  return value;
}

/** The error a call throws (synchronously or by rejecting), checked to be an instance of `type`. */
export async function errorOf<E extends Error>(type: abstract new (...args: never[]) => E, call: () => unknown): Promise<E> {
  let thrown: unknown;
  try {
    await call();
  } catch (error) {
    thrown = error;
  }
  if (thrown === undefined) throw new Error(`expected ${type.name}, nothing was thrown`);
  expect(thrown).toBeInstanceOf(type);
  return thrown as E;
}
