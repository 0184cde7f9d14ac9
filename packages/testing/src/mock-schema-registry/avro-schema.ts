/**
 * Avro schemas as Avro's Java library (1.12) parses and prints them, which is what Confluent's
 * registry runs: the same validation (names, duplicate names, enum symbols and default, union
 * branches, field defaults), the same resolution of names (namespaces inherited, references to
 * types defined later or in referenced schemas), and the same printed form, `Schema.toString()`,
 * that Confluent keeps as a schema's canonical text and compares to find an already registered one.
 *
 * @internal
 */
import { isNumber, isObject, jsonText, parseJson, stringText } from './json-text.js';
import type { JsonObject, JsonValue } from './json-text.js';

export type AvroPrimitive = 'null' | 'boolean' | 'int' | 'long' | 'float' | 'double' | 'bytes' | 'string';

const PRIMITIVES: readonly string[] = ['null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string'];
/** Avro's Schema.Type names: a named type called so must be written with its namespace. */
const TYPE_NAMES: readonly string[] = [...PRIMITIVES, 'record', 'enum', 'array', 'map', 'union', 'fixed'];
const SCHEMA_RESERVED = new Set(['doc', 'fields', 'items', 'name', 'namespace', 'size', 'symbols', 'values', 'type', 'aliases']);
const ENUM_RESERVED = new Set([...SCHEMA_RESERVED, 'default']);
const FIELD_RESERVED = new Set(['default', 'doc', 'name', 'order', 'type', 'aliases']);

/** A (full) name: `space` undefined for the null namespace. */
export interface AvroName {
  readonly name: string;
  readonly space: string | undefined;
  readonly full: string;
}

type Props = [string, JsonValue][];

export type AvroSchema =
  | { readonly type: AvroPrimitive; readonly props: Props }
  | AvroRecord
  | AvroEnum
  | AvroFixed
  | { readonly type: 'array'; items: AvroSchema; readonly props: Props }
  | { readonly type: 'map'; values: AvroSchema; readonly props: Props }
  | { readonly type: 'union'; readonly types: AvroSchema[] };

interface Named {
  readonly name: AvroName;
  readonly doc: string | undefined;
  readonly aliases: AvroName[];
  readonly props: Props;
}

export interface AvroRecord extends Named {
  readonly type: 'record';
  readonly isError: boolean;
  readonly fields: AvroField[];
}

export interface AvroEnum extends Named {
  readonly type: 'enum';
  readonly symbols: string[];
  readonly default: string | undefined;
}

export interface AvroFixed extends Named {
  readonly type: 'fixed';
  readonly size: number;
}

export interface AvroField {
  readonly name: string;
  type: AvroSchema;
  readonly pos: number;
  readonly doc: string | undefined;
  readonly default: JsonValue | undefined;
  readonly order: 'ascending' | 'descending' | 'ignore';
  readonly aliases: string[];
  readonly props: Props;
}

/** A reference to a named type, until the names are resolved. */
interface Unresolved {
  readonly type: 'unresolved';
  readonly full: string;
  readonly bare: string;
}
type Parsed = AvroSchema | Unresolved;

/** Why Avro's parser refuses a schema. */
export class AvroSchemaError extends Error {}

const fail = (message: string): never => {
  throw new AvroSchemaError(message);
};

/** Avro's default name validator: a letter or `_`, then letters, digits or `_` (Unicode letters count). */
function validName(name: string | undefined, what = 'Name'): string {
  if (name === undefined || name === null) return fail(`${what}: Null name`);
  if (name.length === 0) return fail(`${what}: Empty name`);
  if (!/^[\p{L}_][\p{L}\p{Nd}_]*$/u.test(name)) return fail(`${what} "${name}" is invalid: Illegal character in: ${name}`);
  return name;
}

