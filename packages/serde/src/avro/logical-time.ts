import avro from 'avsc';
import type { Schema, Type } from 'avsc';
import { isLong, lastWideLong, outOfRange, readLong } from './avro-long.js';
import type { OutOfRange, Tap } from './avro-long.js';

// Avro's date and time logical types as avsc classes. Each converts between the underlying Avro
// value and the JS value users handle, and says which writer types it reads: its own logical type
// and its bare underlying type (a writer that did not annotate it, which the spec reads as the
// underlying type), plus int for the long-based ones (Avro promotes int to long).
//
// The long-based ones are built on an exact bigint long (see avro-long.ts), whatever the serde's
// `longs` option: `*-micros` and `*-nanos` are bigints over the whole int64 range, `*-millis` are
// Dates where a Date can hold them and an out-of-range error naming the field where it cannot.
//
// `_toValue` returns undefined for a value it cannot write: avsc turns that into a failed
// `isValid`, whose error hook names the field, so a bad value is reported with its path.

const MS_PER_DAY = 86_400_000;
/** A JS Date holds +-8.64e15 ms around the epoch (+-100,000,000 days). */
const DATE_LIMIT_MS = 8_640_000_000_000_000;
const DATE_LIMIT_MS_BIG = 8_640_000_000_000_000n;
const DATE_LIMIT_DAYS = 100_000_000;
const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/** The remedy for a date or timestamp that a Date cannot hold. */
const DATE_REMEDY =
  "it is outside the range of a JS Date (+-8.64e15 ms); read the field as its underlying number with a reader schema that drops the logicalType (and longs: 'bigint' for a long beyond 2^53)";

interface Resolver {
  _read?: (tap: Tap) => unknown;
}

function isInt32(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= INT32_MIN && (value as number) <= INT32_MAX;
}

function validMillis(value: Date): number | undefined {
  const ms = value.getTime();
  return Number.isNaN(ms) ? undefined : ms;
}

/**
 * The long-based logical types: the underlying type is an exact bigint long, so `_fromValue`
 * always gets a bigint (whatever the writer was: this, a bare long, or an int).
 */
abstract class LongLogicalType extends avro.types.LogicalType {
  protected abstract override _fromValue(value: bigint): unknown;

  /** The value of a long read as a safe integer: the common case, without a bigint where none is needed. */
  protected fromSafe(n: number): unknown {
    return this._fromValue(BigInt(n));
  }

  _read(tap: Tap): unknown {
    const n = readLong(tap);
    return n === n ? this.fromSafe(n) : this._fromValue(lastWideLong());
  }

  _update(resolver: Resolver, writer: Type): void {
    if (writer.typeName === this.typeName || writer.typeName === 'long' || writer.typeName === 'abstract:long') {
      // The same bytes: read them here (a bare long writer's own reader might refuse one beyond 2^53).
      resolver._read = (tap) => this._read(tap);
    } else if (writer.typeName === 'int') {
      resolver._read = (tap) => this.fromSafe(tap.readInt());
    }
  }
}

/**
 * A `*-millis` timestamp on a long, as a `Date`: `timestamp-millis` (an instant) and
 * `local-timestamp-millis` (a wall-clock time, as the Date whose UTC fields are that time). Writes
 * accept a valid `Date`, or epoch milliseconds as an integer number or bigint.
 */
class MillisTimestampType extends LongLogicalType {
  protected override _fromValue(ms: bigint): Date | OutOfRange {
    if (ms < -DATE_LIMIT_MS_BIG || ms > DATE_LIMIT_MS_BIG) return outOfRange(`${this.typeName.slice(8)} ${ms}`, DATE_REMEDY);
    return new Date(Number(ms));
  }

  protected override fromSafe(ms: number): Date | OutOfRange {
    return ms >= -DATE_LIMIT_MS && ms <= DATE_LIMIT_MS ? new Date(ms) : this._fromValue(BigInt(ms));
  }

  protected override _toValue(value: unknown): number | bigint | undefined {
    if (value instanceof Date) return validMillis(value);
    return isLong(value) ? value : undefined;
  }
}

/**
 * A timestamp counted in a unit finer than a millisecond, on a long, as a `bigint`: a Date would
 * drop the digits. `timestamp-micros`/`-nanos` count from the epoch, `local-timestamp-*` are the
 * same count for a wall-clock time. Writes accept a bigint or safe integer in the unit, or a
 * valid `Date` (at millisecond precision).
 */
