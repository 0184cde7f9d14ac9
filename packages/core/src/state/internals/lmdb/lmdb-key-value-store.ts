import { lstat, mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { open } from 'lmdb';
import type { RootDatabase } from 'lmdb';
import { assertValidStoreName } from '../changelog/changelog-topic.js';
import { assertCheckpointOffset, readCheckpoint, removeCheckpoint, writeCheckpoint } from '../changelog/checkpoint-file.js';
import { InvalidStateStoreError } from '../../invalid-state-store-error.js';
import { KEY_PREFIX, LMDB_MAX_KEY_BYTES, storedKey, storedRange } from './lmdb-key-encoding.js';
import type { KeyValueBytesStore } from '../../key-value-bytes-store.js';
import type { KeyValue } from '../../key-value-store.js';
import { lowerBound, SortedKeyMap, upperBound } from '../key-value/sorted-key-map.js';
import type { ChangelogRecord, StateStoreContext } from '../../state-store.js';
import type { LmdbKeyValueStoreOptions } from '../../window-store-options.js';

export { LMDB_MAX_KEY_BYTES } from './lmdb-key-encoding.js';

const DEFAULT_WRITE_BUFFER_ENTRIES = 10_000;
const DEFAULT_WRITE_BUFFER_BYTES = 16 * 1024 * 1024;

/** Buffered writes: a value, or null for a delete not yet written. */
type Layer = SortedKeyMap<Buffer | null>;

interface LayerCursor {
  readonly keys: readonly string[];
  position: number;
  readonly end: number;
}

/**
 * The persistent storage engine, on lmdb: one lmdb environment per store and task, in
 * `<taskDir>/<storeName>/`, keys in unsigned byte order (lmdb's default comparison).
 *
 * **Write buffer.** Writes are synchronous for the caller but lmdb's own writes are transactions
 * committed off the event loop, so writes first go to an in-memory buffer that reads consult
 * before lmdb (gets look it up, ranges merge it). The buffer is written to lmdb in one transaction
 * when `flush()` is called or as soon as it holds `writeBufferEntries` distinct keys (default
 * 10,000) or `writeBufferBytes` of keys and values (default 16 MiB). A buffer being written stays
 * readable until its transaction commits; lmdb commits transactions in the order they were
 * started, which is what keeps the newest write on top. So memory stays within the bound times the
 * number of transactions in flight, normally one: a transaction of 10,000 entries commits in
 * milliseconds, far faster than a task fills the next buffer.
 *
 * **Durability.** `flush()` resolves once the data is on disk: lmdb makes a commit visible before
 * its fsync completes (overlapping sync), so `flush` also awaits lmdb's `flushed`.
 *
 * **Checkpoint.** `<taskDir>/<storeName>.checkpoint` (JSON) holds the changelog offset given to
 * `checkpoint(offset)`, written by the next `flush()` or `close()` after the data is durable.
 * `init` reads it into `restoredOffset` and deletes it: from then on the data moves past that
 * offset, and under exactly_once it may hold writes of a transaction that will abort, so a crash
 * must leave no checkpoint behind. `init` without a usable checkpoint deletes the data it finds,
 * so that the full restore that follows starts from an empty store.
 *
 * **Limits.** Keys up to {@link LMDB_MAX_KEY_BYTES} bytes: a longer key is rejected when written,
 * with an error naming the store; values have no practical limit.
 */
export class LmdbKeyValueStore implements KeyValueBytesStore {
  readonly name: string;
  readonly persistent = true;
  private readonly maxBufferedEntries: number;
  private readonly maxBufferedBytes: number;
  private db: RootDatabase<Buffer, Buffer> | undefined;
  private context: StateStoreContext | undefined;
  private restored: string | undefined;
  private pendingCheckpoint: string | undefined;
  /** Writes not yet handed to lmdb; the newest, so read first. */
  private dirty: Layer = new SortedKeyMap();
  private dirtyBytes = 0;
  /** Buffers handed to lmdb whose transactions have not committed yet, oldest first. */
  private writing: Layer[] = [];
  /** Settles (never rejects) when the last transaction started has committed or failed. */
  private lastWrite: Promise<void> | undefined;
  private failure: InvalidStateStoreError | undefined;
  /** Lookup keys are built here rather than allocated per get: lmdb copies the key during the call. */
  private readonly scratchKey = Buffer.allocUnsafe(LMDB_MAX_KEY_BYTES + 1);

  constructor(name: string, options: LmdbKeyValueStoreOptions = {}) {
    assertValidStoreName(name);
    this.name = name;
    this.maxBufferedEntries = positiveInteger(name, 'writeBufferEntries', options.writeBufferEntries, DEFAULT_WRITE_BUFFER_ENTRIES);
    this.maxBufferedBytes = positiveInteger(name, 'writeBufferBytes', options.writeBufferBytes, DEFAULT_WRITE_BUFFER_BYTES);
    this.scratchKey[0] = KEY_PREFIX;
  }

  get isOpen(): boolean {
    return this.db !== undefined;
  }

  get restoredOffset(): string | undefined {
    return this.restored;
  }

  /** Entries written but not yet committed to lmdb (buffered or in a transaction in flight). */
  get bufferedEntries(): number {
    let count = this.dirty.size;
    for (const layer of this.writing) count += layer.size;
    return count;
  }

  async init(context: StateStoreContext): Promise<void> {
    if (this.db !== undefined) throw new InvalidStateStoreError(this.name, 'is already open');
    this.context = context;
    const dir = this.dataDir(context);
    const checkpointPath = this.checkpointPath(context);
    // A checkpoint without its data (the folder was deleted) would skip the records before it.
    const offset = (await exists(dir)) ? await readCheckpoint(checkpointPath, context.changelog) : undefined;
    // Data without a checkpoint is at an unknown position (a crash, or a dirty close): under
    // exactly_once it may hold writes of an aborted transaction, which replaying the changelog over
    // it would not undo. The restore reads the whole changelog either way, so start empty.
    if (offset === undefined) await this.removeDataDir(dir);
    this.restored = offset;
    await removeCheckpoint(checkpointPath);
    await mkdir(dir, { recursive: true });
    this.openDb(dir);
  }

  async flush(): Promise<void> {
    const db = this.assertOpen();
    this.spill();
    await this.lastWrite;
    await db.flushed;
    if (this.failure !== undefined) throw this.failure;
    const offset = this.pendingCheckpoint;
    if (offset !== undefined && this.context !== undefined) {
      // Only now: the checkpoint must never claim data that is not yet on disk.
      await writeCheckpoint(this.checkpointPath(this.context), offset, this.context.changelog);
      if (this.pendingCheckpoint === offset) this.pendingCheckpoint = undefined;
    }
  }

  async close(): Promise<void> {
    if (this.db === undefined) return;
    try {
      await this.flush();
    } finally {
      await this.closeDb();
    }
  }

  checkpoint(offset: string): void {
    assertCheckpointOffset(this.name, offset);
    this.assertOpen();
    this.pendingCheckpoint = offset;
  }

  async discardCheckpoint(): Promise<void> {
    this.pendingCheckpoint = undefined;
    if (this.context !== undefined) await removeCheckpoint(this.checkpointPath(this.context));
  }

  async wipe(): Promise<void> {
    const context = this.context;
    if (context === undefined) throw new InvalidStateStoreError(this.name, 'was never opened: there is nothing to wipe');
    const wasOpen = this.db !== undefined;
    if (wasOpen) await this.closeDb();
    const dir = this.dataDir(context);
    await this.removeDataDir(dir);
    await removeCheckpoint(this.checkpointPath(context));
    this.restored = undefined;
    if (wasOpen) {
      await mkdir(dir, { recursive: true });
      this.openDb(dir);
    }
  }

  get(key: Buffer): Buffer | undefined {
    this.assertOpen();
    const buffered = this.buffered(key.toString('latin1'));
    if (buffered !== undefined) return buffered === null ? undefined : buffered;
    return this.readStored(key);
  }

  put(key: Buffer, value: Buffer | null): void {
    this.assertOpen();
    this.assertKeySize(key);
    this.buffer(key.toString('latin1'), value);
  }

  putIfAbsent(key: Buffer, value: Buffer): Buffer | undefined {
    const existing = this.get(key);
    if (existing !== undefined) return existing;
    this.put(key, value);
    return undefined;
  }

  putAll(entries: Iterable<KeyValue<Buffer, Buffer | null>>): void {
    for (const entry of entries) this.put(entry.key, entry.value);
  }

  delete(key: Buffer): Buffer | undefined {
    this.assertOpen();
    if (key.length > LMDB_MAX_KEY_BYTES) return undefined;
    const k = key.toString('latin1');
    const buffered = this.buffered(k);
    const previous = buffered === undefined ? this.readStored(key) : buffered === null ? undefined : buffered;
    if (previous !== undefined) this.buffer(k, null);
    return previous;
  }

  range(from?: Buffer, to?: Buffer): Iterable<KeyValue<Buffer, Buffer>> {
    this.assertOpen();
    return this.entriesBetween(from, to);
  }

  all(): Iterable<KeyValue<Buffer, Buffer>> {
    this.assertOpen();
    return this.entriesBetween(undefined, undefined);
  }

  /** Exact, at a cost proportional to the buffered writes (each is checked against lmdb). */
  approximateNumEntries(): number {
    const db = this.assertOpen();
    let count = (db.getStats() as { entryCount: number }).entryCount;
    const seen = new Set<string>();
    const layers = [this.dirty, ...this.writing.slice().reverse()];
    for (const layer of layers) {
      for (const [key, value] of layer.unsortedEntries()) {
        if (seen.has(key)) continue;
        seen.add(key);
        const stored = db.doesExist(storedKey(key));
        if (value === null && stored) count--;
        else if (value !== null && !stored) count++;
      }
    }
    return count;
  }

  restoreBatch(records: readonly ChangelogRecord[]): void {
    this.assertOpen();
    for (let i = 0; i < records.length; i++) {
      const record = records[i]!;
      this.assertKeySize(record.key);
      this.buffer(record.key.toString('latin1'), record.value);
    }
  }

  private buffer(key: string, value: Buffer | null): void {
    const previous = this.dirty.set(key, value);
    const size = value === null ? 0 : value.length;
    this.dirtyBytes += previous === undefined ? key.length + size : size - (previous === null ? 0 : previous.length);
    if (this.dirty.size >= this.maxBufferedEntries || this.dirtyBytes >= this.maxBufferedBytes) this.spill();
  }

  /** The buffered value (null: deleted), newest first; undefined when the key is not buffered. */
  private buffered(key: string): Buffer | null | undefined {
    const value = this.dirty.get(key);
    if (value !== undefined) return value;
    for (let i = this.writing.length - 1; i >= 0; i--) {
      const written = this.writing[i]!.get(key);
      if (written !== undefined) return written;
    }
    return undefined;
  }

  private readStored(key: Buffer): Buffer | undefined {
    const db = this.db;
    if (db === undefined || key.length > LMDB_MAX_KEY_BYTES) return undefined;
    key.copy(this.scratchKey, 1);
    return db.get(this.scratchKey.subarray(0, key.length + 1));
  }

  /** Hands the write buffer to lmdb as one transaction; it stays readable until that commits. */
  private spill(): void {
    const layer = this.dirty;
    const db = this.db;
    if (layer.size === 0 || db === undefined) return;
    this.dirty = new SortedKeyMap();
    this.dirtyBytes = 0;
    this.writing.push(layer);
    // A batch is encoded right here and committed as one transaction by lmdb's writer thread, off
    // the event loop; a transaction() callback would instead run every put on the event loop later.
    const write = db.batch(() => {
      for (const [key, value] of layer.unsortedEntries()) {
        if (value === null) void db.remove(storedKey(key));
        else void db.put(storedKey(key), value);
      }
    });
    this.lastWrite = write.then(
      () => this.retire(layer),
      (error: unknown) => {
        this.retire(layer);
        // The buffer's writes are lost: reads would now be wrong, so the store refuses all use
        // until it is wiped (and restored) or closed.
        this.failure ??= new InvalidStateStoreError(this.name, 'failed to write to lmdb; wipe and restore it', { cause: error });
      },
    );
  }

  private retire(layer: Layer): void {
    const i = this.writing.indexOf(layer);
    if (i >= 0) this.writing.splice(i, 1);
  }

  private *entriesBetween(from: Buffer | undefined, to: Buffer | undefined): Generator<KeyValue<Buffer, Buffer>, void, undefined> {
    const fromKey = from?.toString('latin1');
    const toKey = to?.toString('latin1');
    if (fromKey !== undefined && toKey !== undefined && fromKey > toKey) return;
    const db = this.db;
    if (db === undefined) return;
    // The buffers' key indexes as they are now (never modified later), merged with lmdb's range.
    // Values are looked up when each key is reached, so the newest buffered write wins.
    const cursors: LayerCursor[] = [];
    addCursor(cursors, this.dirty, fromKey, toKey);
    for (const layer of this.writing) addCursor(cursors, layer, fromKey, toKey);
    const stored = db.getRange(storedRange(from, to))[Symbol.iterator]();
    try {
      let next = stored.next();
      let nextKey = next.done === true ? undefined : next.value.key.toString('latin1', 1);
      for (;;) {
        let key = nextKey;
        for (const cursor of cursors) {
          const candidate = cursor.position < cursor.end ? cursor.keys[cursor.position]! : undefined;
          if (candidate !== undefined && (key === undefined || candidate < key)) key = candidate;
        }
        if (key === undefined) return;
        for (const cursor of cursors) {
          if (cursor.position < cursor.end && cursor.keys[cursor.position] === key) cursor.position++;
        }
        let storedEntry: { key: Buffer; value: Buffer } | undefined;
        if (nextKey === key && next.done !== true) {
          storedEntry = next.value;
          next = stored.next();
          nextKey = next.done === true ? undefined : next.value.key.toString('latin1', 1);
        }
        const buffered = this.buffered(key);
        if (buffered === null) continue;
        if (buffered !== undefined) {
          yield { key: Buffer.from(key, 'latin1'), value: buffered };
        } else if (storedEntry !== undefined) {
          yield { key: storedEntry.key.subarray(1), value: storedEntry.value };
        } else {
          // Buffered when the iteration started, committed to lmdb since.
          const keyBytes = Buffer.from(key, 'latin1');
          const value = this.readStored(keyBytes);
          if (value !== undefined) yield { key: keyBytes, value };
        }
      }
    } finally {
      stored.return?.();
    }
  }

  private assertOpen(): RootDatabase<Buffer, Buffer> {
    if (this.failure !== undefined) throw this.failure;
    if (this.db === undefined) throw new InvalidStateStoreError(this.name, 'is not open');
    return this.db;
  }

  private assertKeySize(key: Buffer): void {
    if (key.length > LMDB_MAX_KEY_BYTES) {
      throw new InvalidStateStoreError(
        this.name,
        `a key of ${key.length} bytes is longer than the ${LMDB_MAX_KEY_BYTES} bytes the lmdb store allows; use shorter keys or an in-memory store`,
      );
    }
  }

  private openDb(dir: string): void {
    this.resetBuffers();
    this.failure = undefined;
    this.pendingCheckpoint = undefined;
    this.db = open<Buffer, Buffer>({ path: dir, keyEncoding: 'binary', encoding: 'binary' });
  }

  /** Closes lmdb without writing the buffer; transactions already started finish first. */
  private async closeDb(): Promise<void> {
    const db = this.db;
    this.db = undefined;
    this.resetBuffers();
    await this.lastWrite;
    this.lastWrite = undefined;
    if (db !== undefined) await db.close();
  }

  private resetBuffers(): void {
    this.dirty = new SortedKeyMap();
    this.dirtyBytes = 0;
    this.writing = [];
  }

  private dataDir(context: StateStoreContext): string {
    return join(context.taskDir, this.name);
  }

  /**
   * Deletes the store's data directory, and only that: a file in its place is another's (a store
   * named `x.checkpoint` would find the checkpoint of store `x` there), so it is refused, not
   * deleted. A symbolic link is removed as a link; what it points to is left alone.
   */
  private async removeDataDir(dir: string): Promise<void> {
    let entry;
    try {
      entry = await lstat(dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    if (!entry.isDirectory() && !entry.isSymbolicLink()) {
      throw new InvalidStateStoreError(this.name, `expects its data directory at ${dir}, but a file is there: its name clashes with another store's files; rename the store`);
    }
    await rm(dir, { recursive: true, force: true });
  }

  private checkpointPath(context: StateStoreContext): string {
    return join(context.taskDir, `${this.name}.checkpoint`);
  }
}

function addCursor(cursors: LayerCursor[], layer: Layer, from: string | undefined, to: string | undefined): void {
  if (layer.size === 0) return;
  const keys = layer.sortedKeys();
  cursors.push({ keys, position: lowerBound(keys, from), end: upperBound(keys, to) });
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

function positiveInteger(store: string, option: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) {
    throw new TypeError(`state store '${store}': ${option} must be a positive integer, got ${String(value)}`);
  }
  return value;
}
