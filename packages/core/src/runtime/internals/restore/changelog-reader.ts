import { randomBytes } from 'node:crypto';
import type { AdminPort, ConsumerPort, FetchedRecord, KafkaClientPort } from '../../../client/internals/kafka-port.js';
import type { StateRestoreListener } from '../../../config/state-restore-listener.js';
import { StreamsError } from '../../../errors/streams-error.js';
import type { ConsumerSettings } from '../client-options.js';

/** One changelog partition to restore into one store, from an offset (a checkpoint) or from the start. */
export interface RestoreRequest {
  /** The task the store belongs to. */
  readonly taskId: string;
  /** The store's name, for the restore listener. */
  readonly storeName: string;
  readonly topic: string;
  readonly partition: number;
  /** The first offset to read; undefined: from the earliest offset. */
  readonly from: string | undefined;
  /** Applies a batch of changelog records to the store (puts, and deletes for null values). */
  apply(records: readonly FetchedRecord[]): void;
  /**
   * Empties the store: its checkpoint is past the changelog's end (the topic was deleted and made
   * again), so its data is of unknown position and it is restored from the beginning.
   */
  reset(): Promise<void>;
}

/** What a restore reports to the task manager. */
export interface RestoreEvents {
  /**
   * Every changelog partition of this task has reached the end offset it had when the restore
   * began: `positions` holds, per `topic:partition`, the offset the store now holds the changelog to.
   */
  onTaskRestored(taskId: string, positions: ReadonlyMap<string, bigint>): void;
  /** The restore failed (a broker down, or no progress for `stallMs`): every task not yet restored fails with it. */
  onFailed(taskIds: readonly string[], error: Error): void;
}

/** Options of a {@link ChangelogRestore}. */
export interface ChangelogRestoreOptions {
  readonly client: KafkaClientPort;
  readonly admin: AdminPort;
  readonly applicationId: string;
  readonly settings: ConsumerSettings;
  /** A restore that makes no progress for this long fails (retriable): the tasks are retried, bounded by taskTimeoutMs. */
  readonly stallMs: number;
  readonly listener: StateRestoreListener | undefined;
  readonly events: RestoreEvents;
  readonly log: (message: string) => void;
}

interface PendingPartition {
  readonly req: RestoreRequest;
  readonly start: bigint;
  readonly end: bigint;
  /**
   * The next offset to apply. Only records at or after it are applied: a restore consumer that
   * re-joins its group is sought back to `start` and fetches again what it already applied (and a
   * batch fetched before the seek may still arrive); applying those again would rewind the store to
   * an older value, which the end of a later batch could then declare restored.
   */
  next: bigint;
  restored: number;
}

/**
 * Restores stores from their changelog partitions in the background, while the app's other tasks
 * process (issue 12, problem 4). kafkajs has no `assign()`, so the reader is a consumer of a
 * throwaway group that reads the changelog topics, applies only the requested partitions, and
 * stops at the end offset each had when the restore began. It reads with read_committed, so under
 * exactly-once a store holds only writes whose transaction committed. Each task is reported ready
 * as soon as its own partitions are done. There is no global time limit: a restore fails when it
 * makes no progress for `stallMs`, and the task manager retries it within the task's deadline.
 */
export class ChangelogRestore {
  private readonly pending = new Map<string, PendingPartition>();
  /** Per task: the keys of its partitions still to read, and the positions reached. */
  private readonly tasks = new Map<string, { remaining: Set<string>; positions: Map<string, bigint> }>();
  private consumer: ConsumerPort | undefined;
  private stopped = false;
  private lastProgress = Date.now();
  private watchdog: NodeJS.Timeout | undefined;
  /** Records applied, for the log line at the end. */
  records = 0;
  private readonly started = Date.now();

  constructor(
    private readonly options: ChangelogRestoreOptions,
    private readonly requests: readonly RestoreRequest[],
  ) {
    for (const req of requests) {
      let t = this.tasks.get(req.taskId);
      if (t === undefined) this.tasks.set(req.taskId, (t = { remaining: new Set(), positions: new Map() }));
      t.remaining.add(key(req));
    }
  }

  /** The ids of the tasks this restore is for and has not finished or dropped yet. */
  taskIds(): string[] {
    return [...this.tasks.keys()];
  }

  /** Starts reading in the background; progress and the end come through the events. */
  start(): void {
    void this.run().catch((err: unknown) => this.fail(err instanceof Error ? err : new Error(String(err))));
  }

  /** Stops restoring a task (it was closed): its partitions are no longer waited for. */
  cancel(taskId: string): void {
    const t = this.tasks.get(taskId);
    if (t === undefined) return;
    this.tasks.delete(taskId);
    for (const k of t.remaining) this.pending.delete(k);
    if (this.tasks.size === 0) void this.stop();
  }

