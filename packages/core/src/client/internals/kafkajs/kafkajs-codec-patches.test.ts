/**
 * The kafkajs patches of the record codec (patches/kafkajs+2.2.4.patch, issue 17): the producer's
 * encoder (varints, varlongs, records written into one buffer, first/max timestamps in one pass)
 * and the fetch decoder (offsets and timestamps as number arithmetic, batches filtered without a
 * Long per record). Each is checked against Kafka's record format as written out here from the
 * protocol specification (zigzag varints on BigInt, independent of kafkajs' code), and by decoding
 * what the patched encoder wrote. The broker itself checks the bytes in every integration test: it
 * refuses a batch whose CRC or record lengths are wrong.
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);

interface KafkajsEncoder {
  writeVarLong(value: number | string): KafkajsEncoder;
  writeVarInt(value: number): KafkajsEncoder;
  size(): number;
  readonly buffer: Buffer;
}
interface EncoderClass {
  new (initialSize?: number): KafkajsEncoder;
  sizeOfVarLong(value: number | string): number;
}
interface KafkajsDecoder {
  readInt16(): number;
  readInt32(): number;
  readInt64(): bigint;
  readString(): string | null;
  offset: number;
}
interface DecodedRecord {
  offset: string;
  timestamp: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, Buffer | Buffer[]>;
}
interface DecodedBatch {
  firstOffset: string;
  firstTimestamp: string;
  maxTimestamp: string;
  lastOffsetDelta: number;
  records: DecodedRecord[];
}
interface Message {
  key?: Buffer | string | null;
  value: Buffer | string | null;
  timestamp?: string | number;
  headers?: Record<string, string | Buffer | (string | Buffer)[]>;
}

const Encoder = require('kafkajs/src/protocol/encoder.js') as EncoderClass;
const Decoder = require('kafkajs/src/protocol/decoder.js') as new (buffer: Buffer) => KafkajsDecoder;
const decodeRecordBatch = require('kafkajs/src/protocol/recordBatch/v0/decoder.js') as (decoder: KafkajsDecoder) => Promise<DecodedBatch>;
const produceRequestV3 = require('kafkajs/src/protocol/requests/produce/v3/request.js') as (args: object) => {
  encode(): Promise<KafkajsEncoder>;
};
const Batch = require('kafkajs/src/consumer/batch.js') as new (
  topic: string,
  fetchedOffset: string,
  partitionData: object,
) => { messages: { offset: string }[]; firstOffset(): string | null };

/** Kafka's unsigned varint (protocol spec), on BigInt. */
function uvarint(value: bigint): number[] {
  const out: number[] = [];
  let v = value;
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return out;
}
/** Kafka's signed varlong/varint: zigzag, then unsigned varint. */
function varlong(value: bigint): number[] {
  return uvarint(value >= 0n ? value << 1n : ((-value) << 1n) - 1n);
}
function varbytes(bytes: Buffer | null): number[] {
  return bytes === null ? varlong(-1n) : [...varlong(BigInt(bytes.length)), ...bytes];
}
/** One record of a v2 record batch, as the protocol specification lays it out. */
function specRecord(offsetDelta: number, timestampDelta: bigint, key: Buffer | null, value: Buffer | null, headers: [string, Buffer][]): number[] {
  const body = [
    0, // attributes
    ...varlong(timestampDelta),
    ...varlong(BigInt(offsetDelta)),
    ...varbytes(key),
    ...varbytes(value),
    ...varlong(BigInt(headers.length)),
    ...headers.flatMap(([k, v]) => [...varbytes(Buffer.from(k)), ...varbytes(v)]),
  ];
  return [...varlong(BigInt(body.length)), ...body];
}

const asBuffer = (v: Buffer | string | null | undefined): Buffer | null => (v == null ? null : Buffer.isBuffer(v) ? v : Buffer.from(v));

/** CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), bit by bit as the definition goes. */
function crc32cBitwise(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

/** Encodes one partition's messages as a produce request (v3) and returns its record batch, decoded, with its raw records bytes. */
async function produceAndDecode(messages: Message[], compression = 0): Promise<{ batch: DecodedBatch; recordsBytes: Buffer }> {
  const request = produceRequestV3({
    acks: -1,
    timeout: 30_000,
    compression,
    topicData: [{ topic: 't', partitions: [{ partition: 3, firstSequence: 0, messages }] }],
  });
  const bytes = (await request.encode()).buffer;
  const decoder = new Decoder(bytes);
  expect(decoder.readString()).toBeNull(); // transactional id
  expect(decoder.readInt16()).toBe(-1); // acks
  expect(decoder.readInt32()).toBe(30_000);
  expect(decoder.readInt32()).toBe(1); // topics
  expect(decoder.readString()).toBe('t');
  expect(decoder.readInt32()).toBe(1); // partitions
  expect(decoder.readInt32()).toBe(3);
  const recordSetSize = decoder.readInt32();
  const recordSet = bytes.subarray(decoder.offset, decoder.offset + recordSetSize);
  expect(decoder.offset + recordSetSize).toBe(bytes.length);
  // firstOffset(8) length(4) leaderEpoch(4) magic(1) crc(4) attributes(2) lastOffsetDelta(4) firstTs(8) maxTs(8)
  // producerId(8) producerEpoch(2) firstSequence(4) count(4): the records follow.
  const recordsBytes = recordSet.subarray(61);
  expect(recordSet.readInt32BE(57)).toBe(messages.length);
  // The batch length counts everything after itself; the CRC covers attributes to the end.
  expect(recordSet.readInt32BE(8)).toBe(recordSet.length - 12);
  expect(recordSet.readUInt32BE(17)).toBe(crc32cBitwise(recordSet.subarray(21)));
  return { batch: await decodeRecordBatch(new Decoder(recordSet)), recordsBytes };
}

describe('kafkajs codec patches (patches/kafkajs+2.2.4.patch)', () => {
  it('varlongs: the bytes of the protocol spec, on the number path and the Long path alike, with their exact sizes', () => {
    const values = [0, 1, -1, 63, -64, 64, 127, 128, -129, 300, 2 ** 31, -(2 ** 31) - 1, 1_733_000_000_000, -1_733_000_000_000, 2 ** 52, -(2 ** 52)];
    for (const v of values) {
      const written = [...new Encoder().writeVarLong(v).buffer];
      expect(written, `varlong ${v}`).toEqual(varlong(BigInt(v)));
      expect(Encoder.sizeOfVarLong(v), `size of ${v}`).toBe(written.length);
    }
    // Beyond 2^52 and as strings: the original Long path.
    for (const v of ['9007199254740993', '-9223372036854775808', '9223372036854775807', '42']) {
      expect([...new Encoder().writeVarLong(v).buffer], `varlong ${v}`).toEqual(varlong(BigInt(v)));
      expect(Encoder.sizeOfVarLong(v)).toBe(varlong(BigInt(v)).length);
    }
  });

  it('varints: written straight into the buffer, the bytes of the protocol spec, across buffer growth', () => {
    const values = [0, 1, -1, 63, -64, 64, 8191, -8192, 2 ** 20, -(2 ** 31), 2 ** 31 - 1];
    const encoder = new Encoder(1); // grows many times on the way
    for (const v of values) encoder.writeVarInt(v);
    expect([...encoder.buffer]).toEqual(values.flatMap((v) => varlong(BigInt(v))));
  });

  it('produce: records, timestamps and headers encoded as the spec lays them out, decoded back unchanged', async () => {
    const messages: Message[] = [
      { key: Buffer.from('k1'), value: Buffer.from('v1'), timestamp: '1733000000500' },
      { key: null, value: 'text value é', timestamp: 1733000000100 }, // the smallest timestamp: the batch's first
      { key: 'k3', value: null, timestamp: '1733000009000' }, // the largest
      { key: Buffer.from('k4'), value: Buffer.alloc(300, 7), timestamp: '1733000000100', headers: { h: 'x', multi: ['a', Buffer.from('b')] } },
    ];
    const { batch, recordsBytes } = await produceAndDecode(messages);
    expect(batch.firstTimestamp).toBe('1733000000100');
    expect(batch.maxTimestamp).toBe('1733000009000');
    expect(batch.lastOffsetDelta).toBe(3);
    const first = 1_733_000_000_100n;
    const spec = messages.flatMap((m, i) => {
      const headers = Object.entries(m.headers ?? {}).flatMap(([k, v]) => (Array.isArray(v) ? v : [v]).map((x) => [k, asBuffer(x) as Buffer] as [string, Buffer]));
      return specRecord(i, BigInt(m.timestamp as string | number) - first, asBuffer(m.key), asBuffer(m.value), headers);
    });
    expect([...recordsBytes]).toEqual(spec);
    expect(batch.records.map((r) => [r.offset, r.timestamp, r.key?.toString() ?? null, r.value?.toString() ?? null])).toEqual([
      ['0', '1733000000500', 'k1', 'v1'],
      ['1', '1733000000100', null, 'text value é'],
      ['2', '1733000009000', 'k3', null],
      ['3', '1733000000100', 'k4', Buffer.alloc(300, 7).toString()],
    ]);
    expect(batch.records[0]?.headers).toEqual({});
    expect(batch.records[3]?.headers).toEqual({ h: Buffer.from('x'), multi: [Buffer.from('a'), Buffer.from('b')] });
  });

  it('produce: messages without timestamps are stamped with the time of the request, a large batch loses nothing', async () => {
    const before = Date.now();
    const messages: Message[] = Array.from({ length: 5_000 }, (_, i) => ({ key: `key-${i % 97}`, value: Buffer.alloc(i % 250, i % 256) }));
    const { batch } = await produceAndDecode(messages);
    const after = Date.now();
    expect(batch.records).toHaveLength(5_000);
    expect(Number(batch.firstTimestamp)).toBeGreaterThanOrEqual(before);
    expect(Number(batch.firstTimestamp)).toBeLessThanOrEqual(after);
    batch.records.forEach((r, i) => {
      expect(r.offset).toBe(String(i));
      expect(r.timestamp).toBe(batch.firstTimestamp);
      expect(r.key?.toString()).toBe(`key-${i % 97}`);
      expect(r.value?.equals(Buffer.alloc(i % 250, i % 256))).toBe(true);
    });
  });

  it('produce: numeric timestamps (what Rivulet passes), 0 included, are the records\' timestamps', async () => {
    const { batch } = await produceAndDecode([
      { key: 'a', value: 'x', timestamp: 5 },
      { key: 'b', value: 'y', timestamp: 0 },
      { key: 'c', value: 'z', timestamp: 1_733_000_000_000 },
    ]);
    expect([batch.firstTimestamp, batch.maxTimestamp]).toEqual(['0', '1733000000000']);
    expect(batch.records.map((r) => r.timestamp)).toEqual(['5', '0', '1733000000000']);
  });

  it('crc32C (slicing by 8): the standard check value, and the bitwise definition on every length and alignment', () => {
    const crc32C = require('kafkajs/src/protocol/recordBatch/crc32C/index.js') as (b: Buffer) => number;
    expect(crc32C(Buffer.from('123456789'))).toBe(0xe3069283);
    let seed = 7;
    const random = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 24;
    const data = Buffer.from(Array.from({ length: 600 }, random));
    for (let length = 0; length <= 40; length++) {
      for (let start = 0; start < 9; start++) {
        const slice = data.subarray(start, start + length);
        expect(crc32C(slice)).toBe(crc32cBitwise(slice));
      }
    }
    expect(crc32C(data)).toBe(crc32cBitwise(data));
  });

  it('produce with gzip: the compressed batch decodes to the same records', async () => {
    const messages: Message[] = Array.from({ length: 50 }, (_, i) => ({ key: `k${i}`, value: `value ${i}`.repeat(i % 5), timestamp: 1_733_000_000_000 + i }));
    const { batch } = await produceAndDecode(messages, 1);
    expect(batch.records.map((r) => [r.offset, r.timestamp, r.key?.toString(), r.value?.toString()])).toEqual(
      messages.map((m, i) => [String(i), String(m.timestamp), m.key, m.value]),
    );
  });

  it('fetch: offsets and timestamps beyond 2^53 still decode exactly (the Long path)', async () => {
    // A batch written by hand: first offset 2^62 + 5, first timestamp 2^60, two records.
    const firstOffset = 2n ** 62n + 5n;
    const firstTimestamp = 2n ** 60n;
    const records = [...specRecord(0, 0n, Buffer.from('a'), Buffer.from('1'), []), ...specRecord(1, 2n ** 50n, null, Buffer.from('2'), [])];
    const body = Buffer.alloc(49 + records.length);
    let o = 0;
    o = body.writeInt16BE(0, o); // attributes
    o = body.writeInt32BE(1, o); // lastOffsetDelta
    o = body.writeBigInt64BE(firstTimestamp, o);
    o = body.writeBigInt64BE(firstTimestamp + 2n ** 50n, o);
    o = body.writeBigInt64BE(-1n, o); // producer id
    o = body.writeInt16BE(-1, o);
    o = body.writeInt32BE(-1, o);
    o = body.writeInt32BE(2, o);
    Buffer.from(records).copy(body, o);
    const head = Buffer.alloc(21);
    head.writeBigInt64BE(firstOffset, 0);
    head.writeInt32BE(9 + body.length, 8);
    head.writeInt32BE(0, 12); // leader epoch
    head.writeInt8(2, 16); // magic; the CRC (4 bytes) is not checked by the decoder
    const batch = await decodeRecordBatch(new Decoder(Buffer.concat([head, body])));
    expect(batch.records.map((r) => [r.offset, r.timestamp])).toEqual([
      [String(firstOffset), String(firstTimestamp)],
      [String(firstOffset + 1n), String(firstTimestamp + 2n ** 50n)],
    ]);
  });

  it('fetch: a batch drops the records before the fetched offset, and keeps the same array when there are none', () => {
    const messages = [5, 6, 7, 8].map((offset) => ({ offset: String(offset), batchContext: { producerId: '-1', inTransaction: false } }));
    const partial = new Batch('t', '7', { partition: 0, highWatermark: '9', messages, abortedTransactions: [] });
    expect(partial.messages.map((m) => m.offset)).toEqual(['7', '8']);
    expect(partial.firstOffset()).toBe('7');
    const whole = new Batch('t', '5', { partition: 0, highWatermark: '9', messages, abortedTransactions: [] });
    expect(whole.messages.map((m) => m.offset)).toEqual(['5', '6', '7', '8']);
    const huge = [{ offset: '9007199254740995', batchContext: { producerId: '-1', inTransaction: false } }];
    expect(new Batch('t', '9007199254740994', { partition: 0, highWatermark: '0', messages: huge, abortedTransactions: [] }).messages).toHaveLength(1);
    expect(new Batch('t', '9007199254740996', { partition: 0, highWatermark: '0', messages: huge, abortedTransactions: [] }).messages).toHaveLength(0);
  });
});
