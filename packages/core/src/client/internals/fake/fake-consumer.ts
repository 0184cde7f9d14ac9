import type {
  BatchControl,
  ConsumerGroupEvents,
  ConsumerOptions,
  ConsumerPort,
  FetchedBatch,
  FetchedRecord,
  TopicPartition,
  TopicPartitionOffset,
} from '../kafka-port.js';
import type { FakeCluster } from './fake-cluster.js';
import { KafkaJSNonRetriableError, KafkaJSNumberOfRetriesExceeded, protocolError } from './fake-errors.js';
import { FakeSignal } from './fake-signal.js';

type BatchHandler = (batch: FetchedBatch, control: BatchControl) => Promise<void>;

/** A fetched batch with what the loop needs to move past it. */
interface FakeFetch extends FetchedBatch {
  /** The last offset the fetch covered, markers and filtered records included. */
  readonly lastOffset: number;
}

/** kafkajs's retrier gives up at once on these: programming errors, not broker trouble. */
const UNRECOVERABLE = new Set(['RangeError', 'ReferenceError', 'SyntaxError', 'TypeError']);

let memberSeq = 0;

/**
 * A group consumer on the fake cluster, behaving as kafkajs's does behind the port:
 * - `run` resolves once the first join is done (or failed, reported as a crash); a loop then fetches
 *   batches of the assigned, unpaused partitions, one partition's records per batch, in offset order;
 * - after a join every partition starts at the group's committed offset, else earliest or latest
 *   (kafkajs starts a new offset manager per generation), read when first fetched;
 * - the position moves past a batch only if it is not stale (as the adapter resolves it); batches
 *   that only held markers or aborted records skip the handler but still report `onBatchEnd`;
 * - it heartbeats after each batch and after an empty fetch: REBALANCE_IN_PROGRESS,
 *   ILLEGAL_GENERATION or NOT_COORDINATOR_FOR_GROUP (from there or thrown by the handler) emit
 *   `onRebalancing` and re-join; UNKNOWN_MEMBER_ID re-joins as a new member; any other error is a
 *   crash: `onCrash(error, restart)`, the member leaves, and if the error was retriable it restarts
 *   after `restartDelayMs` (kafkajs retries first; the fake gives up at once, so each failed attempt
 *   is one crash);
 * - with nothing to fetch it sleeps until an append or a group change wakes it, at most
 *   `maxIdleWaitMs`; `disconnect` waits for the batch in hand, leaves the group and leaves no timer.
 */
export class FakeConsumer implements ConsumerPort {
  private connected = false;
  private topics: readonly string[] = [];
  private running = false;
  private loopDone: Promise<void> | undefined;
  private mustJoin = true;
  private joining = false;
  private member: string | undefined;
  private generation = -1;
  private assignment: TopicPartition[] = [];
  private assignmentEpoch = 0;
  private readonly positions = new Map<string, number>();
  private readonly seekCounts = new Map<string, number>();
  private readonly paused = new Set<string>();
  /** Wakes this consumer's own waits (the restart delay) on disconnect. */
  private readonly wake = new FakeSignal();

  constructor(
    private readonly cluster: FakeCluster,
    /** The options the consumer was made with. */
    readonly options: ConsumerOptions,
    /** The consumer's client id, e.g. `consumer-2`; member ids start with it. */
    readonly clientId: string,
  ) {}

  /** The group id. */
  get groupId(): string {
    return this.options.groupId;
  }

  /** The member id of the current membership, if any (what `cluster.evict` takes). */
  get memberId(): string | undefined {
    return this.member;
  }

  /** The partitions of the current assignment. */
  get assigned(): readonly TopicPartition[] {
    return this.assignment;
  }

  /** True while the fetch loop runs. */
  get isRunning(): boolean {
    return this.running;
  }

  /** Connects to the cluster. */
  async connect(): Promise<void> {
    await this.cluster.call('connect', { groupId: this.groupId }, () => {
      this.connected = true;
    });
  }

  /** Subscribes to these topics; they must exist (topic auto-creation is off, as Rivulet sets it). */
  async subscribe(topics: readonly string[]): Promise<void> {
    await this.cluster.call('subscribe', { topics, groupId: this.groupId }, () => {
      const counts = this.cluster.partitionCounts(topics);
      if (topics.some((t) => !counts.has(t))) {
        throw new KafkaJSNumberOfRetriesExceeded(protocolError('UNKNOWN_TOPIC_OR_PARTITION'), { retryCount: 5, retryTime: 0 });
      }
      this.topics = [...new Set([...this.topics, ...topics])];
    });
  }

