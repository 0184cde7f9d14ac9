import { describe, expect, it } from 'vitest';
import type { AdminPort, ConsumerGroupEvents, FetchedBatch, FetchedRecord, KafkaClientPort } from '../../../client/internals/kafka-port.js';
import type { ConsumerSettings } from '../client-options.js';
import { ChangelogRestore } from './changelog-reader.js';

const TOPIC = 'app-counts-changelog';

function record(offset: number): FetchedRecord {
  return { key: Buffer.from('k'), value: Buffer.from(String(offset)), offset: String(offset), timestamp: 0, headers: {} };
}

function batch(from: number, to: number): FetchedBatch {
  const records = [];
  for (let o = from; o < to; o++) records.push(record(o));
  return { topic: TOPIC, partition: 0, records, highWatermark: '20' } as unknown as FetchedBatch;
}

/**
 * A restore consumer driven by hand: the script sees the group events and the seeks, and hands
 * batches to the restore as kafkajs would.
 */
function scriptedClient(script: (deliver: (b: FetchedBatch) => Promise<void>, events: ConsumerGroupEvents) => Promise<void>): { client: KafkaClientPort; seeks: string[] } {
  const seeks: string[] = [];
  const consumer = {
    connect: async () => undefined,
    subscribe: async () => undefined,
    run: async (onBatch: (b: FetchedBatch, control: unknown) => Promise<void>, events: ConsumerGroupEvents) => {
      const deliver = async (b: FetchedBatch): Promise<void> => {
        await onBatch(b, {});
        events.onBatchEnd?.(b.topic, b.partition, b.records[b.records.length - 1]!.offset);
      };
      await script(deliver, events);
    },
    seek: (tp: { offset: string }) => seeks.push(tp.offset),
    pause: () => undefined,
    resume: () => undefined,
    disconnect: async () => undefined,
  };
  return { client: { consumer: () => consumer } as unknown as KafkaClientPort, seeks };
}

describe('ChangelogRestore', () => {
  it('never applies a changelog record twice: a re-joined consumer seeks to where it was, and a replayed batch rewinds nothing', async () => {
    const applied: string[] = [];
    const join = [{ topic: TOPIC, partition: 0 }];
    const { client, seeks } = scriptedClient(async (deliver, events) => {
      events.onGroupJoin(join, { memberId: 'm', isLeader: true, durationMs: 0 });
      await deliver(batch(0, 10));
      // The group re-joins (a rebalance of the throwaway group, a restarted consumer) ...
      events.onGroupJoin(join, { memberId: 'm', isLeader: true, durationMs: 0 });
      // ... and a batch fetched before the seek arrives: offsets already applied.
      await deliver(batch(0, 5));
      await deliver(batch(10, 20));
    });
    const admin = { offsetRange: async () => new Map([[0, { low: '0', high: '20' }]]) } as unknown as AdminPort;
    const restored = new Promise<ReadonlyMap<string, bigint>>((resolve, reject) => {
      const restore = new ChangelogRestore(
        {
          client,
          admin,
          applicationId: 'app',
          settings: {} as ConsumerSettings,
          stallMs: 60_000,
          listener: undefined,
          events: { onTaskRestored: (_id, positions) => resolve(positions), onFailed: (_ids, error) => reject(error) },
          log: () => undefined,
        },
        [{ taskId: '0_0', storeName: 'counts', topic: TOPIC, partition: 0, from: undefined, apply: (rs) => applied.push(...rs.map((r) => r.offset)), reset: async () => undefined }],
      );
      restore.start();
    });
    await restored;
    // Each offset once, in order: the store ends at the changelog's last value, not rewound to offset 4.
    expect(applied).toEqual(Array.from({ length: 20 }, (_, i) => String(i)));
    expect(seeks).toEqual(['0', '10']);
  });
});
