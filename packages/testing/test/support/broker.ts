/**
 * Shorthands for the testing package's integration tests on the real broker, over one
 * {@link KafkaTestHarness} (the product's own real-broker helper, so the tests exercise it too):
 * the broker the global setup provides, unique names, topics, producing strings, reading a topic to
 * its end (read_committed) and polling.
 */
import { inject } from 'vitest';
import { KafkaTestHarness, type HarnessRecord } from '../../src/index.js';

export function brokers(): string[] {
  const list = process.env['KAFKA_BROKERS'] ?? inject('kafkaBrokers');
  if (!list) throw new Error('KAFKA_BROKERS is not set and the global setup provided no broker');
  return list.split(',');
}

let shared: KafkaTestHarness | undefined;
const harness = (): KafkaTestHarness => (shared ??= new KafkaTestHarness(brokers()));

/** A name no other test or earlier run uses, so tests run in parallel and re-run without cleanup. */
export const uniqueName = (prefix: string): string => harness().uniqueName(prefix);

/** Creates topics with the given partition counts (and waits for their leaders). */
export async function createTopics(topics: readonly { topic: string; partitions: number }[]): Promise<void> {
  await Promise.all(topics.map((t) => harness().createTopic(t.topic, t.partitions)));
}

/** Produces string records in order with an idempotent producer (kafkajs's default partitioner: murmur2, as Java's). */
export const produce = (topic: string, records: readonly { key: string | null; value: string | null }[]): Promise<void> => harness().produce(topic, records);

export type ReadRecord = HarnessRecord;

/** Reads a topic from the beginning to its end offsets at the time of the call, read_committed. */
export const readAll = (topic: string, timeoutMs = 30_000): Promise<ReadRecord[]> => harness().readAll(topic, { timeoutMs });

/** Polls `check` until it returns a value or the time is up. */
export const eventually = <T>(check: () => Promise<T | undefined> | T | undefined, what: string, timeoutMs = 60_000): Promise<T> =>
  harness().eventually(async () => check(), timeoutMs, what);
