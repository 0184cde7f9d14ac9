/**
 * Test support for unit tests of the runtime on the fake Kafka client: a real StreamsApp (and
 * through it the TaskManager) on a FakeCluster, with everything a test asserts on recorded as it
 * happens: the state history, every error on errors$, every log line, and how start() ended.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Headers } from '@rivulet/serde';
import { serdes } from '@rivulet/serde';
import { expect, vi } from 'vitest';
import { FakeCluster, type FakeClusterOptions, type FakeTopicRecord } from '../../client/internals/fake/fake-cluster.js';
import { FakeKafkaClient } from '../../client/internals/fake/fake-kafka-client.js';
import type { Logger } from '../../config/logger.js';
import type { StreamsConfig } from '../../config/streams-config.js';
import type { StreamsError } from '../../errors/streams-error.js';
import type { ProcessorContext } from '../../processor/processor-context.js';
import type { ProcessorSupplier } from '../../processor/processor.js';
import { Topology } from '../../topology/topology.js';
import { StreamsApp, type StreamsAppState } from '../streams-app.js';

/** One line a {@link RecordingLogger} received. */
export interface LogLine {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly message: string;
  readonly extra: Record<string, unknown> | undefined;
}

/** A logger that keeps every line, so a test can say what was (not) logged above info. */
export class RecordingLogger implements Logger {
  readonly lines: LogLine[] = [];
  debug(message: string, extra?: Record<string, unknown>): void {
    this.lines.push({ level: 'debug', message, extra });
  }
  info(message: string, extra?: Record<string, unknown>): void {
    this.lines.push({ level: 'info', message, extra });
  }
  warn(message: string, extra?: Record<string, unknown>): void {
    this.lines.push({ level: 'warn', message, extra });
  }
  error(message: string, extra?: Record<string, unknown>): void {
    this.lines.push({ level: 'error', message, extra });
  }
  /** The warn and error lines. */
  aboveInfo(): LogLine[] {
    return this.lines.filter((l) => l.level === 'warn' || l.level === 'error');
  }
}

/** How `start()` ended. */
export type StartOutcome = { readonly ok: true } | { readonly ok: false; readonly error: Error };

/** A StreamsApp on the fake cluster, with what it did recorded. */
export interface FakeAppRun {
  readonly app: StreamsApp;
  readonly client: FakeKafkaClient;
  /** Every state of `state$`, CREATED first. */
  readonly states: StreamsAppState[];
  /** Every error of `errors$`, in order. */
  readonly errors: StreamsError[];
  readonly logger: RecordingLogger;
  /** How `start()` ended (it never rejects unhandled). */
  readonly started: Promise<StartOutcome>;
}

/** Settings that keep a unit test fast: short commit interval, backoff and deadline. */
export const FAST: Partial<StreamsConfig> = {
  commitIntervalMs: 30,
  taskTimeoutMs: 5_000,
  retry: { initialRetryTimeMs: 10, maxRetryTimeMs: 50 },
  consumer: { heartbeatIntervalMs: 30, sessionTimeoutMs: 3_000 },
  producer: { lingerMs: 1 },
};

/**
 * A fake cluster and the apps started on it, cleaned up by {@link FakeWorld.dispose}: one per test.
 *
 * @example
 * const world = new FakeWorld({ input: 2, output: 2 });
 * const run = world.start(mapTopology(), { processingGuarantee: 'exactly_once' });
 * expect(await run.started).toEqual({ ok: true });
 * world.produce('input', ['k:v']);
 * await waitAllCommitted(world);
 * expect(world.values('output')).toEqual(['k:V']);
 */
export class FakeWorld {
  readonly cluster: FakeCluster;
  readonly runs: FakeAppRun[] = [];
  private readonly dirs: string[] = [];

  constructor(topics: Readonly<Record<string, number | { partitions: number; configs: Record<string, string> }>>, options: FakeClusterOptions = {}) {
    this.cluster = new FakeCluster(options);
    for (const [name, spec] of Object.entries(topics)) {
      if (typeof spec === 'number') this.cluster.createTopic(name, spec);
      else this.cluster.createTopic(name, spec.partitions, spec.configs);
    }
  }

