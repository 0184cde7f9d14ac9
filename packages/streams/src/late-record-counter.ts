/**
 * Counts the records a windowed aggregation dropped, wholly or from some of their windows, because
 * they came too late: the window had closed (stream time past its end + grace; for sessions, past
 * the merged session's end + grace). A record too late for only some of its windows (hopping,
 * sliding) still updates the others, and is counted once. Pass one in the aggregation's options to
 * read the count. Every late record is also a dropped record of its task, reason `late`, with or
 * without a counter: counted in `app.metrics()` (`droppedRecordsByReason.late`) and the
 * TopologyTestDriver's `droppedRecords()`, and logged at WARN (the first at once, then at most one
 * line per task every 10 s, with the running count and the latest case).
 *
 * One counter sums over the tasks (partitions) running the aggregation in this process.
 *
 * @example
 * const late = new LateRecordCounter();
 * grouped.windowedBy(TimeWindows.ofSizeAndGrace(60_000, 5_000)).count({ store: 'per-minute', lateRecords: late });
 * // later
 * console.log(`${late.count} late records dropped`);
 */
export class LateRecordCounter {
  private total = 0;

  /** Late records dropped so far. */
  get count(): number {
    return this.total;
  }

  /** @internal Adds one; returns the new total. */
  increment(): number {
    return ++this.total;
  }
}
