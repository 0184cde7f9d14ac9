import { murmur2, toPositive } from './internals/murmur2.js';

/**
 * What a {@link Partitioner} is told about one record: the topic, its serialized key and value,
 * and how many partitions the topic has now.
 */
export interface PartitionerArgs {
  /** The topic the record is sent to. */
  topic: string;
  /** The serialized key, or `null` for a record without a key. */
  key: Buffer | null;
  /** The serialized value, or `null` for a tombstone. */
  value: Buffer | null;
  /** The topic's current number of partitions (a positive integer). */
  partitionCount: number;
}

/**
 * Chooses the partition of a record. A custom partitioner must return an integer in
 * `[0, args.partitionCount)`; the runtime rejects anything else.
 *
 * It is called once per record on the send path, so it should be synchronous, cheap and free of
 * allocations.
 *
 * @example
 * ```ts
 * // Keys "tenant/order": every order of a tenant on the partition of the tenant's key.
 * const byTenant: Partitioner = ({ key, partitionCount }) => {
 *   if (key === null) return 0;
 *   const slash = key.indexOf(0x2f);
 *   return partitionForKey(slash < 0 ? key : key.subarray(0, slash), partitionCount);
 * };
 * ```
 */
export type Partitioner = (args: PartitionerArgs) => number;

/**
 * Kafka's default partition of a keyed record: `toPositive(murmur2(key)) % partitionCount`, the
 * same partition the Java producer and Kafka Streams choose for the same key bytes.
 *
 * @param key - The serialized key.
 * @param partitionCount - The topic's number of partitions (a positive integer).
 * @returns The partition, in `[0, partitionCount)`.
 *
 * @example
 * ```ts
 * partitionForKey(Buffer.from('key1'), 12); // 8, as a Java producer would choose
 * ```
 */
export function partitionForKey(key: Uint8Array, partitionCount: number): number {
  return toPositive(murmur2(key)) % partitionCount;
}

/**
 * Creates the default partitioner, compatible with the Java client for keyed records:
 *
 * - a record with a key goes to {@link partitionForKey}, so a key always lands on the same
 *   partition as it would from a Java producer (as long as the partition count does not change);
 * - a record without a key goes round robin over the topic's partitions, with one counter per
 *   topic.
 *
 * Each call returns a partitioner with its own counters; create one per producer.
 *
 * @returns A {@link Partitioner}.
 *
 * @example
 * ```ts
 * const partitioner = defaultPartitioner();
 * partitioner({ topic: 'orders', key: Buffer.from('key1'), value: null, partitionCount: 12 }); // 8
 * ```
 */
export function defaultPartitioner(): Partitioner {
  // Next round-robin position per topic. Each topic starts at a random position, as the Java
  // client's round-robin partitioner did, so that producers started together do not all send
  // their first keyless records to partition 0.
  const counters = new Map<string, number>();

  return function partition(args: PartitionerArgs): number {
    if (args.key !== null) return partitionForKey(args.key, args.partitionCount);

    let counter = counters.get(args.topic);
    if (counter === undefined) counter = Math.floor(Math.random() * 0x80000000);
    // Kept in [0, 2^31) like Java's toPositive(counter.getAndIncrement()): the number stays a
    // small integer forever, and `% partitionCount` follows a partition count that grows.
    counters.set(args.topic, (counter + 1) & 0x7fffffff);
    return counter % args.partitionCount;
  };
}

/**
 * Chooses the partition of a record: the explicit partition if the caller gave one, otherwise the
 * partitioner's choice. Either is checked against the topic's partition count, so a bad number
 * fails here with the topic named instead of as a broker error later.
 *
 * Allocation-free unless it throws.
 *
 * @param explicit - The partition the caller asked for, or `undefined` to let the partitioner choose.
 * @param partitioner - The partitioner to call when there is no explicit partition.
 * @param args - The record and its topic's partition count.
 * @returns A partition in `[0, args.partitionCount)`.
 * @throws RangeError if the partition count is not a positive integer, if the explicit partition
 *   is out of range, or if the partitioner returns something other than an integer in range.
 *
 * @example
 * ```ts
 * const partitioner = defaultPartitioner();
 * choosePartition(undefined, partitioner, { topic: 'orders', key, value, partitionCount: 6 });
 * choosePartition(2, partitioner, { topic: 'orders', key, value, partitionCount: 6 }); // 2
 * ```
 */
export function choosePartition(explicit: number | undefined, partitioner: Partitioner, args: PartitionerArgs): number {
  const count = args.partitionCount;
  if (!Number.isInteger(count) || count < 1) {
    throw new RangeError(
      `Topic "${args.topic}" has partition count ${String(count)}: expected a positive integer (is the topic's metadata loaded?)`,
    );
  }

  if (explicit !== undefined) {
    if (!isPartitionIn(explicit, count)) {
      throw new RangeError(
        `Partition ${String(explicit)} is out of range for topic "${args.topic}" with ${count} partitions: expected an integer in [0, ${count - 1}]`,
      );
    }
    return explicit;
  }

  const chosen = partitioner(args);
  if (!isPartitionIn(chosen, count)) {
    throw new RangeError(
      `The custom partitioner returned ${String(chosen)} for topic "${args.topic}" with ${count} partitions: expected an integer in [0, ${count - 1}]`,
    );
  }
  return chosen;
}

function isPartitionIn(partition: number, count: number): boolean {
  return Number.isInteger(partition) && partition >= 0 && partition < count;
}
