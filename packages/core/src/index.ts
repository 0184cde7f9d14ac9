/**
 * @rivulet/core: the Processor API, Topology and the StreamsApp runtime (tasks, assignment,
 * commits by processing guarantee, state stores and changelogs, error handlers), with the Kafka
 * client behind a port and its kafkajs adapter.
 *
 * This is the public API: users import `@rivulet/core` and nothing deeper. What only the sibling
 * packages use is exported from `./internal.ts` (`@rivulet/core/internal`); see
 * docs/architecture.md#public-api-and-internals.
 *
 * @packageDocumentation
 * @module \@rivulet/core
 */

// Processor API
export { StreamRecord } from './processor/stream-record.js';
export type { RecordMetadata } from './processor/stream-record.js';
export type { Processor, ProcessorSupplier } from './processor/processor.js';
export type { AsyncForwarder, AsyncOrigin, Cancellable, ProcessorContext, PunctuationType } from './processor/processor-context.js';
export type { DroppedRecordCounts, DroppedRecordReason } from './processor/dropped-record.js';

// Topology
export { Topology } from './topology/topology.js';
export { TopologyError } from './errors/topology-error.js';
export type { SinkOptions, SourceOptions } from './topology/topology.js';
export { recordTimestamp } from './topology/nodes.js';
export type { ConsumedRecord, TimestampExtractor, TopicNameExtractor } from './topology/nodes.js';
export type { NodeDescription, TopologyDescription } from './topology/description.js';

// Runtime
export { StreamsApp } from './runtime/streams-app.js';
export { EXIT_CODES, runApp } from './runtime/run-app.js';
export { StreamThreadsApp } from './runtime/threads/stream-threads-app.js';
export type { StreamThreadsOptions, ThreadRebalanceEvent } from './runtime/threads/stream-threads-app.js';
export { defineStreamThread } from './runtime/threads/stream-thread-module.js';
export type { StreamThreadConfig, StreamThreadFactory, StreamThreadInfo, StreamThreadSetup } from './runtime/threads/stream-thread-module.js';
export type { ExitCode, RunAppOptions, RunnableApp } from './runtime/run-app.js';
export type { HealthStatus, RebalanceEvent, StoreQueryOptions, StreamsAppState, StreamsMetrics, TaskMetrics } from './runtime/streams-app.js';
export { KeyQueryMetadata } from './runtime/streams-metadata.js';
export type { HostInfo, KeyQueryOptions, StreamsMetadata, StreamsMetadataPartition } from './runtime/streams-metadata.js';
export { findMetrics, METRICS_RECORDING_LEVELS } from './metrics/metric.js';
export { observabilityHandler, serveObservability } from './observability/http.js';
export type { ObservabilityOptions, ObservabilityServer } from './observability/http.js';
export { PrometheusExporter, prometheusLabels, prometheusName } from './observability/prometheus.js';
export type { PrometheusOptions } from './observability/prometheus.js';
export type { Metric, MetricGroup, MetricsRecordingLevel } from './metrics/metric.js';
export { parseTraceparent } from './processor/trace-context.js';
export type { TraceContextSetting, TracedRecord, Traceparent } from './processor/trace-context.js';
// The options of the TopologyTestDriver (@rivulet/testing) extend these; the runner is internal.
export type { LocalTopologyRunnerOptions } from './runtime/local-topology-runner.js';

// Configuration
export { resolveConfig } from './config/validate.js';
export { ConfigError } from './config/config-error.js';
export { isSecretSetting, REDACTED, redactSecrets } from './config/redaction.js';
export type { ConfigIssue } from './config/config-error.js';
export { KAFKA_PROPERTY_NAMES, KAFKA_PROPERTIES_SET_BY_RIVULET, optionForKafkaProperty } from './config/settings.js';
export type { OptionPath } from './config/settings.js';
export type { ProcessingGuarantee, ResolvedProcessingGuarantee, ResolvedStreamsConfig, StreamsConfig } from './config/streams-config.js';
export type {
  Acks,
  AutoOffsetReset,
  CompressionType,
  IsolationLevel,
  ResolvedConsumerConfig,
  ResolvedProducerConfig,
  ResolvedRetrySetting,
  RetrySetting,
  SaslAwsSetting,
  SaslOAuthBearerSetting,
  SaslPasswordSetting,
  SaslSetting,
  SslSetting,
  StreamsConsumerConfig,
  StreamsProducerConfig,
} from './config/client-config.js';
export type {
  DeadLetterTopicSetting,
  ExceptionHandlerContext,
  ExceptionHandlerFunction,
  ExceptionHandlerResponse,
  ExceptionHandlerSetting,
} from './config/exception-handler-setting.js';
export { createConsoleLogger } from './config/logger.js';
export { createPinoLogger, fromPino } from './config/pino-logger.js';
export type { PinoLike, PinoLoggerOptions } from './config/pino-logger.js';
export type { LogLevel, Logger } from './config/logger.js';