function makeName(name: string, space: string | undefined): AvroName {
  const dot = name.lastIndexOf('.');
  let simple = name;
  if (dot >= 0) {
    space = name.slice(0, dot);
    simple = name.slice(dot + 1);
  }
  validName(simple);
  if (space === '') space = undefined;
  return { name: simple, space, full: space === undefined ? simple : `${space}.${simple}` };
}

const text = (node: JsonObject, key: string): string | undefined => {
  const v = node.entries.get(key);
  return typeof v === 'string' ? v : undefined;
};

/**
 * A parse of one or more schemas sharing their named types, as one `Schema.Parser` of Avro:
 * Confluent parses a schema's references (in order) and then the schema itself with one parser.
 */
export class AvroParser {
  private readonly types = new Map<string, AvroSchema>();

  /** @param validateDefaults check field defaults against their types (Confluent does for a schema being registered). */
  constructor(private readonly validateDefaults = true) {}

  /** Parses a schema's text; throws {@link AvroSchemaError} (or a SyntaxError) when Avro would refuse it. */
  parse(schemaText: string): AvroSchema {
    const json = parseJson(schemaText);
    const defined: AvroSchema[] = [];
    const parsed = this.node(json, undefined, defined);
    // As Avro's ParseContext: names may be used before (or without) their definition in the text;
    // every one must be known once the whole schema is read.
    const resolve = (s: Parsed): AvroSchema => {
      if (s.type !== 'unresolved') return s;
      const found = this.types.get(s.full) ?? this.types.get(s.bare);
      if (found === undefined) return fail(`Undefined schema: ${s.full}`);
      return found;
    };
    const seen = new Set<AvroSchema>();
    const walk = (s: AvroSchema): void => {
      if (seen.has(s)) return;
      seen.add(s);
      if (s.type === 'record') {
        for (const f of s.fields) walk((f.type = resolve(f.type)));
      } else if (s.type === 'array') walk((s.items = resolve(s.items)));
      else if (s.type === 'map') walk((s.values = resolve(s.values)));
      else if (s.type === 'union') {
        s.types.forEach((t, i) => (s.types[i] = resolve(t)));
        s.types.forEach(walk);
      }
    };
    const root = resolve(parsed);
    walk(root);
    for (const d of defined) walk(d);
    for (const d of this.validateDefaults ? defined : []) {
      if (d.type !== 'record') continue;
      for (const f of d.fields) {
        if (f.default !== undefined && !validDefault(f.type, f.default)) {
          fail(`Invalid default for field ${f.name}: ${jsonText(f.default)} not a ${toAvroString(f.type)}`);
        }
      }
    }
    return root;
  }

  private define(schema: AvroSchema & Named, defined: AvroSchema[]): void {
    const full = schema.name.full;
    if (PRIMITIVES.includes(full)) fail(`Schemas may not be named after primitives: ${full}`);
    const parts = full.split('.');
    parts.slice(0, -1).forEach((p) => validName(p, 'Namespace part'));
    const known = this.types.get(full);
    // Avro lets a name be defined twice only with the very same schema.
    if (known !== undefined && toAvroString(known) !== toAvroString(schema)) fail(`Can't redefine: ${full}`);
    if (known === undefined) this.types.set(full, schema);
    defined.push(schema);
  }

