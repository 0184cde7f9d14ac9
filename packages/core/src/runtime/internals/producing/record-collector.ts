import type { Headers } from '@rivulet/serde';
import { choosePartition, defaultPartitioner, type Partitioner } from '../../../client/partitioner.js';
import type { OutgoingRecord, WrittenOffsets } from '../../../client/internals/kafka-port.js';

/**
 * Where the collector sends a batch: a producer, or the task's open transaction. `maxRequestBytes`
 * is the smallest request limit of the batch's topics (see `RecordCollectorOptions.maxRequestBytes`).
 */
export type BatchSender = (records: OutgoingRecord[], maxRequestBytes: number) => Promise<WrittenOffsets | void>;

/**
 * What an async serialization resolves to when it failed and the production handler chose to skip
 * the record (log-and-continue, a dead-letter topic, or a handler function): the collector leaves
 * the record out of the send.
 */
export const SKIPPED_RECORD: unique symbol = Symbol('rivulet.skipped-record');

/**
 * Bytes, or bytes still being serialized (an async serde on a cache miss); those resolve to
 * {@link SKIPPED_RECORD} when serialization failed and the record is to be left out.
 */
export type MaybeBytes = Buffer | null | Promise<Buffer | null | typeof SKIPPED_RECORD>;

/**
 * Thrown by {@link RecordCollector.send} after an earlier send failed: the failure belongs to the
 * send (its `cause`), not to the record being processed, and the error router passes it on
 * untouched (issue 11, problem 10).
 */
export class SendFailedError extends Error {
  constructor(cause: Error) {
    super(`an earlier send failed: ${cause.message}`, { cause });
    this.name = 'SendFailedError';
  }
}

/** What a send request carries at most unless a topic accepts less. */
const DEFAULT_MAX_REQUEST_BYTES = 1_000_000;

interface Pending {
  topic: string;
  partition: number | undefined;
  key: MaybeBytes | typeof SKIPPED_RECORD;
  value: MaybeBytes | typeof SKIPPED_RECORD;
  timestamp: number;
  headers: Headers | undefined;
  partitioner: Partitioner;
  /** Bytes counted for this record in the buffer bound. */
  size: number;
}

/**
 * Where sinks, changelogs and dead-letter writes hand serialized records: the record collector at
 * run time, or a capturing sink in the local runner of test drivers.
 */
export interface RecordSink {
  send(
    topic: string,
    key: MaybeBytes,
    value: MaybeBytes,
    timestamp: number,
    headers: Headers | undefined,
    partition?: number,
    partitioner?: Partitioner,
  ): void;
}

/**
 * Exactly-once: how long records held during a commit wait, at least, once it settled, so the next
 * transaction's first AddPartitionsToTxn comes after the broker wrote the last one's markers (the
 * Java producer retries that case after 20 ms instead of its usual backoff, for the same reason).
 */
export const UNSEAL_DELAY_MS = 20;

/** Options of a {@link RecordCollector}. */
export interface RecordCollectorOptions {
  /** Wait up to this long for more records before sending a non-full batch (`linger.ms`). */
  lingerMs: number;
  /** Send as soon as one partition has this many bytes buffered (`batch.size`). */
  batchSize: number;
  /** Above this many buffered bytes, `hasCapacity()` is false and the runtime waits before processing more. */
  maxBufferedBytes: number;
  /** Partition counts of topics written, as known; unknown topics are looked up at flush. */
  partitionCount(topic: string): number | undefined;
  /** Looks up partition counts of topics first written per record (a topic-name extractor). */
  fetchPartitionCounts(topics: string[]): Promise<Map<string, number>>;
  sender: BatchSender;
  /** The largest request that may carry records of a topic (its `max.message.bytes`); default 1,000,000. */
  maxRequestBytes?(topic: string): number;
  /** Records per send request at most (default 10,000); more are sent in consecutive requests. */
  maxRecordsPerSend?: number;
  /** The app's partitioner (`producer.partitioner`) for sinks that set none; default murmur2 / round robin. */
  partitioner?: Partitioner;
  /** Called when a background send (linger or batch-size) fails; the next flush rethrows too. */
  onSendError(error: Error): void;
}

