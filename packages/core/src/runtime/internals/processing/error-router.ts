import { SerdeError, type Headers } from '@rivulet/serde';
import type { FetchedRecord } from '../../../client/internals/kafka-port.js';
import type { ExceptionHandlerSetting } from '../../../config/exception-handler-setting.js';
import type { Logger } from '../../../config/logger.js';
import { StreamRecord, type RecordMetadata } from '../../../processor/stream-record.js';
import { recordTimestamp } from '../../../topology/nodes.js';
import { ProcessingError, type ErrorStage } from '../../../errors/processing-error.js';
import { deadLetterHeaders } from '../../../errors/dead-letter.js';
import { RecordTooLargeError, StreamsError } from '../../../errors/streams-error.js';
import { recordBytes } from '../../../client/internals/record-size.js';
import type { SinkRuntime, SourceRuntime } from './processor-nodes.js';
import { SKIPPED_RECORD, SendFailedError, type MaybeBytes, type RecordSink } from '../producing/record-collector.js';
import { DroppedRecords } from './dropped-records.js';
import type { DroppedRecordReason } from '../../../processor/dropped-record.js';
import { withTraceContext } from '../../../processor/trace-context.js';

/** What the router needs from the runtime besides the handlers. */
export interface ErrorRouterOptions {
  /** The largest record a topic accepts (see TopicLimits): larger ones go to the production handler before any send. */
  maxRecordBytes?(topic: string): number;
  /** Reports each record the handlers skipped or dead-lettered (StreamsApp.errors$). */
  report?(error: StreamsError): void;
  /** `traceContext.propagate`: a record written gets the input record's trace context when it has none. */
  propagateTraceContext?: boolean;
}

/** The task a record belongs to, as the router sees it: its id, and where its dropped records are counted. */
export interface RouterTask {
  readonly id: string;
  readonly drops: DroppedRecords;
  /** The processor whose `process` threw for the record being processed (the innermost), once; undefined if none did. */
  takeFailedNode?(): string | undefined;
}

/** The three exception handlers of an app. */
export interface ErrorHandlers {
  deserialization: ExceptionHandlerSetting;
  processing: ExceptionHandlerSetting;
  production: ExceptionHandlerSetting;
}

/**
 * Runs the error-prone steps of the per-record path (deserialize, process, serialize at a sink)
 * and routes a failure to its handler: fail (throw a {@link ProcessingError} naming topic, partition
 * and offset), log and continue, or a dead-letter topic that receives the original key and value
 * bytes with headers saying why. Nothing is dropped silently: every record a handler skipped or
 * dead-lettered, and every record whose timestamp is invalid, is also counted in its task's dropped
 * records (see DroppedRecords), which log a line per reason.
 */
export class ErrorRouter {
  /** The input record being processed: what a dead-letter write keeps. */
  private currentRaw: FetchedRecord | undefined;
  private currentMeta: RecordMetadata | undefined;
  /** The task whose record is being processed: what errors say they belong to, and where drops are counted. */
  private currentTask: RouterTask | undefined;
  /** Records skipped or dead-lettered, by stage. */
  readonly skipped = { deserialization: 0, processing: 0, production: 0 };
  /** Where the drops of a record that belongs to no task are counted (the router's own unit tests). */
  private unowned: DroppedRecords | undefined;

  constructor(
    private readonly applicationId: string,
    private readonly handlers: ErrorHandlers,
    private readonly collector: RecordSink,
    private readonly logger: Logger,
    private readonly options: ErrorRouterOptions = {},
  ) {}

  /**
   * Deserializes one fetched record into a StreamRecord, or undefined when it was skipped. Returns a
   * Promise only when a serde is async (a registry lookup on a cache miss).
   */
  deserialize(
    source: SourceRuntime,
    topic: string,
    partition: number,
    raw: FetchedRecord,
    partitionTime: number,
    task?: RouterTask,
  ): StreamRecord<unknown, unknown> | undefined | Promise<StreamRecord<unknown, unknown> | undefined> {
    this.currentTask = task;
    let key: unknown = null;
    let part: 'key' | 'value' = 'key';
    try {
      key = raw.key === null ? null : source.keySerde.deserialize(topic, raw.key, raw.headers);
      part = 'value';
      const value = raw.value === null ? null : source.valueSerde.deserialize(topic, raw.value, raw.headers);
      if (key instanceof Promise || value instanceof Promise) {
        return Promise.all([partOf(key, 'key'), partOf(value, 'value')]).then(
          ([k, v]) => this.toRecord(source, topic, partition, raw, k, v, partitionTime, task),
          (err: unknown) => {
            this.currentTask = task;
            return this.onDeserializationError(err, source, topic, partition, raw, task);
          },
        );
      }
      return this.toRecord(source, topic, partition, raw, key, value, partitionTime, task);
    } catch (err) {
      // The value failed while its key is still being read: that read must not reject unhandled.
      if (key instanceof Promise) key.catch(() => undefined);
      return this.onDeserializationError(locate(err, { part }), source, topic, partition, raw, task);
    }
  }

