import {
  SchemaRegistryClientError,
  SerdeError,
  registryAvroSerde,
  registryJsonSerde,
  serdes,
  type SchemaDefinition,
  type SchemaRegistryClient,
  type Serde,
  type SubjectVersion,
} from '@rivulet/serde';
import { describe, expect, it } from 'vitest';
import type { ExceptionHandlerSetting } from '../../../config/exception-handler-setting.js';
import { DEAD_LETTER_HEADERS } from '../../../errors/dead-letter.js';
import { ProcessingError } from '../../../errors/processing-error.js';
import { Topology } from '../../../topology/topology.js';
import { LocalTopologyRunner } from '../../local-topology-runner.js';

// Bad bytes of every kind read by the schema-registry serdes, through the runtime's deserialization
// path (the same task code as StreamsApp): each is a typed SerdeError that names the partition and
// offset, and is routed to the deserialization handler: a dead-letter record with the original bytes
// and the error's class and code, a skip, or a stop.

/** A registry that answers synchronously, as MockSchemaRegistry does in process. */
class SyncRegistry implements SchemaRegistryClient {
  private readonly schemas: SchemaDefinition[] = [];

  getSchemaById(id: number): SchemaDefinition {
    const schema = this.schemas[id - 1];
    if (schema === undefined) throw new SchemaRegistryClientError(`Schema ${id} not found`, { status: 404, errorCode: 40403 });
    return schema;
  }

  register(_subject: string, schema: SchemaDefinition): number {
    const known = this.schemas.findIndex((s) => s.schema === schema.schema);
    return known >= 0 ? known + 1 : this.schemas.push(schema);
  }

  lookupSchema(): SubjectVersion {
    throw new SchemaRegistryClientError('not used', { status: 500 });
  }

  getLatestVersion(): SubjectVersion {
    throw new SchemaRegistryClientError('not used', { status: 500 });
  }
}

const Order = {
  type: 'record',
  name: 'Order',
  fields: [
    { name: 'id', type: 'string' },
    { name: 'lines', type: { type: 'array', items: 'int' } },
    { name: 'tags', type: { type: 'map', values: 'string' } },
    { name: 'note', type: ['null', 'string'] },
  ],
} as const;
/** Same name, `id` an int: Order cannot read what it writes. */
const OrderWithIntId = { ...Order, fields: [{ name: 'id', type: 'int' }, ...Order.fields.slice(1)] } as const;

/** The wire-format header of schema `id`. */
function header(id: number): Buffer {
  const out = Buffer.alloc(5);
  out.writeUInt32BE(id, 1);
  return out;
}

/** Zig-zag varint of a long, as Avro writes block counts. */
function varint(n: bigint): Buffer {
  const bytes: number[] = [];
  let v = n >= 0n ? n * 2n : -n * 2n - 1n;
  while (v >= 0x80n) {
    bytes.push(Number((v & 0x7fn) | 0x80n));
    v >>= 7n;
  }
  bytes.push(Number(v));
  return Buffer.from(bytes);
}

interface Setup {
  registry: SyncRegistry;
  avro: Serde<unknown>;
  good: Buffer;
  goodId: number;
  /** Bad value bytes of each kind, with the error they must be read as. */
  cases: { fault: string; value: Buffer; name: string; code: string; schemaId: number | undefined }[];
}

