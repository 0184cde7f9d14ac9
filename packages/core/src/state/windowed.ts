/**
 * A window of time: `start` inclusive; `end` exclusive for time windows, inclusive for sliding and
 * session windows (as in Kafka Streams, whose `Window` carries the same two numbers). Milliseconds.
 */
export interface Window {
  /** Window start, epoch milliseconds (inclusive). */
  readonly start: number;
  /** Window end, epoch milliseconds (exclusive for time windows, inclusive for sliding and session windows). */
  readonly end: number;
}

/**
 * A key and the window it was aggregated in: the key type of windowed tables and of what window
 * and session stores yield.
 *
 * @example
 * const windowed: Windowed<string> = { key: 'sensor-1', window: { start: 60_000, end: 120_000 } };
 */
export interface Windowed<K> {
  /** The record key. */
  readonly key: K;
  /** The window the key was aggregated in. */
  readonly window: Window;
}
