/**
 * What the benchmark's parent process and its per-scenario child processes tell each other over
 * the fork IPC channel. Times are wall-clock milliseconds since the epoch, with sub-millisecond
 * precision (`performance.timeOrigin + performance.now()`), so the two processes' times compare.
 */

/** Which loop a scenario runs. */
export type ScenarioKind = 'raw' | 'pass-through' | 'filter-map' | 'count' | 'windowed-count' | 'stream-table-join' | 'cpu-heavy';

/** The Rivulet processing guarantees the benchmark measures. */
export type BenchGuarantee = 'at_least_once' | 'exactly_once';

/** Everything a child needs to run one scenario; passed as JSON in its first argument. */
export interface ScenarioSpec {
  /** Short id used in the table and the JSON: `raw`, `alos`, `eos`, `count`, `windowed`, `join`. */
  readonly id: string;
  readonly label: string;
  readonly kind: ScenarioKind;
  /** Rivulet scenarios only. */
  readonly guarantee: BenchGuarantee | undefined;
  readonly brokers: readonly string[];
  readonly input: string;
  readonly output: string;
  /** The consumer group: the raw loop's group id, or the Rivulet app's applicationId. */
  readonly groupId: string;
  /** Records in the input topic. */
  readonly records: number;
  /** Rivulet's stateDir for this scenario. */
  readonly stateDir: string;
  /** The stream-table join only: the pre-produced table topic and how many records it holds. */
  readonly table: { readonly topic: string; readonly records: number } | undefined;
  /** Rivulet's numStreamThreads, set only when above 1 (the comparison bench's --threads). */
  readonly numStreamThreads?: number;
}

/** The child's figures for the throughput phase, from its first record to the end-measurement message. */
export interface ChildMeasurement {
  readonly peakRssBytes: number;
  /** Records the workload had taken when the measurement ended. */
  readonly consumed: number;
  /** CPU time of the child (user + system, microseconds) over the window. */
  readonly cpuUs: number;
  /** Wall time of the same window, in ms. */
  readonly cpuWindowMs: number;
}

/** Child -> parent. */
export type ChildMessage =
  | { readonly type: 'first-record'; readonly at: number }
  | { readonly type: 'progress'; readonly consumed: number; readonly rssBytes: number }
  | ({ readonly type: 'measured' } & ChildMeasurement)
  | { readonly type: 'done'; readonly details: Record<string, number> }
  | { readonly type: 'failed'; readonly message: string };

/**
 * Parent -> child. `end-measurement`: the outputs are complete; freeze the CPU and RSS figures and
 * report them, but keep running (the latency phase feeds the same running app). `stop`: close
 * cleanly and report the workload's counters.
 */
export type ParentMessage = { readonly type: 'end-measurement' } | { readonly type: 'stop' };

/** Epoch milliseconds with sub-millisecond precision, comparable between processes. */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}
