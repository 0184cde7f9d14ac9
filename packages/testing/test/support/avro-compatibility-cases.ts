/**
 * The table MockSchemaRegistry's Avro behaviour is checked against, with Avro's Java library as the
 * reference (test/support/java/AvroCompatibility.java; its answers are checked in as
 * test/fixtures/avro-compatibility-verdicts.json):
 * - EVOLUTION_CASES: an old and a new version of a schema, the Avro spec's schema-evolution cases.
 *   Each is checked both ways: the new schema reading old data (what BACKWARD asks) and the old
 *   schema reading new data (FORWARD); FULL asks both.
 * - SCHEMA_CASES: schemas (with references) whose canonical text, Confluent's identity of a
 *   schema, must be Avro's `Schema.toString`, or which Avro refuses (the registry's 42201).
 */

/** A schema as a value, or (a string starting with `{`) as exact text. */
type Json = Record<string, unknown> | unknown[] | string;

const user = (fields: object[], extra: object = {}) => ({ type: 'record', name: 'User', namespace: 'com.acme', fields, ...extra });
const id = { name: 'id', type: 'string' };
const withField = (field: object) => user([id, field]);
const field = (type: unknown, extra: object = {}) => user([{ name: 'f', type, ...extra }]);
const color = (symbols: string[], extra: object = {}) => ({ type: 'enum', name: 'Color', symbols, ...extra });
const address = (fields: object[], extra: object = {}) => ({ type: 'record', name: 'Address', fields, ...extra });
const street = { name: 'street', type: 'string' };

/** One schema change: `old` is the registered version, `new` the one being registered. */
export interface EvolutionCase {
  readonly name: string;
  readonly old: Json;
  readonly new: Json;
}

