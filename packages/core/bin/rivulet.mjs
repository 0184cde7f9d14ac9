#!/usr/bin/env node
/**
 * The `rivulet` command (package.json `bin`). Installed from npm, it runs the built CLI
 * (`dist/cli/main.js`). In the Rivulet repository, where the TypeScript sources sit next to it, it
 * runs them instead, under the `@rivulet/source` condition with tsx, as the repo's scripts do, so
 * `npx rivulet` needs no build there; RIVULET_CLI_BUILT=1 runs the built one anyway.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const source = new URL('../src/cli/main.ts', import.meta.url);
const built = new URL('../dist/cli/main.js', import.meta.url);

if (existsSync(source) && process.env.RIVULET_CLI_BUILT !== '1') {
  let tsx;
  try {
    tsx = import.meta.resolve('tsx');
  } catch {
    process.stderr.write('rivulet: running from the sources needs tsx (npm i -D tsx), or build first and set RIVULET_CLI_BUILT=1\n');
    process.exit(1);
  }
  const run = spawnSync(process.execPath, ['--conditions=@rivulet/source', '--import', tsx, fileURLToPath(source), ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(run.status ?? 1);
} else {
  const { runCli } = await import(built.href);
  process.exitCode = await runCli(process.argv.slice(2));
}