  /** Joins the group and starts the fetch loop; resolves after the first join attempt. */
  async run(onBatch: BatchHandler, events: ConsumerGroupEvents): Promise<void> {
    if (this.running) throw new KafkaJSNonRetriableError('The consumer is already running');
    if (!this.connected) await this.connect();
    this.running = true;
    this.mustJoin = true;
    this.onHeartbeat = events.onHeartbeat;
    let firstAttempt!: () => void;
    const ready = new Promise<void>((resolve) => (firstAttempt = resolve));
    this.loopDone = this.loop(onBatch, events, firstAttempt);
    await ready;
  }

  /** Commits offsets for the current generation. */
  async commitOffsets(offsets: readonly TopicPartitionOffset[]): Promise<void> {
    if (offsets.length === 0) return;
    await this.cluster.call('commitOffsets', { topics: offsets.map((o) => o.topic), groupId: this.groupId }, () =>
      this.cluster.group(this.groupId).commit(this.member, this.generation, offsets),
    );
  }

  /** Moves the partition's position; batches of it in hand become stale. */
  seek(offset: TopicPartitionOffset): void {
    const key = `${offset.topic}:${offset.partition}`;
    this.positions.set(key, Number(offset.offset));
    this.seekCounts.set(key, (this.seekCounts.get(key) ?? 0) + 1);
    this.cluster.signal.notify();
  }

  /** Stops fetching these partitions. */
  pause(partitions: readonly TopicPartition[]): void {
    for (const p of partitions) this.paused.add(`${p.topic}:${p.partition}`);
  }

  /** Fetches these partitions again. */
  resume(partitions: readonly TopicPartition[]): void {
    for (const p of partitions) this.paused.delete(`${p.topic}:${p.partition}`);
    this.cluster.signal.notify();
  }

  /** Stops the loop (after the batch in hand), leaves the group and closes. */
  async disconnect(): Promise<void> {
    const wasRunning = this.running;
    this.running = false;
    // A join waiting for the rest of the group would hold the loop: leaving ends it.
    if (this.joining) this.leaveGroup();
    this.wake.notify();
    this.cluster.signal.notify();
    if (wasRunning) await this.loopDone;
    this.leaveGroup();
    this.connected = false;
  }

  private async loop(onBatch: BatchHandler, events: ConsumerGroupEvents, firstAttempt: () => void): Promise<void> {
    try {
      while (this.running) {
        try {
          if (this.mustJoin) {
            await this.join(events);
            firstAttempt();
          } else {
            await this.fetchRound(onBatch, events);
          }
        } catch (err) {
          if (!this.running) break;
          const error = err instanceof Error ? err : new Error(String(err));
          const type = (error as { type?: string }).type;
          if (type === 'REBALANCE_IN_PROGRESS' || type === 'ILLEGAL_GENERATION' || type === 'NOT_COORDINATOR_FOR_GROUP') {
            this.mustJoin = true;
            notify(() => events.onRebalancing());
            continue;
          }
          if (type === 'UNKNOWN_MEMBER_ID') {
            this.member = undefined;
            this.mustJoin = true;
            continue;
          }
          const restart = await this.crash(error, events);
          firstAttempt();
          if (!restart) break;
        }
      }
    } finally {
      this.running = false;
      firstAttempt();
    }
  }

  /** As kafkajs's onCrash: leave, report, and wait before the restart if the error was retriable. */
  private async crash(error: Error, events: ConsumerGroupEvents): Promise<boolean> {
    // kafkajs restarts after its retrier gave up on a retriable error, not after any other.
    const retriable =
      error instanceof KafkaJSNumberOfRetriesExceeded || ((error as { retriable?: boolean }).retriable !== false && !UNRECOVERABLE.has(error.name));
    const reported =
      error instanceof KafkaJSNumberOfRetriesExceeded
        ? error
        : retriable
          ? new KafkaJSNumberOfRetriesExceeded(error, { retryCount: 0, retryTime: this.cluster.options.restartDelayMs })
          : new KafkaJSNonRetriableError(error.message, { cause: error });
    this.leaveGroup();
    this.mustJoin = true;
    notify(() => events.onCrash(reported, retriable));
    if (retriable && this.running) await this.wake.wait(this.cluster.options.restartDelayMs);
    return retriable;
  }

