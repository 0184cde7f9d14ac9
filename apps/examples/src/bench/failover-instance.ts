/**
 * One instance of the fail-over benchmark's app (failover.ts forks it): a running count per key in
 * a logged store (in memory or persistent), each new count to the output, with the instance's
 * `numStandbyReplicas`. It reports over IPC, with wall-clock times, what the parent measures:
 * state changes, rebalances, the restore listener's start and end, the moment it processes a probe
 * record (key `probe-*`), and every 250 ms how far its standby copy holds the changelog. On a
 * `close` message it closes cleanly (commit, leave the group) and exits; SIGKILL is the crash.
 */
import { StreamsApp, Stores, Topology, createConsoleLogger, type KeyValueStore, type Logger, type ProcessorContext, type ProcessorSupplier } from '@rivulet/core';
import { serdes } from '@rivulet/serde';

/** What the parent passes as JSON in argv[2]. */
export interface FailoverInstanceSpec {
  readonly label: string;
  readonly brokers: readonly string[];
  readonly applicationId: string;
  readonly input: string;
  readonly output: string;
  readonly stateDir: string;
  readonly store: 'memory' | 'persistent';
  readonly standbys: number;
  readonly sessionTimeoutMs: number;
  readonly commitIntervalMs: number;
  /** The consumer's fetch size per partition; undefined: Rivulet's default (1 MiB). */
  readonly maxBytesPerPartition: number | undefined;
}

/** Instance -> parent. Times are epoch ms. */
export type FailoverInstanceMessage =
  | { readonly type: 'state'; readonly state: string; readonly at: number }
  | { readonly type: 'rebalance'; readonly gained: string[]; readonly lost: string[]; readonly tasks: string[]; readonly durationMs: number; readonly at: number }
  | { readonly type: 'restore-start'; readonly start: string; readonly end: string; readonly at: number }
  | { readonly type: 'restore-end'; readonly restored: number; readonly at: number }
  | { readonly type: 'probe'; readonly key: string; readonly at: number }
  /** `standbyPosition`: the offset after the last changelog record the standby copy of 0_0 applied, if it keeps one. */
  | { readonly type: 'status'; readonly tasks: string[]; readonly processed: number; readonly standbyPosition: string | undefined }
  | { readonly type: 'log'; readonly level: string; readonly message: string }
  | { readonly type: 'failed'; readonly message: string };

/** Parent -> instance. */
export type FailoverParentMessage = { readonly type: 'close' };

export const FAILOVER_STORE = 'counts';

function tell(message: FailoverInstanceMessage): void {
  process.send?.(message);
}

/** input -> count per key in the logged store `counts` -> output; a `probe-*` key is reported when processed. */
function countTopology(spec: FailoverInstanceSpec): Topology {
  const count: ProcessorSupplier<string, Buffer, string, bigint> = () => {
    let ctx: ProcessorContext<string, bigint>;
    let store: KeyValueStore<string, bigint>;
    return {
      init: (context) => {
        ctx = context;
        store = context.getStateStore<KeyValueStore<string, bigint>>(FAILOVER_STORE);
      },
      process: (record) => {
        const next = (store.get(record.key) ?? 0n) + 1n;
        store.put(record.key, next);
        ctx.forward(record.withValue(next));
        if (record.key.startsWith('probe-')) tell({ type: 'probe', key: record.key, at: Date.now() });
      },
    };
  };
  const engine = spec.store === 'persistent' ? Stores.persistentKeyValueStore(FAILOVER_STORE) : Stores.inMemoryKeyValueStore(FAILOVER_STORE);
  return new Topology()
    .addSource('in', spec.input, { key: serdes.string(), value: serdes.bytes() })
    .addProcessor('count', count, 'in')
    .addStateStore(Stores.keyValueStoreBuilder(engine, serdes.string(), serdes.int64()), 'count')
    .addSink('out', spec.output, { key: serdes.string(), value: serdes.int64() }, 'count');
}

/**
 * How far this instance's standby copy of task 0_0 holds its changelog. Rivulet has no public
 * view of standby tasks (Kafka Streams has StandbyUpdateListener and per-store lags), so the
 * benchmark reads the runtime's own bookkeeping: StreamsApp.manager.standbys.byPartition.
 */
function standbyPosition(app: StreamsApp): string | undefined {
  const manager = (app as unknown as { manager?: { standbys?: unknown } }).manager;
  const followed = (manager?.standbys as { byPartition?: Map<string, { position?: bigint }> } | undefined)?.byPartition;
  if (followed === undefined) return undefined;
  for (const [key, c] of followed) if (key.endsWith(':0')) return c.position?.toString();
  return undefined;
}

function main(): void {
  if (process.send === undefined) throw new Error('failover-instance.ts is started by failover.ts (fork), not on its own');
  const spec = JSON.parse(process.argv[2] ?? '') as FailoverInstanceSpec;
  const console = createConsoleLogger('warn');
  // Rivulet's own info lines about standbys and restores go to the parent; warnings and errors too.
  const logger: Logger = {
    debug: () => undefined,
    info: (message) => {
      if (/standby|restored/.test(message) && !message.startsWith('[kafkajs]')) tell({ type: 'log', level: 'info', message });
    },
    warn: (message, extra) => {
      console.warn(`[${spec.label}] ${message}`, extra);
      tell({ type: 'log', level: 'warn', message });
    },
    error: (message, extra) => {
      console.error(`[${spec.label}] ${message}`, extra);
      tell({ type: 'log', level: 'error', message });
    },
  };
  const app = new StreamsApp(countTopology(spec), {
    applicationId: spec.applicationId,
    brokers: [...spec.brokers],
    stateDir: spec.stateDir,
    processingGuarantee: 'at_least_once',
    commitIntervalMs: spec.commitIntervalMs,
    numStandbyReplicas: spec.standbys,
    clientId: spec.label,
    consumer: {
      sessionTimeoutMs: spec.sessionTimeoutMs,
      heartbeatIntervalMs: 1_000,
      ...(spec.maxBytesPerPartition !== undefined ? { maxBytesPerPartition: spec.maxBytesPerPartition } : {}),
    },
    logLevel: 'info',
    logger,
    stateRestoreListener: {
      onRestoreStart: (_tp, _store, start, end) => tell({ type: 'restore-start', start, end, at: Date.now() }),
      onRestoreEnd: (_tp, _store, restored) => tell({ type: 'restore-end', restored, at: Date.now() }),
    },
  });
  app.state$.subscribe((state) => tell({ type: 'state', state, at: Date.now() }));
  app.rebalances$.subscribe((e) => tell({ type: 'rebalance', gained: [...e.gained], lost: [...e.lost], tasks: [...e.tasks], durationMs: e.durationMs, at: Date.now() }));
  const status = setInterval(() => {
    const m = app.metrics();
    tell({ type: 'status', tasks: [...m.tasks], processed: m.recordsProcessed, standbyPosition: standbyPosition(app) });
  }, 250);
  process.on('message', (message: FailoverParentMessage) => {
    if (message.type !== 'close') return;
    clearInterval(status);
    void app.close().finally(() => {
      process.disconnect();
      setTimeout(() => process.exit(0), 200).unref();
    });
  });
  app.start().catch((err: unknown) => {
    tell({ type: 'failed', message: err instanceof Error ? err.message : String(err) });
    setTimeout(() => process.exit(1), 200).unref();
  });
}

main();
