/**
 * Property tests of the decoders (issue 13): whatever the bytes, a serde's `deserialize` returns a
 * value or throws a SerdeError with a `code`, within a bounded time, and never returns a value for a
 * frame whose schema id the registry does not know. Fed with random frames, every cut of valid
 * frames, bit flips, random schema ids and huge varints spliced into valid frames.
 *
 * Runs and seed: FUZZ_RUNS (default 300 per property) and FUZZ_SEED (default a fixed seed, so a run
 * is reproducible; fast-check prints the seed and path of a failure to replay it).
 */
import avro from 'avsc';
import type { Schema, Type } from 'avsc';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { avroSerde } from '../../src/avro/avro-serde.js';
import { jsonSerde } from '../../src/json.js';
import {
  booleanSerde,
  bytesSerde,
  float32Serde,
  float64Serde,
  int16Serde,
  int32Serde,
  int64Serde,
  stringSerde,
  uuidSerde,
  voidSerde,
} from '../../src/primitives.js';
import { registryAvroSerde } from '../../src/registry/registry-avro-serde.js';
import { registryJsonSerde } from '../../src/registry/registry-json-serde.js';
import type { SchemaRegistryClient } from '../../src/registry/schema-registry-client.js';
import { header, varint } from './helpers.js';
import { SerdeError } from '../../src/serde.js';
import type { Serde, SerdeErrorCode } from '../../src/serde.js';
import { FakeRegistry } from './fake-registry.js';

const RUNS = Number(process.env['FUZZ_RUNS'] ?? 300);
const SEED = Number(process.env['FUZZ_SEED'] ?? 1313);
const PARAMS = { numRuns: RUNS, seed: SEED };
/** Each property's time: the default 5 s is enough at 300 runs, not at 3,000 (the every-cut property then takes ~4 s). */
const TIMEOUT = { timeout: Math.max(5_000, RUNS * 10) };
/** The time one decode may take: a hang or a gigabyte allocation takes far longer. */
const MAX_DECODE_MS = 250;
const CODES: readonly SerdeErrorCode[] = [
  'SERDE',
  'WRONG_MAGIC_BYTE',
  'UNKNOWN_SCHEMA_ID',
  'TRUNCATED_PAYLOAD',
  'INVALID_JSON',
  'SCHEMA_MISMATCH',
  'INCOMPATIBLE_SCHEMA',
  'SCHEMA_REGISTRY',
];

// Writer schemas: collections (whose counts come from the bytes), unions, strings and bytes (whose
// lengths do), logical types (decimal on bytes and fixed, timestamps, uuid), recursion, enums.
const SCHEMAS: Record<string, Schema> = {
  order: {
    type: 'record',
    name: 'Order',
    fields: [
      { name: 'id', type: 'string' },
      { name: 'lines', type: { type: 'array', items: { type: 'record', name: 'Line', fields: [{ name: 'sku', type: 'string' }, { name: 'qty', type: 'int' }] } } },
      { name: 'tags', type: { type: 'map', values: 'string' } },
      { name: 'note', type: ['null', 'string'] },
    ],
  },
  money: {
    type: 'record',
    name: 'Payment',
    fields: [
      { name: 'amount', type: { type: 'bytes', logicalType: 'decimal', precision: 12, scale: 2 } },
      { name: 'fee', type: { type: 'fixed', name: 'Fee', size: 6, logicalType: 'decimal', precision: 10, scale: 4 } },
      { name: 'at', type: { type: 'long', logicalType: 'timestamp-millis' } },
      { name: 'ref', type: { type: 'string', logicalType: 'uuid' } },
      { name: 'state', type: { type: 'enum', name: 'State', symbols: ['NEW', 'PAID', 'VOID'] } },
      { name: 'rate', type: 'double' },
      { name: 'ratio', type: 'float' },
      { name: 'ok', type: 'boolean' },
      { name: 'seq', type: 'long' },
    ],
  },
  list: { type: 'record', name: 'Node', fields: [{ name: 'v', type: 'int' }, { name: 'next', type: ['null', 'Node'] }] },
  nested: {
    type: 'record',
    name: 'Nested',
    fields: [
      { name: 'm', type: { type: 'map', values: { type: 'array', items: ['null', 'string', 'long'] } } },
      { name: 'nulls', type: { type: 'array', items: 'null' } },
      { name: 'blobs', type: { type: 'array', items: 'bytes' } },
    ],
  },
  text: 'string',
};
/** The schemas without arrays or maps: those the plain avroSerde is fuzzed with (see the last test). */
const FLAT = ['money', 'list', 'text'];

