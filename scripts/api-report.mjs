#!/usr/bin/env node
/**
 * The API report: what each package's public entry (`packages/<name>/src/index.ts`) exports, with
 * every declaration as its published `.d.ts` shows it (declaration emit with `stripInternal`, so
 * `@internal` declarations and private members are left out; comments dropped), sorted by name.
 * Written to `api/<name>.api.md` and checked in, so a change to a public API shows in review.
 *
 *   node scripts/api-report.mjs           writes the reports (npm run api:report)
 *   node scripts/api-report.mjs --check   fails when a report differs from the code (npm test)
 *
 * It also type-checks the emitted declaration files against each other, as a user's compiler sees
 * them (no `@rivulet/source` condition, skipLibCheck off), so `stripInternal` can never strip a
 * declaration that the public (or the `@rivulet/core/internal`) `.d.ts` still refers to.
 * Reads the sources: no build needed. See docs/architecture.md#public-api-and-internals.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = fileURLToPath(new URL('..', import.meta.url));
const check = process.argv.includes('--check');

/** The published packages: their public entry (reported) and any sibling-only entries (only type-checked). */
const PACKAGES = [
  { name: 'serde', entries: ['src/index.ts'] },
  { name: 'core', entries: ['src/index.ts', 'src/internal.ts'] },
  { name: 'streams', entries: ['src/index.ts'] },
  { name: 'testing', entries: ['src/index.ts'] },
];

const posix = (p) => p.split(sep).join('/');
const pkgDir = (name) => join(root, 'packages', name);
/** `packages/<name>/src/x.ts` -> `packages/<name>/dist/x.d.ts`, where the build writes it. */
const distOf = (file) => file.replace(/\/packages\/([^/]+)\/src\/(.*)\.ts$/, '/packages/$1/dist/$2.d.ts');
/** The package a file belongs to, or undefined. */
const packageOf = (file) => /\/packages\/([^/]+)\/src\//.exec(posix(file))?.[1];

function fail(message) {
  process.stderr.write(`[api-report] ${message}\n`);
  process.exit(1);
}

function formatDiagnostics(diagnostics) {
  return ts.formatDiagnostics(diagnostics, {
    getCanonicalFileName: (f) => f,
    getCurrentDirectory: () => root,
    getNewLine: () => '\n',
  });
}

// 1. Declaration emit of every package from source, as `tsc -p tsconfig.lib.json` does, into memory.
for (const pkg of PACKAGES) {
  const lib = ts.readConfigFile(join(pkgDir(pkg.name), 'tsconfig.lib.json'), ts.sys.readFile);
  if (lib.config?.compilerOptions?.stripInternal !== true) {
    fail(`packages/${pkg.name}/tsconfig.lib.json must set "stripInternal": true, as this report assumes`);
  }
}
const base = ts.getParsedCommandLineOfConfigFile(join(root, 'tsconfig.base.json'), {}, {
  ...ts.sys,
  onUnRecoverableConfigFileDiagnostic: (d) => fail(formatDiagnostics([d])),
});
const options = {
  ...base.options,
  noEmit: false,
  declaration: true,
  emitDeclarationOnly: true,
  declarationMap: false,
  sourceMap: false,
  stripInternal: true,
  customConditions: ['@rivulet/source'],
};
const rootNames = PACKAGES.flatMap((p) => p.entries.map((e) => join(pkgDir(p.name), e)));
const program = ts.createProgram({ rootNames, options });
const checker = program.getTypeChecker();

/** Emitted declaration files by their dist path. */
const emitted = new Map();
const emit = program.emit(
  undefined,
  (fileName, text) => {
    const src = posix(fileName).replace(/\.d\.ts$/, '.ts');
    if (packageOf(src) !== undefined) emitted.set(distOf(src), text);
  },
  undefined,
  true,
);
if (emit.diagnostics.length > 0) fail(`declaration emit failed:\n${formatDiagnostics(emit.diagnostics)}`);

