/**
 * The topics an app needs, for `rivulet topics`: its sources and sinks, its global stores' topics,
 * and the internal topics Rivulet makes for it, with partition counts and configs as the app's
 * start would make them (the same code: `createInternalTopics`, run against a recording admin).
 */
import type { AdminPort, NewTopic } from '../client/internals/kafka-port.js';
import { resolveConfig } from '../config/validate.js';
import { TopologyError } from '../errors/topology-error.js';
import { createInternalTopics, suggestedPartitions } from '../runtime/internals/internal-topics.js';
import type { Topology } from '../topology/topology.js';

/** What a topic is to the app. */
export type TopicRole = 'source' | 'sink' | 'global' | 'repartition' | 'changelog' | 'internal';

/** One topic the app needs. */
export interface PlannedTopic {
  readonly topic: string;
  readonly role: TopicRole;
  /** The partition count it has (if it exists) or should be created with. */
  readonly partitions: number;
  readonly exists: boolean;
  /** Topic configs Rivulet creates it with (internal topics; for an existing one, those it would have been created with). */
  readonly configs: Readonly<Record<string, string>>;
}

/** The topics and their co-partitioning, or the problem that keeps the app from starting. */
export interface TopicPlan {
  readonly topics: readonly PlannedTopic[];
  /** Groups of topics that must have the same partition count (full names). */
  readonly copartitionGroups: readonly (readonly string[])[];
  /** Set when the existing topics cannot work as they are (such as joined topics not co-partitioned). */
  readonly problem: string | undefined;
}

/** What the plan needs to know of the cluster. */
export interface TopicFacts {
  readonly applicationId: string;
  /** Partition counts of the topics that exist. */
  readonly existing: ReadonlyMap<string, number>;
  /** The partition count of a missing topic nothing else decides. */
  readonly defaultPartitions: number;
  /** The replication factor of the topics to create (-1: the broker's default). */
  readonly replicationFactor: number;
}

/** Plans the app's topics. Pure but for the topology (whose patterns must be resolved already). */
export async function planTopics(topology: Topology, facts: TopicFacts): Promise<TopicPlan> {
  const internal = topology.internalTopicDefs();
  const subs = topology.subTopologies();
  const topicName = (name: string): string => (internal.has(name) ? `${facts.applicationId}-${name}` : name);
  const roles = new Map<string, TopicRole>();
  for (const sub of subs) {
    for (const t of sub.sourceTopics) if (!internal.has(t)) roles.set(t, 'source');
    for (const sink of sub.sinks) if (typeof sink.topic === 'string' && !internal.has(sink.topic) && !roles.has(sink.topic)) roles.set(sink.topic, 'sink');
  }
  for (const t of topology.globalSubTopologies().flatMap((s) => s.sourceTopics)) if (!roles.has(t)) roles.set(t, 'global');

  // Missing external topics get the count their co-partitioned (or sibling) topics have.
  const suggest = suggestedPartitions(subs, internal, facts.existing, facts.defaultPartitions);
  const planned = new Map<string, number>();
  for (const [topic, role] of roles) {
    if (!facts.existing.has(topic)) planned.set(topic, role === 'global' ? facts.defaultPartitions : suggest(topic));
  }
  // What the app's start would ask for (existing topics included, for their configs), and what it would create.
  const requested: NewTopic[] = [];
  const created: NewTopic[] = [];
  const countOf = (t: string): number | undefined => facts.existing.get(t) ?? planned.get(t) ?? created.find((c) => c.topic === t)?.numPartitions;
  const unused = (): never => {
    throw new Error('not used by the topic plan');
  };
  const recording: AdminPort = {
    connect: async () => undefined,
    disconnect: async () => undefined,
    listTopics: async () => [...facts.existing.keys(), ...planned.keys()],
    partitionCounts: async (topics) => new Map(topics.flatMap((t) => (countOf(t) !== undefined ? [[t, countOf(t)!] as const] : []))),
    createTopics: async (topics) => {
      requested.push(...topics);
      created.push(...topics.filter((t) => !facts.existing.has(t.topic) && !created.some((c) => c.topic === t.topic)));
    },
    committedOffsets: unused,
    offsetRange: unused,
    topicMaxMessageBytes: unused,
  };
  const config = resolveConfig({ applicationId: facts.applicationId, brokers: ['127.0.0.1:9092'], replicationFactor: facts.replicationFactor, logLevel: 'error' });
  let problem: string | undefined;
  try {
    await createInternalTopics(recording, topology, config, topicName);
  } catch (error) {
    if (!(error instanceof TopologyError)) throw error;
    problem = error.message;
  }

  const topics: PlannedTopic[] = [...roles].map(([topic, role]) => ({ topic, role, partitions: countOf(topic) ?? facts.defaultPartitions, exists: facts.existing.has(topic), configs: {} }));
  const internalNames = new Set([
    ...[...internal.keys()].map(topicName),
    ...requested.map((c) => c.topic).filter((t) => t.startsWith(`${facts.applicationId}-`)),
  ]);
  for (const topic of [...internalNames].sort()) {
    const made = requested.find((c) => c.topic === topic);
    const n = countOf(topic);
    if (n === undefined) continue; // not plannable: the problem says why
    topics.push({
      topic,
      role: topic.endsWith('-changelog') ? 'changelog' : topic.endsWith('-repartition') ? 'repartition' : 'internal',
      partitions: n,
      exists: facts.existing.has(topic),
      configs: made?.configs ?? {},
    });
  }
  const groups = subs.flatMap((s) => s.copartitionGroups).filter((g) => g.length > 1).map((g) => g.map(topicName).sort());
  return { topics, copartitionGroups: groups, problem };
}

/** The topics to create: the missing ones, with the counts and configs of the plan. */
export function topicsToCreate(plan: TopicPlan, replicationFactor: number): NewTopic[] {
  return plan.topics
    .filter((t) => !t.exists)
    .map((t) => ({ topic: t.topic, numPartitions: t.partitions, replicationFactor, ...(Object.keys(t.configs).length > 0 ? { configs: t.configs } : {}) }));
}
