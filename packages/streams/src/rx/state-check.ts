import { isDeepStrictEqual } from 'node:util';
import { StreamRecord } from '@rivulet/core';
import type { OneRecordChain } from './one-record-chain.js';

/**
 * What to do instead of state in a pipe's operators; the end of the error a pipe fails with when
 * its operators turn out to keep state across records.
 */
export const STATE_IN_PIPE_HELP =
  "Operators in pipe() must compute each record's output from that record alone (map, filter, mergeMap over an array, tap): " +
  'what bufferCount, pairwise, scan, reduce, toArray, distinct or skip keep between records lives outside any state store, ' +
  'so a crash loses it and exactly-once does not cover it. Keep such state in a store: groupByKey() then aggregate, reduce or count ' +
  "for running values; windowedBy(...) for groups of records in time, with { emit: 'final' } for one result per window " +
  "(Kafka Streams' suppress(untilWindowCloses)). Operators whose output is not a function of the record (Date.now(), " +
  'Math.random(), a counter) fail this check too: compute such values in mapValues outside the pipe.';

/** Past this depth of plain objects and arrays, `isDeepStrictEqual` compares the rest (it handles cycles). */
const MAX_FAST_DEPTH = 32;

/**
 * `node:util`'s isDeepStrictEqual, with fast paths for what a pipe emits: StreamRecords field by
 * field (key, value, timestamp, headers), plain objects by their enumerable string keys (what a
 * serializer sees; symbol keys are not compared) and arrays by their elements, walked directly.
 * isDeepStrictEqual costs about 0.6 µs on a StreamRecord, which alone would multiply the cost of a
 * short pipe; it still compares everything else (Buffers, Dates, Maps, class instances, arrays with
 * holes, values nested deeper than 32 levels).
 */
export function sameValue(a: unknown, b: unknown, depth = 0): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (depth >= MAX_FAST_DEPTH) return isDeepStrictEqual(a, b);
  const proto = Object.getPrototypeOf(a) as unknown;
  if (proto !== Object.getPrototypeOf(b)) return false;
  if (proto === StreamRecord.prototype) {
    const x = a as StreamRecord<unknown, unknown>;
    const y = b as StreamRecord<unknown, unknown>;
    return (
      Object.is(x.timestamp, y.timestamp) &&
      sameValue(x.key, y.key, depth + 1) &&
      sameValue(x.value, y.value, depth + 1) &&
      sameValue(x.headers, y.headers, depth + 1)
    );
  }
  if (proto === Array.prototype) {
    const x = a as unknown[];
    const y = b as unknown[];
    if (x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) {
      // A hole is not an undefined element: let isDeepStrictEqual tell them apart.
      if (!(i in x) || !(i in y)) return isDeepStrictEqual(a, b);
      if (!sameValue(x[i], y[i], depth + 1)) return false;
    }
    return true;
  }
  if (proto === Object.prototype || proto === null) {
    // for...in: no array of keys per object (a plain object inherits no enumerable key).
    const x = a as Record<string, unknown>;
    const y = b as Record<string, unknown>;
    let count = 0;
    for (const key in x) {
      if (!Object.hasOwn(y, key) || !sameValue(x[key], y[key], depth + 1)) return false;
      count++;
    }
    for (const _key in y) count--;
    return count === 0;
  }
  // Buffers, Dates, Maps, class instances...
  return isDeepStrictEqual(a, b);
}

function sameValues(a: readonly unknown[], b: readonly unknown[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!sameValue(a[i], b[i])) return false;
  return true;
}

const records = (n: number): string => (n === 1 ? '1 record' : `${n} records`);

/**
 * How what a pipe's long-lived operator chain did with a record (`emitted`, and `failure` if it
 * failed) differs from what the same operators do with that record alone (`alone`, just run), or
 * undefined when it does not: then no state of earlier records showed in this record's output.
 */
export function differenceFromAlone(emitted: readonly unknown[], failure: Error | undefined, alone: OneRecordChain): string | undefined {
  const sameFailure = (failure === undefined) === (alone.failure === undefined);
  if (sameFailure && sameValues(emitted, alone.emitted)) return undefined;
  const parts: string[] = [];
  if (failure !== undefined && alone.failure === undefined) {
    parts.push(`for this record they failed (${failure.message}) but given this record alone they did not`);
  } else if (failure === undefined && alone.failure !== undefined) {
    parts.push(`given this record alone they failed (${alone.failure.message}) but not in the stream`);
  }
  if (emitted.length !== alone.emitted.length) {
    parts.push(`for this record they emitted ${records(emitted.length)}, but ${records(alone.emitted.length)} given this record alone`);
  } else if (!sameValues(emitted, alone.emitted)) {
    parts.push(`for this record they emitted ${records(emitted.length)}, as many as given this record alone, but with other contents`);
  }
  if (alone.emittedAtCompletion > 0) {
    parts.push(`${records(alone.emittedAtCompletion)} of those only when their input completed: an operator holds records until then`);
  }
  return parts.join('; ');
}
