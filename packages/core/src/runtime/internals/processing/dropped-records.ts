import { LOG_THROTTLE_INTERVAL_MS } from '../../../config/log-throttle.js';
import type { Logger } from '../../../config/logger.js';
import type { DroppedRecordCounts, DroppedRecordReason } from '../../../processor/dropped-record.js';
import type { RecordMetadata } from '../../../processor/stream-record.js';

/** Every reason, in the order lines and docs list them. */
export const DROPPED_RECORD_REASONS = [
  'null-key-or-value',
  'late',
  'expired',
  'invalid-timestamp',
  'deserialization-error',
  'processing-error',
  'production-error',
] as const satisfies readonly DroppedRecordReason[];

// Each reason of the public union is in the list (a reason added to one and not the other fails here).
const everyReasonListed: Record<Exclude<DroppedRecordReason, (typeof DROPPED_RECORD_REASONS)[number]>, never> = {};
void everyReasonListed;

/** What a log line says each reason means. */
const MEANING: Readonly<Record<DroppedRecordReason, string>> = {
  'null-key-or-value': 'a null key or value the operator cannot use',
  late: 'too late: its window had closed',
  expired: "older than the store's retention",
  'invalid-timestamp': 'the timestamp extractor gave a negative or invalid timestamp',
  'deserialization-error': 'the deserialization exception handler skipped or dead-lettered it',
  'processing-error': 'the processing exception handler skipped or dead-lettered it',
  'production-error': 'the production exception handler skipped or dead-lettered it',
};

/** A count of zero per reason: the shape every counter starts with (one hidden class for all). */
function zeroCounts(): Record<DroppedRecordReason, number> {
  return {
    'null-key-or-value': 0,
    late: 0,
    expired: 0,
    'invalid-timestamp': 0,
    'deserialization-error': 0,
    'processing-error': 0,
    'production-error': 0,
  };
}

/** The log line of one reason: when it was last written, and what was dropped since. */
interface Line {
  lastWrittenAt: number;
  /** Drops since the last line was written (held back): the next line covers them. */
  held: number;
  /** The newest of them: what the next line names. */
  node: string | undefined;
  where: RecordMetadata | undefined;
  detail: string | (() => string) | undefined;
  timer: NodeJS.Timeout | undefined;
}

/** Options of {@link DroppedRecords}. */
export interface DroppedRecordsOptions {
  /** At most one line per reason per this many ms; default the log throttle's interval (10 s). */
  intervalMs?: number;
  /** The clock; default `Date.now`. */
  now?: () => number;
}

/**
 * One task's dropped records (docs/failures.md#dropped-records): a count per
 * {@link DroppedRecordReason} and their total (Kafka Streams' task-level `dropped-records-total`),
 * and a WARN line per reason: the first drop at once, then at most one line per `intervalMs` with
 * the running count, the node and the topic, partition and offset of the newest drop. Drops held
 * back are written at the end of their interval (an unref'd timer) or by `flush`, so the last count
 * is always in the log. A drop costs two increments and a clock read; text is built only for a line
 * that is written.
 */
export class DroppedRecords {
  private readonly counts = zeroCounts();
  /** Records dropped, for all reasons. */
  total = 0;
  private readonly lines = new Map<DroppedRecordReason, Line>();
  private readonly intervalMs: number;
  private readonly now: () => number;

  constructor(
    /** The task the drops belong to (what its lines say). */
    readonly taskId: string,
    private readonly logger: Logger,
    options: DroppedRecordsOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? LOG_THROTTLE_INTERVAL_MS;
    this.now = options.now ?? Date.now;
  }

