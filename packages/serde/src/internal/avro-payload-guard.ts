import type { Type } from 'avsc';
import { SchemaMismatchError, TruncatedPayloadError } from '../errors.js';
import { whereSuffix } from './where.js';
import type { SerdeErrorContext } from '../serde.js';

// avsc decodes an array or a map by reading its block count and then that many items, whatever
// the bytes left: past the end of the buffer each item reads as zeros, one byte at a time, and an
// item of zero size (null, an empty record) reads nothing at all. A corrupt or hostile count
// (a varint of 2^40, 2^62) so makes the decoder loop and allocate for minutes, or run the process out
// of memory, before it can notice the payload ended. This guard walks the payload once with the
// writer schema, before avsc decodes it, and refuses a block that claims more items than the bytes
// left can hold. It is built once per writer schema and used only for schemas with an array or a
// map: for the others avsc's own bounds checks on strings, bytes and fixed suffice.

/** Items of zero encoded size (nulls, empty records) one record may hold: no real record comes near. */
export const MAX_ZERO_SIZE_ITEMS = 1_000_000;

/** What the guard found wrong with a payload: the bytes end too soon, or they cannot be this schema. */
export interface AvroPayloadFault {
  readonly kind: 'truncated' | 'mismatch';
  /** The byte offset, in the whole record, where the fault was found. */
  readonly offset: number;
  /** What is wrong, for the error message: `an array block of 4611686018427387904 items needs ...`. */
  readonly detail: string;
}

/** Checks a payload from `offset` to its end before it is decoded: a fault, or undefined when it may be decoded. */
export type AvroPayloadGuard = (data: Buffer, offset: number) => AvroPayloadFault | undefined;

/** The walk's state over one payload. */
class Walk {
  pos: number;
  zeroSizeItems = 0;

  constructor(
    readonly data: Buffer,
    offset: number,
  ) {
    this.pos = offset;
  }

  /** Moves over `n` bytes, which must be there. */
  skip(n: number): void {
    if (n > this.data.length - this.pos) throw new Fault('truncated', this.pos, `${n} bytes needed, ${this.data.length - this.pos} left`);
    this.pos += n;
  }

  /** A zig-zag varint (Avro int or long), as a number: exact to 2^53, the right magnitude beyond. */
  varint(): number {
    const { data } = this;
    const start = this.pos;
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= data.length) throw new Fault('truncated', start, 'the bytes end inside a varint');
      const byte = data[this.pos++]!;
      value += (byte & 0x7f) * scale;
      if ((byte & 0x80) === 0) return value % 2 === 0 ? value / 2 : -(value + 1) / 2;
      scale *= 128;
    }
    throw new Fault('mismatch', start, 'a varint longer than 10 bytes');
  }

  /** The length prefix of a string or bytes, then the bytes. */
  lengthPrefixed(): void {
    const at = this.pos;
    const length = this.varint();
    if (length < 0) throw new Fault('mismatch', at, `a negative length ${length}`);
    this.skip(length);
  }

  /** Blocks of items (an array's, or a map's entries) of at least `minItemSize` bytes each. */
  blocks(minItemSize: number, item: (walk: Walk) => void, what: 'array' | 'map'): void {
    for (;;) {
      const at = this.pos;
      let count = this.varint();
      if (count === 0) return;
      if (count < 0) {
        // A negative count is followed by the block's size in bytes (for readers that skip it).
        count = -count;
        this.varint();
      }
      if (minItemSize > 0) {
        const left = this.data.length - this.pos;
        if (count * minItemSize > left) {
          throw new Fault('truncated', at, `${what === 'array' ? 'an array' : 'a map'} block of ${count} items needs at least ${count * minItemSize} bytes, ${left} left`);
        }
      } else {
        this.zeroSizeItems += count;
        if (this.zeroSizeItems > MAX_ZERO_SIZE_ITEMS) {
          throw new Fault('mismatch', at, `${what === 'array' ? 'an array' : 'a map'} block of ${count} items of zero size, more than the ${MAX_ZERO_SIZE_ITEMS} a record may hold`);
        }
      }
      for (let i = 0; i < count; i++) item(this);
    }
  }
}

/** Thrown inside a walk, turned into the guard's answer at its top. */
class Fault implements AvroPayloadFault {
  constructor(
    readonly kind: 'truncated' | 'mismatch',
    readonly offset: number,
    readonly detail: string,
  ) {}
}

type Step = (walk: Walk) => void;

interface Compiled {
  step: Step;
  minSize: number;
}

/** avsc's type as far as the guard reads it. */
interface TypeShape {
  readonly typeName: string;
  readonly fields?: readonly { readonly type: Type }[];
  readonly itemsType?: Type;
  readonly valuesType?: Type;
  readonly types?: readonly Type[];
  readonly symbols?: readonly string[];
  readonly size?: number;
  readonly underlyingType?: Type;
}

/** A schema the guard does not know how to walk: no guard then, avsc decodes as before. */
class Unsupported extends Error {}