  /** Starts an app on the cluster (applicationId `app` unless given), recording its states, errors and logs. */
  start(topology: Topology, config: Partial<StreamsConfig> = {}, client = new FakeKafkaClient(this.cluster)): FakeAppRun {
    const stateDir = mkdtempSync(join(tmpdir(), 'rivulet-failures-'));
    this.dirs.push(stateDir);
    const logger = new RecordingLogger();
    const app = new StreamsApp(
      topology,
      { applicationId: 'app', brokers: ['fake:9092'], stateDir, ...FAST, ...config, logger, consumer: { ...FAST.consumer, ...config.consumer } },
      () => client,
    );
    const states: StreamsAppState[] = [];
    const errors: StreamsError[] = [];
    app.state$.subscribe((s) => states.push(s));
    app.errors$.subscribe((e) => errors.push(e));
    const started: Promise<StartOutcome> = app.start().then(
      () => ({ ok: true }) as const,
      (error: unknown) => ({ ok: false, error: error as Error }) as const,
    );
    const run = { app, client, states, errors, logger, started };
    this.runs.push(run);
    return run;
  }

  /** Records of a topic as `key:value`, partition by partition in offset order. */
  values(topic: string, readCommitted = true): string[] {
    return this.cluster.records(topic, { readCommitted }).map(keyValue);
  }

  /** Appends `key:value` input records, e.g. `['a:1', 'b:2']`, with optional headers. */
  produce(topic: string, records: readonly string[], headers?: Headers): void {
    this.cluster.produce(
      topic,
      records.map((r) => {
        const [key, ...rest] = r.split(':');
        return { key: key!, value: rest.join(':'), ...(headers !== undefined ? { headers } : {}) };
      }),
    );
  }

  /** The end offsets of a topic's non-empty partitions as `topic:p` -> offset: what a group that is done has committed. */
  ends(topic: string): Map<string, string> {
    const ends = new Map<string, string>();
    for (let p = 0; ; p++) {
      const log = this.cluster.log(topic, p);
      if (log === undefined) break;
      if (log.highWatermark > 0) ends.set(`${topic}:${p}`, String(log.highWatermark));
    }
    return ends;
  }

  /** Closes every app (each close is bounded by the runtime), the cluster, and removes the state dirs. */
  async dispose(): Promise<void> {
    await Promise.all(this.runs.map((r) => r.app.close().catch(() => undefined)));
    this.cluster.close();
    for (const dir of this.dirs) rmSync(dir, { recursive: true, force: true });
  }
}

/** `key:value` of a record, both as strings. */
export function keyValue(r: FakeTopicRecord): string {
  return `${r.key?.toString() ?? ''}:${r.value?.toString() ?? ''}`;
}

/** Sorted copy, for comparing outputs across partitions. */
export function sorted(values: readonly string[]): string[] {
  return [...values].sort();
}

/** `n` input records `k<i % keys>:v<i>`, from `from`. */
export function numbered(n: number, from = 0, keys = 4): string[] {
  return Array.from({ length: n }, (_, i) => `k${(from + i) % keys}:v${from + i}`);
}

/** What the topology below writes for an input record: its value upper-cased (by default). */
export type ValueMapper = (value: string, key: string) => string;

/**
 * input -> map each value -> output, with the Processor API. The mapper may throw (a bug in user
 * code), return a huge value (a record too large) or count calls.
 */
export function mapTopology(mapper: ValueMapper = (v) => v.toUpperCase(), input = 'input', output = 'output'): Topology {
  const supplier: ProcessorSupplier<string, string, string, string> = () => {
    let ctx: ProcessorContext<string, string>;
    return {
      init: (context) => {
        ctx = context;
      },
      process: (record) => ctx.forward(record.withValue(mapper(record.value, record.key))),
    };
  };
  return new Topology()
    .addSource('in', input, { key: serdes.string(), value: serdes.string() })
    .addProcessor('map', supplier, 'in')
    .addSink('out', output, { key: serdes.string(), value: serdes.string() }, 'map');
}

/** Waits until the app is in `state`. */
export async function waitForState(run: FakeAppRun, state: StreamsAppState, timeout = 5_000): Promise<void> {
  await vi.waitFor(() => expect(run.app.state).toBe(state), { timeout, interval: 5 });
}

/** Waits until the group has committed the end of every non-empty partition of `topic`: all input done. */
export async function waitAllCommitted(world: FakeWorld, topic = 'input', timeout = 5_000): Promise<void> {
  await vi.waitFor(() => expect(world.cluster.committedOffsets('app')).toEqual(world.ends(topic)), { timeout, interval: 5 });
}

/** What a test compares of an errors$ event. */
export function describeError(e: StreamsError): Record<string, unknown> {
  return { name: e.name, category: e.category, action: e.action, taskId: e.taskId, topic: e.topic, partition: e.partition, offset: e.offset };
}

/** The transactional producers a client made for a task, e.g. `0_0` (one per time the task was opened). */
export function producersOf(run: FakeAppRun, taskId: string): number {
  return run.client.producers.filter((p) => p.transactionalId === `app-${taskId}`).length;
}

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
