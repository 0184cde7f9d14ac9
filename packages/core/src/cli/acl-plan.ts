/**
 * The ACLs an app needs on a broker with an authorizer, for `rivulet topics --acls` and
 * docs/security.md: what Kafka Streams documents for its apps (read the sources, write the sinks,
 * everything on the topics prefixed by the application id, its group, its transactional ids),
 * applied to Rivulet's clients, which use these resources:
 *
 * - the main consumer's group `<applicationId>`; the restore, standby and global-store consumers'
 *   groups `<applicationId>-restore-<id>`, `<applicationId>-standby-<id>` and
 *   `<applicationId>-global-<id>` (kafkajs consumers always belong to a group);
 * - the internal topics `<applicationId>-...-repartition` and `-changelog`, created at start;
 * - under exactly_once, one transactional producer per task, transactional id
 *   `<applicationId>-<taskId>`;
 * - idempotent producers: Kafka 2.8 and later (KIP-679) let a principal that may WRITE any topic
 *   start one, so no `IDEMPOTENT_WRITE` on the cluster is needed.
 */
import type { Topology } from '../topology/topology.js';

/** A Kafka resource type an ACL is on, named as kafka-acls.sh and kafkajs name them. */
export type AclResourceType = 'TOPIC' | 'GROUP' | 'TRANSACTIONAL_ID' | 'CLUSTER';

/** One ALLOW ACL an app needs. */
export interface AclEntry {
  readonly principal: string;
  readonly resourceType: AclResourceType;
  /** `LITERAL`: the name exactly; `PREFIXED`: every name that starts with it. */
  readonly patternType: 'LITERAL' | 'PREFIXED';
  readonly resourceName: string;
  /** The operation, as Kafka names it (`READ`, `WRITE`, `CREATE`, `DESCRIBE`). */
  readonly operation: 'READ' | 'WRITE' | 'CREATE' | 'DESCRIBE';
  /** Why the app needs it, in a few words. */
  readonly why: string;
}

/** The ACLs and what they cannot cover (pattern sources, topics chosen per record). */
export interface AclPlan {
  readonly acls: readonly AclEntry[];
  /** Resources the plan cannot name: the user grants them by hand. */
  readonly notes: readonly string[];
}

/** What the plan needs besides the topology. */
export interface AclFacts {
  readonly applicationId: string;
  /** The app's principal, such as `User:orders-app` (what the broker authenticates it as). */
  readonly principal: string;
  /** Transactional ids are needed only under exactly_once. */
  readonly processingGuarantee: 'at_most_once' | 'at_least_once' | 'exactly_once';
  /** Topics the exception handlers write to (dead-letter topics). */
  readonly deadLetterTopics?: readonly string[];
}

/**
 * Plans the minimal ACLs of an app. Pure.
 *
 * @example
 * const { acls } = planAcls(topology, { applicationId: 'word-count', principal: 'User:wc', processingGuarantee: 'exactly_once' });
 */
export function planAcls(topology: Topology, facts: AclFacts): AclPlan {
  const { applicationId: id, principal } = facts;
  const internal = topology.internalTopicDefs();
  const sources = new Set<string>();
  const sinks = new Set<string>();
  const notes: string[] = [];
  const subs = [...topology.subTopologies(), ...topology.globalSubTopologies()];
  for (const sub of subs) {
    for (const source of sub.sources) {
      if (source.pattern !== undefined && source.topics.length === 0) {
        notes.push(`source '${source.name}' reads the topics matching ${String(source.pattern)}: grant READ on each (LITERAL, or PREFIXED when they share a prefix)`);
      }
    }
    for (const t of sub.sourceTopics) if (!internal.has(t)) sources.add(t);
    for (const sink of sub.sinks) {
      if (typeof sink.topic === 'string') {
        if (!internal.has(sink.topic)) sinks.add(sink.topic);
      } else {
        notes.push(`sink '${sink.name}' chooses its topic per record: grant WRITE on every topic it may choose`);
      }
    }
  }
  for (const t of facts.deadLetterTopics ?? []) sinks.add(t);
  const acl = (resourceType: AclResourceType, patternType: AclEntry['patternType'], resourceName: string, operation: AclEntry['operation'], why: string): AclEntry => ({
    principal,
    resourceType,
    patternType,
    resourceName,
    operation,
    why,
  });
  const acls: AclEntry[] = [
    ...[...sources].sort().map((t) => acl('TOPIC', 'LITERAL', t, 'READ', 'input topic')),
    ...[...sinks].sort().map((t) => acl('TOPIC', 'LITERAL', t, 'WRITE', 'output topic')),
    // Repartition and changelog topics: created at start, written, read back (restore too).
    ...(['CREATE', 'DESCRIBE', 'READ', 'WRITE'] as const).map((op) => acl('TOPIC', 'PREFIXED', `${id}-`, op, 'internal topics')),
    acl('GROUP', 'LITERAL', id, 'READ', "the app's consumer group"),
    acl('GROUP', 'PREFIXED', `${id}-`, 'READ', 'restore, standby and global-store consumers'),
  ];
  if (facts.processingGuarantee === 'exactly_once') {
    acls.push(acl('TRANSACTIONAL_ID', 'PREFIXED', `${id}-`, 'WRITE', "the tasks' transactional producers"));
    acls.push(acl('TRANSACTIONAL_ID', 'PREFIXED', `${id}-`, 'DESCRIBE', "the tasks' transactional producers"));
  }
  return { acls, notes };
}

/** The plan as a table, then its notes. */
export function aclLines(plan: AclPlan): string[] {
  const header = ['PRINCIPAL', 'RESOURCE', 'PATTERN', 'NAME', 'OPERATION', 'WHY'];
  const rows = plan.acls.map((a) => [a.principal, a.resourceType, a.patternType, a.resourceName, a.operation, a.why]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const format = (r: readonly string[]): string => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [format(header), ...rows.map(format), ...plan.notes.map((n) => `note: ${n}`)];
}
