/**
 * Avro's `org.apache.avro.SchemaCompatibility.checkReaderWriterCompatibility` (Avro 1.12), rule for
 * rule: Confluent's registry calls it, reader = the new schema and writer = an earlier one for
 * BACKWARD, the other way round for FORWARD. Its verdicts, and the kind and place of each
 * incompatibility, are what this port must give; test/fixtures/avro-compatibility-verdicts.json
 * holds Java's answers for a table of evolution cases, and a unit test holds this port to them.
 *
 * @internal
 */
import { aliasNames } from './avro-schema.js';
import type { AvroEnum, AvroField, AvroFixed, AvroRecord, AvroSchema } from './avro-schema.js';

type NamedSchema = AvroRecord | AvroEnum | AvroFixed;

/** Avro's `SchemaIncompatibilityType`. */
export type AvroIncompatibilityType =
  | 'NAME_MISMATCH'
  | 'FIXED_SIZE_MISMATCH'
  | 'MISSING_ENUM_SYMBOLS'
  | 'READER_FIELD_MISSING_DEFAULT_VALUE'
  | 'TYPE_MISMATCH'
  | 'MISSING_UNION_BRANCH';

/** One reason a reader cannot read a writer's data: its kind, where (a JSON pointer into the reader), and Avro's message. */
export interface AvroIncompatibility {
  readonly type: AvroIncompatibilityType;
  readonly location: string;
  readonly message: string;
}

/** Avro's `SchemaCompatibilityResult`: compatible, or the incompatibilities found. */
export interface AvroCompatibilityResult {
  readonly compatible: boolean;
  readonly incompatibilities: readonly AvroIncompatibility[];
}

const COMPATIBLE: AvroCompatibilityResult = { compatible: true, incompatibilities: [] };
const IN_PROGRESS: AvroCompatibilityResult = { compatible: true, incompatibilities: [] };

/** Avro's `Schema.Type` names, as its messages print them. */
const typeName = (s: AvroSchema): string => s.type.toUpperCase();

function merge(a: AvroCompatibilityResult, b: AvroCompatibilityResult): AvroCompatibilityResult {
  if (b.compatible && b.incompatibilities.length === 0) return a;
  return { compatible: a.compatible && b.compatible, incompatibilities: [...a.incompatibilities, ...b.incompatibilities] };
}

/** Thrown where Avro throws (a reader field whose name and aliases match several writer fields). */
export class AvroCompatibilityError extends Error {}

/**
 * Whether data written with `writer` can be read with `reader`, as Avro's Java library decides.
 * Throws {@link AvroCompatibilityError} where Avro throws (Confluent then reports the pair as incompatible).
 */
