/**
 * Topic creation that holds up on a busy broker. kafkajs's `createTopics({ waitForLeaders: true })`
 * polls the metadata and gives up at once on UNKNOWN_TOPIC_OR_PARTITION ("This server does not host
 * this topic-partition"), which a loaded broker answers for a moment after creating a topic.
 */
import { eventually, withAdmin } from './kafka.js';

/**
 * Creates the topics in one request (with the given topic configs), then waits until every
 * partition of each has a leader.
 */
export async function createTopicsAndWait(
  topics: readonly string[],
  numPartitions: number,
  configs: Readonly<Record<string, string>> = {},
  timeoutMs = 30_000,
): Promise<void> {
  const configEntries = Object.entries(configs).map(([name, value]) => ({ name, value }));
  await withAdmin(async (admin) => {
    await admin.createTopics({ topics: topics.map((topic) => ({ topic, numPartitions, configEntries })), waitForLeaders: false });
    await eventually(
      async () => {
        const { topics: found } = await admin.fetchTopicMetadata({ topics: [...topics] });
        const ready = found.length === topics.length && found.every((t) => t.partitions.length === numPartitions && t.partitions.every((p) => p.leader >= 0));
        return ready ? true : undefined;
      },
      timeoutMs,
      `leaders for ${topics.join(', ')}`,
    );
  });
}
