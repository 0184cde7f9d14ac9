import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type {
  AdminPort,
  ConsumerPort,
  FetchedBatch,
  KafkaClientPort,
  OutgoingRecord,
  ProducerPort,
  TopicPartition,
  TopicPartitionOffset,
  TransactionPort,
} from '../client/kafka-port.js';
import { classifyError, isRecordProductionError } from '../errors/error-classification.js';
import { BrokerCallTimeoutError, StreamsError } from '../errors/streams-error.js';
import type { ResolvedStreamsConfig } from '../config/streams-config.js';
import { changelogTopic } from '../state/changelog-topic.js';
import type { RestorableStateStore, StateStore } from '../state/state-store.js';
import type { Topology } from '../topology/topology.js';
import type { SubTopology } from '../topology/sub-topologies.js';
import { restoreChangelogs, type RestoreRequest } from './changelog-reader.js';
import { consumerSettings, producerOptions } from './client-options.js';
import { ProcessingError } from '../errors/processing-error.js';
import { ErrorRouter } from './error-router.js';
import { RecordCollector, SendFailedError } from './record-collector.js';
import { StreamTask, taskIdOf } from './stream-task.js';
import { TaskRetries, bounded } from './task-retries.js';
import { TopicLimits } from './topic-limits.js';
import { throttleLogger, type ThrottledLogger } from '../config/log-throttle.js';

/** A task with what it owns at run time: stores, and under exactly-once its producer and transaction. */
export interface ActiveTask {
  readonly task: StreamTask;
  readonly stores: Map<string, StateStore & RestorableStateStore>;
  readonly collector: RecordCollector;
  readonly router: ErrorRouter;
  /** Exactly-once only: the task's transactional producer and its open transaction. */
  producer: ProducerPort | undefined;
  transaction: TransactionPort | undefined;
  /** Set when the producer was fenced: the task is closed without writing. */
  fenced: boolean;
}

/** Everything the task manager needs from the app. */
export interface TaskManagerDeps {
  readonly config: ResolvedStreamsConfig;
  readonly topology: Topology;
  readonly client: KafkaClientPort;
  readonly admin: AdminPort;
  readonly consumer: ConsumerPort;
  /** At-most-once and at-least-once: the app's one producer, shared by all tasks. */
  readonly sharedProducer: ProducerPort | undefined;
  /**
   * At-most-once and at-least-once: replaces the shared producer with a new one (the old one lost
   * its producer id or sequence, e.g. after a broker restart) and returns it.
   */
  readonly renewSharedProducer?: () => Promise<ProducerPort>;
  readonly topicName: (name: string) => string;
  /** Partition counts of every topic the app reads or writes that existed at start. */
  readonly partitionCounts: Map<string, number>;
  readonly onFatal: (error: Error) => void;
  /** Reports an error the runtime handled or is about to escalate (StreamsApp.errors$). */
  readonly report: (error: StreamsError) => void;
}

/**
 * How many times in a row a task is aborted and replayed because the broker refused one of its
 * output records (a topic whose `max.message.bytes` was not known yet) before the failure is fatal.
 */
export const MAX_PRODUCTION_ROUNDS = 3;

/** The key of the shared producer's rounds in `productionRounds` (at-most/at-least-once). */
const SHARED_PRODUCER = '*';

/**
 * Owns the app's active tasks: creates and restores the tasks an assignment gains, closes the ones
 * it loses, routes fetched batches to their task, and commits by guarantee:
 * - at_least_once: flush the record collector, wait for the acks, then commit offsets (last
 *   processed + 1) through the consumer group;
 * - exactly_once: per task, the outputs, changelog writes and offsets go into the task's open
 *   transaction: sendOffsets, then commit;
 * - at_most_once: offsets are committed when a batch is taken, before it is processed.
 */
export class TaskManager {
  readonly tasks = new Map<string, ActiveTask>();
  private readonly byPartition = new Map<string, ActiveTask>();
  private readonly subTopologyOfTopic = new Map<string, SubTopology>();
  private readonly sharedCollector: RecordCollector | undefined;
  private readonly sharedRouter: ErrorRouter | undefined;
  private readonly eos: boolean;
  private commitRequested = false;
  private lastCommit = Date.now();
  /** Totals for metrics. */
  committedOffsetsCount = 0;
  commits = 0;
  private processedByClosedTasks = 0;
  /** Task ids of the current assignment. */
  private assigned = new Set<string>();
  /** Tasks closed as fenced that the group still assigns here, and when: reopened by `reopenFencedTasks`. */
  private readonly fencedAssigned = new Map<string, number>();
  /** Exactly-once tasks whose background send failed, waiting to be handled. */
  private readonly failedSends = new Set<string>();
  /** Tasks closed after a retriable failure, waiting for their backoff; and their deadlines. */
  readonly retries: TaskRetries;
  /** Where a task closed for a retry resumes if it had no committed offset: per task, per topic. */
  private readonly resumeOffsets = new Map<string, Map<string, string>>();
  /** Per task: a sendOffsets or commit abandoned after its bound and still in flight, settled or not. */
  private readonly unsettled = new Map<string, Promise<void>>();
  /** Per task: aborted rounds in a row caused by an output record the broker refused. */
  private readonly productionRounds = new Map<string, number>();
  /** Since when commits of the shared producer's offsets keep failing with retriable errors (at-least-once). */
  private commitFailingSince: number | undefined;
  /** At-most-once and at-least-once: the producer every task shares, and whether it must be renewed before the tasks re-open. */
  private sharedProducer: ProducerPort | undefined;
  private sharedProducerBroken = false;
  /** What each output topic accepts: the pre-send size check. */
  readonly limits: TopicLimits;
  /** The bound of a single call to the brokers made while tasks are locked (abort, commit, connect). */
  private readonly callTimeoutMs: number;
  /** The app's logger, with repeats of a line (a retry loop) written once per interval with a count. */
  readonly log: ThrottledLogger;

