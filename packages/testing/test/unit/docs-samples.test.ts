/**
 * The docs cannot rot: every ```ts block of README.md and docs/**\/*.md is compiled against the
 * workspace packages in one TypeScript program (a type error fails, naming page and line), every
 * sample that needs no broker is run (the TopologyTestDriver samples check their output with
 * `expect`), and every relative link between the pages resolves. docs/testing.md#the-samples-in-these-docs says
 * how a sample is marked.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { brokenLinks, compileSamples, docPages, extractSamples, pageModules, repoRoot, sitePages } from '../support/docs-samples.js';

const pages = docPages();
const extracted = pages.map(extractSamples);
const modules = extracted.flatMap((e) => pageModules(e.samples));
// Under dist/ (git-ignored) so that imports resolve from the repository's node_modules.
const dir = join(repoRoot, 'dist', `docs-samples-${process.pid}`);
rmSync(dir, { recursive: true, force: true });
for (const module of modules) {
  const file = join(dir, module.path);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, module.source);
}
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('docs samples', () => {
  it('finds the samples of every page, each marked with known flags only', () => {
    expect(extracted.flatMap((e) => e.problems)).toEqual([]);
    expect(modules.filter((m) => m.run).length).toBeGreaterThan(20);
    expect(modules.some((m) => m.label.startsWith('README.md:'))).toBe(true);
  });

  it('compiles every sample against the workspace packages', () => {
    const errors = compileSamples(dir, modules);
    expect(errors, errors.join('\n')).toEqual([]);
  }, 120_000);

  it('resolves every relative link between the pages, anchors included', () => {
    expect(brokenLinks(pages)).toEqual([]);
  });

  it('puts every page in the docs site (typedoc.site.json), in the order given there', () => {
    expect([...sitePages()].sort()).toEqual([...pages].sort());
  });
});

describe('docs samples run', () => {
  for (const module of modules.filter((m) => m.run)) {
    const url = pathToFileURL(join(dir, module.path)).href;
    if (/\bfrom 'vitest'/.test(module.source) && /^\s*(it|test)\(/m.test(module.source)) {
      // A sample that is a vitest file declares its own tests: import it while collecting.
      describe(module.label, async () => {
        const loaded = await import(url).then(
          () => undefined,
          (error: unknown) => error,
        );
        if (loaded !== undefined) it('loads', () => Promise.reject(loaded));
      });
    } else {
      it(module.label, async () => {
        await import(url);
      });
    }
  }
});
