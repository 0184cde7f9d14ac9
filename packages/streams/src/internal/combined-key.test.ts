import { describe, expect, it } from 'vitest';
import { combinedKey, combinedKeyPrefix, hasPrefix, splitCombinedKey } from './combined-key.js';

describe('combined key (foreign key, primary key)', () => {
  it("lays out [4-byte big-endian FK length][FK bytes][PK bytes], as Kafka Streams' CombinedKeySchema", () => {
    const key = combinedKey(Buffer.from('fk'), Buffer.from('pk1'));
    expect([...key]).toEqual([0, 0, 0, 2, 0x66, 0x6b, 0x70, 0x6b, 0x31]);
    expect([...combinedKeyPrefix(Buffer.from('fk'))]).toEqual([0, 0, 0, 2, 0x66, 0x6b]);
  });

  it('splits back into the foreign and primary key bytes, empty keys included', () => {
    const { foreignKey, primaryKey } = splitCombinedKey(combinedKey(Buffer.from([1, 2, 3]), Buffer.from([0xff])));
    expect([...foreignKey]).toEqual([1, 2, 3]);
    expect([...primaryKey]).toEqual([0xff]);
    const empty = splitCombinedKey(combinedKey(Buffer.alloc(0), Buffer.alloc(0)));
    expect(empty.foreignKey).toHaveLength(0);
    expect(empty.primaryKey).toHaveLength(0);
  });

  it('refuses bytes that are not a combined key', () => {
    expect(() => splitCombinedKey(Buffer.from([0, 0]))).toThrow(/too short/);
    expect(() => splitCombinedKey(Buffer.from([0, 0, 0, 9, 1]))).toThrow(/foreign key length 9 exceeds the 5-byte key/);
  });

  it("matches a foreign key's prefix only: 'a' is not a prefix of the combined keys of 'ab'", () => {
    const prefixA = combinedKeyPrefix(Buffer.from('a'));
    expect(hasPrefix(combinedKey(Buffer.from('a'), Buffer.from('b')), prefixA)).toBe(true);
    // The length comes first, so foreign key 'ab' never shares the prefix of 'a' even though the
    // bytes 'a','b' follow in both.
    expect(hasPrefix(combinedKey(Buffer.from('ab'), Buffer.alloc(0)), prefixA)).toBe(false);
    expect(hasPrefix(Buffer.from([0, 0, 0]), prefixA)).toBe(false);
  });

  it('sorts the subscriptions of one foreign key together, in primary key byte order', () => {
    const keys = [
      combinedKey(Buffer.from('b'), Buffer.from('2')),
      combinedKey(Buffer.from('a'), Buffer.from('9')),
      combinedKey(Buffer.from('bb'), Buffer.from('0')),
      combinedKey(Buffer.from('b'), Buffer.from('1')),
    ].sort(Buffer.compare);
    expect(keys.map((k) => `${splitCombinedKey(k).foreignKey.toString()}/${splitCombinedKey(k).primaryKey.toString()}`)).toEqual(['a/9', 'b/1', 'b/2', 'bb/0']);
  });
});