function setup(): Setup {
  const registry = new SyncRegistry();
  const avro = registryAvroSerde({ registry, schema: Order });
  const good = avro.serialize('orders', { id: 'o1', lines: [1, 2, 3], tags: { a: 'b' }, note: 'hi' }) as Buffer;
  const goodId = good.readUInt32BE(1);
  const incompatibleId = (registryAvroSerde({ registry, schema: OrderWithIntId }).serialize('other', { id: 7, lines: [], tags: {}, note: null }) as Buffer).readUInt32BE(1);
  const jsonId = (registryJsonSerde({ registry, schema: { type: 'object' } }).serialize('other', {}) as Buffer).readUInt32BE(1);
  const payload = good.subarray(5);
  return {
    registry,
    avro,
    good,
    goodId,
    cases: [
      { fault: 'wrong magic byte', value: Buffer.from('{"id":"o1"}'), name: 'WrongMagicByteError', code: 'WRONG_MAGIC_BYTE', schemaId: undefined },
      { fault: 'cut inside the header', value: good.subarray(0, 3), name: 'TruncatedPayloadError', code: 'TRUNCATED_PAYLOAD', schemaId: undefined },
      { fault: 'unknown schema id 0', value: Buffer.concat([header(0), payload]), name: 'UnknownSchemaIdError', code: 'UNKNOWN_SCHEMA_ID', schemaId: 0 },
      { fault: 'unknown schema id 0x80000000', value: Buffer.concat([header(0x80000000), payload]), name: 'UnknownSchemaIdError', code: 'UNKNOWN_SCHEMA_ID', schemaId: 0x80000000 },
      { fault: 'unknown schema id 0xFFFFFFFF', value: Buffer.concat([header(0xffffffff), payload]), name: 'UnknownSchemaIdError', code: 'UNKNOWN_SCHEMA_ID', schemaId: 0xffffffff },
      { fault: 'cut inside the Avro body', value: good.subarray(0, good.length - 2), name: 'TruncatedPayloadError', code: 'TRUNCATED_PAYLOAD', schemaId: goodId },
      {
        fault: 'an array count of 2^62',
        value: Buffer.concat([header(goodId), Buffer.from([4]), Buffer.from('o1'), varint(2n ** 62n), Buffer.from([2])]),
        name: 'TruncatedPayloadError',
        code: 'TRUNCATED_PAYLOAD',
        schemaId: goodId,
      },
      { fault: 'trailing garbage', value: Buffer.concat([good, Buffer.from([1, 2, 3])]), name: 'SchemaMismatchError', code: 'SCHEMA_MISMATCH', schemaId: goodId },
      {
        fault: 'a union branch the schema does not have',
        value: Buffer.concat([good.subarray(0, good.length - 4), Buffer.from([0x0e, 0x04]), Buffer.from('hi')]),
        name: 'SchemaMismatchError',
        code: 'SCHEMA_MISMATCH',
        schemaId: goodId,
      },
      {
        fault: 'a writer schema the reader cannot resolve',
        value: Buffer.concat([header(incompatibleId), payload]),
        name: 'IncompatibleSchemaError',
        code: 'INCOMPATIBLE_SCHEMA',
        schemaId: incompatibleId,
      },
      { fault: 'a JSON Schema id', value: Buffer.concat([header(jsonId), payload]), name: 'IncompatibleSchemaError', code: 'INCOMPATIBLE_SCHEMA', schemaId: jsonId },
    ],
  };
}

function runner(avro: Serde<unknown>, handler: ExceptionHandlerSetting): LocalTopologyRunner {
  const topology = new Topology()
    .addSource('in', 'orders', { key: serdes.string(), value: avro })
    .addSink('out', 'out', { key: serdes.string(), value: avro }, 'in');
  return new LocalTopologyRunner(topology, { applicationId: 'app', deserializationExceptionHandler: handler, logger: quiet });
}

const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

