import protobuf from 'protobufjs';
import type { Field, Type } from 'protobufjs';
import { describeValue } from '../internal/serde-errors.js';
import { formatPath } from '../internal/where.js';

// Whether a value can be written as a message, field by field, with the path of each field that
// cannot. protobufjs's own `verify` stops at the first fault, drops array indexes from its paths,
// accepts 2^53 + 1 as an int64 (already rounded) and 3.5e9 as an int32 (then wraps it), and refuses
// what `fromObject` accepts and Rivulet reads back (enum names, bigint and decimal-string longs):
// so the check is Rivulet's, and `fromObject` then converts what it has passed.

/** One field that does not fit: `lines[0].qty` and what is wrong with it. */
export interface ProtoFault {
  readonly path: string;
  readonly text: string;
}

type Segment = string | number;
type FieldCheck = (value: unknown, path: Segment[], faults: ProtoFault[], depth: number) => void;

/** Nesting beyond this is taken as a cycle in the value (protobufjs's own recursion limit is 100). */
const MAX_DEPTH = 100;
const MAX_FAULTS = 20;

const INT32 = { min: -0x80000000, max: 0x7fffffff, name: 'int32' };
const UINT32 = { min: 0, max: 0xffffffff, name: 'uint32' };
const INT64 = { min: -(2n ** 63n), max: 2n ** 63n - 1n };
const UINT64 = { min: 0n, max: 2n ** 64n - 1n };
const DECIMAL = /^-?\d+$/;

/**
 * Checks values against a message type. Checks are compiled once per message type and kept.
 *
 * @internal
 */
export class ProtoChecker {
  private readonly messages = new Map<Type, (value: unknown, path: Segment[], faults: ProtoFault[], depth: number) => void>();

  /** The faults of `value` as a message of `type`, or undefined when it fits. */
  check(type: Type, value: unknown): ProtoFault[] | undefined {
    const faults: ProtoFault[] = [];
    this.message(type)(value, [], faults, 0);
    return faults.length === 0 ? undefined : faults;
  }

  private message(type: Type): (value: unknown, path: Segment[], faults: ProtoFault[], depth: number) => void {
    let check = this.messages.get(type);
    if (check !== undefined) return check;
    // Registered before the fields are compiled, so a recursive message finds itself.
    const fields = new Map<string, { field: Field; check: FieldCheck }>();
    const oneofs = type.oneofsArray.map((oneof) => ({ name: oneof.name, members: oneof.fieldsArray.map((f) => f.name) }));
    const required = type.fieldsArray.filter((f) => f.required).map((f) => f.name);
    const fullName = type.fullName.slice(1);
    check = (value, path, faults, depth) => {
      if (!isPlainObject(value)) {
        fault(faults, path, `expected a message ${fullName} (an object), got ${describeValue(value)}`);
        return;
      }
      if (value instanceof Date) {
        // A Date has none of the message's fields: protobufjs would write an empty message (for a
        // Timestamp, 1970-01-01) without a word.
        const hint = fullName === 'google.protobuf.Timestamp' ? ': write { seconds: BigInt(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1e6 }' : '';
        fault(faults, path, `expected a message ${fullName}, got a Date${hint}`);
        return;
      }
      if (depth > MAX_DEPTH) {
        fault(faults, path, `nested more than ${MAX_DEPTH} messages deep (a cycle?)`);
        return;
      }
      const record = value as Record<string, unknown>;
      for (const key of Object.keys(record)) {
        const entry = fields.get(key);
        const v = record[key];
        if (entry !== undefined) {
          if (v !== undefined && v !== null) {
            path.push(key);
            entry.check(v, path, faults, depth);
            path.pop();
          }
        } else if (!key.startsWith('$') && !oneofs.some((o) => o.name === key)) {
          // protobufjs would drop it without a word: a misspelt field is lost data.
          fault(faults, [...path, key], `is not a field of ${fullName}`);
        }
      }
      for (const name of required) {
        if (record[name] === undefined || record[name] === null) fault(faults, [...path, name], `is required by ${fullName}`);
      }
      for (const oneof of oneofs) {
        const set = oneof.members.filter((m) => record[m] !== undefined && record[m] !== null);
        if (set.length > 1) fault(faults, [...path, oneof.name], `sets ${set.join(' and ')}, members of the same oneof: set one`);
        const named = record[oneof.name];
        if (named !== undefined && named !== null && !(typeof named === 'string' && oneof.members.includes(named) && (set.length === 0 || set[0] === named))) {
          fault(faults, [...path, oneof.name], `names ${describeValue(named)}, expected the oneof member that is set (${set[0] ?? `one of ${oneof.members.join(', ')}`})`);
        }
      }
    };
    this.messages.set(type, check);
    for (const field of type.fieldsArray) {
      field.resolve();
      fields.set(field.name, { field, check: this.fieldCheck(field) });
    }
    return check;
  }

