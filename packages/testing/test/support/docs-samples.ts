/**
 * Reads the code samples and the links of the docs (README.md and docs/**\/*.md), for
 * test/unit/docs-samples.test.ts: every ```ts block is compiled, most are run, every relative link
 * must resolve. How a block is marked: docs/testing.md#the-samples-in-these-docs.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/** The repository root. */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');

/** The flags a ```ts block may carry after its language, and what each means. */
export const SAMPLE_FLAGS = {
  fragment: 'not a whole module: compiled (and run) after the context blocks above it on its page',
  context: 'declarations the fragments below it on its page use; compiled with each of them',
  broker: 'needs a running Kafka broker: compiled, not run',
  'compile-only': 'compiled, not run (it owns the process, or its context only declares what it uses)',
} as const;

/** One ```ts block (or hidden `<!-- sample-context -->` comment) of a markdown page. */
export interface DocSample {
  /** The page, relative to the repository root (`docs/joins.md`). */
  readonly page: string;
  /** The 1-based line of the page where the code starts. */
  readonly line: number;
  readonly code: string;
  readonly flags: ReadonlySet<string>;
  /** `file=path`: the sample is this file, and other samples of the page may import it by that path. */
  readonly file: string | undefined;
  /** True for a `<!-- sample-context ... -->` comment, which readers do not see. */
  readonly hidden: boolean;
}

/** Every markdown page of the docs: README.md and docs/**\/*.md (not the generated docs/api/). */
export function docPages(): string[] {
  const pages = ['README.md'];
  const walk = (dir: string): void => {
    for (const name of readdirSync(join(repoRoot, dir)).sort()) {
      const path = `${dir}/${name}`;
      if (statSync(join(repoRoot, path)).isDirectory()) {
        if (path !== 'docs/api') walk(path);
      } else if (name.endsWith('.md')) pages.push(path);
    }
  };
  walk('docs');
  return pages;
}

const FENCE = /^( *)(`{3,}|~{3,})\s*(.*)$/;

/** The ```ts blocks and hidden contexts of one page, in order, with unknown flags reported. */
export function extractSamples(page: string): { samples: DocSample[]; problems: string[] } {
  const lines = readFileSync(join(repoRoot, page), 'utf8').split('\n');
  const samples: DocSample[] = [];
  const problems: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i] ?? '';
    if (/^<!-- sample-context\s*$/.test(text.trim())) {
      const end = lines.findIndex((l, j) => j > i && l.trim() === '-->');
      if (end < 0) {
        problems.push(`${page}:${i + 1}: <!-- sample-context without a closing --> line`);
        break;
      }
      const code = lines.slice(i + 1, end).join('\n');
      samples.push({ page, line: i + 2, code, flags: new Set(['context']), file: undefined, hidden: true });
      i = end;
      continue;
    }
    const open = FENCE.exec(text);
    if (!open) continue;
    const [, indent = '', fence = '```', info = ''] = open;
    let end = i + 1;
    while (end < lines.length) {
      const close = FENCE.exec(lines[end] ?? '');
      if (close && close[2]?.[0] === fence[0] && (close[2]?.length ?? 0) >= fence.length && close[3] === '') break;
      end++;
    }
    const [lang = '', ...words] = info.trim().split(/\s+/);
    if (lang === 'ts' || lang === 'typescript') {
      const flags = new Set<string>();
      let file: string | undefined;
      for (const word of words) {
        if (word.startsWith('file=')) file = word.slice('file='.length);
        else if (word in SAMPLE_FLAGS) flags.add(word);
        else problems.push(`${page}:${i + 1}: unknown sample flag '${word}' (known: ${Object.keys(SAMPLE_FLAGS).join(', ')}, file=PATH)`);
      }
      const code = lines
        .slice(i + 1, end)
        .map((l) => (l.startsWith(indent) ? l.slice(indent.length) : l.trimStart()))
        .join('\n');
      samples.push({ page, line: i + 2, code, flags, file, hidden: false });
    }
    i = end;
  }
  return { samples, problems };
}

/** A module to compile (and maybe run): a sample, with the contexts it needs, as one file. */
export interface SampleModule {
  /** `docs/joins.md:57`: where a reader finds it. */
  readonly label: string;
  /** Path of the module relative to the samples' folder. */
  readonly path: string;
  readonly source: string;
  /** Whether the test runs it (imports it) after compiling it. */
  readonly run: boolean;
  /** Maps a 0-based line of the module to `page:line`. */
  readonly origin: (line: number) => string;
}

/**
 * The modules of one page: a sample on its own, or a fragment after every context above it. The
 * fragment's code goes in a block, so it may declare again a name a context declares (its own
 * `driver`, say), and its imports go after the block (imports are hoisted), without the names a
 * context already imports: the reader sees whole imports and the compiler sees each name once.
 */
