import type { AdminPort, NewTopic } from '../../client/internals/kafka-port.js';
import type { ResolvedStreamsConfig } from '../../config/streams-config.js';
import { changelogTopic } from '../../state/internals/changelog/changelog-topic.js';
import { AuthorizationError, principalOf } from '../../errors/authorization-error.js';
import { TopologyError } from '../../errors/topology-error.js';
import type { Topology } from '../../topology/topology.js';
import type { InternalTopicDef } from '../../topology/nodes.js';
import type { SubTopology } from '../../topology/sub-topologies.js';
import { missingTopic, notCopartitioned, topicProblemsError, type TopicProblem } from './topic-problems.js';

/**
 * A topic the app's principal may not describe is left out of the topic list, as if it did not
 * exist: before reporting topics missing, ask the brokers which of them are refused, and fail with
 * the ACL that is missing (READ on a source, WRITE on a sink) instead of "create it".
 */
async function throwIfRefused(admin: AdminPort, config: ResolvedStreamsConfig, read: readonly string[], write: readonly string[]): Promise<void> {
  if (admin.refusedTopics === undefined) return;
  const refused = new Set(await admin.refusedTopics([...read, ...write]));
  if (refused.size === 0) return;
  const principal = principalOf(config.sasl as { mechanism?: string; username?: string } | null, config.ssl);
  const reads = read.filter((t) => refused.has(t));
  const [operation, names] = reads.length > 0 ? (['READ', reads] as const) : (['WRITE', write.filter((t) => refused.has(t))] as const);
  throw new AuthorizationError({ principal, operation, resourceKind: 'topic', resourceNames: names }, 'TOPIC_AUTHORIZATION_FAILED');
}

/**
 * Checks the topics an app reads and writes, and creates its internal topics with the admin client:
 * repartition topics (`<applicationId>-<name>`) with the partition count of the sub-topology that
 * writes them, changelogs (`<applicationId>-<store>-changelog`, compacted) with the partition count of
 * their store's sub-topology, and dead-letter topics that do not exist yet. Returns the partition
 * count of every topic involved.
 */
