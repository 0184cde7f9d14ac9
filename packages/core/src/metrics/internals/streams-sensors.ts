import type { MetricsRegistry, Latency, RateTotal } from './metrics-registry.js';
import { SampledStat } from './sampled-stat.js';

/**
 * The sensors of Rivulet's processing loop, by Kafka Streams' groups and names (its ThreadMetrics,
 * TaskMetrics, ProcessorNodeMetrics and StateStoreMetrics) and the consumer and producer metrics
 * Rivulet measures itself, kafkajs having none. Rivulet runs one processing loop per app: its
 * thread id is `<clientId>-StreamThread-1`.
 */
export class ThreadSensors {
  readonly threadId: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly process: RateTotal;
  readonly processLatency: Latency;
  readonly poll: RateTotal;
  readonly pollRecords: Latency;
  readonly commit: RateTotal;
  readonly commitLatency: Latency;
  readonly punctuate: RateTotal;
  readonly punctuateLatency: Latency;
  readonly taskCreated: RateTotal;
  readonly taskClosed: RateTotal;
  /** Nanoseconds the loop waited for records (Kafka Streams: blocked in poll, flush, commit). */
  blockedNs = 0;

  constructor(readonly registry: MetricsRegistry, clientId: string) {
    this.threadId = `${clientId}-StreamThread-1`;
    const g = 'stream-thread-metrics';
    const tags = { 'thread-id': this.threadId };
    this.tags = tags;
    this.process = registry.rateTotal(g, 'process', tags, 'records processed by this thread');
    this.processLatency = registry.avgMax(g, 'process-latency', tags, 'time, in ms, to process a record, per batch');
    this.poll = registry.rateTotal(g, 'poll', tags, 'fetched batches (polls) handed to this thread');
    this.pollRecords = registry.avgMax(g, 'poll-records', tags, 'number of records per poll');
    this.commit = registry.rateTotal(g, 'commit', tags, 'commits of this thread');
    this.commitLatency = registry.avgMax(g, 'commit-latency', tags, 'time, in ms, of a commit');
    this.punctuate = registry.rateTotal(g, 'punctuate', tags, 'wall-clock punctuations of this thread');
    this.punctuateLatency = registry.avgMax(g, 'punctuate-latency', tags, 'time, in ms, of a wall-clock punctuation');
    this.taskCreated = registry.rateTotal(g, 'task-created', tags, 'tasks created');
    this.taskClosed = registry.rateTotal(g, 'task-closed', tags, 'tasks closed');
    registry.add(
      { name: 'blocked-time-ns-total', group: g, tags, level: 'INFO', type: 'counter', description: 'The total time, in ns, the thread waited for records from the consumer.' },
      () => this.blockedNs,
    );
    const started = Date.now();
    registry.add({ name: 'thread-start-time', group: g, tags, level: 'INFO', type: 'gauge', description: 'The time the thread started, in ms since the epoch.' }, () => started);
  }

  /** Sensors of one task of this thread. */
  task(taskId: string): TaskSensors {
    return new TaskSensors(this.registry, this.threadId, taskId);
  }
}

/** A task's sensors (stream-task-metrics); its node and store sensors at DEBUG. */
export class TaskSensors {
  readonly tags: Readonly<Record<string, string>>;
  readonly process: RateTotal;
  readonly droppedRecords: RateTotal;
  readonly enforcedProcessing: RateTotal;
  readonly activeProcessRatio: Latency;
  readonly recordLateness: Latency;
  readonly restore: RateTotal;

  constructor(
    readonly registry: MetricsRegistry,
    readonly threadId: string,
    readonly taskId: string,
  ) {
    const g = 'stream-task-metrics';
    const tags = { 'thread-id': threadId, 'task-id': taskId };
    this.tags = tags;
    this.process = registry.rateTotal(g, 'process', tags, 'records processed by this task');
    this.droppedRecords = registry.rateTotal(g, 'dropped-records', tags, 'records this task dropped (see docs/failures.md#dropped-records)');
    this.enforcedProcessing = registry.rateTotal(g, 'enforced-processing', tags, 'times this task processed without waiting for an empty input partition');
    this.activeProcessRatio = registry.timeRatio(g, 'active-process-ratio', tags, 'The fraction of time the thread spent processing this task.');
    this.recordLateness = registry.avgMax(g, 'record-lateness', tags, 'lateness, in ms, of a record: stream time minus its timestamp, when positive', 'DEBUG');
    this.restore = registry.rateTotal(g, 'restore', tags, 'changelog records restored into the stores of this task', 'DEBUG');
  }