  private fieldCheck(field: Field): FieldCheck {
    const value = this.valueCheck(field);
    if (field.map) {
      const key = keyCheck((field as unknown as protobuf.MapField).keyType);
      return (v, path, faults, depth) => {
        if (!isPlainObject(v)) {
          fault(faults, path, `expected a map (an object), got ${describeValue(v)}`);
          return;
        }
        for (const [k, item] of Object.entries(v as Record<string, unknown>)) {
          path.push(k);
          const bad = key(k);
          if (bad !== undefined) fault(faults, path, `key ${JSON.stringify(k)} ${bad}`);
          else if (item === undefined || item === null) fault(faults, path, 'a map value cannot be null');
          else value(item, path, faults, depth);
          path.pop();
        }
      };
    }
    if (field.repeated) {
      return (v, path, faults, depth) => {
        if (!Array.isArray(v)) {
          fault(faults, path, `expected an array (repeated ${typeName(field)}), got ${describeValue(v)}`);
          return;
        }
        for (let i = 0; i < v.length; i++) {
          path.push(i);
          const item: unknown = v[i];
          if (item === undefined || item === null) fault(faults, path, 'a repeated element cannot be null');
          else value(item, path, faults, depth);
          path.pop();
        }
      };
    }
    return value;
  }

  /** The check of one value of the field's type (an element, for repeated and map fields). */
  private valueCheck(field: Field): FieldCheck {
    const resolved = field.resolvedType;
    if (resolved instanceof protobuf.Type) {
      return (v, path, faults, depth) => this.message(resolved)(v, path, faults, depth + 1);
    }
    if (resolved instanceof protobuf.Enum) {
      const values = resolved.values;
      const numbers = new Set(Object.values(values));
      // Proto3 enums are open: any int32 is kept, as a number, even one this schema does not name.
      const closed = (resolved as unknown as { _features?: { enum_type?: string } })._features?.enum_type === 'CLOSED';
      const names = Object.keys(values);
      return (v, path, faults) => {
        if (typeof v === 'string' ? Object.hasOwn(values, v) : typeof v === 'number' && inRange(v, INT32) && (!closed || numbers.has(v))) return;
        fault(faults, path, `expected a value of enum ${resolved.fullName.slice(1)} (${firstNames(names)}${closed ? '' : ', or an int32'}), got ${describeValue(v)}`);
      };
    }
    switch (field.type) {
      case 'int32':
      case 'sint32':
      case 'sfixed32':
        return int32Check(INT32, field.type);
      case 'uint32':
      case 'fixed32':
        return int32Check(UINT32, field.type);
      case 'int64':
      case 'sint64':
      case 'sfixed64':
        return int64Check(INT64, field.type);
      case 'uint64':
      case 'fixed64':
        return int64Check(UINT64, field.type);
      case 'double':
      case 'float':
        return simpleCheck((v) => typeof v === 'number', `a number (${field.type})`);
      case 'bool':
        return simpleCheck((v) => typeof v === 'boolean', 'a boolean');
      case 'string':
        return simpleCheck((v) => typeof v === 'string', 'a string');
      case 'bytes':
        return simpleCheck((v) => v instanceof Uint8Array, 'a Buffer or Uint8Array (bytes)');
      default:
        return simpleCheck(() => false, `a known type (${field.type} is not)`);
    }
  }
}

