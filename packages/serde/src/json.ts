import { SerdeError } from './serde.js';
import type { Serde } from './serde.js';
import { jsonSyntaxErrorPosition } from './internal/json-syntax-error.js';
import { errorMessage, notSerializable } from './internal/serde-errors.js';

/** Options of {@link jsonSerde}. */
export interface JsonSerdeOptions<T> {
  /**
   * Checks, and may convert, each value read: it receives what `JSON.parse` returned and returns
   * the record's value, or throws to reject it (the error becomes the cause of a
   * {@link SerdeError}). A schema's parse function fits as is, e.g. zod's `User.parse`; a type
   * guard fits as `(v) => { if (!isUser(v)) throw new Error('not a User'); return v; }`.
   * Without it, the parsed value is taken to be a `T` unchecked.
   */
  parse?: (value: unknown) => T;
}

function invalidJson(topic: string, text: string, cause: unknown): SerdeError {
  const position = jsonSyntaxErrorPosition(text);
  let detail: string;
  if (position < 0) {
    // The scanner found no fault JSON.parse did; fall back on the engine's own words.
    detail = `invalid JSON: ${errorMessage(cause)}`;
  } else if (position >= text.length) {
    detail = `invalid JSON at position ${position}, unexpected end of input`;
  } else {
    const code = text.charCodeAt(position);
    const shown =
      code >= 0x20 && code < 0x7f
        ? `'${text.charAt(position)}'`
        : `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
    detail = `invalid JSON at position ${position}, unexpected ${shown}`;
  }
  return new SerdeError(`json: ${detail} (topic ${topic})`, { serde: 'json', topic }, { cause });
}

function serializeJson(topic: string, value: unknown): Buffer {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (error) {
    // A bigint, a circular structure, or a throwing toJSON().
    throw new SerdeError(
      `json cannot serialize the value: ${errorMessage(error)} (topic ${topic})`,
      { serde: 'json', topic },
      { cause: error },
    );
  }
  // JSON.stringify returns undefined, rather than throwing, for undefined, a function or a symbol.
  if (text === undefined) throw notSerializable('json', topic, value, 'a value JSON can represent');
  return Buffer.from(text, 'utf8');
}

function parseJson(topic: string, data: Buffer): unknown {
  const text = data.toString('utf8');
  try {
    return JSON.parse(text);
  } catch (error) {
    throw invalidJson(topic, text, error);
  }
}

const UNCHECKED_JSON: Serde<unknown> = Object.freeze<Serde<unknown>>({
  name: 'json',
  serialize: serializeJson,
  deserialize: parseJson,
});

/**
 * Values as UTF-8 JSON text, as `JSON.stringify` writes them and `JSON.parse` reads them: plain
 * JSON, with no schema envelope or magic byte, readable by any JSON deserializer on the other side.
 *
 * JSON's own rules apply: object properties that are `undefined` are left out, `NaN` and the
 * infinities become `null`, and a `Date` is written as its ISO string and read back as a string.
 * A value JSON cannot represent at all (`undefined`, a bigint, a circular structure) throws a
 * {@link SerdeError}, and so do bytes that are not JSON, naming the position where they stop
 * being JSON and the topic.
 *
 * Without options nothing checks that the value read is a `T`; pass `parse` to check it (or to
 * revive dates and the like).
 *
 * @example
 * interface Order { id: string; total: number }
 * const orders = jsonSerde<Order>();
 * orders.serialize('orders', { id: 'a1', total: 9.5 }); // <{"id":"a1","total":9.5}>
 *
 * @example
 * // With a schema: the value type is inferred from `parse`.
 * const users = jsonSerde({ parse: (value) => UserSchema.parse(value) });
 */
export function jsonSerde<T = unknown>(options?: JsonSerdeOptions<T>): Serde<T> {
  const parse = options?.parse;
  // Without a parse hook the serde is stateless and shared; Serde<T> only narrows its type.
  if (parse === undefined) return UNCHECKED_JSON as Serde<T>;
  return Object.freeze<Serde<T>>({
    name: 'json',
    serialize: serializeJson,
    deserialize(topic: string, data: Buffer): T {
      const value = parseJson(topic, data);
      try {
        return parse(value);
      } catch (error) {
        throw new SerdeError(
          `json value rejected by parse: ${errorMessage(error)} (topic ${topic})`,
          { serde: 'json', topic },
          { cause: error },
        );
      }
    },
  });
}
