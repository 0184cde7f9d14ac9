/**
 * Where a store sends its writes so that another instance can rebuild it: one partition of the
 * store's compacted changelog topic, `<applicationId>-<store>-changelog`, the partition being the
 * task's partition number.
 *
 * The runtime implements `append` by handing the record to the task's record collector, so under
 * exactly_once a changelog write commits or aborts with the task's outputs and offsets.
 */
export interface ChangelogSink {
  /** The changelog topic, `<applicationId>-<store>-changelog`. */
  readonly topic: string;
  /** The changelog partition: the task's partition number. */
  readonly partition: number;
  /**
   * Buffers one changelog record; synchronous, called on the per-record path. A null value is a
   * tombstone (the key was deleted). The buffers are the store's own: the sink must not modify them.
   */
  append(key: Buffer, value: Buffer | null, timestamp: number): void;
}

/** What the runtime hands a store when it opens it in a task. */
export interface StateStoreContext {
  /** `<subtopology>_<partition>`, e.g. `0_3`. */
  taskId: string;
  /** `<stateDir>/<taskId>`, created by the runtime before `init`. Persistent stores keep their files here. */
  taskDir: string;
  /** The store's changelog partition; undefined when logging is disabled for the store. */
  changelog?: ChangelogSink;
  /**
   * The application id. Store serdes are given the changelog topic name, as in Kafka Streams, so a
   * registry-backed serde picks the same subject whether or not logging is enabled; without it the
   * store falls back to the changelog sink's topic, then to the store name.
   */
  applicationId?: string;
  /**
   * The timestamp changelog records carry: the runtime passes one that returns the timestamp of the
   * record being processed (Kafka Streams does the same). Called as a plain function, once per
   * logged write; `Date.now` when absent.
   */
  currentTimestamp?: () => number;
}

/**
 * A store of state owned by one task: opened with `init`, written on the per-record path
 * (synchronously), made durable with `flush` and released with `close`. Each task gets its own
 * instance, built by a {@link StoreBuilder}.
 */
export interface StateStore {
  /** The store's name, unique in the topology. */
  readonly name: string;
  /** True when the store keeps its data on disk across restarts (lmdb); false for in-memory stores. */
  readonly persistent: boolean;
  /** Opens the store for a task. Reads and writes are allowed once the promise resolves. */
  init(context: StateStoreContext): Promise<void> | void;
  /** Writes what is buffered to durable storage (a no-op in memory). */
  flush(): Promise<void>;
  /** Flushes, then releases the store; `init` may open it again. */
  close(): Promise<void>;
  /** True between a successful `init` and `close`. */
  readonly isOpen: boolean;
}

/** One record of a changelog, as the runtime reads it back to restore a store. */
export interface ChangelogRecord {
  readonly key: Buffer;
  /** Null is a tombstone: the key was deleted. */
  readonly value: Buffer | null;
  /** The record's offset in the changelog partition, as kafkajs gives it. */
  readonly offset: string;
  /**
   * The record's timestamp. Versioned stores log each version with its timestamp as the record
   * timestamp and restore it from here; other stores ignore it.
   */
  readonly timestamp?: number;
}

/**
 * A store the runtime can rebuild from its changelog and checkpoint. Every store a
 * {@link StoreBuilder} builds is one.
 *
 * The runtime drives it in this order:
 *
 * 1. `init(context)`; then `restoredOffset` says where to restore from (undefined: from the
 *    beginning, into an empty store: a persistent store without a checkpoint drops its data at
 *    `init`, that data being of unknown position).
 * 2. `restoreBatch(records)` for each batch read (read_committed) from the changelog partition,
 *    from `restoredOffset` to the end; nothing is logged.
 * 3. Processing: puts and deletes, each also appended to the changelog.
 * 4. At a commit, optionally: `checkpoint(offset)` (at_least_once only, see below), then `flush()`.
 * 5. Clean close: after the last commit, `checkpoint(changelog end offset)`, then `close()`.
 *    Dirty close under exactly_once: `wipe()`, then `close()`.
 */
export interface RestorableStateStore extends StateStore {
  /**
   * The changelog offset to restore from, as read from the store's checkpoint by `init`: every
   * changelog record before it is already in the store (last applied offset + 1, like a committed
   * consumer offset). Undefined when there is no checkpoint (always, for in-memory stores).
   */
  readonly restoredOffset: string | undefined;
  /** Applies changelog records in order, without logging them: a null value deletes the key. */
  restoreBatch(records: readonly ChangelogRecord[]): void;
  /**
   * Records the changelog offset that the store's contents include everything before (the
   * changelog end offset once the writes are acknowledged or committed). The next `flush` or
   * `close` writes it to the checkpoint after the data is durable. Under exactly_once call it only
   * before the final `close`: a checkpoint taken while a transaction is open could outlive an abort.
   */
  checkpoint(offset: string): void;
  /**
   * Deletes the store's data and checkpoint, discarding buffered writes without writing them. An
   * open store stays open, empty and ready to be restored from the beginning.
   */
  wipe(): Promise<void>;
  /**
   * Deletes the store's checkpoint (and any checkpoint still to be written), keeping its data: from
   * now on the store may hold writes of an open transaction, so a crash must find no checkpoint.
   * Needed only by stores that keep a checkpoint (persistent ones).
   */
  discardCheckpoint?(): Promise<void>;
}