function int32Check(range: { min: number; max: number }, type: string): FieldCheck {
  return (v, path, faults) => {
    if (typeof v === 'number' && inRange(v, range)) return;
    fault(faults, path, `expected ${type}, an integer in [${range.min}, ${range.max}], got ${describeValue(v)}`);
  };
}

function int64Check(range: { min: bigint; max: bigint }, type: string): FieldCheck {
  return (v, path, faults) => {
    let exact: bigint | undefined;
    if (typeof v === 'bigint') exact = v;
    else if (typeof v === 'string' && DECIMAL.test(v)) exact = BigInt(v);
    else if (typeof v === 'number' && Number.isSafeInteger(v)) exact = BigInt(v);
    else if (isLong(v)) exact = BigInt(v.toString());
    if (exact !== undefined && exact >= range.min && exact <= range.max) return;
    const unsafe = typeof v === 'number' && Number.isInteger(v) ? ' (a number beyond 2^53 has lost precision: pass a bigint or a decimal string)' : '';
    fault(faults, path, `expected ${type}, a bigint, safe integer or decimal string in [${range.min}, ${range.max}], got ${describeValue(v)}${unsafe}`);
  };
}

function simpleCheck(ok: (v: unknown) => boolean, expected: string): FieldCheck {
  return (v, path, faults) => {
    if (!ok(v)) fault(faults, path, `expected ${expected}, got ${describeValue(v)}`);
  };
}

/** Map keys are object keys, strings: the check of one for the map's key type, undefined when it fits. */
function keyCheck(keyType: string): (key: string) => string | undefined {
  switch (keyType) {
    case 'string':
      return () => undefined;
    case 'bool':
      return (k) => (k === 'true' || k === 'false' ? undefined : 'is not a bool key ("true" or "false")');
    case 'int32':
    case 'sint32':
    case 'sfixed32':
      return decimalKey(BigInt(INT32.min), BigInt(INT32.max), keyType);
    case 'uint32':
    case 'fixed32':
      return decimalKey(0n, BigInt(UINT32.max), keyType);
    case 'uint64':
    case 'fixed64':
      return decimalKey(UINT64.min, UINT64.max, keyType);
    default:
      return decimalKey(INT64.min, INT64.max, keyType);
  }
}

function decimalKey(min: bigint, max: bigint, type: string): (key: string) => string | undefined {
  return (k) => {
    if (DECIMAL.test(k)) {
      const n = BigInt(k);
      if (n >= min && n <= max) return undefined;
    }
    return `is not a ${type} key (a decimal integer in [${min}, ${max}])`;
  };
}

function inRange(v: number, range: { min: number; max: number }): boolean {
  return Number.isInteger(v) && v >= range.min && v <= range.max;
}

function isLong(v: unknown): v is { low: number; high: number; toString(): string } {
  return typeof v === 'object' && v !== null && Number.isInteger((v as { low?: unknown }).low) && Number.isInteger((v as { high?: unknown }).high);
}

function isPlainObject(v: unknown): boolean {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
}

function typeName(field: Field): string {
  return field.resolvedType === null ? field.type : field.resolvedType.fullName.slice(1);
}

function firstNames(names: readonly string[]): string {
  return names.length > 5 ? `${names.slice(0, 5).join(', ')}, ...` : names.join(', ');
}

function fault(faults: ProtoFault[], path: readonly Segment[], text: string): void {
  if (faults.length >= MAX_FAULTS) return;
  const at = formatPath(path);
  faults.push({ path: at, text: `at ${at} ${text}` });
}
