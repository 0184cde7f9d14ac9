/**
 * The versions of one key in a versioned engine, as one value of the key-value engine below it:
 * `[8-byte timestamp (float64 BE)][4-byte length (int32 BE), -1 for a deletion][value bytes]` per
 * version, oldest first. One entry per key keeps a get to one lookup and lets the lmdb engine's
 * write buffer, checkpoint and restore machinery serve versioned stores unchanged.
 */

/** One version: a value, or null for a deletion (a tombstone version). */
export interface Version {
  readonly timestamp: number;
  readonly value: Buffer | null;
}

const HEADER_BYTES = 12;

/** The versions encoded in `bytes`, oldest first. The values are views of `bytes`. */
export function decodeVersions(bytes: Buffer): Version[] {
  const versions: Version[] = [];
  let at = 0;
  while (at < bytes.length) {
    const timestamp = bytes.readDoubleBE(at);
    const length = bytes.readInt32BE(at + 8);
    at += HEADER_BYTES;
    if (length < 0) {
      versions.push({ timestamp, value: null });
    } else {
      versions.push({ timestamp, value: bytes.subarray(at, at + length) });
      at += length;
    }
  }
  return versions;
}

/** `versions` as one buffer (see the file comment). */
export function encodeVersions(versions: readonly Version[]): Buffer {
  let size = 0;
  for (const v of versions) size += HEADER_BYTES + (v.value === null ? 0 : v.value.length);
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  for (const v of versions) {
    out.writeDoubleBE(v.timestamp, at);
    out.writeInt32BE(v.value === null ? -1 : v.value.length, at + 8);
    at += HEADER_BYTES;
    if (v.value !== null) at += v.value.copy(out, at);
  }
  return out;
}

/** The index of the newest version with a timestamp `<= timestamp`, or -1 when there is none. */
export function versionIndexAsOf(versions: readonly Version[], timestamp: number): number {
  let lo = 0;
  let hi = versions.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (versions[mid]!.timestamp <= timestamp) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return found;
}

/**
 * Inserts `version` in timestamp order, replacing a version with the same timestamp, and returns its
 * index in `versions` (changed in place).
 */
export function insertVersion(versions: Version[], version: Version): number {
  const at = versionIndexAsOf(versions, version.timestamp);
  if (at >= 0 && versions[at]!.timestamp === version.timestamp) {
    versions[at] = version;
    return at;
  }
  versions.splice(at + 1, 0, version);
  return at + 1;
}

/**
 * Drops the versions no query can reach any more: a query as of a time before `boundary` (observed
 * stream time minus history retention) gets nothing, so of the versions at or before `boundary`
 * only the newest matters, and only when it holds a value (a deletion answers as no version does).
 * The latest version is always kept unless it is a deletion. Returns the versions kept.
 */
export function pruneVersions(versions: Version[], boundary: number): Version[] {
  let first = versionIndexAsOf(versions, boundary);
  if (first < 0) return versions;
  if (versions[first]!.value === null) first++;
  return first === 0 ? versions : versions.slice(first);
}
