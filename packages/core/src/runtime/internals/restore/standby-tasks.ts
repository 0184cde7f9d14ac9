import { randomBytes } from 'node:crypto';
import type { ConsumerPort, KafkaClientPort } from '../../../client/internals/kafka-port.js';
import type { ResolvedStreamsConfig } from '../../../config/streams-config.js';
import type { SubTopology } from '../../../topology/sub-topologies.js';
import type { Topology } from '../../../topology/topology.js';
import { consumerSettings } from '../client-options.js';
import { openTaskStores, type TaskStores } from '../stores/task-stores.js';

/** A standby whose changelogs lag their end by at most this many records counts as caught up (Kafka Streams' `acceptable.recovery.lag` default). */
export const ACCEPTABLE_RECOVERY_LAG = 10_000;

/** One changelog partition a standby follows, and how far its store holds it. */
interface FollowedChangelog {
  readonly storeName: string;
  readonly topic: string;
  readonly partition: number;
  /** The offset after the last changelog record applied to the store; undefined: from the beginning. */
  position: bigint | undefined;
  /** The partition's end offset as the last fetch saw it. */
  highWatermark: bigint | undefined;
  checkpointed: bigint | undefined;
}

/** A standby task: a warm copy of a task's stores, kept up to date from their changelogs. */
export interface StandbyTask {
  readonly id: string;
  readonly stores: TaskStores;
  /** Per store name: the changelog it follows. */
  readonly changelogs: Map<string, FollowedChangelog>;
}

/** What the standby tasks need from the app. */
export interface StandbyDeps {
  readonly config: ResolvedStreamsConfig;
  readonly topology: Topology;
  readonly client: KafkaClientPort;
  readonly log: (level: 'info' | 'warn', message: string) => void;
}

/**
 * This member's standby tasks (`numStandbyReplicas`, as Kafka Streams): for each, the task's stores
 * are open here and follow the task's changelog partitions through one read_committed consumer of
 * a throwaway group (kafkajs has no `assign()`; the partitions of other tasks are paused), so they
 * only ever hold committed writes. When the task's active copy moves here, its stores are taken as
 * they are and only the changelog's tail is restored. Persistent standby stores are checkpointed
 * as the app commits, so a restart resumes following where it was.
 */
export class StandbyTasks {
  private readonly tasks = new Map<string, StandbyTask>();
  /** `topic:partition` -> the changelog followed there. */
  private readonly byPartition = new Map<string, FollowedChangelog & { readonly task: StandbyTask }>();
  private follower: ConsumerPort | undefined;
  /** The set of partitions the running follower was started for, as a sorted list. */
  private followed = '';
  private chain: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(private readonly deps: StandbyDeps) {}

  /** Ids of the standby tasks this member keeps. */
  ids(): string[] {
    return [...this.tasks.keys()];
  }

  /** Ids of the standby tasks whose stores are caught up (lag known and at most {@link ACCEPTABLE_RECOVERY_LAG}). */
  warm(): string[] {
    const result: string[] = [];
    for (const t of this.tasks.values()) {
      let caughtUp = true;
      for (const c of [...t.changelogs.values()].map((f) => this.byPartitionOf(f) ?? f)) {
        if (c.highWatermark === undefined || c.highWatermark - (c.position ?? 0n) > BigInt(ACCEPTABLE_RECOVERY_LAG)) caughtUp = false;
      }
      if (caughtUp) result.push(t.id);
    }
    return result;
  }

