import type { Resolver, Type } from 'avsc';
import { SchemaMismatchError, TruncatedPayloadError } from '../errors.js';
import type { SerdeErrorContext } from '../serde.js';
import { HEADER_LENGTH, MAGIC_BYTE } from '../internal/wire-format-header.js';
import { contextOf } from '../internal/where.js';
import type { SerdeLabel } from '../internal/where.js';
import { describeValue, errorMessage } from '../internal/serde-errors.js';
import { firstFew, formatPath, whereSuffix } from '../internal/where.js';
import { OutOfRange, markingOutOfRange } from './avro-long.js';

// The per-record Avro path shared by the plain and the registry serdes: encode into one reused
// scratch buffer and copy out exactly the bytes written (after the wire-format header, for the
// registry serdes), decode from an offset without slicing. Errors are worked out only once
// something has failed.

const INITIAL_SCRATCH = 64 * 1024;
/** Records larger than this are encoded into a buffer of their own rather than growing the scratch. */
const MAX_SCRATCH = 8 * 1024 * 1024;

// One scratch buffer for the process: encoding is synchronous, so no two records share it at once.
let scratch = Buffer.allocUnsafeSlow(INITIAL_SCRATCH);

/**
 * Encodes `value` with `type` into a new Buffer of exactly the encoded size, after the Confluent
 * wire-format header of `schemaId` when it is >= 0. Throws a {@link SchemaMismatchError} naming
 * the fields that do not fit the schema.
 *
 * @internal
 */
export function encodeAvro(type: Type, value: unknown, schemaId: number, label: SerdeLabel, topic: string): Buffer {
  const start = schemaId < 0 ? 0 : HEADER_LENGTH;
  let target = scratch;
  let end: number;
  try {
    end = type.encode(value, target, start);
    if (end < 0) {
      // avsc returns minus the bytes missing: make room and encode again.
      const needed = target.length - end;
      target = Buffer.allocUnsafeSlow(needed <= MAX_SCRATCH ? Math.max(needed, target.length * 2) : needed);
      if (target.length <= MAX_SCRATCH) scratch = target;
      end = type.encode(value, target, start);
    }
  } catch (error) {
    throw mismatchOnWrite(type, value, contextOf(label, topic), error);
  }
  const out = Buffer.allocUnsafe(end);
  if (start > 0) {
    // The header is written in place rather than copied: a native copy per record costs ~10%.
    out[0] = MAGIC_BYTE;
    out.writeInt32BE(schemaId, 1);
  }
  target.copy(out, start, start, end);
  return out;
}

/**
 * Decodes the Avro payload of `data` from `offset` to its end, through `resolver` when the writer
 * schema differs from `reader`. Throws {@link TruncatedPayloadError} when the bytes end before the
 * value does and {@link SchemaMismatchError} when they do not decode (or are left over).
 *
 * @internal
 */
export function decodeAvro(
  reader: Type,
  data: Buffer,
  offset: number,
  resolver: Resolver | undefined,
  label: SerdeLabel,
  topic: string,
  writerLabel: string,
): unknown {
  let result: { value: unknown; offset: number };
  try {
    result = reader.decode(data, offset, resolver);
  } catch (error) {
    const context = contextOf(label, topic);
    if (!(error instanceof OutOfRange)) throw notDecoded(context, writerLabel, error);
    // Decode again with such values in place, to find where they sit; the bytes may also end early
    // (a cut varint reads as a huge long), which is what to report then.
    let marked: { value: unknown; offset: number };
    try {
      marked = markingOutOfRange(() => reader.decode(data, offset, resolver));
    } catch (again) {
      throw notDecoded(context, writerLabel, again);
    }
    if (marked.offset >= 0) throw outOfRangeOnRead(reader, marked.value, context, error);
    result = marked;
  }
  if (result.offset < 0) {

    const context = contextOf(label, topic);
    throw new TruncatedPayloadError(
      `${context.serde}: truncated payload, the ${data.length - offset} bytes from offset ${offset} end before the value written with ${writerLabel} does ${whereSuffix(context)}`,
      context,
      data.length,
    );
  }
  if (result.offset !== data.length) {
    const context = contextOf(label, topic);
    throw new SchemaMismatchError(
      `${context.serde}: ${data.length - result.offset} bytes left over after the value at offset ${result.offset}; the payload was not written with ${writerLabel} ${whereSuffix(context)}`,
      context,
      [],
    );
  }
  return result.value;
}