/** Plain values of an avsc type without logical types: bytes in the writer's encoding, whatever Rivulet makes of them. */
function valueOf(type: Type, depth = 0): fc.Arbitrary<unknown> {
  const t = type as unknown as {
    typeName: string;
    fields?: { name: string; type: Type }[];
    itemsType?: Type;
    valuesType?: Type;
    types?: Type[];
    symbols?: string[];
    size?: number;
  };
  switch (t.typeName) {
    case 'null':
      return fc.constant(null);
    case 'boolean':
      return fc.boolean();
    case 'int':
      return fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
    case 'long':
      // avsc writes longs within ±(2^53 - 2).
      return fc.integer({ min: -(2 ** 53 - 2), max: 2 ** 53 - 2 });
    case 'float':
    case 'double':
      return fc.double();
    case 'bytes':
      return fc.uint8Array({ maxLength: 24 }).map((a) => Buffer.from(a));
    case 'fixed':
      return fc.uint8Array({ minLength: t.size!, maxLength: t.size! }).map((a) => Buffer.from(a));
    case 'string':
      return fc.string({ maxLength: 16, unit: 'grapheme' });
    case 'enum':
      return fc.constantFrom(...t.symbols!);
    case 'array':
      return fc.array(valueOf(t.itemsType!, depth + 1), { maxLength: depth > 2 ? 0 : 4 });
    case 'map':
      return fc.dictionary(fc.string({ maxLength: 6 }).filter((k) => k !== '__proto__'), valueOf(t.valuesType!, depth + 1), { maxKeys: depth > 2 ? 0 : 4 });
    case 'record': {
      const fields: Record<string, fc.Arbitrary<unknown>> = {};
      for (const f of t.fields!) fields[f.name] = valueOf(f.type, depth + 1);
      return fc.record(fields);
    }
    case 'union:unwrapped':
      // Deep down only the first branch (null in these schemas), so recursive records end.
      return depth > 4 ? valueOf(t.types![0]!, depth + 1) : fc.oneof(...t.types!.map((b) => valueOf(b, depth + 1)));
    default:
      throw new Error(`no arbitrary for ${t.typeName}`);
  }
}

