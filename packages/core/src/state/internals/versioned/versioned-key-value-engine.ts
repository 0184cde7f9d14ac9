import { DelegatingStore } from '../delegating-store.js';
import type { KeyValueBytesStore } from '../../key-value-bytes-store.js';
import type { ChangelogRecord, StateStoreContext } from '../../state-store.js';
import type { VersionedKeyValueBytesStore } from '../../versioned-bytes-store.js';
import { PUT_RETURN_CODE_NOT_PUT, PUT_RETURN_CODE_VALID_TO_UNDEFINED, type VersionedRecord } from '../../versioned-key-value-store.js';
import { decodeVersions, encodeVersions, insertVersion, pruneVersions, versionIndexAsOf, type Version } from './version-list.js';

/** Where the observed stream time is kept in the engine below, so a persistent store finds it after a restart. */
const STREAM_TIME_KEY = Buffer.from([0x00]);
/** Data keys are the user's key after this byte, so no key meets {@link STREAM_TIME_KEY}. */
const DATA_PREFIX = 0x01;

/**
 * A versioned engine (KIP-889) over a key-value bytes engine, in memory or on lmdb: each key's
 * versions are one entry of the engine below (see `version-list.ts`), so that engine's write
 * buffer, checkpoint, wipe and durability serve the versioned store as they are.
 *
 * **Stream time and retention**, as Kafka Streams' versioned stores: the engine tracks the newest
 * timestamp it was given (put or restored), its observed stream time. A put older than stream time
 * minus `historyRetentionMs` is refused ({@link PUT_RETURN_CODE_NOT_PUT}); a query as of a time
 * before that boundary answers nothing; versions only such queries could reach are dropped when
 * their key is next written. The latest version of a key is kept whatever its age.
 *
 * **Restore** replays the changelog's puts and deletions with their record timestamps, which the
 * changelogging layer set to the versions' timestamps, through the same path as a put: the
 * history comes back as it was, and so does the stream time.
 */
export class VersionedKeyValueEngine extends DelegatingStore<KeyValueBytesStore> implements VersionedKeyValueBytesStore {
  private observedStreamTime = Number.NEGATIVE_INFINITY;

  constructor(
    inner: KeyValueBytesStore,
    /** How long versions that are no longer the latest are kept, relative to observed stream time. */
    readonly historyRetentionMs: number,
  ) {
    super(inner);
    if (!Number.isSafeInteger(historyRetentionMs) || historyRetentionMs < 0) {
      throw new TypeError(`versioned state store '${inner.name}': historyRetentionMs must be a non-negative integer, got ${String(historyRetentionMs)}`);
    }
  }

  get(key: Buffer, asOfTimestamp?: number): VersionedRecord<Buffer> | undefined {
    const versions = this.versionsOf(dataKey(key));
    if (versions.length === 0) return undefined;
    if (asOfTimestamp === undefined) return recordAt(versions, versions.length - 1);
    if (asOfTimestamp < this.observedStreamTime - this.historyRetentionMs) return undefined;
    return recordAt(versions, versionIndexAsOf(versions, asOfTimestamp));
  }

  put(key: Buffer, value: Buffer | null, timestamp: number): number {
    return this.putVersion(dataKey(key), value, timestamp);
  }

  delete(key: Buffer, timestamp: number): VersionedRecord<Buffer> | undefined {
    const before = this.get(key, timestamp);
    this.putVersion(dataKey(key), null, timestamp);
    return before;
  }

  /**
   * Replays changelog records as puts at their record timestamps. A record without one (a runtime
   * that does not pass timestamps) is taken as of the observed stream time.
   */
  override restoreBatch(records: readonly ChangelogRecord[]): void {
    for (const record of records) {
      const timestamp = record.timestamp ?? (Number.isFinite(this.observedStreamTime) ? this.observedStreamTime : 0);
      this.putVersion(dataKey(record.key), record.value, timestamp);
    }
  }

  override async wipe(): Promise<void> {
    await this.inner.wipe();
    this.observedStreamTime = Number.NEGATIVE_INFINITY;
  }

  protected opened(_context: StateStoreContext): void {
    const stored = this.inner.get(STREAM_TIME_KEY);
    this.observedStreamTime = stored === undefined || stored.length !== 8 ? Number.NEGATIVE_INFINITY : stored.readDoubleBE(0);
  }

  private putVersion(key: Buffer, value: Buffer | null, timestamp: number): number {
    if (!Number.isFinite(timestamp)) throw new TypeError(`versioned state store '${this.name}': timestamp must be a number of milliseconds, got ${String(timestamp)}`);
    if (timestamp < this.observedStreamTime - this.historyRetentionMs) return PUT_RETURN_CODE_NOT_PUT;
    if (timestamp > this.observedStreamTime) {
      this.observedStreamTime = timestamp;
      const time = Buffer.allocUnsafe(8);
      time.writeDoubleBE(timestamp, 0);
      this.inner.put(STREAM_TIME_KEY, time);
    }
    const versions = this.versionsOf(key);
    const at = insertVersion(versions, { timestamp, value });
    const validTo = at + 1 < versions.length ? versions[at + 1]!.timestamp : PUT_RETURN_CODE_VALID_TO_UNDEFINED;
    const kept = pruneVersions(versions, this.observedStreamTime - this.historyRetentionMs);
    this.inner.put(key, kept.length === 0 ? null : encodeVersions(kept));
    return validTo;
  }

  private versionsOf(key: Buffer): Version[] {
    const bytes = this.inner.get(key);
    return bytes === undefined ? [] : decodeVersions(bytes);
  }
}

function dataKey(key: Buffer): Buffer {
  const out = Buffer.allocUnsafe(key.length + 1);
  out[0] = DATA_PREFIX;
  key.copy(out, 1);
  return out;
}

/** The record of `versions[index]`; undefined when there is none or it is a deletion. */
function recordAt(versions: readonly Version[], index: number): VersionedRecord<Buffer> | undefined {
  if (index < 0) return undefined;
  const version = versions[index]!;
  if (version.value === null) return undefined;
  const next = versions[index + 1];
  return next === undefined ? { value: version.value, timestamp: version.timestamp } : { value: version.value, timestamp: version.timestamp, validTo: next.timestamp };
}
