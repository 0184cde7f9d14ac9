/**
 * What makes two schemas one for Confluent's registry: it parses a schema (after the schemas it
 * references), keeps its canonical text, and finds an already registered schema by that text and
 * the references (the same text with other references is another schema, with another id):
 * - Avro: the text Avro's Java library prints for the parsed schema (`Schema.toString`), so key
 *   order and whitespace do not matter, while docs, defaults, aliases, logical types and other
 *   properties do; referenced types are printed by name.
 * - JSON Schema: the compact JSON, keys in their written order (Jackson's `writeValueAsString`).
 * - Protobuf: the text without comments and with whitespace collapsed (Confluent reprints the
 *   parsed file; whitespace and comments are what differ in practice).
 * With `normalize` (Confluent's `normalize.schemas`, or `?normalize=true`), JSON Schema keys and
 * Avro custom properties and aliases are sorted, and references ordered.
 *
 * @internal
 */
import { jsonSerde } from '@rivulet/serde';
import { AvroParser, fullName, toAvroString } from './avro-schema.js';
import type { AvroSchema } from './avro-schema.js';
import { jsonText, parseJson } from './json-text.js';
import type { SchemaType } from '@rivulet/serde';

/** A schema as the registry compares it. */
export interface ParsedSchema {
  readonly schemaType: SchemaType;
  /** The canonical text: what is compared, and (Avro, JSON) what the registry stores and serves. */
  readonly canonical: string;
  /** The parsed Avro schema, for compatibility checks. */
  readonly avro?: AvroSchema;
}

/** How to parse: Confluent validates Avro defaults only for a schema being registered. */
export interface ParseOptions {
  readonly normalize: boolean;
  readonly validateDefaults: boolean;
}

/**
 * Parses a schema whose references' texts (dependencies first) are `references`; throws with the
 * reason when the schema is not valid for its type.
 */
export function parseSchema(schemaType: SchemaType, text: string, references: readonly string[], options: ParseOptions): ParsedSchema {
  if (schemaType === 'AVRO') {
    const parser = new AvroParser(options.validateDefaults);
    const known = references.map((r) => fullName(parser.parse(r)));
    const avro = parser.parse(text);
    return { schemaType, canonical: toAvroString(avro, known, options.normalize), avro };
  }
  if (schemaType === 'JSON') {
    const json = parseJson(text);
    // A schema with references needs them to compile: only its JSON is checked then.
    if (references.length === 0) jsonSerde({ jsonSchema: JSON.parse(text) as object });
    return { schemaType, canonical: jsonText(json, options.normalize) };
  }
  return { schemaType, canonical: protobufText(text) };
}

/** Protobuf text without comments, whitespace collapsed, none around punctuation; string literals kept. */
export function protobufText(text: string): string {
  let out = '';
  let pendingSpace = false;
  const punctuation = '{}[]()<>;,=:';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
      pendingSpace = true;
      continue;
    }
    if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? text.length : end + 1;
      pendingSpace = true;
      continue;
    }
    if (/\s/.test(c)) {
      pendingSpace = true;
      continue;
    }
    if (pendingSpace && out !== '' && !punctuation.includes(c) && !punctuation.includes(out[out.length - 1]!)) out += ' ';
    pendingSpace = false;
    if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < text.length && text[j] !== c) j += text[j] === '\\' ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j;
      continue;
    }
    out += c;
  }
  return out;
}
