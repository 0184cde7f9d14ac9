/**
 * Helpers for the testing package's integration tests on the real broker: unique names, topics
 * with a partition count, producing strings and reading a topic to its end (read_committed). Built
 * on core's public kafkajs client, so this package needs no broker code of its own.
 */
import { randomBytes } from 'node:crypto';
import { createConsoleLogger, KafkajsClient } from '@rivulet/core';
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

function client(clientId: string): KafkajsClient {
  return new KafkajsClient({ brokers: brokers(), clientId, logLevel: 'nothing', logger: createConsoleLogger('error') });
}

/** Creates topics with the given partition counts (and waits for their leaders). */
export async function createTopics(topics: readonly { topic: string; partitions: number }[]): Promise<void> {
  const admin = client('rivulet-testing-admin').admin();
  await admin.connect();
  try {
    await admin.createTopics(topics.map((t) => ({ topic: t.topic, numPartitions: t.partitions, replicationFactor: -1 })));
  } finally {
    await admin.disconnect();
  }
}

/** Produces string records in order with an idempotent producer (kafkajs's default partitioner: murmur2, as Java's). */
export async function produce(topic: string, records: readonly { key: string | null; value: string | null }[]): Promise<void> {
  const producer = client('rivulet-testing-producer').kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    await producer.send({ topic, acks: -1, messages: records.map((r) => ({ key: r.key, value: r.value })) });
  } finally {
    await producer.disconnect();
  }
}

export interface ReadRecord {
  readonly partition: number;
  readonly key: string | null;
  readonly value: string | null;
}

/**
 * Reads a topic from the beginning to its end offsets at the time of the call, read_committed.
 * Progress is tracked from kafkajs's END_BATCH_PROCESS event, which also reports batches whose
 * records were all filtered out (aborted records, transaction markers).
 */
export async function readAll(topic: string, timeoutMs = 30_000): Promise<ReadRecord[]> {
  const kafka = client('rivulet-testing-reader').kafka;
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic).finally(() => admin.disconnect());
  const remaining = new Map(ends.filter((e) => e.high !== e.low).map((e) => [e.partition, BigInt(e.high)]));
  const records: ReadRecord[] = [];
  if (remaining.size === 0) return records;
  const consumer = kafka.consumer({ groupId: uniqueName('reader') });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`readAll(${topic}) timed out after ${records.length} records`)), timeoutMs);
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
              records.push({ partition: batch.partition, key: m.key?.toString() ?? null, value: m.value?.toString() ?? null });
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

/** Polls `check` until it returns a value or the time is up. */
export async function eventually<T>(check: () => Promise<T | undefined> | T | undefined, what: string, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`timed out waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}`);
}
