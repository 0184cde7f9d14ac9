import { fileURLToPath } from 'node:url';
import { basename, join } from 'node:path';
import { defineConfig, type ViteUserConfig } from 'vitest/config';

/**
 * Packages export `./src/index.ts` under the `@rivulet/source` condition, so tests and typechecks run
 * on the sources of their dependencies without a build; the published `dist` is used everywhere else.
 */
const conditions = ['@rivulet/source', 'node', 'import', 'module', 'default'];

/** `npm test` collects each run's counts through the JSON reporter to print one closing line. */
function reporters(kind: string): NonNullable<NonNullable<ViteUserConfig['test']>['reporters']> {
  const dir = process.env['RIVULET_TEST_RESULTS'];
  if (!dir) return ['default'];
  const name = `${basename(process.cwd())}-${kind}.json`;
  return ['default', ['json', { outputFile: join(dir, name) }]];
}

const base = {
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: conditions } },
};

/** Unit and TopologyTestDriver tests: beside the code, no broker, fast. */
export function unitTestConfig() {
  return defineConfig({
    ...base,
    test: {
      include: ['src/**/*.test.ts', 'test/unit/**/*.test.ts'],
      exclude: ['**/*.int.test.ts', '**/node_modules/**', '**/dist/**'],
      typecheck: { enabled: true, include: ['src/**/*.test-d.ts', 'test/**/*.test-d.ts'], tsconfig: './tsconfig.json' },
      passWithNoTests: false,
      reporters: reporters('unit'),
    },
  });
}

/**
 * Integration and crash tests against a real Kafka broker: `KAFKA_BROKERS` if set, otherwise the
 * local broker that scripts/kafka.mjs starts (and stops afterwards if this run started it).
 */
export function integrationTestConfig() {
  return defineConfig({
    ...base,
    test: {
      include: ['test/**/*.int.test.ts'],
      globalSetup: [fileURLToPath(new URL('./scripts/vitest-kafka-setup.ts', import.meta.url))],
      testTimeout: 120_000,
      hookTimeout: 180_000,
      // One broker serves the suite; files run in parallel on its unique topics, two at a time on 2 cores.
      maxWorkers: 2,
      passWithNoTests: false,
      reporters: reporters('integration'),
    },
  });
}