class FineTimestampType extends LongLogicalType {
  private readonly perMilli: bigint;

  constructor(schema: Schema, opts: unknown, perMilli: bigint) {
    super(schema, opts);
    this.perMilli = perMilli;
  }

  protected override _fromValue(count: bigint): bigint {
    return count;
  }

  protected override _toValue(value: unknown): number | bigint | undefined {
    if (value instanceof Date) {
      const ms = validMillis(value);
      if (ms === undefined) return undefined;
      const count = BigInt(ms) * this.perMilli;
      return isLong(count) ? count : undefined;
    }
    return isLong(value) ? value : undefined;
  }
}

class TimestampMicrosType extends FineTimestampType {
  constructor(schema: Schema, opts?: unknown) {
    super(schema, opts, 1000n);
  }
}

class TimestampNanosType extends FineTimestampType {
  constructor(schema: Schema, opts?: unknown) {
    super(schema, opts, 1_000_000n);
  }
}

/**
 * `time-micros` on a long: microseconds after midnight as a `bigint` (as the other microsecond
 * types). Writes accept a bigint or a safe integer; like what is read, it is not checked against
 * the length of a day.
 */
class TimeMicrosType extends LongLogicalType {
  protected override _fromValue(micros: bigint): bigint {
    return micros;
  }

  protected override _toValue(value: unknown): number | bigint | undefined {
    return isLong(value) ? value : undefined;
  }
}

function onInt(schema: Schema, name: string): void {
  if ((schema as { type?: unknown }).type !== 'int') throw new Error(`${name} must annotate an int`);
}

/**
 * `date` on an int (days since 1970-01-01): a `Date` at midnight UTC of that day. Writes accept a
 * valid `Date` (its UTC calendar day) or an integer number of days.
 */
class DateType extends avro.types.LogicalType {
  constructor(schema: Schema, opts?: unknown) {
    super(schema, opts);
    onInt(schema, 'date');
  }

  protected override _fromValue(days: number): Date | OutOfRange {
    if (days < -DATE_LIMIT_DAYS || days > DATE_LIMIT_DAYS) return outOfRange(`date ${days}`, DATE_REMEDY);
    return new Date(days * MS_PER_DAY);
  }

  protected override _toValue(value: unknown): number | undefined {
    if (value instanceof Date) {
      const ms = validMillis(value);
      return ms === undefined ? undefined : Math.floor(ms / MS_PER_DAY);
    }
    return isInt32(value) ? value : undefined;
  }

  protected override _resolve(type: Type): ((value: unknown) => unknown) | undefined {
    if (avro.Type.isType(type, 'logical:date')) return (value) => value;
    if (avro.Type.isType(type, 'int')) return (value) => this._fromValue(value as number);
    return undefined;
  }
}

/** `time-millis` on an int: milliseconds after midnight as a number (an int; not checked against a day). */
class TimeMillisType extends avro.types.LogicalType {
  constructor(schema: Schema, opts?: unknown) {
    super(schema, opts);
    onInt(schema, 'time-millis');
  }

  protected override _fromValue(ms: number): number {
    return ms;
  }

  protected override _toValue(value: unknown): number | undefined {
    return isInt32(value) ? value : undefined;
  }

  protected override _resolve(type: Type): ((value: unknown) => unknown) | undefined {
    return avro.Type.isType(type, 'logical:time-millis', 'int') ? (value) => value : undefined;
  }
}

type LogicalTypeClass = new (schema: Schema, opts?: unknown) => avro.types.LogicalType;

/**
 * The long-based logical types, by name: built by the type hook of avro-types.ts on an exact long.
 *
 * @internal
 */
export const LONG_LOGICAL_TYPES: Readonly<Record<string, LogicalTypeClass>> = Object.freeze({
  'timestamp-millis': MillisTimestampType,
  'local-timestamp-millis': MillisTimestampType,
  'timestamp-micros': TimestampMicrosType,
  'local-timestamp-micros': TimestampMicrosType,
  'timestamp-nanos': TimestampNanosType,
  'local-timestamp-nanos': TimestampNanosType,
  'time-micros': TimeMicrosType,
});

/** The int-based ones, for avsc's `logicalTypes` option. @internal */
export const INT_LOGICAL_TYPES: Readonly<Record<string, LogicalTypeClass>> = Object.freeze({
  date: DateType,
  'time-millis': TimeMillisType,
});

