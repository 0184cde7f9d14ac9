/**
 * Where an app's state lives across its instances (Kafka Streams' `HostInfo`, `StreamsMetadata`
 * and `KeyQueryMetadata`): what `queryMetadataForKey`, `allMetadataForStore` and
 * `metadataForAllStreamsClients` answer. Every instance sets its own `applicationServer`
 * (`host:port`); the group's leader hands every member the hosts of every member, with their
 * active and standby tasks, in each assignment. See docs/operating.md#interactive-queries-across-instances.
 */
import type { Partitioner } from '../client/partitioner.js';

/** An instance's `applicationServer`, split: Kafka Streams' `HostInfo`. */
export interface HostInfo {
  /** The host name or address, as the instance wrote it in `applicationServer` (IPv6 without its brackets). */
  readonly host: string;
  /** The port; `-1` for {@link KeyQueryMetadata.NOT_AVAILABLE}'s unknown host. */
  readonly port: number;
}

/** A partition of a topic, as {@link StreamsMetadata} lists them. */
export interface StreamsMetadataPartition {
  /** The topic's name. */
  readonly topic: string;
  /** The partition's number. */
  readonly partition: number;
}

/**
 * One instance of the app (Kafka Streams' `StreamsMetadata`, one per `applicationServer`, over all
 * its stream threads): its host, and the stores and input partitions of the tasks it runs and of
 * the standby tasks it keeps.
 */
export interface StreamsMetadata {
  /** The instance's `applicationServer`. */
  readonly hostInfo: HostInfo;
  /** The stores of the tasks it runs, and every global store. Sorted. */
  readonly stateStoreNames: readonly string[];
  /** The input partitions of the tasks it runs (internal topics by their full name). Sorted. */
  readonly topicPartitions: readonly StreamsMetadataPartition[];
  /** The stores of the standby tasks it keeps (`numStandbyReplicas`). Sorted. */
  readonly standbyStateStoreNames: readonly string[];
  /** The input partitions of the standby tasks it keeps. Sorted. */
  readonly standbyTopicPartitions: readonly StreamsMetadataPartition[];
}

/**
 * Where one key of a store lives (Kafka Streams' `KeyQueryMetadata`): the instance whose task holds
 * it now, the instances with a standby copy, and the partition (the task's number).
 */
export interface KeyQueryMetadata {
  /** The instance that runs the key's task: query it there. `{ host: 'unavailable', port: -1 }` when no instance with an `applicationServer` runs it. */
  readonly activeHost: HostInfo;
  /** The instances that keep a standby copy of the key's task (possibly behind the active one). */
  readonly standbyHosts: readonly HostInfo[];
  /** The key's partition, `-1` when not available (and for a global store, which is on every instance). */
  readonly partition: number;
}

const UNAVAILABLE_HOST: HostInfo = Object.freeze({ host: 'unavailable', port: -1 });

/**
 * {@link KeyQueryMetadata}'s constant: `KeyQueryMetadata.NOT_AVAILABLE`, what `queryMetadataForKey`
 * returns while the app is not RUNNING (starting, rebalancing, closing) or before its first
 * assignment. Compare with `===`, or check `activeHost.port === -1`; then ask again shortly.
 *
 * @example
 * const where = app.queryMetadataForKey('counts', 'kafka', serdes.string());
 * if (where === KeyQueryMetadata.NOT_AVAILABLE) return reply(503, 'rebalancing, try again');
 */
export const KeyQueryMetadata: {
  /** No host is known for the key: the app is not RUNNING, or has no assignment yet. */
  readonly NOT_AVAILABLE: KeyQueryMetadata;
} = Object.freeze({
  NOT_AVAILABLE: Object.freeze({ activeHost: UNAVAILABLE_HOST, standbyHosts: Object.freeze([]), partition: -1 }),
});

/** Options of `queryMetadataForKey`. */
export interface KeyQueryOptions {
  /**
   * The partitioner the records reached the store's task with, when it is not Kafka's default
   * (murmur2 of the serialized key): the one given to the sink that writes the store's input topic,
   * or the app's `producer.partitioner`. Kafka Streams' `StreamPartitioner` overload.
   */
  readonly partitioner?: Partitioner;
}