  constructor(private readonly deps: TaskManagerDeps) {
    this.eos = deps.config.processingGuarantee === 'exactly_once';
    const { config } = deps;
    this.retries = new TaskRetries({
      taskTimeoutMs: config.taskTimeoutMs,
      initialMs: config.retry.initialRetryTimeMs,
      maxMs: config.retry.maxRetryTimeMs,
    });
    this.limits = new TopicLimits(deps.admin);
    this.log = throttleLogger(config.logger);
    // A call that holds the app's lock blocks the consumer's heartbeats: bound it well inside the
    // session timeout, so a broker that hangs cannot get the member evicted (issue 11, problem 10).
    this.callTimeoutMs = Math.max(1_000, Math.min(config.requestTimeoutMs, Math.floor(config.consumer.sessionTimeoutMs / 3)));
    for (const sub of deps.topology.subTopologies()) {
      for (const t of sub.sourceTopics) this.subTopologyOfTopic.set(deps.topicName(t), sub);
    }
    if (!this.eos) {
      this.sharedProducer = deps.sharedProducer;
      this.sharedCollector = this.newCollector((records, maxRequestBytes) => this.sharedProducer!.send(records, maxRequestBytes));
      this.sharedRouter = this.newRouter(this.sharedCollector);
    }
  }

  /** Task ids this member runs now: sent to the assignor for stickiness. */
  ownedTaskIds(): string[] {
    return [...this.tasks.keys()];
  }

  /** The task ids an assignment of partitions stands for. */
  taskIdsOf(assignment: readonly TopicPartition[]): Set<string> {
    const ids = new Set<string>();
    for (const tp of assignment) {
      const sub = this.subTopologyOfTopic.get(tp.topic);
      if (sub !== undefined) ids.add(taskIdOf(sub.id, tp.partition));
    }
    return ids;
  }

  /**
   * Applies a new assignment: closes lost tasks (committing what they did first), then opens the
   * gained ones. A gained task that cannot be opened for a retriable reason (a broker down) waits
   * for its backoff instead of failing the app. Returns the ids of both.
   */
  async applyAssignment(assignment: readonly TopicPartition[]): Promise<{ gained: string[]; lost: string[] }> {
    const wanted = this.taskIdsOf(assignment);
    this.assigned = wanted;
    this.fencedAssigned.clear();
    const lost = [...this.tasks.keys()].filter((id) => !wanted.has(id));
    const gained = [...wanted].filter((id) => !this.tasks.has(id));
    for (const id of lost) await this.closeTask(this.tasks.get(id)!, true);
    // Tasks waiting for a retry that went elsewhere are not this member's to retry any more.
    for (const id of this.retries.ids()) if (!wanted.has(id)) this.forgetTask(id);
    await this.openTasks(gained);
    return { gained, lost };
  }

  /** Opens, restores and starts these tasks; a retriable failure schedules a retry of each, anything else is thrown. */
  private async openTasks(all: readonly string[], seekToCommitted = false): Promise<void> {
    // A task whose abandoned sendOffsets or commit is still in flight waits for it (boundedTxnCall).
    const ids: string[] = [];
    for (const id of all) {
      if (!this.unsettled.has(id)) ids.push(id);
      else await this.onRetriable(id, new BrokerCallTimeoutError(`task ${id}: re-opening it waits for the abandoned offset commit of its last transaction, which`, this.callTimeoutMs), true);
    }
    if (ids.length === 0) return;
    const subs = this.deps.topology.subTopologies();
    const opened: ActiveTask[] = [];
    try {
      for (const id of ids) {
        const [sub, partition] = id.split('_').map(Number) as [number, number];
        opened.push(await this.openTask(subs[sub]!, partition));
      }
      await this.restoreAndStart(opened);
    } catch (err) {
      for (const active of opened) await this.closeTask(active, false);
      for (const id of ids) await this.onRetriable(id, err);
      return;
    }
    for (const active of opened) {
      const id = active.task.id;
      if (this.retries.isWaiting(id)) this.retries.reopened(id);
      if (!seekToCommitted) continue;
      const resume = this.resumeOffsets.get(id);
      this.resumeOffsets.delete(id);
      for (const tp of active.task.inputPartitions()) {
        // No offset committed yet: resume where the aborted work began, not where the consumer got to.
        const offset = active.task.nextOffset(tp.topic) ?? resume?.get(tp.topic);
        if (offset !== undefined) {
          active.task.setCommittedOffsets(new Map([[`${tp.topic}:${tp.partition}`, offset]]));
          try {
            this.deps.consumer.seek({ ...tp, offset });
          } catch (err) {
            // The consumer is restarting (kafkajs: "Consumer group was not initialized"): when it has
            // re-joined it fetches from the committed offsets, and the task skips what it has done.
            this.log.info(`could not seek ${tp.topic}-${tp.partition} now (${toError(err).message}); the consumer re-joins from the committed offsets`);
          }
        }
      }
    }
  }

