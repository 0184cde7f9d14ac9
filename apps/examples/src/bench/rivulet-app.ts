/**
 * Scenarios 2 to 4: a Rivulet StreamsApp with the benchmark's topology and the scenario's
 * processing guarantee, every other setting at its default (exactly_once commits every 100 ms,
 * at_least_once every 30 s).
 */
import { StreamsApp, createConsoleLogger, type Logger } from '@rivulet/core';
import type { ScenarioSpec } from './protocol.js';
import { FirstRecordProbe, countTopology, passThroughTopology } from './topologies.js';
import type { Workload, WorkloadHooks } from './workload.js';

/** Builds the scenario's topology and starts the app; resolves once it has joined its group. */
export async function startRivuletApp(spec: ScenarioSpec, hooks: WorkloadHooks): Promise<Workload> {
  const probe = new FirstRecordProbe(() => hooks.onFirstRecord());
  const topology = spec.kind === 'count' ? countTopology(spec.input, spec.output, probe) : passThroughTopology(spec.input, spec.output, probe);
  const counted = { abortedTransactions: 0, sendFailures: 0 };
  const app = new StreamsApp(topology, {
    applicationId: spec.groupId,
    brokers: spec.brokers,
    processingGuarantee: spec.guarantee ?? 'at_least_once',
    stateDir: spec.stateDir,
    logLevel: 'warn',
    logger: countingLogger(createConsoleLogger('warn'), counted),
  });
  let fatal: Error | undefined;
  app.errors$.subscribe((error) => {
    fatal = error;
    process.stderr.write(`[bench:${spec.id}] app error: ${error.message}\n`);
  });
  await app.start({ handleSignals: false });

  return {
    consumed: () => {
      if (fatal !== undefined && app.state === 'ERROR') throw fatal;
      return app.metrics().recordsProcessed;
    },
    async stop() {
      const before = app.metrics();
      await app.close();
      const after = app.metrics();
      return { commitsWhileMeasured: before.commits, commits: after.commits, rebalances: after.rebalances, tasks: before.tasks.length, ...counted };
    },
  };
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
