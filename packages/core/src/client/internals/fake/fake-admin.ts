import type { AdminPort, NewTopic, TopicPartition } from '../kafka-port.js';
import type { FakeCluster } from './fake-cluster.js';
import { KafkaJSNumberOfRetriesExceeded, protocolError } from './fake-errors.js';

/** The admin client of the fake cluster. */
export class FakeAdmin implements AdminPort {
  constructor(private readonly cluster: FakeCluster) {}

  /** Connects to the cluster. */
  async connect(): Promise<void> {
    await this.cluster.call('connect', {}, () => undefined);
  }

  /** Creates the topics that do not exist yet, with their configs; existing ones are left as they are. */
  async createTopics(topics: readonly NewTopic[]): Promise<void> {
    await this.cluster.call('createTopics', { topics: topics.map((t) => t.topic) }, () => {
      for (const t of topics) {
        if (!Number.isInteger(t.numPartitions) || t.numPartitions < 1) throw protocolError('UNKNOWN', `Invalid number of partitions for topic '${t.topic}': ${t.numPartitions}`);
      }
      for (const t of topics) this.cluster.createTopic(t.topic, t.numPartitions, t.configs ?? {});
    });
  }

  /** Names of the topics that exist. */
  listTopics(): Promise<string[]> {
    return this.cluster.call('listTopics', {}, () => this.cluster.topicNames());
  }

  /** Partition counts of the topics that exist; missing ones are absent. */
  partitionCounts(topics: readonly string[]): Promise<Map<string, number>> {
    return this.cluster.call('partitionCounts', { topics }, () => this.cluster.partitionCounts(topics));
  }

  /** The group's committed offsets of these partitions, by `topic:partition`. */
  committedOffsets(groupId: string, partitions: readonly TopicPartition[]): Promise<Map<string, string>> {
    const topics = [...new Set(partitions.map((p) => p.topic))];
    return this.cluster.call('committedOffsets', { topics, partitions: partitions.map((p) => p.partition), groupId }, () => {
      const wanted = new Set(partitions.map((p) => `${p.topic}:${p.partition}`));
      const result = new Map<string, string>();
      for (const [key, offset] of this.cluster.committedOffsets(groupId)) {
        if (wanted.has(key)) result.set(key, offset);
      }
      return result;
    });
  }

  /** Earliest and end offsets (high watermark, transaction markers included) per partition. */
  offsetRange(topic: string): Promise<Map<number, { low: string; high: string }>> {
    return this.cluster.call('offsetRange', { topics: [topic] }, () => {
      const counts = this.cluster.partitionCounts([topic]);
      const n = counts.get(topic);
      // kafkajs retries an unknown topic (its metadata may be stale) before giving up.
      if (n === undefined) throw new KafkaJSNumberOfRetriesExceeded(protocolError('UNKNOWN_TOPIC_OR_PARTITION'), { retryCount: 5, retryTime: 0 });
      const result = new Map<number, { low: string; high: string }>();
      for (let p = 0; p < n; p++) {
        const log = this.cluster.log(topic, p)!;
        result.set(p, { low: String(log.lowWatermark), high: String(log.highWatermark) });
      }
      return result;
    });
  }

  /** Each existing topic's `max.message.bytes` (its config, else Kafka's default 1048588); missing topics are absent. */
  topicMaxMessageBytes(topics: readonly string[]): Promise<Map<string, number>> {
    return this.cluster.call('topicMaxMessageBytes', { topics }, () => {
      const result = new Map<string, number>();
      for (const t of this.cluster.partitionCounts(topics).keys()) result.set(t, this.cluster.maxMessageBytes(t));
      return result;
    });
  }

  /** Closes the admin client. */
  async disconnect(): Promise<void> {}
}