  /**
   * A task failed for a retriable reason (or could not be opened): schedule its re-opening after a
   * backoff, or throw a fatal TaskTimeoutError when its failures have lasted past `taskTimeoutMs`.
   */
  private async onRetriable(taskId: string, err: unknown, retriable = false): Promise<void> {
    const error = toError(err);
    if (!retriable && classifyError(error) !== 'retriable' && !isRecordProductionError(error)) throw asStreamsError(error, taskId);
    const delay = this.retries.failed(taskId, error);
    this.log.warn(`task ${taskId} failed with a retriable error; retrying in ${delay} ms: ${error.message}`, { taskId });
    // A retriable StreamsError (a ProcessingError of a schema registry outage) is reported as it is, with its record.
    this.deps.report(
      error instanceof StreamsError && error.category === 'retriable'
        ? error
        : new StreamsError(`task ${taskId}: ${error.message}`, { category: 'retriable', action: 'retrying', cause: error, taskId }),
    );
  }

  /** Drops what this member kept about a task it no longer owns. */
  private forgetTask(id: string): void {
    this.retries.clear(id);
    this.resumeOffsets.delete(id);
    this.productionRounds.delete(id);
    this.failedSends.delete(id);
    this.fencedAssigned.delete(id);
  }

  /**
   * Re-opens the tasks whose retry backoff has passed and that the group still assigns here; they
   * resume from their committed offsets (or where their aborted work began). Run from the timer.
   */
  async retryDueTasks(): Promise<void> {
    const due = this.retries.due().filter((id) => {
      if (this.assigned.has(id) && !this.tasks.has(id)) return true;
      if (!this.assigned.has(id)) this.forgetTask(id);
      return false;
    });
    if (due.length === 0) return;
    if (this.sharedProducerBroken && this.deps.renewSharedProducer !== undefined) {
      try {
        this.sharedProducer = await bounded(this.deps.renewSharedProducer(), this.callTimeoutMs, 'renewing the producer');
        this.sharedProducerBroken = false;
        this.log.info('made a new producer: the old one lost its producer id or sequence');
      } catch (err) {
        for (const id of due) await this.onRetriable(id, err, true);
        return;
      }
    }
    this.log.info(`retrying task(s) ${due.join(', ')}`);
    await this.openTasks(due, true);
  }

  /**
   * Processes one fetched batch: the per-batch part of the hot path. Returns once the batch's async
   * work (mapAsync, flatMapAsync) is done too, so the commit that follows covers only finished work;
   * a long wait heartbeats through `heartbeat`.
   */
  async processBatch(batch: FetchedBatch, isStale: () => boolean, heartbeat?: () => Promise<void>): Promise<void> {
    const active = this.byPartition.get(`${batch.topic}:${batch.partition}`);
    if (active === undefined || active.fenced || isStale()) {
      // A batch of a task closed as fenced: reopen it if the group still assigns it here. The seek
      // makes this batch stale; the records come again from the committed offset. (A task waiting
      // for a retry is re-opened by the timer, and seeks then.)
      await this.reopenFencedTasks(heartbeat);
      return;
    }
    const { task } = active;
    if (this.deps.config.processingGuarantee === 'at_most_once' && batch.records.length > 0) {
      // At most once: the offsets move before the records are processed, so a crash loses them
      // instead of repeating them.
      const last = batch.records[batch.records.length - 1]!;
      const offset = { topic: batch.topic, partition: batch.partition, offset: (BigInt(last.offset) + 1n).toString() };
      await this.deps.consumer.commitOffsets([offset]);
      task.markCommitted([offset]);
    }
    try {
      const decoded = task.decode(batch);
      task.process(batch, decoded instanceof Promise ? await decoded : decoded);
      const pending = task.pendingWork();
      if (pending !== undefined) await awaitWithHeartbeats(pending, heartbeat, this.deps.config.consumer.heartbeatIntervalMs);
      if (!active.collector.hasCapacity()) await active.collector.waitForCapacity();
    } catch (err) {
      await this.onTaskError(active, err);
      await this.reopenFencedTasks(heartbeat);
    }
  }

