/**
 * The StreamsApp runtime on the real broker: outputs, offsets and state under each guarantee.
 */
import { serdes } from '@rivulet/serde';
import { afterEach, describe, expect, it } from 'vitest';
import { StreamsApp, type ProcessingGuarantee, type Topology } from '../src/index.js';
import { brokers, createTopic, eventually, produce, readAll, readAtLeast, uniqueName, withAdmin } from './support/kafka.js';
import { countingTopology, upperCaseTopology } from './support/topologies.js';

const apps: StreamsApp[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.close()));
});

function startApp(topology: Topology, applicationId: string, processingGuarantee: ProcessingGuarantee, extra: object = {}) {
  const app = new StreamsApp(topology, {
    applicationId,
    brokers: brokers(),
    processingGuarantee,
    logLevel: 'error',
    stateDir: `/tmp/rivulet-test-state/${applicationId}`,
    ...extra,
  });
  apps.push(app);
  return app;
}

async function committedOffsets(groupId: string, topic: string): Promise<Map<number, string>> {
  return withAdmin(async (admin) => {
    const [entry] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return new Map(entry!.partitions.map((p) => [p.partition, p.offset]));
  });
}

async function endOffsets(topic: string): Promise<Map<number, string>> {
  return withAdmin(async (admin) => new Map((await admin.fetchTopicOffsets(topic)).map((o) => [o.partition, o.high])));
}

describe.each(['at_least_once', 'exactly_once'] as const)('StreamsApp pass-through (%s)', (guarantee) => {
  it('transforms every record once, keeps per-key order and commits last processed + 1', async () => {
    const input = uniqueName('in');
    const output = uniqueName('out');
    const appId = uniqueName('app');
    await createTopic(input, 4);
    await createTopic(output, 4);
    const records = Array.from({ length: 2000 }, (_, i) => ({ key: `k${i % 50}`, value: `v${i}` }));
    await produce(input, records);

    // Logs a person can read (issue 11, items 5 and 12): a normal run prints no warning and no
    // error, Rivulet's or kafkajs's (before: "Failed to send messages: ... concurrent operation on
    // the same transaction", a CONCURRENT_TRANSACTIONS kafkajs retried itself, under exactly_once).
    const alarming: string[] = [];
    const logger = {
      debug: () => undefined,
      info: () => undefined,
      warn: (message: string) => void alarming.push(`WARN ${message}`),
      error: (message: string) => void alarming.push(`ERROR ${message}`),
    };
    const app = startApp(upperCaseTopology(input, output), appId, guarantee, { logger, logLevel: 'warn' });
    const states: string[] = [];
    app.state$.subscribe((s) => states.push(s));
    await app.start();
    // start() resolves once joined, assigned and restored: RUNNING, not still REBALANCING (issue 11, problem 6).
    expect(app.state).toBe('RUNNING');
    expect(states).toEqual(['CREATED', 'REBALANCING', 'RUNNING']);
    const out = await readAtLeast(output, 2000);
    expect(out.map((r) => r.value).sort()).toEqual(records.map((r) => r.value.toUpperCase()).sort());
    // Same key, same partition, same order as the input (murmur2 of the key bytes).
    for (let k = 0; k < 50; k++) {
      const forKey = out.filter((r) => r.key === `k${k}`);
      expect(new Set(forKey.map((r) => r.partition)).size).toBe(1);
      expect(forKey.map((r) => r.value)).toEqual(records.filter((r) => r.key === `k${k}`).map((r) => r.value.toUpperCase()));
    }
    await app.close();
    expect(states).toEqual(['CREATED', 'REBALANCING', 'RUNNING', 'PENDING_SHUTDOWN', 'NOT_RUNNING']);
    expect(await committedOffsets(appId, input)).toEqual(await endOffsets(input));
    // Nothing more than the 2000 records: no duplicates after a clean close.
    expect(await readAll(output)).toHaveLength(2000);
    expect(alarming).toEqual([]);
  });
});

