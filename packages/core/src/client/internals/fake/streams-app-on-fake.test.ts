import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { countingTopology } from '../../../../test/support/topologies.js';
import type { StreamsConfig } from '../../../config/streams-config.js';
import { changelogTopic } from '../../../state/internals/changelog/changelog-topic.js';
import { StreamsApp } from '../../../runtime/streams-app.js';
import { FakeCluster, type FakeTopicRecord } from './fake-cluster.js';
import { FakeKafkaClient } from './fake-kafka-client.js';

/**
 * A real StreamsApp on the fake cluster: a stateful topology (a copy of each record, and a running
 * count per key kept in a changelogged store) under at_least_once and exactly_once.
 */

const KEYS = ['a', 'b', 'c', 'd', 'e'];
const PER_KEY = 8;

let dirs: string[] = [];
let apps: StreamsApp[] = [];
let cluster: FakeCluster;

afterEach(async () => {
  await Promise.all(apps.map((app) => app.close()));
  apps = [];
  cluster.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  dirs = [];
});

function setup(): FakeKafkaClient {
  cluster = new FakeCluster();
  cluster.createTopic('input', 3);
  cluster.createTopic('copies', 3);
  cluster.createTopic('counts', 3);
  return new FakeKafkaClient(cluster);
}

/** Input: PER_KEY records per key, interleaved, values `<key><n>`. */
function produceInput(from = 0, to = PER_KEY): void {
  for (let n = from; n < to; n++) cluster.produce('input', KEYS.map((key) => ({ key, value: `${key}${n}`, timestamp: 1_000 + n })));
}

function startApp(client: FakeKafkaClient, applicationId: string, config: Partial<StreamsConfig>): Promise<StreamsApp> {
  const stateDir = mkdtempSync(join(tmpdir(), 'rivulet-fake-'));
  dirs.push(stateDir);
  const app = new StreamsApp(countingTopology('input', 'copies', 'counts'), { applicationId, brokers: ['fake:9092'], stateDir, logLevel: 'error', ...config }, () => client);
  apps.push(app);
  return app.start().then(() => app);
}

/** Per key, the values in offset order (one key lives on one partition). */
function byKey(records: readonly FakeTopicRecord[], decode: (value: Buffer) => string): Map<string, string[]> {
  const result = new Map<string, string[]>();
  for (const r of records) {
    const key = r.key!.toString();
    result.set(key, [...(result.get(key) ?? []), decode(r.value!)]);
  }
  return result;
}

const text = (v: Buffer) => v.toString();
const int64 = (v: Buffer) => String(v.readBigInt64BE(0));
const expectedCopies = (to = PER_KEY) => new Map(KEYS.map((k) => [k, Array.from({ length: to }, (_, n) => `${k}${n}`)]));
const expectedCounts = (to = PER_KEY) => new Map(KEYS.map((k) => [k, Array.from({ length: to }, (_, n) => String(n + 1))]));

/** The input's end offsets as `input:<p>` -> offset, of partitions with records: what the group has committed once it is done. */
function inputEnds(): Map<string, string> {
  const ends = new Map<string, string>();
  for (let p = 0; p < 3; p++) {
    const end = cluster.log('input', p)!.highWatermark;
    if (end > 0) ends.set(`input:${p}`, String(end));
  }
  return ends;
}

