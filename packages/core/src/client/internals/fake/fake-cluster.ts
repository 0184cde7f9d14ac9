import type { Headers } from '@rivulet/serde';
import type { OutgoingRecord } from '../kafka-port.js';
import { partitionForKey } from '../../partitioner.js';
import { protocolError } from './fake-errors.js';
import { FakeFaults, type CallContext, type FakeOp, type FaultScope, type ScriptedError } from './fake-faults.js';
import { FakeGroup } from './fake-group.js';
import { FakePartitionLog } from './fake-partition-log.js';
import { FakeSignal } from './fake-signal.js';
import { FakeTransactionCoordinator } from './fake-transaction-coordinator.js';

/** Kafka's default `max.message.bytes` of a topic (the broker's `message.max.bytes`). */
export const DEFAULT_MAX_MESSAGE_BYTES = 1_048_588;

/** Settings of a fake cluster; all have defaults fit for unit tests. */
export interface FakeClusterOptions {
  /** How long a call takes to fail while the broker is down. Default 5 ms. */
  readonly downDelayMs?: number;
  /** How long a crashed consumer waits before it restarts (kafkajs's retry time). Default 20 ms. */
  readonly restartDelayMs?: number;
  /** The longest a fetch loop with nothing to fetch sleeps before it looks again (an append wakes it sooner). Default 20 ms. */
  readonly maxIdleWaitMs?: number;
  /**
   * The error a fenced producer gets. Default `INVALID_PRODUCER_EPOCH`, what kafkajs 2.2.4 surfaces
   * (its request versions make the broker answer that); `PRODUCER_FENCED` is the modern code.
   */
  readonly fencedErrorType?: 'INVALID_PRODUCER_EPOCH' | 'PRODUCER_FENCED';
}

/** A record of a topic, as the read helpers return it. */
export interface FakeTopicRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly timestamp: number;
  readonly headers: Headers;
}

/** A record to seed a topic with, through {@link FakeCluster.produce}. */
export interface FakeInputRecord {
  readonly key?: string | Buffer | null;
  readonly value: string | Buffer | null;
  /** Default: the key's murmur2 partition (as the Java client and Rivulet choose), or 0 without a key. */
  readonly partition?: number;
  readonly timestamp?: number;
  readonly headers?: Headers;
}

interface FakeTopic {
  readonly logs: FakePartitionLog[];
  readonly configs: Map<string, string>;
}

const toBuffer = (v: string | Buffer | null | undefined): Buffer | null => (v === undefined || v === null ? null : Buffer.isBuffer(v) ? v : Buffer.from(v));

/**
 * An in-memory Kafka cluster of one broker: topics of append-only partition logs, group
 * coordinators, a transaction coordinator, and a fault script. Clients made by a
 * {@link FakeKafkaClient} on it share its state, so two apps (or an app and a test) see each other.
 *
 * @example
 * const cluster = new FakeCluster();
 * cluster.createTopic('input', 2);
 * cluster.produce('input', [{ key: 'a', value: '1' }]);
 * cluster.failNext('commit', 'CONCURRENT_TRANSACTIONS');
 * cluster.brokerDown(200);
 */
export class FakeCluster {
  /** The options with their defaults. */
  readonly options: Required<FakeClusterOptions>;
  /** Wakes fetch loops when something they wait on changes (an append, a marker, a rebalance, the broker). */
  readonly signal = new FakeSignal();
  /** The transaction coordinator. */
  readonly transactions: FakeTransactionCoordinator;
  private readonly faults: FakeFaults;
  private readonly topics = new Map<string, FakeTopic>();
  private readonly groups = new Map<string, FakeGroup>();

  constructor(options: FakeClusterOptions = {}) {
    this.options = {
      downDelayMs: options.downDelayMs ?? 5,
      restartDelayMs: options.restartDelayMs ?? 20,
      maxIdleWaitMs: options.maxIdleWaitMs ?? 20,
      fencedErrorType: options.fencedErrorType ?? 'INVALID_PRODUCER_EPOCH',
    };
    this.faults = new FakeFaults({ downDelayMs: this.options.downDelayMs, onChange: () => this.signal.notify() });
    this.transactions = new FakeTransactionCoordinator({
      commitGroupOffsets: (groupId, offsets) => this.group(groupId).commitTransactional(offsets),
      changed: () => this.signal.notify(),
      fencedError: () => protocolError(this.options.fencedErrorType),
    });
  }

