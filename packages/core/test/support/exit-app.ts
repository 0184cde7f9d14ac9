/**
 * The app process-exit.int.test.ts runs in child processes: input -> upper-case value -> output, where
 * the value `boom` throws in the processor (a fatal processing error under the default 'fail'
 * handler). Run it from the repository root:
 *
 *   node --conditions=@rivulet/source --import tsx packages/core/test/support/exit-app.ts \
 *     --mode run-app|bare --brokers 127.0.0.1:9092 --application-id app --input in --output out \
 *     [--guarantee exactly_once]
 *
 * - `--mode run-app`: the app runs under runApp, which owns signals and the exit code.
 * - `--mode bare`: no runApp, no process.exit. After one record is processed the app is closed
 *   (or, after `boom`, it closes itself in ERROR); then the process must end by itself. If it does
 *   not, it prints what keeps it alive every second, on a timer that does not keep it alive.
 *   Its exit code is set through `process.exitCode`: 0 after NOT_RUNNING, 1 after ERROR.
 *
 * It prints one JSON line per event on stdout:
 *   {"event":"state","state":"RUNNING"}          each state change
 *   {"event":"processed","value":"..."}          each record the processor saw
 *   {"event":"error","message":"..."}            each error of errors$
 *   {"event":"ended","state":"NOT_RUNNING"}      bare mode: the app ended (close() resolved, or ERROR)
 *   {"event":"alive","resources":[...],"handles":[...]}  bare mode: still alive a second after that
 */
import { parseArgs } from 'node:util';
import { serdes } from '@rivulet/serde';
import { runApp, StreamsApp, Topology, type ProcessingGuarantee, type ProcessorContext, type ProcessorSupplier } from '../../src/index.js';

const { values } = parseArgs({
  options: {
    mode: { type: 'string' },
    brokers: { type: 'string' },
    'application-id': { type: 'string' },
    input: { type: 'string' },
    output: { type: 'string' },
    guarantee: { type: 'string', default: 'at_least_once' },
  },
  strict: true,
});

function required(name: keyof typeof values): string {
  const value = values[name];
  if (value === undefined || value === '') throw new Error(`exit-app: --${name} is required`);
  return value;
}

function emit(event: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(event)}\n`);
}

const mode = required('mode');
if (mode !== 'run-app' && mode !== 'bare') throw new Error(`exit-app: --mode must be run-app or bare, got '${mode}'`);

let goodRecords = 0;
const upper: ProcessorSupplier<string, string, string, string> = () => {
  let ctx: ProcessorContext<string, string>;
  return {
    init: (context) => {
      ctx = context;
    },
    process: (record) => {
      emit({ event: 'processed', value: record.value });
      if (record.value === 'boom') throw new Error('boom: the processor failed on purpose');
      ctx.forward(record.withValue(record.value.toUpperCase()));
      goodRecords++;
    },
  };
};

const topology = new Topology()
  .addSource('in', required('input'), { key: serdes.string(), value: serdes.string() })
  .addProcessor('upper', upper, 'in')
  .addSink('out', required('output'), { key: serdes.string(), value: serdes.string() }, 'upper');

const app = new StreamsApp(topology, {
  applicationId: required('application-id'),
  brokers: required('brokers').split(','),
  processingGuarantee: values.guarantee as ProcessingGuarantee,
  commitIntervalMs: 100,
  logLevel: 'warn',
});
app.state$.subscribe((state) => emit({ event: 'state', state }));
app.errors$.subscribe((error: unknown) => emit({ event: 'error', message: (error as Error).message }));

/** What keeps this process alive: resource types, and the sockets' and timers' details. */
function aliveReport(): Record<string, unknown> {
  // _getActiveHandles is undocumented but says which socket (remote port) or timer it is.
  const handles = (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles().map((h) => {
    const handle = h as { constructor: { name: string }; remoteAddress?: string; remotePort?: number; fd?: number; hasRef?: () => boolean };
    const name = handle.constructor.name;
    if (handle.remotePort !== undefined) return `${name} -> ${handle.remoteAddress}:${handle.remotePort}`;
    return handle.fd !== undefined ? `${name} fd=${handle.fd}` : name;
  });
  return { event: 'alive', resources: process.getActiveResourcesInfo(), handles };
}

if (mode === 'run-app') {
  void runApp(app, { shutdownTimeoutMs: 15_000 });
} else {
  const ended = (): void => {
    emit({ event: 'ended', state: app.state });
    process.exitCode = app.state === 'ERROR' ? 1 : 0;
    // Unref'd: it reports what keeps the process alive without being one of those things.
    setInterval(() => emit(aliveReport()), 1000).unref();
  };
  app.state$.subscribe({ complete: () => setImmediate(ended) });
  // After the first good record: a clean close. After `boom`, the app closes itself in ERROR.
  const firstGood = new Promise<boolean>((resolve) => {
    const poll = setInterval(() => {
      if (goodRecords > 0 || app.state === 'ERROR') {
        clearInterval(poll);
        resolve(goodRecords > 0);
      }
    }, 50);
  });
  app.start().then(
    async () => {
      if (await firstGood) await app.close();
    },
    (err: unknown) => emit({ event: 'error', message: `start failed: ${(err as Error).message}` }),
  );
}
