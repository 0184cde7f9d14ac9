/**
 * @rivulet/streams: the DSL. A StreamsBuilder gives typed KStreams and KTables whose operators
 * compile to a core Topology, run by a StreamsApp or the TopologyTestDriver.
 *
 * @packageDocumentation
 * @module \@rivulet/streams
 */
export { StreamsBuilder } from './streams-builder.js';
export type { StreamsBuilderOptions, StreamSourceOptions, TableSourceOptions } from './streams-builder.js';
export { KStream, BranchedKStream } from './kstream.js';
export type { AsyncOptions, GroupedOptions, Named, ProcessOptions, RepartitionOptions, SinkOptions } from './kstream.js';
export { KGroupedStream } from './kgrouped-stream.js';
export type { AggregateOptions } from './kgrouped-stream.js';
export { KTable } from './ktable.js';
export type { TableOptions } from './ktable.js';
export { KGroupedTable } from './kgrouped-table.js';
export { JoinWindows } from './join-windows.js';
export type { StreamJoinOptions, StreamTableJoinOptions } from './joined.js';
export type { StoreOptions } from './internal/builder-context.js';
export { Materialized } from './materialized.js';
export type { StoreTypeCheck } from './materialized.js';
export type { KeyValueStoreType, NamedStore, SessionStoreType, StoreTypes, VersionedStoreType, WindowStoreType } from '@rivulet/core';
export { TimeWindows } from './time-windows.js';
export { SlidingWindows } from './sliding-windows.js';
export { SessionWindows } from './session-windows.js';
export { TimeWindowedKStream } from './time-windowed-kstream.js';
export { SessionWindowedKStream } from './session-windowed-kstream.js';
export type { EmitStrategy, WindowedAggregateOptions } from './windowed-options.js';
export { LateRecordCounter } from './late-record-counter.js';
export { windowedSerde, sessionWindowedSerde } from './windowed-serde.js';
export type { Window, Windowed } from '@rivulet/core';
export { CogroupedKStream } from './cogrouped-kstream.js';
export { TimeWindowedCogroupedKStream } from './time-windowed-cogrouped-kstream.js';
export { SessionWindowedCogroupedKStream } from './session-windowed-cogrouped-kstream.js';
export { Suppressed, BufferConfig, StrictBufferConfig, EagerBufferConfig } from './suppressed.js';
export type { BufferFullStrategy, SuppressionTime } from './suppressed.js';
export { SuppressionBufferFullError } from './suppression-buffer-full-error.js';
export { GlobalKTable } from './global-ktable.js';
export type { GlobalTableOptions } from './global-ktable.js';
export type { VersionedTableOptions } from './internal/versioned-tables.js';
export type { ForeignKeyJoinOptions } from './internal/foreign-key-join.js';