function notDecoded(context: SerdeErrorContext, writerLabel: string, error: unknown): SchemaMismatchError {
  return new SchemaMismatchError(
    `${context.serde}: the payload does not decode with ${writerLabel}: ${errorMessage(error)} ${whereSuffix(context)}`,
    context,
    [],
    { cause: error },
  );
}

/** `"string"`, `record com.acme.Address`, `timestamp-millis`: a type as an error names it. */
export function describeType(type: Type): string {
  const name = type.typeName === 'abstract:long' ? 'long' : type.typeName;
  if (name.startsWith('logical:')) return name.slice('logical:'.length);
  return type.name === undefined ? JSON.stringify(name) : `${name} ${type.name}`;
}

/**
 * The error for a value the reader cannot represent (a long beyond 2^53 read as a number, a
 * timestamp beyond a Date's range), naming each field where one sits and the option that reads it.
 * `marked` is the record decoded with such values in place: validating it against the reader,
 * the validator's error hook gives their paths. Runs only once a record has failed.
 */
function outOfRangeOnRead(reader: Type, marked: unknown, context: SerdeErrorContext, first: OutOfRange): SchemaMismatchError {
  const paths: string[] = [];
  const faults: string[] = [];
  reader.isValid(marked, {
    errorHook: (path: string[], got: unknown) => {
      if (!(got instanceof OutOfRange)) return;
      const at = formatPath(path);
      paths.push(at);
      faults.push(`${got.what} at ${at}`);
    },
  });
  const detail = faults.length > 0 ? firstFew(faults) : first.what;
  return new SchemaMismatchError(
    `${context.serde} cannot read ${detail}: ${first.remedy} ${whereSuffix(context)}`,
    context,
    paths,
    { cause: first },
  );
}

function mismatchOnWrite(type: Type, value: unknown, context: SerdeErrorContext, cause: unknown): SchemaMismatchError {
  const faults: string[] = [];
  const paths: string[] = [];
  type.isValid(value, {
    errorHook: (path: string[], got: unknown, expected: Type) => {
      const at = formatPath(path);
      paths.push(at);
      faults.push(`at ${at} expected ${describeType(expected)}, got ${describeWritten(got)}${hintFor(expected, got)}`);
    },
  });
  const detail = faults.length > 0 ? firstFew(faults) : errorMessage(cause);
  return new SchemaMismatchError(
    `${context.serde} cannot serialize the value: ${detail} ${whereSuffix(context)}`,
    context,
    paths,
    { cause },
  );
}

/** A value as a write error names it: describeValue, and Dates as what they are. */
function describeWritten(value: unknown): string {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'an Invalid Date' : `the Date ${value.toISOString()}`;
  return describeValue(value);
}

/** What to do about a number that a long cannot hold exactly. */
function hintFor(expected: Type, got: unknown): string {
  if (typeof got !== 'number' || Number.isSafeInteger(got) || !Number.isFinite(got) || !Number.isInteger(got)) return '';
  const underlying = expected.typeName.startsWith('logical:') ? (expected as unknown as { underlyingType: Type }).underlyingType : expected;
  if (underlying.typeName !== 'long' && underlying.typeName !== 'abstract:long') return '';
  return ' (a number beyond 2^53 has lost its last digits: write a bigint; longs: \'bigint\' reads longs as bigints)';
}