/**
 * Takes serialized records from sinks and changelogs, picks their partition (explicit >
 * Java-compatible murmur2 of the key > round robin for null keys, or a custom partitioner) and sends
 * them in batches. kafkajs does no batching of its own, so this is where `lingerMs` and `batchSize`
 * live. One send is in flight at a time: records keep their order, and while a send is in flight the
 * next batch grows, so under load batches get larger instead of requests getting more numerous.
 */
export class RecordCollector implements RecordSink {
  private buffer: Pending[] = [];
  private bufferedBytes = 0;
  /** Bytes buffered per topic, per partition at index partition + 1 (index 0: partition not chosen yet). */
  private readonly partitionBytes = new Map<string, number[]>();
  private inFlight: Promise<void> | undefined;
  private lingerTimer: NodeJS.Timeout | undefined;
  private failure: Error | undefined;
  private hasAsync = false;
  /** Records sent since {@link seal}: the next transaction's, not sent until {@link unseal}. */
  private held: Pending[] | undefined;
  private heldBytes = 0;
  private heldHasAsync = false;
  /** Bumped by discard(): a send started before it no longer touches this collector's state. */
  private epoch = 0;
  private readonly defaultPartitioner: Partitioner;
  /** Records handed to the sender since creation. */
  sentCount = 0;
  /** Per partition (`topic:partition`): the offset of the last record written there and acknowledged. */
  private readonly written = new Map<string, bigint>();

  private readonly maxRecordsPerSend: number;

  constructor(private readonly options: RecordCollectorOptions) {
    this.defaultPartitioner = options.partitioner ?? defaultPartitioner();
    this.maxRecordsPerSend = options.maxRecordsPerSend ?? 10_000;
  }

  /** Buffers one record. Synchronous: the per-record path never awaits. */
  send(
    topic: string,
    key: MaybeBytes,
    value: MaybeBytes,
    timestamp: number,
    headers: Headers | undefined,
    partition?: number,
    partitioner?: Partitioner,
  ): void {
    // A send already failed: the record path stops here, with the send's error as the cause, so it is
    // attributed to the send (fenced, broker down) and never to the input record being processed.
    if (this.failure !== undefined) throw new SendFailedError(this.failure);
    const chosen = partitioner ?? this.defaultPartitioner;
    let resolved = partition;
    const sync = !(key instanceof Promise) && !(value instanceof Promise);
    if (sync) {
      const count = this.options.partitionCount(topic);
      if (count !== undefined) resolved = choosePartition(partition, chosen, { topic, key, value, partitionCount: count });
      // Unknown topic: an explicit partition is range-checked at send, once the count is fetched.
      else if (partition !== undefined) this.noteAsync();
    } else {
      this.noteAsync();
    }
    const size = (sync ? (key?.length ?? 0) + (value?.length ?? 0) : 0) + 64;
    if (this.held !== undefined) {
      // Sealed: the record belongs to the next transaction; it waits for unseal().
      this.held.push({ topic, partition: resolved, key, value, timestamp, headers, partitioner: chosen, size });
      this.heldBytes += size;
      return;
    }
    this.buffer.push({ topic, partition: resolved, key, value, timestamp, headers, partitioner: chosen, size });
    this.bufferedBytes += size;
    let perPartition = this.partitionBytes.get(topic);
    if (perPartition === undefined) this.partitionBytes.set(topic, (perPartition = []));
    const slot = resolved === undefined ? 0 : resolved + 1;
    const pbytes = (perPartition[slot] ?? 0) + size;
    perPartition[slot] = pbytes;
    if (pbytes >= this.options.batchSize) this.startSend();
    else if (this.lingerTimer === undefined && this.inFlight === undefined) {
      this.lingerTimer = setTimeout(() => this.startSend(), this.options.lingerMs);
    }
  }

  /** A record whose partition or bytes are known only at send: the buffer it goes to resolves them then. */
  private noteAsync(): void {
    if (this.held !== undefined) this.heldHasAsync = true;
    else this.hasAsync = true;
  }

  /**
   * Exactly-once, a commit starting while processing goes on: what is buffered now belongs to the
   * transaction being committed (flush() sends it), and records sent from now on are held back, not
   * sent, until {@link unseal} (the commit settled: they open the next transaction). Sending them
   * earlier would put them in the transaction being committed, without their input offsets.
   */
  seal(): void {
    this.held ??= [];
  }

