import type { FetchedBatch, FetchedRecord, TopicPartition } from '../../../client/internals/kafka-port.js';
import { DecodeFailure, SKIPPED, type DecodedBatch, type StreamTask } from './stream-task.js';

/**
 * Records buffered per partition above which the partition is paused: Kafka Streams'
 * `buffered.records.per.partition` default. A soft bound: a fetched batch is always taken whole.
 */
export const MAX_BUFFERED_RECORDS_PER_PARTITION = 1000;

/** What a partition group needs of its task. */
export type GroupedTask = Pick<StreamTask, 'id' | 'decode' | 'processRange' | 'nextOffset' | 'noteTaken'>;

/** A wait for an empty partition that ended by its bound: the task went on without that partition. */
export interface EnforcedProcessing {
  /** The task that went on. */
  readonly taskId: string;
  /** The partition it stopped waiting for. */
  readonly topic: string;
  readonly partition: number;
  /** How long the task waited, in ms. */
  readonly waitedMs: number;
  /**
   * `'lag'`: the broker has records of the partition (its end offset is past the consumer's
   * position) that did not arrive within `maxLagWaitMs`; `'idle'`: `maxTaskIdleMs` passed and no
   * records of it were known.
   */
  readonly reason: 'lag' | 'idle';
}

/** Options of a {@link PartitionGroup}. */
export interface PartitionGroupOptions {
  /**
   * The app's `maxTaskIdleMs`: `-1` never waits for an empty partition, `0` waits only while the
   * partition is known to have more records on the broker, more waits that long in any case.
   */
  readonly maxTaskIdleMs: number;
  /** How long to wait for records the broker has but that do not arrive (see docs/concepts.md). */
  readonly maxLagWaitMs: number;
  /** Records per partition above which it is paused; default {@link MAX_BUFFERED_RECORDS_PER_PARTITION}. */
  readonly maxBufferedRecords?: number;
  /** `consumer.autoOffsetReset` is earliest (the default): a partition with no committed offset is read from its start. */
  readonly fromBeginning?: boolean;
  /** True when the partitions' end offsets will be given (setEndOffsets): until then they count as having records to wait for. */
  readonly awaitEndOffsets?: boolean;
  /** Stops fetching a partition whose buffer is full. */
  readonly pause?: (partition: TopicPartition) => void;
  /** Fetches a paused partition again. */
  readonly resume?: (partition: TopicPartition) => void;
  /** Hears each wait ended by its bound, once per wait. */
  readonly onEnforced?: (event: EnforcedProcessing) => void;
}

/** A fetched batch's records and their decoded entries, taken from `pos` on. */
interface Chunk {
  readonly records: readonly FetchedRecord[];
  readonly decoded: DecodedBatch;
  pos: number;
}

/** The records of one partition buffered by the group, in offset order: Kafka Streams' RecordQueue. */
class RecordQueue {
  readonly chunks: Chunk[] = [];
  /** Entries buffered and not yet taken (records, and records the deserialization handler dropped). */
  size = 0;
  /** The offset after the last record buffered: records before it that come again (a re-fetch after a rebalance) are skipped. */
  bufferedEnd: bigint | undefined;
  /** The offset after the last offset the consumer covered (records, transaction markers, aborted records). */
  seenEnd = -1n;
  /** The partition's end offset as last known (the fetch's high watermark, or read when the task opened). */
  highWatermark: bigint | undefined;
  /** Its earliest offset, read when the task opened. */
  low: bigint | undefined;
  /** Until the end offsets read when the task opened arrive, the partition may have records to wait for. */
  endsPending: boolean;
  /** The newest timestamp buffered: the partition time timestamp extractors see at decode. */
  newestTime = -1;
  paused = false;
  /** Since when the task has had records to process while this partition had none, and whether records of it were known then. */
  waitingSince: number | undefined;
  waitingForLag = false;
  /** The current wait ended by its bound (counted once). */
  enforced = false;