describe('StreamsApp with state', () => {
  it('counts per key exactly once and a restart restores the count from the changelog', async () => {
    const input = uniqueName('in');
    const copies = uniqueName('copies');
    const counts = uniqueName('counts');
    const appId = uniqueName('count-app');
    await Promise.all([createTopic(input, 2), createTopic(copies, 2), createTopic(counts, 2)]);
    await produce(input, Array.from({ length: 300 }, (_, i) => ({ key: `k${i % 3}`, value: String(i) })));

    const first = startApp(countingTopology(input, copies, counts), appId, 'exactly_once');
    await first.start();
    await readAtLeast(copies, 300);
    expect(first.store<string, bigint>('counts').get('k0')).toBe(100n);
    await first.close();

    await produce(input, Array.from({ length: 30 }, (_, i) => ({ key: `k${i % 3}`, value: `more-${i}` })));
    const second = startApp(countingTopology(input, copies, counts), appId, 'exactly_once');
    await second.start();
    await readAtLeast(copies, 330);
    await eventually(async () => (second.store<string, bigint>('counts').get('k2') === 110n ? true : undefined), 30_000, 'k2 = 110');
    const last = new Map<string, bigint>();
    for (const r of await readAll(counts)) last.set(r.key!, r.valueBytes!.readBigInt64BE());
    expect(Object.fromEntries(last)).toEqual({ k0: 110n, k1: 110n, k2: 110n });
    expect(await readAll(copies)).toHaveLength(330);
    // The changelog topic was created by the app, compacted, with the source's partition count.
    const changelog = `${appId}-counts-changelog`;
    expect((await endOffsets(changelog)).size).toBe(2);
  });

  it('restores a persistent store from its local checkpoint after a clean close', async () => {
    const input = uniqueName('in');
    const copies = uniqueName('copies');
    const counts = uniqueName('counts');
    const appId = uniqueName('lmdb-app');
    await Promise.all([createTopic(input, 1), createTopic(copies, 1), createTopic(counts, 1)]);
    await produce(input, Array.from({ length: 100 }, (_, i) => ({ key: `k${i % 2}`, value: String(i) })));
    const first = startApp(countingTopology(input, copies, counts, { persistent: true }), appId, 'at_least_once');
    await first.start();
    await readAtLeast(copies, 100);
    await eventually(async () => (first.store<string, bigint>('counts').get('k1') === 50n ? true : undefined), 30_000, 'k1 = 50');
    await first.close();

    await produce(input, [{ key: 'k1', value: 'one-more' }]);
    const second = startApp(countingTopology(input, copies, counts, { persistent: true }), appId, 'at_least_once');
    await second.start();
    await eventually(async () => (second.store<string, bigint>('counts').get('k1') === 51n ? true : undefined), 30_000, 'k1 = 51');
    expect(second.store<string, bigint>('counts').get('k0')).toBe(50n);
  });
});

describe('StreamsApp errors', () => {
  it('sends a poison pill to the dead-letter topic with its bytes and why, and keeps going', async () => {
    const input = uniqueName('in');
    const output = uniqueName('out');
    const dlq = uniqueName('dlq');
    await Promise.all([createTopic(input, 1), createTopic(output, 1)]);
    const { Topology } = await import('../src/index.js');
    const topology = new Topology()
      .addSource('in', input, { key: serdes.string(), value: serdes.int32() })
      .addSink('out', output, { key: serdes.string(), value: serdes.int32() }, 'in');
    const good = (n: number) => {
      const b = Buffer.alloc(4);
      b.writeInt32BE(n);
      return b;
    };
    const producer = (await import('./support/kafka.js')).testKafka().producer();
    await producer.connect();
    await producer.send({
      topic: input,
      messages: [
        { key: 'a', value: good(1) },
        { key: 'b', value: Buffer.from('xy'), headers: { trace: 't-1' } },
        { key: 'c', value: good(3) },
      ],
    });
    await producer.disconnect();

    const app = startApp(topology, uniqueName('dlq-app'), 'exactly_once', { deserializationExceptionHandler: { deadLetterTopic: dlq } });
    await app.start();
    const out = await readAtLeast(output, 2);
    expect(out.map((r) => r.key)).toEqual(['a', 'c']);
    const [dead] = await readAtLeast(dlq, 1);
    expect(dead!.key).toBe('b');
    expect(dead!.valueBytes).toEqual(Buffer.from('xy'));
    expect(dead!.headers['trace']?.toString()).toBe('t-1');
    expect(dead!.headers['rivulet.error.stage']?.toString()).toBe('deserialization');
    expect(dead!.headers['rivulet.source.topic']?.toString()).toBe(input);
    expect(dead!.headers['rivulet.source.partition']?.toString()).toBe('0');
    expect(dead!.headers['rivulet.source.offset']?.toString()).toBe('1');
    expect(dead!.headers['rivulet.error.message']?.toString()).toMatch(/int32 expects 4 bytes, got 2/);
  });

  it('stops with an error naming topic, partition and offset under the fail handler', async () => {
    const input = uniqueName('in');
    const output = uniqueName('out');
    await Promise.all([createTopic(input, 1), createTopic(output, 1)]);
    const { Topology } = await import('../src/index.js');
    const topology = new Topology()
      .addSource('in', input, { key: serdes.string(), value: serdes.json<{ n: number }>() })
      .addSink('out', output, { key: serdes.string(), value: serdes.json<{ n: number }>() }, 'in');
    await produce(input, [
      { key: 'a', value: '{"n":1}' },
      { key: 'b', value: '{"n":' },
    ]);
    const app = startApp(topology, uniqueName('fail-app'), 'at_least_once');
    const errors: Error[] = [];
    app.errors$.subscribe((e) => errors.push(e));
    await app.start();
    await eventually(async () => (app.state === 'ERROR' ? true : undefined), 30_000, 'state ERROR');
    expect(errors[0]?.message).toMatch(new RegExp(`^deserialization failed for the record at ${input}-0 offset 1: .*invalid JSON`));
    // The good record before it was processed and committed; the poison pill was not skipped.
    expect((await readAll(output)).map((r) => r.key)).toEqual(['a']);
    expect((await committedOffsets(app.config.applicationId, input)).get(0)).toBe('1');
  });

  it('rejects a source topic that does not exist, naming it', async () => {
    const missing = uniqueName('missing');
    const app = startApp(upperCaseTopology(missing, uniqueName('out')), uniqueName('app'), 'at_least_once');
    await expect(app.start()).rejects.toThrow(new RegExp(`source topic '${missing}' not found: create`));
  });
});