  /** True between {@link seal} and {@link unseal} (or {@link discard}). */
  get sealed(): boolean {
    return this.held !== undefined;
  }

  /**
   * The commit settled: the held records are buffered for the next transaction and go out after
   * `lingerMs` but at least {@link UNSEAL_DELAY_MS} (or at a flush, or on batchSize), not at once: a
   * transaction begun right after the last one ended meets CONCURRENT_TRANSACTIONS while the broker
   * writes its markers, and kafkajs retries that after its ~300 ms backoff (seen: exactly_once p99
   * latency 115 ms -> 320-490 ms at once, 111-182 ms after 5 ms).
   */
  unseal(): void {
    const held = this.held;
    if (held === undefined) return;
    this.held = undefined;
    for (const p of held) this.buffer.push(p);
    this.bufferedBytes += this.heldBytes;
    this.hasAsync ||= this.heldHasAsync;
    this.heldBytes = 0;
    this.heldHasAsync = false;
    if (this.buffer.length > 0 && this.lingerTimer === undefined && this.inFlight === undefined) {
      this.lingerTimer = setTimeout(() => this.startSend(), Math.max(this.options.lingerMs, UNSEAL_DELAY_MS));
    }
  }

  /** The error of a send that failed, until `discard()`. */
  get failed(): Error | undefined {
    return this.failure;
  }

  /** False when the buffer is over its bound: the caller should `await waitForCapacity()`. */
  hasCapacity(): boolean {
    return this.bufferedBytes + this.heldBytes < this.options.maxBufferedBytes;
  }

  /** Sealed, only {@link unseal} makes room for held records: the caller settles the commit first. */
  async waitForCapacity(): Promise<void> {
    while (!this.hasCapacity() && this.inFlight !== undefined) await this.inFlight.catch(() => undefined);
    if (!this.hasCapacity()) await this.flush();
  }

  /** Records not yet handed to the sender, held ones included. */
  get buffered(): number {
    return this.buffer.length + (this.held?.length ?? 0);
  }

  /**
   * Sends everything buffered and waits until every send is acknowledged; throws if one failed.
   * Sealed, held records are not sent (they are the next transaction's).
   */
  async flush(): Promise<void> {
    // After a failure startSend() sends nothing more: stop there, or records buffered behind the
    // failed send would keep this loop spinning on microtasks forever.
    while (this.failure === undefined && (this.inFlight !== undefined || this.buffer.length > 0)) {
      if (this.inFlight === undefined) this.startSend();
      await this.inFlight?.catch(() => undefined);
    }
    if (this.failure !== undefined) throw this.failure;
  }

  /**
   * Drops everything buffered (an aborted transaction) and clears a failure. A send still in flight
   * is forgotten too: it may still be retrying against a broker that is down, and what it does
   * later no longer concerns this collector.
   */
  discard(): void {
    if (this.lingerTimer !== undefined) clearTimeout(this.lingerTimer);
    this.lingerTimer = undefined;
    this.inFlight = undefined;
    this.epoch++;
    this.buffer = [];
    this.bufferedBytes = 0;
    this.partitionBytes.clear();
    this.failure = undefined;
    this.held = undefined;
    this.heldBytes = 0;
    this.heldHasAsync = false;
  }

  private startSend(): void {
    if (this.lingerTimer !== undefined) {
      clearTimeout(this.lingerTimer);
      this.lingerTimer = undefined;
    }
    // One send at a time: the buffer keeps growing and goes out when this one is acknowledged.
    if (this.inFlight !== undefined || this.buffer.length === 0 || this.failure !== undefined) return;
    // At most maxRecordsPerSend per request: kafkajs's cost per send grows faster than linearly
    // with its size (seen: 1.4 s for 40k records, 20 s for 80k), and a send longer than the session
    // or transaction timeout would evict the member or expire the transaction. The rest goes next.
    let batch: Pending[];
    const hasAsync = this.hasAsync;
    if (this.buffer.length <= this.maxRecordsPerSend) {
      batch = this.buffer;
      this.buffer = [];
      this.bufferedBytes = 0;
      this.hasAsync = false;
    } else {
      batch = this.buffer.slice(0, this.maxRecordsPerSend);
      this.buffer = this.buffer.slice(this.maxRecordsPerSend);
      let sent = 0;
      for (const p of batch) sent += p.size;
      this.bufferedBytes -= sent;
    }
    this.partitionBytes.clear();
    const epoch = this.epoch;
    this.inFlight = this.sendBatch(batch, hasAsync)
      .catch((err: unknown) => {
        if (epoch !== this.epoch) return;
        const error = err instanceof Error ? err : new Error(String(err));
        this.failure = error;
        this.options.onSendError(error);
      })
      .finally(() => {
        if (epoch !== this.epoch) return;
        this.inFlight = undefined;
        if (this.buffer.length > 0 && this.failure === undefined) this.startSend();
      });
  }