  // ---- topics ----

  /** Creates a topic (configs such as `max.message.bytes` included); false if it existed, which is left as it is. */
  createTopic(name: string, numPartitions: number, configs: Readonly<Record<string, string>> = {}): boolean {
    if (this.topics.has(name)) return false;
    if (!Number.isInteger(numPartitions) || numPartitions < 1) throw new RangeError(`topic '${name}' needs at least one partition, got ${numPartitions}`);
    const logs = Array.from({ length: numPartitions }, () => new FakePartitionLog());
    this.topics.set(name, { logs, configs: new Map(Object.entries(configs)) });
    return true;
  }

  /** Names of the topics that exist. */
  topicNames(): string[] {
    return [...this.topics.keys()];
  }

  /** Partition counts of the topics that exist among `topics`. */
  partitionCounts(topics: readonly string[]): Map<string, number> {
    const counts = new Map<string, number>();
    for (const t of topics) {
      const topic = this.topics.get(t);
      if (topic !== undefined) counts.set(t, topic.logs.length);
    }
    return counts;
  }

  /** A partition's log, or undefined if the topic or partition does not exist. */
  log(topic: string, partition: number): FakePartitionLog | undefined {
    return this.topics.get(topic)?.logs[partition];
  }

  /** A topic's `max.message.bytes`: its config, else Kafka's default. */
  maxMessageBytes(topic: string): number {
    const configured = this.topics.get(topic)?.configs.get('max.message.bytes');
    return configured === undefined ? DEFAULT_MAX_MESSAGE_BYTES : Number(configured);
  }

  /** Sets a topic's `max.message.bytes`: a send holding a larger record fails with MESSAGE_TOO_LARGE. */
  setMaxMessageBytes(topic: string, bytes: number): void {
    const t = this.topics.get(topic);
    if (t === undefined) throw new Error(`no topic '${topic}' in the fake cluster`);
    t.configs.set('max.message.bytes', String(bytes));
  }

  /** A topic's configs, as created or set. */
  topicConfigs(topic: string): Map<string, string> | undefined {
    return this.topics.get(topic)?.configs;
  }

  /** The group coordinator's state of a group, made on first use. */
  group(groupId: string): FakeGroup {
    let group = this.groups.get(groupId);
    if (group === undefined) {
      group = new FakeGroup(groupId, { partitionCounts: (topics) => this.partitionCounts(topics), changed: () => this.signal.notify() });
      this.groups.set(groupId, group);
    }
    return group;
  }

  // ---- every client call ----

  /** Runs one client call through the fault script, then `fn`. */
  async call<T>(op: FakeOp, ctx: CallContext, fn: () => T | Promise<T>): Promise<T> {
    await this.faults.gate(op, ctx);
    this.transactions.expire(Date.now());
    return fn();
  }

  /** Rejects as a call would while the broker is down; the fake's own housekeeping calls use it. */
  checkUp(): Promise<void> {
    return this.faults.checkUp();
  }

  // ---- faults ----

  /** True while the broker is down. */
  get brokerIsDown(): boolean {
    return this.faults.brokerIsDown;
  }

  /**
   * Takes the broker down, for `ms` or until {@link FakeCluster.brokerUp}: every call of every client
   * rejects with `KafkaJSConnectionError: Connection error: connect ECONNREFUSED 127.0.0.1:9092`
   * (retriable) after a short delay; fetch loops make no progress, reporting a crash (restart: true)
   * per failed attempt.
   */
  brokerDown(ms?: number): void {
    this.faults.brokerDown(ms);
  }

  /** Brings the broker back. */
  brokerUp(): void {
    this.faults.brokerUp();
  }