  /** Pushes a record through a source node's subtree; a processor failure goes to the processing handler. */
  process(source: SourceRuntime, record: StreamRecord<unknown, unknown>, meta: RecordMetadata, raw: FetchedRecord, task?: RouterTask): void {
    this.currentRaw = raw;
    this.currentMeta = meta;
    this.currentTask = task;
    try {
      source.process(record);
    } catch (err) {
      const failedNode = task?.takeFailedNode?.();
      // A record that failed under 'fail' already, or an earlier send's failure: not this record's processing error.
      if (err instanceof ProcessingError || err instanceof SendFailedError) throw err;
      this.handle('processing', this.handlers.processing, toError(err), meta, raw, task, failedNode ?? source.name);
    } finally {
      this.currentRaw = undefined;
      this.currentMeta = undefined;
    }
  }

  /**
   * Runs the later part of a record's processing (the results of async work, or its failure) as
   * `process` runs the first part: with the record's metadata current for sinks and dead letters, and
   * a failure going to the processing handler with the record's topic, partition and offset.
   * `node` is the processor whose work it is.
   */
  processLater(meta: RecordMetadata, raw: FetchedRecord | undefined, work: () => void, task?: RouterTask, node?: string): void {
    const previousRaw = this.currentRaw;
    const previousMeta = this.currentMeta;
    const previousTask = this.currentTask;
    this.currentRaw = raw;
    this.currentMeta = meta;
    this.currentTask = task;
    try {
      work();
    } catch (err) {
      const failedNode = task?.takeFailedNode?.();
      // A record that failed under 'fail' already, or an earlier send's failure: not this record's processing error.
      if (err instanceof ProcessingError || err instanceof SendFailedError) throw err;
      this.handle('processing', this.handlers.processing, toError(err), meta, raw, task, failedNode ?? node);
    } finally {
      this.currentRaw = previousRaw;
      this.currentMeta = previousMeta;
      this.currentTask = previousTask;
    }
  }

  /**
   * The sink write: serialize and hand to the collector; a serialization failure goes to the
   * production handler. An async serializer (a registry serde on a cache miss) that rejects goes to
   * the same handler when the collector awaits it: under 'fail' the send fails with a
   * {@link ProcessingError} naming the input record, otherwise the record is left out of the send
   * (and dead-lettered with the input record's bytes, within the same commit).
   */
  readonly writeSink = (sink: SinkRuntime, topic: string, record: StreamRecord<unknown, unknown>): void => {
    let key: Buffer | null | Promise<Buffer>;
    let value: Buffer | null | Promise<Buffer>;
    const meta = this.currentMeta ?? { topic, partition: -1, offset: '-1' };
    try {
      key = record.key === null || record.key === undefined ? null : sink.keySerde.serialize(topic, record.key, record.headers);
      value = record.value === null || record.value === undefined ? null : sink.valueSerde.serialize(topic, record.value, record.headers);
    } catch (err) {
      this.handle('production', this.handlers.production, toError(err), meta, this.currentRaw, this.currentTask, sink.name);
      return;
    }
    const headers = headersOrUndefined(this.options.propagateTraceContext === true ? withTraceContext(record.headers, this.currentRaw?.headers) : record.headers);
    if (key instanceof Promise || value instanceof Promise) {
      const [k, v] = this.handleAsyncSerialization(topic, key, value, headers, meta, this.currentRaw, this.currentTask, sink.name);
      this.collector.send(topic, k, v, record.timestamp, headers, undefined, sink.partitioner);
      return;
    }
    const tooLarge = this.checkSize(topic, key, value, headers);
    if (tooLarge !== undefined) {
      this.handle('production', this.handlers.production, tooLarge, meta, this.currentRaw, this.currentTask, sink.name);
      return;
    }
    this.collector.send(topic, key, value, record.timestamp, headers, undefined, sink.partitioner);
  };