export function pageModules(samples: readonly DocSample[]): SampleModule[] {
  const modules: SampleModule[] = [];
  const contexts: DocSample[] = [];
  for (const sample of samples) {
    const label = `${sample.page}:${sample.line}`;
    const dir = sample.page.replace(/\.md$/, '').replace(/[^\w/-]/g, '_');
    if (sample.flags.has('context')) {
      contexts.push(sample);
      continue;
    }
    const lines: string[] = [];
    const origins: string[] = [];
    const add = (code: string, from: DocSample, firstLine = from.line): void => {
      code.split('\n').forEach((text, i) => {
        lines.push(text);
        origins.push(`${from.page}:${firstLine + i}`);
      });
    };
    const fragment = sample.flags.has('fragment');
    if (!fragment) add(sample.code, sample);
    else {
      const imported = new Set<string>();
      for (const context of contexts) {
        add(context.code, context);
        for (const name of importedNames(context.code)) imported.add(name);
      }
      const { body, imports } = splitImports(sample.code, imported);
      add(`{ ${body}`, sample);
      add('}', sample, sample.line + body.split('\n').length - 1);
      for (const i of imports) add(i.text, sample, sample.line + i.line);
    }
    const usesCompileOnly = fragment && contexts.some((c) => c.flags.has('compile-only'));
    // A fragment that uses a name its context only declares (`declare const app: StreamsApp`) is
    // marked compile-only: it would throw at run time.
    const run = !sample.flags.has('broker') && !sample.flags.has('compile-only') && !usesCompileOnly;
    const origin = (line: number): string => origins[line] ?? label;
    modules.push({ label, path: `${dir}/${sample.file ?? `sample-${sample.line}.ts`}`, source: lines.join('\n'), run, origin });
  }
  // Contexts no fragment follows are compiled too, so that they cannot rot either.
  const last = samples.findLastIndex((s) => !s.flags.has('context'));
  const trailing = samples.slice(last + 1);
  if (trailing.length > 0 && trailing[0]) {
    const first = trailing[0];
    const source = contexts.map((c) => c.code).join('\n');
    const origins = contexts.flatMap((c) => c.code.split('\n').map((_, i) => `${c.page}:${c.line + i}`));
    const dir = first.page.replace(/\.md$/, '').replace(/[^\w/-]/g, '_');
    modules.push({ label: `${first.page}:${first.line}`, path: `${dir}/contexts-${first.line}.ts`, source, run: false, origin: (l) => origins[l] ?? first.page });
  }
  return modules;
}

function importedNames(code: string): string[] {
  const source = ts.createSourceFile('x.ts', code, ts.ScriptTarget.ES2022, false);
  const names: string[] = [];
  for (const statement of source.statements) {
    if (!ts.isImportDeclaration(statement) || !statement.importClause) continue;
    const clause = statement.importClause;
    if (clause.name) names.push(clause.name.text);
    const bindings = clause.namedBindings;
    if (bindings && ts.isNamespaceImport(bindings)) names.push(bindings.name.text);
    if (bindings && ts.isNamedImports(bindings)) for (const e of bindings.elements) names.push(e.name.text);
  }
  return names;
}

/**
 * Takes the import declarations out of `code` (blank lines in their place, so lines keep their
 * numbers) and returns them without the names in `known`, each with its 0-based line.
 */
function splitImports(code: string, known: ReadonlySet<string>): { body: string; imports: { text: string; line: number }[] } {
  const source = ts.createSourceFile('x.ts', code, ts.ScriptTarget.ES2022, true);
  const imports: { text: string; line: number }[] = [];
  let body = code;
  for (const statement of [...source.statements].reverse()) {
    if (!ts.isImportDeclaration(statement)) continue;
    const start = statement.getStart(source);
    const original = statement.getText(source);
    const line = source.getLineAndCharacterOfPosition(start).line;
    body = body.slice(0, start) + '\n'.repeat(original.split('\n').length - 1) + body.slice(statement.getEnd());
    const clause = statement.importClause;
    const bindings = clause?.namedBindings;
    if (!clause || (bindings && ts.isNamespaceImport(bindings))) {
      imports.unshift({ text: original, line });
      continue;
    }
    const named = bindings && ts.isNamedImports(bindings) ? bindings.elements.filter((e) => !known.has(e.name.text)).map((e) => e.getText(source)) : [];
    const defaultName = clause.name && !known.has(clause.name.text) ? clause.name.text : undefined;
    if (named.length === 0 && !defaultName) continue;
    const what = [defaultName, named.length ? `{ ${named.join(', ')} }` : undefined].filter(Boolean).join(', ');
    imports.unshift({ text: `import ${clause.isTypeOnly ? 'type ' : ''}${what} from ${statement.moduleSpecifier.getText(source)};`, line });
  }
  return { body, imports };
}

