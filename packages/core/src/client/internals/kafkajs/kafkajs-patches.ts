/**
 * Rivulet's changes to kafkajs 2.2.4 (unmaintained upstream) are patch files in the repository's
 * `patches/` folder, applied by patch-package when the dependencies are installed (the root
 * package's postinstall). Nothing is patched at run time, so the order in which modules load does
 * not matter. This module only checks that the patched files are the ones kafkajs uses.
 *
 * - `kafkajs+2.2.4.patch`, `src/consumer/filterAbortedMessages.js`: kafkajs takes at most one
 *   aborted transaction per record and expects the broker's list in first-offset order, so with
 *   several transactional writers on one partition (a repartition topic written by every upstream
 *   task) records of an aborted transaction reach a read_committed consumer, and under
 *   exactly_once a crash could then apply a record twice. The patched filter does what the Java
 *   consumer does. Test: `kafkajs-patches.test.ts`; end to end: the bank crash example.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** What a patched kafkajs module says of itself. */
interface PatchedModule {
  rivuletPatch?: unknown;
}

/** The kafkajs files Rivulet patches, with the patch version each must carry. */
const PATCHED_FILES: readonly { file: string; version: number; what: string }[] = [
  {
    file: 'kafkajs/src/consumer/filterAbortedMessages.js',
    version: 1,
    what: 'read_committed filter (several transactional writers on a partition could let aborted records through)',
  },
];

/** The kafkajs patches that are missing from the installed kafkajs: empty when all are there. */
export function missingKafkajsPatches(): string[] {
  return PATCHED_FILES.filter(({ file, version }) => (require(file) as PatchedModule).rivuletPatch !== version).map(
    ({ file, what }) => `${file}: ${what}`,
  );
}