  /**
   * Key and value bytes that resolve once both serializations settle: to the bytes, or, when one
   * failed and the production handler skips the record, to {@link SKIPPED_RECORD}. Under 'fail' both
   * reject with the handler's ProcessingError.
   */
  private handleAsyncSerialization(
    topic: string,
    key: Buffer | null | Promise<Buffer>,
    value: Buffer | null | Promise<Buffer>,
    headers: Headers | undefined,
    meta: RecordMetadata,
    raw: FetchedRecord | undefined,
    task: RouterTask | undefined,
    sinkName: string,
  ): [MaybeBytes, MaybeBytes] {
    const outcome: Promise<readonly [Buffer | null, Buffer | null] | typeof SKIPPED_RECORD> = Promise.all([key, value]).then(
      (bytes) => {
        const tooLarge = this.checkSize(topic, bytes[0], bytes[1], headers);
        if (tooLarge === undefined) return bytes;
        this.handle('production', this.handlers.production, tooLarge, meta, raw, task, sinkName);
        return SKIPPED_RECORD as typeof SKIPPED_RECORD;
      },
      (err: unknown) => {
        this.handle('production', this.handlers.production, toError(err), meta, raw, task, sinkName);
        return SKIPPED_RECORD as typeof SKIPPED_RECORD;
      },
    );
    const keyBytes = outcome.then((o) => (o === SKIPPED_RECORD ? o : o[0]));
    const valueBytes = outcome.then((o) => (o === SKIPPED_RECORD ? o : o[1]));
    // The collector awaits the key first and stops at a rejection: the value's must not go unhandled.
    valueBytes.catch(() => undefined);
    keyBytes.catch(() => undefined);
    return [keyBytes, valueBytes];
  }

  /**
   * An output record larger than its topic accepts, found before the send (issue 11, problem 3):
   * a send holding it would fail as a whole and, under exactly_once, abort the transaction.
   */
  private checkSize(topic: string, key: Buffer | null, value: Buffer | null, headers: Headers | undefined): RecordTooLargeError | undefined {
    const limitOf = this.options.maxRecordBytes;
    if (limitOf === undefined) return undefined;
    const limit = limitOf(topic);
    // Cheap first: most records are far below the limit, and headers are counted only near it.
    if ((key?.length ?? 0) + (value?.length ?? 0) < limit / 2) return undefined;
    const size = recordBytes(key, value, headers);
    return size > limit ? new RecordTooLargeError(topic, size, limit) : undefined;
  }

  private toRecord(
    source: SourceRuntime,
    topic: string,
    partition: number,
    raw: FetchedRecord,
    key: unknown,
    value: unknown,
    partitionTime: number,
    task: RouterTask | undefined,
  ): StreamRecord<unknown, unknown> | undefined {
    const extractor = source.timestampExtractor ?? recordTimestamp;
    const timestamp = extractor({ topic, partition, offset: raw.offset, key, value, timestamp: raw.timestamp }, partitionTime);
    if (!(timestamp >= 0)) {
      // Kafka Streams skips a record whose extracted timestamp is negative, counted as dropped and
      // logged (its RecordQueue): the same here, with a line per interval rather than per record.
      this.dropsOf(task).add('invalid-timestamp', source.name, { topic, partition, offset: raw.offset }, () => `the timestamp extractor returned ${String(timestamp)}`);
      return undefined;
    }
    return new StreamRecord(key, value, timestamp, raw.headers);
  }

  /** The dropped-record counter of a task, or the router's own for a record of no task. */
  private dropsOf(task: RouterTask | undefined): DroppedRecords {
    return task?.drops ?? (this.unowned ??= new DroppedRecords('(none)', this.logger));
  }

  /** errors$ sees every record a handler took: fatal to the record, skipped or dead-lettered by its handler. */
  private reportHandled(stage: ErrorStage, error: Error, where: RecordMetadata, action: 'skipped' | 'dead-lettered', taskId: string | undefined): void {
    this.options.report?.(
      new StreamsError(`${stage} failed for the record at ${where.topic}-${where.partition} offset ${where.offset}: ${error.message}`, {
        category: 'fatal',
        action,
        cause: error,
        topic: where.topic,
        partition: where.partition,
        offset: where.offset,
        ...(taskId !== undefined ? { taskId } : {}),
      }),
    );
  }