export function checkReaderWriterCompatibility(reader: AvroSchema, writer: AvroSchema): AvroCompatibilityResult {
  // Memoized per pair of schema nodes (by identity, as Avro's ReaderWriter key): a pair met again
  // while being checked is a recursion, taken as compatible unless proven otherwise.
  const memo = new Map<AvroSchema, Map<AvroSchema, AvroCompatibilityResult>>();

  // `location` is Avro's Deque of JSON-pointer tokens, deepest first; a reported location is the
  // path from the root, without the root's empty token.
  const at = (location: string[]): string => `/${location.slice(0, -1).reverse().map((t) => t.replace(/~/g, '~0').replace(/\//g, '~1')).join('/')}`;
  const incompatible = (type: AvroIncompatibilityType, message: string, location: string[]): AvroCompatibilityResult => ({
    compatible: false,
    incompatibilities: [{ type, location: at(location), message }],
  });

  const get = (token: string, r: AvroSchema, w: AvroSchema, location: string[]): AvroCompatibilityResult => {
    location.unshift(token);
    let byWriter = memo.get(r);
    if (byWriter === undefined) memo.set(r, (byWriter = new Map()));
    let result = byWriter.get(w);
    if (result === undefined) {
      byWriter.set(w, IN_PROGRESS);
      result = calculate(r, w, location);
      byWriter.set(w, result);
    } else if (result === IN_PROGRESS) {
      result = COMPATIBLE;
    }
    location.shift();
    return result;
  };
  // Avro's two-argument getCompatibility: a fresh location (used for union branches).
  const getFresh = (r: AvroSchema, w: AvroSchema): AvroCompatibilityResult => get('', r, w, []);

  const names = (r: NamedSchema, w: NamedSchema, location: string[]): AvroCompatibilityResult => {
    location.unshift('name');
    // Avro compares unqualified names: a namespace change alone keeps a type readable.
    const equal = r.name.name === w.name.name || aliasNames(r).includes(w.name.full);
    const result = equal ? COMPATIBLE : incompatible('NAME_MISMATCH', `expected: ${w.name.full}`, location);
    location.shift();
    return result;
  };

  const typeMismatch = (r: AvroSchema, w: AvroSchema, location: string[]): AvroCompatibilityResult =>
    incompatible('TYPE_MISMATCH', `reader type: ${typeName(r)} not compatible with writer type: ${typeName(w)}`, location);

  const lookupWriterField = (w: AvroRecord, readerField: AvroField): AvroField | undefined => {
    const found: AvroField[] = [];
    const direct = w.fields.find((f) => f.name === readerField.name);
    if (direct !== undefined) found.push(direct);
    for (const alias of readerField.aliases) {
      const f = w.fields.find((each) => each.name === alias);
      if (f !== undefined) found.push(f);
    }
    if (found.length > 1) throw new AvroCompatibilityError(`Reader record field ${readerField.name} matches multiple fields in writer record schema ${w.name.full}`);
    return found[0];
  };

  const fields = (r: AvroRecord, w: AvroRecord, location: string[]): AvroCompatibilityResult => {
    let result = COMPATIBLE;
    location.unshift('fields');
    for (const readerField of r.fields) {
      location.unshift(String(readerField.pos));
      const writerField = lookupWriterField(w, readerField);
      if (writerField === undefined) {
        if (readerField.default === undefined) {
          // Avro 1.12 tries an enum field's own default here, against the writer *record*: a type
          // mismatch, so such a field is refused all the same (with another reason).
          if (readerField.type.type === 'enum' && readerField.type.default !== undefined) {
            result = merge(result, get('type', readerField.type, w, location));
          } else {
            result = merge(result, incompatible('READER_FIELD_MISSING_DEFAULT_VALUE', readerField.name, location));
          }
        }
      } else {
        result = merge(result, get('type', readerField.type, writerField.type, location));
      }
      location.shift();
    }
    location.shift();
    return result;
  };

  const calculate = (r: AvroSchema, w: AvroSchema, location: string[]): AvroCompatibilityResult => {
    if (r.type === w.type) {
      switch (r.type) {
        case 'array':
          return get('items', r.items, (w as typeof r).items, location);
        case 'map':
          return get('values', r.values, (w as typeof r).values, location);
        case 'fixed': {
          const wf = w as typeof r;
          location.unshift('size');
          const size = r.size === wf.size ? COMPATIBLE : incompatible('FIXED_SIZE_MISMATCH', `expected: ${wf.size}, found: ${r.size}`, location);
          location.shift();
          return merge(names(r, wf, location), size);
        }
        case 'enum': {
          const we = w as typeof r;
          location.unshift('symbols');
          const missing = [...new Set(we.symbols.filter((s) => !r.symbols.includes(s)))].sort();
          // A reader enum with a default reads unknown symbols as its default.
          const ok = missing.length === 0 || (r.default !== undefined && r.symbols.includes(r.default));
          const symbols = ok ? COMPATIBLE : incompatible('MISSING_ENUM_SYMBOLS', `[${missing.join(', ')}]`, location);
          location.shift();
          return merge(names(r, we, location), symbols);
        }
        case 'record':
          return merge(names(r, w as typeof r, location), fields(r, w as typeof r, location));
        case 'union': {
          let result = COMPATIBLE;
          (w as typeof r).types.forEach((branch, i) => {
            location.unshift(String(i));
            if (!getFresh(r, branch).compatible) {
              result = merge(result, incompatible('MISSING_UNION_BRANCH', `reader union lacking writer type: ${typeName(branch)}`, location));
            }
            location.shift();
          });
          return result;
        }
        default:
          return COMPATIBLE;
      }
    }
    // A writer union: the reader must read each of its branches.
    if (w.type === 'union') {
      let result = COMPATIBLE;
      w.types.forEach((branch, i) => (result = merge(result, get(String(i), r, branch, location))));
      return result;
    }
    switch (r.type) {
      // Avro's promotions: int -> long -> float -> double, and string <-> bytes.
      case 'long':
        return w.type === 'int' ? COMPATIBLE : typeMismatch(r, w, location);
      case 'float':
        return w.type === 'int' || w.type === 'long' ? COMPATIBLE : typeMismatch(r, w, location);
      case 'double':
        return w.type === 'int' || w.type === 'long' || w.type === 'float' ? COMPATIBLE : typeMismatch(r, w, location);
      case 'bytes':
        return w.type === 'string' ? COMPATIBLE : typeMismatch(r, w, location);
      case 'string':
        return w.type === 'bytes' ? COMPATIBLE : typeMismatch(r, w, location);
      case 'union':
        // A reader union reads a writer type if any branch does.
        if (r.types.some((branch) => getFresh(branch, w).compatible)) return COMPATIBLE;
        return incompatible('MISSING_UNION_BRANCH', `reader union lacking writer type: ${typeName(w)}`, location);
      default:
        return typeMismatch(r, w, location);
    }
  };

  return get('', reader, writer, []);
}