  constructor(
    readonly topic: string,
    readonly partition: number,
    endsPending: boolean,
  ) {
    this.endsPending = endsPending;
  }
}

/**
 * The input buffers of a task with several input partitions (a join, a merge), as Kafka Streams'
 * PartitionGroup: fetched batches are decoded and buffered per partition, and the task processes
 * the buffered record with the lowest timestamp next, so that a table read beside a stream is up to
 * date in event time when the stream's records join it.
 *
 * The task processes while it is processable: every partition has buffered records, or each empty
 * one may be done without. An empty partition is waited for while the consumer knows it has more
 * records (its end offset is past the consumer's position; at most `maxLagWaitMs`), and for
 * `maxTaskIdleMs` when that is more than 0. A wait that ends by its bound is enforced processing:
 * counted and reported through `onEnforced`. A partition whose buffer holds more than
 * `maxBufferedRecords` is paused until it drains.
 *
 * Waiting never blocks: `add` buffers and returns, `process` takes what may be taken and returns,
 * and is called again with the next batch or by the app's timer.
 */
export class PartitionGroup {
  private readonly queues: RecordQueue[] = [];
  private readonly maxBuffered: number;
  /** Entries buffered across the partitions. */
  private buffered = 0;
  /** Waits that ended by their bound since the group was made. */
  enforcedProcessing = 0;

  constructor(
    private readonly task: GroupedTask,
    partitions: readonly TopicPartition[],
    private readonly options: PartitionGroupOptions,
  ) {
    this.maxBuffered = options.maxBufferedRecords ?? MAX_BUFFERED_RECORDS_PER_PARTITION;
    for (const p of partitions) this.queues.push(new RecordQueue(p.topic, p.partition, options.awaitEndOffsets === true));
  }

  /** Entries buffered and not processed yet, across the partitions. */
  get bufferedRecords(): number {
    return this.buffered;
  }

  /** Entries buffered for one partition. */
  bufferedOf(topic: string): number {
    return this.queueOf(topic)?.size ?? 0;
  }

  /** True while the partition is paused because its buffer is full. */
  isPaused(topic: string): boolean {
    return this.queueOf(topic)?.paused ?? false;
  }

  /**
   * The earliest and end offsets of a partition, read when the task opened: with them the group
   * knows from the start whether an empty partition has records to wait for. `undefined`: they could
   * not be read; the partition's lag is then known only from its fetches.
   */
  setEndOffsets(topic: string, range: { readonly low: string; readonly high: string } | undefined): void {
    const q = this.queueOf(topic);
    if (q === undefined) return;
    q.endsPending = false;
    if (range === undefined) return;
    q.low = BigInt(range.low);
    const high = BigInt(range.high);
    if (q.highWatermark === undefined || high > q.highWatermark) q.highWatermark = high;
  }

  /** The consumer covered a partition up to `lastOffset` (records, transaction markers and aborted records alike). */
  batchEnded(topic: string, lastOffset: string): void {
    const q = this.queueOf(topic);
    if (q === undefined) return;
    const end = BigInt(lastOffset) + 1n;
    if (end > q.seenEnd) q.seenEnd = end;
  }

  /**
   * Decodes a fetched batch and buffers its records; nothing is processed. A deserialization
   * failure under the 'fail' handler is buffered as a failure entry, thrown when it reaches the
   * head of its partition. Returns a promise only when a serde is asynchronous.
   */
  add(batch: FetchedBatch): void | Promise<void> {
    const q = this.queueOf(batch.topic) ?? this.addQueue(batch.topic, batch.partition);
    const high = BigInt(batch.highWatermark);
    if (q.highWatermark === undefined || high > q.highWatermark) q.highWatermark = high;
    if (batch.records.length === 0) return;
    const decoded = this.task.decode(batch, q.bufferedEnd, q.newestTime);
    if (decoded instanceof Promise) return decoded.then((d) => this.enqueue(q, batch.records, d));
    this.enqueue(q, batch.records, decoded);
  }