  /**
   * The next matching call(s) of `op` reject with `error` (an Error, a factory, or a kafkajs protocol
   * error type such as `'REBALANCE_IN_PROGRESS'`), scoped by topic, transactional id or group.
   *
   * @example
   * cluster.failNext('commit', 'CONCURRENT_TRANSACTIONS', { transactionalId: 'app-0_0' });
   * cluster.failNext('send', () => new Error('boom'), { times: 3, topic: 'output' });
   */
  failNext(op: FakeOp, error: ScriptedError, scope?: FaultScope): void {
    this.faults.failNext(op, error, scope);
  }

  /** The next matching call(s) of `op` take `ms` longer (to test timeouts and heartbeats). */
  hang(op: FakeOp, ms: number, scope?: FaultScope): void {
    this.faults.hang(op, ms, scope);
  }

  /** Drops every scripted failure and hang not yet used. */
  clearFaults(): void {
    this.faults.clearScript();
  }

  /** As if another producer with this transactional id initialized: the current one is fenced, its open transaction aborted. */
  fence(transactionalId: string): void {
    this.transactions.fence(transactionalId);
  }

  /** Starts a rebalance now in this group, or in every group with members. */
  rebalance(groupId?: string): void {
    for (const group of groupId === undefined ? this.groups.values() : [this.group(groupId)]) group.rebalance();
  }

  /**
   * Evicts a member (a member id, or a consumer of a fake client), as a session timeout would: its
   * next heartbeat or commit rejects with UNKNOWN_MEMBER_ID and it re-joins as a new member; the
   * others rebalance. Returns false if no group had it.
   */
  evict(member: string | { readonly memberId: string | undefined }): boolean {
    const memberId = typeof member === 'string' ? member : member.memberId;
    if (memberId === undefined) return false;
    for (const group of this.groups.values()) if (group.leave(memberId)) return true;
    return false;
  }

  // ---- read helpers for tests ----

  /**
   * Every record of a topic (or of one partition), partition by partition in offset order:
   * committed ones only with `readCommitted`, else everything written (aborted and open included).
   */
  records(topic: string, options: { readCommitted?: boolean; partition?: number } = {}): FakeTopicRecord[] {
    const t = this.topics.get(topic);
    if (t === undefined) throw new Error(`no topic '${topic}' in the fake cluster`);
    const result: FakeTopicRecord[] = [];
    t.logs.forEach((log, partition) => {
      if (options.partition !== undefined && options.partition !== partition) return;
      for (const r of log.dataRecords(options.readCommitted ?? false)) result.push({ topic, partition, ...r });
    });
    return result;
  }

  /** A group's committed offsets, by `topic:partition`. */
  committedOffsets(groupId: string): Map<string, string> {
    return new Map(this.groups.get(groupId)?.committed ?? []);
  }

  /** The member ids of a group, in join order. */
  members(groupId: string): string[] {
    return this.groups.get(groupId)?.memberIds() ?? [];
  }

  /** How many calls of `op` clients made (failed ones included). */
  callCount(op: FakeOp): number {
    return this.faults.callCount(op);
  }

  /** Calls made, per op. */
  callCounts(): Partial<Record<FakeOp, number>> {
    return this.faults.callCounts();
  }

  /**
   * Appends records to a topic directly, outside any client and the fault script: a test's input.
   *
   * @example
   * cluster.produce('input', [{ key: 'k', value: 'v' }, { key: null, value: 'w', partition: 1 }]);
   */
  produce(topic: string, records: readonly FakeInputRecord[]): void {
    const t = this.topics.get(topic);
    if (t === undefined) throw new Error(`no topic '${topic}' in the fake cluster`);
    for (const r of records) {
      const key = toBuffer(r.key);
      const partition = r.partition ?? (key === null ? 0 : partitionForKey(key, t.logs.length));
      const log = t.logs[partition];
      if (log === undefined) throw new RangeError(`topic '${topic}' has no partition ${partition}`);
      const record: OutgoingRecord = { topic, partition, key, value: toBuffer(r.value), timestamp: r.timestamp ?? Date.now(), headers: r.headers };
      log.append([record]);
    }
    this.signal.notify();
  }

  /** Ends every pending fault wait and timer of the cluster (clients should be disconnected first). */
  close(): void {
    this.faults.close();
    for (const group of this.groups.values()) group.close();
    this.signal.notify();
  }
}
