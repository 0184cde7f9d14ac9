/**
 * A store name the topology does not have, asked of an interactive query (`app.store(name)` and the
 * other accessors) or of the TopologyTestDriver. Kafka Streams calls it `UnknownStateStoreException`.
 * Unlike an `InvalidStateStoreError`, asking again does not help: the name is wrong. The
 * message lists the topology's store names, and the nearest one when the name looks misspelled.
 *
 * @example
 * try {
 *   app.store<string, bigint>('word-count');
 * } catch (err) {
 *   if (err instanceof UnknownStateStoreError) console.log(err.knownStores); // ['word-counts']
 * }
 */
export class UnknownStateStoreError extends Error {
  /** The name asked for. */
  readonly storeName: string;
  /** The names of the topology's stores, global stores included, sorted. */
  readonly knownStores: readonly string[];

  constructor(storeName: string, knownStores: Iterable<string>) {
    const known = [...new Set(knownStores)].sort();
    const nearest = nearestName(storeName, known);
    const list = known.length === 0 ? 'the topology has no state stores' : `its stores are ${known.map((n) => `'${n}'`).join(', ')}`;
    super(`the topology has no state store named '${storeName}'${nearest === undefined ? '' : ` (did you mean '${nearest}'?)`}; ${list}`);
    this.name = 'UnknownStateStoreError';
    this.storeName = storeName;
    this.knownStores = known;
  }
}

/** The known name within a third of the name's length in edits (a typo), if exactly one is nearest. */
function nearestName(name: string, known: readonly string[]): string | undefined {
  const limit = Math.max(1, Math.floor(name.length / 3));
  let best: string | undefined;
  let bestDistance = limit + 1;
  let tie = false;
  for (const candidate of known) {
    const d = editDistance(name, candidate);
    if (d < bestDistance) [best, bestDistance, tie] = [candidate, d, false];
    else if (d === bestDistance) tie = true;
  }
  return tie ? undefined : best;
}

/** Levenshtein distance, one row at a time. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(previous[j]! + 1, row[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = row;
  }
  return previous[b.length]!;
}
