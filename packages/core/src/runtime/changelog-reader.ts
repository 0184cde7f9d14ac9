import { randomBytes } from 'node:crypto';
import type { AdminPort, FetchedRecord, KafkaClientPort } from '../client/kafka-port.js';
import type { ConsumerSettings } from './client-options.js';

/** One changelog partition to restore, from an offset (a checkpoint) or from the start. */
export interface RestoreRequest {
  readonly topic: string;
  readonly partition: number;
  /** The first offset to read; undefined: from the earliest offset. */
  readonly from: string | undefined;
  /** Applies a batch of changelog records to the store (puts, and deletes for null values). */
  apply(records: readonly FetchedRecord[]): void;
}

/**
 * Restores state stores from their changelog partitions before their task processes anything.
 * kafkajs has no `assign()`, so the reader is a throwaway group consumer that reads the changelog
 * topics, applies only the requested partitions, and stops when each has reached the end offset it
 * had when the restore began. It reads with read_committed, so under exactly-once a store holds only
 * writes whose transaction committed.
 */
export async function restoreChangelogs(
  client: KafkaClientPort,
  admin: AdminPort,
  applicationId: string,
  settings: ConsumerSettings,
  requests: readonly RestoreRequest[],
  timeoutMs = 300_000,
): Promise<{ records: number; durationMs: number }> {
  const started = Date.now();
  const pending = new Map<string, { req: RestoreRequest; end: bigint }>();
  for (const req of requests) {
    const range = (await admin.offsetRange(req.topic)).get(req.partition);
    if (range === undefined) continue;
    const end = BigInt(range.high);
    const from = req.from === undefined ? BigInt(range.low) : BigInt(req.from);
    if (from < end) pending.set(`${req.topic}:${req.partition}`, { req, end });
  }
  if (pending.size === 0) return { records: 0, durationMs: Date.now() - started };

  const consumer = client.consumer({
    ...settings,
    groupId: `${applicationId}-restore-${randomBytes(6).toString('hex')}`,
    readCommitted: true,
    fromBeginning: true,
  });
  let records = 0;
  await consumer.connect();
  try {
    await consumer.subscribe([...new Set([...pending.values()].map((p) => p.req.topic))]);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`restoring ${[...pending.keys()].join(', ')} did not reach the end within ${timeoutMs} ms`));
      }, timeoutMs);
      const progress = (topic: string, partition: number, lastOffset: string): void => {
        const key = `${topic}:${partition}`;
        const p = pending.get(key);
        if (p !== undefined && BigInt(lastOffset) + 1n >= p.end) pending.delete(key);
        if (pending.size === 0) {
          clearTimeout(timer);
          resolve();
        }
      };
      consumer
        .run(
          async (batch) => {
            const p = pending.get(`${batch.topic}:${batch.partition}`);
            if (p === undefined) return;
            // Only up to the end offset taken at the start: later writes belong to the live task.
            const end = p.end;
            const upTo = batch.records.filter((r) => BigInt(r.offset) < end);
            p.req.apply(upTo);
            records += upTo.length;
          },
          {
            onGroupJoin: (assignment) => {
              for (const tp of assignment) {
                const p = pending.get(`${tp.topic}:${tp.partition}`);
                if (p?.req.from !== undefined) consumer.seek({ topic: tp.topic, partition: tp.partition, offset: p.req.from });
              }
            },
            onRebalancing: () => undefined,
            onCrash: (error) => reject(error),
            onBatchEnd: progress,
          },
        )
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return { records, durationMs: Date.now() - started };
}
