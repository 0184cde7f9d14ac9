import { describe, expect, it } from 'vitest';
import { hash128, MURMUR3_DEFAULT_SEED } from './murmur3.js';

/** The hash as Java's two signed longs. */
function longs(hash: Buffer): [bigint, bigint] {
  return [hash.readBigInt64BE(0), hash.readBigInt64BE(8)];
}

describe('hash128 (Murmur3 x64 128, as Kafka Streams)', () => {
  // The vectors of Kafka's Murmur3Test.testMurmur3_128 (seed 123): tails of 2, 6, 8, 10, 0 and 3
  // bytes, one and several 16-byte blocks.
  const vectors: [string, bigint, bigint][] = [
    ['21', 5857341059704281894n, -5288187638297930763n],
    ['foobar', -351361463397418609n, 8959716011862540668n],
    ['a-little-bit-long-string', 8836256500583638442n, -198172363548498523n],
    ['a-little-bit-longer-string', 1838346159335108511n, 8794688210320490705n],
    ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -4024021876037397259n, -1482317706335141238n],
    ['abc', 1489494923063836066n, -5440978547625122829n],
  ];

  for (const [text, h1, h2] of vectors) {
    it(`hashes '${text}' (${text.length} bytes) to Java's longs`, () => {
      expect(longs(hash128(Buffer.from(text), 123))).toEqual([h1, h2]);
    });
  }

  it('uses Kafka Streams default seed 104729 and gives 16 bytes; other bytes, other hash', () => {
    expect(MURMUR3_DEFAULT_SEED).toBe(104729);
    const a = hash128(Buffer.from('foobar'));
    expect(a).toHaveLength(16);
    expect(a.equals(hash128(Buffer.from('foobar'), 104729))).toBe(true);
    expect(a.equals(hash128(Buffer.from('foobar'), 123))).toBe(false);
    expect(a.equals(hash128(Buffer.from('foobaz')))).toBe(false);
  });

  // Bytes >= 0x80 (read unsigned) at the default seed: printed by Kafka Streams 4.4.0's own
  // Murmur3.hash128(byte[]) for bytes[i] = 0xff - 7i, every tail length around the 8/16 boundaries.
  const javaDefaultSeed: [number, bigint, bigint][] = [
    [0, -7122613646888064702n, -8341524471658347240n],
    [1, -2521791121976244634n, 884562043578051865n],
    [7, 4407260183731742056n, 5392273614663914884n],
    [8, 2390877692970355632n, -5329712747440586109n],
    [9, 4226008280495852080n, -7521061061955770314n],
    [15, 3836428736839196485n, -7862177274592292301n],
    [16, -8572899200974233666n, -4245740399517080357n],
    [17, -1578061587684438398n, -8029685301282474067n],
    [31, 4418623439560698286n, -4366758067860556763n],
    [33, 575420729336179957n, -5895683355812441872n],
  ];
  for (const [length, h1, h2] of javaDefaultSeed) {
    it(`hashes ${length} high bytes at the default seed as Java does`, () => {
      const bytes = Buffer.from(Array.from({ length }, (_, i) => (0xff - i * 7) & 0xff));
      expect(longs(hash128(bytes))).toEqual([h1, h2]);
    });
  }
});
