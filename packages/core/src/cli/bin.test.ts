/**
 * The `rivulet` bin (package.json `bin` -> bin/rivulet.mjs) as a user runs it: in this repository
 * it runs the TypeScript sources under the `@rivulet/source` condition, and exits with the CLI's codes.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const bin = fileURLToPath(new URL('../../bin/rivulet.mjs', import.meta.url));
const run = (args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 60_000 });

describe('the rivulet bin', () => {
  it('is the package\'s bin', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { bin: Record<string, string>; files: string[] };
    expect(pkg.bin).toEqual({ rivulet: './bin/rivulet.mjs' });
    expect(pkg.files).toContain('bin');
  });

  it('prints a command\'s help and exits 0; a usage error exits 2 on stderr', () => {
    const help = run(['topics', '--help']);
    expect([help.status, help.stderr]).toEqual([0, '']);
    expect(help.stdout).toMatch(/^usage: rivulet topics MODULE --bootstrap-servers/);
    const usage = run(['describe']);
    expect(usage.status).toBe(2);
    expect(usage.stderr).toBe('rivulet describe: give one MODULE, got none\n(rivulet describe --help shows the usage)\n');
  }, 60_000);
});