  /**
   * Counts a dropped record and logs it (at once, or held back for the end of the interval).
   * `node` is the processor that dropped it, `where` the input record's coordinates (undefined in
   * a punctuator), `detail` what the line adds (text, or a function called only for a written line).
   */
  add(reason: DroppedRecordReason, node: string | undefined, where: RecordMetadata | undefined, detail?: string | (() => string)): void {
    const count = this.counts[reason];
    if (typeof count !== 'number') throw new RangeError(`unknown dropped-record reason ${JSON.stringify(reason)}: one of ${DROPPED_RECORD_REASONS.join(', ')}`);
    this.counts[reason] = count + 1;
    this.total++;
    const t = this.now();
    const line = this.lines.get(reason);
    if (line === undefined) {
      this.lines.set(reason, { lastWrittenAt: t, held: 0, node: undefined, where: undefined, detail: undefined, timer: undefined });
      this.write(reason, 1, node, where, detail, t, false);
      return;
    }
    if (t - line.lastWrittenAt >= this.intervalMs) {
      // The interval is over and its timer has not run yet (a busy loop): written now, with what it held.
      const held = line.held + 1;
      const since = line.lastWrittenAt;
      this.reset(line, t);
      this.write(reason, held, node, where, detail, since, true);
      return;
    }
    line.held++;
    line.node = node;
    line.where = where;
    line.detail = detail;
    if (line.timer === undefined) {
      line.timer = setTimeout(() => this.writeHeld(reason, line), line.lastWrittenAt + this.intervalMs - t);
      line.timer.unref?.();
    }
  }

  /** Per reason, those with at least one drop. */
  byReason(): Partial<Record<DroppedRecordReason, number>> {
    const result: Partial<Record<DroppedRecordReason, number>> = {};
    for (const reason of DROPPED_RECORD_REASONS) if (this.counts[reason] > 0) result[reason] = this.counts[reason];
    return result;
  }

  /** The total and the counts per reason. */
  snapshot(): DroppedRecordCounts {
    return { total: this.total, byReason: this.byReason() };
  }

  /** Writes the lines held back now and stops their timers (the task closes). */
  flush(): void {
    for (const [reason, line] of this.lines) if (line.held > 0) this.writeHeld(reason, line);
  }

  private writeHeld(reason: DroppedRecordReason, line: Line): void {
    if (line.held === 0) return;
    const { held, node, where, detail, lastWrittenAt } = line;
    const t = this.now();
    this.reset(line, t);
    this.write(reason, held, node, where, detail, lastWrittenAt, true);
  }

  private reset(line: Line, t: number): void {
    if (line.timer !== undefined) clearTimeout(line.timer);
    line.timer = undefined;
    line.lastWrittenAt = t;
    line.held = 0;
    line.node = undefined;
    line.where = undefined;
    line.detail = undefined;
  }

  private write(
    reason: DroppedRecordReason,
    held: number,
    node: string | undefined,
    where: RecordMetadata | undefined,
    detail: string | (() => string) | undefined,
    since: number,
    repeated: boolean,
  ): void {
    const count = this.counts[reason];
    const what = held === 1 ? 'a record' : `${held} records`;
    const window = repeated ? ` in the last ${Math.max(1, Math.round((this.now() - since) / 1000))} s` : '';
    const latest = held === 1 ? '' : 'the latest ';
    const at = node === undefined ? '' : ` at node '${node}'`;
    const record = where === undefined ? ' (outside a record: a punctuator)' : `, ${latest}${where.topic}-${where.partition} offset ${where.offset}`;
    const text = describe(detail);
    this.logger.warn(
      `task ${this.taskId} dropped ${what} (${reason}: ${MEANING[reason]})${window}${at}${record}${text === '' ? '' : `: ${text}`}; ${count} dropped for this reason so far`,
      {
        taskId: this.taskId,
        reason,
        dropped: count,
        ...(node === undefined ? {} : { node }),
        ...(where === undefined ? {} : { topic: where.topic, partition: where.partition, offset: where.offset }),
      },
    );
  }
}

/** Sums counters: the drops of several tasks, or of tasks open and closed. */
export function sumDropped(counts: Iterable<DroppedRecordCounts>): DroppedRecordCounts {
  let total = 0;
  const byReason: Partial<Record<DroppedRecordReason, number>> = {};
  for (const c of counts) {
    total += c.total;
    for (const reason of DROPPED_RECORD_REASONS) {
      const n = c.byReason[reason];
      if (n !== undefined && n > 0) byReason[reason] = (byReason[reason] ?? 0) + n;
    }
  }
  return { total, byReason };
}

function describe(detail: string | (() => string) | undefined): string {
  if (detail === undefined) return '';
  if (typeof detail === 'string') return detail;
  try {
    return detail();
  } catch (err) {
    return `(the detail could not be described: ${err instanceof Error ? err.message : String(err)})`;
  }
}
