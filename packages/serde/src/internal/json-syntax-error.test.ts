import { describe, expect, it } from 'vitest';
import { jsonSyntaxErrorPosition } from './json-syntax-error.js';

describe('jsonSyntaxErrorPosition', () => {
  it.each([
    '0',
    '-0.5e+10',
    '1E-2',
    'true',
    'false',
    'null',
    '"a\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9"',
    ' \t\n\r[ ] ',
    '{}',
    '{ "a" : [1, {"b": null}], "c": {} }',
    '"😀"',
  ])('finds no fault in valid JSON %j', (text) => {
    expect(() => JSON.parse(text)).not.toThrow();
    expect(jsonSyntaxErrorPosition(text)).toBe(-1);
  });

  it.each([
    ['', 0],
    ['   ', 3],
    ['{"a":}', 5],
    ['{"a":1,}', 7],
    ['{"a" 1}', 5],
    ['{1:2}', 1],
    ['[1 2]', 3],
    ['[1,]', 3],
    ['[', 1],
    ['{"a":1', 6],
    ['"abc', 4],
    ['"a\nb"', 2],
    ['"\\x"', 2],
    ['"\\u12g4"', 5],
    ['"\\u12', 5],
    ['01', 1],
    ['-a', 1],
    ['1.', 2],
    ['1.e5', 2],
    ['1e', 2],
    ['1e+x', 3],
    ['trux', 3],
    ['tru', 3],
    ['nul', 3],
    ['1 2', 2],
    ["{'a':1}", 1],
    ['[1]]', 3],
  ])('places the fault of %j at %d', (text, position) => {
    expect(() => JSON.parse(text)).toThrow();
    expect(jsonSyntaxErrorPosition(text)).toBe(position);
  });

  it('reports the end of a deeply nested text without overflowing the stack', () => {
    expect(jsonSyntaxErrorPosition('['.repeat(200_000))).toBe(200_000);
  });

  // A seeded fuzz against the engine: on mutated JSON documents the scanner must agree with
  // JSON.parse on validity, and on the position wherever V8's message gives one.
  it('agrees with JSON.parse on mutated documents', () => {
    let seed = 42;
    const random = (): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x80000000;
    };
    const documents = [
      '{"a":[1,-2.5e+3,true,false,null,"x\\u00e9\\n"],"b":{"c":{}},"d":[]}',
      '[0, 1.0E-2, "\\"\\\\\\/\\b\\f\\r\\t", {"k" : "v"}]',
      ' "str" ',
      '-0.5e10',
    ];
    const alphabet = '{}[],:"\\ -+.eE0123456789tfnulrsaxu\n\t';
    const disagreements: string[] = [];
    for (let n = 0; n < 20_000; n++) {
      let text = documents[Math.floor(random() * documents.length)] ?? '';
      for (let edits = 1 + Math.floor(random() * 3); edits > 0; edits--) {
        const at = Math.floor(random() * (text.length + 1));
        const char = alphabet[Math.floor(random() * alphabet.length)] ?? '';
        const op = random();
        if (op < 0.33) text = text.slice(0, at) + text.slice(at + 1);
        else if (op < 0.66) text = text.slice(0, at) + char + text.slice(at);
        else text = text.slice(0, at) + char + text.slice(at + 1);
      }
      const position = jsonSyntaxErrorPosition(text);
      let message: string | undefined;
      try {
        JSON.parse(text);
      } catch (error) {
        message = (error as Error).message;
      }
      const reported = message === undefined ? undefined : /at position (\d+)/.exec(message)?.[1];
      const unexpectedToken = message === undefined ? undefined : /^Unexpected token '(.)'/.exec(message)?.[1];
      const agrees =
        message === undefined
          ? position === -1
          : position >= 0 &&
            (reported === undefined || Number(reported) === position) &&
            (!message.startsWith('Unexpected end') || position === text.length) &&
            (unexpectedToken === undefined || text[position] === unexpectedToken);
      if (!agrees) disagreements.push(`${JSON.stringify(text)}: ${position} vs ${message ?? 'valid'}`);
    }
    expect(disagreements).toEqual([]);
  });
});
