/**
 * The app rx-pipe-state.int.test.ts runs in a child process, to kill it: a stateless pipe() over
 * string records, `filter` (drops the values ending in `-skip`), `mergeMap` (two records per input,
 * `<value>:a` and `<value>:b`) and `map` (upper case), written to the output topic.
 *
 *   node --conditions=@rivulet/source --import tsx packages/testing/test/support/rx-pipe-app.ts \
 *     --brokers 127.0.0.1:9092 --application-id app --input in --output out \
 *     --guarantee exactly_once --state-dir /tmp/rivulet-rx-pipe/app --commit-interval-ms 500
 *
 * It prints one JSON line per event on stdout: `{"event":"state","state":"..."}` for each state
 * change, `{"event":"error","message":"..."}` for each error the app reports, and
 * `{"event":"closed","state":"..."}` at the end. It closes the app on SIGTERM.
 */
import { parseArgs } from 'node:util';
import { createConsoleLogger, StreamsApp, type ProcessingGuarantee, type StreamRecord } from '@rivulet/core';
import { serdes } from '@rivulet/serde';
import { StreamsBuilder } from '@rivulet/streams';
import { filter, map, mergeMap } from 'rxjs';

const { values } = parseArgs({
  options: {
    brokers: { type: 'string' },
    'application-id': { type: 'string' },
    input: { type: 'string' },
    output: { type: 'string' },
    guarantee: { type: 'string' },
    'state-dir': { type: 'string' },
    'commit-interval-ms': { type: 'string' },
  },
  strict: true,
});

function required(name: keyof typeof values): string {
  const value = values[name];
  if (value === undefined || value === '') throw new Error(`rx-pipe-app: --${name} is required`);
  return value;
}

const emit = (event: Record<string, unknown>): void => void process.stdout.write(`${JSON.stringify(event)}\n`);

const str = serdes.string();
const builder = new StreamsBuilder({ warn: () => undefined });
builder
  .source(required('input'), { key: str, value: str })
  .pipe(
    filter((r: StreamRecord<string, string>) => !r.value.endsWith('-skip')),
    mergeMap((r) => [r.withValue(`${r.value}:a`), r.withValue(`${r.value}:b`)]),
    map((r) => r.withValue(r.value.toUpperCase())),
  )
  .sink(required('output'), { key: str, value: str });

const app = new StreamsApp(builder.build(), {
  applicationId: required('application-id'),
  brokers: required('brokers'),
  processingGuarantee: required('guarantee') as ProcessingGuarantee,
  stateDir: required('state-dir'),
  commitIntervalMs: Number(values['commit-interval-ms'] ?? 500),
  // The broker's minimum: the killed member's partitions move to its successor quickly.
  consumer: { sessionTimeoutMs: 6_000, heartbeatIntervalMs: 1_000 },
  logLevel: 'warn',
  logger: createConsoleLogger('warn'),
});

app.state$.subscribe({
  next: (state) => emit({ event: 'state', state }),
  complete: () => {
    emit({ event: 'closed', state: app.state });
    if (app.state !== 'NOT_RUNNING') process.exitCode = 1;
  },
});
app.errors$.subscribe((e) => emit({ event: 'error', message: e.message }));
process.once('SIGTERM', () => void app.close());
app.start().catch((err: unknown) => {
  emit({ event: 'error', message: `start failed: ${(err as Error).message}` });
  process.exitCode = 1;
});
