/**
 * The Kafka primitives that Rivulet's guarantees rest on, proven with kafkajs on the real broker:
 * a plain round trip, transactions seen (or not) by read_committed readers, and offsets committed
 * inside a transaction with sendOffsets.
 */
import { describe, expect, it } from 'vitest';
import type { Admin } from 'kafkajs';
import { createTopic, readAll, testKafka, uniqueName, withAdmin } from './support/kafka.js';

describe('kafkajs on the real broker', () => {
  it('round-trips records with keys, values, headers and partitions', async () => {
    const topic = uniqueName('roundtrip');
    await createTopic(topic, 3);
    const producer = testKafka().producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    await producer.send({
      topic,
      acks: -1,
      messages: [
        { key: 'k0', value: 'v0', partition: 0, headers: { h: 'x' } },
        { key: 'k1', value: 'v1', partition: 1 },
        { key: 'k2', value: 'v2', partition: 2 },
        { key: 'k0', value: 'v3', partition: 0 },
      ],
    });
    await producer.disconnect();

    const records = await readAll(topic);
    expect(records.map((r) => [r.partition, r.key, r.value]).sort()).toEqual([
      [0, 'k0', 'v0'],
      [0, 'k0', 'v3'],
      [1, 'k1', 'v1'],
      [2, 'k2', 'v2'],
    ]);
    expect(records.find((r) => r.value === 'v0')?.headers['h']?.toString()).toBe('x');
    // Per-partition order is the order of sending.
    expect(records.filter((r) => r.partition === 0).map((r) => r.value)).toEqual(['v0', 'v3']);
  });

  it('shows a committed transaction to read_committed readers and hides an aborted one', async () => {
    const topic = uniqueName('tx-visibility');
    await createTopic(topic, 1);
    const producer = testKafka().producer({ transactionalId: uniqueName('tx'), idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();

    const committed = await producer.transaction();
    await committed.send({ topic, messages: [{ key: 'a', value: 'committed-1' }, { key: 'b', value: 'committed-2' }] });
    await committed.commit();

    const aborted = await producer.transaction();
    await aborted.send({ topic, messages: [{ key: 'a', value: 'aborted-1' }] });
    await aborted.abort();

    const last = await producer.transaction();
    await last.send({ topic, messages: [{ key: 'c', value: 'committed-3' }] });
    await last.commit();
    await producer.disconnect();

    const readCommitted = await readAll(topic, { readCommitted: true });
    expect(readCommitted.map((r) => r.value)).toEqual(['committed-1', 'committed-2', 'committed-3']);

    // A read_uncommitted reader sees the aborted record too: the broker keeps it, only the marker hides it.
    const readUncommitted = await readAll(topic, { readCommitted: false });
    expect(readUncommitted.map((r) => r.value)).toEqual(['committed-1', 'committed-2', 'aborted-1', 'committed-3']);
  });

  it('hides interleaved aborted transactions of two producers from read_committed readers (kafkajs fix)', async () => {
    const topic = uniqueName('tx-interleaved');
    await createTopic(topic, 1);
    const p1 = testKafka().producer({ transactionalId: uniqueName('tx1'), idempotent: true, maxInFlightRequests: 1 });
    const p2 = testKafka().producer({ transactionalId: uniqueName('tx2'), idempotent: true, maxInFlightRequests: 1 });
    await Promise.all([p1.connect(), p2.connect()]);
    const t1 = await p1.transaction();
    const t2 = await p2.transaction();
    // P1's aborted transaction starts first; P2 aborts first, so the broker lists P2's before P1's:
    // kafkajs's own filter then lets P1's first record through.
    await t1.send({ topic, messages: [{ value: 'p1-a' }] });
    await t2.send({ topic, messages: [{ value: 'p2-a' }] });
    await t2.abort();
    await t1.send({ topic, messages: [{ value: 'p1-b' }] });
    await t1.abort();
    const t3 = await p1.transaction();
    await t3.send({ topic, messages: [{ value: 'committed' }] });
    await t3.commit();
    await Promise.all([p1.disconnect(), p2.disconnect()]);
    expect((await readAll(topic)).map((r) => r.value)).toEqual(['committed']);
  });

  it('moves the group offset with sendOffsets only when the transaction commits', async () => {
    const input = uniqueName('tx-offsets-in');
    const output = uniqueName('tx-offsets-out');
    const groupId = uniqueName('tx-offsets-group');
    await createTopic(input, 1);
    await createTopic(output, 1);

    const producer = testKafka().producer({ transactionalId: uniqueName('tx'), idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const committedOffset = async (): Promise<string> =>
      withAdmin(async (admin) => {
        const [entry] = await admin.fetchOffsets({ groupId, topics: [input] });
        return entry?.partitions.find((p) => p.partition === 0)?.offset ?? 'none';
      });

    // Offsets sent in an aborted transaction do not move the group.
    const aborted = await producer.transaction();
    await aborted.send({ topic: output, messages: [{ value: 'out-aborted' }] });
    await aborted.sendOffsets({ consumerGroupId: groupId, topics: [{ topic: input, partitions: [{ partition: 0, offset: '5' }] }] });
    await aborted.abort();
    expect(await committedOffset()).toBe('-1');

    // Offsets sent in a committed transaction do, atomically with its output.
    const committed = await producer.transaction();
    await committed.send({ topic: output, messages: [{ value: 'out-committed' }] });
    await committed.sendOffsets({ consumerGroupId: groupId, topics: [{ topic: input, partitions: [{ partition: 0, offset: '7' }] }] });
    expect(await committedOffset()).toBe('-1');
    await committed.commit();
    expect(await committedOffset()).toBe('7');
    await producer.disconnect();

    expect((await readAll(output)).map((r) => r.value)).toEqual(['out-committed']);
  });

  /** admin.fetchOffsets as Rivulet's kafkajs patch has it: requireStable, and a topic as `{ topic, partitions }`. */
  type StableFetch = (r: {
    groupId: string;
    topics: (string | { topic: string; partitions: number[] })[];
    requireStable: boolean;
  }) => ReturnType<Admin['fetchOffsets']>;

  /** A new topic of `partitions` partitions, and a transaction left open that commits `offset` for its partition 0 in a new group. */
  async function openOffsetCommit(prefix: string, partitions: number, offset: string) {
    const input = uniqueName(`${prefix}-in`);
    const groupId = uniqueName(`${prefix}-group`);
    await createTopic(input, partitions);
    const producer = testKafka().producer({ transactionalId: uniqueName('tx'), idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const tx = await producer.transaction();
    await tx.sendOffsets({ consumerGroupId: groupId, topics: [{ topic: input, partitions: [{ partition: 0, offset }] }] });
    return { input, groupId, producer, tx };
  }

  // The kafkajs patch (OffsetFetch v7, KIP-447): what an exactly-once task reads when it opens. A
  // plain read answers the offset from before a transaction still open or being completed; a
  // stable read waits for it (UNSTABLE_OFFSET_COMMIT, retried) and answers the offset it commits.
  it('answers a stable offset read only once the transaction holding an offset commit has ended', async () => {
    const { input, groupId, producer, tx } = await openOffsetCommit('stable', 1, '7');
    await withAdmin(async (admin) => {
      const fetch = admin.fetchOffsets as unknown as StableFetch;
      const offsetOf = (entries: Awaited<ReturnType<typeof admin.fetchOffsets>>): string | undefined => entries[0]?.partitions.find((p) => p.partition === 0)?.offset;
      expect(offsetOf(await fetch({ groupId, topics: [input], requireStable: false }))).toBe('-1');
      const startedAt = Date.now();
      const stable = fetch({ groupId, topics: [input], requireStable: true }).then((entries) => ({ offset: offsetOf(entries), waitedMs: Date.now() - startedAt }));
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      await tx.commit();
      const read = await stable;
      expect(read.offset).toBe('7');
      expect(read.waitedMs).toBeGreaterThanOrEqual(900);
    });
    await producer.disconnect();
  });

  // The same patch: topics as { topic, partitions } ask for those partitions only, so a task's read
  // of its own offsets is not held by another partition's transaction (a hanging one holds it for
  // ever): the broker answers UNSTABLE_OFFSET_COMMIT per partition.
  it('a stable read of one partition is not held by an open transaction committing another partition\'s offset', async () => {
    const { input, groupId, producer, tx } = await openOffsetCommit('stable-parts', 2, '5');
    await withAdmin(async (admin) => {
      const fetch = admin.fetchOffsets as unknown as StableFetch;
      const started = Date.now();
      const one = await fetch({ groupId, topics: [{ topic: input, partitions: [1] }], requireStable: true });
      expect(Date.now() - started, 'partition 1 answered without waiting for the transaction').toBeLessThan(2_000);
      expect(one).toEqual([{ topic: input, partitions: [expect.objectContaining({ partition: 1, offset: '-1' })] }]);
      // Partition 0 is held until the transaction ends; then both are answered.
      const both = fetch({ groupId, topics: [{ topic: input, partitions: [0, 1] }], requireStable: true });
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      await tx.commit();
      const offsets = (await both)[0]!.partitions.map((p) => [p.partition, p.offset]);
      expect(offsets.sort()).toEqual([
        [0, '5'],
        [1, '-1'],
      ]);
    });
    await producer.disconnect();
  });
});
