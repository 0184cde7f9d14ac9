/**
 * A store used when it cannot be: not opened yet, closed, or broken by a failed write. Kafka Streams
 * calls it `InvalidStateStoreException`; interactive queries see it while a task is being moved.
 */
export class InvalidStateStoreError extends Error {
  /** The store's name, as the topology names it. */
  readonly storeName: string;

  constructor(storeName: string, message: string, options?: { cause?: unknown }) {
    super(`state store '${storeName}': ${message}`, options);
    this.name = 'InvalidStateStoreError';
    this.storeName = storeName;
  }
}