  /** Sensors of a processor node of this task (DEBUG), or undefined at INFO. */
  node(nodeId: string): NodeSensors | undefined {
    if (!this.registry.records('DEBUG')) return undefined;
    return new NodeSensors(this.registry, { ...this.tags, 'processor-node-id': nodeId });
  }

  /** Sensors of a state store of this task (DEBUG), or undefined at INFO. */
  store(storeName: string, storeType: string): StoreSensors | undefined {
    if (!this.registry.records('DEBUG')) return undefined;
    return new StoreSensors(this.registry, { ...this.tags, [`${storeType}-state-id`]: storeName });
  }

  /** Forgets this task's metrics (it was closed). */
  close(): void {
    this.registry.removeTagged(this.tags);
  }
}

/** A processor node's sensors (stream-processor-node-metrics, DEBUG). */
export class NodeSensors {
  readonly process: RateTotal;
  readonly e2eLatency: Latency;

  constructor(registry: MetricsRegistry, tags: Readonly<Record<string, string>>) {
    const g = 'stream-processor-node-metrics';
    this.process = registry.rateTotal(g, 'process', tags, 'records this node processed', 'DEBUG');
    this.e2eLatency = registry.avgMax(g, 'record-e2e-latency', tags, 'end-to-end latency, in ms, of a record at this node: wall-clock time minus its timestamp', 'DEBUG', true);
  }
}

/** The calls of a state store that are measured, and the name of their metrics. */
export const STORE_OPERATIONS: Readonly<Record<string, string>> = {
  put: 'put',
  putWithTimestamp: 'put',
  putIfAbsent: 'put-if-absent',
  putAll: 'put-all',
  get: 'get',
  getWithTimestamp: 'get',
  delete: 'delete',
  range: 'range',
  reverseRange: 'range',
  all: 'all',
  reverseAll: 'all',
  prefixScan: 'prefix-scan',
  fetch: 'fetch',
  backwardFetch: 'fetch',
  fetchAll: 'fetch',
  findSessions: 'fetch',
  flush: 'flush',
  remove: 'remove',
};

/** A state store's sensors (stream-state-metrics, DEBUG): a rate and a latency per operation. */
export class StoreSensors {
  private readonly ops = new Map<string, { rate: RateTotal; latency: Latency }>();

  constructor(
    private readonly registry: MetricsRegistry,
    private readonly tags: Readonly<Record<string, string>>,
  ) {}

  operation(op: string): { rate: RateTotal; latency: Latency } {
    let s = this.ops.get(op);
    if (s === undefined) {
      const g = 'stream-state-metrics';
      s = {
        rate: this.registry.rateTotal(g, op, this.tags, `${op} calls on this store`, 'DEBUG'),
        latency: this.registry.avgMax(g, `${op}-latency`, this.tags, `time, in ms, of a ${op} call on this store`, 'DEBUG'),
      };
      this.ops.set(op, s);
    }
    return s;
  }
}

/**
 * Wraps a state store so that every measured call (STORE_OPERATIONS) counts and times itself. A
 * Proxy, so that one wrapper serves key-value, window and session stores; only at DEBUG.
 */
export function meteredStore<S extends object>(store: S, sensors: StoreSensors): S {
  return new Proxy(store, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof prop !== 'string' || typeof value !== 'function') return value;
      const op = STORE_OPERATIONS[prop];
      if (op === undefined) return (value as (...a: unknown[]) => unknown).bind(target);
      const { rate, latency } = sensors.operation(op);
      return (...args: unknown[]) => {
        const t0 = performance.now();
        try {
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        } finally {
          rate.record();
          latency.record(performance.now() - t0);
        }
      };
    },
  });
}

