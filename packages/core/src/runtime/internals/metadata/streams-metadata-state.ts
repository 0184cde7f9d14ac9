/**
 * Which instance holds what (Kafka Streams' StreamsMetadataState): built from the hosts the leader
 * put in this member's last assignment (assignment/host-assignment.ts) and the topology, rebuilt on
 * every rebalance. The answers are computed from a {@link MetadataSnapshot}, plain data, so that a
 * stream thread can hand its snapshot to the supervisor, which holds the user's serde and
 * partitioner (functions cannot cross threads).
 */
import type { Serde } from '@rivulet/serde';
import type { Partitioner } from '../../../client/partitioner.js';
import { partitionForKey } from '../../../client/partitioner.js';
import { parseHostPort } from '../../../config/application-server.js';
import { UnknownStateStoreError } from '../../../state/unknown-state-store-error.js';
import type { Topology } from '../../../topology/topology.js';
import { KeyQueryMetadata, type HostInfo, type StreamsMetadata, type StreamsMetadataPartition } from '../../streams-metadata.js';
import type { HostTasks } from '../assignment/host-assignment.js';

/** Where a store's records come from: its task's source topics, as Kafka Streams' SourceTopicsInfo. */
export interface StoreSource {
  /** The source topics of the store's sub-topology (internal topics by their full name). */
  readonly sourceTopics: readonly string[];
  /** The source topic with the most partitions: the key is serialized for it. */
  readonly topicWithMostPartitions: string;
  /** Its partition count: the number of the store's tasks. */
  readonly maxPartitions: number;
}

/** Everything the answers need, as plain data. */
export interface MetadataSnapshot {
  /** Every instance with an `applicationServer`, sorted by host and port. */
  readonly hosts: readonly StreamsMetadata[];
  /** The stores of the topology's tasks, by name; a store connected to no processor has none. */
  readonly stores: Readonly<Record<string, StoreSource | null>>;
  /** The global stores' names. */
  readonly globalStores: readonly string[];
  /** This instance's `applicationServer`, if it has one. */
  readonly localHost: HostInfo | undefined;
}

const byPartition = (a: StreamsMetadataPartition, b: StreamsMetadataPartition): number => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition);

/** The metadata of the group's last assignment, as this member received it. */
export class StreamsMetadataState {
  private hosts: readonly HostTasks[] | undefined;
  private cached: MetadataSnapshot | undefined;

  constructor(
    private readonly topology: () => Topology,
    /** The full name of a topic as the topology names it (internal topics get the applicationId prefix). */
    private readonly topicName: () => (name: string) => string,
    private readonly partitionCounts: () => ReadonlyMap<string, number>,
    private readonly applicationServer: () => string | undefined,
  ) {}

  /** A new assignment: its hosts replace the last ones (none from a leader that sent none). */
  onAssignment(hosts: readonly HostTasks[] | undefined): void {
    this.hosts = hosts ?? [];
    this.cached = undefined;
  }

  /** The metadata now; `undefined` before the first assignment. */
  snapshot(): MetadataSnapshot | undefined {
    if (this.hosts === undefined) return undefined;
    this.cached ??= this.build(this.hosts);
    return this.cached;
  }

  /** Throws an {@link UnknownStateStoreError}, as `app.store(name)` does, for a name that is no store of the topology. */
  assertStore(name: string): void {
    const topology = this.topology();
    if (!topology.stores().has(name) && !topology.globalStores().has(name)) throw new UnknownStateStoreError(name, [...topology.stores().keys(), ...topology.globalStores().keys()]);
  }

  private build(hosts: readonly HostTasks[]): MetadataSnapshot {
    const topology = this.topology();
    const topicName = this.topicName();
    const counts = this.partitionCounts();
    const globalStores = [...topology.globalStores().keys()].sort();
    const subs = new Map(topology.subTopologies().map((s) => [s.id, { topics: s.sourceTopics.map(topicName), stores: s.stores }]));
    const stores: Record<string, StoreSource | null> = {};
    for (const name of topology.stores().keys()) stores[name] = null;
    for (const sub of subs.values()) {
      let best: { topic: string; count: number } | undefined;
      for (const topic of sub.topics) {
        const count = counts.get(topic) ?? 0;
        if (best === undefined || count > best.count) best = { topic, count };
      }
      for (const store of sub.stores) {
        stores[store] = best === undefined ? null : { sourceTopics: sub.topics, topicWithMostPartitions: best.topic, maxPartitions: best.count };
      }
    }
    // A task `<sub>_<p>`: partition p of each of its sub-topology's sources that has one.
    const partitionsOf = (tasks: readonly string[]): { partitions: StreamsMetadataPartition[]; stores: string[] } => {
      const partitions: StreamsMetadataPartition[] = [];
      const names = new Set<string>();
      for (const task of tasks) {
        const [subId, p] = task.split('_').map(Number) as [number, number];
        const sub = subs.get(subId);
        if (sub === undefined || !Number.isInteger(p)) continue;
        for (const topic of sub.topics) if (p < (counts.get(topic) ?? Number.POSITIVE_INFINITY)) partitions.push({ topic, partition: p });
        for (const store of sub.stores) names.add(store);
      }
      return { partitions: partitions.sort(byPartition), stores: [...names].sort() };
    };
    const metadata: StreamsMetadata[] = [];
    for (const h of hosts) {
      const hostInfo = parseHostPort(h.server);
      if (hostInfo === undefined) continue;
      const active = partitionsOf(h.tasks);
      const standby = partitionsOf(h.standbys);
      metadata.push({
        hostInfo,
        stateStoreNames: [...new Set([...active.stores, ...globalStores])].sort(),
        topicPartitions: active.partitions,
        standbyStateStoreNames: standby.stores,
        standbyTopicPartitions: standby.partitions,
      });
    }
    metadata.sort((a, b) => (a.hostInfo.host < b.hostInfo.host ? -1 : a.hostInfo.host > b.hostInfo.host ? 1 : a.hostInfo.port - b.hostInfo.port));
    const server = this.applicationServer();
    return { hosts: metadata, stores, globalStores, localHost: server === undefined ? undefined : parseHostPort(server) };
  }
}

