import type { Serde } from '@rivulet/serde';
import type { Partitioner } from '../client/partitioner.js';
import type { ProcessorSupplier } from '../processor/processor.js';
import type { StreamRecord } from '../processor/stream-record.js';

/** What a timestamp extractor sees of a consumed record. */
export interface ConsumedRecord<K = unknown, V = unknown> {
  /** The topic it was read from. */
  readonly topic: string;
  /** Its partition. */
  readonly partition: number;
  /** Its offset, as a decimal string. */
  readonly offset: string;
  /** The deserialized key. */
  readonly key: K;
  /** The deserialized value. */
  readonly value: V;
  /** The record's own timestamp (producer create time or broker log-append time). */
  readonly timestamp: number;
}

/**
 * Chooses a record's event time. The default uses the record's own timestamp.
 * `partitionTime` is the largest timestamp seen on the record's partition so far (-1 at first).
 */
export type TimestampExtractor = (record: ConsumedRecord, partitionTime: number) => number;

/** Picks a sink's topic per record. */
export type TopicNameExtractor<K = unknown, V = unknown> = (record: StreamRecord<K, V>) => string;

/** A source node: the topics it reads and how to deserialize them. */
export interface SourceNodeDef {
  readonly kind: 'source';
  readonly name: string;
  /** The topics read; for a pattern source, the topics it matched when the app started. */
  topics: readonly string[];
  /** A pattern source's pattern: resolved to the existing topics it matches when the app starts. */
  readonly pattern: RegExp | undefined;
  /** Undefined: the app's `defaultKeySerde` (see `resolveDefaultSerdes`). */
  readonly keySerde: Serde<unknown> | undefined;
  /** Undefined: the app's `defaultValueSerde`. */
  readonly valueSerde: Serde<unknown> | undefined;
  readonly timestampExtractor: TimestampExtractor | undefined;
}

/** A processor node: its supplier, parents and the stores it may use. */
export interface ProcessorNodeDef {
  readonly kind: 'processor';
  readonly name: string;
  readonly supplier: ProcessorSupplier<unknown, unknown, unknown, unknown>;
  readonly parents: readonly string[];
  readonly stores: Set<string>;
}

/** A sink node: where it writes and how to serialize and partition. */
export interface SinkNodeDef {
  readonly kind: 'sink';
  readonly name: string;
  readonly topic: string | TopicNameExtractor;
  /** Undefined: the app's `defaultKeySerde` (see `resolveDefaultSerdes`). */
  readonly keySerde: Serde<unknown> | undefined;
  /** Undefined: the app's `defaultValueSerde`. */
  readonly valueSerde: Serde<unknown> | undefined;
  readonly partitioner: Partitioner | undefined;
  readonly parents: readonly string[];
}

/** A node of a topology, as {@link Topology.nodeDefs} lists them: a source, a processor or a sink. */
export type NodeDef = SourceNodeDef | ProcessorNodeDef | SinkNodeDef;

/** The default timestamp extractor: the record's own timestamp. */
export const recordTimestamp: TimestampExtractor = (record) => record.timestamp;

/** An internal topic Rivulet creates itself: named `<applicationId>-<name>`. */
export interface InternalTopicDef {
  /** The topic's short name; the runtime prefixes it with `<applicationId>-`. */
  readonly name: string;
  /** Partition count; default: the largest partition count of the sources of the sub-topology writing it. */
  readonly numPartitions: number | undefined;
}
