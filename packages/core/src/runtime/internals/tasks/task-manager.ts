import type {
  AdminPort,
  ConsumerPort,
  FetchedBatch,
  KafkaClientPort,
  ProducerPort,
  TopicPartition,
  TopicPartitionOffset,
  TransactionPort,
} from '../../../client/internals/kafka-port.js';
import { classifyError, isRecordProductionError, protocolErrorType } from '../../../errors/error-classification.js';
import { BrokerCallTimeoutError, StreamsError } from '../../../errors/streams-error.js';
import type { ResolvedStreamsConfig } from '../../../config/streams-config.js';
import type { RestorableStateStore, StateStore } from '../../../state/state-store.js';
import type { Topology } from '../../../topology/topology.js';
import type { SubTopology } from '../../../topology/sub-topologies.js';
import { ChangelogRestore, type RestoreRequest } from '../restore/changelog-reader.js';
import { consumerSettings, producerOptions } from '../client-options.js';
import { ProcessingError } from '../../../errors/processing-error.js';
import { ErrorRouter } from '../processing/error-router.js';
import { RecordCollector, SendFailedError, UNSEAL_DELAY_MS, type BatchSender } from '../producing/record-collector.js';
import { InvalidStateStoreError } from '../../../state/invalid-state-store-error.js';
import { StreamTask, taskIdOf } from '../processing/stream-task.js';
import { sumDropped } from '../processing/dropped-records.js';
import type { DroppedRecordCounts } from '../../../processor/dropped-record.js';
import { PartitionGroup, type EnforcedProcessing } from '../processing/partition-group.js';
import { TaskRetries, bounded } from './task-retries.js';
import { TopicLimits } from '../producing/topic-limits.js';
import { StandbyTasks } from '../restore/standby-tasks.js';
import { TaskAssignor } from '../assignment/task-assignor.js';
import { openTaskStores } from '../stores/task-stores.js';
import { throttleLogger, type ThrottledLogger } from '../../../config/log-throttle.js';
import type { ConsumerSensors, ProducerSensors, TaskSensors, ThreadSensors } from '../../../metrics/internals/streams-sensors.js';

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
  /**
   * RESTORING while its stores catch up with their changelogs (its partitions paused, its batches
   * dropped), then RUNNING. Kafka Streams' task states CREATED and SUSPENDED have no counterpart:
   * a task is created and restored in one step, and closed (clean or dirty) instead of suspended.
   */
  state: 'RESTORING' | 'RUNNING';
  /** Per logged store (by name): its changelog partition and how far the store holds it. */
  readonly changelogs: Map<string, StoreChangelog>;
  /** Changelog records appended since the task's last successful commit (or its restore). */
  appendsSinceCommit: number;
  /** The task's metrics (stream-task-metrics). */
  readonly sensors: TaskSensors;
}

/** How a task's transaction commit ended (see TaskManager.commitTransactionIo). */
type CommitOutcome = boolean | 'idle' | { error: unknown };

/** One task's part of a pipelined commit: the offsets and changelog writes it covers, and its broker calls. */
interface PipelinedEntry {
  readonly active: ActiveTask;
  readonly offsets: TopicPartitionOffset[];
  readonly appends: number;
  readonly outcome: Promise<CommitOutcome>;
}

/** An exactly-once commit started by the processing loop, not settled yet. */
interface PipelinedCommit {
  readonly entries: readonly PipelinedEntry[];
  readonly startedAt: number;
}

/** A logged store's changelog partition and the store's position in it. */
interface StoreChangelog {
  readonly topic: string;
  readonly partition: number;
  /**
   * The offset after the last changelog record the store holds (restored, or written by this task
   * and acknowledged by the brokers at a commit): what a checkpoint records. Undefined until restored.
   */
  position: bigint | undefined;
  /** The position last written to the store's checkpoint. */
  checkpointed: bigint | undefined;
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
  /**
   * Runs work under the app's lock, later (a restore that finished or failed in the background); a
   * fatal error it throws goes to the uncaught-exception handler.
   */
  readonly schedule: (work: () => Promise<void>) => void;
  /** A background restore finished or failed: the app may now be RUNNING. */
  readonly onRestored: () => void;
  /** The processing loop's metrics: the thread's, its consumer's and its producers'. */
  readonly sensors: LoopSensors;
  /** The app's global stores, loaded before the loop starts: every task's processors may read them. */
  readonly globalStores?: ReadonlyMap<string, StateStore>;
}

/** The metrics of one processing loop (see metrics/internals/streams-sensors.ts). */
export interface LoopSensors {
  readonly thread: ThreadSensors;
  readonly consumer: ConsumerSensors;
  readonly producer: ProducerSensors;
}

/**
 * How long past `producer.transactionTimeoutMs` a task's committed offsets may stay unstable before
 * a hanging transaction is reported: the coordinator aborts a transaction that timed out in its
 * next sweep (`transaction.abort.timed.out.transaction.cleanup.interval.ms`, 10 s by default).
 */