  /**
   * Reopens the tasks closed as fenced that the group still assigns to this member (a zombie that
   * re-joined and got its stale task back): a new producer fences the other one, and the task
   * re-reads its committed offsets and state and seeks there. From a batch, a heartbeat first proves
   * the membership (an evicted member learns it there and re-joins instead); from the timer, a task
   * waits two heartbeat intervals, time for the consumer loop to find an eviction itself.
   */
  async reopenFencedTasks(heartbeat?: () => Promise<void>): Promise<void> {
    // Exactly-once tasks whose background send failed: abort, then close (fenced) or rebuild them.
    for (const id of [...this.failedSends]) {
      this.failedSends.delete(id);
      const active = this.tasks.get(id);
      const failure = active?.collector.failed;
      if (active !== undefined && !active.fenced && failure !== undefined) await this.onTaskError(active, failure);
    }
    if (this.fencedAssigned.size === 0) return;
    const due = [...this.fencedAssigned].filter(([, at]) => heartbeat !== undefined || Date.now() - at >= 2 * this.deps.config.consumer.heartbeatIntervalMs);
    if (due.length === 0) return;
    await heartbeat?.();
    const ids: string[] = [];
    for (const [id] of due) {
      this.fencedAssigned.delete(id);
      if (this.tasks.has(id) || !this.assigned.has(id)) continue;
      this.deps.config.logger.info(`reopening task ${id}: the group still assigns it to this member`);
      ids.push(id);
    }
    await this.openTasks(ids, true);
  }

  /** Runs wall-clock punctuators of every task. */
  punctuateWallClock(now: number): void {
    for (const { task, fenced } of this.tasks.values()) if (!fenced) task.punctuate('wall-clock-time', now);
  }

  requestCommit(): void {
    this.commitRequested = true;
  }

  /** True when the commit interval has passed (or a processor asked) and there is something to commit. */
  commitDue(now: number): boolean {
    if (!this.commitRequested && now - this.lastCommit < this.deps.config.commitIntervalMs) return false;
    for (const a of this.tasks.values()) if (a.transaction !== undefined || a.task.offsetsToCommit().length > 0) return true;
    if (this.sharedCollector !== undefined && this.sharedCollector.buffered > 0) return true;
    this.lastCommit = now;
    return false;
  }

  /** Commits every task by the app's guarantee. */
  async commitAll(): Promise<void> {
    this.commitRequested = false;
    this.lastCommit = Date.now();
    // Async work a wall-clock punctuator started is finished first: a commit covers only finished work.
    for (const { task, fenced } of this.tasks.values()) {
      const pending = fenced ? undefined : task.pendingWork();
      if (pending !== undefined) await pending;
    }
    if (this.eos) {
      for (const active of [...this.tasks.values()]) await this.commitTransaction(active);
    } else {
      await this.commitShared();
    }
    this.commits++;
  }

  /**
   * At-most-once and at-least-once: outputs and changelog writes first, acknowledged; only then the
   * offsets that produced them. A send that fails for a retriable reason rewinds every task to its
   * committed offsets (the shared producer's buffer is dropped, so the records are processed again:
   * at least once); offsets that fail to commit for a retriable reason are kept for the next commit.
   */
  private async commitShared(): Promise<void> {
    try {
      // Bounded: the idempotent producer retries a send without end, and a broker that is down (or
      // wiped: its topics gone) would hold the lock, and every retry deadline, for ever.
      await bounded(this.sharedCollector!.flush(), this.callTimeoutMs, 'sending output records');
    } catch (err) {
      await this.onSharedSendFailure(err);
      return;
    }
    const offsets: TopicPartitionOffset[] = [];
    for (const { task } of this.tasks.values()) offsets.push(...task.offsetsToCommit());
    if (offsets.length === 0) return;
    try {
      await bounded(this.deps.consumer.commitOffsets(offsets), this.callTimeoutMs, 'committing offsets');
    } catch (err) {
      if (classifyError(err) === 'task-migrated') {
        // Evicted or a stale generation: the member re-joins, and whoever owns the partitions next
        // processes what was not committed (at least once). Nothing for a handler.
        this.log.info(`committing offsets failed: this member left the group's generation (${toError(err).message}); re-joining`);
        this.deps.report(new StreamsError(`committing offsets: ${toError(err).message}`, { category: 'task-migrated', action: 'rejoining', cause: err }));
        return;
      }
      if (classifyError(err) !== 'retriable') throw err;
      const now = Date.now();
      this.commitFailingSince ??= now;
      if (now - this.commitFailingSince >= this.deps.config.taskTimeoutMs) {
        throw new StreamsError(`committing offsets kept failing for taskTimeoutMs (${this.deps.config.taskTimeoutMs} ms): ${toError(err).message}`, {
          category: 'fatal',
          action: 'fatal',
          cause: err,
        });
      }
      this.log.warn(`committing offsets failed with a retriable error; trying again at the next commit: ${toError(err).message}`);
      this.deps.report(new StreamsError(`committing offsets: ${toError(err).message}`, { category: 'retriable', action: 'retrying', cause: err }));
      return;
    }
    this.commitFailingSince = undefined;
    this.productionRounds.delete(SHARED_PRODUCER);
    for (const { task } of this.tasks.values()) {
      task.markCommitted(task.offsetsToCommit());
      this.retries.clear(task.id);
    }
    this.committedOffsetsCount += offsets.length;
  }

