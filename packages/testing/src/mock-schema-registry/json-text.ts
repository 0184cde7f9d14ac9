/**
 * JSON as Jackson (the JSON library of Confluent's registry and of Avro's Java parser) reads and
 * writes it: objects keep their key order (a repeated key keeps its first place and its last
 * value), numbers keep whether they were written as integers or not, and the compact output spells
 * numbers and strings as Jackson does (`1.0`, `1.0E10`, `\u001F`). The mock needs this to produce
 * the same canonical schema text as Confluent, which is what decides whether two schemas are one.
 *
 * @internal
 */

/** A JSON value with its number lexemes and its key order kept. */
export type JsonValue = null | boolean | string | JsonNumber | JsonValue[] | JsonObject;

/** A number as written: `integral` when it had no fraction and no exponent (Jackson's IntNode/LongNode). */
export interface JsonNumber {
  readonly kind: 'number';
  readonly integral: boolean;
  readonly raw: string;
}

/** An object: its entries in order. */
export interface JsonObject {
  readonly kind: 'object';
  readonly entries: Map<string, JsonValue>;
}

export const isNumber = (v: JsonValue | undefined): v is JsonNumber => typeof v === 'object' && v !== null && !Array.isArray(v) && v.kind === 'number';
export const isObject = (v: JsonValue | undefined): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v) && v.kind === 'object';

/** Parses JSON text; throws a SyntaxError naming the offset of the problem. */
export function parseJson(text: string): JsonValue {
  let i = 0;
  const fail = (what: string): never => {
    throw new SyntaxError(`${what} at offset ${i}`);
  };
  const ws = (): void => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++;
  };
  const value = (): JsonValue => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      const entries = new Map<string, JsonValue>();
      ws();
      if (text[i] === '}') {
        i++;
        return { kind: 'object', entries };
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail('expected a string key');
        const key = string();
        ws();
        if (text[i] !== ':') fail("expected ':'");
        i++;
        entries.set(key, value());
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return { kind: 'object', entries };
        }
        fail("expected ',' or '}'");
      }
    }
    if (c === '[') {
      i++;
      const items: JsonValue[] = [];
      ws();
      if (text[i] === ']') {
        i++;
        return items;
      }
      for (;;) {
        items.push(value());
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return items;
        }
        fail("expected ',' or ']'");
      }
    }
    if (c === '"') return string();
    if (text.startsWith('true', i)) return (i += 4), true;
    if (text.startsWith('false', i)) return (i += 5), false;
    if (text.startsWith('null', i)) return (i += 4), null;
    const m = /^-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i));
    if (m === null) return fail('unexpected character');
    i += m[0].length;
    return { kind: 'number', integral: m[1] === undefined && m[2] === undefined, raw: m[0] };
  };
  const string = (): string => {
    const start = i;
    i++;
    while (i < text.length && text[i] !== '"') {
      if (text[i] === '\\') i++;
      else if (text.charCodeAt(i) < 0x20) fail('control character in a string');
      i++;
    }
    if (i >= text.length) fail('unterminated string');
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  const result = value();
  ws();
  if (i < text.length) fail('unexpected content after the JSON value');
  return result;
}

/** A JSON number as Jackson writes the node it read: integers in full, others as Java's Double.toString. */
function numberText(n: JsonNumber): string {
  if (n.integral) return BigInt(n.raw).toString();
  const x = Number(n.raw);
  // Jackson writes NaN and the infinities as strings (WRITE_NAN_AS_STRINGS).
  return Number.isFinite(x) ? javaDouble(x) : `"${javaDouble(x)}"`;
}

/** Java's `Double.toString`: `1.0`, `0.001`, `1.0E7`, `1.0E-4`. */
export function javaDouble(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? 'Infinity' : '-Infinity';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const abs = Math.abs(x);
  if (abs >= 1e-3 && abs < 1e7) {
    const plain = String(x);
    return plain.includes('.') ? plain : `${plain}.0`;
  }
  const [mantissa, exponent] = x.toExponential().split('e') as [string, string];
  return `${mantissa.includes('.') ? mantissa : `${mantissa}.0`}E${exponent.replace('+', '')}`;
}

/** A string as Jackson writes it: short escapes for the usual controls, `\u00XX` (upper case) for the others. */
export function stringText(s: string): string {
  let out = '"';
  for (const ch of s) {
    const code = ch.charCodeAt(0);
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (code < 0x20) {
      const short = { 8: '\\b', 9: '\\t', 10: '\\n', 12: '\\f', 13: '\\r' }[code];
      out += short ?? `\\u${code.toString(16).toUpperCase().padStart(4, '0')}`;
    } else out += ch;
  }
  return `${out}"`;
}

/** Compact JSON text; `sortKeys` orders every object's keys (Confluent's `normalize`). */
export function jsonText(v: JsonValue, sortKeys = false): string {
  if (v === null) return 'null';
  if (typeof v === 'boolean') return String(v);
  if (typeof v === 'string') return stringText(v);
  if (Array.isArray(v)) return `[${v.map((e) => jsonText(e, sortKeys)).join(',')}]`;
  if (v.kind === 'number') return numberText(v);
  const keys = [...v.entries.keys()];
  if (sortKeys) keys.sort();
  return `{${keys.map((k) => `${stringText(k)}:${jsonText(v.entries.get(k)!, sortKeys)}`).join(',')}}`;
}

/** Whether two JSON values are equal as Jackson nodes are (key order aside). */
export function jsonEquals(a: JsonValue, b: JsonValue): boolean {
  return jsonText(a, true) === jsonText(b, true);
}
