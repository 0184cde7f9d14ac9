/**
 * What the examples' main.ts files share around their topologies: finding a broker (KAFKA_BROKERS,
 * else the local one that scripts/kafka.mjs starts), creating topics, feeding records and reading
 * results as a downstream read_committed consumer sees them.
 */
import { Kafka, logLevel, type KafkaMessage, type Message } from 'kafkajs';
import { startBroker } from '../../../../scripts/kafka.mjs';
import { say } from './run-example.js';

/** A topic an example creates, with its partition count. */
export interface TopicSpec {
  topic: string;
  partitions: number;
  /** Topic configs, e.g. `{ 'cleanup.policy': 'compact' }`. */
  configs?: Record<string, string>;
}

/** Options of {@link ExampleKafka.readUntil}. */
export interface ReadUntilOptions {
  /** Give up after this long (default 60 s). */
  timeoutMs?: number;
  /** Said once if the results take longer than this (default 20 s). */
  slowMs?: number;
}

/** One record read back, with the partition it came from. */
export interface ReadRecord {
  readonly partition: number;
  readonly message: KafkaMessage;
}

/** The brokers to use: `KAFKA_BROKERS` if set, else the local broker, started if it is not running. */
export async function exampleBrokers(): Promise<string[]> {
  const given = process.env['KAFKA_BROKERS'];
  if (given) {
    say(`Kafka: ${given} (KAFKA_BROKERS)`);
    return given.split(',');
  }
  // The data `npm run kafka stop` kept is used, not wiped.
  const broker = await startBroker(undefined, { keepData: true });
  say(`Kafka: ${broker.bootstrap}${broker.started ? ' (started for this example; stop it with: npm run kafka stop)' : ''}`);
  return [broker.bootstrap];
}

/** A kafkajs client for an example's own topics, producers and readers. */
export class ExampleKafka {
  readonly kafka: Kafka;

  constructor(
    readonly brokers: readonly string[],
    clientId: string,
  ) {
    this.kafka = new Kafka({ clientId, brokers: [...brokers], logLevel: logLevel.NOTHING });
  }

  /**
   * Creates the topics, then waits until each partition has a leader. kafkajs's own
   * `waitForLeaders` gives up on a broker that answers "unknown topic" for a moment after creating one.
   */
  async createTopics(topics: readonly TopicSpec[]): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      await admin.createTopics({
        waitForLeaders: false,
        topics: topics.map((t) => ({
          topic: t.topic,
          numPartitions: t.partitions,
          configEntries: Object.entries(t.configs ?? {}).map(([name, value]) => ({ name, value })),
        })),
      });
      const deadline = Date.now() + 30_000;
      for (;;) {
        const metadata = await admin.fetchTopicMetadata({ topics: topics.map((t) => t.topic) }).catch(() => undefined);
        const ready = metadata?.topics.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0));
        if (ready) return;
        if (Date.now() > deadline) throw new Error(`topics ${topics.map((t) => t.topic).join(', ')} have no leaders after 30 s`);
        await new Promise((r) => setTimeout(r, 200));
      }
    } finally {
      await admin.disconnect();
    }
  }

  /** Produces the messages in order, idempotently, acknowledged by all replicas. */
  async produce(topic: string, messages: readonly Message[]): Promise<void> {
    const producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    try {
      await producer.send({ topic, acks: -1, messages: [...messages] });
    } finally {
      await producer.disconnect();
    }
  }

  /**
   * Reads `topic` from the beginning as a read_committed consumer (what exactly_once output looks
   * like downstream: only committed transactions), handing each record to `onRecord` until it
   * returns (or resolves to) true.
   */
  async readUntil(topic: string, onRecord: (record: ReadRecord) => boolean | Promise<boolean>, options: ReadUntilOptions = {}): Promise<void> {
    const { timeoutMs = 60_000, slowMs = 20_000 } = options;
    const consumer = this.kafka.consumer({ groupId: `${topic}-reader-${process.pid}-${Date.now()}`, readUncommitted: false });
    await consumer.connect();
    try {
      await consumer.subscribe({ topic, fromBeginning: true });
      await new Promise<void>((resolve, reject) => {
        let done = false;
        const finish = (error?: Error): void => {
          if (done) return;
          done = true;
          clearTimeout(slow);
          clearTimeout(timeout);
          if (error === undefined) resolve();
          else reject(error);
        };
        const slow = setTimeout(() => say(`  (still waiting for results in ${topic}; Ctrl-C to stop)`), slowMs);
        const timeout = setTimeout(() => finish(new Error(`no complete results in ${topic} after ${timeoutMs / 1000} s`)), timeoutMs);
        consumer
          .run({
            eachMessage: async ({ partition, message }) => {
              if (done) return;
              try {
                if (await onRecord({ partition, message })) finish();
              } catch (err) {
                finish(err instanceof Error ? err : new Error(String(err)));
              }
            },
          })
          .catch((err: unknown) => finish(err instanceof Error ? err : new Error(String(err))));
      });
    } finally {
      await consumer.disconnect();
    }
  }
}

/** Polls `check` every 100 ms until it is true; fails after `timeoutMs` saying what it waited for. */
export async function waitFor(check: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
