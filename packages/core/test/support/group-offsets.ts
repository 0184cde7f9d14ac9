/**
 * How far a consumer group is behind a topic, read with the admin client: crash and zombie tests
 * wait on it to know that an app has consumed and committed all of its input.
 */
import type { Admin } from 'kafkajs';

/**
 * Sum over the topic's partitions of (end offset - the group's committed offset), counting from the
 * earliest offset where the group has committed nothing. Under exactly_once the committed offsets
 * are those of committed transactions only.
 */
export async function groupLag(admin: Admin, groupId: string, topic: string): Promise<number> {
  const [ends, committed] = await Promise.all([admin.fetchTopicOffsets(topic), admin.fetchOffsets({ groupId, topics: [topic] })]);
  let lag = 0n;
  for (const end of ends) {
    const offset = committed[0]?.partitions.find((p) => p.partition === end.partition)?.offset ?? '-1';
    lag += BigInt(end.high) - (offset === '-1' ? BigInt(end.low) : BigInt(offset));
  }
  return Number(lag);
}