/** The consumer's lag per partition (consumer-fetch-manager-metrics), from each fetched batch's high watermark. */
export class ConsumerSensors {
  private readonly lags = new Map<string, number>();
  /** Per partition: its end offset (high watermark) at its last fetch. */
  private readonly ends = new Map<string, bigint>();
  private readonly lagMax: SampledStat;
  readonly consumed: RateTotal;
  private readonly clientTags: Readonly<Record<string, string>>;

  constructor(
    private readonly registry: MetricsRegistry,
    clientId: string,
  ) {
    const g = 'consumer-fetch-manager-metrics';
    this.clientTags = { 'client-id': `${clientId}-StreamThread-1-consumer` };
    this.lagMax = new SampledStat(registry.window, Date.now());
    this.consumed = registry.rateTotal(g, 'records-consumed', this.clientTags, 'records consumed');
    registry.add(
      { name: 'records-lag-max', group: g, tags: this.clientTags, level: 'INFO', type: 'gauge', description: 'The maximum lag, in records, of any partition in the window.' },
      () => this.lagMax.max(Date.now()),
    );
  }

  /**
   * A fetched batch of a partition: `records` records, the last at `lastOffset`, the partition's
   * end being `highWatermark`. The lag is what lies between the batch's end and the partition's.
   */
  fetched(topic: string, partition: number, records: number, lastOffset: string, highWatermark: string): void {
    this.consumed.record(records);
    const key = `${topic}:${partition}`;
    this.ends.set(key, BigInt(highWatermark));
    this.covered(topic, partition, lastOffset);
  }

  /**
   * The consumer covered a partition up to `lastOffset`, transaction markers included (the end of
   * a batch): under exactly-once the last record is followed by a marker, so the last record's
   * offset alone would leave a lag of 1 forever.
   */
  covered(topic: string, partition: number, lastOffset: string): void {
    const key = `${topic}:${partition}`;
    const end = this.ends.get(key);
    if (end === undefined) return;
    const lag = Math.max(0, Number(end - BigInt(lastOffset) - 1n));
    if (!this.lags.has(key)) {
      const tags = { ...this.clientTags, topic, partition: String(partition) };
      this.registry.add(
        { name: 'records-lag', group: 'consumer-fetch-manager-metrics', tags, level: 'INFO', type: 'gauge', description: 'The lag, in records, of this partition: its end offset minus the next offset to fetch.' },
        () => this.lags.get(key) ?? Number.NaN,
      );
    }
    this.lags.set(key, lag);
    this.lagMax.record(lag, Date.now());
  }

  /** Keeps the lag of these partitions (`topic:partition`) only: the others are no longer assigned here. */
  retain(partitions: ReadonlySet<string>): void {
    for (const key of [...this.lags.keys()]) {
      if (partitions.has(key)) continue;
      this.lags.delete(key);
      this.ends.delete(key);
      const at = key.lastIndexOf(':');
      this.registry.removeTagged({ ...this.clientTags, topic: key.slice(0, at), partition: key.slice(at + 1) });
    }
  }
}

/** The producer's sends and transactions (producer-metrics). */
export class ProducerSensors {
  readonly recordSend: RateTotal;
  readonly recordError: RateTotal;
  readonly txnCommit: RateTotal;
  readonly txnAbort: RateTotal;
  txnCommitNs = 0;
  txnAbortNs = 0;

  constructor(registry: MetricsRegistry, clientId: string) {
    const g = 'producer-metrics';
    const tags = { 'client-id': `${clientId}-StreamThread-1-producer` };
    this.recordSend = registry.rateTotal(g, 'record-send', tags, 'records sent and acknowledged');
    this.recordError = registry.rateTotal(g, 'record-error', tags, 'records whose send failed');
    this.txnCommit = registry.rateTotal(g, 'txn-commit', tags, 'transactions committed (exactly_once)');
    this.txnAbort = registry.rateTotal(g, 'txn-abort', tags, 'transactions aborted (exactly_once)');
    registry.add({ name: 'txn-commit-time-ns-total', group: g, tags, level: 'INFO', type: 'counter', description: 'The total time, in ns, spent committing transactions.' }, () => this.txnCommitNs);
    registry.add({ name: 'txn-abort-time-ns-total', group: g, tags, level: 'INFO', type: 'counter', description: 'The total time, in ns, spent aborting transactions.' }, () => this.txnAbortNs);
  }
}
