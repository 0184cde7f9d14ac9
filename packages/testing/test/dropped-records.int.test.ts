/**
 * Dropped records on the real broker (issue 15, part 5; docs/failures.md#dropped-records): an app
 * with an aggregation gets good records, records with a null key (the aggregation cannot group
 * them) and records it cannot deserialize (skipped by the log-and-continue handler). The output
 * has exactly the good ones; app.metrics() counts every other one with its reason, in total and per
 * task; and the log says so in a bounded number of lines, not one per record.
 */
import { StreamsApp, type Logger } from '@rivulet/core';
import { serdes } from '@rivulet/serde';
import { StreamsBuilder } from '@rivulet/streams';
import { afterEach, describe, expect, it } from 'vitest';
import { KafkaTestHarness } from '../src/index.js';

const apps: StreamsApp[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.close()));
});

/** A logger that keeps every warning and error, with its structured fields. */
function recording(): { logger: Logger; lines: { message: string; extra: Record<string, unknown> | undefined }[] } {
  const lines: { message: string; extra: Record<string, unknown> | undefined }[] = [];
  const keep = (message: string, extra?: Record<string, unknown>) => void lines.push({ message, extra });
  return { lines, logger: { debug: () => undefined, info: () => undefined, warn: keep, error: keep } };
}

describe('dropped records on the broker', () => {
  it('counts null keys and undeserializable records with their reasons, outputs exactly the good ones, and logs a bounded number of lines', async () => {
    const N = 120;
    const K = 200;
    const J = 60;
    const PARTITIONS = 2;
    const kafka = new KafkaTestHarness();
    const [input, output] = [kafka.uniqueName('dropped-in'), kafka.uniqueName('dropped-out')];
    await Promise.all([kafka.createTopic(input, PARTITIONS), kafka.createTopic(output, PARTITIONS)]);
    // Good records of 6 keys (on their key's partition, so that each key is counted by one task),
    // null keys and bytes that are not JSON (on both partitions, in turn), interleaved.
    const good = Array.from({ length: N }, (_, i) => ({ key: `k${i % 6}` as string | null, value: JSON.stringify({ n: i }) }));
    const nullKeys = Array.from({ length: K }, (_, i) => ({ key: null as string | null, value: JSON.stringify({ n: N + i }) }));
    const bad = Array.from({ length: J }, (_, i) => ({ key: `bad${i}` as string | null, value: `not json {${i}` }));
    const records: { key: string | null; value: string; partition?: number }[] = [];
    while (records.length < N + K + J) {
      for (const list of [good, nullKeys, bad]) {
        const next = list.shift();
        if (next !== undefined) records.push(list === good ? next : { ...next, partition: records.length % PARTITIONS });
      }
    }
    await kafka.produce(input, records);

    const builder = new StreamsBuilder({ warn: () => undefined });
    builder
      .source(input, { key: serdes.string(), value: serdes.json<{ n: number }>() })
      .groupByKey()
      .count({ store: 'counts' })
      .toStream()
      .sink(output, { value: serdes.int64() });
    const { logger, lines } = recording();
    const startedAt = Date.now();
    const app = new StreamsApp(builder.build(), {
      applicationId: kafka.uniqueName('dropped-app'),
      brokers: kafka.brokers,
      deserializationExceptionHandler: 'log-and-continue',
      commitIntervalMs: 100,
      logger,
    });
    apps.push(app);
    await app.start();

    // The source counts the null-key records as processed (the aggregation drops them); the handler skips the others before.
    const done = (): boolean => {
      const now = app.metrics();
      return now.recordsProcessed + (now.droppedRecordsByReason['deserialization-error'] ?? 0) >= N + K + J;
    };
    await kafka.eventually(async () => (done() ? true : undefined), 60_000, 'every record processed or skipped');
    const m = app.metrics();
    expect(m.droppedRecords).toBe(K + J);
    expect(m.droppedRecordsByReason).toEqual({ 'null-key-or-value': K, 'deserialization-error': J });
    // Per task: the tasks' counts add up to the app's, and each task counts only its own partition's records.
    expect(m.taskMetrics.map((t) => t.taskId).sort()).toEqual(['0_0', '0_1']);
    expect(m.taskMetrics.reduce((sum, t) => sum + t.droppedRecords, 0)).toBe(K + J);
    for (const t of m.taskMetrics) {
      const partition = Number(t.taskId.split('_')[1]);
      const mine = records.filter((r) => r.partition === partition);
      const nulls = mine.filter((r) => r.key === null).length;
      const unreadable = mine.filter((r) => r.value.startsWith('not json')).length;
      expect([nulls, unreadable].every((n) => n > 0)).toBe(true);
      expect([t.taskId, t.droppedRecordsByReason]).toEqual([t.taskId, { 'null-key-or-value': nulls, 'deserialization-error': unreadable }]);
    }

    // Exactly the good records came out: one count update each, the last per key its number of records.
    const out = await kafka.readAtLeast(output, N);
    expect(out).toHaveLength(N);
    const last = new Map(out.map((r) => [r.key, r.valueBytes!.readBigInt64BE()]));
    expect(Object.fromEntries(last)).toEqual({ k0: 20n, k1: 20n, k2: 20n, k3: 20n, k4: 20n, k5: 20n });

    await app.close();
    const elapsed = Date.now() - startedAt;
    // After close the counts stay, and the log has the last count of each reason and task.
    expect(app.metrics().droppedRecords).toBe(K + J);
    const dropLines = lines.filter((l) => /^task \d+_\d+ dropped /.test(l.message));
    const pairs = PARTITIONS * 2;
    // At most: the first line, one per 10 s interval, and the one written at close, per task and reason.
    expect(dropLines.length).toBeGreaterThanOrEqual(pairs);
    expect(dropLines.length).toBeLessThanOrEqual(pairs * (2 + Math.floor(elapsed / 10_000)));
    for (const t of m.taskMetrics) {
      for (const [reason, count] of Object.entries(t.droppedRecordsByReason)) {
        const mine = dropLines.filter((l) => l.extra?.['taskId'] === t.taskId && l.extra?.['reason'] === reason);
        expect(mine.at(-1)?.extra?.['dropped']).toBe(count);
      }
    }
    // The handler keeps its own line per skipped record.
    expect(lines.filter((l) => l.message.startsWith('deserialization failed, skipping the record: json: invalid JSON'))).toHaveLength(J);
  });
});