  /** The shared producer's send failed: classify it; a retriable failure rewinds every task (see commitShared). */
  private async onSharedSendFailure(err: unknown): Promise<void> {
    const error = toError(err);
    if (error instanceof ProcessingError && error.category === 'fatal') throw error;
    const refused = isRecordProductionError(error);
    const category = classifyError(error);
    if (category === 'fatal' && !refused) {
      throw new StreamsError(`sending output records failed: ${error.message}`, { category: 'fatal', action: 'fatal', cause: error });
    }
    if (category === 'task-migrated') {
      // The shared idempotent producer lost its producer id or sequence (UNKNOWN_PRODUCER_ID,
      // OUT_OF_ORDER_SEQUENCE_NUMBER, seen after a broker restart): it cannot write again. Every
      // task rewinds, and a new producer is made before they re-open.
      if (this.deps.renewSharedProducer === undefined) {
        throw new StreamsError(`the producer can no longer write (${error.message})`, { category: 'fatal', action: 'fatal', cause: error });
      }
      this.sharedProducerBroken = true;
    }
    if (refused) this.countProductionRound(SHARED_PRODUCER, error);
    this.sharedCollector!.discard();
    const ids = [...this.tasks.keys()];
    for (const id of ids) {
      const active = this.tasks.get(id)!;
      this.rememberResume(active);
      await this.closeTask(active, false);
    }
    if (refused) {
      // A record the brokers refused (a topic limit learned too late): read the limits again and
      // replay every task from its committed offsets at once; the pre-send check now hands the
      // record to the production handler. Records already sent are sent again: at least once.
      await this.limits.load(this.limits.known()).catch(() => undefined);
      await this.openTasks(ids, true);
      return;
    }
    for (const id of ids) await this.onRetriable(id, error, true);
  }

  /**
   * Counts one more abort-and-replay round caused by an output record the brokers refused; throws
   * a fatal error past MAX_PRODUCTION_ROUNDS in a row (a commit ends the run).
   */
  private countProductionRound(key: string, error: Error): number {
    const rounds = (this.productionRounds.get(key) ?? 0) + 1;
    this.productionRounds.set(key, rounds);
    if (rounds > MAX_PRODUCTION_ROUNDS) {
      this.productionRounds.delete(key);
      throw new StreamsError(
        `${key === SHARED_PRODUCER ? 'the producer' : `task ${key}`}: the brokers refused an output record ${rounds - 1} times in a row, ` +
          `even after the topic limits were read again: ${error.message}`,
        { category: 'fatal', action: 'fatal', cause: error, ...(key === SHARED_PRODUCER ? {} : { taskId: key }) },
      );
    }
    this.log.warn(
      `${key === SHARED_PRODUCER ? 'the producer' : `task ${key}`}: the brokers refused an output record (${error.message}); ` +
        `reading the topic limits again and replaying (round ${rounds} of at most ${MAX_PRODUCTION_ROUNDS})`,
    );
    return rounds;
  }

  /** Closes every task: committed and checkpointed when `clean`, otherwise as after a crash. */
  async closeAll(clean: boolean): Promise<void> {
    for (const active of [...this.tasks.values()]) await this.closeTask(active, clean);
  }

  /** A task's store instances by name, for interactive queries. */
  storeInstances(name: string): StateStore[] {
    const result: StateStore[] = [];
    for (const a of this.tasks.values()) {
      const s = a.stores.get(name);
      if (s !== undefined) result.push(s);
    }
    return result;
  }

  /** Records processed by this instance since it started, across the tasks it has had. */
  recordsProcessed(): number {
    let n = this.processedByClosedTasks;
    for (const a of this.tasks.values()) n += a.task.processedCount;
    return n;
  }

  /**
   * Commits a task's transaction: its outputs, changelog writes and offsets. Returns whether it
   * committed (true also when there was nothing to commit). A failure goes to onTaskError, or, when
   * the task is being closed anyway (`closing`), is left to the dirty close that follows.
   */
  private async commitTransaction(active: ActiveTask, closing = false): Promise<boolean> {
    const { task } = active;
    if (active.fenced) return false;
    const offsets = task.offsetsToCommit();
    if (active.transaction === undefined && offsets.length === 0) return true;
    try {
      await bounded(active.collector.flush(), this.callTimeoutMs, `task ${task.id}: sending output records`);
      const tx = active.transaction ?? (await active.producer!.beginTransaction());
      active.transaction = tx;
      if (offsets.length > 0) await this.boundedTxnCall(task.id, tx.sendOffsets(this.deps.config.applicationId, offsets), 'sendOffsets');
      await this.boundedTxnCall(task.id, tx.commit(), 'commit');
      active.transaction = undefined;
      task.markCommitted(offsets);
      this.committedOffsetsCount += offsets.length;
      this.retries.clear(task.id);
      this.productionRounds.delete(task.id);
      return true;
    } catch (err) {
      if (closing) {
        this.log.info(`task ${task.id}: the last commit before closing it failed (${toError(err).message}); closing it without committing`);
        return false;
      }
      await this.onTaskError(active, err);
      return false;
    }
  }