  private node(json: JsonValue, space: string | undefined, defined: AvroSchema[]): Parsed {
    if (typeof json === 'string') {
      if (PRIMITIVES.includes(json)) return { type: json as AvroPrimitive, props: [] };
      return { type: 'unresolved', full: space !== undefined && !json.includes('.') ? `${space}.${json}` : json, bare: json };
    }
    if (Array.isArray(json)) {
      const types = json.map((t) => this.node(t, space, defined));
      return { type: 'union', types: this.checkUnion(types) };
    }
    if (!isObject(json)) return fail(`Schema not yet supported: ${jsonText(json)}`);
    const type = text(json, 'type') ?? fail(`No type: ${jsonText(json)}`);
    if (PRIMITIVES.includes(type)) return { type: type as AvroPrimitive, props: props(json, SCHEMA_RESERVED) };
    if (type === 'record' || type === 'error') return this.record(json, space, type === 'error', defined);
    if (type === 'enum') {
      const name = this.nameOf(json, space);
      const symbolsNode = json.entries.get('symbols');
      if (!Array.isArray(symbolsNode)) return fail(`Enum has no symbols: ${jsonText(json)}`);
      const symbols = symbolsNode.map((s) => validName(typeof s === 'string' ? s : undefined));
      if (new Set(symbols).size !== symbols.length) fail(`Duplicate enum symbol: ${symbols.find((s, i) => symbols.indexOf(s) !== i)}`);
      const enumDefault = text(json, 'default');
      if (enumDefault !== undefined && !symbols.includes(enumDefault)) fail(`The Enum Default: ${enumDefault} is not in the enum symbol set: ${symbols.join(', ')}`);
      const schema: AvroEnum = { type: 'enum', name, doc: text(json, 'doc'), symbols, default: enumDefault, props: props(json, ENUM_RESERVED), aliases: aliases(json, name) };
      this.define(schema, defined);
      return schema;
    }
    if (type === 'fixed') {
      const name = this.nameOf(json, space);
      const size = json.entries.get('size');
      if (!isNumber(size) || !size.integral || Number(size.raw) > 2147483647 || Number(size.raw) < -2147483648) return fail(`Invalid or no size: ${jsonText(json)}`);
      if (Number(size.raw) < 0) fail(`Malformed data. Length is negative: ${size.raw}`);
      const schema: AvroFixed = { type: 'fixed', name, doc: text(json, 'doc'), size: Number(size.raw), props: props(json, SCHEMA_RESERVED), aliases: aliases(json, name) };
      this.define(schema, defined);
      return schema;
    }
    if (type === 'array') {
      const items = json.entries.get('items');
      if (items === undefined) return fail(`Array has no items type: ${jsonText(json)}`);
      return { type: 'array', items: this.node(items, space, defined) as AvroSchema, props: props(json, SCHEMA_RESERVED) };
    }
    if (type === 'map') {
      const values = json.entries.get('values');
      if (values === undefined) return fail(`Map has no values type: ${jsonText(json)}`);
      return { type: 'map', values: this.node(values, space, defined) as AvroSchema, props: props(json, SCHEMA_RESERVED) };
    }
    // `{"type": "SomeName"}`: a reference to a named type.
    return this.node(type, space, defined);
  }

  private nameOf(json: JsonObject, space: string | undefined): AvroName {
    const ns = text(json, 'namespace') ?? space;
    return makeName(text(json, 'name') ?? fail(`No name in schema: ${jsonText(json)}`), ns);
  }

