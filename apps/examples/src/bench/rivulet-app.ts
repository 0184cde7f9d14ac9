/**
 * The Rivulet scenarios: a StreamsApp with the benchmark's topology and the scenario's processing
 * guarantee, every other setting at its default (exactly_once commits every 100 ms, at_least_once
 * every 30 s).
 */
import { BroadcastChannel } from 'node:worker_threads';
import { StreamsApp, createConsoleLogger, type Logger, type StreamThreadsApp, type StreamsConfig } from '@rivulet/core';
import { Kafka, logLevel } from 'kafkajs';
import { committedOffsets, committedReached, endOffsets } from './input.js';
import { tableLoadTopology } from './join-topology.js';
import type { ScenarioSpec } from './protocol.js';
import { RIVULET_THREAD_MODULE, firstRecordChannel, topologyOf, type RivuletThreadData } from './rivulet-thread-module.js';
import { FirstRecordProbe } from './topologies.js';
import type { Workload, WorkloadHooks } from './workload.js';

const TABLE_LOAD_TIMEOUT_MS = 120_000;

/** Builds the scenario's topology and starts the app; resolves once it has joined its group. */
export async function startRivuletApp(spec: ScenarioSpec, hooks: WorkloadHooks): Promise<Workload> {
  const counted = { abortedTransactions: 0, sendFailures: 0 };
  const config: StreamsConfig = {
    applicationId: spec.groupId,
    brokers: spec.brokers,
    processingGuarantee: spec.guarantee ?? 'at_least_once',
    stateDir: spec.stateDir,
    // RIVULET_BENCH_LOG_LEVEL=info shows the task manager's lines (restores, rebalances) on stderr.
    logLevel: benchLogLevel(),
    logger: countingLogger(createConsoleLogger(benchLogLevel()), counted),
    // The metrics' cost: RIVULET_BENCH_METRICS_LEVEL=DEBUG records per record and per store call.
    ...(process.env['RIVULET_BENCH_METRICS_LEVEL'] === 'DEBUG' ? { metricsRecordingLevel: 'DEBUG' as const } : {}),
  };
  // Before the clock: the join's table, loaded by the same application (see join-topology.ts).
  const tableLoadMs = spec.kind === 'stream-table-join' && spec.table !== undefined ? await loadTable(config, spec.table) : undefined;
  const threads = spec.numStreamThreads ?? 1;
  let app: StreamsApp | StreamThreadsApp;
  let firstRecords: BroadcastChannel | undefined;
  if (threads > 1) {
    // The comparison bench's --threads: the module form, each thread building the topology in
    // rivulet-thread-module.ts; the first record of any thread is announced over a BroadcastChannel.
    // Function-valued settings (the counting logger) cannot go to the threads: the console's warn level only.
    firstRecords = new BroadcastChannel(firstRecordChannel(spec));
    firstRecords.onmessage = () => hooks.onFirstRecord();
    const { logger: _logger, ...plain } = config;
    const data: RivuletThreadData = { spec };
    app = StreamsApp.fromModule(RIVULET_THREAD_MODULE, { ...plain, numStreamThreads: threads }, { data });
  } else {
    const probe = new FirstRecordProbe(() => hooks.onFirstRecord());
    app = new StreamsApp(topologyOf(spec, probe), config);
  }
  let fatal: Error | undefined;
  app.errors$.subscribe((error) => {
    fatal = error;
    process.stderr.write(`[bench:${spec.id}] app error: ${error.message}\n`);
  });
  await app.start();

  let commitsAtEnd: number | undefined;
  return {
    consumed: () => {
      if (fatal !== undefined && app.state === 'ERROR') throw fatal;
      return app.metrics().recordsProcessed;
    },
    endMeasurement() {
      commitsAtEnd = app.metrics().commits;
    },
    async stop() {
      const before = app.metrics();
      await app.close();
      firstRecords?.close();
      const after = app.metrics();
      const measured = commitsAtEnd ?? before.commits;
      return {
        commitsWhileMeasured: measured,
        // Under exactly_once, this over the phase's length is the commit cadence the latency saw.
        commitsInLatencyPhase: before.commits - measured,
        commits: after.commits,
        rebalances: after.rebalances,
        tasks: before.tasks.length,
        ...counted,
        ...(tableLoadMs === undefined ? {} : { tableLoadMs }),
      };
    },
  };
}

/**
 * Runs the table alone under the scenario's applicationId until the group's committed offsets on
 * the table topic reach its end offsets (every table record processed in a committed transaction,
 * so the store's changelog holds the whole table), then closes it. Not "records processed >= table
 * records": that count includes records processed again after an aborted transaction or a
 * re-joined group, and an app closed on it could leave part of the table to the measured app, whose
 * stream records may then be joined before their table rows arrive. Returns how long it took,
 * start to close.
 */
async function loadTable(config: StreamsConfig, table: { readonly topic: string; readonly records: number }): Promise<number> {
  const startedAt = Date.now();
  const admin = new Kafka({ clientId: `${config.applicationId}-table-load`, brokers: [...config.brokers], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  // Committed every 100 ms whatever the guarantee: the warm-up waits for its commits, not the clock.
  const app = new StreamsApp(tableLoadTopology(table.topic), { ...config, commitIntervalMs: 100 });
  let fatal: Error | undefined;
  app.errors$.subscribe((error) => {
    fatal = error;
  });
  try {
    const ends = (await endOffsets(admin, table.topic)).byPartition;
    await app.start();
    while (!(await committedReached(admin, config.applicationId, table.topic, ends))) {
      // errors$ also reports consumer crashes kafkajs restarts from: only an app in ERROR has failed.
      if (fatal !== undefined && app.state === 'ERROR') throw new Error(`loading the table failed: ${fatal.message}`);
      if (Date.now() - startedAt > TABLE_LOAD_TIMEOUT_MS) {
        const committed = await committedOffsets(admin, config.applicationId, table.topic);
        const where = [...ends].map(([p, end]) => `${p}: ${committed.get(p) ?? -1n}/${end}`).join(', ');
        throw new Error(`loading the table: committed/end offsets ${where} after ${TABLE_LOAD_TIMEOUT_MS / 1000} s (${app.metrics().recordsProcessed} records processed)`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  } finally {
    await app.close();
    await admin.disconnect();
  }
  return Date.now() - startedAt;
}

function benchLogLevel(): 'warn' | 'info' | 'debug' {
  const level = process.env['RIVULET_BENCH_LOG_LEVEL'];
  return level === 'info' || level === 'debug' ? level : 'warn';
}

/**
 * The console logger, counting the failures that cost throughput without stopping the app: a
 * failed send of the record collector, and under exactly_once an aborted transaction (the task is
 * rebuilt and its records processed again).
 */
function countingLogger(inner: Logger, counted: { abortedTransactions: number; sendFailures: number }): Logger {
  return {
    debug: (message, extra) => inner.debug(message, extra),
    info: (message, extra) => inner.info(message, extra),
    warn: (message, extra) => {
      if (/^transaction of task \S+ failed/.test(message)) counted.abortedTransactions++;
      inner.warn(message, extra);
    },
    error: (message, extra) => {
      if (message.startsWith('sending records failed')) counted.sendFailures++;
      inner.error(message, extra);
    },
  };
}