export async function createInternalTopics(
  admin: AdminPort,
  topology: Topology,
  config: ResolvedStreamsConfig,
  topicName: (name: string) => string,
): Promise<Map<string, number>> {
  const internal = topology.internalTopicDefs();
  const subs = topology.subTopologies();
  const external = new Set<string>();
  for (const sub of subs) {
    for (const t of sub.sourceTopics) if (!internal.has(t)) external.add(t);
    for (const sink of sub.sinks) if (typeof sink.topic === 'string' && !internal.has(sink.topic)) external.add(sink.topic);
  }
  const deadLetters = [config.deserializationExceptionHandler, config.processingExceptionHandler, config.productionExceptionHandler]
    .flatMap((h) => (typeof h === 'object' && h !== null ? [h.deadLetterTopic] : []));
  const globalTopics = topology.globalSubTopologies().flatMap((s) => s.sourceTopics);
  const counts = await admin.partitionCounts([...external, ...deadLetters, ...globalTopics]);
  const bootstrap = config.brokers.join(',');

  // Every missing topic and every co-partitioning mismatch is gathered into one error (issue 18):
  // fixing them one start at a time is a slow loop.
  const problems: TopicProblem[] = [];
  const sourceNames = new Set(subs.flatMap((s) => s.sourceTopics.filter((t) => !internal.has(t))));
  const missingSources = [...sourceNames].filter((t) => !counts.has(t));
  const missingSinks = [...external].filter((t) => !sourceNames.has(t) && !counts.has(t));
  const missingGlobals = [...new Set(globalTopics)].filter((t) => !counts.has(t));
  if (missingSources.length + missingSinks.length + missingGlobals.length > 0) {
    await throwIfRefused(admin, config, [...missingSources, ...missingGlobals], missingSinks);
    const suggested = suggestedPartitions(subs, internal, counts);
    for (const t of missingSources) problems.push(missingTopic('source', t, suggested(t), bootstrap));
    for (const t of missingSinks) problems.push(missingTopic('sink', t, suggested(t), bootstrap));
    for (const t of missingGlobals) problems.push(missingTopic('global store', t, 1, bootstrap));
    // Internal topics' counts cannot be told without their sources: check what can be checked.
    for (const sub of subs) {
      for (const group of sub.copartitionGroups) {
        const known = group.filter((t) => !internal.has(t) && counts.has(t)).map((t) => ({ name: t, partitions: counts.get(t)!, internal: false }));
        if (new Set(known.map((k) => k.partitions)).size > 1) problems.push(notCopartitioned(sub.id, known, bootstrap, config.applicationId));
      }
    }
    throw topicProblemsError(problems, bootstrap, config.applicationId);
  }

  // Repartition topics take the partition count of the sub-topology writing them; a chain of them
  // resolves in a few passes.
  const toCreate: NewTopic[] = [];
  const maxSourcePartitions = (sourceTopics: readonly string[]): number | undefined => {
    const known = sourceTopics.map((t) => counts.get(topicName(t)));
    return known.some((n) => n === undefined) ? undefined : Math.max(...(known as number[]));
  };
  // A repartition topic joined with other topics must match them (co-partitioning): it takes the
  // partition count of the topics it is joined with, where those are known, as Kafka Streams does.
  const joinedWith = new Map<string, string[]>();
  for (const sub of subs) {
    for (const group of sub.copartitionGroups) {
      for (const t of group) if (internal.has(t)) joinedWith.set(t, [...(joinedWith.get(t) ?? []), ...group.filter((o) => o !== t)]);
    }
  }
  const joinedCount = (name: string): number | undefined => {
    const peers = (joinedWith.get(name) ?? []).map((t) => counts.get(topicName(t))).filter((n): n is number => n !== undefined);
    return peers.length > 0 ? Math.max(...peers) : undefined;
  };
  for (let pass = 0; pass <= subs.length; pass++) {
    for (const sub of subs) {
      for (const name of sub.writesInternalTopics) {
        const full = topicName(name);
        if (counts.has(full)) continue;
        const n = internal.get(name)!.numPartitions ?? joinedCount(name) ?? maxSourcePartitions(sub.sourceTopics);
        if (n !== undefined) {
          counts.set(full, n);
          toCreate.push({ topic: full, numPartitions: n, replicationFactor: config.replicationFactor, configs: { 'cleanup.policy': 'delete' } });
        }
      }
    }
  }
  for (const name of internal.keys()) {
    if (!counts.has(topicName(name))) throw new TopologyError(`cannot tell the partition count of internal topic '${name}': no sub-topology writes it`);
  }

  for (const sub of subs) {
    for (const group of sub.copartitionGroups) {
      if (new Set(group.map((t) => counts.get(topicName(t)))).size > 1) {
        const sizes = group.map((t) => ({ name: topicName(t), partitions: counts.get(topicName(t))!, internal: internal.has(t) }));
        problems.push(notCopartitioned(sub.id, sizes, bootstrap, config.applicationId));
      }
    }
    const n = maxSourcePartitions(sub.sourceTopics)!;
    for (const store of sub.stores) {
      const builder = topology.stores().get(store)!;
      if (!builder.loggingEnabled) continue;
      const topic = changelogTopic(config.applicationId, store);
      counts.set(topic, n);
      toCreate.push({
        topic,
        numPartitions: n,
        replicationFactor: config.replicationFactor,
        configs: { 'cleanup.policy': 'compact', ...builder.logConfig },
      });
    }
  }
  if (problems.length > 0) throw topicProblemsError(problems, bootstrap, config.applicationId);
  const maxAll = Math.max(1, ...counts.values());
  for (const t of deadLetters) {
    if (!counts.has(t)) {
      counts.set(t, maxAll);
      toCreate.push({ topic: t, numPartitions: maxAll, replicationFactor: config.replicationFactor });
    }
  }
  await admin.createTopics(toCreate);
  // Topics that existed already keep their own partition count: read them back.
  const actual = await admin.partitionCounts(toCreate.map((t) => t.topic));
  for (const t of toCreate) {
    const n = actual.get(t.topic);
    if (n !== undefined && n !== t.numPartitions && t.topic.endsWith('-changelog')) {
      throw new TopologyError(
        `changelog topic '${t.topic}' has ${n} partitions but its store's sub-topology has ${t.numPartitions}: ` +
          'the input topics changed; reset the application (delete its internal topics) to rebuild state',
      );
    }
    if (n !== undefined) counts.set(t.topic, n);
  }
  return counts;
}

/**
 * The partition count to suggest for a missing topic: that of the existing topics it must be
 * co-partitioned with, else the largest existing source of a sub-topology that reads or writes it,
 * else the largest existing source of the app, else `fallback`.
 */
export function suggestedPartitions(
  subs: readonly SubTopology[],
  internal: ReadonlyMap<string, InternalTopicDef>,
  counts: ReadonlyMap<string, number>,
  fallback = 1,
): (topic: string) => number {
  const existing = (topics: readonly string[]): number[] => topics.filter((t) => !internal.has(t) && counts.has(t)).map((t) => counts.get(t)!);
  const all = existing(subs.flatMap((s) => s.sourceTopics));
  return (topic) => {
    const peers = existing(subs.flatMap((s) => s.copartitionGroups.filter((g) => g.includes(topic)).flat()));
    if (peers.length > 0) return Math.max(...peers);
    const mates = existing(subs.filter((s) => s.sourceTopics.includes(topic) || s.sinks.some((k) => k.topic === topic)).flatMap((s) => s.sourceTopics));
    if (mates.length > 0) return Math.max(...mates);
    return all.length > 0 ? Math.max(...all) : fallback;
  };
}