export const EVOLUTION_CASES: readonly EvolutionCase[] = [
  { name: 'add a field with a default', old: user([id]), new: withField({ name: 'age', type: 'int', default: 0 }) },
  { name: 'add a field without a default', old: user([id]), new: withField({ name: 'age', type: 'int' }) },
  { name: 'add an optional field (null-first union, default null)', old: user([id]), new: withField({ name: 'email', type: ['null', 'string'], default: null }) },
  { name: 'remove a field with a default', old: withField({ name: 'age', type: 'int', default: 0 }), new: user([id]) },
  { name: 'remove a field without a default', old: withField({ name: 'age', type: 'int' }), new: user([id]) },
  { name: 'rename a field with an alias', old: user([id]), new: user([{ name: 'userId', type: 'string', aliases: ['id'] }]) },
  { name: 'rename a field without an alias', old: user([id]), new: user([{ name: 'userId', type: 'string' }]) },
  { name: 'a field alias that matches two old fields (Avro throws)', old: user([id, { name: 'uid', type: 'string' }]), new: user([{ name: 'id', type: 'string', aliases: ['uid'] }]) },
  { name: 'change only the namespace of the record', old: user([id]), new: user([id], { namespace: 'org.acme' }) },
  { name: 'drop the namespace of the record', old: user([id]), new: { type: 'record', name: 'User', fields: [id] } },
  { name: 'rename the record without an alias', old: user([id]), new: user([id], { name: 'Customer' }) },
  { name: 'rename the record with a full-name alias', old: user([id]), new: user([id], { name: 'Customer', aliases: ['com.acme.User'] }) },
  { name: 'rename the record with a short alias (same namespace)', old: user([id]), new: user([id], { name: 'Customer', aliases: ['User'] }) },
  { name: 'rename the record and its namespace with a short alias', old: user([id]), new: user([id], { name: 'Customer', namespace: 'org.acme', aliases: ['User'] }) },
  { name: 'change only the doc', old: user([id]), new: user([id], { doc: 'A user' }) },
  { name: 'promote int to long', old: field('int'), new: field('long') },
  { name: 'promote int to float', old: field('int'), new: field('float') },
  { name: 'promote int to double', old: field('int'), new: field('double') },
  { name: 'promote long to float', old: field('long'), new: field('float') },
  { name: 'promote long to double', old: field('long'), new: field('double') },
  { name: 'promote float to double', old: field('float'), new: field('double') },
  { name: 'string to bytes', old: field('string'), new: field('bytes') },
  { name: 'int to string', old: field('int'), new: field('string') },
  { name: 'boolean to int', old: field('boolean'), new: field('int') },
  { name: 'top-level int to long', old: 'int', new: 'long' },
  { name: 'top-level string to a record', old: 'string', new: user([id]) },
  { name: 'widen a type into a union', old: field('string'), new: field(['null', 'string'], { default: null }) },
  { name: 'add a branch to a union', old: field(['null', 'string']), new: field(['null', 'string', 'int']) },
  { name: 'reorder the branches of a union', old: field(['null', 'string']), new: field(['string', 'null']) },
  { name: 'int into a union with long (promotion in a union)', old: field('int'), new: field(['null', 'long']) },
  { name: 'union of records, one record gains a field with a default', old: field([address([street]), color(['RED'])]), new: field([address([street, { name: 'zip', type: 'string', default: '' }]), color(['RED'])]) },
  { name: 'add a symbol to an enum', old: field(color(['RED', 'GREEN'])), new: field(color(['RED', 'GREEN', 'BLUE'])) },
  { name: 'add a symbol to an enum with a default', old: field(color(['RED', 'GREEN'], { default: 'RED' })), new: field(color(['RED', 'GREEN', 'BLUE'], { default: 'RED' })) },
  { name: 'reorder the symbols of an enum', old: field(color(['RED', 'GREEN'])), new: field(color(['GREEN', 'RED'])) },
  { name: 'give an enum a default', old: field(color(['RED', 'GREEN'])), new: field(color(['RED', 'GREEN'], { default: 'GREEN' })) },
  { name: 'rename an enum', old: field(color(['RED'])), new: field(color(['RED'], { name: 'Colour' })) },
  { name: 'add an enum field with no field default but an enum default', old: user([id]), new: withField({ name: 'c', type: color(['RED'], { default: 'RED' }) }) },
  { name: 'change the size of a fixed', old: field({ type: 'fixed', name: 'Hash', size: 16 }), new: field({ type: 'fixed', name: 'Hash', size: 32 }) },
  { name: 'rename a fixed', old: field({ type: 'fixed', name: 'Hash', size: 16 }), new: field({ type: 'fixed', name: 'Digest', size: 16 }) },
  { name: 'fixed to bytes', old: field({ type: 'fixed', name: 'Hash', size: 16 }), new: field('bytes') },
  { name: 'array items int to long', old: field({ type: 'array', items: 'int' }), new: field({ type: 'array', items: 'long' }) },
  { name: 'array items string to int', old: field({ type: 'array', items: 'string' }), new: field({ type: 'array', items: 'int' }) },
  { name: 'map values int to double', old: field({ type: 'map', values: 'int' }), new: field({ type: 'map', values: 'double' }) },
  { name: 'map values string to boolean', old: field({ type: 'map', values: 'string' }), new: field({ type: 'map', values: 'boolean' }) },
  { name: 'array to map', old: field({ type: 'array', items: 'string' }), new: field({ type: 'map', values: 'string' }) },
  { name: 'nested record gains a field with a default', old: field(address([street])), new: field(address([street, { name: 'zip', type: 'string', default: '' }])) },
  { name: 'nested record gains a field without a default', old: field(address([street])), new: field(address([street, { name: 'zip', type: 'string' }])) },
  { name: 'nested record moves to another namespace', old: field(address([street])), new: field(address([street], { namespace: 'geo' })) },
  { name: 'nested record type changes deep down', old: field(address([street])), new: field(address([{ name: 'street', type: 'int' }])) },
  { name: 'recursive list gains a field with a default', old: { type: 'record', name: 'Node', fields: [{ name: 'next', type: ['null', 'Node'] }] }, new: { type: 'record', name: 'Node', fields: [{ name: 'next', type: ['null', 'Node'] }, { name: 'v', type: 'int', default: 0 }] } },
  { name: 'recursive list changes a field type', old: { type: 'record', name: 'Node', fields: [{ name: 'v', type: 'int' }, { name: 'next', type: ['null', 'Node'] }] }, new: { type: 'record', name: 'Node', fields: [{ name: 'v', type: 'string' }, { name: 'next', type: ['null', 'Node'] }] } },
  { name: 'logical type timestamp-millis to timestamp-micros', old: field({ type: 'long', logicalType: 'timestamp-millis' }), new: field({ type: 'long', logicalType: 'timestamp-micros' }) },
  { name: 'logical type decimal precision change', old: field({ type: 'bytes', logicalType: 'decimal', precision: 9, scale: 2 }), new: field({ type: 'bytes', logicalType: 'decimal', precision: 12, scale: 4 }) },
  { name: 'logical type date (int) to timestamp-millis (long)', old: field({ type: 'int', logicalType: 'date' }), new: field({ type: 'long', logicalType: 'timestamp-millis' }) },
  { name: 'logical type uuid dropped to plain string', old: field({ type: 'string', logicalType: 'uuid' }), new: field('string') },
  { name: 'field type becomes a named reference defined earlier', old: user([{ name: 'a', type: address([street]) }]), new: user([{ name: 'a', type: address([street]) }, { name: 'b', type: 'Address', default: { street: '' } }]) },
];

