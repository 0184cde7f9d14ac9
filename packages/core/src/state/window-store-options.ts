/** Options of the lmdb engine; see `LmdbKeyValueStore` for what the write buffer does. */
export interface LmdbKeyValueStoreOptions {
  /** The write buffer is written to lmdb once it holds this many distinct keys. Default 10,000. */
  writeBufferEntries?: number;
  /** ... or this many bytes of keys and values, whichever comes first. Default 16 MiB. */
  writeBufferBytes?: number;
}

/** How long a window store keeps windows, and how long they are. */
export interface WindowStoreOptions {
  /**
   * How long windows are kept, measured from the newest window start written; at least the window
   * size. A windowed aggregation needs windows kept until they close (size + grace at least).
   */
  retentionMs: number;
  /** The size of the windows (sliding windows: their time difference). */
  windowSizeMs: number;
}

/** Options of a persistent window store: retention, window size, and the lmdb write buffer. */
export interface PersistentWindowStoreOptions extends WindowStoreOptions, LmdbKeyValueStoreOptions {}

/** How long a session store keeps sessions. */
export interface SessionStoreOptions {
  /**
   * How long sessions are kept, measured from the newest session end written. A session
   * aggregation needs at least its inactivity gap + grace.
   */
  retentionMs: number;
}

/** Options of a persistent session store: retention and the lmdb write buffer. */
export interface PersistentSessionStoreOptions extends SessionStoreOptions, LmdbKeyValueStoreOptions {}

/**
 * @internal
 */
export function assertRetention(store: string, retentionMs: number, windowSizeMs: number): void {
  if (!Number.isSafeInteger(windowSizeMs) || windowSizeMs < 0) {
    throw new RangeError(`state store '${store}': windowSizeMs must be an integer >= 0, got ${windowSizeMs}`);
  }
  if (!Number.isSafeInteger(retentionMs) || retentionMs < 0) {
    throw new RangeError(`state store '${store}': retentionMs must be an integer >= 0, got ${retentionMs}`);
  }
  if (retentionMs < windowSizeMs) {
    throw new RangeError(`state store '${store}': retentionMs (${retentionMs}) must be at least the window size (${windowSizeMs})`);
  }
}
