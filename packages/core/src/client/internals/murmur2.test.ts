import { describe, expect, it } from 'vitest';
import { murmur2, toPositive } from './murmur2.js';

describe('murmur2', () => {
  // Kafka's own vectors: UtilsTest.testMurmur2 in apache/kafka
  // (clients/src/test/java/org/apache/kafka/common/utils/UtilsTest.java).
  it.each([
    ['21', -973932308],
    ['foobar', -790332482],
    ['a-little-bit-long-string', -985981536],
    ['a-little-bit-longer-string', -1486304829],
    ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
  ])('hashes %j to %i as Kafka does', (input, expected) => {
    expect(murmur2(Buffer.from(input))).toBe(expected);
  });

  it("hashes the byte array {'a', 'b', 'c'} to 479470107 as Kafka does", () => {
    expect(murmur2(new Uint8Array([0x61, 0x62, 0x63]))).toBe(479470107);
  });

  // Computed by Kafka's Utils.murmur2 source compiled and run on OpenJDK 17: one vector for every
  // tail length (length % 4 = 0..3, including the empty array) with bytes >= 0x80, which Java
  // reads as negative bytes and masks with `& 0xff`.
  it.each([
    ['', 275646681],
    ['35', 55100550],
    ['f78a', 1288432276],
    ['e1bbe7', -983584298],
    ['28c0450c', -392157833],
    ['e43c084f4b', 650222576],
    ['839dee466d85', 609540322],
    ['be6a61aa9a0c61', -2055415863],
    ['bd6743e7dc978573', 496582918],
  ])('hashes the bytes 0x%s to %i as the Java client does', (hex, expected) => {
    expect(murmur2(Buffer.from(hex, 'hex'))).toBe(expected);
  });

  it('returns a signed 32-bit integer', () => {
    for (let i = 0; i < 1000; i++) {
      const hash = murmur2(Buffer.from(`key-${i}`));
      expect(hash | 0).toBe(hash);
    }
  });

  it('hashes only the bytes of a view, not the rest of its backing memory', () => {
    // Small Buffers share a pooled ArrayBuffer; a key is often such a view.
    const view = Buffer.from('xx21yy').subarray(2, 4);
    expect(murmur2(view)).toBe(-973932308);
  });
});

describe('toPositive', () => {
  it('clears the sign bit rather than taking the absolute value', () => {
    expect(toPositive(0)).toBe(0);
    expect(toPositive(5)).toBe(5);
    expect(toPositive(-1)).toBe(0x7fffffff);
    expect(toPositive(-2147483648)).toBe(0);
    expect(toPositive(-973932308)).toBe(-973932308 & 0x7fffffff);
    expect(toPositive(-973932308)).toBe(1173551340);
  });
});
