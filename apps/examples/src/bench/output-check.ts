/**
 * Correctness first: what the comparison bench checks in every run's output, read back under
 * read_committed (read-output.ts). Each pipeline's output is fully determined by the input
 * (input.ts: record i has key `keyOf(i)`, value `valueOf(i)` and, in the comparison, timestamp
 * `timestampOf(i)`):
 * - pass-through: exactly the input multiset, each record once;
 * - filter+map: exactly the kept records (filter-map-topology.ts), each mapped, once;
 * - count: per key, the updates 1, 2, ..., c where c is the key's number of input records (no
 *   record cache: every update is emitted), so the last is the final count;
 * - windowed count: the same per (key, 1 s window);
 * - stream-table join: one joined record per input record;
 * - cpu-heavy: one record per input record, its value prefixed with the digest the checker
 *   computes itself from the input value (cpu-heavy-topology.ts).
 * A run whose output differs is FAILED. Each check also gives an order-independent fingerprint of
 * the output, compared between Rivulet and Kafka Streams ({@link compareOutputs}).
 */
import type { Pipeline } from './compare-options.js';
import { cpuHeavyDigest, cpuHeavyValue } from './cpu-heavy-topology.js';
import { filterMapOutput, keepsKey } from './filter-map-topology.js';
import { keyOf, valueOf, type InputShape } from './input.js';

/** What a check found. */
export interface OutputCheck {
  readonly ok: boolean;
  /** Output records read. */
  readonly records: number;
  /** Output records the input implies. */
  readonly expectedRecords: number;
  /** The first few differences, and a count of each kind. */
  readonly problems: readonly string[];
  /** An order-independent digest of the output (hex). */
  readonly fingerprint: string;
}

const MAX_EXAMPLES = 5;
const WINDOW_MS = 1_000;

/** FNV-1a 32-bit over `bytes`, continuing from `hash`. */
function fnv1a(bytes: Uint8Array, hash: number): number {
  let h = hash;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
  return h >>> 0;
}

/** A commutative digest: the sum (mod 2^32) of two independent 32-bit hashes of each item. */
class MultisetDigest {
  private a = 0;
  private b = 0;

  add(...parts: Uint8Array[]): void {
    let ha = 0x811c9dc5;
    let hb = 0x01234567;
    for (const part of parts) {
      ha = fnv1a(part, ha);
      hb = fnv1a(part, hb ^ 0x5bd1e995);
    }
    this.a = (this.a + ha) >>> 0;
    this.b = (this.b + hb) >>> 0;
  }

  hex(): string {
    return `${this.a.toString(16).padStart(8, '0')}${this.b.toString(16).padStart(8, '0')}`;
  }
}

/** Whether `pipeline` writes an output for input record `seq` (only the filter drops any); cheap. */
function writesOutput(pipeline: Pipeline, seq: number, shape: InputShape): boolean {
  return pipeline !== 'filter-map' || keepsKey(keyOf(seq, shape.keys));
}

/**
 * cpu-heavy: the input values' digests, per value size, computed on first use and kept, so that
 * the checks of every run of one comparison (Rivulet's, Kafka Streams', each thread count) compute
 * each digest once: one costs ~55 µs, 1M of them close to a minute.
 */
const cpuHeavyDigests = new Map<number, { readonly digests: Uint32Array; readonly known: Uint8Array }>();

function inputDigest(seq: number, value: Buffer, shape: InputShape): number {
  if (seq >= shape.records) return cpuHeavyDigest(value);
  let memo = cpuHeavyDigests.get(shape.valueBytes);
  if (memo === undefined || memo.digests.length < shape.records) {
    memo = { digests: new Uint32Array(shape.records), known: new Uint8Array(shape.records) };
    cpuHeavyDigests.set(shape.valueBytes, memo);
  }
  if (memo.known[seq] === 0) {
    memo.digests[seq] = cpuHeavyDigest(value);
    memo.known[seq] = 1;
  }
  return memo.digests[seq]!;
}