/** A schema to parse: its canonical text (or Avro's refusal) is compared with Java's. */
export interface SchemaCase {
  readonly name: string;
  readonly schema: Json;
  /** Referenced schemas, parsed first with the same parser (as Confluent resolves references). */
  readonly references?: readonly Json[];
}

export const SCHEMA_CASES: readonly SchemaCase[] = [
  { name: 'keys in Avro order', schema: user([id]) },
  { name: 'keys in another order', schema: { fields: [{ type: 'string', name: 'id' }], namespace: 'com.acme', name: 'User', type: 'record' } },
  { name: 'primitive as an object', schema: { type: 'string' } },
  { name: 'primitive with a property', schema: { type: 'string', 'avro.java.string': 'String' } },
  { name: 'doc, default, order, aliases and properties', schema: { aliases: ['Old'], 'x-prop': { b: 1, a: [true] }, doc: 'd', type: 'record', name: 'User', namespace: 'com.acme', fields: [{ default: 'x', aliases: ['b', 'a'], order: 'DESCENDING', doc: 'f', name: 'a', type: 'string', 'x-f': 1 }] } },
  { name: 'numbers in defaults, as integers and as strings', schema: user([{ name: 'd', type: 'double', default: 1 }, { name: 'f', type: 'float', default: '2.5' }, { name: 'n', type: 'float', default: 'NaN' }]) },
  {
    name: 'numbers in defaults as written in the text (Jackson: 1.0, 1.5E10, 1.0E-4, big integers in full)',
    schema: '{"type":"record","name":"N","fields":[{"name":"d","type":"double","default":1.0},{"name":"e","type":"double","default":1.5e10},{"name":"g","type":"double","default":0.0001},{"name":"h","type":"long","default":9007199254740993},{"name":"i","type":"double","default":-0},{"name":"j","type":"double","default":12345678.9}]}',
  },
  { name: 'record default keeps its key order', schema: user([{ name: 'a', type: address([street, { name: 'n', type: 'int' }]), default: { n: 1, street: 's' } }]) },
  { name: 'nested types inherit the namespace', schema: user([{ name: 'a', type: address([street]) }, { name: 'b', type: { type: 'record', name: 'Other', namespace: 'x.y', fields: [{ name: 'c', type: color(['R']) }] } }]) },
  { name: 'nested type in the null namespace', schema: user([{ name: 'a', type: address([street], { namespace: '' }) }]) },
  { name: 'named type used twice', schema: user([{ name: 'a', type: address([street]) }, { name: 'b', type: 'com.acme.Address' }, { name: 'c', type: { type: 'array', items: 'Address' } }]) },
  { name: 'forward reference to a later named type', schema: user([{ name: 'a', type: ['null', 'Later'] }, { name: 'b', type: { type: 'record', name: 'Later', fields: [] } }]) },
  { name: 'union of primitives with properties', schema: user([{ name: 'u', type: ['null', { type: 'long', logicalType: 'timestamp-millis' }, { type: 'bytes', logicalType: 'decimal', precision: 4, scale: 2 }] }]) },
  { name: 'enum with default and fixed with alias', schema: user([{ name: 'c', type: color(['A', 'B'], { default: 'B' }) }, { name: 'h', type: { type: 'fixed', name: 'Hash', size: 4, aliases: ['other.Digest', 'Sum'] } }]) },
  { name: 'error type', schema: { type: 'error', name: 'Oops', fields: [{ name: 'message', type: 'string' }] } },
  { name: 'a type named like an Avro type', schema: user([{ name: 'r', type: { type: 'record', name: 'record', fields: [] } }, { name: 's', type: 'com.acme.record' }]) },
  { name: 'string escapes', schema: user([{ name: 'a', type: 'string', doc: 'tab\there "quoted" \\ \u0001 é ✓' }]) },
  { name: 'a reference to another subject', schema: user([{ name: 'home', type: 'com.acme.Address' }]), references: [address([street], { namespace: 'com.acme' })] },
  { name: 'a reference used by its short name', schema: user([{ name: 'home', type: 'Address' }, { name: 'work', type: ['null', 'Address'], default: null }]), references: [address([street], { namespace: 'com.acme' })] },
  { name: 'invalid: default of the wrong type', schema: user([{ name: 'n', type: 'int', default: 'x' }]) },
  { name: 'invalid: int default out of range', schema: user([{ name: 'n', type: 'int', default: 3000000000 }]) },
  { name: 'invalid: int default with a fraction', schema: user([{ name: 'n', type: 'int', default: 1.5 }]) },
  { name: 'union default matching its second branch (valid in Avro 1.12)', schema: user([{ name: 'n', type: ['null', 'string'], default: 'x' }]) },
  { name: 'invalid: record default missing a field', schema: user([{ name: 'a', type: address([street]), default: {} }]) },
  { name: 'invalid: duplicate field', schema: user([id, id]) },
  { name: 'invalid: name starting with a digit', schema: user([{ name: '1st', type: 'string' }]) },
  { name: 'invalid: namespace part with a dash', schema: user([id], { namespace: 'com.a-b' }) },
  { name: 'invalid: enum default not a symbol', schema: color(['A'], { default: 'B' }) },
  { name: 'invalid: duplicate enum symbol', schema: color(['A', 'A']) },
  { name: 'invalid: duplicate union branch', schema: ['string', 'string'] },
  { name: 'invalid: nested union', schema: ['null', ['string']] },
  { name: 'invalid: undefined name', schema: user([{ name: 'a', type: 'Nowhere' }]) },
  { name: 'invalid: fixed without a size', schema: { type: 'fixed', name: 'H' } },
  { name: 'invalid: record named after a primitive', schema: { type: 'record', name: 'int', fields: [] } },
  { name: 'invalid: a name redefined differently', schema: user([{ name: 'a', type: address([street]) }, { name: 'b', type: address([]) }]) },
  { name: 'invalid: record without fields', schema: { type: 'record', name: 'R' } },
  { name: 'invalid: unknown type name', schema: { type: 'strin' } },
];

/** The text sent to the registry and to Java for a case's schema. */
export const schemaText = (schema: Json): string => (typeof schema === 'string' && schema.startsWith('{') ? schema : JSON.stringify(schema));

/** Both directions of an evolution case, as (reader, writer) pairs keyed `<case> :: backward|forward`. */
export function evolutionPairs(): { id: string; reader: string; writer: string }[] {
  return EVOLUTION_CASES.flatMap((c) => [
    // BACKWARD: the new schema reads data written with the old one.
    { id: `${c.name} :: backward`, reader: schemaText(c.new), writer: schemaText(c.old) },
    // FORWARD: the old schema reads data written with the new one.
    { id: `${c.name} :: forward`, reader: schemaText(c.old), writer: schemaText(c.new) },
  ]);
}

/** The verdicts file: Java's answers for every pair and schema. */
export interface AvroVerdicts {
  avroVersion: string;
  pairs: Record<string, { compatible: boolean; incompatibilities: { type: string; location: string; message: string }[] } | { error: string }>;
  schemas: Record<string, { canonical: string } | { error: string }>;
}