/** Throws for a name that is no store in the snapshot. */
function assertKnown(snapshot: MetadataSnapshot, store: string): void {
  if (!Object.hasOwn(snapshot.stores, store) && !snapshot.globalStores.includes(store)) throw new UnknownStateStoreError(store, [...Object.keys(snapshot.stores), ...snapshot.globalStores]);
}

/**
 * The instances that hold `store`, actively or as a standby (Kafka Streams' `allMetadataForStore`);
 * every instance for a global store.
 */
export function metadataForStore(snapshot: MetadataSnapshot, store: string): StreamsMetadata[] {
  assertKnown(snapshot, store);
  if (snapshot.globalStores.includes(store)) return [...snapshot.hosts];
  return snapshot.hosts.filter((m) => m.stateStoreNames.includes(store) || m.standbyStateStoreNames.includes(store));
}

/**
 * The serialized key of a query. A serde that answers with a Promise (a schema registry's, on a
 * cache miss) cannot be used here: the answer is synchronous, as Kafka Streams'.
 */
export function serializeQueryKey<K>(keySerde: Pick<Serde<K>, 'serialize' | 'name'>, key: K, topic: string, store: string): Buffer {
  if (key === null || key === undefined) throw new TypeError(`queryMetadataForKey('${store}', ...) needs a key: got ${String(key)}`);
  const bytes: unknown = keySerde.serialize(topic, key);
  if (!(bytes instanceof Uint8Array)) {
    if (bytes instanceof Promise) bytes.catch(() => undefined);
    throw new TypeError(
      `queryMetadataForKey('${store}', ...): the key serde '${keySerde.name}' answered asynchronously (a Promise), and the metadata is read synchronously. ` +
        "Fix: serialize the key first (await serde.serialize(topic, key)) and pass the bytes with serdes.bytes(), or use a serde that is synchronous once warm.",
    );
  }
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * Where a key of `store` lives (Kafka Streams' `queryMetadataForKey`): its partition by the
 * partitioner (default: Kafka's murmur2 of the key bytes) over the store's task count, the host
 * that runs that task, and the hosts with a standby copy of it. A global store is on every
 * instance: this one's host (or the first's), partition -1.
 */
export function keyQueryMetadata(snapshot: MetadataSnapshot, store: string, key: Buffer, partitioner?: Partitioner): KeyQueryMetadata {
  assertKnown(snapshot, store);
  if (snapshot.globalStores.includes(store)) {
    const host = snapshot.localHost ?? snapshot.hosts[0]?.hostInfo;
    return host === undefined ? KeyQueryMetadata.NOT_AVAILABLE : { activeHost: host, standbyHosts: [], partition: -1 };
  }
  const source = snapshot.stores[store];
  if (source === null || source === undefined) throw new Error(`the state store '${store}' is connected to no processor: no task holds it`);
  if (source.maxPartitions <= 0) return KeyQueryMetadata.NOT_AVAILABLE;
  const count = source.maxPartitions;
  const partition =
    partitioner === undefined ? partitionForKey(key, count) : partitioner({ topic: source.topicWithMostPartitions, key, value: null, partitionCount: count });
  if (!Number.isInteger(partition) || partition < 0 || partition >= count) {
    throw new RangeError(`queryMetadataForKey('${store}', ...): the partitioner returned ${String(partition)}, not a partition of ${source.topicWithMostPartitions} (0 to ${count - 1})`);
  }
  const holds = (partitions: readonly StreamsMetadataPartition[]): boolean => partitions.some((tp) => tp.partition === partition && source.sourceTopics.includes(tp.topic));
  let activeHost: HostInfo | undefined;
  const standbyHosts: HostInfo[] = [];
  for (const m of snapshot.hosts) {
    if (m.stateStoreNames.includes(store) && holds(m.topicPartitions)) activeHost = m.hostInfo;
    if (m.standbyStateStoreNames.includes(store) && holds(m.standbyTopicPartitions)) standbyHosts.push(m.hostInfo);
  }
  return { activeHost: activeHost ?? KeyQueryMetadata.NOT_AVAILABLE.activeHost, standbyHosts, partition };
}
