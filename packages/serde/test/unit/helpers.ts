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

/** The Confluent wire-format header of schema `id`: magic byte 0, then the id as an unsigned 32-bit big-endian. */
export function header(id: number): Buffer {
  const out = Buffer.alloc(5);
  out.writeUInt32BE(id, 1);
  return out;
}

/** An Avro zig-zag varint of any 64-bit magnitude (lengths, block counts, union and enum indexes). */
export function varint(n: bigint): Buffer {
  const bytes: number[] = [];
  let v = n >= 0n ? n * 2n : -n * 2n - 1n;
  while (v >= 0x80n) {
    bytes.push(Number((v & 0x7fn) | 0x80n));
    v >>= 7n;
  }
  bytes.push(Number(v));
  return Buffer.from(bytes);
}