function compile(type: Type, seen: Map<Type, Compiled>): Compiled {
  const known = seen.get(type);
  if (known !== undefined) return known;
  const shape = type as unknown as TypeShape;
  const name = shape.typeName;
  const skipBy = (n: number): Compiled => ({ step: (w) => w.skip(n), minSize: n });
  switch (name) {
    case 'null':
      return { step: () => undefined, minSize: 0 };
    case 'boolean':
      return skipBy(1);
    case 'float':
      return skipBy(4);
    case 'double':
      return skipBy(8);
    case 'int':
    case 'long':
    case 'abstract:long':
      return { step: (w) => void w.varint(), minSize: 1 };
    case 'string':
    case 'bytes':
      return { step: (w) => w.lengthPrefixed(), minSize: 1 };
    case 'fixed':
      return skipBy(shape.size ?? 0);
    case 'enum': {
      const symbols = shape.symbols?.length ?? 0;
      return {
        step: (w) => {
          const at = w.pos;
          const index = w.varint();
          if (index < 0 || index >= symbols) throw new Fault('mismatch', at, `enum index ${index}, the enum has ${symbols} symbols`);
        },
        minSize: 1,
      };
    }
    default:
      break;
  }
  if (name.startsWith('logical:') && shape.underlyingType !== undefined) return compile(shape.underlyingType, seen);
  // The composite types may be recursive: register a forwarding entry before compiling the parts,
  // with a minimum size of 0 meanwhile (an under-estimate only makes the count check stricter on budget).
  const self: Compiled = { step: () => undefined, minSize: 0 };
  seen.set(type, self);
  if (name === 'record' || name === 'error') {
    const fields = (shape.fields ?? []).map((f) => compile(f.type, seen));
    self.minSize = fields.reduce((sum, f) => sum + f.minSize, 0);
    const steps = fields.map((f) => f.step);
    self.step = (w) => {
      for (const step of steps) step(w);
    };
  } else if (name === 'array' && shape.itemsType !== undefined) {
    const items = compile(shape.itemsType, seen);
    self.minSize = 1;
    self.step = (w) => w.blocks(items.minSize, items.step, 'array');
  } else if (name === 'map' && shape.valuesType !== undefined) {
    const values = compile(shape.valuesType, seen);
    self.minSize = 1;
    const entry: Step = (w) => {
      w.lengthPrefixed();
      values.step(w);
    };
    self.step = (w) => w.blocks(1 + values.minSize, entry, 'map');
  } else if ((name === 'union:unwrapped' || name === 'union:wrapped') && shape.types !== undefined) {
    const branches = shape.types.map((t) => compile(t, seen));
    self.minSize = 1 + Math.min(...branches.map((b) => b.minSize));
    self.step = (w) => {
      const at = w.pos;
      const index = w.varint();
      const branch = branches[index];
      if (branch === undefined) throw new Fault('mismatch', at, `union branch ${index}, the union has ${branches.length} branches`);
      branch.step(w);
    };
  } else {
    throw new Unsupported(name);
  }
  return self;
}

function hasCollection(type: Type, seen: Set<Type>): boolean {
  if (seen.has(type)) return false;
  seen.add(type);
  const shape = type as unknown as TypeShape;
  if (shape.typeName === 'array' || shape.typeName === 'map') return true;
  const parts = [...(shape.fields ?? []).map((f) => f.type), ...(shape.types ?? []), ...(shape.underlyingType === undefined ? [] : [shape.underlyingType])];
  return parts.some((t) => hasCollection(t, seen));
}

/**
 * The guard of payloads written with `writer`, or undefined when none is needed (no array or map
 * in the schema) or the schema has a type the guard does not know. Built once per writer schema.
 *
 * @internal
 */
export function avroPayloadGuard(writer: Type): AvroPayloadGuard | undefined {
  if (!hasCollection(writer, new Set())) return undefined;
  let root: Compiled;
  try {
    root = compile(writer, new Map());
  } catch (error) {
    if (error instanceof Unsupported) return undefined;
    throw error;
  }
  const step = root.step;
  return (data, offset) => {
    const walk = new Walk(data, offset);
    try {
      step(walk);
      return undefined;
    } catch (error) {
      if (error instanceof Fault) return error;
      // A payload nested deeper than the stack (a recursive schema): avsc's decoder would overflow too.
      if (error instanceof RangeError) return { kind: 'mismatch', offset: walk.pos, detail: `the value is nested too deeply to read (${error.message})` };
      throw error;
    }
  };
}

/**
 * The typed error of a payload the guard refused before decoding: a {@link TruncatedPayloadError}
 * when the bytes end too soon, else a {@link SchemaMismatchError}.
 *
 * @internal
 */
export function payloadFaultError(
  fault: AvroPayloadFault,
  serdeName: string,
  writerLabel: string,
  context: SerdeErrorContext,
  length: number,
): TruncatedPayloadError | SchemaMismatchError {
  if (fault.kind === 'truncated') {
    return new TruncatedPayloadError(
      `${serdeName}: truncated payload at byte ${fault.offset} of ${length}, the value written with ${writerLabel} does not fit: ${fault.detail} ${whereSuffix(context)}`,
      context,
      length,
    );
  }
  return new SchemaMismatchError(
    `${serdeName}: the payload does not decode with ${writerLabel}: at byte ${fault.offset}, ${fault.detail} ${whereSuffix(context)}`,
    context,
    [],
  );
}
