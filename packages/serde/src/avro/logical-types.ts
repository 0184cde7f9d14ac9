import type { Schema } from 'avsc';
import type avro from 'avsc';
import type { AvroDuration } from './logical-duration.js';
import { DecimalType } from './logical-decimal.js';
import { DurationType } from './logical-duration.js';
import { INT_LOGICAL_TYPES } from './logical-time.js';
import { UuidType } from './logical-uuid.js';

/**
 * The JS value of each Avro logical type that Rivulet's Avro serdes read and write, by name, when
 * it annotates the type the spec gives it (in brackets). A logical type on another type, an
 * invalid decimal, or a logical type not listed here reads as its underlying type, as the spec
 * says. The `longs` option does not change these: values too fine for a Date are always bigints.
 */
export interface LogicalTypeValues {
  /** [long] A `Date` (epoch milliseconds). */
  'timestamp-millis': Date;
  /** [long] Microseconds since the epoch as a `bigint`, which a `Date` could not hold. */
  'timestamp-micros': bigint;
  /** [long] Nanoseconds since the epoch as a `bigint`. */
  'timestamp-nanos': bigint;
  /** [long] A wall-clock date and time as the `Date` whose UTC fields are that time. */
  'local-timestamp-millis': Date;
  /** [long] A wall-clock date and time in microseconds (as if UTC) as a `bigint`. */
  'local-timestamp-micros': bigint;
  /** [long] A wall-clock date and time in nanoseconds (as if UTC) as a `bigint`. */
  'local-timestamp-nanos': bigint;
  /** [int] Days since 1970-01-01, as a `Date` at midnight UTC of that day. */
  date: Date;
  /** [int] Milliseconds after midnight, as a number. */
  'time-millis': number;
  /** [long] Microseconds after midnight, as a `bigint`. */
  'time-micros': bigint;
  /** [bytes or fixed] The exact decimal as a string with `scale` digits after the point, e.g. `"12.30"`. */
  decimal: string;
  /** [string or fixed(16)] The UUID text. */
  uuid: string;
  /** [fixed(12)] Months, days and milliseconds. */
  duration: AvroDuration;
}

type LogicalTypeClass = new (schema: Schema, opts?: unknown) => avro.types.LogicalType;

/**
 * The logical types avsc builds itself, through its `logicalTypes` option: those not on a long.
 * The long-based ones are built by the type hook of avro-types.ts on an exact long
 * (`LONG_LOGICAL_TYPES` of logical-time.ts).
 *
 * @internal
 */
export const LOGICAL_TYPES: Readonly<Record<string, LogicalTypeClass>> = Object.freeze({
  ...INT_LOGICAL_TYPES,
  decimal: DecimalType,
  uuid: UuidType,
  duration: DurationType,
});