  private async join(events: ConsumerGroupEvents): Promise<void> {
    const started = Date.now();
    const group = this.cluster.group(this.groupId);
    this.member ??= `${this.clientId}-${++memberSeq}`;
    const request = { memberId: this.member, topics: this.topics, assignor: this.options.assignor, rebalanceTimeoutMs: this.options.rebalanceTimeoutMs };
    this.joining = true;
    let result;
    try {
      result = await this.cluster.call('join', { topics: this.topics, groupId: this.groupId }, () => group.join(request));
    } finally {
      this.joining = false;
    }
    if (!this.running) return;
    this.member = result.memberId;
    this.generation = result.generation;
    this.assignment = result.assignment;
    this.assignmentEpoch++;
    // A new generation starts from the committed offsets, as kafkajs's new offset manager does.
    this.positions.clear();
    this.mustJoin = false;
    notify(() =>
      events.onGroupJoin([...result.assignment], {
        memberId: result.memberId,
        isLeader: result.isLeader,
        durationMs: Date.now() - started,
        ...(result.userData !== undefined ? { userData: result.userData } : {}),
      }),
    );
  }

  private async fetchRound(onBatch: BatchHandler, events: ConsumerGroupEvents): Promise<void> {
    const batches = await this.cluster.call('fetch', { topics: this.topics, groupId: this.groupId }, () => this.fetch());
    if (batches.length === 0) {
      // kafkajs heartbeats after an empty fetch: that is how an idle member learns of a rebalance.
      await this.heartbeat();
      if (this.running && !this.mustJoin) await this.cluster.signal.wait(Math.min(this.options.maxWaitTimeMs, this.cluster.options.maxIdleWaitMs));
      return;
    }
    for (const batch of batches) {
      if (!this.running || this.mustJoin) return;
      await this.handle(batch, onBatch, events);
    }
  }

  private fetch(): FakeFetch[] {
    const group = this.cluster.group(this.groupId);
    const batches: FakeFetch[] = [];
    let bytes = 0;
    for (const { topic, partition } of this.assignment) {
      const key = `${topic}:${partition}`;
      const log = this.cluster.log(topic, partition);
      if (log === undefined || this.paused.has(key)) continue;
      let position = this.positions.get(key);
      if (position === undefined) {
        const committed = group.committed.get(key);
        position = committed !== undefined ? Number(committed) : this.options.fromBeginning ? log.lowWatermark : log.highWatermark;
        this.positions.set(key, position);
      }
      const read = log.read(position, this.options.readCommitted, this.options.maxBytesPerPartition);
      if (read.lastOffset < position) continue;
      batches.push({ topic, partition, records: read.records, highWatermark: String(log.highWatermark), lastOffset: read.lastOffset });
      for (const r of read.records) bytes += (r.key?.length ?? 0) + (r.value?.length ?? 0);
      if (bytes >= this.options.maxBytes) break;
    }
    return batches;
  }

  private async handle(batch: FakeFetch, onBatch: BatchHandler, events: ConsumerGroupEvents): Promise<void> {
    const { topic, partition, lastOffset } = batch;
    const key = `${topic}:${partition}`;
    const seeks = this.seekCounts.get(key) ?? 0;
    const epoch = this.assignmentEpoch;
    const isStale = (): boolean => !this.running || this.assignmentEpoch !== epoch || (this.seekCounts.get(key) ?? 0) !== seeks;
    if (batch.records.length > 0) {
      const records: readonly FetchedRecord[] = batch.records;
      await onBatch({ topic, partition, records, highWatermark: batch.highWatermark }, { heartbeat: () => this.heartbeat(), isStale });
    }
    // The adapter resolves the batch's last offset (markers and aborted records included) unless stale.
    if (!isStale()) this.positions.set(key, lastOffset + 1);
    const onBatchEnd = events.onBatchEnd;
    if (onBatchEnd !== undefined) notify(() => onBatchEnd(topic, partition, String(lastOffset)));
    await this.heartbeat();
  }

  private async heartbeat(): Promise<void> {
    if (!this.running) return;
    await this.cluster.call('heartbeat', { groupId: this.groupId }, () => this.cluster.group(this.groupId).heartbeat(this.member, this.generation));
    // As kafkajs's HEARTBEAT event.
    notify(() => this.onHeartbeat?.());
  }

  /** The run's heartbeat listener (ConsumerGroupEvents.onHeartbeat). */
  private onHeartbeat: (() => void) | undefined;

  private leaveGroup(): void {
    if (this.member !== undefined) this.cluster.group(this.groupId).leave(this.member);
    this.member = undefined;
    this.assignment = [];
    this.assignmentEpoch++;
  }
}

/** Calls an event listener as kafkajs does: not awaited, its errors do not reach the loop. */
function notify(listener: () => void): void {
  try {
    listener();
  } catch {
    // kafkajs logs a failing listener and goes on.
  }
}