/** The record pipeline `pipeline` must write for input record `seq`, or undefined when it writes none. */
export function expectedRecord(pipeline: Pipeline, seq: number, shape: InputShape): { key: Buffer; value: Buffer } | undefined {
  if (!writesOutput(pipeline, seq, shape)) return undefined;
  const key = keyOf(seq, shape.keys);
  const value = valueOf(seq, shape.valueBytes);
  if (pipeline === 'filter-map') return { key: Buffer.from(key, 'latin1'), value: filterMapOutput(key, value) };
  if (pipeline === 'stream-table-join') return { key: Buffer.from(key, 'latin1'), value: Buffer.concat([Buffer.from(`table-value-of-${key}`, 'latin1'), value]) };
  if (pipeline === 'cpu-heavy') return { key: Buffer.from(key, 'latin1'), value: cpuHeavyValue(inputDigest(seq, value, shape), value) };
  return { key: Buffer.from(key, 'latin1'), value };
}

/** The number of output records the input implies. */
export function expectedOutputCount(pipeline: Pipeline, shape: InputShape): number {
  let n = 0;
  for (let i = 0; i < shape.records; i++) if (writesOutput(pipeline, i, shape)) n++;
  return n;
}

/** Checks the outputs of one run as they are read: {@link add} each record, then {@link result}. */
export abstract class OutputChecker {
  protected records = 0;
  protected readonly digest = new MultisetDigest();
  private readonly problemCounts = new Map<string, number>();
  private readonly examples: string[] = [];

  /** Takes one output record. */
  abstract add(key: Buffer | null, value: Buffer | null): void;

  /** The verdict once every output has been added. */
  abstract result(): OutputCheck;

  /** The checker for `pipeline` over the input `shape` (timestamps from `timestampOf`). */
  static for(pipeline: Pipeline, shape: InputShape, timestampOf: (i: number) => number): OutputChecker {
    if (pipeline === 'count') return new UpdateChecker(shape, undefined);
    if (pipeline === 'windowed-count') return new UpdateChecker(shape, timestampOf);
    return new RecordChecker(pipeline, shape);
  }

  protected problem(kind: string, example: string): void {
    this.problemCounts.set(kind, (this.problemCounts.get(kind) ?? 0) + 1);
    if (this.examples.length < MAX_EXAMPLES) this.examples.push(example);
  }

  protected verdict(expectedRecords: number, fingerprint: string): OutputCheck {
    const counts = [...this.problemCounts].map(([kind, n]) => `${n} ${kind}`);
    const problems = counts.length === 0 ? [] : [counts.join(', '), ...this.examples];
    return { ok: problems.length === 0, records: this.records, expectedRecords, problems, fingerprint };
  }
}

/** pass-through, filter+map, join, cpu-heavy: one output per (kept) input record, found by the `seq=` in its value. */
class RecordChecker extends OutputChecker {
  private readonly seen: Uint8Array;

  constructor(
    private readonly pipeline: Pipeline,
    private readonly shape: InputShape,
  ) {
    super();
    this.seen = new Uint8Array(shape.records);
  }

  add(key: Buffer | null, value: Buffer | null): void {
    this.records++;
    if (key === null || value === null) return this.problem('records without key or value', `a record with key ${key?.toString('latin1') ?? 'null'}`);
    this.digest.add(key, value);
    const seq = seqOf(value);
    const expected = seq === undefined || seq >= this.shape.records ? undefined : expectedRecord(this.pipeline, seq, this.shape);
    if (seq === undefined || expected === undefined) return this.problem('unexpected records', `unexpected ${key.toString('latin1')} -> ${value.toString('latin1', 0, 40)}`);
    if (!expected.key.equals(key) || !expected.value.equals(value)) {
      return this.problem('wrong records', `seq ${seq}: got ${key.toString('latin1')} -> ${value.toString('latin1', 0, 40)}`);
    }
    if (this.seen[seq] === 1) this.problem('duplicates', `seq ${seq} more than once`);
    if (this.seen[seq]! < 255) this.seen[seq]!++;
  }