  private record(json: JsonObject, space: string | undefined, isError: boolean, defined: AvroSchema[]): AvroRecord {
    const name = this.nameOf(json, space);
    const fieldsNode = json.entries.get('fields');
    if (!Array.isArray(fieldsNode)) return fail(`Record has no fields: ${jsonText(json)}`);
    const fields: AvroField[] = [];
    const names = new Set<string>();
    fieldsNode.forEach((f, pos) => {
      if (!isObject(f)) return fail(`No field name: ${jsonText(f)}`);
      const fieldName = validName(text(f, 'name') ?? fail(`No field name: ${jsonText(f)}`));
      const typeNode = f.entries.get('type');
      if (typeNode === undefined) return fail(`No field type: ${jsonText(f)}`);
      const type = this.node(typeNode, name.space, defined) as AvroSchema;
      const orderNode = f.entries.get('order');
      let order: AvroField['order'] = 'ascending';
      if (orderNode !== undefined) {
        const o = typeof orderNode === 'string' ? orderNode.toLowerCase() : '';
        if (o !== 'ascending' && o !== 'descending' && o !== 'ignore') return fail(`No enum constant org.apache.avro.Schema.Field.Order.${String(orderNode).toUpperCase()}`);
        order = o;
      }
      let dflt = f.entries.get('default');
      // Avro reads a float or double default written as a string ("NaN", "1.5") as the number.
      if (dflt !== undefined && typeof dflt === 'string' && (type.type === 'float' || type.type === 'double') && dflt.trim() !== '' && (!Number.isNaN(Number(dflt)) || dflt.trim() === 'NaN')) {
        dflt = { kind: 'number', integral: false, raw: String(Number(dflt)) };
      }
      if (names.has(fieldName)) fail(`Duplicate field ${fieldName} in record ${name.full}`);
      names.add(fieldName);
      const fieldAliases = f.entries.get('aliases');
      if (fieldAliases !== undefined && !Array.isArray(fieldAliases)) return fail(`aliases not an array: ${jsonText(f)}`);
      fields.push({
        name: fieldName,
        type,
        pos,
        doc: text(f, 'doc'),
        default: dflt,
        order,
        aliases: [...new Set((fieldAliases ?? []).map((a: JsonValue) => (typeof a === 'string' ? a : fail(`alias not a string: ${jsonText(a)}`))))],
        props: props(f, FIELD_RESERVED),
      });
    });
    const schema: AvroRecord = { type: 'record', isError, name, doc: text(json, 'doc'), fields, props: props(json, SCHEMA_RESERVED), aliases: aliases(json, name) };
    this.define(schema, defined);
    return schema;
  }

  private checkUnion(types: Parsed[]): AvroSchema[] {
    const seen = new Set<string>();
    for (const t of types) {
      if (t.type === 'union') fail('Nested union');
      const key = t.type === 'unresolved' ? t.full : 'name' in t ? t.name.full : t.type;
      if (seen.has(key)) fail(`Duplicate in union:${key}`);
      seen.add(key);
    }
    return types as AvroSchema[];
  }
}

function props(json: JsonObject, reserved: ReadonlySet<string>): Props {
  return [...json.entries].filter(([k]) => !reserved.has(k));
}

function aliases(json: JsonObject, name: AvroName): AvroName[] {
  const node = json.entries.get('aliases');
  if (node === undefined) return [];
  if (!Array.isArray(node)) return fail(`aliases not an array: ${jsonText(json)}`);
  const out = new Map<string, AvroName>();
  for (const a of node) {
    if (typeof a !== 'string') fail(`alias not a string: ${jsonText(a)}`);
    const alias = makeName(a as string, name.space);
    out.set(alias.full, alias);
  }
  return [...out.values()];
}

/** `Schema.isValidDefault` of Avro 1.12: a union's default may match any of its branches. */
function validDefault(schema: AvroSchema, v: JsonValue): boolean {
  switch (schema.type) {
    case 'string':
    case 'bytes':
    case 'enum':
    case 'fixed':
      return typeof v === 'string';
    case 'int':
    case 'long': {
      if (!isNumber(v) || !v.integral) return false;
      const n = BigInt(v.raw);
      const bits = schema.type === 'int' ? 31n : 63n;
      return n >= -(1n << bits) && n < 1n << bits;
    }
    case 'float':
    case 'double':
      return isNumber(v);
    case 'boolean':
      return typeof v === 'boolean';
    case 'null':
      return v === null;
    case 'array':
      return Array.isArray(v) && v.every((e) => validDefault(schema.items, e));
    case 'map':
      return isObject(v) && [...v.entries.values()].every((e) => validDefault(schema.values, e));
    case 'union':
      return schema.types.some((t) => validDefault(t, v));
    case 'record':
      return (
        isObject(v) &&
        schema.fields.every((f) => {
          const value = v.entries.has(f.name) ? v.entries.get(f.name) : f.default;
          return value !== undefined && (f.type.type === 'union' ? f.type.types.some((t) => validDefault(t, value)) : validDefault(f.type, value));
        })
      );
  }
}

