/**
 * The benchmark's input: N records of ~100-byte values with keys spread over a fixed set, the same
 * bytes for every scenario, produced into each scenario's own fresh topic.
 */
import { randomBytes } from 'node:crypto';
import { Partitioners, type Admin, type Kafka, type Message } from 'kafkajs';

/** Partitions of every benchmark topic. */
export const PARTITIONS = 4;
const CHUNK = 10_000;
const SENDS_IN_FLIGHT = 4;

/** How the input looks. */
export interface InputShape {
  readonly records: number;
  readonly keys: number;
  readonly valueBytes: number;
}

/** Key bytes: `key-00000` .. `key-<keys - 1>`, visited in a scrambled order. */
export function keyOf(i: number, keys: number): string {
  // 7919 is prime, so for key counts it does not divide, i * 7919 mod keys walks every key.
  return `key-${String((i * 7919) % keys).padStart(5, '0')}`;
}

/** Value bytes: the sequence number, then filler, exactly `size` bytes. */
export function valueOf(i: number, size: number): Buffer {
  const value = Buffer.alloc(size, 0x2e);
  value.write(`seq=${i};`, 0, 'latin1');
  return value;
}

/** Total key + value bytes of the input: what MB/s counts. */
export function inputBytes(shape: InputShape): number {
  let keyBytes = 0;
  for (let i = 0; i < shape.records; i++) keyBytes += Buffer.byteLength(keyOf(i, shape.keys));
  return keyBytes + shape.records * shape.valueBytes;
}

/** A topic name no other run uses. */
export function uniqueTopic(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}

/**
 * Creates the topics and waits until every partition has a leader. kafkajs's own `waitForLeaders`
 * retries only LEADER_NOT_AVAILABLE, but a busy KRaft broker may briefly answer a new topic's
 * metadata with UNKNOWN_TOPIC_OR_PARTITION ("This server does not host this topic-partition"),
 * which made that wait fail: poll the metadata here instead.
 */
export async function createTopics(admin: Admin, topics: readonly string[], timeoutMs = 60_000): Promise<void> {
  await admin.createTopics({ waitForLeaders: false, topics: topics.map((topic) => ({ topic, numPartitions: PARTITIONS })) });
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const { topics: found } = await admin.fetchTopicMetadata({ topics: [...topics] });
      if (found.length === topics.length && found.every((t) => t.partitions.length === PARTITIONS && t.partitions.every((p) => p.leader >= 0))) return;
    } catch (err) {
      last = err;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`topics ${topics.join(', ')} have no leaders after ${timeoutMs / 1000} s${last instanceof Error ? `: ${last.message}` : ''}`);
}

/**
 * Produces the input into `topic` (acks all), a few chunks in flight; calls `onProgress` per chunk.
 * `timestampOf` gives record i its timestamp (the comparison bench: the same timestamps for both
 * frameworks, so that their windowed counts must agree); without it the producer stamps its send time.
 */
export async function produceInput(
  kafka: Kafka,
  topic: string,
  shape: InputShape,
  onProgress: (done: number) => void,
  timestampOf?: (i: number) => number,
): Promise<void> {
  // Idempotent: a retried send (a fresh topic's partition may answer NOT_LEADER at first) would
  // otherwise write the partitions that did succeed twice, and the input would not be N records.
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  try {
    let next = 0;
    let done = 0;
    const worker = async (): Promise<void> => {
      while (next < shape.records) {
        const from = next;
        const to = Math.min(from + CHUNK, shape.records);
        next = to;
        const messages: Message[] = new Array(to - from);
        for (let i = from; i < to; i++) {
          const message: Message = { key: keyOf(i, shape.keys), value: valueOf(i, shape.valueBytes) };
          if (timestampOf !== undefined) message.timestamp = String(timestampOf(i));
          messages[i - from] = message;
        }
        await producer.send({ topic, acks: -1, messages });
        done += to - from;
        onProgress(done);
      }
    };
    await Promise.all(Array.from({ length: SENDS_IN_FLIGHT }, worker));
  } finally {
    await producer.disconnect();
  }
}

/** Produces a few records (acks all, one send): the join's table. */
export async function produceRecords(kafka: Kafka, topic: string, messages: readonly Message[]): Promise<void> {
  const producer = kafka.producer({ allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  try {
    await producer.send({ topic, acks: -1, messages: [...messages] });
  } finally {
    await producer.disconnect();
  }
}

/** End offsets per partition, and their sum. */
export async function endOffsets(admin: Admin, topic: string): Promise<{ byPartition: Map<number, bigint>; total: bigint }> {
  const offsets = await admin.fetchTopicOffsets(topic);
  const byPartition = new Map(offsets.map((o) => [o.partition, BigInt(o.high)]));
  let total = 0n;
  for (const o of offsets) total += BigInt(o.high) - BigInt(o.low);
  return { byPartition, total };
}

/** The group's committed offsets on `topic` per partition (-1n where none). */
export async function committedOffsets(admin: Admin, groupId: string, topic: string): Promise<Map<number, bigint>> {
  const [entry] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return new Map((entry?.partitions ?? []).map((p) => [p.partition, BigInt(p.offset)]));
}

/** True when the group's committed offsets on `topic` have reached `ends` on every partition. */
export async function committedReached(admin: Admin, groupId: string, topic: string, ends: ReadonlyMap<number, bigint>): Promise<boolean> {
  const committed = await committedOffsets(admin, groupId, topic);
  for (const [partition, end] of ends) {
    if ((committed.get(partition) ?? -1n) < end) return false;
  }
  return true;
}