  result(): OutputCheck {
    let expectedRecords = 0;
    for (let seq = 0; seq < this.shape.records; seq++) {
      if (!writesOutput(this.pipeline, seq, this.shape)) continue;
      expectedRecords++;
      if (this.seen[seq] === 0) this.problem('missing records', `seq ${seq} (key ${keyOf(seq, this.shape.keys)}) missing`);
    }
    return this.verdict(expectedRecords, this.digest.hex());
  }
}

/** The sequence number in a value: the digits after its first `seq=`. */
function seqOf(value: Buffer): number | undefined {
  const at = value.indexOf('seq=', 0, 'latin1');
  if (at < 0) return undefined;
  let n = 0;
  let i = at + 4;
  for (; i < value.length && value[i]! >= 0x30 && value[i]! <= 0x39; i++) n = n * 10 + value[i]! - 0x30;
  return i === at + 4 ? undefined : n;
}

/** count and windowed count: per key (and window), the updates must be exactly 1, 2, ..., c. */
class UpdateChecker extends OutputChecker {
  private readonly groups = new Map<string, { n: number; max: number; sum: number }>();

  constructor(
    private readonly shape: InputShape,
    /** Windowed: the input timestamps; the output key is `<key bytes><8-byte window start>`. */
    private readonly timestampOf: ((i: number) => number) | undefined,
  ) {
    super();
  }

  add(key: Buffer | null, value: Buffer | null): void {
    this.records++;
    if (key === null || value === null || value.length !== 8 || (this.timestampOf !== undefined && key.length <= 8)) {
      return this.problem('malformed records', `key ${key?.toString('hex') ?? 'null'}, value ${value?.toString('hex') ?? 'null'}`);
    }
    const group = this.timestampOf === undefined ? key.toString('latin1') : `${key.toString('latin1', 0, key.length - 8)}@${Number(key.readBigInt64BE(key.length - 8))}`;
    const count = Number(value.readBigInt64BE(0));
    const g = this.groups.get(group);
    if (g === undefined) this.groups.set(group, { n: 1, max: count, sum: count });
    else {
      g.n++;
      g.max = Math.max(g.max, count);
      g.sum += count;
    }
  }

  result(): OutputCheck {
    const expected = new Map<string, number>();
    for (let i = 0; i < this.shape.records; i++) {
      const key = keyOf(i, this.shape.keys);
      let group = key;
      if (this.timestampOf !== undefined) {
        const ts = this.timestampOf(i);
        group = `${key}@${ts - (ts % WINDOW_MS)}`;
      }
      expected.set(group, (expected.get(group) ?? 0) + 1);
    }
    const entries: string[] = [];
    for (const [group, c] of expected) {
      const g = this.groups.get(group);
      if (g === undefined) {
        this.problem('missing keys', `${group}: no update, expected ${c}`);
        continue;
      }
      if (g.n !== c || g.max !== c || g.sum !== (c * (c + 1)) / 2) {
        this.problem('wrong counts', `${group}: ${g.n} updates up to ${g.max} (sum ${g.sum}), expected 1..${c}`);
      }
    }
    for (const [group, g] of this.groups) {
      entries.push(`${group}:${g.n}:${g.max}:${g.sum}`);
      if (!expected.has(group)) this.problem('unexpected keys', `${group}: ${g.n} updates, none expected`);
    }
    entries.sort();
    for (const entry of entries) this.digest.add(Buffer.from(entry, 'latin1'));
    let expectedRecords = 0;
    for (const c of expected.values()) expectedRecords += c;
    return this.verdict(expectedRecords, this.digest.hex());
  }
}

/**
 * Rivulet's output against Kafka Streams' for the same input: undefined when they agree (same
 * record count and fingerprint), otherwise what differs.
 *
 * @example
 * compareOutputs(rivuletCheck, kstreamsCheck); // undefined: the same output
 */
export function compareOutputs(rivulet: OutputCheck, kstreams: OutputCheck): string | undefined {
  if (rivulet.records === kstreams.records && rivulet.fingerprint === kstreams.fingerprint) return undefined;
  return `Rivulet wrote ${rivulet.records} records (fingerprint ${rivulet.fingerprint}), Kafka Streams ${kstreams.records} (fingerprint ${kstreams.fingerprint})`;
}