  /**
   * A transaction's sendOffsets or commit, bounded like every call under the lock. One that passes
   * its bound is abandoned but not over: kafkajs retries it in the background. A TxnOffsetCommit
   * that lands late (kafkajs speaks v0: the broker checks no epoch) would wait in the group
   * coordinator as a pending commit of this producer id and be committed by the next transaction
   * of the same transactional id, moving the committed offsets back: its records would be processed
   * twice. So the task is not opened again until the abandoned call has settled (see openTasks).
   */
  private async boundedTxnCall(taskId: string, call: Promise<void>, what: string): Promise<void> {
    try {
      await bounded(call, this.callTimeoutMs, `task ${taskId}: ${what}`);
    } catch (err) {
      if (err instanceof BrokerCallTimeoutError) {
        const settled = call.then(
          () => undefined,
          () => undefined,
        );
        this.unsettled.set(taskId, settled);
        void settled.then(() => {
          if (this.unsettled.get(taskId) === settled) this.unsettled.delete(taskId);
        });
      }
      throw err;
    }
  }

  /**
   * A task failed: classified here (issue 11's model).
   * - A record that failed under the 'fail' handler, and any other fatal error: thrown, for the
   *   app's uncaught-exception handler.
   * - Task migrated (fenced, evicted): closed without writing; re-opened if the group still
   *   assigns it here, after a heartbeat proves the membership.
   * - An output record the broker refused (exactly-once): the topic limits are read again, the
   *   transaction is aborted and the task replayed at once; the pre-send check then hands the
   *   record to the production handler. At most MAX_PRODUCTION_ROUNDS in a row, then fatal.
   * - Retriable: aborted, closed without writing, re-opened after a backoff until taskTimeoutMs.
   */
  private async onTaskError(active: ActiveTask, err: unknown): Promise<void> {
    // An earlier send's failure met while processing: it is the send's error (fenced, broker down).
    const sendFailed = err instanceof SendFailedError;
    const error = sendFailed ? toError(err.cause) : toError(err);
    const id = active.task.id;
    if (error instanceof ProcessingError && error.category === 'fatal') throw error;
    const category = classifyError(error);
    if (category === 'task-migrated') {
      this.log.info(`task ${id} was migrated (${error.message}); closing it without writing`, { taskId: id });
      this.deps.report(new StreamsError(`task ${id}: ${error.message}`, { category, action: 'rejoining', cause: error, taskId: id }));
      if (this.eos) active.collector.discard();
      active.fenced = true;
      // Where to resume if it is re-opened here before anyone committed its offsets: where its
      // aborted work began, not where the consumer got to.
      this.rememberResume(active);
      await this.closeTask(active, false);
      // Still assigned to this member: a zombie that re-joined and got its stale task back. The
      // next batch of its partitions reopens it (after a heartbeat proves the membership), which
      // fences the other producer and re-reads the committed offsets and state.
      if (this.assigned.has(id)) this.fencedAssigned.set(id, Date.now());
      return;
    }
    if (!this.eos && sendFailed) {
      // The shared producer's send failed: every task shares it, so every task rewinds.
      await this.onSharedSendFailure(error);
      return;
    }
    if (!this.eos) {
      // Here only a task's own work failed (a registry outage while reading a record).
      if (category === 'fatal') throw asStreamsError(error, id);
      this.rememberResume(active);
      await this.closeTask(active, false);
      await this.onRetriable(id, error);
      return;
    }
    if (category === 'fatal' && isRecordProductionError(error)) {
      this.countProductionRound(id, error);
      await this.limits.load(this.limits.known()).catch(() => undefined);
      await this.abortAndClose(active);
      await this.openTasks([id], true);
      return;
    }
    if (category === 'fatal') throw asStreamsError(error, id);
    await this.abortAndClose(active);
    await this.onRetriable(id, error);
  }

  /** Exactly-once: aborts the task's transaction (bounded: a broker that is down must not hold the lock) and closes it dirty. */
  private async abortAndClose(active: ActiveTask): Promise<void> {
    active.collector.discard();
    try {
      if (active.transaction !== undefined) await bounded(active.transaction.abort(), this.callTimeoutMs, `task ${active.task.id}: abort`);
    } catch (abortErr) {
      // The broker aborts the transaction itself when its timeout passes, or the next owner's
      // producer (or this task's, when it is re-opened) fences and aborts it.
      this.log.info(`abort of task ${active.task.id} failed: ${(abortErr as Error).message}`);
    }
    active.transaction = undefined;
    this.rememberResume(active);
    await this.closeTask(active, false);
  }

