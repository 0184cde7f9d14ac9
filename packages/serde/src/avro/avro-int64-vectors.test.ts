import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LONG_KINDS } from '../../test/support/avro-int64-cases.js';
import { disagreements } from '../../test/support/avro-int64-check.js';
import type { JavaCase } from '../../test/support/avro-int64-check.js';

// Vectors written and read by Apache Avro Java (test/support/generate-avro-vectors.ts), so the
// codec meets the reference on every run, without Java. The integration test asks Java afresh.

interface Vector extends JavaCase {
  readonly kind: string;
  readonly value: string;
}

const { vectors } = JSON.parse(readFileSync(new URL('../../test/fixtures/avro-int64-vectors.json', import.meta.url), 'utf8')) as {
  vectors: Vector[];
};

describe('Avro int64 vectors from Apache Avro Java', () => {
  it('cover every long-bearing type, with the int64 bounds and +-2^52, +-2^53', () => {
    for (const kind of LONG_KINDS) {
      const values = new Set(vectors.filter((v) => v.kind === kind.name).map((v) => BigInt(v.value)));
      expect(values.size, kind.name).toBeGreaterThan(40);
      const edges = kind.int === true ? [-(2n ** 31n), 2n ** 31n - 1n, -1n, 0n] : [-(2n ** 63n), 2n ** 63n - 1n, 2n ** 52n, -(2n ** 52n), 2n ** 53n, -(2n ** 53n), -1n, 0n];
      for (const edge of edges) expect(values.has(edge), `${kind.name} ${edge}`).toBe(true);
    }
  });

  it.each(LONG_KINDS.map((k) => [k.name, k] as const))('%s: writes the bytes Java writes and reads what Java reads', (_name, kind) => {
    const mine = vectors.filter((v) => v.kind === kind.name);
    expect(mine.length).toBeGreaterThan(40);
    expect(mine.flatMap((v) => disagreements(kind, BigInt(v.value), v))).toEqual([]);
  });
});
