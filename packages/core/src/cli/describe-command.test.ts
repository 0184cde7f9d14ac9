import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { upperCaseTopology, countingTopology } from '../../test/support/topologies.js';
import { runCli } from './main.js';

const fixture = (name: string): string => fileURLToPath(new URL(`../../test/fixtures/cli/${name}`, import.meta.url));

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, { out: (t) => void out.push(t), err: (t) => void err.push(t) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('rivulet describe', () => {
  it("prints a Topology export's description and its Mermaid graph", async () => {
    const expected = upperCaseTopology('cli-upper-in', 'cli-upper-out').describe();
    const result = await run(['describe', fixture('topologies.ts'), '--export', 'upper']);
    expect(result).toEqual({ code: 0, out: `${expected.toString().trimEnd()}\n\n\`\`\`mermaid\n${expected.toMermaid().trimEnd()}\n\`\`\``, err: '' });
  });

  it('builds a StreamsBuilder-like export and calls a function export (the default one when there is one)', async () => {
    const counting = countingTopology('cli-count-in', 'cli-count-copies', 'cli-count-totals').describe();
    expect(await run(['describe', fixture('topologies.ts'), '--export', 'builder', '--format', 'text'])).toEqual({ code: 0, out: counting.toString().trimEnd(), err: '' });
    const upper = upperCaseTopology('cli-default-in', 'cli-default-out').describe();
    expect(await run(['describe', fixture('default-export.ts'), '--format', 'mermaid'])).toEqual({
      code: 0,
      out: `\`\`\`mermaid\n${upper.toMermaid().trimEnd()}\n\`\`\``,
      err: '',
    });
  });

  it('says which export to choose, and what is wrong with one (exit 2)', async () => {
    const several = await run(['describe', fixture('topologies.ts')]);
    expect(several.code).toBe(2);
    expect(several.err).toContain('exports several topologies (upper, builder): choose one with --export NAME');
    const wrong = await run(['describe', fixture('topologies.ts'), '--export', 'notATopology']);
    expect(wrong.code).toBe(2);
    expect(wrong.err).toContain("the export 'notATopology' is not a Topology, a StreamsBuilder, or a function returning one of them");
    const absent = await run(['describe', fixture('topologies.ts'), '--export', 'nope']);
    expect(absent.err).toContain("has no export 'nope'; its exports: builder, fromEnv, notATopology, upper");
    const missing = await run(['describe', 'no/such/module.ts']);
    expect([missing.code, missing.err]).toEqual([2, expect.stringContaining("module 'no/such/module.ts' not found")]);
    expect((await run(['describe'])).err).toContain('describe: give one MODULE, got none');
  });
});
