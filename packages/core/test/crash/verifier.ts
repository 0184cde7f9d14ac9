/**
 * The crash tests' verifier: compares what a read_committed reader sees in the `copies` and `counts`
 * topics with the input that was produced. Pure functions over records, so the verifier itself is
 * tested on synthetic lists (a verifier that cannot fail would make the crash tests worthless).
 */

/** The input of a crash test: record `seq` (0 <= seq < total) has key `k${seq % keys}` and value `${seq}`. */
export interface CrashInput {
  readonly total: number;
  readonly keys: number;
}

export function inputKey(input: CrashInput, seq: number): string {
  return `k${seq % input.keys}`;
}

/** The input records from `from` (inclusive) to `to` (exclusive). */
export function inputRecords(input: CrashInput, from: number, to: number): { key: string; value: string }[] {
  const records: { key: string; value: string }[] = [];
  for (let seq = from; seq < to; seq++) records.push({ key: inputKey(input, seq), value: String(seq) });
  return records;
}

/**
 * How many times the input topic holds each sequence number (`records` read from it), and so the
 * count each key must end with. A feeder's producer may write a batch twice (kafkajs's idempotent
 * producer does not survive every broker restart): the app is judged on the input it was given.
 */
export function writtenInput(records: readonly { key: string | null; value: string | null }[], input: CrashInput): { written: Uint32Array; counts: Map<string, number>; duplicated: number } {
  const written = new Uint32Array(input.total);
  const counts = new Map<string, number>();
  for (let k = 0; k < input.keys; k++) counts.set(`k${k}`, 0);
  for (const r of records) {
    const seq = Number(r.value);
    if (r.key === null || !Number.isInteger(seq) || seq < 0 || seq >= input.total) continue;
    written[seq]!++;
    counts.set(r.key, (counts.get(r.key) ?? 0) + 1);
  }
  let duplicated = 0;
  for (const n of written) if (n > 1) duplicated++;
  return { written, counts, duplicated };
}

/** How many input records each key has: the count the app must end with. */
export function expectedCounts(input: CrashInput): Map<string, number> {
  const counts = new Map<string, number>();
  for (let k = 0; k < input.keys; k++) counts.set(`k${k}`, Math.floor(input.total / input.keys) + (k < input.total % input.keys ? 1 : 0));
  return counts;
}

/** Keeps a list of problems readable: the first `limit`, then how many more. */
class ProblemList {
  readonly items: string[] = [];
  private dropped = 0;

  constructor(private readonly limit = 10) {}

  add(problem: string): void {
    if (this.items.length < this.limit) this.items.push(problem);
    else this.dropped++;
  }

  list(): string[] {
    return this.dropped > 0 ? [...this.items, `... and ${this.dropped} more`] : [...this.items];
  }
}

/** What the copies topic holds, against the input. */
export interface CopiesReport {
  /** Copies read. */
  readonly records: number;
  /** Input sequence numbers seen at least once. */
  readonly distinct: number;
  /** Input sequence numbers never seen: lost records. */
  readonly missing: number;
  /** Input sequence numbers seen more than once. */
  readonly duplicated: number;
  /** Copies beyond the first of each sequence number: `records - distinct` for valid records. */
  readonly extraCopies: number;
  /** Keys whose copies are not in input order (each key's records are in one partition, so they must be). */
  readonly keysOutOfOrder: number;
  /** Records that cannot come from the input (bad value, wrong key), then examples of the counts above. */
  readonly problems: readonly string[];
  /** Examples of missing and duplicated sequence numbers, for a failure message. */
  readonly examples: { readonly missing: readonly number[]; readonly duplicated: readonly number[] };
}

/**
 * Checks the copies a read_committed reader sees, in the order it read them (per partition, offset
 * order). `problems` lists only records that no correct run could produce; loss, duplicates and
 * order are counted, and each test decides which its guarantee forbids.
 */
