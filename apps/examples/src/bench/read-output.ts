/**
 * Reads a run's output topic back from the start, under read_committed (what a downstream
 * consumer would see: under exactly_once only committed transactions), into an output checker.
 * It reads until the expected number of records has arrived and no more arrive for a settle time
 * (so that duplicates after them are seen too), or until nothing new has arrived for the idle
 * timeout (then the checker reports what is missing).
 */
import type { Kafka } from 'kafkajs';
import { uniqueTopic } from './input.js';
import type { OutputChecker } from './output-check.js';

const SETTLE_MS = 1_000;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Feeds every record of `topic` to `checker`; returns how many were read. */
export async function readOutput(
  kafka: Kafka,
  topic: string,
  expected: number,
  checker: OutputChecker,
  options: { idleTimeoutMs: number; onProgress?: (read: number) => void },
): Promise<number> {
  const groupId = uniqueTopic('bench-compare-check');
  const consumer = kafka.consumer({ groupId, readUncommitted: false, allowAutoTopicCreation: false, maxBytesPerPartition: 4_194_304, maxWaitTimeInMs: 100 });
  let read = 0;
  let lastAt = Date.now();
  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        for (const m of batch.messages) checker.add(m.key, m.value);
        if (batch.messages.length > 0) {
          read += batch.messages.length;
          lastAt = Date.now();
        }
      },
    });
    for (;;) {
      await sleep(50);
      options.onProgress?.(read);
      const quiet = Date.now() - lastAt;
      if (read >= expected && quiet >= SETTLE_MS) break;
      if (quiet >= options.idleTimeoutMs) break;
    }
  } finally {
    await consumer.disconnect().catch(() => undefined);
    const admin = kafka.admin();
    await admin.connect().catch(() => undefined);
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
  }
  return read;
}
