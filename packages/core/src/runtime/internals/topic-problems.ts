import { TopologyError } from '../../errors/topology-error.js';

/**
 * One thing wrong with the topics an app needs, found at start: a topic that does not exist, or
 * topics that must be co-partitioned and differ in partition count.
 */
export interface TopicProblem {
  /** What is wrong, naming the topic(s). */
  readonly message: string;
  /** The command that fixes it (a `kafka-topics.sh` line), or what to do. */
  readonly fix: string;
}

/** A missing topic of a kind, with the `kafka-topics.sh` line that creates it with `partitions` partitions. */
export function missingTopic(kind: 'source' | 'sink' | 'global store', topic: string, partitions: number, bootstrap: string): TopicProblem {
  return {
    message: `${kind} topic '${topic}' not found: create it before starting the app`,
    fix: `kafka-topics.sh --bootstrap-server ${bootstrap} --create --topic ${topic} --partitions ${partitions}`,
  };
}

/**
 * Topics that must be co-partitioned (joined, or aggregated together) and are not. The fix raises
 * the smaller external topics to the largest count; an internal topic of the wrong size is the
 * leftover of an earlier version of the app, which a reset deletes.
 */
export function notCopartitioned(
  subTopology: number,
  topics: readonly { name: string; partitions: number; internal: boolean }[],
  bootstrap: string,
  applicationId: string,
): TopicProblem {
  const max = Math.max(...topics.map((t) => t.partitions));
  const sizes = topics.map((t) => `${t.name} (${t.partitions})`).join(', ');
  const fixes = topics
    .filter((t) => t.partitions < max && !t.internal)
    .map((t) => `kafka-topics.sh --bootstrap-server ${bootstrap} --alter --topic ${t.name} --partitions ${max}`);
  if (topics.some((t) => t.partitions < max && t.internal)) {
    fixes.push(`rivulet reset --application-id ${applicationId} --bootstrap-servers ${bootstrap} (deletes the internal topics; they are made again at start)`);
  }
  return {
    message:
      `topics joined in sub-topology ${subTopology} must be co-partitioned (same partition count): ${sizes}. ` +
      'Repartition one side, or recreate the topics with the same number of partitions',
    fix: `${fixes.join('; ')} (more partitions move keys to other partitions: only on topics whose keys may move)`,
  };
}

/**
 * The one error that lists every topic problem found at start, each with its fix, and the
 * `rivulet topics` line that creates every missing topic at once.
 */
export function topicProblemsError(problems: readonly TopicProblem[], bootstrap: string, applicationId: string): TopologyError {
  const lines = problems.map((p) => `  - ${p.message}\n    fix: ${p.fix}`);
  const missing = problems.some((p) => p.fix.includes(' --create '));
  return new TopologyError(
    `${problems.length} topic problem${problems.length === 1 ? '' : 's'} at start (Rivulet creates only its internal topics):\n${lines.join('\n')}` +
      (missing
        ? `\nOr create every missing topic at once: npx rivulet topics <module exporting the topology> --bootstrap-servers ${bootstrap} --application-id ${applicationId} --create`
        : ''),
  );
}