export function verifyCopies(
  records: readonly { key: string | null; value: string | null }[],
  input: CrashInput,
  written?: Uint32Array,
): CopiesReport {
  const seen = new Uint32Array(input.total);
  const problems = new ProblemList();
  const lastSeqOfKey = new Map<string, number>();
  const outOfOrder = new Set<string>();
  let valid = 0;
  for (const r of records) {
    const seq = Number(r.value);
    if (r.value === null || !Number.isInteger(seq) || seq < 0 || seq >= input.total || String(seq) !== r.value) {
      problems.add(`a copy with value ${JSON.stringify(r.value)} that is not an input sequence number`);
      continue;
    }
    if (r.key !== inputKey(input, seq)) {
      problems.add(`copy of ${seq} has key ${JSON.stringify(r.key)}, expected ${inputKey(input, seq)}`);
      continue;
    }
    valid++;
    seen[seq]!++;
    const last = lastSeqOfKey.get(r.key);
    if (last !== undefined && seq <= last) outOfOrder.add(r.key);
    lastSeqOfKey.set(r.key, seq);
  }
  let distinct = 0;
  let duplicated = 0;
  const missingExamples: number[] = [];
  const duplicatedExamples: number[] = [];
  for (let seq = 0; seq < input.total; seq++) {
    const n = seen[seq]!;
    if (n > 0) distinct++;
    // A record the input topic holds twice (written twice by the feeder) is rightly copied twice.
    if (n > Math.max(1, written?.[seq] ?? 1)) {
      duplicated++;
      if (duplicatedExamples.length < 10) duplicatedExamples.push(seq);
    }
    if (n === 0 && missingExamples.length < 10) missingExamples.push(seq);
  }
  return {
    records: records.length,
    distinct,
    missing: input.total - distinct,
    duplicated,
    extraCopies: valid - distinct,
    keysOutOfOrder: outOfOrder.size,
    problems: problems.list(),
    examples: { missing: missingExamples, duplicated: duplicatedExamples },
  };
}

/** What the counts topic holds, against the true count of each key. */
export interface CountsReport {
  /** Keys with at least one count. */
  readonly keys: number;
  /** Keys whose last count differs from the number of input records with that key. */
  readonly wrongLastCount: number;
  /** Keys whose counts are not exactly 1, 2, ..., n in order (a gap, a repeat, a step back). */
  readonly notOneToN: number;
  /**
   * Keys whose last count is below the number of input records with that key: an update lost, which
   * no guarantee but at_most_once allows (at_least_once may count a record twice, never zero times).
   */
  readonly lostUpdates: number;
  /** One line per key whose last count is too low (the first few). */
  readonly lostUpdateExamples: readonly string[];
  /** One line per key that is wrong (the first few). */
  readonly problems: readonly string[];
}

/**
 * Checks the running counts a read_committed reader sees: for each key the last count must be the
 * number of input records with that key, and under exactly-once the counts must run 1..n in order,
 * which holds only if the store and the outputs stayed consistent across every crash. Under
 * at-least-once a last count above n is a record counted twice; below n, an update lost (a stale
 * store kept counting after its task had moved and come back).
 */
export function verifyCounts(
  records: readonly { key: string | null; count: bigint }[],
  input: CrashInput,
  expected: Map<string, number> = expectedCounts(input),
): CountsReport {
  const byKey = new Map<string, bigint[]>();
  const problems = new ProblemList();
  for (const r of records) {
    if (r.key === null || !expected.has(r.key)) {
      problems.add(`a count for unknown key ${JSON.stringify(r.key)}`);
      continue;
    }
    let list = byKey.get(r.key);
    if (list === undefined) {
      list = [];
      byKey.set(r.key, list);
    }
    list.push(r.count);
  }
  let wrongLastCount = 0;
  let notOneToN = 0;
  let lostUpdates = 0;
  const lost = new ProblemList();
  for (const [key, n] of expected) {
    const counts = byKey.get(key) ?? [];
    const last = counts[counts.length - 1];
    if (last !== BigInt(n)) {
      wrongLastCount++;
      problems.add(`${key}: last count ${last ?? 'none'}, expected ${n}`);
    }
    if (last === undefined || last < BigInt(n)) {
      lostUpdates++;
      lost.add(`${key}: last count ${last ?? 'none'}, below its ${n} input records`);
    }
    const breakAt = counts.findIndex((c, i) => c !== BigInt(i + 1));
    if (breakAt >= 0 || counts.length !== n) {
      notOneToN++;
      if (breakAt >= 0) {
        const around = counts.slice(Math.max(0, breakAt - 2), breakAt + 3).join(', ');
        problems.add(`${key}: count #${breakAt + 1} is ${counts[breakAt]} (around: ${around}), expected 1..${n} in order`);
      } else {
        problems.add(`${key}: ${counts.length} counts, expected ${n}`);
      }
    }
  }
  return { keys: byKey.size, wrongLastCount, notOneToN, lostUpdates, lostUpdateExamples: lost.list(), problems: problems.list() };
}
