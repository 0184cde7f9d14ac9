import type { AdminPort } from '../../../client/internals/kafka-port.js';
import { RECORD_BATCH_OVERHEAD_BYTES } from '../../../client/internals/record-size.js';

/** Kafka's `max.request.size` default: the producer refuses a larger record before sending it. */
export const MAX_REQUEST_SIZE = 1_048_576;

/** The broker's `message.max.bytes` default, which a topic's `max.message.bytes` inherits. */
export const BROKER_DEFAULT_MAX_MESSAGE_BYTES = 1_048_588;

/** What requests are cut to anyway (see the kafkajs adapter's sendInRequests). */
const MAX_BYTES_PER_REQUEST = 1_000_000;

/**
 * What each output topic accepts, learned from the brokers (`max.message.bytes`): records that do
 * not fit are found before they are sent, and go to the production exception handler, instead of
 * failing a whole send (and, under exactly_once, poisoning the transaction).
 */
export class TopicLimits {
  private readonly maxMessageBytes = new Map<string, number>();

  constructor(private readonly admin: AdminPort) {}

  /** Reads `max.message.bytes` of these topics from the brokers (missing topics keep the default). */
  async load(topics: readonly string[]): Promise<void> {
    if (topics.length === 0) return;
    for (const [topic, bytes] of await this.admin.topicMaxMessageBytes(topics)) this.maxMessageBytes.set(topic, bytes);
  }

  /** Topics whose limit is known. */
  known(): string[] {
    return [...this.maxMessageBytes.keys()];
  }

  /** The largest single record (as `recordBytes` counts it) the topic accepts. */
  maxRecordBytes(topic: string): number {
    return Math.min(MAX_REQUEST_SIZE, this.maxMessageBytes.get(topic) ?? BROKER_DEFAULT_MAX_MESSAGE_BYTES) - RECORD_BATCH_OVERHEAD_BYTES;
  }

  /** The largest request that may carry records of this topic: one partition's batch must fit its `max.message.bytes`. */
  maxRequestBytes(topic: string): number {
    return Math.min(MAX_BYTES_PER_REQUEST, (this.maxMessageBytes.get(topic) ?? BROKER_DEFAULT_MAX_MESSAGE_BYTES) - RECORD_BATCH_OVERHEAD_BYTES);
  }
}