  /** Stops the reader. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.watchdog);
    await this.consumer?.disconnect().catch(() => undefined);
  }

  private async run(): Promise<void> {
    const { admin, listener } = this.options;
    const ranges = new Map<string, Awaited<ReturnType<AdminPort['offsetRange']>>>();
    for (const req of this.requests) {
      if (this.stopped || !this.tasks.has(req.taskId)) continue;
      let range = ranges.get(req.topic);
      if (range === undefined) ranges.set(req.topic, (range = await admin.offsetRange(req.topic)));
      const r = range.get(req.partition);
      const low = BigInt(r?.low ?? '0');
      const end = BigInt(r?.high ?? '0');
      let start = req.from === undefined ? low : BigInt(req.from);
      if (start > end) {
        // The checkpoint claims more than the changelog holds: the topic is not the one the store
        // was restored from. Its data cannot be trusted: start over from the beginning.
        this.options.log(`store '${req.storeName}' of task ${req.taskId}: its checkpoint (${start}) is past the end of ${req.topic}-${req.partition} (${end}); restoring it from the beginning`);
        await req.reset();
        start = low;
      }
      if (start < low) start = low;
      this.notify(() => listener?.onRestoreStart?.({ topic: req.topic, partition: req.partition }, req.storeName, start.toString(), end.toString()));
      if (start < end) this.pending.set(key(req), { req, start, end, next: start, restored: 0 });
      else this.partitionDone(req, end, 0);
    }
    if (this.stopped || this.pending.size === 0) {
      await this.stop();
      return;
    }
    const { client, applicationId, settings, stallMs } = this.options;
    const consumer = client.consumer({
      ...settings,
      groupId: `${applicationId}-restore-${randomBytes(6).toString('hex')}`,
      readCommitted: true,
      fromBeginning: true,
    });
    this.consumer = consumer;
    this.lastProgress = Date.now();
    this.watchdog = setInterval(() => {
      if (Date.now() - this.lastProgress < stallMs) return;
      const left = [...this.pending.keys()].join(', ');
      this.fail(
        new StreamsError(`restoring ${left} made no progress for ${stallMs} ms`, { category: 'retriable', action: 'retrying' }),
      );
    }, Math.max(100, Math.min(1_000, Math.floor(stallMs / 4))));
    this.watchdog.unref?.();
    if (this.stopped) return;
    await consumer.connect();
    if (this.stopped) return;
    await consumer.subscribe([...new Set([...this.pending.values()].map((p) => p.req.topic))]);
    if (this.stopped) return;
    await consumer.run(
      async (batch) => {
        const p = this.pending.get(`${batch.topic}:${batch.partition}`);
        if (p === undefined || this.stopped) return;
        // Only up to the end offset taken at the start: later writes belong to the live task.
        const upTo = batch.records.filter((r) => BigInt(r.offset) < p.end && BigInt(r.offset) >= p.next);
        if (upTo.length > 0) {
          p.req.apply(upTo);
          p.next = BigInt(upTo[upTo.length - 1]!.offset) + 1n;
          p.restored += upTo.length;
          this.records += upTo.length;
          this.notify(() => listener?.onBatchRestored?.({ topic: p.req.topic, partition: p.req.partition }, p.req.storeName, upTo[upTo.length - 1]!.offset, upTo.length));
        }
        this.lastProgress = Date.now();
      },
      {
        onGroupJoin: (assignment) => {
          this.lastProgress = Date.now();
          // The group gets every partition of the changelog topics: read only the ones restored.
          const others = assignment.filter((tp) => !this.pending.has(`${tp.topic}:${tp.partition}`));
          if (others.length > 0) consumer.pause(others);
          for (const tp of assignment) {
            const p = this.pending.get(`${tp.topic}:${tp.partition}`);
            if (p !== undefined) consumer.seek({ topic: tp.topic, partition: tp.partition, offset: p.next.toString() });
          }
        },
        onRebalancing: () => undefined,
        onCrash: (error, restart) => {
          if (!restart) this.fail(error);
        },
        onBatchEnd: (topic, partition, lastOffset) => {
          const p = this.pending.get(`${topic}:${partition}`);
          this.lastProgress = Date.now();
          if (p !== undefined && BigInt(lastOffset) + 1n >= p.end) {
            this.pending.delete(`${topic}:${partition}`);
            this.partitionDone(p.req, p.end, p.restored);
            if (this.pending.size === 0) void this.stop();
          }
        },
      },
    );
  }

  /** One partition is restored: report the task once all of its partitions are. */
  private partitionDone(req: RestoreRequest, position: bigint, restored: number): void {
    this.notify(() => this.options.listener?.onRestoreEnd?.({ topic: req.topic, partition: req.partition }, req.storeName, restored));
    const t = this.tasks.get(req.taskId);
    if (t === undefined) return;
    t.remaining.delete(key(req));
    t.positions.set(key(req), position);
    if (t.remaining.size > 0) return;
    this.tasks.delete(req.taskId);
    this.options.events.onTaskRestored(req.taskId, t.positions);
  }

  /** Calls the user's restore listener: one that throws is logged, and the restore goes on. */
  private notify(call: () => void): void {
    try {
      call();
    } catch (err) {
      this.options.log(`the stateRestoreListener threw: ${(err as Error).message}`);
    }
  }

  private fail(error: Error): void {
    if (this.stopped) return;
    const ids = [...this.tasks.keys()];
    this.tasks.clear();
    this.pending.clear();
    void this.stop();
    if (ids.length > 0) this.options.events.onFailed(ids, error);
  }

  /** How long the restore has run, in ms. */
  get durationMs(): number {
    return Date.now() - this.started;
  }
}

function key(req: { topic: string; partition: number }): string {
  return `${req.topic}:${req.partition}`;
}