  /**
   * Processes buffered records, lowest timestamp first, while the task is processable; returns how
   * many entries it took (records processed, or dropped by the deserialization handler). Throws what
   * processing throws; the task is closed then, and the group with it.
   */
  process(now: number): number {
    let taken = 0;
    for (;;) {
      let best: RecordQueue | undefined;
      let bestTime = Infinity;
      let second = Infinity;
      for (const q of this.queues) {
        if (q.size === 0) continue;
        const t = headTime(q);
        if (Number.isNaN(t)) {
          // Only records the deserialization handler dropped: done at once, their offsets move.
          taken += this.takeDropped(q);
          continue;
        }
        if (t < bestTime) {
          second = bestTime;
          bestTime = t;
          best = q;
        } else if (t < second) second = t;
      }
      if (best === undefined) return taken;
      // A failure at a partition's head is thrown at once, whatever the other partitions hold.
      if (bestTime !== -Infinity && !this.ready(now)) return taken;
      taken += this.takeRun(best, second);
    }
  }

  /** Drops every buffered record (they come again from the consumer) and resumes paused partitions. */
  clear(): void {
    for (const q of this.queues) {
      q.chunks.length = 0;
      q.size = 0;
      q.bufferedEnd = undefined;
      q.waitingSince = undefined;
      q.enforced = false;
      this.resumeQueue(q);
    }
    this.buffered = 0;
  }

  /** The task closes: its buffered records are dropped (none was committed) and its paused partitions resumed. */
  close(): void {
    this.clear();
  }

  private queueOf(topic: string): RecordQueue | undefined {
    const queues = this.queues;
    for (let i = 0; i < queues.length; i++) if (queues[i]!.topic === topic) return queues[i];
    return undefined;
  }

  /** A partition the task was not told of (a topic that grew after start): buffered like the others. */
  private addQueue(topic: string, partition: number): RecordQueue {
    const q = new RecordQueue(topic, partition, false);
    this.queues.push(q);
    return q;
  }

  private enqueue(q: RecordQueue, records: readonly FetchedRecord[], decoded: DecodedBatch): void {
    // Records already processed or buffered are SKIPPED, and only at the start of a batch.
    let start = 0;
    while (start < decoded.length && decoded[start] === SKIPPED) start++;
    if (start === decoded.length) return;
    let newest = q.newestTime;
    for (let i = start; i < decoded.length; i++) {
      const d = decoded[i];
      if (d !== undefined && d !== null && !(d instanceof DecodeFailure) && d.timestamp > newest) newest = d.timestamp;
    }
    q.newestTime = newest;
    this.task.noteTaken(q.topic, records[start]!.offset);
    q.chunks.push({ records, decoded, pos: start });
    const n = decoded.length - start;
    q.size += n;
    this.buffered += n;
    // A failure entry ends the decoded part of a batch: what follows it is not buffered (the
    // failure stops the task when it reaches the head).
    q.bufferedEnd = BigInt(records[decoded.length - 1]!.offset) + 1n;
    q.waitingSince = undefined;
    q.enforced = false;
    if (q.size > this.maxBuffered) {
      // Every time, not once: a consumer that restarted forgot its paused partitions.
      q.paused = true;
      this.options.pause?.({ topic: q.topic, partition: q.partition });
    }
  }

