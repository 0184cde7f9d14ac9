/** A running scenario inside its child process, as the child's harness drives it. */
export interface Workload {
  /** Input records handed to the loop (raw) or processed by the app (Rivulet) so far. */
  consumed(): number;
  /** The throughput measurement has ended: counters from here on belong to the latency phase. */
  endMeasurement(): void;
  /** Stops cleanly (commits, leaves the group) and returns counters worth reporting. */
  stop(): Promise<Record<string, number>>;
}

/** What a workload reports back while it runs. */
export interface WorkloadHooks {
  /** Called once, when the first input record is in the loop's hands: the clock starts here. */
  onFirstRecord(): void;
}

/** Consumer fetch settings shared by the raw loop and Rivulet (Rivulet's defaults), so both fetch alike. */
export const FETCH_SETTINGS = {
  maxBytesPerPartition: 1_048_576,
  maxBytes: 52_428_800,
  minBytes: 1,
  maxWaitTimeInMs: 500,
} as const;