  /** Keeps where a task closed for a retry resumes when it has no committed offset. */
  private rememberResume(active: ActiveTask): void {
    const resume = new Map<string, string>();
    for (const tp of active.task.inputPartitions()) {
      const offset = active.task.resumeOffset(tp.topic);
      if (offset !== undefined) resume.set(tp.topic, offset);
    }
    this.resumeOffsets.set(active.task.id, resume);
  }

  private async openTask(sub: SubTopology, partition: number): Promise<ActiveTask> {
    const { config, topology } = this.deps;
    const id = taskIdOf(sub.id, partition);
    let producer: ProducerPort | undefined;
    let collector: RecordCollector;
    let router: ErrorRouter;
    const active = { producer: undefined, transaction: undefined, fenced: false } as unknown as ActiveTask;
    if (this.eos) {
      // Exactly-once: one transactional producer per task. Initializing it fences the previous owner
      // and completes or aborts its open transaction, so it must happen before reading offsets.
      producer = this.deps.client.producer(producerOptions(config, `${config.applicationId}-${id}`));
      try {
        await bounded(producer.connect(), this.callTimeoutMs, `task ${id}: initializing its transactional producer`);
      } catch (err) {
        // Disconnect the half-made producer, or its own retries keep sockets and timers alive.
        void producer.disconnect().catch(() => undefined);
        throw err;
      }
      const txProducer = producer;
      collector = this.newCollector(
        async (records, maxRequestBytes) => {
          active.transaction ??= await txProducer.beginTransaction();
          await active.transaction.send(records, maxRequestBytes);
        },
        // A background send (linger, batch size) failed: handle it at the next tick or batch, not
        // only at the next commit, which may be a whole commit interval away.
        () => this.failedSends.add(id),
      );
      router = this.newRouter(collector);
    } else {
      collector = this.sharedCollector!;
      router = this.sharedRouter!;
    }
    const stores = new Map<string, StateStore & RestorableStateStore>();
    const defaultSerdes = { key: config.defaultKeySerde, value: config.defaultValueSerde };
    const task = new StreamTask(id, sub, partition, {
      applicationId: config.applicationId,
      nodes: new Map(topology.nodeDefs().map((n) => [n.name, n])),
      defaultSerdes,
      topicName: this.deps.topicName,
      collector,
      errors: router,
      stores,
      requestCommit: () => this.requestCommit(),
    });
    const taskDir = join(config.stateDir, id);
    mkdirSync(taskDir, { recursive: true });
    for (const name of sub.stores) {
      const builder = topology.stores().get(name)!;
      const store = builder.build(defaultSerdes) as StateStore & RestorableStateStore;
      const changelog = builder.loggingEnabled
        ? {
            topic: changelogTopic(config.applicationId, name),
            partition,
            append: (key: Buffer, value: Buffer | null, timestamp: number) =>
              collector.send(changelogTopic(config.applicationId, name), key, value, timestamp, undefined, partition),
          }
        : undefined;
      await store.init({
        taskId: id,
        taskDir,
        applicationId: config.applicationId,
        ...(changelog !== undefined ? { changelog } : {}),
        currentTimestamp: () => task.currentRecordTimestamp(),
      });
      stores.set(name, store);
    }
    Object.assign(active, { task, stores, collector, router, producer });
    this.tasks.set(id, active);
    return active;
  }

  /**
   * Reads the committed offsets of the gained tasks (after their producers fenced the previous
   * owners), restores their stores from the changelogs, then lets them process.
   */
  private async restoreAndStart(opened: ActiveTask[]): Promise<void> {
    if (opened.length === 0) return;
    const { config, admin } = this.deps;
    const topics = [...new Set(opened.flatMap((a) => a.task.inputPartitions().map((p) => p.topic)))];
    const committed = await admin.committedOffsets(config.applicationId, topics);
    const requests: RestoreRequest[] = [];
    for (const active of opened) {
      active.task.setCommittedOffsets(committed);
      for (const [name, store] of active.stores) {
        const builder = this.deps.topology.stores().get(name)!;
        if (!builder.loggingEnabled) continue;
        requests.push({
          topic: changelogTopic(config.applicationId, name),
          partition: active.task.partition,
          from: store.restoredOffset,
          apply: (records) => store.restoreBatch(records.map((r) => ({ key: r.key!, value: r.value, offset: r.offset }))),
        });
      }
    }
    if (requests.length > 0) {
      const result = await restoreChangelogs(this.deps.client, admin, config.applicationId, consumerSettings(config), requests);
      config.logger.info(`restored ${result.records} changelog records for ${opened.length} task(s) in ${result.durationMs} ms`);
    }
    for (const active of opened) {
      active.task.initProcessors();
      for (const tp of active.task.inputPartitions()) this.byPartition.set(`${tp.topic}:${tp.partition}`, active);
    }
  }

