/**
 * Helpers for core's integration tests on the real broker: unique names, topics, and reading a
 * topic to its end as a read_committed (or read_uncommitted) consumer would.
 */
import { randomBytes } from 'node:crypto';
import { Kafka, logLevel, type Admin, type IHeaders } from 'kafkajs';
import { inject } from 'vitest';

export function brokers(): string[] {
  const list = process.env['KAFKA_BROKERS'] ?? inject('kafkaBrokers');
  if (!list) throw new Error('KAFKA_BROKERS is not set and the global setup provided no broker');
  return list.split(',');
}

/** A name no other test or earlier run uses, so tests run in parallel and re-run without cleanup. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}

export function testKafka(clientId = 'rivulet-test'): Kafka {
  return new Kafka({ clientId, brokers: brokers(), logLevel: logLevel.NOTHING });
}

export async function withAdmin<T>(fn: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = testKafka('rivulet-test-admin').admin();
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.disconnect();
  }
}

/**
 * Creates a topic and waits until each partition has a leader. Not kafkajs's waitForLeaders: it
 * gives up at once when a busy broker answers "does not host this topic-partition" for a moment.
 */
export async function createTopic(topic: string, numPartitions = 1): Promise<void> {
  await withAdmin(async (admin) => {
    await admin.createTopics({ topics: [{ topic, numPartitions }], waitForLeaders: false });
    await eventually(
      async () => {
        const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
        return topics[0]?.partitions.length === numPartitions && topics[0].partitions.every((p) => p.leader >= 0) ? true : undefined;
      },
      30_000,
      `leaders for ${topic}`,
    );
  });
}

export interface ReadRecord {
  partition: number;
  offset: string;
  key: string | null;
  value: string | null;
  valueBytes: Buffer | null;
  headers: IHeaders;
}

/**
 * Reads every record of a topic from the beginning up to its end offsets at the time of the call,
 * with a throwaway group. Under read_committed the consumer skips aborted records and transaction
 * markers without handing them to eachBatch, so progress is tracked from kafkajs's END_BATCH_PROCESS
 * event, which reports the last offset of every fetched batch, filtered or not.
 */
export async function readAll(topic: string, { readCommitted = true, timeoutMs = 30_000 } = {}): Promise<ReadRecord[]> {
  const kafka = testKafka('rivulet-test-reader');
  const ends = await withAdmin((admin) => admin.fetchTopicOffsets(topic));
  const remaining = new Map(ends.filter((e) => e.high !== e.low).map((e) => [e.partition, BigInt(e.high)]));
  const records: ReadRecord[] = [];
  if (remaining.size === 0) return records;
  const consumer = kafka.consumer({ groupId: uniqueName('reader'), readUncommitted: !readCommitted });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`readAll(${topic}) timed out with ${records.length} records read; partitions left: ${[...remaining.keys()]}`));
      }, timeoutMs);
      consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
        const end = remaining.get(payload.partition);
        if (end !== undefined && BigInt(payload.lastOffset) + 1n >= end) remaining.delete(payload.partition);
        if (remaining.size === 0) {
          clearTimeout(timer);
          resolve();
        }
      });
      consumer
        .run({
          eachBatch: async ({ batch }) => {
            for (const m of batch.messages) {
              records.push({
                partition: batch.partition,
                offset: m.offset,
                key: m.key?.toString() ?? null,
                value: m.value?.toString() ?? null,
                valueBytes: m.value,
                headers: m.headers ?? {},
              });
            }
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return records;
}

/** Produces string records (key, value[, partition]) with an idempotent producer, acks all. */
export async function produce(
  topic: string,
  records: readonly { key: string | null; value: string | null; partition?: number; headers?: Record<string, string> }[],
): Promise<void> {
  const producer = testKafka('rivulet-test-producer').producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    for (let i = 0; i < records.length; i += 5000) {
      await producer.send({
        topic,
        acks: -1,
        messages: records.slice(i, i + 5000).map((r) => ({
          key: r.key,
          value: r.value,
          ...(r.partition !== undefined ? { partition: r.partition } : {}),
          ...(r.headers ? { headers: r.headers } : {}),
        })),
      });
    }
  } finally {
    await producer.disconnect();
  }
}

/** Polls `check` until it returns a value or the time is up. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 60_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}

/** Reads a topic until it holds at least `count` records (read_committed). */
export async function readAtLeast(topic: string, count: number, timeoutMs = 60_000): Promise<ReadRecord[]> {
  return eventually(async () => {
    const records = await readAll(topic);
    return records.length >= count ? records : undefined;
  }, timeoutMs, `${count} records in ${topic}`);
}