/** Compiles every module in one Program; each error names the page and line it comes from. */
export function compileSamples(dir: string, modules: readonly SampleModule[]): string[] {
  const config = ts.readConfigFile(join(repoRoot, 'tsconfig.base.json'), (p) => ts.sys.readFile(p));
  const { options } = ts.parseJsonConfigFileContent(config.config, ts.sys, repoRoot);
  const files = modules.map((m) => join(dir, m.path));
  const program = ts.createProgram(files, {
    ...options,
    noEmit: true,
    declaration: false,
    declarationMap: false,
    sourceMap: false,
    moduleDetection: ts.ModuleDetectionKind.Force,
  });
  const errors = [...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics()].map(
    (d) => `compiler: TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n    ')}`,
  );
  modules.forEach((module, index) => {
    const sourceFile = program.getSourceFile(files[index] ?? '');
    if (!sourceFile) {
      errors.push(`${module.label}: not compiled`);
      return;
    }
    for (const d of [...program.getSyntacticDiagnostics(sourceFile), ...program.getSemanticDiagnostics(sourceFile)]) {
      const message = ts.flattenDiagnosticMessageText(d.messageText, '\n    ');
      const where = d.file && d.start !== undefined ? module.origin(d.file.getLineAndCharacterOfPosition(d.start).line) : module.label;
      errors.push(`${where}: TS${d.code}: ${message}`);
    }
  });
  return errors;
}

/** GitHub's anchor for a heading (lower case, punctuation dropped, spaces to dashes). */
export function githubSlug(heading: string): string {
  return heading
    .replace(/`/g, '')
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** TypeDoc's anchor for a heading in the site (`npm run docs`): code spans are left out. */
export function typedocSlug(heading: string): string {
  const text = heading.replace(/`[^`]*`/g, '').replace(/\*\*|__/g, '');
  const slug = text
    .trim()
    .replace(/[\u2000-\u206F\u2E00-\u2E7F\\'!"#$%&()*+,./:;<=>?@[\]^`{|}~]/g, '')
    .replace(/\s/g, '-')
    .replace(/--+/, '-');
  return (slug || '_').toLowerCase();
}

/** The anchors of a page's headings that both GitHub and the docs site give the same way. */
function anchors(page: string): Set<string> {
  const github = new Map<string, number>();
  const typedoc = new Map<string, number>();
  const found = new Set<string>();
  let inFence = false;
  for (const line of readFileSync(join(repoRoot, page), 'utf8').split('\n')) {
    if (FENCE.test(line)) inFence = !inFence;
    const heading = inFence ? null : /^#{1,6}\s+(.*?)\s*#*$/.exec(line);
    if (!heading) continue;
    const unique = (seen: Map<string, number>, slug: string): string => {
      const count = seen.get(slug);
      seen.set(slug, (count ?? -1) + 1);
      return count === undefined ? slug : `${slug}-${count + 1}`;
    };
    const a = unique(github, githubSlug(heading[1] ?? ''));
    const b = unique(typedoc, typedocSlug(heading[1] ?? ''));
    if (a === b) found.add(a);
  }
  return found;
}

/**
 * Every relative link of every page whose file or anchor does not exist, or that names a folder
 * (which TypeDoc cannot copy into the site), as `page:line: link (why)`.
 */
export function brokenLinks(pages: readonly string[]): string[] {
  const broken: string[] = [];
  const cache = new Map<string, Set<string>>();
  const anchorsOf = (page: string): Set<string> => cache.get(page) ?? cache.set(page, anchors(page)).get(page)!;
  for (const page of pages) {
    let inFence = false;
    readFileSync(join(repoRoot, page), 'utf8')
      .split('\n')
      .forEach((line, index) => {
        if (FENCE.test(line)) inFence = !inFence;
        if (inFence) return;
        const withoutCode = line.replace(/`[^`]*`/g, '');
        for (const match of withoutCode.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
          const link = match[1] ?? '';
          if (/^[a-z]+:/i.test(link)) continue; // https:, mailto:
          const [target = '', anchor] = link.split('#');
          const file = target === '' ? page : relative(repoRoot, resolve(repoRoot, dirname(page), decodeURI(target)));
          const where = `${page}:${index + 1}: ${link}`;
          if (file.startsWith('..') || !existsSync(join(repoRoot, file))) broken.push(`${where} (no file ${file})`);
          else if (statSync(join(repoRoot, file)).isDirectory()) broken.push(`${where} (a folder: the docs site can only link a file)`);
          else if (anchor !== undefined && file.endsWith('.md') && !anchorsOf(file).has(anchor))
            broken.push(`${where} (no heading in ${file} has this anchor both on GitHub and in the docs site)`);
        }
      });
  }
  return broken;
}

/** The pages `npm run docs` puts in the site (`projectDocuments` of typedoc.site.json, and its readme). */
export function sitePages(): string[] {
  const config = JSON.parse(readFileSync(join(repoRoot, 'typedoc.site.json'), 'utf8')) as { readme?: string; projectDocuments?: string[] };
  return [...(config.readme ? [config.readme] : []), ...(config.projectDocuments ?? [])];
}