/** Two's complement big-endian bytes of `n`, in `size` bytes or as few as hold it: Avro's decimal encoding. */
function twosComplement(n: bigint, size?: number): Buffer {
  let length = size ?? 1;
  while (size === undefined && (n >= 1n << BigInt(8 * length - 1) || n < -(1n << BigInt(8 * length - 1)))) length++;
  const out = Buffer.alloc(length);
  let v = BigInt.asUintN(8 * length, n);
  for (let i = length - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

/** Payments whose logical values are valid too: decimals within their precision, dates within range, uuids. */
const payments = fc.record({
  amount: fc.bigInt({ min: -(10n ** 11n), max: 10n ** 11n }).map((n) => twosComplement(n)),
  fee: fc.bigInt({ min: -(10n ** 9n), max: 10n ** 9n }).map((n) => twosComplement(n, 6)),
  at: fc.integer({ min: -8.64e15, max: 8.64e15 }),
  ref: fc.uuid(),
  state: fc.constantFrom('NEW', 'PAID', 'VOID'),
  rate: fc.double(),
  ratio: fc.double(),
  ok: fc.boolean(),
  seq: fc.integer({ min: -(2 ** 53 - 2), max: 2 ** 53 - 2 }),
});

/** What one decode gave: checked to be a value or a typed SerdeError, within the time bound. */
function decode(serde: Serde<unknown>, bytes: Buffer): { value?: unknown; error?: SerdeError } {
  const started = performance.now();
  let outcome: { value?: unknown; error?: SerdeError };
  try {
    const value = serde.deserialize('t', bytes);
    if (value instanceof Promise) throw new Error('the fuzz registry is synchronous: no Promise expected');
    outcome = { value };
  } catch (error) {
    if (!(error instanceof SerdeError)) throw new Error(`${serde.name} threw ${String(error)} for ${bytes.toString('hex')}`, { cause: error });
    expect(CODES).toContain(error.code);
    outcome = { error };
  }
  const elapsed = performance.now() - started;
  if (elapsed > MAX_DECODE_MS) throw new Error(`${serde.name} took ${elapsed.toFixed(0)} ms on ${bytes.length} bytes: ${bytes.subarray(0, 64).toString('hex')}`);
  return outcome;
}

/** The fake registry, answering synchronously (as MockSchemaRegistry does in process), so a decode is one call. */
function syncRegistry(): { registry: FakeRegistry; client: SchemaRegistryClient } {
  const registry = new FakeRegistry();
  const client: SchemaRegistryClient = {
    getSchemaById: (id) => registry.getSchemaSync(id),
    register: (subject, schema) => registry.add(subject, schema),
    lookupSchema: (subject, schema) => registry.lookupSchema(subject, schema),
    getLatestVersion: (subject) => registry.getLatestVersion(subject),
  };
  return { registry, client };
}

interface AvroCase {
  name: string;
  id: number;
  /** Plain values of the writer schema, encoded as the frame's payload. */
  values: fc.Arbitrary<unknown>;
  plain: Type;
  /** Reads with the writer's schema (no reader schema of its own). */
  serde: Serde<unknown>;
}

const { registry, client } = syncRegistry();
const avroCases: AvroCase[] = Object.entries(SCHEMAS).map(([name, schema]) => {
  const id = registry.add(`${name}-value`, { schemaType: 'AVRO', schema: JSON.stringify(schema) });
  const plain = avro.Type.forSchema(schema);
  return { name, id, plain, values: name === 'money' ? payments : valueOf(plain), serde: registryAvroSerde({ registry: client }) };
});
const knownIds = new Set(avroCases.map((c) => c.id));
/** A reader with a schema of its own, resolving each writer: Order read as OrderV2 (a new field with a default). */
const orderV2 = registryAvroSerde({
  registry: client,
  schema: { ...(SCHEMAS['order'] as object), fields: [...(SCHEMAS['order'] as { fields: object[] }).fields, { name: 'channel', type: 'string', default: 'web' }] } as never,
});

/** A valid frame of one of the schemas: the case and its bytes (shown as the schema's name and hex in a counterexample). */
const validFrame = fc.constantFrom(...avroCases).chain((c) =>
  c.values.map((v) => {
    const frame = Buffer.concat([header(c.id), c.plain.toBuffer(v)]);
    return { c, frame, toString: () => `${c.name} frame ${frame.toString('hex')}` };
  }),
);
const anyCase = fc.constantFrom(...avroCases.map((c) => ({ ...c, toString: () => c.name })));

/** Any 32-bit id, weighted to the edges. */
const anyId = fc.oneof(fc.constantFrom(0, 1, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff), fc.integer({ min: 0, max: 0xffffffff }));

function checkAvroFrame(c: AvroCase, bytes: Buffer, serdes: Serde<unknown>[] = [c.serde, orderV2]): void {
  for (const serde of serdes) {
    const { error } = decode(serde, bytes);
    if (bytes.length >= 5 && bytes[0] === 0 && !knownIds.has(bytes.readUInt32BE(1))) {
      // Never a value for an unknown id: always this error, with the id read as unsigned.
      expect(error?.code).toBe('UNKNOWN_SCHEMA_ID');
      expect(error?.schemaId).toBe(bytes.readUInt32BE(1));
    } else if (error !== undefined && bytes.length >= 5 && bytes[0] === 0) {
      expect(error.schemaId).toBe(bytes.readUInt32BE(1));
    }
  }
}

describe('registry Avro decoding never fails untyped, never hangs, never reads an unknown id', TIMEOUT, () => {
  it('valid frames read back; the reader schema resolves them', () => {
    fc.assert(
      fc.property(validFrame, ({ c, frame }) => {
        const { value, error } = decode(c.serde, frame);
        expect(error).toBeUndefined();
        expect(value === undefined).toBe(false);
        if (c.name === 'order') expect((decode(orderV2, frame).value as { channel: string }).channel).toBe('web');
      }),
      PARAMS,
    );
  });

  it('random bytes, and random payloads behind a header of any id', () => {
    const frames = fc.oneof(
      fc.uint8Array({ maxLength: 48 }).map((a) => Buffer.from(a)),
      fc.tuple(fc.oneof(anyId, fc.constantFrom(...knownIds)), fc.uint8Array({ maxLength: 64 })).map(([id, p]) => Buffer.concat([header(id), p])),
    );
    fc.assert(
      fc.property(anyCase, frames, (c, bytes) => checkAvroFrame(c, bytes)),
      PARAMS,
    );
  });

  it('a valid frame cut at every position: truncated, in the header or in the payload', () => {
    fc.assert(
      fc.property(validFrame, ({ c, frame }) => {
        for (let cut = 0; cut < frame.length; cut++) {
          const { error } = decode(c.serde, frame.subarray(0, cut));
          expect([cut, error?.code]).toEqual([cut, 'TRUNCATED_PAYLOAD']);
          expect(error?.schemaId).toBe(cut < 5 ? undefined : c.id);
        }
      }),
      { ...PARAMS, numRuns: Math.ceil(RUNS / 3) },
    );
  });

  it('bit flips of valid frames', () => {
    fc.assert(
      fc.property(validFrame, fc.array(fc.nat(), { minLength: 1, maxLength: 4 }), ({ c, frame }, flips) => {
        const bytes = Buffer.from(frame);
        for (const f of flips) bytes[(f >> 3) % bytes.length]! ^= 1 << (f & 7);
        checkAvroFrame(c, bytes);
      }),
      PARAMS,
    );
  });

  it('huge varints (lengths, counts, indexes) spliced into valid frames', () => {
    const huge = fc.oneof(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), fc.constantFrom(2n ** 31n, 2n ** 32n, 2n ** 53n, 2n ** 62n, -(2n ** 62n), 1_000_001n));
    fc.assert(
      fc.property(validFrame, fc.nat(), huge, fc.boolean(), ({ c, frame }, at, n, replace) => {
        const pos = 5 + (at % Math.max(1, frame.length - 5));
        const bytes = Buffer.concat([frame.subarray(0, pos), varint(n), frame.subarray(replace ? pos + 1 : pos)]);
        checkAvroFrame(c, bytes);
      }),
      PARAMS,
    );
  });

  it('random schema ids in front of valid payloads: unknown ids never give a value, async registry too', async () => {
    const asyncSerde = registryAvroSerde({ registry });
    await fc.assert(
      fc.asyncProperty(validFrame, anyId, async ({ c, frame }, id) => {
        const bytes = Buffer.concat([header(id), frame.subarray(5)]);
        checkAvroFrame(c, bytes);
        let outcome: unknown;
        try {
          outcome = { value: await asyncSerde.deserialize('t', bytes) };
        } catch (error) {
          outcome = error;
        }
        if (knownIds.has(id)) return;
        expect(outcome).toBeInstanceOf(SerdeError);
        expect([(outcome as SerdeError).code, (outcome as SerdeError).schemaId]).toEqual(['UNKNOWN_SCHEMA_ID', id]);
      }),
      PARAMS,
    );
  });
});

describe('registry JSON decoding', TIMEOUT, () => {
  const { registry: jsonRegistry, client: jsonClient } = syncRegistry();
  const schema = { type: 'object', required: ['id'], properties: { id: { type: 'string' }, n: { type: 'integer' } } };
  const id = jsonRegistry.add('orders-value', { schemaType: 'JSON', schema: JSON.stringify(schema) });
  const avroId = jsonRegistry.add('other', { schemaType: 'AVRO', schema: '"string"' });
  const serdes = [registryJsonSerde({ registry: jsonClient, schema }), registryJsonSerde({ registry: jsonClient })];
  const payloads = fc.oneof(
    fc.json().map((t) => Buffer.from(t)),
    fc.record({ id: fc.string(), n: fc.integer() }).map((v) => Buffer.from(JSON.stringify(v))),
    fc.uint8Array({ maxLength: 48 }).map((a) => Buffer.from(a)),
  );

  it('any payload behind any id, cut, or bit-flipped: a value, or a typed error with the schema id; unknown ids never read', () => {
    fc.assert(
      fc.property(fc.oneof(fc.constant(id), fc.constant(avroId), anyId), payloads, fc.nat(), fc.nat(), (schemaId, payload, cutAt, flip) => {
        const frame = Buffer.concat([header(schemaId), payload]);
        const cut = frame.subarray(0, cutAt % (frame.length + 1));
        const flipped = Buffer.from(frame);
        flipped[(flip >> 3) % flipped.length]! ^= 1 << (flip & 7);
        for (const bytes of [frame, cut, flipped]) {
          for (const serde of serdes) {
            const { error } = decode(serde, bytes);
            if (bytes.length < 5 || bytes[0] !== 0) {
              expect(error?.code).toMatch(/^(TRUNCATED_PAYLOAD|WRONG_MAGIC_BYTE)$/);
              continue;
            }
            const read = bytes.readUInt32BE(1);
            if (read !== id && read !== avroId) expect([error?.code, error?.schemaId]).toEqual(['UNKNOWN_SCHEMA_ID', read]);
            else if (read === avroId) expect(error?.code).toBe('INCOMPATIBLE_SCHEMA');
            else if (error !== undefined) expect(error.schemaId).toBe(id);
          }
        }
      }),
      PARAMS,
    );
  });
});

describe('plain serdes', TIMEOUT, () => {
  const primitives: Serde<unknown>[] = [
    stringSerde(),
    bytesSerde(),
    int16Serde(),
    int32Serde(),
    int64Serde(),
    float32Serde(),
    float64Serde(),
    booleanSerde(),
    uuidSerde(),
    voidSerde(),
  ] as Serde<unknown>[];
  const jsons: Serde<unknown>[] = [
    jsonSerde(),
    jsonSerde({ jsonSchema: { type: 'object', properties: { a: { type: 'array', items: { type: 'number' } } } } }),
    jsonSerde({ parse: (v) => { if (typeof v !== 'object') throw new TypeError('not an object'); return v; } }),
    jsonSerde({ schema: { '~standard': { version: 1, vendor: 'fuzz', validate: (v: unknown) => (Array.isArray(v) ? { issues: [{ message: 'no arrays', path: [0] }] } : { value: v }) } } }),
  ];
  const plainAvro = FLAT.map((name) => avroSerde({ schema: SCHEMAS[name] as never }));
  const bytes = fc.oneof(
    fc.uint8Array({ maxLength: 48 }).map((a) => Buffer.from(a)),
    fc.json().map((t) => Buffer.from(t)),
    fc.constantFrom(...FLAT).chain((name) => {
      const c = avroCases.find((x) => x.name === name)!;
      return c.values.map((v) => c.plain.toBuffer(v));
    }),
  );

  it('primitives, JSON and plain Avro (schemas without collections): a value or a typed error, at once', () => {
    fc.assert(
      fc.property(bytes, fc.nat(), (data, cutAt) => {
        const cut = data.subarray(0, cutAt % (data.length + 1));
        for (const serde of [...primitives, ...jsons, ...plainAvro]) {
          decode(serde, data);
          decode(serde, cut);
        }
      }),
      PARAMS,
    );
  });
});