/** The printed name of a named type where `space` is the current namespace (Avro's `Name.getQualified`). */
function qualified(name: AvroName, space: string | undefined): string {
  if (name.space !== undefined && name.space === space && !TYPE_NAMES.includes(name.name)) return name.name;
  return name.full;
}

/**
 * `Schema.toString(referencedSchemas, false)` of Avro's Java library: Confluent's canonical text of
 * an Avro schema. Types named in `known` (the references' full names) are printed by name.
 */
export function toAvroString(schema: AvroSchema, known: Iterable<string> = [], sortProps = false): string {
  const names = new Set(known);
  // Confluent's `normalize` orders custom properties and aliases; Avro itself keeps them as written.
  const propsText = (p: Props): string => (sortProps ? [...p].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)) : p).map(([k, v]) => `,${stringText(k)}:${jsonText(v, sortProps)}`).join('');
  const sorted = (list: string[]): string[] => (sortProps ? [...list].sort() : list);
  const write = (s: AvroSchema, space: string | undefined): string => {
    switch (s.type) {
      case 'union':
        return `[${s.types.map((t) => write(t, space)).join(',')}]`;
      case 'array':
        return `{"type":"array","items":${write(s.items, space)}${propsText(s.props)}}`;
      case 'map':
        return `{"type":"map","values":${write(s.values, space)}${propsText(s.props)}}`;
      case 'record':
      case 'enum':
      case 'fixed': {
        if (names.has(s.name.full)) return stringText(qualified(s.name, space));
        names.add(s.name.full);
        let out = `{"type":${stringText(s.type === 'record' && s.isError ? 'error' : s.type)},"name":${stringText(s.name.name)}`;
        if (s.name.space !== undefined) {
          if (s.name.space !== space) out += `,"namespace":${stringText(s.name.space)}`;
        } else if (space !== undefined) out += ',"namespace":""';
        if (s.doc !== undefined) out += `,"doc":${stringText(s.doc)}`;
        if (s.type === 'record') out += `,"fields":[${s.fields.map((f) => fieldText(f, s.name.space)).join(',')}]`;
        if (s.type === 'enum') {
          out += `,"symbols":[${s.symbols.map(stringText).join(',')}]`;
          if (s.default !== undefined) out += `,"default":${stringText(s.default)}`;
        }
        if (s.type === 'fixed') out += `,"size":${s.size}`;
        out += propsText(s.props);
        if (s.aliases.length > 0) out += `,"aliases":[${sorted(s.aliases.map((a) => qualified(a, s.name.space))).map(stringText).join(',')}]`;
        return `${out}}`;
      }
      default:
        // A name not resolved yet (while checking a redefinition): printed as the name.
        if ((s as Parsed).type === 'unresolved') return stringText((s as unknown as Unresolved).full);
        return s.props.length === 0 ? stringText(s.type) : `{"type":${stringText(s.type)}${propsText(s.props)}}`;
    }
  };
  const fieldText = (f: AvroField, space: string | undefined): string => {
    let out = `{"name":${stringText(f.name)},"type":${write(f.type, space)}`;
    if (f.doc !== undefined) out += `,"doc":${stringText(f.doc)}`;
    if (f.default !== undefined) out += `,"default":${jsonText(f.default)}`;
    if (f.order !== 'ascending') out += `,"order":${stringText(f.order)}`;
    if (f.aliases.length > 0) out += `,"aliases":[${sorted(f.aliases).map(stringText).join(',')}]`;
    return `${out}${propsText(f.props)}}`;
  };
  return write(schema, undefined);
}

/** Avro's `Schema.getAliases()` of a named type: full names, `.name` for a null-namespace alias of a namespaced type. */
export function aliasNames(schema: Named): string[] {
  return schema.aliases.map((a) => (a.space === undefined && schema.name.space !== undefined ? `.${a.name}` : a.full));
}

/** Avro's `getFullName()`: a named type's full name, else the type's name. */
export function fullName(schema: AvroSchema): string {
  return 'name' in schema ? schema.name.full : schema.type;
}
