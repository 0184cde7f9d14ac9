#!/usr/bin/env node
/**
 * `npm test`: every check. Lint, typecheck and unit tests of all projects (Nx, cached), the API
 * report check (api/*.api.md against the public entries) and the API reference's TSDoc checks
 * (typedoc), then the integration and crash tests against one real Kafka
 * broker: KAFKA_BROKERS if set, otherwise the local broker from scripts/kafka.mjs, started once for
 * the whole run and stopped at the end.
 * Closes with a line per failed test (file, name, first lines of the error) and one line counting
 * the tests that ran: "rivulet: N passed, N failed".
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startBroker, stopBroker } from './kafka.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const resultsDir = join(root, 'node_modules', '.cache', 'rivulet-test-results');
rmSync(resultsDir, { recursive: true, force: true });

function nx(args, env = process.env) {
  const r = spawnSync('npx', ['nx', 'run-many', ...args, '--outputStyle=stream'], {
    cwd: root,
    stdio: 'inherit',
    env: { ...env, NX_DAEMON: 'false', RIVULET_TEST_RESULTS: resultsDir },
  });
  return r.status ?? 1;
}

function summary() {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  const failures = [];
  if (existsSync(resultsDir)) {
    for (const file of readdirSync(resultsDir)) {
      const r = JSON.parse(readFileSync(join(resultsDir, file), 'utf8'));
      passed += r.numPassedTests ?? 0;
      failed += r.numFailedTests ?? 0;
      skipped += (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
      for (const suite of r.testResults ?? []) {
        const where = suite.name ? suite.name.replace(root, '') : file;
        for (const test of suite.assertionResults ?? []) {
          if (test.status !== 'failed') continue;
          const first = String(test.failureMessages?.[0] ?? '').split('\n').slice(0, 3).join(' | ');
          failures.push(`${where} > ${test.fullName ?? test.title}: ${first.slice(0, 400)}`);
        }
        if ((suite.assertionResults ?? []).length === 0 && suite.status === 'failed') {
          failures.push(`${where}: ${String(suite.message ?? '').split('\n').slice(0, 3).join(' | ').slice(0, 400)}`);
        }
      }
    }
  }
  return { passed, failed, skipped, failures };
}

let status = nx(['-t', 'lint', 'typecheck', 'test', '--parallel=2', '--skip-nx-cache']);
if (status === 0) {
  // The public API of each package against its checked-in report (api/*.api.md): an unreviewed
  // change to a public API fails here (docs/architecture.md#public-api-and-internals).
  process.stdout.write('\n[test] api-report --check (public API against api/*.api.md)\n');
  status = spawnSync(process.execPath, ['scripts/api-report.mjs', '--check'], { cwd: root, stdio: 'inherit' }).status ?? 1;
}
if (status === 0) {
  // The API reference's checks (typedoc.json): every export documented, no broken {@link}, no
  // exported API that uses an unexported type. Validation only, no pages written.
  process.stdout.write('\n[test] typedoc --emit none (API reference checks)\n');
  status = spawnSync('npx', ['typedoc', '--emit', 'none'], { cwd: root, stdio: 'inherit' }).status ?? 1;
}
let started = false;
let keptData = false;
if (status === 0) {
  const env = { ...process.env };
  try {
    if (!env.KAFKA_BROKERS) {
      // A data dir kept by `npm run kafka stop` is used and kept; otherwise a fresh cluster, removed at the end.
      const broker = await startBroker(undefined, { keepData: true });
      started = broker.started;
      keptData = broker.keptData === true;
      env.KAFKA_BROKERS = broker.bootstrap;
    }
    // One project at a time: each project's files already run two at a time on the shared broker.
    status = nx(['-t', 'integration', '--parallel=1'], env);
  } catch (err) {
    process.stderr.write(`[test] ${err.message}\n`);
    status = 1;
  } finally {
    if (started) await stopBroker(undefined, { keepData: keptData });
  }
}
const { passed, failed, skipped, failures } = summary();
// The failed tests again, last, where a reader of the run's tail sees them.
for (const f of failures) process.stdout.write(`\nFAILED ${f}`);
process.stdout.write(`\nrivulet: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`);
process.exit(status === 0 && failed === 0 && passed > 0 ? 0 : 1);
