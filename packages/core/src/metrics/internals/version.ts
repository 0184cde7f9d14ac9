import { createRequire } from 'node:module';

/** @rivulet/core's version (the `version` metric), read from its package.json; 'unknown' if it cannot be. */
export const RIVULET_VERSION: string = (() => {
  try {
    // From src/metrics/internals or dist/metrics/internals alike: the package's root.
    return (createRequire(import.meta.url)('../../../package.json') as { version?: string }).version ?? 'unknown';
  } catch {
    return 'unknown';
  }
})();
