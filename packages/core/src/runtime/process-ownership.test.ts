import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The library never owns the process (issue 11, item 7): no signal handlers and no process.exit in
 * the packages' code, except in runApp, the entry-point helper a user calls for that purpose.
 */
const PACKAGES = fileURLToPath(new URL('../../../', import.meta.url));
const ALLOWED = new Set(['core/src/runtime/run-app.ts']);
const OWNING = /process\.(exit|abort|kill)\s*\(|process\.(on|once|addListener|prependListener)\s*\(\s*['"](SIG[A-Z]+|exit|beforeExit|uncaughtException|unhandledRejection)['"]/;
/** `process.kill(pid, 0)` sends no signal: it only asks whether a process is alive (the stateDir lock's stale check). */
const LIVENESS_PROBE = /process\.kill\(\s*[\w.]+\s*,\s*0\s*\)/g;

function sources(dir: string): string[] {
  const files: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (name === 'node_modules' || name === 'dist') continue;
    if (statSync(path).isDirectory()) files.push(...sources(path));
    else if (name.endsWith('.ts') && !name.endsWith('.test.ts') && !name.endsWith('.test-d.ts')) files.push(path);
  }
  return files;
}

describe('the library and the process', () => {
  it('installs no signal or exit handler and never exits the process, outside runApp', () => {
    const library = ['core', 'streams', 'serde', 'testing'].flatMap((p) => sources(join(PACKAGES, p, 'src')));
    expect(library.length).toBeGreaterThan(50);
    const owning = library
      .map((file) => relative(PACKAGES, file))
      .filter((file) => !ALLOWED.has(file) && !file.includes('/test-support/'))
      .filter((file) => OWNING.test(readFileSync(join(PACKAGES, file), 'utf8').replace(LIVENESS_PROBE, '')));
    expect(owning).toEqual([]);
  });

  it('finds it where it is allowed: runApp exits and handles SIGINT/SIGTERM', () => {
    expect(OWNING.test(readFileSync(join(PACKAGES, 'core/src/runtime/run-app.ts'), 'utf8'))).toBe(true);
  });
});