  /** Keeps exactly these standby tasks: opens the new ones, closes the others, and follows their changelogs. */
  async apply(wanted: ReadonlySet<string>): Promise<void> {
    if (this.closed) return;
    for (const id of [...this.tasks.keys()]) if (!wanted.has(id)) await this.closeTask(id);
    const subs = this.deps.topology.subTopologies();
    for (const id of wanted) {
      if (this.tasks.has(id)) continue;
      const [subId, partition] = id.split('_').map(Number) as [number, number];
      const sub: SubTopology | undefined = subs[subId];
      if (sub === undefined || sub.stores.length === 0) continue;
      try {
        const stores = await openTaskStores(this.deps.config, this.deps.topology, sub, id, partition);
        if (stores.changelogs.size === 0) {
          for (const s of stores.stores.values()) await s.close();
          continue;
        }
        const task: StandbyTask = { id, stores, changelogs: new Map() };
        for (const [name, c] of stores.changelogs) {
          const from = stores.stores.get(name)!.restoredOffset;
          const followed: FollowedChangelog = {
            storeName: name,
            topic: c.topic,
            partition: c.partition,
            position: from === undefined ? undefined : BigInt(from),
            highWatermark: undefined,
            checkpointed: undefined,
          };
          task.changelogs.set(name, followed);
          this.byPartition.set(`${c.topic}:${c.partition}`, { ...followed, task });
        }
        this.tasks.set(id, task);
        this.deps.log('info', `keeping a standby copy of task ${id}`);
      } catch (err) {
        // A standby is an optimization: one that cannot open is logged and left out.
        this.deps.log('warn', `could not open standby task ${id}: ${(err as Error).message}`);
      }
    }
    this.refollow();
  }

  /**
   * Hands a standby's stores over to the active task that takes its place here: they are no
   * longer followed. Returns undefined when this member keeps no standby of that task.
   */
  async take(id: string, exactlyOnce: boolean): Promise<{ stores: TaskStores; positions: Map<string, bigint | undefined> } | undefined> {
    const task = this.tasks.get(id);
    if (task === undefined) return undefined;
    this.forget(task);
    this.refollow();
    const positions = new Map<string, bigint | undefined>();
    for (const [name, c] of task.changelogs) positions.set(name, this.byPartitionOf(c)?.position ?? c.position);
    // Under exactly-once an active task's store may hold writes of a transaction that will abort:
    // the checkpoint the standby wrote must not outlive the hand-over, or a crash would restore
    // from it on top of those writes.
    if (exactlyOnce) for (const store of task.stores.stores.values()) if (store.persistent) await store.discardCheckpoint?.();
    this.deps.log('info', `task ${id} takes over its standby copy's stores`);
    return { stores: task.stores, positions };
  }

  /** True when a persistent standby store moved past its last checkpoint. */
  needsCheckpoint(): boolean {
    for (const task of this.tasks.values()) {
      for (const [name, c] of task.changelogs) {
        const live = this.byPartitionOf(c);
        if (task.stores.stores.get(name)!.persistent && live?.position !== undefined && live.position !== live.checkpointed) return true;
      }
    }
    return false;
  }

  /** Checkpoints persistent standby stores whose position moved (they only hold committed writes). */
  async checkpoint(): Promise<void> {
    for (const task of this.tasks.values()) {
      for (const [name, c] of task.changelogs) {
        const live = this.byPartitionOf(c);
        const store = task.stores.stores.get(name)!;
        if (live === undefined || !store.persistent || live.position === undefined || live.position === live.checkpointed) continue;
        try {
          store.checkpoint(live.position.toString());
          await store.flush();
          live.checkpointed = live.position;
        } catch (err) {
          this.deps.log('warn', `could not checkpoint standby store '${name}' of task ${task.id}: ${(err as Error).message}`);
        }
      }
    }
  }

  /** Stops following and closes every standby (checkpointed first). */
  async closeAll(): Promise<void> {
    this.closed = true;
    await this.stopFollower();
    await this.checkpoint();
    for (const id of [...this.tasks.keys()]) await this.closeTask(id);
  }

  private byPartitionOf(c: { topic: string; partition: number }): (FollowedChangelog & { task: StandbyTask }) | undefined {
    return this.byPartition.get(`${c.topic}:${c.partition}`);
  }

