/**
 * @rivulet/core/internal: what the sibling packages (`@rivulet/streams`, `@rivulet/testing`, the
 * examples and benchmarks) use of core beyond its public API. Not for users: no compatibility
 * promise, and it may change in any release. Users import `@rivulet/core` only; see
 * docs/architecture.md#public-api-and-internals.
 *
 * What is exported here carries no internal tag: the build strips internally tagged declarations
 * from the `.d.ts` files (`stripInternal`), and the siblings compile against this entry's `.d.ts`.
 *
 * @packageDocumentation
 */

// The broker-free runtime behind the TopologyTestDriver (@rivulet/testing) and the benchmarks.
export { LocalTopologyRunner } from './runtime/local-topology-runner.js';
export type { CapturedRecord, PipedRecord } from './runtime/local-topology-runner.js';

// The minimal ACLs of an app (`rivulet topics --acls`), for the examples' secured-broker tests.
export { planAcls } from './cli/acl-plan.js';
export type { AclEntry, AclFacts, AclPlan, AclResourceType } from './cli/acl-plan.js';