  /**
   * Closes a task. Clean: commit what it did, then checkpoint persistent stores at the changelog end
   * and close them. Dirty (fenced, failed, crashed): no writes; under exactly-once the local state
   * may hold uncommitted writes, so persistent stores are wiped and will be restored.
   */
  private async closeTask(active: ActiveTask, clean: boolean): Promise<void> {
    const { task } = active;
    this.tasks.delete(task.id);
    this.processedByClosedTasks += task.processedCount;
    for (const tp of task.inputPartitions()) {
      if (this.byPartition.get(`${tp.topic}:${tp.partition}`) === active) this.byPartition.delete(`${tp.topic}:${tp.partition}`);
    }
    let committed = false;
    if (clean && !active.fenced) {
      try {
        const pending = task.pendingWork();
        if (pending !== undefined) await pending;
        if (this.eos) {
          committed = await this.commitTransaction(active, true);
        } else {
          await active.collector.flush();
          const offsets = task.offsetsToCommit();
          await this.deps.consumer.commitOffsets(offsets);
          task.markCommitted(offsets);
          committed = true;
        }
      } catch (err) {
        this.deps.config.logger.warn(`could not commit task ${task.id} while closing it`, { error: (err as Error).message });
      }
    }
    try {
      task.close();
    } catch (err) {
      this.deps.config.logger.warn(`a processor of task ${task.id} failed to close`, { error: (err as Error).message });
    }
    for (const [name, store] of active.stores) {
      if (committed && store.persistent) {
        const range = (await this.deps.admin.offsetRange(changelogTopic(this.deps.config.applicationId, name))).get(task.partition);
        if (range !== undefined) store.checkpoint(range.high);
      }
      if (!committed && this.eos && store.persistent) await store.wipe();
      await store.close();
    }
    if (active.producer !== undefined) {
      if (!committed && active.transaction !== undefined && !active.fenced) {
        await bounded(active.transaction.abort(), this.callTimeoutMs, `task ${task.id}: abort`).catch(() => undefined);
      }
      active.transaction = undefined;
      active.collector.discard();
      await bounded(active.producer.disconnect(), this.callTimeoutMs, `task ${task.id}: disconnect`).catch(() => undefined);
    }
  }

  private newCollector(sender: (records: OutgoingRecord[], maxRequestBytes: number) => Promise<void>, onFailure?: () => void): RecordCollector {
    const { config, admin, partitionCounts } = this.deps;
    return new RecordCollector({
      lingerMs: config.producer.lingerMs,
      batchSize: config.producer.batchSize,
      maxBufferedBytes: Math.max(config.producer.batchSize * 64, 8 * 1024 * 1024),
      partitionCount: (topic) => partitionCounts.get(topic),
      fetchPartitionCounts: async (topics) => {
        const counts = await admin.partitionCounts(topics);
        for (const [t, n] of counts) partitionCounts.set(t, n);
        return counts;
      },
      sender,
      maxRequestBytes: (topic) => this.limits.maxRequestBytes(topic),
      ...(config.producer.partitioner !== null ? { partitioner: config.producer.partitioner } : {}),
      onSendError: (error) => {
        // Handled (classified, retried or escalated) by the task manager at the next batch, tick or commit.
        config.logger.debug(`sending records failed: ${error.message}`);
        onFailure?.();
      },
    });
  }

  private newRouter(collector: RecordCollector): ErrorRouter {
    const { config } = this.deps;
    return new ErrorRouter(
      config.applicationId,
      {
        deserialization: config.deserializationExceptionHandler,
        processing: config.processingExceptionHandler,
        production: config.productionExceptionHandler,
      },
      collector,
      config.logger,
      {
        maxRecordBytes: (topic) => this.limits.maxRecordBytes(topic),
        report: this.deps.report,
      },
    );
  }
}

/**
 * Awaits a task's async work. kafkajs heartbeats only from its fetch loop, which this wait blocks,
 * so a long wait keeps the membership alive by heartbeating as it goes; a heartbeat that reports a
 * rebalance is left to the one after the batch, once the work is done and can be committed.
 */
async function awaitWithHeartbeats(work: Promise<void>, heartbeat: (() => Promise<void>) | undefined, intervalMs: number): Promise<void> {
  if (heartbeat === undefined) return work;
  const beat = setInterval(() => void heartbeat().catch(() => undefined), intervalMs);
  try {
    await work;
  } finally {
    clearInterval(beat);
  }
}

function toError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

/** A fatal error of a task as errors$ and the uncaught-exception handler see it: a StreamsError naming the task. */
function asStreamsError(error: Error, taskId: string): StreamsError {
  if (error instanceof StreamsError) return error;
  return new StreamsError(`task ${taskId}: ${error.message}`, { category: 'fatal', action: 'fatal', cause: error, taskId });
}
