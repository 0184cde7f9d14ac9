/**
 * The bank app alone, for the crash test to run in a child process, kill with SIGKILL and start
 * again: `node --conditions=@rivulet/source --import tsx apps/examples/test/support/bank-app.ts`
 * with the environment
 *
 *   KAFKA_BROKERS, BANK_APPLICATION_ID, BANK_TRANSFERS, BANK_BALANCES, BANK_STATE_DIR
 *
 * It prints `state <STATE>` on every state change (the test waits for `state RUNNING`) and runs
 * under runApp: SIGTERM closes the app, then the process exits 0 after a clean close, 1 after a
 * fatal error.
 */
import { runApp, StreamsApp } from '@rivulet/core';
import { bankTopology } from '../../src/bank/topology.js';

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`bank-app: ${name} is required`);
  return value;
}

const app = new StreamsApp(bankTopology({ transfers: env('BANK_TRANSFERS'), balances: env('BANK_BALANCES') }), {
  applicationId: env('BANK_APPLICATION_ID'),
  brokers: env('KAFKA_BROKERS'),
  processingGuarantee: 'exactly_once',
  stateDir: env('BANK_STATE_DIR'),
  logLevel: 'error',
  // A killed member holds its tasks until its session times out: keep that short (the broker's minimum).
  consumer: { sessionTimeoutMs: 6_000, heartbeatIntervalMs: 1_000 },
});

app.state$.subscribe((state) => process.stdout.write(`state ${state}\n`));
app.errors$.subscribe((error) => process.stdout.write(`error ${error.message}\n`));
void runApp(app);
