/**
 * A child process running {@link finalCountsTopology} under exactly_once, for the suppress
 * integration test to kill by pid (SIGKILL: no commit, no close). Settings from the environment:
 * KAFKA_BROKERS, SUPPRESS_APPLICATION_ID, SUPPRESS_INPUT, SUPPRESS_OUTPUT, SUPPRESS_STATE_DIR.
 * Prints one JSON line per state change (`{"event":"state","state":"RUNNING"}`) and error.
 *
 *   node --conditions=@rivulet/source --import tsx packages/testing/test/support/suppress-app.ts
 */
import { StreamsApp } from '@rivulet/core';
import { finalCountsTopology } from './suppress-topology.js';

function env(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`suppress-app: ${name} is not set`);
  return value;
}

const emit = (event: Record<string, unknown>): void => void process.stdout.write(`${JSON.stringify(event)}\n`);

const app = new StreamsApp(finalCountsTopology(env('SUPPRESS_INPUT'), env('SUPPRESS_OUTPUT')), {
  applicationId: env('SUPPRESS_APPLICATION_ID'),
  brokers: env('KAFKA_BROKERS'),
  processingGuarantee: 'exactly_once',
  stateDir: env('SUPPRESS_STATE_DIR'),
  commitIntervalMs: 1_000,
  // The broker's minimum: the killed member's tasks move on quickly.
  consumer: { sessionTimeoutMs: 6_000, heartbeatIntervalMs: 1_000 },
  logLevel: 'error',
});
app.state$.subscribe((state) => emit({ event: 'state', state }));
app.errors$.subscribe((e) => emit({ event: 'error', category: e.category, message: e.message }));
process.on('SIGTERM', () => {
  void app.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
});
await app.start();
emit({ event: 'started' });
