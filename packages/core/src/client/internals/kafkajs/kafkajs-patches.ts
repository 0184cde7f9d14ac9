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
 * - `src/protocol/requests/offsetFetch/v7`, `src/broker/index.js`, `src/admin/index.js`,
 *   `src/protocol/requests/index.js`: OffsetFetch v7 with `require_stable` (KIP-447), which kafkajs
 *   lacks, and `admin.fetchOffsets({ requireStable: true })`, retried on UNSTABLE_OFFSET_COMMIT.
 *   Kafka Streams reads committed offsets this way when a task opens: a plain read may answer the
 *   offsets from before a transaction of the previous owner that is still being completed (its
 *   output committed, its offsets not yet visible), and the task would process those records again
 *   (a broker killed for 30 s under two exactly-once instances: 30-120 records twice in 2 of 4
 *   runs). The version lookup takes the highest version both sides implement (kafkajs implements
 *   OffsetFetch 1-4 and 7). `fetchOffsets` also takes a topic as `{ topic, partitions }` to ask for those
 *   partitions only: a task reads its own, and a partition held by a transaction (one that never
 *   ends: a hanging transaction) keeps only its own task waiting. Test: `kafkajs-patches.test.ts`,
 *   `kafka-primitives.int.test.ts`; end to end: the broker outage test.
 * - `src/producer/groupMessagesPerPartition.js`: the producer grouped a send's messages by partition
 *   by copying the partition's array for every message, quadratic in the batch size (about 10% of
 *   the CPU of an at_least_once pass-through in a profile, issue 17). The patched grouping appends;
 *   the result is the same. Test: `kafkajs-patches.test.ts`; figures: `npm run bench`.
 * - The record codec (issue 17): `src/protocol/encoder.js` writes varints straight into its buffer,
 *   varlongs of numbers with number arithmetic (not Long objects), and allocates without zero-filling;
 *   `src/protocol/recordBatch/record/v0/index.js`, `recordBatch/v0/index.js` and
 *   `requests/produce/v3/request.js` write a batch's records into one buffer (the original made a
 *   zero-filled 512-byte encoder per record, then copied each) and find the first and max timestamps in
 *   one pass (the original sorted them as strings for every request), and lay out a record batch in
 *   one encoder (the original copied it through three); `recordBatch/crc32C/crc32C.js` computes the
 *   CRC-32C eight bytes per step (slicing by 8; it went byte by byte, about 10% of a pass-through's
 *   CPU once the rest was fixed); `recordBatch/record/v0/decoder.js`
 *   computes offsets and timestamps as numbers when the batch's first ones are safe integers (the
 *   original parsed two strings into Long objects per record) and `recordBatch/v0/decoder.js` decodes
 *   each record in place (it sliced each into a Buffer and a Decoder); `consumer/batch.js` compares offsets as
 *   numbers. The bytes and the decoded records are the same. Test: `kafkajs-codec-patches.test.ts`
 *   (against the protocol specification's layout); figures: `npm run bench`.
 * - `src/cluster/index.js` (issue 19): `findGroupCoordinatorMetadata` dropped why each broker
 *   refused the FindCoordinator request and threw a bare `KafkaJSGroupCoordinatorNotFound`, which
 *   reads as retriable; it now keeps the last refusal as the `cause`, so a missing group or
 *   transactional-id ACL (`GROUP_AUTHORIZATION_FAILED`) is classified fatal and named
 *   (errors/authorization-error.ts). End to end: apps/examples/test/security-denials.int.test.ts.
 * - `src/producer/eosManager/index.js` (issue 17): the transactional producer sent a FindCoordinator
 *   request before each of AddPartitionsToTxn, AddOffsetsToTxn, TxnOffsetCommit and EndTxn, eight
 *   requests per exactly_once transaction where four do; it now remembers the transaction and group
 *   coordinators (as the Java producer's TransactionManager does) and looks one up again after a call
 *   on it failed, or when the broker is gone from the metadata. It also sends AddPartitionsToTxn and
 *   AddOffsetsToTxn one at a time, so that `sendOffsets` may run while the transaction's records are
 *   still being sent (the coordinator answers CONCURRENT_TRANSACTIONS to an add that arrives while it
 *   writes another's, and kafkajs retries a send's only after ~300 ms). Test: `kafkajs-patches.test.ts`;
 *   end to end: every exactly_once integration test; figures: `npm run bench -- --compare`.
 *
 * Upstream: tulios/kafkajs is unmaintained (last release 2.2.4, 2023); none of these is merged there.
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
  {
    file: 'kafkajs/src/protocol/requests/offsetFetch/v7/response.js',
    version: 1,
    what: 'OffsetFetch v7 with requireStable (an exactly-once task could read offsets from before a transaction being completed)',
  },
  {
    file: 'kafkajs/src/producer/groupMessagesPerPartition.js',
    version: 1,
    what: "producer's grouping by partition in linear time (it copied arrays per message)",
  },
  { file: 'kafkajs/src/protocol/encoder.js', version: 1, what: 'encoder: varints and varlongs without per-value allocations' },
  { file: 'kafkajs/src/protocol/recordBatch/record/v0/index.js', version: 1, what: "producer: a batch's records written into one buffer" },
  { file: 'kafkajs/src/protocol/recordBatch/v0/index.js', version: 1, what: 'producer: a record batch from records already encoded' },
  { file: 'kafkajs/src/protocol/requests/produce/v3/request.js', version: 1, what: 'producer: first and max timestamps in one pass, records in one buffer' },
  { file: 'kafkajs/src/protocol/recordBatch/crc32C/crc32C.js', version: 1, what: 'producer: CRC-32C eight bytes per step' },
  { file: 'kafkajs/src/protocol/recordBatch/v0/decoder.js', version: 1, what: 'fetch: records decoded in place, not sliced one by one' },
  { file: 'kafkajs/src/protocol/recordBatch/record/v0/decoder.js', version: 1, what: 'fetch: offsets and timestamps without Long objects per record' },
  { file: 'kafkajs/src/consumer/batch.js', version: 1, what: 'fetch: offsets compared as numbers' },
  {
    file: 'kafkajs/src/producer/eosManager/index.js',
    version: 1,
    what: 'transactions: coordinators remembered between calls, AddPartitionsToTxn and AddOffsetsToTxn one at a time',
  },
];

/** The kafkajs patches that are missing from the installed kafkajs: empty when all are there. */
export function missingKafkajsPatches(): string[] {
  return PATCHED_FILES.filter(({ file, version }) => (require(file) as PatchedModule).rivuletPatch !== version).map(
    ({ file, what }) => `${file}: ${what}`,
  );
}