// 2. The emitted declarations, type-checked as a user's compiler reads the published packages.
{
  // The packages' dist folders are served from memory, also through their node_modules/@rivulet links
  // (which are resolved as the real paths, so each file is one source file).
  const host = ts.createCompilerHost({});
  const names = PACKAGES.map((p) => p.name).join('|');
  const linked = new RegExp(`/node_modules/@rivulet/(${names})(?=/|$)`);
  const real = (f) => posix(f).replace(linked, '/packages/$1');
  const isDist = (f) => /\/packages\/[^/]+\/dist(\/|$)/.test(real(f));
  const { fileExists, readFile, getSourceFile } = host;
  const directoryExists = host.directoryExists;
  host.realpath = (f) => (isDist(f) ? real(f) : (ts.sys.realpath?.(f) ?? f));
  host.fileExists = (f) => (isDist(f) ? emitted.has(real(f)) : fileExists.call(host, f));
  host.readFile = (f) => (isDist(f) ? emitted.get(real(f)) : readFile.call(host, f));
  host.directoryExists = (d) => (isDist(d) ? true : (directoryExists?.call(host, d) ?? true));
  host.getSourceFile = (f, languageVersion, onError, shouldCreate) =>
    isDist(f)
      ? emitted.has(real(f))
        ? ts.createSourceFile(f, emitted.get(real(f)), languageVersion, true)
        : undefined
      : (program.getSourceFile(f) ?? getSourceFile.call(host, f, languageVersion, onError, shouldCreate));
  const isEmitted = (f) => isDist(f) && emitted.has(real(f));
  const consumer = ts.createProgram({
    rootNames: PACKAGES.flatMap((p) => p.entries.map((e) => distOf(posix(join(pkgDir(p.name), e))))),
    options: { ...options, customConditions: [], noEmit: true, skipLibCheck: false, declaration: false, emitDeclarationOnly: false },
    host,
  });
  // Only the emitted files are checked (the libraries they use are read as needed, not checked).
  const diagnostics = consumer
    .getSourceFiles()
    .filter((f) => isEmitted(f.fileName))
    .flatMap((f) => [...consumer.getSyntacticDiagnostics(f), ...consumer.getSemanticDiagnostics(f)]);
  if (diagnostics.length > 0) {
    fail(
      'the emitted declaration files do not type-check as users will read them; a public or internal-entry ' +
        'declaration refers to one that `stripInternal` removed (an `@internal` tag) or that is not emitted:\n' +
        formatDiagnostics(diagnostics),
    );
  }
  // Every name an entry exports must survive in its .d.ts (an `@internal` anywhere in the comment
  // before an export strips it).
  const exportNames = (p, file) => {
    const sf = p.getSourceFile(file);
    const symbol = sf && p.getTypeChecker().getSymbolAtLocation(sf);
    return new Set(symbol ? p.getTypeChecker().getExportsOfModule(symbol).map((s) => s.getName()) : []);
  };
  for (const pkg of PACKAGES) {
    for (const entry of pkg.entries) {
      const source = join(pkgDir(pkg.name), entry);
      const published = exportNames(consumer, distOf(posix(source)));
      const missing = [...exportNames(program, source)].filter((n) => !published.has(n));
      if (missing.length > 0) {
        fail(`${relative(root, source)} exports ${missing.join(', ')}, which its .d.ts does not: is "@internal" in the comment before it?`);
      }
    }
  }
}

// 3. The report of each public entry.
const printer = ts.createPrinter({ newLine: ts.NewLineKind.LineFeed, removeComments: true });
const parsed = new Map();
function declarationFile(distPath) {
  if (!parsed.has(distPath)) {
    const text = emitted.get(distPath);
    parsed.set(distPath, text === undefined ? undefined : ts.createSourceFile(distPath, text, ts.ScriptTarget.Latest, true));
  }
  return parsed.get(distPath);
}

const isPrivate = (member) =>
  (member.name !== undefined && ts.isPrivateIdentifier(member.name)) ||
  (ts.canHaveModifiers(member) && (ts.getModifiers(member) ?? []).some((m) => m.kind === ts.SyntaxKind.PrivateKeyword));

function statementName(statement) {
  if (ts.isVariableStatement(statement)) return statement.declarationList.declarations.map((d) => d.name.getText());
  return statement.name !== undefined ? [statement.name.getText()] : [];
}

/** A statement of a declaration file without private members and comments. */
function print(statement, sf) {
  let node = statement;
  if (ts.isClassDeclaration(statement)) {
    node = ts.factory.updateClassDeclaration(
      statement,
      statement.modifiers,
      statement.name,
      statement.typeParameters,
      statement.heritageClauses,
      statement.members.filter((m) => !isPrivate(m)),
    );
  }
  return printer.printNode(ts.EmitHint.Unspecified, node, sf);
}