// Errors
export { ProcessingError } from './errors/processing-error.js';
export { StreamsError, TaskTimeoutError, RecordTooLargeError, BrokerCallTimeoutError } from './errors/streams-error.js';
export type { ErrorAction, ErrorCategory, ErrorCoordinates } from './errors/streams-error.js';
export type { UncaughtExceptionHandler, UncaughtExceptionResponse } from './config/uncaught-exception-handler.js';
export type { RestoredPartition, StateRestoreListener } from './config/state-restore-listener.js';
export type { ErrorStage } from './errors/processing-error.js';
export { DEAD_LETTER_HEADERS } from './errors/dead-letter.js';
export { AuthorizationError } from './errors/authorization-error.js';
export type { AclResourceKind, AuthorizationContext } from './errors/authorization-error.js';

// State
export { Stores } from './state/stores.js';
export type { StoreBuilder } from './state/store-builder.js';
export { changelogTopic } from './state/internals/changelog/changelog-topic.js';
export type { KeyValue, KeyValueStore, ReadOnlyKeyValueStore } from './state/key-value-store.js';
export type { ChangelogSink, StateStore, StateStoreContext } from './state/state-store.js';
export type { Window, Windowed } from './state/windowed.js';
export type { ValueAndTimestamp } from './state/value-and-timestamp.js';
export type { ReadOnlyWindowStore, WindowStore } from './state/window-store.js';
export type { ReadOnlySessionStore, SessionStore } from './state/session-store.js';
export type { WindowBytesEntry, WindowBytesStore, WindowBytesStoreSupplier } from './state/window-bytes-store.js';
export type { SessionBytesEntry, SessionBytesStore, SessionBytesStoreSupplier } from './state/session-bytes-store.js';
export type { PersistentSessionStoreOptions, PersistentWindowStoreOptions, SessionStoreOptions, WindowStoreOptions } from './state/window-store-options.js';
export { WindowStoreBuilder } from './state/window-store-builder.js';
export { SessionStoreBuilder } from './state/session-store-builder.js';
export { StateDirectoryLockedError } from './state/internals/state-directory/state-directory.js';
export type { StateDirectoryLockHolder } from './state/internals/state-directory/state-directory.js';
export { InvalidStateStoreError } from './state/invalid-state-store-error.js';
export { UnknownStateStoreError } from './state/unknown-state-store-error.js';
export type { ExplicitKeyType, ExplicitStoreName, KeyValueStoreType, KeyValueView, NamedStore, SessionStoreType, StoreKind, StoreNames, StoreType, StoreTypes, StoreTypesOf, StoresOf, VersionedStoreType, WindowStoreType } from './state/store-types.js';
export { PUT_RETURN_CODE_NOT_PUT, PUT_RETURN_CODE_VALID_TO_UNDEFINED } from './state/versioned-key-value-store.js';
export type { ReadOnlyVersionedKeyValueStore, VersionedKeyValueStore, VersionedRecord } from './state/versioned-key-value-store.js';
export type { VersionedBytesStoreSupplier, VersionedKeyValueBytesStore } from './state/versioned-bytes-store.js';
export { VersionedKeyValueStoreBuilder } from './state/versioned-key-value-store-builder.js';

// Partitioning
export { defaultPartitioner, partitionForKey } from './client/partitioner.js';
export type { Partitioner, PartitionerArgs } from './client/partitioner.js';

// Timestamped key-value stores (each row's timestamp kept with its value)
export type { TimestampedKeyValueStore } from './state/timestamped-key-value-store.js';
export { isTimestampedKeyValueStore } from './state/timestamped-key-value-store.js';
