import type { Headers } from '@rivulet/serde';

/**
 * W3C Trace Context (https://www.w3.org/TR/trace-context/) through a topology: the `traceparent`
 * and `tracestate` headers of an input record go to every record written while it is processed,
 * and a hook wraps each record's processing, for a span of OpenTelemetry or any tracer.
 *
 * @example
 * import { context, propagation, trace } from '@opentelemetry/api';
 * const tracer = trace.getTracer('orders-app');
 * const config: StreamsConfig = {
 *   // ...
 *   traceContext: {
 *     around: (record, process) => {
 *       const parent = propagation.extract(context.active(), { traceparent: record.traceparent, tracestate: record.tracestate });
 *       tracer.startActiveSpan(`process ${record.topic}`, {}, parent, (span) => {
 *         try { process(); } finally { span.end(); }
 *       });
 *     },
 *   },
 * };
 */
export interface TraceContextSetting {
  /**
   * Copy the input record's `traceparent` and `tracestate` headers to each record written while
   * processing it that has no `traceparent` of its own (a record a processor built afresh, an
   * aggregation's update). Records that keep their input's headers carry them anyway, as in Kafka
   * Streams. Default `true`.
   */
  readonly propagate?: boolean;
  /**
   * Called for each input record with its trace context; must call `process()` once, synchronously,
   * and may wrap it in a span. Records written by async steps (mapAsync) after `process()` returns
   * are outside the span. Default none.
   */
  readonly around?: (record: TracedRecord, process: () => void) => void;
}

/** The input record `TraceContextSetting.around` is called with. */
export interface TracedRecord {
  /** The topic it was read from. */
  readonly topic: string;
  /** Its partition. */
  readonly partition: number;
  /** Its offset (a string: offsets are int64). */
  readonly offset: string;
  /** The record's timestamp (ms). */
  readonly timestamp: number;
  /** The task processing it, such as `0_1`. */
  readonly taskId: string;
  /** Its `traceparent` header when that is a valid W3C traceparent, else undefined. */
  readonly traceparent: string | undefined;
  /** Its `tracestate` header, if it has a valid traceparent too. */
  readonly tracestate: string | undefined;
  /** All its headers. */
  readonly headers: Headers;
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

/** The parts of a W3C `traceparent` header value. */
export interface Traceparent {
  /** Two hex digits; `00` today. */
  readonly version: string;
  /** 32 hex digits, not all zero. */
  readonly traceId: string;
  /** The parent span's id: 16 hex digits, not all zero. */
  readonly parentId: string;
  /** Two hex digits; `01` means sampled. */
  readonly flags: string;
}

/**
 * The parts of a W3C `traceparent` value, or undefined when it is not one: version `ff`, an all-zero
 * trace id or parent id, uppercase hex or a wrong length are invalid, as the spec says.
 */
export function parseTraceparent(value: string | Buffer | undefined): Traceparent | undefined {
  if (value === undefined) return undefined;
  const text = typeof value === 'string' ? value : value.toString('latin1');
  const m = TRACEPARENT.exec(text.trim());
  if (m === null) return undefined;
  const [, version, traceId, parentId, flags, rest] = m as unknown as [string, string, string, string, string, string | undefined];
  if (version === 'ff' || (version === '00' && rest !== undefined)) return undefined;
  if (/^0+$/.test(traceId) || /^0+$/.test(parentId)) return undefined;
  return { version, traceId, parentId, flags };
}

/** A header's value as text (kafkajs gives Buffers, or arrays of them for repeated keys). */
export function headerText(headers: Headers | undefined, name: string): string | undefined {
  const v = headers?.[name] as unknown;
  const first = Array.isArray(v) ? (v[0] as unknown) : v;
  if (first === undefined || first === null) return undefined;
  return Buffer.isBuffer(first) ? first.toString('latin1') : String(first);
}

/** The input's `traceparent` (valid) and `tracestate`, or undefined. */
export function traceContextOf(headers: Headers | undefined): { traceparent: string; tracestate: string | undefined } | undefined {
  const traceparent = headerText(headers, 'traceparent');
  if (parseTraceparent(traceparent) === undefined) return undefined;
  return { traceparent: traceparent!, tracestate: headerText(headers, 'tracestate') };
}

/**
 * An output record's headers with the input's trace context added when the output has no
 * `traceparent` of its own; the same object when there is nothing to add.
 */
export function withTraceContext(output: Headers, input: Headers | undefined): Headers {
  if (output['traceparent'] !== undefined) return output;
  const trace = traceContextOf(input);
  if (trace === undefined) return output;
  return { ...output, traceparent: trace.traceparent, ...(trace.tracestate !== undefined ? { tracestate: trace.tracestate } : {}) };
}
