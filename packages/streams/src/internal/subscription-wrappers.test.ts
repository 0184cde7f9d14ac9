import { describe, expect, it } from 'vitest';
import { hash128 } from './murmur3.js';
import { decodeResponse, decodeSubscription, encodeResponse, encodeSubscription, Instruction, responsePartition, sameHash } from './subscription-wrappers.js';

describe('subscription records', () => {
  const hash = hash128(Buffer.from('left value'));

  it("encode as Kafka Streams' SubscriptionWrapper version 1: [version][instruction][hash][pk][partition]", () => {
    const bytes = encodeSubscription({ hash, instruction: Instruction.PROPAGATE_ONLY_IF_FK_VAL_AVAILABLE, primaryKey: Buffer.from('k1'), primaryPartition: 2 });
    expect(bytes).toHaveLength(2 + 16 + 2 + 4);
    expect(bytes[0]).toBe(1);
    expect(bytes[1]).toBe(3);
    expect(bytes.subarray(2, 18).equals(hash)).toBe(true);
    expect(bytes.subarray(18, 20).toString()).toBe('k1');
    expect(bytes.readInt32BE(20)).toBe(2);
    expect(decodeSubscription(bytes)).toEqual({ hash, instruction: 3, primaryKey: Buffer.from('k1'), primaryPartition: 2 });
  });

  it('mark a null hash (a deletion) with the high bit of the version byte and leave the hash out', () => {
    const bytes = encodeSubscription({ hash: null, instruction: Instruction.DELETE_KEY_AND_PROPAGATE, primaryKey: Buffer.from('k'), primaryPartition: 0 });
    expect([...bytes]).toEqual([0x81, 1, 0x6b, 0, 0, 0, 0]);
    expect(decodeSubscription(bytes)).toEqual({ hash: null, instruction: 1, primaryKey: Buffer.from('k'), primaryPartition: 0 });
  });

  it('refuse other versions and unknown instructions', () => {
    expect(() => decodeSubscription(Buffer.from([0x82, 1, 0, 0, 0, 0]))).toThrow(/version 2 is not supported/);
    expect(() => decodeSubscription(Buffer.from([0x81, 7, 0, 0, 0, 0]))).toThrow(/unknown instruction 7/);
  });
});

describe('response records', () => {
  const hash = hash128(Buffer.from('left value'));

  it('carry the hash, the right value and the left partition at a fixed offset', () => {
    const bytes = encodeResponse({ hash, foreignValue: Buffer.from('right'), primaryPartition: 5 });
    expect(bytes[0]).toBe(1);
    expect(responsePartition(bytes)).toBe(5);
    expect(decodeResponse(bytes)).toEqual({ hash, foreignValue: Buffer.from('right'), primaryPartition: 5 });
  });

  it('tell a null right value from an empty one, and a null hash from a present one', () => {
    const none = decodeResponse(encodeResponse({ hash: null, foreignValue: null, primaryPartition: -1 }));
    expect(none).toEqual({ hash: null, foreignValue: null, primaryPartition: -1 });
    const empty = decodeResponse(encodeResponse({ hash, foreignValue: Buffer.alloc(0), primaryPartition: 0 }));
    expect(empty.foreignValue).toEqual(Buffer.alloc(0));
    expect(responsePartition(null)).toBe(-1);
  });

  it('match hashes by bytes, null only with null', () => {
    expect(sameHash(null, null)).toBe(true);
    expect(sameHash(hash, null)).toBe(false);
    expect(sameHash(null, hash)).toBe(false);
    expect(sameHash(hash, Buffer.from(hash))).toBe(true);
    expect(sameHash(hash, hash128(Buffer.from('other value')))).toBe(false);
  });
});