  /**
   * Processable: no empty partition must be waited for. Also starts and ends the waits, and
   * reports those that end by their bound.
   */
  private ready(now: number): boolean {
    const { maxTaskIdleMs } = this.options;
    if (maxTaskIdleMs < 0) return true;
    let ready = true;
    let enforced: RecordQueue[] | undefined;
    for (const q of this.queues) {
      if (q.size > 0) continue;
      const lagging = this.lagging(q);
      if (q.waitingSince === undefined || lagging !== q.waitingForLag) {
        q.waitingSince = now;
        q.waitingForLag = lagging;
        q.enforced = false;
      }
      if (!lagging && maxTaskIdleMs === 0) continue;
      const bound = lagging ? this.options.maxLagWaitMs : maxTaskIdleMs;
      if (now - q.waitingSince < bound) ready = false;
      else if (!q.enforced) (enforced ??= []).push(q);
    }
    if (ready && enforced !== undefined) {
      for (const q of enforced) {
        q.enforced = true;
        this.enforcedProcessing++;
        this.options.onEnforced?.({
          taskId: this.task.id,
          topic: q.topic,
          partition: q.partition,
          waitedMs: now - q.waitingSince!,
          reason: q.waitingForLag ? 'lag' : 'idle',
        });
      }
    }
    return ready;
  }

  /** True when the consumer knows the partition has records past its position (or may, until its end offsets are read). */
  private lagging(q: RecordQueue): boolean {
    if (q.highWatermark === undefined) return q.endsPending;
    let position = q.seenEnd;
    if (q.bufferedEnd !== undefined && q.bufferedEnd > position) position = q.bufferedEnd;
    const next = this.task.nextOffset(q.topic);
    if (next !== undefined) {
      const n = BigInt(next);
      if (n > position) position = n;
    } else if (position < 0n && q.low !== undefined) {
      // Nothing committed or fetched yet: the consumer starts at the log's start or end.
      position = this.options.fromBeginning === false ? q.highWatermark : q.low;
    }
    return q.highWatermark > position;
  }

  /**
   * Processes the head of `q` on, while its records are no later than `limit` (the head of the
   * next partition) and within one fetched batch; returns the entries taken.
   */
  private takeRun(q: RecordQueue, limit: number): number {
    const chunk = q.chunks[0]!;
    const decoded = chunk.decoded;
    const from = chunk.pos;
    let end = from;
    while (end < decoded.length) {
      const d = decoded[end];
      if (d instanceof DecodeFailure) {
        end++;
        break;
      }
      if (d !== undefined && d !== null && d.timestamp > limit) break;
      end++;
    }
    this.task.processRange(q.topic, q.partition, chunk.records, decoded, from, end);
    this.taken(q, chunk, end);
    return end - from;
  }

  /** Takes a partition's entries when all are records the deserialization handler dropped. */
  private takeDropped(q: RecordQueue): number {
    let taken = 0;
    while (q.chunks.length > 0) {
      const chunk = q.chunks[0]!;
      const from = chunk.pos;
      const end = chunk.decoded.length;
      this.task.processRange(q.topic, q.partition, chunk.records, chunk.decoded, from, end);
      this.taken(q, chunk, end);
      taken += end - from;
    }
    return taken;
  }

  private taken(q: RecordQueue, chunk: Chunk, end: number): void {
    const n = end - chunk.pos;
    chunk.pos = end;
    if (end >= chunk.decoded.length) q.chunks.shift();
    q.size -= n;
    this.buffered -= n;
    if (q.paused && q.size <= this.maxBuffered) this.resumeQueue(q);
  }

  private resumeQueue(q: RecordQueue): void {
    if (!q.paused) return;
    q.paused = false;
    this.options.resume?.({ topic: q.topic, partition: q.partition });
  }
}

/**
 * The timestamp of a partition's next record: -Infinity for a deserialization failure (thrown next),
 * NaN when only records the deserialization handler dropped are left.
 */
function headTime(q: RecordQueue): number {
  for (const chunk of q.chunks) {
    const decoded = chunk.decoded;
    for (let i = chunk.pos; i < decoded.length; i++) {
      const d = decoded[i];
      if (d === undefined || d === null) continue;
      return d instanceof DecodeFailure ? -Infinity : d.timestamp;
    }
  }
  return NaN;
}
