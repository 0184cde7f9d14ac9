import { describe, expect, it } from 'vitest';
import { murmur2, toPositive } from './internals/murmur2.js';
import { choosePartition, defaultPartitioner, partitionForKey } from './partitioner.js';
import type { Partitioner, PartitionerArgs } from './partitioner.js';

function args(topic: string, key: Buffer | null, partitionCount: number): PartitionerArgs {
  return { topic, key, value: Buffer.from('v'), partitionCount };
}

describe('partitionForKey', () => {
  // The Java client's choice for key bytes "key1" (murmur2 = 28543940), computed with Kafka's
  // Utils.murmur2 on OpenJDK 17: toPositive(28543940) % n.
  it.each([
    [3, 2],
    [6, 2],
    [12, 8],
  ])('puts "key1" on the Java partition over %i partitions (%i)', (count, expected) => {
    const key = Buffer.from('key1');
    expect(murmur2(key)).toBe(28543940);
    expect(partitionForKey(key, count)).toBe(expected);
    expect(partitionForKey(key, count)).toBe(toPositive(murmur2(key)) % count);
  });

  it('uses toPositive, not Math.abs, for a negative hash', () => {
    // murmur2("21") = -973932308: toPositive gives 1173551340, Math.abs would give 973932308.
    const key = Buffer.from('21');
    expect(partitionForKey(key, 7)).toBe(1173551340 % 7);
    expect(1173551340 % 7).not.toBe(973932308 % 7);
  });
});

describe('defaultPartitioner', () => {
  it('is stable for a key: the same partition on every call and in every instance', () => {
    const first = defaultPartitioner();
    const second = defaultPartitioner();
    for (const count of [3, 6, 12]) {
      const expected = toPositive(murmur2(Buffer.from('key1'))) % count;
      for (let i = 0; i < 5; i++) {
        expect(first(args('orders', Buffer.from('key1'), count))).toBe(expected);
        expect(second(args('payments', Buffer.from('key1'), count))).toBe(expected);
      }
    }
  });

  it('ignores the value when there is a key', () => {
    const partitioner = defaultPartitioner();
    const key = Buffer.from('key1');
    expect(partitioner({ topic: 't', key, value: null, partitionCount: 12 })).toBe(8);
    expect(partitioner({ topic: 't', key, value: Buffer.from('other'), partitionCount: 12 })).toBe(8);
  });

  it('sends keyless records round robin, each partition once per cycle', () => {
    const partitioner = defaultPartitioner();
    const count = 6;
    const chosen = Array.from({ length: 3 * count }, () => partitioner(args('clicks', null, count)));

    for (let i = 1; i < chosen.length; i++) {
      expect(chosen[i]).toBe((chosen[i - 1]! + 1) % count);
    }
    for (let cycle = 0; cycle < 3; cycle++) {
      const seen = chosen.slice(cycle * count, (cycle + 1) * count).sort((a, b) => a - b);
      expect(seen).toEqual([0, 1, 2, 3, 4, 5]);
    }
  });

  it('keeps one round-robin counter per topic', () => {
    const partitioner = defaultPartitioner();
    const a0 = partitioner(args('topic-a', null, 4));
    const b0 = partitioner(args('topic-b', null, 4));
    const b1 = partitioner(args('topic-b', null, 4));
    const a1 = partitioner(args('topic-a', null, 4));
    // Records to topic-b did not advance topic-a's counter.
    expect(a1).toBe((a0 + 1) % 4);
    expect(b1).toBe((b0 + 1) % 4);
  });

  it('does not advance the round robin for keyed records', () => {
    const partitioner = defaultPartitioner();
    const before = partitioner(args('mixed', null, 5));
    partitioner(args('mixed', Buffer.from('key1'), 5));
    partitioner(args('mixed', Buffer.from('key2'), 5));
    expect(partitioner(args('mixed', null, 5))).toBe((before + 1) % 5);
  });

  it('stays in range when the partition count changes', () => {
    const partitioner = defaultPartitioner();
    const seen = new Set<number>();
    for (let i = 0; i < 8; i++) seen.add(partitioner(args('growing', null, 8)));
    expect([...seen].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    for (let i = 0; i < 100; i++) {
      const p = partitioner(args('growing', null, 2));
      expect(p === 0 || p === 1).toBe(true);
    }
  });
});

describe('choosePartition', () => {
  const hashing = defaultPartitioner();

  it('uses the explicit partition over the partitioner', () => {
    const never: Partitioner = () => {
      throw new Error('the partitioner must not be called when the partition is explicit');
    };
    expect(choosePartition(0, never, args('orders', Buffer.from('key1'), 3))).toBe(0);
    expect(choosePartition(2, never, args('orders', Buffer.from('key1'), 3))).toBe(2);
  });

  it('asks the partitioner when there is no explicit partition', () => {
    expect(choosePartition(undefined, hashing, args('orders', Buffer.from('key1'), 12))).toBe(8);
    const calls: PartitionerArgs[] = [];
    const custom: Partitioner = (a) => {
      calls.push(a);
      return a.partitionCount - 1;
    };
    const recordArgs = args('orders', null, 4);
    expect(choosePartition(undefined, custom, recordArgs)).toBe(3);
    expect(calls).toEqual([recordArgs]);
  });

  it.each([3, -1, 1.5, Number.NaN])('rejects the explicit partition %s for a topic with 3 partitions', (explicit) => {
    expect(() => choosePartition(explicit, hashing, args('orders', Buffer.from('key1'), 3))).toThrow(RangeError);
    expect(() => choosePartition(explicit, hashing, args('orders', Buffer.from('key1'), 3))).toThrow(
      `Partition ${String(explicit)} is out of range for topic "orders" with 3 partitions: expected an integer in [0, 2]`,
    );
  });

  it.each([4, -1, 0.5, Number.NaN, Number.POSITIVE_INFINITY])(
    'rejects a custom partitioner that returns %s for a topic with 4 partitions',
    (returned) => {
      const broken: Partitioner = () => returned;
      expect(() => choosePartition(undefined, broken, args('payments', null, 4))).toThrow(RangeError);
      expect(() => choosePartition(undefined, broken, args('payments', null, 4))).toThrow(
        `The custom partitioner returned ${String(returned)} for topic "payments" with 4 partitions: expected an integer in [0, 3]`,
      );
    },
  );

  it('rejects a custom partitioner that returns something other than a number', () => {
    const untyped = (() => '1') as unknown as Partitioner;
    expect(() => choosePartition(undefined, untyped, args('payments', null, 4))).toThrow(
      'The custom partitioner returned 1 for topic "payments" with 4 partitions',
    );
  });

  it.each([0, -2, 2.5, Number.NaN])('rejects a partition count of %s before partitioning', (count) => {
    expect(() => choosePartition(undefined, hashing, args('orders', Buffer.from('key1'), count))).toThrow(
      `Topic "orders" has partition count ${String(count)}: expected a positive integer`,
    );
    expect(() => choosePartition(0, hashing, args('orders', Buffer.from('key1'), count))).toThrow(RangeError);
  });
});
