import { describe, expect, it } from 'vitest';
import { InvalidJsonError, SchemaMismatchError } from './errors.js';
import type { StandardSchemaV1 } from './standard-schema.js';
import { jsonSerde } from './json.js';
import { SerdeError } from './serde.js';
import type { Serde } from './serde.js';

function write<T>(serde: Serde<T>, value: T, topic = 't'): string {
  const out = serde.serialize(topic, value);
  if (!Buffer.isBuffer(out)) throw new Error('json serialize did not return a Buffer');
  return out.toString('utf8');
}

function read<T>(serde: Serde<T>, text: string | Buffer, topic = 't'): T {
  const value = serde.deserialize(topic, typeof text === 'string' ? Buffer.from(text, 'utf8') : text);
  if (value instanceof Promise) throw new Error('json deserialize returned a Promise');
  return value;
}

function serdeErrorOf(call: () => unknown): SerdeError {
  try {
    call();
  } catch (error) {
    expect(error).toBeInstanceOf(SerdeError);
    return error as SerdeError;
  }
  throw new Error('expected a SerdeError, nothing was thrown');
}

describe('jsonSerde', () => {
  interface Order {
    id: string;
    total: number;
    lines: { sku: string; qty: number }[];
    note: string | null;
  }

  it('writes compact UTF-8 JSON and reads it back', () => {
    const order: Order = { id: 'a1', total: 9.5, lines: [{ sku: 'crème', qty: 2 }], note: null };
    const serde = jsonSerde<Order>();
    const bytes = serde.serialize('orders', order) as Buffer;
    expect(bytes.toString('hex')).toBe(Buffer.from('{"id":"a1","total":9.5,"lines":[{"sku":"crème","qty":2}],"note":null}').toString('hex'));
    expect(read(serde, bytes)).toEqual(order);
  });

  it.each([
    ['a string', 'héllo 😀', '"héllo 😀"'],
    ['an empty string', '', '""'],
    ['a number', -1.5, '-1.5'],
    ['a boolean', false, 'false'],
    ['null', null, 'null'],
    ['an array', [1, 'two', [3]], '[1,"two",[3]]'],
    ['an empty object', {}, '{}'],
  ])('round-trips %s as a top-level value', (_what, value, text) => {
    const serde = jsonSerde<unknown>();
    expect(write(serde, value)).toBe(text);
    expect(read(serde, text)).toEqual(value);
  });

  it('follows JSON rules for what it cannot keep: undefined properties dropped, NaN as null, -0 as 0', () => {
    expect(write(jsonSerde<unknown>(), { a: undefined, b: NaN, c: Infinity, d: -0 })).toBe('{"b":null,"c":null,"d":0}');
  });

  it('reads JSON written with whitespace and a Java-style escape', () => {
    expect(read(jsonSerde<unknown>(), ' { "a" : "\\u00e9" }\n')).toEqual({ a: 'é' });
  });

  describe('invalid JSON', () => {
    it.each([
      ['{"id":}', 'invalid JSON at position 6, unexpected \'}\''],
      ['{"id":"a1",}', 'invalid JSON at position 11, unexpected \'}\''],
      ['{"id":"a1"', 'invalid JSON at position 10, unexpected end of input'],
      ['', 'invalid JSON at position 0, unexpected end of input'],
      ['hello', 'invalid JSON at position 0, unexpected \'h\''],
      ['"a\u0001"', 'invalid JSON at position 2, unexpected U+0001'],
      ['{"é":1 x}', 'invalid JSON at position 7, unexpected \'x\''],
    ])('names the position and the topic for %j', (text, detail) => {
      const error = serdeErrorOf(() => jsonSerde().deserialize('orders', Buffer.from(text, 'utf8')));
      expect(error.message).toBe(`json: ${detail} (topic orders)`);
      expect(error).toBeInstanceOf(InvalidJsonError);
      expect(error).toMatchObject({ name: 'InvalidJsonError', code: 'INVALID_JSON', serde: 'json', topic: 'orders' });
      expect((error as InvalidJsonError).position).toBe(Number(/position (\d+)/.exec(detail)?.[1]));
      expect(error.cause).toBeInstanceOf(SyntaxError);
    });
  });

  describe('values JSON cannot represent', () => {
    it.each([
      ['undefined', undefined, 'undefined'],
      ['a function', () => 1, 'a function'],
      ['a symbol', Symbol('s'), 'a symbol'],
    ])('refuses %s', (_what, value, shown) => {
      const error = serdeErrorOf(() => jsonSerde<unknown>().serialize('orders', value));
      expect(error.message).toBe(`json cannot serialize ${shown}: expected a value JSON can represent (topic orders)`);
    });

    it('refuses a bigint, even nested', () => {
      const error = serdeErrorOf(() => jsonSerde<unknown>().serialize('orders', { count: 1n }));
      expect(error.message).toMatch(/^json cannot serialize the value: .*BigInt.* \(topic orders\)$/);
      expect(error.cause).toBeInstanceOf(TypeError);
    });

    it('refuses a circular structure, on one line', () => {
      const node: { name: string; self?: unknown } = { name: 'n' };
      node.self = node;
      const error = serdeErrorOf(() => jsonSerde<unknown>().serialize('orders', node));
      expect(error.message).toMatch(/^json cannot serialize the value: Converting circular structure to JSON .* \(topic orders\)$/);
      expect(error.message).not.toContain('\n');
    });

    it('wraps an error thrown by toJSON', () => {
      const value = {
        toJSON(): never {
          throw new Error('no JSON for you');
        },
      };
      const error = serdeErrorOf(() => jsonSerde<unknown>().serialize('orders', value));
      expect(error.message).toBe('json cannot serialize the value: no JSON for you (topic orders)');
    });
  });

  describe('with a parse hook', () => {
    interface User {
      name: string;
      born: Date;
    }
    const parseUser = (value: unknown): User => {
      const v = value as { name?: unknown; born?: unknown };
      if (typeof v?.name !== 'string' || typeof v.born !== 'string') throw new Error('not a User');
      return { name: v.name, born: new Date(v.born) };
    };

    it('passes the parsed value through the hook, which may convert it', () => {
      const users = jsonSerde({ parse: parseUser });
      const born = new Date('1990-01-02T00:00:00.000Z');
      const bytes = users.serialize('users', { name: 'Ada', born }) as Buffer;
      expect(bytes.toString()).toBe('{"name":"Ada","born":"1990-01-02T00:00:00.000Z"}');
      expect(read(users, bytes)).toEqual({ name: 'Ada', born });
    });

    it('turns a rejection into a SerdeError with the hook error as cause', () => {
      const users = jsonSerde({ parse: parseUser });
      const error = serdeErrorOf(() => users.deserialize('users', Buffer.from('{"name":1}')));
      expect(error.message).toBe('json value rejected by parse: not a User (topic users)');
      expect(error.cause).toEqual(new Error('not a User'));
    });

    it('still reports invalid JSON before the hook runs', () => {
      let calls = 0;
      const serde = jsonSerde({ parse: (v) => (calls++, v) });
      expect(serdeErrorOf(() => serde.deserialize('users', Buffer.from('{'))).message).toBe(
        'json: invalid JSON at position 1, unexpected end of input (topic users)',
      );
      expect(calls).toBe(0);
    });
  });

  it('shares one frozen instance when there is no parse hook, and is named json', () => {
    expect(jsonSerde<{ a: number }>()).toBe(jsonSerde<string>());
    expect(Object.isFrozen(jsonSerde())).toBe(true);
    expect(jsonSerde().name).toBe('json');
    expect(jsonSerde({ parse: (v) => v }).name).toBe('json');
  });
});

