/** A changelog partition being restored. */
export interface RestoredPartition {
  /** The changelog topic, `<applicationId>-<store>-changelog`. */
  readonly topic: string;
  /** The changelog partition: the task's partition number. */
  readonly partition: number;
}

/**
 * Hears the progress of state restoration, as Kafka Streams' `StateRestoreListener`: a store is
 * restored from its changelog partition when its task opens on this instance, while the other tasks
 * keep processing. Each method is optional; one that throws is logged and the restore goes on. Offsets
 * are decimal strings.
 *
 * @example
 * const stateRestoreListener: StateRestoreListener = {
 *   onRestoreStart: (tp, store, start, end) => console.log(`restoring ${store} ${tp.topic}-${tp.partition} from ${start} to ${end}`),
 *   onRestoreEnd: (tp, store, total) => console.log(`restored ${store}: ${total} records`),
 * };
 */
export interface StateRestoreListener {
  /** A store's restore begins: it reads its changelog partition from `startOffset` to `endOffset` (exclusive). */
  onRestoreStart?(partition: RestoredPartition, storeName: string, startOffset: string, endOffset: string): void;
  /** A batch of `numRestored` records was applied, the last at `batchEndOffset`. */
  onBatchRestored?(partition: RestoredPartition, storeName: string, batchEndOffset: string, numRestored: number): void;
  /** The store caught up with its changelog partition after `totalRestored` records. */
  onRestoreEnd?(partition: RestoredPartition, storeName: string, totalRestored: number): void;
}