  private onDeserializationError(err: unknown, source: SourceRuntime, topic: string, partition: number, raw: FetchedRecord, task: RouterTask | undefined): undefined {
    // A serde cannot know where its bytes came from: the handler gets the partition and offset on the error too.
    const error = toError(locate(err, { partition, offset: raw.offset }));
    this.handle('deserialization', this.handlers.deserialization, error, { topic, partition, offset: raw.offset }, raw, task, source.name);
    return undefined;
  }

  /**
   * Routes a failure to the stage's handler. A record the handler skips or dead-letters is counted
   * in its task's dropped records (`node`: where it failed, as far as known) on top of the handler's
   * own line; the dead-letter write and errors$ say the rest.
   */
  private handle(
    stage: ErrorStage,
    setting: ExceptionHandlerSetting,
    error: Error,
    meta: RecordMetadata,
    raw: FetchedRecord | undefined,
    task: RouterTask | undefined,
    node: string | undefined,
  ): void {
    const where = { topic: meta.topic, partition: meta.partition, offset: meta.offset };
    const taskId = task?.id;
    if (setting === 'fail') throw new ProcessingError(stage, error, where, taskId);
    if (isDependencyOutage(error)) {
      // The record is not bad: the schema registry is down (after the client's retries). Skipping or
      // dead-lettering it would lose good data. The ProcessingError is retriable: the task is closed
      // without committing this record and retried from it after a backoff, until taskTimeoutMs.
      this.logger.warn(`${stage} failed because the schema registry is unavailable; the task will retry this record (it is not bad data)`, {
        ...where,
        error: error.message,
      });
      throw new ProcessingError(stage, error, where, taskId);
    }
    if ((error as { code?: unknown }).code === 'SCHEMA_REGISTRY_REFUSED') {
      // Nor is it bad data when the registry refuses the app (credentials, TLS): skipping would drop
      // every record. The ProcessingError is fatal (no retry fixes a setting): the app stops with it.
      throw new ProcessingError(stage, error, where, taskId);
    }
    if (setting === 'log-and-continue') {
      this.skipped[stage]++;
      this.logger.warn(`${stage} failed, skipping the record: ${error.message}`, where);
      this.dropsOf(task).add(DROP_REASON[stage], node, where, () => error.message);
      this.reportHandled(stage, error, where, 'skipped', taskId);
      return;
    }
    if (typeof setting === 'function') {
      if (setting(error, where) === 'fail') throw new ProcessingError(stage, error, where, taskId);
      this.skipped[stage]++;
      this.dropsOf(task).add(DROP_REASON[stage], node, where, () => error.message);
      this.reportHandled(stage, error, where, 'skipped', taskId);
      return;
    }
    this.skipped[stage]++;
    this.dropsOf(task).add(DROP_REASON[stage], node, where, () => `sent to dead-letter topic ${setting.deadLetterTopic}: ${error.message}`);
    this.reportHandled(stage, error, where, 'dead-lettered', taskId);
    this.logger.warn(`${stage} failed, sending the record to dead-letter topic ${setting.deadLetterTopic}: ${error.message}`, where);
    this.collector.send(
      setting.deadLetterTopic,
      raw?.key ?? null,
      raw?.value ?? null,
      raw?.timestamp ?? Date.now(),
      deadLetterHeaders(raw?.headers, { stage, error, applicationId: this.applicationId, ...where }),
    );
  }
}

/** The dropped-record reason of a record a handler skipped or dead-lettered, by stage. */
const DROP_REASON = {
  deserialization: 'deserialization-error',
  processing: 'processing-error',
  production: 'production-error',
} as const satisfies Record<ErrorStage, DroppedRecordReason>;

/**
 * A failure of a dependency rather than of the record: the registry serdes' `SchemaRegistryUnavailableError`
 * (code `SCHEMA_REGISTRY_UNAVAILABLE`), raised after their retries with backoff.
 */
function isDependencyOutage(error: Error): boolean {
  return (error as { code?: unknown }).code === 'SCHEMA_REGISTRY_UNAVAILABLE';
}

/** Fills in, on a serde's error, what the serde could not know of the record: see SerdeError.locate. */
function locate(err: unknown, where: { part?: 'key' | 'value'; partition?: number; offset?: string }): unknown {
  return err instanceof SerdeError ? err.locate(where) : err;
}

/** A key or value being read, whose failure says which of the two it was. */
function partOf(read: unknown, part: 'key' | 'value'): unknown {
  return read instanceof Promise
    ? read.catch((err: unknown) => {
        throw locate(err, { part });
      })
    : read;
}

function toError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

function headersOrUndefined(headers: Headers): Headers | undefined {
  for (const _ in headers) return headers;
  return undefined;
}