export const HANGING_TRANSACTION_MARGIN_MS = 30_000;

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
 *   transaction: sendOffsets (beside the flush once a send opened it), then commit;
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
  commits = 0;
  private processedByClosedTasks = 0;
  /** Records dropped by the tasks this instance closed since it started. */
  private droppedByClosedTasks: DroppedRecordCounts = { total: 0, byReason: {} };
  /**
   * Enforced processing: waits of multi-partition tasks for an empty partition that ended by their
   * bound, the task going on without it (see PartitionGroup). Kafka Streams' enforced-processing count.
   */
  enforcedProcessing = 0;
  /** Changelog records applied to restoring stores since the app started. */
  recordsRestored = 0;
  /**
   * Per partition whose task is not running (not started yet, restoring, waiting for a retry): how
   * far the consumer covered it with batches that held only transaction markers or aborted records,
   * which no later fetch reports again; null once it handed over records here (they come again).
   */
  private readonly coveredWithoutTask = new Map<string, string | null>();
  /** Task ids of the current assignment. */
  private assigned = new Set<string>();
  /** Tasks closed as fenced that the group still assigns here, and when: reopened by `reopenFencedTasks`. */
  private readonly fencedAssigned = new Map<string, number>();
  /** Exactly-once tasks whose background send failed, waiting to be handled. */
  private readonly failedSends = new Set<string>();
  /** An exactly-once commit the processing loop started and goes on past (see commitAll): settled before anything else touches the tasks. */
  private pipelined: PipelinedCommit | undefined;
  /** When the last pipelined commit settled (its held records were released). */
  private pipelinedSettledAt = 0;
  /** The shared producer's background send failed since the last tick (at-most/at-least-once). */
  private sharedSendFailed = false;
  /** Tasks closed after a retriable failure, waiting for their backoff; and their deadlines. */
  readonly retries: TaskRetries;
  /** Where a task closed for a retry resumes if it had no committed offset: per task, per topic. */
  private readonly resumeOffsets = new Map<string, Map<string, string>>();
  /** Per task: a sendOffsets or commit abandoned after its bound and still in flight, settled or not. */
  private readonly unsettled = new Map<string, Promise<void>>();
  /** Tasks whose restore failed and that wait for their retry: still restoring, for the app's state. */
  private readonly restoreRetrying = new Set<string>();
  /**
   * Per task whose committed offsets the group coordinator keeps refusing as unstable (held by a
   * transaction not completed yet): since when, and whether the likely hanging transaction was reported.
   */
  private readonly unstableOffsets = new Map<string, { since: number; reported: boolean }>();
  /** When the event loop last ran the app's timer: a long gap means it was frozen (see assertMayWrite). */
  private lastAlive = Date.now();
  /** Set after a freeze longer than the session timeout: nothing is sent nor retried until a heartbeat proves the membership. */
  private heldUntilHeartbeat = false;
  /** Per task being restored: its background restore. */
  private readonly restores = new Map<string, ChangelogRestore>();
  /**
   * Per partition (`topic:partition`) whose task was not there (restoring, or waiting for a retry):
   * the first offset of the batches dropped meanwhile. The consumer's position moved past them, so
   * the task seeks back there when it starts, if it has no committed offset to seek to.
   */
  private readonly droppedFrom = new Map<string, string>();
  /** The group member id of the last assignment, and a membership loss seen since (evicted, a missed generation). */
  private memberId: string | undefined;
  private membershipLost: string | undefined;
  private membershipLostAt = 0;
  /** The last assignment applied, and its user data: re-applied if a loss of membership is never followed by one. */
  private lastAssignment: { partitions: readonly TopicPartition[]; userData: Buffer | undefined } | undefined;
  /** Per task: aborted rounds in a row caused by an output record the broker refused. */
  private readonly productionRounds = new Map<string, number>();
  /** Since when commits of the shared producer's offsets keep failing with retriable errors (at-least-once). */
  private commitFailingSince: number | undefined;
  /** At-most-once and at-least-once: the producer every task shares, and whether it must be renewed before the tasks re-open. */
  private sharedProducer: ProducerPort | undefined;
  private sharedProducerBroken = false;
  /** What each output topic accepts: the pre-send size check. */
  readonly limits: TopicLimits;
  /** This member's standby tasks, when `numStandbyReplicas` > 0. */
  readonly standbys: StandbyTasks | undefined;
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
    this.standbys =
      config.numStandbyReplicas > 0
        ? new StandbyTasks({ config, topology: deps.topology, client: deps.client, log: (level, message) => this.log[level](message) })
        : undefined;
    this.log = throttleLogger(config.logger);
    // A call that holds the app's lock blocks the consumer's heartbeats: bound it well inside the
    // session timeout, so a broker that hangs cannot get the member evicted (issue 11, problem 10).
    this.callTimeoutMs = Math.max(1_000, Math.min(config.requestTimeoutMs, Math.floor(config.consumer.sessionTimeoutMs / 3)));
    for (const sub of deps.topology.subTopologies()) {
      for (const t of sub.sourceTopics) this.subTopologyOfTopic.set(deps.topicName(t), sub);
    }
    if (!this.eos) {
      this.sharedProducer = deps.sharedProducer;
      this.sharedCollector = this.newCollector(
        (records, maxRequestBytes) => {
          this.assertMayWrite();
          return this.sharedProducer!.send(records, maxRequestBytes);
        },
        // A fatal background send failure (a missing WRITE ACL) stops the app at the next tick, not
        // at the next commit, which may be a whole commit interval away (see reopenFencedTasks).
        () => {
          this.sharedSendFailed = true;
        },
      );
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
  async applyAssignment(assignment: readonly TopicPartition[], memberId?: string, userData?: Buffer): Promise<{ gained: string[]; lost: string[] }> {
    await this.settlePipelinedCommit();
    // A member that was evicted (a new member id) or missed a generation may be handed back tasks
    // that another member owned meanwhile: its own are stale, so every one is closed dirty first,
    // and those handed back are opened as new tasks (issue 12, problem 1).
    const lostReason = this.membershipLost ?? (this.memberId !== undefined && memberId !== undefined && memberId !== this.memberId ? 'it re-joined with a new member id' : undefined);
    if (memberId !== undefined) this.memberId = memberId;
    this.membershipLost = undefined;
    this.heldUntilHeartbeat = false;
    this.lastAssignment = { partitions: assignment, userData };
    if (lostReason !== undefined) await this.closeAllLost(lostReason);
    const wanted = this.taskIdsOf(assignment);
    const partitions = new Set(assignment.map((tp) => `${tp.topic}:${tp.partition}`));
    for (const k of [...this.droppedFrom.keys()]) if (!partitions.has(k)) this.droppedFrom.delete(k);
    this.deps.sensors.consumer.retain(partitions);
    this.assigned = wanted;
    this.fencedAssigned.clear();
    const lost = [...this.tasks.keys()].filter((id) => !wanted.has(id));
    const gained = [...wanted].filter((id) => !this.tasks.has(id));
    for (const id of lost) await this.closeTask(this.tasks.get(id)!, true);
    // Tasks waiting for a retry that went elsewhere are not this member's to retry any more.
    for (const id of this.retries.ids()) if (!wanted.has(id)) this.forgetTask(id);
    await this.openTasks(gained);
    if (this.standbys !== undefined) {
      const standbys = new Set(TaskAssignor.memberTasks(userData)?.standbys ?? []);
      for (const id of wanted) standbys.delete(id);
      await this.standbys.apply(standbys);
    }
    return { gained, lost };
  }

  /**
   * This member is no longer in the group's generation (evicted, or a generation it missed): its
   * tasks may have run elsewhere meanwhile. Applied at the next assignment (see applyAssignment).
   */
  markMembershipLost(reason: string): void {
    if (this.membershipLost !== undefined) return;
    this.membershipLost = reason;
    this.membershipLostAt = Date.now();
  }

  /**
   * Closes every task dirty after a loss of membership, as Kafka Streams' handleLostAll: nothing is
   * committed; records not yet sent are dropped (their input offsets were not committed, so the
   * partitions' next owner processes them again); exactly-once transactions are aborted and stores
   * with writes since their last commit wiped. Tasks handed back are opened as new tasks, restored
   * from their checkpoint (or from scratch) to the changelog's end.
   */
  private async closeAllLost(reason: string): Promise<void> {
    // A commit started while this member still owned its tasks ends first, as a synchronous one would have.
    await this.settlePipelinedCommit();
    const ids = [...this.tasks.keys()];
    if (ids.length > 0) {
      this.log.info(`this member lost its group membership (${reason}): closing its task(s) ${ids.join(', ')} dirty`);
    }
    this.sharedCollector?.discard();
    for (const id of ids) {
      const active = this.tasks.get(id);
      if (active === undefined) continue;
      active.collector.discard();
      await this.closeTask(active, false);
    }
    for (const id of this.retries.ids()) this.forgetTask(id);
    this.fencedAssigned.clear();
    this.droppedFrom.clear();
    this.assigned = new Set();
  }

  /**
   * The app's timer ran. A gap since its last run longer than the session timeout is a freeze (a
   * long GC pause, SIGSTOP) this member may have been evicted during: writes are held until a
   * heartbeat proves the membership. Noted here, not only at the next send: the timer is often the
   * first thing to run after a freeze, and the commit it starts right after would otherwise send
   * what was buffered before the freeze, after the new owner's writes (found by the eviction
   * hand-back test).
   */
  noteAlive(now: number): void {
    const frozenMs = now - this.lastAlive;
    if (frozenMs > this.deps.config.consumer.sessionTimeoutMs && !this.heldUntilHeartbeat) {
      this.heldUntilHeartbeat = true;
      this.log.info(`the event loop did not run for ${frozenMs} ms, longer than consumer.sessionTimeoutMs: nothing is sent until a heartbeat proves this member is still in its group`);
    }
    this.lastAlive = now;
  }

  /** A heartbeat succeeded: this member is still in its generation; writes and retries held after a freeze go on. */
  onHeartbeat(): void {
    if (this.heldUntilHeartbeat) {
      this.heldUntilHeartbeat = false;
      this.log.info('a heartbeat proved this member is still in its group: its tasks re-open');
    }
    // A loss of membership is followed by a new assignment (the client re-joins). If heartbeats
    // succeed for a session timeout and none came, the loss was of a generation this member has
    // left behind already: its tasks are closed dirty and the last assignment applied again, so
    // it does not stay idle.
    const last = this.lastAssignment;
    if (this.membershipLost !== undefined && last !== undefined && Date.now() - this.membershipLostAt > this.deps.config.consumer.sessionTimeoutMs) {
      this.log.info(`no new assignment came after this member lost its membership (${this.membershipLost}); applying its last one again`);
      this.deps.schedule(async () => {
        if (this.membershipLost !== undefined) await this.applyAssignment(last.partitions, this.memberId, last.userData);
      });
    }
  }

  /**
   * At-most-once and at-least-once, before each send of the shared producer (which, unlike an
   * exactly-once task's producer, no newer owner fences): refuses to write for a member that may no
   * longer own its partitions, as its writes would land after the new owner's, and a stale
   * changelog record after a newer one corrupts the store of whoever restores it (issue 12, problem
   * 1). That is a member that lost its membership, or whose event loop was frozen (a long GC pause,
   * SIGSTOP) past the session timeout, until a heartbeat proves it is still in its group. The
   * failure is retriable: every task is rewound to its committed offsets.
   */
  private assertMayWrite(): void {
    if (this.membershipLost !== undefined) {
      throw new StreamsError(
        `this member lost its group membership (${this.membershipLost}): its output is not sent, and the partitions' next owner processes their input again`,
        { category: 'retriable', action: 'retrying' },
      );
    }
    const frozenMs = Date.now() - this.lastAlive;
    if (frozenMs > this.deps.config.consumer.sessionTimeoutMs) this.heldUntilHeartbeat = true;
    if (this.heldUntilHeartbeat) {
      throw new StreamsError(
        `the event loop was blocked for longer than consumer.sessionTimeoutMs (${this.deps.config.consumer.sessionTimeoutMs} ms): this member may have been ` +
          'evicted meanwhile, so its output is not sent until a heartbeat proves its membership; its tasks are rewound to their committed offsets',
        { category: 'retriable', action: 'retrying' },
      );
    }
  }

  /** Ids of the standby tasks whose stores are caught up with their changelogs: told to the assignor. */
  warmTaskIds(): string[] {
    return this.standbys?.warm() ?? [];
  }

  /** Ids of the tasks whose stores are being restored. */
  /** Ids of the tasks this member owns that failed and wait for a retry (not processing now). */
  retryingTaskIds(): string[] {
    return this.retries.ids().filter((id) => this.assigned.has(id));
  }

  restoringTaskIds(): string[] {
    const ids = [...this.tasks.values()].filter((a) => a.state === 'RESTORING').map((a) => a.task.id);
    // A task whose restore failed and waits for its retry is still to be restored.
    for (const id of this.restoreRetrying) if (this.assigned.has(id) && !this.tasks.has(id)) ids.push(id);
    return ids;
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
    let opened: ActiveTask[] = [];
    const retried = new Set<string>();
    let requests: RestoreRequest[];
    try {
      for (const id of ids) {
        const [sub, partition] = id.split('_').map(Number) as [number, number];
        opened.push(await this.openTask(subs[sub]!, partition));
      }
      const committed = await this.readCommittedOffsets(opened);
      // A task whose offsets could not be read is retried alone: the others go on.
      opened = opened.filter((a) => !committed.failed.has(a));
      for (const [active, err] of committed.failed) {
        retried.add(active.task.id);
        await this.closeTask(active, false);
        await this.onRetriable(active.task.id, err);
      }
      requests = this.prepareRestore(opened);
    } catch (err) {
      for (const active of opened) await this.closeTask(active, false);
      for (const id of ids) if (!retried.has(id)) await this.onRetriable(id, err);
      return;
    }
    const restoring = new Set(requests.map((r) => r.taskId));
    for (const active of opened) {
      const id = active.task.id;
      if (this.retries.isWaiting(id)) this.retries.reopened(id);
      if (restoring.has(id)) this.pauseInputs(active, true);
      else this.startTask(active, seekToCommitted);
    }
    if (requests.length > 0) this.restoreInBackground(requests);
  }

  /** Stops (or starts again) fetching a task's input partitions; a consumer that is restarting cannot, and need not. */
  private pauseInputs(active: ActiveTask, pause: boolean): void {
    const partitions = active.task.inputPartitions();
    try {
      if (pause) this.deps.consumer.pause(partitions);
      else this.deps.consumer.resume(partitions);
    } catch (err) {
      this.log.info(`could not ${pause ? 'pause' : 'resume'} the partitions of task ${active.task.id} now: ${toError(err).message}`);
    }
  }

  /**
   * A task's stores are restored: it processes from here. Where it seeks to: its committed offset,
   * else where its aborted work began, else the first offset dropped while it was not running.
   */
  private startTask(active: ActiveTask, seek: boolean): void {
    const { task } = active;
    const id = task.id;
    active.state = 'RUNNING';
    active.appendsSinceCommit = 0;
    this.restoreRetrying.delete(id);
    try {
      task.initProcessors();
    } catch (err) {
      // A processor's init failed: the user's code, fatal (the uncaught-exception handler decides).
      throw asStreamsError(toError(err), id);
    }
    for (const tp of task.inputPartitions()) this.byPartition.set(`${tp.topic}:${tp.partition}`, active);
    const resume = this.resumeOffsets.get(id);
    this.resumeOffsets.delete(id);
    for (const tp of task.inputPartitions()) {
      const key = `${tp.topic}:${tp.partition}`;
      const dropped = this.droppedFrom.get(key);
      this.droppedFrom.delete(key);
      if (!seek && dropped === undefined) continue;
      // No offset committed yet: resume where the aborted work began, not where the consumer got to.
      const offset = task.nextOffset(tp.topic) ?? resume?.get(tp.topic) ?? dropped;
      if (offset === undefined) continue;
      task.setCommittedOffsets(new Map([[key, offset]]));
      try {
        this.deps.consumer.seek({ ...tp, offset });
      } catch (err) {
        // The consumer is restarting (kafkajs: "Consumer group was not initialized"): when it has
        // re-joined it fetches from the committed offsets, and the task skips what it has done.
        this.log.info(`could not seek ${tp.topic}-${tp.partition} now (${toError(err).message}); the consumer re-joins from the committed offsets`);
      }
    }
    if (active.changelogs.size > 0 || seek) this.pauseInputs(active, false);
    this.startPartitionGroup(active, seek);
  }

  /**
   * Restores the stores of these tasks in the background: the app's other tasks keep processing,
   * and each task starts as soon as its own stores have caught up (issue 12, problem 4).
   */
  private restoreInBackground(requests: RestoreRequest[]): void {
    const { config } = this.deps;
    const restore: ChangelogRestore = new ChangelogRestore(
      {
        client: this.deps.client,
        admin: this.deps.admin,
        applicationId: config.applicationId,
        settings: consumerSettings(config),
        // No global limit: a restore fails only when it stops moving, and is then retried within taskTimeoutMs.
        stallMs: Math.max(config.requestTimeoutMs, 2 * config.consumer.sessionTimeoutMs),
        listener: config.stateRestoreListener,
        log: (message) => this.log.info(message),
        events: {
          onTaskRestored: (taskId, positions) => this.deps.schedule(() => this.finishRestore(taskId, restore, positions)),
          onFailed: (taskIds, error) => this.deps.schedule(() => this.restoreFailed(taskIds, restore, error)),
        },
      },
      requests,
    );
    for (const id of restore.taskIds()) this.restores.set(id, restore);
    restore.start();
  }

  private async finishRestore(taskId: string, restore: ChangelogRestore, positions: ReadonlyMap<string, bigint>): Promise<void> {
    if (this.restores.get(taskId) !== restore) return;
    this.restores.delete(taskId);
    const active = this.tasks.get(taskId);
    if (active === undefined || active.state !== 'RESTORING') return;
    for (const c of active.changelogs.values()) {
      const position = positions.get(`${c.topic}:${c.partition}`);
      if (position !== undefined) c.position = position;
    }
    // At-least-once: a crash before the first commit restores from here, not from the beginning.
    if (!this.eos) await this.checkpointStores(active);
    this.log.info(`task ${taskId} is restored (${restore.records} changelog records so far in ${restore.durationMs} ms) and processes`, { taskId });
    this.startTask(active, true);
    this.deps.onRestored();
  }

  private async restoreFailed(taskIds: readonly string[], restore: ChangelogRestore, error: Error): Promise<void> {
    for (const id of taskIds) {
      if (this.restores.get(id) !== restore) continue;
      this.restores.delete(id);
      const active = this.tasks.get(id);
      if (active === undefined || active.state !== 'RESTORING') continue;
      this.rememberResume(active);
      await this.closeTask(active, false);
      // Still to be restored: the app is not RUNNING until it is (restoringTaskIds).
      this.restoreRetrying.add(id);
      const category = classifyError(error);
      await this.onRetriable(
        id,
        new StreamsError(`task ${id}: restoring its stores failed: ${error.message}`, {
          category,
          action: category === 'retriable' ? 'retrying' : 'fatal',
          cause: error,
          taskId: id,
        }),
      );
    }
    // Not after a fatal failure (thrown above): the app goes to PENDING_ERROR, never RUNNING.
    this.deps.onRestored();
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
    this.restoreRetrying.delete(id);
    this.unstableOffsets.delete(id);
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
    // A member that may no longer own its partitions re-opens nothing until its membership is settled.
    if (this.heldUntilHeartbeat || this.membershipLost !== undefined) return;
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
    // This member lost its membership: its tasks are closed at the next assignment, and nothing
    // more is processed until then (the partitions' next owner processes these records).
    if (this.membershipLost !== undefined) return;
    const active = this.byPartition.get(`${batch.topic}:${batch.partition}`);
    if (active === undefined && batch.records.length > 0 && !isStale()) this.noteDropped(batch);
    // Dropped records come again: how far the consumer covered this partition no longer tells its lag.
    if (active === undefined) this.coveredWithoutTask.set(`${batch.topic}:${batch.partition}`, null);
    if (active === undefined || active.fenced || isStale()) {
      // A batch of a task closed as fenced: reopen it if the group still assigns it here. The seek
      // makes this batch stale; the records come again from the committed offset. (A task waiting
      // for a retry is re-opened by the timer, and seeks then.)
      await this.reopenFencedTasks(heartbeat);
      return;
    }
    const { task } = active;
    const last = batch.records[batch.records.length - 1];
    if (last !== undefined) this.deps.sensors.consumer.fetched(batch.topic, batch.partition, batch.records.length, last.offset, batch.highWatermark);
    const startedAt = performance.now();
    const processedBefore = task.processedCount;
    const droppedBefore = task.drops.total;
    if (this.deps.config.processingGuarantee === 'at_most_once' && batch.records.length > 0) {
      // At most once: the offsets move before the records are processed, so a crash loses them
      // instead of repeating them.
      const last = batch.records[batch.records.length - 1]!;
      const offset = { topic: batch.topic, partition: batch.partition, offset: (BigInt(last.offset) + 1n).toString() };
      await this.deps.consumer.commitOffsets([offset]);
      task.markCommitted([offset]);
    }
    try {
      const group = task.partitionGroup;
      if (group === undefined) {
        const decoded = task.decode(batch);
        task.process(batch, decoded instanceof Promise ? await decoded : decoded);
      } else {
        // Several input partitions: buffered, then taken in timestamp order as far as the task is
        // processable. Never waits here for another partition's records: kafkajs hands over the
        // batches of one fetch one after another, so they come after this call returns.
        const added = group.add(batch);
        if (added !== undefined) await added;
        group.process(Date.now());
      }
      const pending = task.pendingWork();
      if (pending !== undefined) await awaitWithHeartbeats(pending, heartbeat, this.deps.config.consumer.heartbeatIntervalMs);
      if (!active.collector.hasCapacity()) await this.makeRoom(active);
    } catch (err) {
      await this.onTaskError(active, err);
      await this.reopenFencedTasks(heartbeat);
    } finally {
      this.recordProcessed(active, processedBefore, droppedBefore, performance.now() - startedAt);
    }
  }

  /**
   * The task's collector is over its bound: wait until its records are sent. Sealed by a commit in
   * flight, its held records go only once that commit settles, so it is settled here first.
   */
  private async makeRoom(active: ActiveTask): Promise<void> {
    if (active.collector.sealed) await this.settlePipelinedCommit();
    if (this.tasks.get(active.task.id) === active && !active.collector.hasCapacity()) await active.collector.waitForCapacity();
  }

  /** Per batch, not per record: what a task processed and dropped, and the time it took. */
  private recordProcessed(active: ActiveTask, processedBefore: number, droppedBefore: number, ms: number): void {
    const { task, sensors } = active;
    const processed = task.processedCount - processedBefore;
    const dropped = task.drops.total - droppedBefore;
    const thread = this.deps.sensors.thread;
    if (processed > 0) {
      thread.process.record(processed);
      thread.processLatency.record(ms / processed);
      sensors.process.record(processed);
    }
    if (dropped > 0) sensors.droppedRecords.record(dropped);
    sensors.activeProcessRatio.record(ms);
  }

  /** A batch of a partition whose task is not running here (restoring, or waiting for a retry): remember where it began. */
  private noteDropped(batch: FetchedBatch): void {
    const sub = this.subTopologyOfTopic.get(batch.topic);
    if (sub === undefined || !this.assigned.has(taskIdOf(sub.id, batch.partition))) return;
    const key = `${batch.topic}:${batch.partition}`;
    if (!this.droppedFrom.has(key)) this.droppedFrom.set(key, batch.records[0]!.offset);
  }

  /**
   * Processes what multi-partition tasks buffered and may now process: a wait for an empty
   * partition that ended (maxTaskIdleMs, or the bound on waiting for records that do not arrive),
   * or records of it that proved to be only transaction markers. Run from the timer, under the lock.
   */
  async processIdleTasks(now: number): Promise<void> {
    for (const active of [...this.tasks.values()]) {
      const group = active.task.partitionGroup;
      if (group === undefined || group.bufferedRecords === 0 || active.fenced || this.tasks.get(active.task.id) !== active) continue;
      const startedAt = performance.now();
      const processedBefore = active.task.processedCount;
      const droppedBefore = active.task.drops.total;
      try {
        if (group.process(now) === 0) continue;
        this.recordProcessed(active, processedBefore, droppedBefore, performance.now() - startedAt);
        const pending = active.task.pendingWork();
        if (pending !== undefined) await pending;
        if (!active.collector.hasCapacity()) await this.makeRoom(active);
      } catch (err) {
        await this.onTaskError(active, err);
      }
    }
  }

  /** The consumer covered a partition up to `lastOffset`, markers and aborted records included: what tells a waiting task that no record is coming. */
  batchEnded(topic: string, partition: number, lastOffset: string): void {
    this.deps.sensors.consumer.covered(topic, partition, lastOffset);
    const key = `${topic}:${partition}`;
    const active = this.byPartition.get(key);
    if (active !== undefined) active.task.partitionGroup?.batchEnded(topic, lastOffset);
    else if (this.coveredWithoutTask.get(key) !== null && this.subTopologyOfTopic.has(topic)) this.coveredWithoutTask.set(key, lastOffset);
  }

  /**
   * A task with several input partitions gets its partition group when it starts: it then reads
   * them in timestamp order. Their end offsets are read now, in the background, so that an empty
   * partition with records on the broker is waited for from the first batch (until they are known,
   * each counts as having some). `seeked`: the consumer was sent back to the committed offsets, so
   * how far it had covered the partitions before says nothing any more.
   */
  private startPartitionGroup(active: ActiveTask, seeked: boolean): void {
    const { config, consumer, admin } = this.deps;
    const { task } = active;
    const covered = new Map<string, string>();
    for (const tp of task.inputPartitions()) {
      const key = `${tp.topic}:${tp.partition}`;
      const offset = this.coveredWithoutTask.get(key);
      this.coveredWithoutTask.delete(key);
      if (typeof offset === 'string' && !seeked) covered.set(tp.topic, offset);
    }
    // A topic with fewer partitions than the task's number (a merge) has no partition here.
    const partitions = task.inputPartitions().filter((tp) => tp.partition < (this.deps.partitionCounts.get(tp.topic) ?? Infinity));
    if (partitions.length < 2) return;
    const group = new PartitionGroup(task, partitions, {
      maxTaskIdleMs: config.maxTaskIdleMs,
      // The bound on waiting for records the broker has but that do not come (only transaction
      // markers or aborted records behind the end offset, an open transaction): a broker's answer time.
      maxLagWaitMs: Math.max(config.requestTimeoutMs, config.maxTaskIdleMs),
      fromBeginning: config.consumer.autoOffsetReset === 'earliest',
      awaitEndOffsets: true,
      pause: (tp) => this.pauseOrResume(consumer.pause.bind(consumer), tp, 'pause'),
      resume: (tp) => this.pauseOrResume(consumer.resume.bind(consumer), tp, 'resume'),
      onEnforced: (e) => this.onEnforcedProcessing(e),
    });
    task.partitionGroup = group;
    for (const [topic, offset] of covered) group.batchEnded(topic, offset);
    for (const tp of partitions) {
      void bounded(admin.offsetRange(tp.topic), this.callTimeoutMs, `reading the end offsets of ${tp.topic}`).then(
        (ranges) => group.setEndOffsets(tp.topic, ranges.get(tp.partition)),
        (err: unknown) => {
          this.log.info(`task ${task.id}: could not read the end offsets of ${tp.topic}-${tp.partition} (${toError(err).message}); its lag is known from its fetches only`);
          group.setEndOffsets(tp.topic, undefined);
        },
      );
    }
  }

  private pauseOrResume(call: (partitions: readonly TopicPartition[]) => void, tp: TopicPartition, what: string): void {
    try {
      call([tp]);
    } catch (err) {
      // A consumer that is restarting: it fetches every partition again anyway.
      this.log.debug(`could not ${what} ${tp.topic}-${tp.partition} now: ${toError(err).message}`);
    }
  }

  private onEnforcedProcessing(e: EnforcedProcessing): void {
    this.enforcedProcessing++;
    this.tasks.get(e.taskId)?.sensors.enforcedProcessing.record();
    if (e.reason === 'idle') {
      this.log.debug(`task ${e.taskId} processes without ${e.topic}-${e.partition}: no records of it for maxTaskIdleMs (${e.waitedMs} ms)`);
      return;
    }
    this.log.warn(
      `task ${e.taskId} processes without waiting longer for ${e.topic}-${e.partition} (enforced processing): the broker has records of it ` +
        `that did not arrive in ${e.waitedMs} ms; records of its other partitions may be processed before earlier ones of it`,
      { taskId: e.taskId },
    );
  }

  /**
   * Reopens the tasks closed as fenced that the group still assigns to this member (a zombie that
   * re-joined and got its stale task back): a new producer fences the other one, and the task
   * re-reads its committed offsets and state and seeks there. From a batch, a heartbeat first proves
   * the membership (an evicted member learns it there and re-joins instead); from the timer, a task
   * waits two heartbeat intervals, time for the consumer loop to find an eviction itself.
   */
  async reopenFencedTasks(heartbeat?: () => Promise<void>): Promise<void> {
    if (this.sharedSendFailed) {
      this.sharedSendFailed = false;
      const failure = this.sharedCollector?.failed;
      // Only a fatal one here (it throws); a retriable one rewinds the tasks at the next batch or commit, as before.
      if (failure !== undefined && classifyError(failure) === 'fatal' && !isRecordProductionError(failure)) await this.onSharedSendFailure(failure);
    }
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
    const thread = this.deps.sensors.thread;
    for (const { task, fenced } of this.tasks.values()) {
      if (fenced) continue;
      const startedAt = performance.now();
      const ran = task.punctuate('wall-clock-time', now);
      if (ran > 0) {
        thread.punctuate.record(ran);
        thread.punctuateLatency.record(performance.now() - startedAt);
      }
    }
  }

  requestCommit(): void {
    this.commitRequested = true;
  }

  /** True when the commit interval has passed (or a processor asked) and there is something to commit. */
  commitDue(now: number): boolean {
    // Exactly-once: a pipelined commit still in flight is not waited for; the next one starts once it
    // settled, and not before its held records had UNSEAL_DELAY_MS to go out (see RecordCollector.unseal).
    // Under load the interval stretches to the commits' own pace instead of stalling the loop.
    if (this.pipelined !== undefined || now - this.pipelinedSettledAt < UNSEAL_DELAY_MS) return false;
    if (!this.commitRequested && now - this.lastCommit < this.deps.config.commitIntervalMs) return false;
    for (const a of this.tasks.values()) if (a.transaction !== undefined || a.task.offsetsToCommit().length > 0) return true;
    if (this.sharedCollector !== undefined && this.sharedCollector.buffered > 0) return true;
    // A member that keeps only standby copies still checkpoints them at the commit interval.
    if (this.standbys?.needsCheckpoint() === true) return true;
    this.lastCommit = now;
    return false;
  }

  /**
   * Commits every task by the app's guarantee. `pipelined` (the processing loop's commits under
   * exactly-once): the commit is started and this returns at once; processing goes on while the
   * brokers flush, take the offsets and end the transactions, and what it produces meanwhile is held
   * back for the next transaction (see {@link startPipelinedCommit}). Any other commit first settles
   * one in flight, then commits synchronously.
   */
  async commitAll(options: { readonly pipelined?: boolean } = {}): Promise<void> {
    await this.settlePipelinedCommit();
    const startedAt = performance.now();
    if (this.eos && options.pipelined === true && (await this.startPipelinedCommit(startedAt))) return;
    await this.commitAllUnmeasured();
    this.recordCommit(startedAt);
  }

  private recordCommit(startedAt: number): void {
    const thread = this.deps.sensors.thread;
    thread.commit.record();
    thread.commitLatency.record(performance.now() - startedAt);
  }

  /**
   * Exactly-once, from the processing loop: takes each task's offsets now, seals its collector (what
   * is buffered is this transaction's; what is produced from here on is held back), and starts the
   * flush, sendOffsets and commit of every task at once without waiting for them. Returns false when
   * there is nothing to pipeline (the synchronous path then does what is left, such as standby
   * checkpoints). The commit is settled under the app's lock once its calls are done, or earlier by
   * whatever needs the tasks (a rebalance, a close, an error, a full collector): see
   * {@link settlePipelinedCommit}. Kafka Streams blocks its stream thread for the whole commit; at a
   * 100 ms commit interval that idle time was about a third of the wall time of a fast pipeline here.
   */
  private async startPipelinedCommit(startedAt: number): Promise<boolean> {
    if (this.membershipLost !== undefined) return false;
    for (const { task, fenced } of this.tasks.values()) {
      const pending = fenced ? undefined : task.pendingWork();
      if (pending !== undefined) await pending;
    }
    const entries: PipelinedEntry[] = [];
    for (const active of this.tasks.values()) {
      if (active.fenced || active.state !== 'RUNNING') continue;
      const offsets = active.task.offsetsToCommit();
      if (active.transaction === undefined && offsets.length === 0 && active.collector.buffered === 0) continue;
      active.collector.seal();
      entries.push({ active, offsets, appends: active.appendsSinceCommit, outcome: this.commitTransactionIo(active, offsets) });
    }
    if (entries.length === 0) return false;
    this.commitRequested = false;
    this.lastCommit = Date.now();
    const commit: PipelinedCommit = { entries, startedAt };
    this.pipelined = commit;
    void Promise.all(entries.map((e) => e.outcome)).then(() => {
      if (this.pipelined === commit) this.deps.schedule(() => this.settleInBackground(commit));
    });
    return true;
  }

  /**
   * The settle scheduled when a pipelined commit's calls ended. The loop does not wait for a commit
   * in flight (see {@link commitDue}): if the next one fell due meanwhile, it starts once the held
   * records have gone out, rather than at the next batch or tick (the last records of a burst would
   * otherwise wait up to a commit interval more to be committed).
   */
  private async settleInBackground(commit: PipelinedCommit): Promise<void> {
    if (this.pipelined !== commit) return;
    await this.settlePipelinedCommit();
    if (!this.commitRequested && Date.now() - this.lastCommit < this.deps.config.commitIntervalMs) return;
    const timer = setTimeout(() => {
      this.deps.schedule(async () => {
        if (this.commitDue(Date.now())) await this.commitAll({ pipelined: true });
      });
    }, UNSEAL_DELAY_MS);
    timer.unref();
  }

  /**
   * Ends a pipelined commit: waits for its broker calls (each bounded), then, per task, marks the
   * offsets committed and releases the held records (they open the next transaction), or hands the
   * failure to the task's error handling (the task is closed without writing: its held records and
   * its store's writes since the offsets taken are dropped, and it resumes from its committed offsets).
   */
  private async settlePipelinedCommit(): Promise<void> {
    const commit = this.pipelined;
    if (commit === undefined) return;
    const outcomes = await Promise.all(commit.entries.map((e) => e.outcome));
    if (this.pipelined !== commit) return;
    this.pipelined = undefined;
    this.pipelinedSettledAt = Date.now();
    for (let i = 0; i < commit.entries.length; i++) {
      const { active, offsets, appends } = commit.entries[i]!;
      if (this.tasks.get(active.task.id) !== active) continue;
      const outcome = outcomes[i]!;
      if (outcome === true || outcome === 'idle') {
        if (outcome === true) this.transactionCommitted(active, offsets, appends);
        active.collector.unseal();
      } else {
        await this.settleTransactionCommit(active, outcome);
      }
    }
    await this.standbys?.checkpoint();
    this.commits++;
    this.recordCommit(commit.startedAt);
  }

  private async commitAllUnmeasured(): Promise<void> {
    this.commitRequested = false;
    this.lastCommit = Date.now();
    // No longer a member: there is nothing this member may commit.
    if (this.membershipLost !== undefined) return;
    // Async work a wall-clock punctuator started is finished first: a commit covers only finished work.
    for (const { task, fenced } of this.tasks.values()) {
      const pending = fenced ? undefined : task.pendingWork();
      if (pending !== undefined) await pending;
    }
    if (this.eos) {
      // Every task's transaction commits at the same time (each has its own producer): the round
      // trips (flush, AddOffsetsToTxn, TxnOffsetCommit, EndTxn) overlap instead of adding up, task
      // after task. Failures are then handled one task at a time, in order, as before.
      const actives = [...this.tasks.values()];
      const offsets = actives.map((active) => active.task.offsetsToCommit());
      const appends = actives.map((active) => active.appendsSinceCommit);
      const outcomes = actives.map((active, i) => this.commitTransactionIo(active, offsets[i]!));
      for (let i = 0; i < actives.length; i++) {
        const outcome = await outcomes[i]!;
        if (outcome === true) this.transactionCommitted(actives[i]!, offsets[i]!, appends[i]!);
        await this.settleTransactionCommit(actives[i]!, outcome);
      }
    } else {
      await this.commitShared();
    }
    await this.standbys?.checkpoint();
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
    if (offsets.length === 0) {
      // Nothing to commit, but a punctuator may have written to a store.
      await this.checkpointAll();
      return;
    }
    try {
      await bounded(this.deps.consumer.commitOffsets(offsets), this.callTimeoutMs, 'committing offsets');
    } catch (err) {
      if (classifyError(err) === 'task-migrated') {
        // Evicted or a stale generation: the member re-joins, and whoever owns the partitions next
        // processes what was not committed (at least once). Nothing for a handler.
        this.log.info(`committing offsets failed: this member left the group's generation (${toError(err).message}); re-joining`);
        // Evicted, or a generation this member missed (not a rebalance it takes part in).
        if (membershipLossType(err) !== undefined) this.markMembershipLost(`committing offsets: ${toError(err).message}`);
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
    await this.checkpointAll();
  }

  /** At-least-once, after a commit: every running task's stores move to what was written, and are checkpointed. */
  private async checkpointAll(): Promise<void> {
    for (const active of [...this.tasks.values()]) {
      if (active.state !== 'RUNNING') continue;
      this.advanceChangelogs(active);
      await this.checkpointStores(active);
    }
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

  /** Closes every task: committed and checkpointed when `clean`, otherwise as after a crash; and the standby tasks. */
  async closeAll(clean: boolean): Promise<void> {
    for (const active of [...this.tasks.values()]) await this.closeTask(active, clean);
    await this.standbys?.closeAll();
  }

  /**
   * Adds the counts of the manager this one replaces (a re-subscription of pattern sources builds
   * the loop again), so the app's counters keep counting since it started.
   */
  carryCountsFrom(previous: TaskManager): void {
    this.commits += previous.commits;
    this.processedByClosedTasks += previous.recordsProcessed();
    this.droppedByClosedTasks = sumDropped([this.droppedByClosedTasks, previous.droppedRecords()]);
    this.enforcedProcessing += previous.enforcedProcessing;
    this.recordsRestored += previous.recordsRestored;
  }

  /**
   * A store's instances in this member's tasks, for interactive queries. A task still restoring
   * makes the query fail with an InvalidStateStoreError (its store is partial), unless the caller
   * accepts stale reads; then its partial store is read too.
   */
  storeInstances(name: string, staleReads = false): StateStore[] {
    const result: StateStore[] = [];
    for (const a of this.tasks.values()) {
      const s = a.stores.get(name);
      if (s === undefined) continue;
      if (a.state === 'RESTORING' && !staleReads) {
        throw new InvalidStateStoreError(
          name,
          `task ${a.task.id} is restoring it from its changelog; query again once the app is RUNNING, or pass { staleReads: true } to read it as restored so far`,
        );
      }
      result.push(s);
    }
    return result;
  }

  /** Records dropped by this instance since it started, across the tasks it has had: total and per reason. */
  droppedRecords(): DroppedRecordCounts {
    return sumDropped([this.droppedByClosedTasks, ...[...this.tasks.values()].map((a) => a.task.drops.snapshot())]);
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
    const offsets = active.task.offsetsToCommit();
    const appends = active.appendsSinceCommit;
    const outcome = await this.commitTransactionIo(active, offsets);
    if (outcome === true) this.transactionCommitted(active, offsets, appends);
    return this.settleTransactionCommit(active, outcome, closing);
  }

  /** A task's commit that failed goes to the task's error handling (closing: logged only); true when it committed (or had nothing to). */
  private async settleTransactionCommit(active: ActiveTask, outcome: CommitOutcome, closing = false): Promise<boolean> {
    if (outcome === 'idle') return true;
    if (typeof outcome === 'boolean') return outcome;
    const err = outcome.error;
    if (closing) {
      this.log.info(`task ${active.task.id}: the last commit before closing it failed (${toError(err).message}); closing it without committing`);
      return false;
    }
    await this.onTaskError(active, err);
    return false;
  }

  /**
   * Commits a task's transaction with these offsets (taken by the caller): true when committed,
   * 'idle' when there was nothing to commit, false when the task is fenced; the error otherwise,
   * for {@link settleTransactionCommit}. Never rejects. The caller records a success
   * ({@link transactionCommitted}).
   */
  private async commitTransactionIo(active: ActiveTask, offsets: TopicPartitionOffset[]): Promise<CommitOutcome> {
    const { task } = active;
    if (active.fenced) return false;
    if (active.transaction === undefined && offsets.length === 0 && active.collector.buffered === 0) return 'idle';
    try {
      // A transaction the sends opened takes the offsets while its records are being flushed (the
      // order inside a transaction does not matter: nothing of it is read before its EndTxn): the
      // round trips of AddOffsetsToTxn and TxnOffsetCommit overlap the flush instead of following it.
      const open = active.transaction;
      const offsetsSent = open !== undefined && offsets.length > 0 ? this.boundedTxnCall(task.id, open.sendOffsets(this.deps.config.applicationId, offsets), 'sendOffsets') : undefined;
      // Handled below, after the flush; a rejection before then is not an unhandled one.
      offsetsSent?.catch(() => undefined);
      try {
        await bounded(active.collector.flush(), this.callTimeoutMs, `task ${task.id}: sending output records`);
      } catch (err) {
        // The transaction is aborted next: not while its offsets are still being added to it.
        await offsetsSent?.catch(() => undefined);
        throw err;
      }
      const tx = active.transaction ?? (await active.producer!.beginTransaction());
      active.transaction = tx;
      if (offsetsSent !== undefined) await offsetsSent;
      else if (offsets.length > 0) await this.boundedTxnCall(task.id, tx.sendOffsets(this.deps.config.applicationId, offsets), 'sendOffsets');
      const commitStarted = process.hrtime.bigint();
      await this.boundedTxnCall(task.id, tx.commit(), 'commit');
      const producerSensors = this.deps.sensors.producer;
      producerSensors.txnCommit.record();
      producerSensors.txnCommitNs += Number(process.hrtime.bigint() - commitStarted);
      return true;
    } catch (error) {
      return { error };
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
   * A task's transaction committed with `offsets`: they are its committed offsets, its stores hold
   * their changelogs up to what was written, and `appends` (the changelog writes counted when the
   * offsets were taken) are no longer uncommitted.
   */
  private transactionCommitted(active: ActiveTask, offsets: readonly TopicPartitionOffset[], appends: number): void {
    active.transaction = undefined;
    active.task.markCommitted(offsets);
    this.advanceChangelogs(active, appends);
    this.retries.clear(active.task.id);
    this.productionRounds.delete(active.task.id);
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
    // A pipelined commit in flight ends first; its own failure may already have closed this task.
    if (this.pipelined !== undefined) {
      await this.settlePipelinedCommit();
      if (this.tasks.get(active.task.id) !== active) return;
    }
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
      if (active.transaction !== undefined) {
        const abortStarted = process.hrtime.bigint();
        await bounded(active.transaction.abort(), this.callTimeoutMs, `task ${active.task.id}: abort`);
        const producerSensors = this.deps.sensors.producer;
        producerSensors.txnAbort.record();
        producerSensors.txnAbortNs += Number(process.hrtime.bigint() - abortStarted);
      }
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
      const offset = active.task.resumeOffset(tp.topic) ?? this.droppedFrom.get(`${tp.topic}:${tp.partition}`);
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
    const active = {
      producer: undefined,
      transaction: undefined,
      fenced: false,
      state: 'RESTORING',
      changelogs: new Map<string, StoreChangelog>(),
      appendsSinceCommit: 0,
      sensors: this.deps.sensors.thread.task(id),
    } as unknown as ActiveTask;
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
          return active.transaction.send(records, maxRequestBytes);
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
    // A standby copy of this task's stores kept here is taken as it is: only the changelog's tail
    // is restored. Otherwise the stores are opened from local state (checkpoint) or empty.
    const warm = await this.standbys?.take(id, this.eos);
    let opened;
    try {
      opened = warm?.stores ?? (await openTaskStores(config, topology, sub, id, partition));
    } catch (err) {
      if (producer !== undefined) void producer.disconnect().catch(() => undefined);
      throw err;
    }
    const { stores, link } = opened;
    const defaultSerdes = { key: config.defaultKeySerde, value: config.defaultValueSerde };
    const task = new StreamTask(id, sub, partition, {
      applicationId: config.applicationId,
      nodes: new Map(topology.nodeDefs().map((n) => [n.name, n])),
      defaultSerdes,
      topicName: this.deps.topicName,
      collector,
      errors: router,
      stores,
      ...(this.deps.globalStores !== undefined ? { globalStores: this.deps.globalStores } : {}),
      requestCommit: () => this.requestCommit(),
      logger: config.logger,
      sensors: active.sensors,
      traceAround: config.traceContext?.around,
    });
    link.timestamp = () => task.currentRecordTimestamp();
    link.append = (topic, key, value, timestamp) => {
      active.appendsSinceCommit++;
      collector.send(topic, key, value, timestamp, undefined, partition);
    };
    for (const [name, { topic }] of opened.changelogs) {
      active.changelogs.set(name, { topic, partition, position: warm?.positions.get(name), checkpointed: undefined });
      // What a previous instance of this task wrote says nothing about this one's store.
      collector.forgetWritten([{ topic, partition }]);
    }
    Object.assign(active, { task, stores, collector, router, producer });
    this.deps.sensors.thread.taskCreated.record();
    this.tasks.set(id, active);
    return active;
  }

  /**
   * Reads the committed offsets of the gained tasks (after their producers fenced the previous
   * owners), each task's own partitions in a request of its own, as Kafka Streams' StreamTask does:
   * a partition whose offsets are held by a transaction not completed yet (the coordinator answers
   * UNSTABLE_OFFSET_COMMIT until it is) keeps only its own task waiting.
   *
   * @returns The tasks whose read failed, with why; the others have their offsets.
   */
  private async readCommittedOffsets(opened: readonly ActiveTask[]): Promise<{ failed: Map<ActiveTask, unknown> }> {
    const { config, admin } = this.deps;
    const failed = new Map<ActiveTask, unknown>();
    const reads = await Promise.allSettled(opened.map((a) => admin.committedOffsets(config.applicationId, a.task.inputPartitions())));
    for (const [n, read] of reads.entries()) {
      const active = opened[n]!;
      const id = active.task.id;
      if (read.status === 'fulfilled') {
        active.task.setCommittedOffsets(read.value);
        this.unstableOffsets.delete(id);
        continue;
      }
      failed.set(active, read.reason);
      if (protocolErrorType(read.reason) === 'UNSTABLE_OFFSET_COMMIT') this.reportLikelyHangingTransaction(active);
    }
    return { failed };
  }

  /**
   * A task's committed offsets refused as unstable for longer than the broker lets a transaction it
   * knows stay open (`producer.transactionTimeoutMs`, then the coordinator's abort sweep) points to a
   * hanging transaction: records and a pending offset commit of a transaction on the partitions that
   * the transaction coordinator no longer tracks, so that nothing ever completes it. Only an operator
   * can end it; the task keeps retrying until `taskTimeoutMs`. Said once per run of refusals, at error.
   */
  private reportLikelyHangingTransaction(active: ActiveTask): void {
    const id = active.task.id;
    const now = Date.now();
    const run = this.unstableOffsets.get(id) ?? { since: now, reported: false };
    this.unstableOffsets.set(id, run);
    const { config } = this.deps;
    const limit = config.producer.transactionTimeoutMs + HANGING_TRANSACTION_MARGIN_MS;
    if (run.reported || now - run.since < limit) return;
    run.reported = true;
    const partitions = active.task.inputPartitions().map((p) => `${p.topic}-${p.partition}`);
    this.log.error(
      `task ${id}: the committed offsets of ${partitions.join(', ')} (group '${config.applicationId}') have been held by an unfinished transaction for ` +
        `${Math.round((now - run.since) / 1000)} s, longer than a transaction may stay open (producer.transactionTimeoutMs, ${config.producer.transactionTimeoutMs} ms): ` +
        "likely a hanging transaction, one whose records are in the partitions but that the broker's transaction coordinator no longer tracks, so nothing completes it. " +
        'It blocks this task and read_committed readers of those partitions until it is aborted: find it with ' +
        "`kafka-transactions.sh --bootstrap-server <broker> find-hanging --broker-id <id>` (on each broker), then abort it on each partition that holds it (the task's " +
        "outputs and changelogs, and the group's __consumer_offsets partition) with `kafka-transactions.sh --bootstrap-server <broker> abort --topic <topic> --partition <n> --start-offset <offset>`. " +
        `The task keeps retrying until taskTimeoutMs (${config.taskTimeoutMs} ms).`,
      { taskId: id },
    );
  }

  /** Lists the changelog partitions the stores of the gained tasks restore from. */
  private prepareRestore(opened: readonly ActiveTask[]): RestoreRequest[] {
    const requests: RestoreRequest[] = [];
    for (const active of opened) {
      for (const [name, changelog] of active.changelogs) {
        const store = active.stores.get(name)!;
        requests.push({
          taskId: active.task.id,
          storeName: name,
          topic: changelog.topic,
          partition: changelog.partition,
          from: changelog.position?.toString() ?? store.restoredOffset,
          apply: (records) => {
            store.restoreBatch(records.map((r) => ({ key: r.key!, value: r.value, offset: r.offset, timestamp: r.timestamp })));
            this.recordsRestored += records.length;
            active.sensors.restore.record(records.length);
          },
          reset: () => store.wipe(),
        });
      }
    }
    return requests;
  }

  /**
   * After a commit: each logged store now holds its changelog up to the last record this task
   * wrote and the brokers acknowledged (the commit flushed every write before it).
   */
  private advanceChangelogs(active: ActiveTask, appends?: number): void {
    // `appends`: the writes the commit covered; those made since (a pipelined commit) are still uncommitted.
    active.appendsSinceCommit = appends === undefined ? 0 : Math.max(0, active.appendsSinceCommit - appends);
    for (const c of active.changelogs.values()) {
      const written = active.collector.writtenOffset(c.topic, c.partition);
      if (written !== undefined && (c.position === undefined || written + 1n > c.position)) c.position = written + 1n;
    }
  }

  /**
   * At-least-once: writes the checkpoint of each persistent logged store whose position moved, after
   * its data is on disk (the store's flush writes the checkpoint last). A crash then restores only
   * what came after. Exactly-once checkpoints only at a clean close: while a transaction is open the
   * store may hold writes that will abort.
   */
  private async checkpointStores(active: ActiveTask): Promise<void> {
    for (const [name, c] of active.changelogs) {
      const store = active.stores.get(name)!;
      if (!store.persistent || c.position === undefined || c.position === c.checkpointed) continue;
      try {
        store.checkpoint(c.position.toString());
        await store.flush();
        c.checkpointed = c.position;
      } catch (err) {
        // No checkpoint is always safe: the store is restored from further back.
        this.log.warn(`could not checkpoint store '${name}' of task ${active.task.id}: ${toError(err).message}`);
      }
    }
  }

  /**
   * Closes a task. Clean: commit what it did, then checkpoint persistent stores at the position of
   * their changelog they hold (the last record written and acknowledged) and close them. Dirty
   * (fenced, failed, crashed, membership lost): no writes; under exactly-once a store that may hold
   * uncommitted writes is wiped and will be restored.
   */
  private async closeTask(active: ActiveTask, clean: boolean): Promise<void> {
    if (this.pipelined !== undefined) {
      const open = this.tasks.get(active.task.id) === active;
      await this.settlePipelinedCommit();
      // Its commit failed and its error handling closed it.
      if (open && this.tasks.get(active.task.id) !== active) return;
    }
    const { task } = active;
    this.tasks.delete(task.id);
    this.deps.sensors.thread.taskClosed.record();
    active.sensors.close();
    this.processedByClosedTasks += task.processedCount;
    for (const tp of task.inputPartitions()) {
      if (this.byPartition.get(`${tp.topic}:${tp.partition}`) === active) this.byPartition.delete(`${tp.topic}:${tp.partition}`);
    }
    const restore = this.restores.get(task.id);
    if (restore !== undefined) {
      this.restores.delete(task.id);
      restore.cancel(task.id);
    }
    if (active.state === 'RESTORING') this.pauseInputs(active, false);
    let committed = false;
    if (clean && !active.fenced && active.state === 'RUNNING') {
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
          this.advanceChangelogs(active);
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
    // After the last commit's flush: a record the production handler skipped there counts too.
    this.droppedByClosedTasks = sumDropped([this.droppedByClosedTasks, task.drops.snapshot()]);
    // The store holds its changelog up to its position when every write it made is in the
    // changelog and committed: after the last commit (clean), or when nothing was written since the
    // last one (dirty). Otherwise, under exactly-once it may hold writes of an aborted transaction:
    // wiped, and restored from the beginning. (At-least-once keeps its data and last checkpoint and
    // is restored from there: its extra writes are ones the reprocessed records make again.)
    const consistent = active.state === 'RUNNING' && (committed || active.appendsSinceCommit === 0);
    for (const [name, store] of active.stores) {
      try {
        const position = active.changelogs.get(name)?.position;
        if (consistent && store.persistent && position !== undefined) store.checkpoint(position.toString());
        else if (!consistent && this.eos && store.persistent) await store.wipe();
        await store.close();
      } catch (err) {
        this.log.warn(`store '${name}' of task ${task.id} failed to close: ${toError(err).message}`);
      }
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

  private newCollector(unmetered: BatchSender, onFailure?: () => void): RecordCollector {
    const { config, admin, partitionCounts } = this.deps;
    const { recordSend, recordError } = this.deps.sensors.producer;
    const sender: BatchSender = async (records, maxRequestBytes) => {
      try {
        const written = await unmetered(records, maxRequestBytes);
        recordSend.record(records.length);
        return written;
      } catch (err) {
        recordError.record(records.length);
        throw err;
      }
    };
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
        propagateTraceContext: config.traceContext?.propagate === true,
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

/** The error's protocol type when it says this member is out of its group's generation: evicted, or a generation it missed. */
function membershipLossType(err: unknown): string | undefined {
  for (let e = err as { type?: string; cause?: unknown; originalError?: unknown } | undefined, depth = 0; e && depth < 4; depth++) {
    if (e.type === 'UNKNOWN_MEMBER_ID' || e.type === 'ILLEGAL_GENERATION' || e.type === 'FENCED_INSTANCE_ID') return e.type;
    e = (e.cause ?? e.originalError) as typeof e;
  }
  return undefined;
}

function toError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

/** A fatal error of a task as errors$ and the uncaught-exception handler see it: a StreamsError naming the task. */
function asStreamsError(error: Error, taskId: string): StreamsError {
  if (error instanceof StreamsError) return error;
  return new StreamsError(`task ${taskId}: ${error.message}`, { category: 'fatal', action: 'fatal', cause: error, taskId });
}