describe('StreamsApp on the fake Kafka client', { timeout: 15_000 }, () => {
  it('at_least_once: processes every record once, writes changelog and outputs, commits the input offsets', async () => {
    const client = setup();
    produceInput();
    const app = await startApp(client, 'alo-app', { processingGuarantee: 'at_least_once', commitIntervalMs: 50 });
    await vi.waitFor(() => expect(cluster.committedOffsets('alo-app')).toEqual(inputEnds()), { timeout: 5_000 });
    expect(app.state).toBe('RUNNING');
    expect(byKey(cluster.records('copies'), text)).toEqual(expectedCopies());
    expect(byKey(cluster.records('counts'), int64)).toEqual(expectedCounts());
    expect(cluster.records(changelogTopic('alo-app', 'counts'))).toHaveLength(KEYS.length * PER_KEY);
    expect(app.store<string, bigint>('counts').get('c')).toBe(BigInt(PER_KEY));
    await app.close();
    expect(app.state).toBe('NOT_RUNNING');
    expect(cluster.members('alo-app')).toEqual([]);
    // No fetch loop is left waiting on the cluster.
    expect(cluster.signal.waiting).toBe(0);
  });

  it('exactly_once: outputs only through committed transactions, offsets committed with them', async () => {
    const client = setup();
    produceInput(0, PER_KEY / 2);
    const app = await startApp(client, 'eos-app', { processingGuarantee: 'exactly_once' });
    produceInput(PER_KEY / 2, PER_KEY);
    await vi.waitFor(() => expect(cluster.committedOffsets('eos-app')).toEqual(inputEnds()), { timeout: 5_000 });
    expect(byKey(cluster.records('copies', { readCommitted: true }), text)).toEqual(expectedCopies());
    expect(byKey(cluster.records('counts', { readCommitted: true }), int64)).toEqual(expectedCounts());
    // One transactional producer per task, each committing through its own transactions.
    expect(cluster.callCount('commit')).toBeGreaterThan(0);
    expect(cluster.callCount('commitOffsets')).toBe(0);
    await app.close();
    expect(app.state).toBe('NOT_RUNNING');
    expect(cluster.transactions.openTransactionalIds()).toEqual([]);
  });

  it('exactly_once: a failed commit aborts and rewinds the task; the committed output stays exact', async () => {
    const client = setup();
    const app = await startApp(client, 'eos-retry', { processingGuarantee: 'exactly_once' });
    cluster.failNext('commit', 'CONCURRENT_TRANSACTIONS', { times: 2 });
    produceInput();
    await vi.waitFor(() => expect(cluster.committedOffsets('eos-retry')).toEqual(inputEnds()), { timeout: 5_000 });
    expect(cluster.callCount('abort')).toBeGreaterThanOrEqual(2);
    expect(byKey(cluster.records('copies', { readCommitted: true }), text)).toEqual(expectedCopies());
    expect(byKey(cluster.records('counts', { readCommitted: true }), int64)).toEqual(expectedCounts());
    // The aborted attempts are in the log, hidden from read_committed readers.
    expect(cluster.records('copies').length).toBeGreaterThan(KEYS.length * PER_KEY);
    await app.close();
  });

  it('exactly_once: a second instance joins mid-stream; the tasks move and restore, no record is lost or doubled', async () => {
    const client = setup();
    produceInput(0, PER_KEY / 2);
    const first = await startApp(client, 'eos-scale', { processingGuarantee: 'exactly_once' });
    await vi.waitFor(() => expect(cluster.records('copies', { readCommitted: true })).toHaveLength((KEYS.length * PER_KEY) / 2), { timeout: 5_000 });
    const second = await startApp(client, 'eos-scale', { processingGuarantee: 'exactly_once' });
    produceInput(PER_KEY / 2, PER_KEY);
    await vi.waitFor(() => expect(cluster.committedOffsets('eos-scale')).toEqual(inputEnds()), { timeout: 5_000 });
    expect(first.metrics().tasks.length + second.metrics().tasks.length).toBe(3);
    expect(second.metrics().tasks.length).toBeGreaterThan(0);
    expect(byKey(cluster.records('copies', { readCommitted: true }), text)).toEqual(expectedCopies());
    expect(byKey(cluster.records('counts', { readCommitted: true }), int64)).toEqual(expectedCounts());
    await Promise.all([first.close(), second.close()]);
  });

  it('exactly_once: an evicted instance (a zombie) is fenced when its tasks move; the committed output stays exact', async () => {
    const client = setup();
    produceInput(0, PER_KEY / 2);
    const first = await startApp(client, 'eos-zombie', { processingGuarantee: 'exactly_once' });
    const second = await startApp(client, 'eos-zombie', { processingGuarantee: 'exactly_once' });
    await vi.waitFor(() => expect(cluster.records('copies', { readCommitted: true })).toHaveLength((KEYS.length * PER_KEY) / 2), { timeout: 5_000 });
    // The first instance's main consumer is evicted, as after a long pause: its tasks go to the
    // second instance, whose producers fence the first one's; the first re-joins as a new member.
    const firstConsumer = client.consumers.find((c) => c.groupId === 'eos-zombie')!;
    expect(cluster.evict(firstConsumer)).toBe(true);
    produceInput(PER_KEY / 2, PER_KEY);
    await vi.waitFor(() => expect(cluster.committedOffsets('eos-zombie')).toEqual(inputEnds()), { timeout: 5_000 });
    await vi.waitFor(() => expect(cluster.members('eos-zombie')).toHaveLength(2), { timeout: 5_000 });
    expect(byKey(cluster.records('copies', { readCommitted: true }), text)).toEqual(expectedCopies());
    expect(byKey(cluster.records('counts', { readCommitted: true }), int64)).toEqual(expectedCounts());
    expect([first.state, second.state]).toEqual(['RUNNING', 'RUNNING']);
  });

  it('at_least_once: a rebalance and a broker outage mid-stream lose nothing; the app recovers', async () => {
    const client = setup();
    produceInput(0, PER_KEY / 2);
    const app = await startApp(client, 'alo-faults', { processingGuarantee: 'at_least_once', commitIntervalMs: 20 });
    await vi.waitFor(() => expect(cluster.committedOffsets('alo-faults')).toEqual(inputEnds()), { timeout: 5_000 });
    cluster.rebalance('alo-faults');
    cluster.brokerDown(100);
    produceInput(PER_KEY / 2, PER_KEY);
    await vi.waitFor(() => expect(cluster.committedOffsets('alo-faults')).toEqual(inputEnds()), { timeout: 5_000 });
    expect(app.state).toBe('RUNNING');
    // At least once: every record, in order per key; a record may repeat after the outage.
    const copies = byKey(cluster.records('copies'), text);
    for (const [key, expected] of expectedCopies()) expect([...new Set(copies.get(key))]).toEqual(expected);
  });
});
