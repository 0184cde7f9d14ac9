import { describe, expect, it } from 'vitest';
import { decodeMessageIndexes, encodeMessageIndexes } from './message-indexes.js';

// Interop vectors, computed by hand from Confluent's encoding (MessageIndexes.toByteArray /
// readFrom in schema-registry's protobuf provider, over Kafka's ByteUtils.writeVarint /
// readVarint): a zigzag varint count, then one zigzag varint per index; [0] is written as the
// count 0 alone. Zigzag maps n >= 0 to 2n, so a count or index n below 64 is the one byte 2n.
const VECTORS: [string, number[], string][] = [
  ['the first message, by the shortcut', [0], '00'],
  ['the second top-level message', [1], '0202'],
  ['the third top-level message', [2], '0204'],
  ['the first message nested in the second', [1, 0], '040200'],
  ['deeper nesting', [0, 2, 1], '06000402'],
  ['four levels', [3, 0, 0, 1], '0806000002'],
  // 64 zigzags to 128, which takes two varint bytes: 0x80 0x01.
  ['an index that needs two varint bytes', [64], '028001'],
  ['a nested index of 200 (zigzag 400 = 0x90 0x03)', [0, 200], '04009003'],
];

describe('message indexes (Confluent wire format)', () => {
  it.each(VECTORS)('encodes %s', (_what, indexes, hex) => {
    expect(encodeMessageIndexes(indexes).toString('hex')).toBe(hex);
  });

  it.each(VECTORS)('decodes %s, and finds where the payload starts', (_what, indexes, hex) => {
    const bytes = Buffer.from(`0000000001${hex}ff`, 'hex');
    expect(decodeMessageIndexes(bytes, 5)).toEqual({ ok: true, indexes, end: bytes.length - 1 });
  });

  it('reads the long form of [0] (count 1, index 0: 02 00) as [0], as Confluent readers do', () => {
    expect(decodeMessageIndexes(Buffer.from('0200', 'hex'), 0)).toEqual({ ok: true, indexes: [0], end: 2 });
    // and writes the shortcut, not the long form
    expect(encodeMessageIndexes([0])).toEqual(Buffer.from([0]));
  });

  it('reports a record that ends inside the indexes as truncated', () => {
    for (const hex of ['', '04', '0402', '0280']) {
      const result = decodeMessageIndexes(Buffer.from(hex, 'hex'), 0);
      expect(result, hex).toMatchObject({ ok: false, truncated: true });
    }
  });

  it('refuses a negative count or index, and a varint longer than 5 bytes', () => {
    expect(decodeMessageIndexes(Buffer.from('01', 'hex'), 0)).toMatchObject({ ok: false, truncated: false, reason: expect.stringContaining('negative (-1)') });
    expect(decodeMessageIndexes(Buffer.from('0203', 'hex'), 0)).toMatchObject({ ok: false, truncated: false, reason: expect.stringContaining('index 0 is negative (-2)') });
    expect(decodeMessageIndexes(Buffer.from('ffffffffff01', 'hex'), 0)).toMatchObject({ ok: false, truncated: false, reason: expect.stringContaining('longer than 5 bytes') });
  });

  it('round-trips paths of every shape', () => {
    for (const indexes of [[0], [5], [0, 0], [1, 2, 3], [127, 128, 1000, 70000], [0x3fffffff]]) {
      const bytes = encodeMessageIndexes(indexes);
      expect(decodeMessageIndexes(bytes, 0)).toEqual({ ok: true, indexes, end: bytes.length });
    }
  });
});
