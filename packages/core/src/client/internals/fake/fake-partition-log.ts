import type { Headers } from '@rivulet/serde';
import type { FetchedRecord, OutgoingRecord } from '../kafka-port.js';

/** The state of one transaction, shared by every record it wrote and its markers. */
export interface TransactionState {
  /** The transactional id of the producer that opened it. */
  readonly transactionalId: string;
  /** Open until committed or aborted. */
  status: 'open' | 'committed' | 'aborted';
}

/** One entry of a partition's log: a data record or a transaction marker (a control record). */
export interface LogEntry {
  /** The fetched form of the record, built once at append (unused for markers). */
  readonly record: FetchedRecord;
  /** The transaction that wrote it, if any. */
  readonly txn: TransactionState | undefined;
  /** True for a commit or abort marker: it takes an offset but is never handed to the application. */
  readonly control: boolean;
  /** Key + value + header bytes: what a fetch counts against its byte limit. */
  readonly bytes: number;
}

/** What one fetch of a partition returns. */
export interface LogRead {
  /** The records the reader may see, in offset order. */
  readonly records: FetchedRecord[];
  /** The last offset the read covered (markers and aborted records included); below `from` when it covered nothing. */
  readonly lastOffset: number;
}

/** Key + value + header bytes of a record: what `max.message.bytes` is checked against in the fake. */
export function recordBytes(r: { key: Buffer | null; value: Buffer | null; headers: Headers | undefined }): number {
  let bytes = (r.key?.length ?? 0) + (r.value?.length ?? 0);
  for (const name in r.headers) {
    const value = r.headers[name];
    bytes += Buffer.byteLength(name);
    for (const v of Array.isArray(value) ? value : [value]) bytes += v === undefined ? 0 : typeof v === 'string' ? Buffer.byteLength(v) : v.length;
  }
  return bytes;
}

const EMPTY_HEADERS: Headers = Object.freeze({}) as Headers;

/**
 * One partition: an append-only log whose offsets start at 0, with its high watermark (the offset
 * after the last entry; there is one replica, so everything appended is replicated) and its last
 * stable offset (the first offset of a still-open transaction: read_committed readers stop there).
 */
export class FakePartitionLog {
  private readonly entries: LogEntry[] = [];
  /** First offset each open transaction wrote here. */
  private readonly openTransactions = new Map<TransactionState, number>();

  /** The offset the next entry gets. */
  get highWatermark(): number {
    return this.entries.length;
  }

  /** The earliest offset still in the log (the fake never deletes). */
  get lowWatermark(): number {
    return 0;
  }

  /** The first offset read_committed readers may not read yet. */
  get lastStableOffset(): number {
    let lso = this.entries.length;
    for (const first of this.openTransactions.values()) if (first < lso) lso = first;
    return lso;
  }

  /** Appends records (copied, as a broker would) and returns the offset of the last; those of a transaction stay invisible to read_committed until it commits. */
  append(records: readonly OutgoingRecord[], txn?: TransactionState): string {
    if (txn !== undefined && !this.openTransactions.has(txn)) this.openTransactions.set(txn, this.entries.length);
    for (const r of records) {
      const record: FetchedRecord = {
        key: r.key === null ? null : Buffer.from(r.key),
        value: r.value === null ? null : Buffer.from(r.value),
        offset: String(this.entries.length),
        timestamp: r.timestamp,
        headers: r.headers === undefined ? EMPTY_HEADERS : { ...r.headers },
      };
      this.entries.push({ record, txn, control: false, bytes: recordBytes(r) });
    }
    return String(this.entries.length - 1);
  }

  /** Ends a transaction here with its marker (commit or abort, as its status says); it takes an offset. */
  appendMarker(txn: TransactionState): void {
    this.openTransactions.delete(txn);
    const record: FetchedRecord = { key: null, value: null, offset: String(this.entries.length), timestamp: Date.now(), headers: EMPTY_HEADERS };
    this.entries.push({ record, txn, control: true, bytes: 0 });
  }

  /**
   * Reads from `from`: up to the last stable offset for read_committed, the high watermark otherwise,
   * and about `maxBytes` (at least one entry). Markers are skipped, and so are aborted records for
   * read_committed; `lastOffset` still covers them so the reader moves past them.
   */
  read(from: number, readCommitted: boolean, maxBytes: number): LogRead {
    const limit = readCommitted ? this.lastStableOffset : this.entries.length;
    const records: FetchedRecord[] = [];
    let bytes = 0;
    let offset = from;
    for (; offset < limit; offset++) {
      const entry = this.entries[offset]!;
      if (offset > from && bytes + entry.bytes > maxBytes) break;
      bytes += entry.bytes;
      if (entry.control) continue;
      if (readCommitted && entry.txn !== undefined && entry.txn.status !== 'committed') continue;
      records.push(entry.record);
    }
    return { records, lastOffset: offset - 1 };
  }

  /** Every data record, for test assertions: committed only, or everything written (aborted and open included). */
  dataRecords(readCommitted: boolean): FetchedRecord[] {
    const result: FetchedRecord[] = [];
    for (const entry of this.entries) {
      if (entry.control || (readCommitted && entry.txn !== undefined && entry.txn.status !== 'committed')) continue;
      result.push(entry.record);
    }
    return result;
  }
}