describe('bad records read by the schema-registry serdes', () => {
  it('are typed and sent to the dead-letter topic with their original bytes, the error class and code', async () => {
    const { avro, good, cases } = setup();
    const run = runner(avro, { deadLetterTopic: 'dlq' });
    run.pipe('orders', Buffer.from('k-good'), good, 1);
    cases.forEach((c, i) => run.pipe('orders', Buffer.from(`k${i}`), c.value, 10 + i, { trace: `t${i}` }));
    run.pipe('orders', Buffer.from('k-good-2'), good, 99);

    expect(run.takeOutput('out').map((r) => r.key!.toString())).toEqual(['k-good', 'k-good-2']);
    const dead = run.takeOutput('dlq');
    expect(dead).toHaveLength(cases.length);
    cases.forEach((c, i) => {
      const record = dead[i]!;
      expect({ fault: c.fault, key: record.key, value: record.value, timestamp: record.timestamp }).toEqual({
        fault: c.fault,
        key: Buffer.from(`k${i}`),
        value: c.value,
        timestamp: 10 + i,
      });
      expect({ fault: c.fault, ...record.headers }).toMatchObject({
        fault: c.fault,
        trace: `t${i}`,
        [DEAD_LETTER_HEADERS.stage]: 'deserialization',
        [DEAD_LETTER_HEADERS.errorClass]: c.name,
        [DEAD_LETTER_HEADERS.errorCode]: c.code,
        [DEAD_LETTER_HEADERS.topic]: 'orders',
        [DEAD_LETTER_HEADERS.partition]: '0',
        [DEAD_LETTER_HEADERS.offset]: String(i + 1),
      });
      expect(String(record.headers![DEAD_LETTER_HEADERS.errorMessage])).toMatch(/\(topic orders, value\)$/);
    });
    await run.close();
  });

  it('reach a handler function as SerdeErrors with the partition, offset, part and schema id filled in', async () => {
    const { avro, cases } = setup();
    const seen: unknown[] = [];
    const run = runner(avro, (error, where) => {
      seen.push({ error, where });
      return 'continue';
    });
    cases.forEach((c) => run.pipe('orders', Buffer.from('k'), c.value, 1));
    expect(seen).toHaveLength(cases.length);
    seen.forEach((s, i) => {
      const { error, where } = s as { error: Error; where: unknown };
      const c = cases[i]!;
      expect(error, c.fault).toBeInstanceOf(SerdeError);
      expect({ fault: c.fault, name: error.name, ...pick(error as SerdeError), where }).toEqual({
        fault: c.fault,
        name: c.name,
        code: c.code,
        topic: 'orders',
        part: 'value',
        partition: 0,
        offset: String(i),
        schemaId: c.schemaId,
        where: { topic: 'orders', partition: 0, offset: String(i) },
      });
    });
    await run.close();
  });

  it("stop the app under 'fail' with a ProcessingError whose cause is the located SerdeError, and are skipped under 'log-and-continue'", async () => {
    const { avro, good, cases } = setup();
    const failing = runner(avro, 'fail');
    failing.pipe('orders', Buffer.from('k'), good, 1);
    const bad = cases.find((c) => c.code === 'UNKNOWN_SCHEMA_ID' && c.schemaId === 0xffffffff)!;
    let thrown: unknown;
    try {
      failing.pipe('orders', Buffer.from('k'), bad.value, 2);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ProcessingError);
    expect((thrown as ProcessingError).message).toMatch(/^deserialization failed for the record at orders-0 offset 1: avro-registry\(Order\): unknown schema id 4294967295/);
    expect(pick((thrown as ProcessingError).cause as SerdeError)).toEqual({
      code: 'UNKNOWN_SCHEMA_ID',
      topic: 'orders',
      part: 'value',
      partition: 0,
      offset: '1',
      schemaId: 4294967295,
    });
    await failing.close();

    const skipping = runner(avro, 'log-and-continue');
    for (const c of cases) skipping.pipe('orders', Buffer.from('k'), c.value, 1);
    skipping.pipe('orders', Buffer.from('k'), good, 1);
    expect(skipping.takeOutput('out')).toHaveLength(1);
    await skipping.close();
  });

  it('say a bad key is the key', async () => {
    const registry = new SyncRegistry();
    const keys = registryAvroSerde({ registry, schema: 'string', part: 'key' });
    const seen: SerdeError[] = [];
    const topology = new Topology().addSource('in', 'orders', { key: keys, value: serdes.string() }).addSink('out', 'out', { key: keys, value: serdes.string() }, 'in');
    const run = new LocalTopologyRunner(topology, {
      deserializationExceptionHandler: (error) => {
        seen.push(error as SerdeError);
        return 'continue';
      },
      logger: quiet,
    });
    run.pipe('orders', Buffer.concat([header(0xffffffff), Buffer.from([2, 0x61])]), Buffer.from('v'), 1);
    expect(seen.map((e) => [e.name, e.part, e.partition, e.offset, e.schemaId])).toEqual([['UnknownSchemaIdError', 'key', 0, '0', 4294967295]]);
    await run.close();
  });
});

function pick(error: SerdeError): Record<string, unknown> {
  return { code: error.code, topic: error.topic, part: error.part, partition: error.partition, offset: error.offset, schemaId: error.schemaId };
}
