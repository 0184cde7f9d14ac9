/**
 * Finds the known name closest to a misspelled one, for "did you mean" hints: the candidate with
 * the smallest edit distance (ignoring case), if that distance is small for the name's length.
 *
 * @param name - The unknown name, for example `'comitIntervalMs'`.
 * @param candidates - The names that are allowed.
 * @returns The closest candidate, or `undefined` if none is close enough to be a typo.
 *
 * @example
 * ```ts
 * closestMatch('comitIntervalMs', ['commitIntervalMs', 'stateDir']); // 'commitIntervalMs'
 * ```
 */
export function closestMatch(name: string, candidates: readonly string[]): string | undefined {
  // A third of the name's length, at least 1 and at most 3 edits: 'ack' finds 'acks', while a
  // short unrelated word does not get a far-fetched suggestion.
  const budget = Math.min(3, Math.max(1, Math.floor(name.length / 3)));
  let best: string | undefined;
  let bestDistance = budget + 1;
  for (const candidate of candidates) {
    const distance = editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** Levenshtein distance: insertions, deletions and substitutions, one row at a time. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length]!;
}
