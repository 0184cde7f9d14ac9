import { describe, expect, it } from 'vitest';
import { jsonSerde } from './json.js';
import {
  booleanSerde,
  bytesSerde,
  float32Serde,
  float64Serde,
  int16Serde,
  int32Serde,
  int64Serde,
  stringSerde,
  uuidSerde,
  voidSerde,
} from './primitives.js';
import { serdes } from './serdes.js';

describe('serdes', () => {
  it.each([
    ['string', serdes.string, stringSerde],
    ['bytes', serdes.bytes, bytesSerde],
    ['int16', serdes.int16, int16Serde],
    ['int32', serdes.int32, int32Serde],
    ['int64', serdes.int64, int64Serde],
    ['float32', serdes.float32, float32Serde],
    ['float', serdes.float, float32Serde],
    ['float64', serdes.float64, float64Serde],
    ['double', serdes.double, float64Serde],
    ['boolean', serdes.boolean, booleanSerde],
    ['uuid', serdes.uuid, uuidSerde],
    ['void', serdes.void, voidSerde],
  ] as const)('serdes.%s() returns the shared serde of its factory', (_name, fromNamespace, factory) => {
    expect(fromNamespace()).toBe(factory());
  });

  it('gives float and double the float32 and float64 encodings, as Java Serdes.Float() / Double()', () => {
    expect((serdes.float().serialize('t', 1.5) as Buffer).toString('hex')).toBe('3fc00000');
    expect((serdes.double().serialize('t', 1.5) as Buffer).toString('hex')).toBe('3ff8000000000000');
  });

  it('builds JSON serdes through jsonSerde, with the parse hook', () => {
    expect(serdes.json()).toBe(jsonSerde());
    const upper = serdes.json({ parse: (v) => String(v).toUpperCase() });
    expect(upper.deserialize('t', Buffer.from('"abc"'))).toBe('ABC');
  });

  it('cannot be patched', () => {
    expect(Object.isFrozen(serdes)).toBe(true);
  });
});