  private async sendBatch(pending: Pending[], hasAsync: boolean): Promise<void> {
    const batch = hasAsync || pending.some((p) => p.partition === undefined) ? await this.resolve(pending) : pending;
    const records: OutgoingRecord[] = new Array(batch.length);
    const limitOf = this.options.maxRequestBytes;
    let maxRequestBytes = DEFAULT_MAX_REQUEST_BYTES;
    let lastTopic: string | undefined;
    for (let i = 0; i < batch.length; i++) {
      const p = batch[i]!;
      if (p.topic !== lastTopic && limitOf !== undefined) {
        lastTopic = p.topic;
        maxRequestBytes = Math.min(maxRequestBytes, limitOf(p.topic));
      }
      records[i] = {
        topic: p.topic,
        partition: p.partition!,
        key: p.key as Buffer | null,
        value: p.value as Buffer | null,
        timestamp: p.timestamp,
        headers: p.headers,
      };
    }
    const epoch = this.epoch;
    const written = await this.options.sender(records, maxRequestBytes);
    this.sentCount += records.length;
    if (written === undefined || epoch !== this.epoch) return;
    for (const [key, offset] of written) {
      const last = BigInt(offset);
      const known = this.written.get(key);
      if (known === undefined || last > known) this.written.set(key, last);
    }
  }

  /**
   * The offset of the last record of `topic`-`partition` this collector sent and the broker
   * acknowledged, if any since `forgetWritten`. What a store's checkpoint is made from: the store
   * holds its changelog up to there.
   */
  writtenOffset(topic: string, partition: number): bigint | undefined {
    return this.written.get(`${topic}:${partition}`);
  }

  /** Forgets what was written to these partitions (a task opened again starts from its restore). */
  forgetWritten(partitions: readonly { topic: string; partition: number }[]): void {
    for (const p of partitions) this.written.delete(`${p.topic}:${p.partition}`);
  }

  /**
   * Finishes async serialization (leaving out the records whose serialization failed and was
   * handled) and partitions records of topics whose partition count was unknown. A serialization
   * failure under the 'fail' handler rejects, failing the send.
   */
  private async resolve(all: Pending[]): Promise<Pending[]> {
    let skipped = false;
    for (const p of all) {
      if (p.key instanceof Promise) p.key = await p.key;
      if (p.value instanceof Promise) p.value = await p.value;
      if (p.key === SKIPPED_RECORD || p.value === SKIPPED_RECORD) skipped = true;
    }
    const batch = skipped ? all.filter((p) => p.key !== SKIPPED_RECORD && p.value !== SKIPPED_RECORD) : all;
    const unknown = [...new Set(batch.filter((p) => this.options.partitionCount(p.topic) === undefined).map((p) => p.topic))];
    const fetched = unknown.length > 0 ? await this.options.fetchPartitionCounts(unknown) : new Map<string, number>();
    for (const p of batch) {
      if (p.partition !== undefined && !(p.partition < 0)) {
        // Explicit partitions were chosen up front only when the count was known: check them now.
        const count = this.options.partitionCount(p.topic) ?? fetched.get(p.topic);
        if (count !== undefined && p.partition >= count) {
          p.partition = choosePartition(p.partition, p.partitioner, { topic: p.topic, key: null, value: null, partitionCount: count });
        }
        continue;
      }
      const count = this.options.partitionCount(p.topic) ?? fetched.get(p.topic);
      if (count === undefined) throw new Error(`topic '${p.topic}' does not exist: create it before writing to it`);
      p.partition = choosePartition(undefined, p.partitioner, {
        topic: p.topic,
        key: p.key as Buffer | null,
        value: p.value as Buffer | null,
        partitionCount: count,
      });
    }
    return batch;
  }
}