describe('jsonSerde with a schema', () => {
  // A hand-written Standard Schema, as zod, valibot or arktype expose one.
  interface User {
    name: string;
    age: number;
  }
  const UserSchema: StandardSchemaV1<unknown, User> = {
    '~standard': {
      version: 1,
      vendor: 'test',
      validate(value) {
        const v = value as Partial<User>;
        const issues = [];
        if (typeof v?.name !== 'string') issues.push({ message: 'Expected string', path: ['name'] });
        if (typeof v?.age !== 'number') issues.push({ message: 'Expected number', path: [{ key: 'age' }] });
        return issues.length > 0 ? { issues } : { value: { name: v.name!, age: v.age! } };
      },
    },
  };

  it('returns the schema output and names the failing fields', () => {
    const users = jsonSerde({ schema: UserSchema });
    expect(read(users, '{"name":"Ada","age":36,"extra":1}')).toEqual({ name: 'Ada', age: 36 });
    const error = serdeErrorOf(() => users.deserialize('users', Buffer.from('{"name":1}')));
    expect(error).toBeInstanceOf(SchemaMismatchError);
    expect(error.message).toBe('json value does not match its schema: at name: Expected string; at age: Expected number (topic users)');
    expect((error as SchemaMismatchError).paths).toEqual(['name', 'age']);
  });

  it('waits for an async schema', async () => {
    const users = jsonSerde({ schema: { '~standard': { ...UserSchema['~standard'], validate: async (v: unknown) => UserSchema['~standard'].validate(v) } } });
    await expect(users.deserialize('users', Buffer.from('{"name":"a","age":1}'))).resolves.toEqual({ name: 'a', age: 1 });
    await expect(users.deserialize('users', Buffer.from('{}'))).rejects.toThrow(SchemaMismatchError);
  });

  const OrderSchema = {
    type: 'object',
    required: ['id', 'lines'],
    additionalProperties: false,
    properties: {
      id: { type: 'string' },
      lines: { type: 'array', items: { type: 'object', required: ['qty'], properties: { qty: { type: 'integer', minimum: 1 } } } },
    },
  };

  it('checks a JSON Schema on write and on read, naming each field', () => {
    const orders = jsonSerde<{ id: string; lines: { qty: number }[] }>({ jsonSchema: OrderSchema });
    expect(read(orders, write(orders, { id: 'o1', lines: [{ qty: 2 }] }))).toEqual({ id: 'o1', lines: [{ qty: 2 }] });
    const onWrite = serdeErrorOf(() => orders.serialize('orders', { id: 'o1', lines: [{ qty: 0 }, {}] } as never));
    expect(onWrite.message).toBe('json cannot serialize the value: at lines[0].qty: must be >= 1; at lines[1].qty: is required (topic orders)');
    const onRead = serdeErrorOf(() => orders.deserialize('orders', Buffer.from('{"id":7,"lines":[],"x":1}')));
    expect(onRead).toBeInstanceOf(SchemaMismatchError);
    expect(onRead.message).toBe(
      'json value does not match its JSON Schema: at x: is not allowed (additionalProperties); at id: must be string (topic orders)',
    );
  });

  it('rejects an invalid JSON Schema, or schema with parse, at construction', () => {
    expect(() => jsonSerde({ jsonSchema: { type: 'nope' } })).toThrow(/^jsonSerde: options.jsonSchema is not a valid JSON Schema: /);
    expect(() => jsonSerde({ schema: UserSchema, parse: (v) => v as User })).toThrow(/give options.schema or options.parse, not both/);
    expect(() => jsonSerde({ schema: {} as never })).toThrow(/must be a Standard Schema/);
  });
});