  private forget(task: StandbyTask): void {
    this.tasks.delete(task.id);
    for (const c of task.changelogs.values()) {
      const key = `${c.topic}:${c.partition}`;
      const live = this.byPartition.get(key);
      if (live !== undefined) c.position = live.position;
      this.byPartition.delete(key);
    }
  }

  private async closeTask(id: string): Promise<void> {
    const task = this.tasks.get(id);
    if (task === undefined) return;
    const positions = new Map([...task.changelogs].map(([name, c]) => [name, this.byPartitionOf(c)?.position ?? c.position]));
    this.forget(task);
    for (const [name, store] of task.stores.stores) {
      try {
        const position = positions.get(name);
        if (store.persistent && position !== undefined) store.checkpoint(position.toString());
        await store.close();
      } catch (err) {
        this.deps.log('warn', `standby store '${name}' of task ${id} failed to close: ${(err as Error).message}`);
      }
    }
  }

  /** Restarts the follower when the set of followed partitions changed (serialized, in the background). */
  private refollow(): void {
    const wanted = [...this.byPartition.keys()].sort().join(',');
    if (wanted === this.followed && (this.follower !== undefined || wanted === '')) return;
    this.followed = wanted;
    this.chain = this.chain
      .then(async () => {
        await this.stopFollower();
        if (!this.closed && this.byPartition.size > 0 && this.followed === wanted) await this.startFollower();
      })
      .catch((err: unknown) => this.deps.log('warn', `the standby changelog reader failed to start: ${(err as Error).message}`));
  }

  private async stopFollower(): Promise<void> {
    const follower = this.follower;
    this.follower = undefined;
    await follower?.disconnect().catch(() => undefined);
  }

  private async startFollower(): Promise<void> {
    const { config, client } = this.deps;
    const consumer = client.consumer({
      ...consumerSettings(config),
      groupId: `${config.applicationId}-standby-${randomBytes(6).toString('hex')}`,
      readCommitted: true,
      fromBeginning: true,
    });
    this.follower = consumer;
    await consumer.connect();
    await consumer.subscribe([...new Set([...this.byPartition.values()].map((c) => c.topic))]);
    await consumer.run(
      async (batch) => {
        if (this.follower !== consumer) return;
        const c = this.byPartition.get(`${batch.topic}:${batch.partition}`);
        if (c === undefined) return;
        c.highWatermark = BigInt(batch.highWatermark);
        const from = c.position ?? 0n;
        const records = batch.records.filter((r) => BigInt(r.offset) >= from);
        if (records.length === 0) return;
        c.task.stores.stores.get(c.storeName)!.restoreBatch(records.map((r) => ({ key: r.key!, value: r.value, offset: r.offset, timestamp: r.timestamp })));
        c.position = BigInt(records[records.length - 1]!.offset) + 1n;
      },
      {
        onGroupJoin: (assignment) => {
          if (this.follower !== consumer) return;
          const others = assignment.filter((tp) => !this.byPartition.has(`${tp.topic}:${tp.partition}`));
          if (others.length > 0) consumer.pause(others);
          for (const tp of assignment) {
            const c = this.byPartition.get(`${tp.topic}:${tp.partition}`);
            if (c?.position !== undefined) consumer.seek({ ...tp, offset: c.position.toString() });
          }
        },
        onRebalancing: () => undefined,
        onCrash: (error, restart) => {
          if (this.follower !== consumer) return;
          this.deps.log('warn', `the standby changelog reader crashed${restart ? ' and restarts' : ''}: ${error.message}`);
          if (!restart) {
            this.followed = '';
            this.refollow();
          }
        },
        onBatchEnd: (topic, partition, lastOffset) => {
          if (this.follower !== consumer) return;
          const c = this.byPartition.get(`${topic}:${partition}`);
          const next = BigInt(lastOffset) + 1n;
          if (c !== undefined && (c.position === undefined || next > c.position)) c.position = next;
        },
      },
    );
  }
}
