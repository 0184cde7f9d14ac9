// Before kafkajs: @rivulet/core installs its fix of kafkajs's read_committed filter when it loads.
import '@rivulet/core';
import { randomBytes } from 'node:crypto';
import { Kafka, logLevel, type Admin, type IHeaders, type KafkaConfig } from 'kafkajs';

/** A record as a test reads it back: bytes and their UTF-8 reading. */
export interface HarnessRecord {
  /** The topic it was read from. */
  readonly topic: string;
  /** Its partition. */
  readonly partition: number;
  /** Its offset, as a decimal string. */
  readonly offset: string;
  /** The key read as UTF-8, or null. */
  readonly key: string | null;
  /** The value read as UTF-8, or null. */
  readonly value: string | null;
  /** The key bytes, or null. */
  readonly keyBytes: Buffer | null;
  /** The value bytes, or null. */
  readonly valueBytes: Buffer | null;
  /** The record's headers, as kafkajs gives them. */
  readonly headers: IHeaders;
  /** The record's timestamp, epoch milliseconds. */
  readonly timestamp: number;
}

/** A record to produce. Strings are written as UTF-8. */
export interface HarnessInput {
  /** The key, or null. */
  key: string | Buffer | null;
  /** The value, or null (a tombstone). */
  value: string | Buffer | null;
  /** The partition to write to; default: kafkajs's partitioner picks one. */
  partition?: number;
  /** Headers, as UTF-8 strings. */
  headers?: Record<string, string>;
  /** The record's timestamp, epoch milliseconds; default: the producer's clock. */
  timestamp?: number;
}

/**
 * Helpers for tests against a real Kafka broker: unique names so tests run in parallel and re-run
 * without cleanup, topic creation, producing, and reading a topic to its end as a read_committed
 * (or read_uncommitted) consumer sees it. The broker comes from `KAFKA_BROKERS` (the integration
 * test setup sets it, starting the local broker when needed).
 *
 * @example
 * const kafka = new KafkaTestHarness();
 * const topic = kafka.uniqueName('orders');
 * await kafka.createTopic(topic, 4);
 * await kafka.produce(topic, [{ key: 'a', value: '1' }]);
 * const records = await kafka.readAll(topic);
 */
export class KafkaTestHarness {
  /** The bootstrap brokers, `host:port`. */
  readonly brokers: string[];
  private readonly kafka: Kafka;

  /**
   * @param brokers - The bootstrap brokers (default `KAFKA_BROKERS`).
   * @param security - TLS and SASL for a secured broker, as kafkajs takes them (for example the
   *   super user's settings of the secured test broker).
   *
   * @example
   * const kafka = new KafkaTestHarness('127.0.0.1:9094', { ssl: { ca: [caPem] }, sasl: { mechanism: 'scram-sha-512', username: 'admin', password } });
   */
  constructor(brokers: string | readonly string[] | undefined = process.env['KAFKA_BROKERS'], security: Pick<KafkaConfig, 'ssl' | 'sasl'> = {}) {
    if (brokers === undefined || brokers.length === 0) {
      throw new Error('KafkaTestHarness needs brokers: set KAFKA_BROKERS (the integration test setup does) or pass them');
    }
    this.brokers = typeof brokers === 'string' ? brokers.split(',') : [...brokers];
    this.kafka = new Kafka({ clientId: 'rivulet-test-harness', brokers: this.brokers, logLevel: logLevel.NOTHING, ...security });
  }

  /** A name no other test or earlier run uses. */
  uniqueName(prefix: string): string {
    return `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
  }

  /** Runs `fn` with a connected kafkajs admin client, disconnected afterwards. */
  async withAdmin<T>(fn: (admin: Admin) => Promise<T>): Promise<T> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      return await fn(admin);
    } finally {
      await admin.disconnect();
    }
  }

  /**
   * Creates a topic and waits until each partition has a leader. (Not kafkajs's waitForLeaders: it
   * gives up at once when a busy broker answers "does not host this topic-partition" for a moment.)
   */
  async createTopic(topic: string, numPartitions = 1): Promise<void> {
    await this.withAdmin(async (admin) => {
      await admin.createTopics({ topics: [{ topic, numPartitions }], waitForLeaders: false });
      await this.eventually(
        async () => {
          const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
          return topics[0]?.partitions.length === numPartitions && topics[0].partitions.every((p) => p.leader >= 0) ? true : undefined;
        },
        30_000,
        `leaders for ${topic}`,
      );
    });
  }

  /** Produces records in order with an idempotent producer and acks all. */
  async produce(topic: string, records: readonly HarnessInput[]): Promise<void> {
    const producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
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
            ...(r.timestamp !== undefined ? { timestamp: String(r.timestamp) } : {}),
          })),
        });
      }
    } finally {
      await producer.disconnect();
    }
  }

  /**
   * Reads a topic from the beginning to its end offsets at the time of the call. Under read_committed
   * kafkajs skips aborted records and transaction markers without handing them over, so progress is
   * tracked from its END_BATCH_PROCESS event, which covers every fetched batch.
   */
  async readAll(topic: string, { readCommitted = true, timeoutMs = 30_000 } = {}): Promise<HarnessRecord[]> {
    const ends = await this.withAdmin((admin) => admin.fetchTopicOffsets(topic));
    const remaining = new Map(ends.filter((e) => e.high !== e.low).map((e) => [e.partition, BigInt(e.high)]));
    const records: HarnessRecord[] = [];
    if (remaining.size === 0) return records;
    const consumer = this.kafka.consumer({ groupId: this.uniqueName('reader'), readUncommitted: !readCommitted });
    await consumer.connect();
    try {
      await consumer.subscribe({ topic, fromBeginning: true });
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`readAll(${topic}) timed out with ${records.length} records read`)), timeoutMs);
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
                  topic,
                  partition: batch.partition,
                  offset: m.offset,
                  key: m.key?.toString() ?? null,
                  value: m.value?.toString() ?? null,
                  keyBytes: m.key,
                  valueBytes: m.value,
                  headers: m.headers ?? {},
                  timestamp: Number(m.timestamp),
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

  /** Reads until the topic holds at least `count` records, or fails after `timeoutMs`. */
  async readAtLeast(topic: string, count: number, timeoutMs = 60_000): Promise<HarnessRecord[]> {
    return this.eventually(async () => {
      const records = await this.readAll(topic);
      return records.length >= count ? records : undefined;
    }, timeoutMs, `${count} records in ${topic}`);
  }

  /** Polls `check` until it returns a value, or fails after `timeoutMs`. */
  async eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 60_000, what = 'a condition'): Promise<T> {
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

  /** The group's committed offsets per partition of a topic (-1 where none). */
  async committedOffsets(groupId: string, topic: string): Promise<Map<number, string>> {
    return this.withAdmin(async (admin) => {
      const [entry] = await admin.fetchOffsets({ groupId, topics: [topic] });
      return new Map((entry?.partitions ?? []).map((p) => [p.partition, p.offset]));
    });
  }

  /** The end offset (high watermark) per partition of a topic. */
  async endOffsets(topic: string): Promise<Map<number, string>> {
    return this.withAdmin(async (admin) => new Map((await admin.fetchTopicOffsets(topic)).map((o) => [o.partition, o.high])));
  }
}