/** The printed declarations of one exported symbol. */
function describeExport(entryPackage, exported) {
  const target = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
  const name = exported.getName();
  const declarations = target.declarations ?? [];
  const files = [...new Set(declarations.map((d) => posix(d.getSourceFile().fileName)))];
  const owner = files.map(packageOf).find((p) => p !== undefined);
  if (owner !== undefined && owner !== entryPackage) {
    const typeOnly = !(target.flags & ts.SymbolFlags.Value);
    return `export ${typeOnly ? 'type ' : ''}{ ${target.getName() === name ? name : `${target.getName()} as ${name}`} } from '@rivulet/${owner}';`;
  }
  const blocks = [];
  for (const file of files) {
    const sf = packageOf(file) !== undefined ? declarationFile(distOf(file)) : program.getSourceFile(file);
    if (sf === undefined) fail(`no declaration file emitted for ${relative(root, file)}`);
    for (const statement of sf.statements) {
      if (statementName(statement).includes(target.getName())) blocks.push(print(statement, sf));
    }
  }
  if (blocks.length === 0) fail(`'${name}' is exported but has no declaration in the emitted .d.ts (is it @internal?)`);
  const renamed = target.getName() !== name ? `// exported as ${name}\n` : '';
  return renamed + blocks.join('\n');
}

function report(pkg) {
  const entry = join(pkgDir(pkg.name), pkg.entries[0]);
  const sf = program.getSourceFile(entry);
  const moduleSymbol = sf && checker.getSymbolAtLocation(sf);
  if (moduleSymbol === undefined) fail(`cannot read ${relative(root, entry)}`);
  // By name, ignoring case (then by code unit, so the order never depends on a locale).
  const order = (s) => [s.getName().toLowerCase(), s.getName()];
  const compare = (a, b) => {
    const [x, y] = [order(a), order(b)];
    return x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : x[1] < y[1] ? -1 : x[1] > y[1] ? 1 : 0;
  };
  const exports = checker.getExportsOfModule(moduleSymbol).sort(compare);
  const body = exports.map((e) => describeExport(pkg.name, e)).join('\n\n');
  return [
    `## API Report File for "@rivulet/${pkg.name}"`,
    '',
    `> Do not edit this file. \`npm run api:report\` writes it (scripts/api-report.mjs): every export of`,
    `> \`packages/${pkg.name}/${pkg.entries[0]}\` as the published .d.ts declares it (no \`@internal\`, no private`,
    `> members, no comments), sorted by name. A change here is a change to the public API: review it.`,
    '',
    '```ts',
    body,
    '```',
    '',
  ].join('\n');
}

// 4. Write, or compare.
/** A line diff (LCS), as `-`/`+` lines with a little context, for the first differences. */
function diff(oldText, newText, maxLines = 80) {
  const a = oldText.split('\n');
  const b = newText.split('\n');
  const n = a.length;
  const m = b.length;
  const lcs = new Int32Array((n + 1) * (m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i * (m + 1) + j] = a[i] === b[j] ? lcs[(i + 1) * (m + 1) + j + 1] + 1 : Math.max(lcs[(i + 1) * (m + 1) + j], lcs[i * (m + 1) + j + 1]);
    }
  }
  const ops = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) ops.push([' ', a[i++], j++]);
    else if (i < n && (j === m || lcs[(i + 1) * (m + 1) + j] >= lcs[i * (m + 1) + j + 1])) ops.push(['-', a[i++], j]);
    else ops.push(['+', b[j], j++]);
  }
  const out = [];
  ops.forEach(([op, line], k) => {
    const near = ops.slice(Math.max(0, k - 2), k + 3).some(([o]) => o !== ' ');
    if (op !== ' ' || near) out.push(`${op} ${line}`);
    else if (out.at(-1) !== '  ...') out.push('  ...');
  });
  return out.length > maxLines ? [...out.slice(0, maxLines), `  ... (${out.length - maxLines} more lines)`].join('\n') : out.join('\n');
}

const apiDir = join(root, 'api');
const stale = [];
for (const pkg of PACKAGES) {
  const file = join(apiDir, `${pkg.name}.api.md`);
  const text = report(pkg);
  const current = existsSync(file) ? readFileSync(file, 'utf8') : '';
  if (current === text) continue;
  if (check) {
    stale.push(
      existsSync(file)
        ? `api/${pkg.name}.api.md differs from the public API of @rivulet/${pkg.name} (- in the file, + in the code):\n${diff(current, text)}`
        : `api/${pkg.name}.api.md is missing: the public API of @rivulet/${pkg.name} has no report yet.`,
    );
  } else {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text);
    process.stdout.write(`[api-report] wrote api/${pkg.name}.api.md\n`);
  }
}
if (stale.length > 0) {
  fail(
    `${stale.join('\n\n')}\n\nThe public API changed. If that is intended, run \`npm run api:report\` and commit ` +
      'the updated api/*.api.md with the change, so the review shows it (`git diff api/`).',
  );
}
if (check) process.stdout.write(`[api-report] api/*.api.md match the public API of ${PACKAGES.length} packages\n`);
