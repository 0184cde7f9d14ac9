import { serdes } from '@rivulet/serde';
import { BehaviorSubject, Subject, type Observable } from 'rxjs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { KafkaClientPort } from '../client/internals/kafka-port.js';
import { StreamsError } from '../errors/streams-error.js';
import type { Logger } from '../config/logger.js';
import { TopologyError } from '../errors/topology-error.js';
import { Topology } from '../topology/topology.js';
import { EXIT_CODES, runApp, type ExitCode, type RunnableApp } from './run-app.js';
import { StreamsApp, type StreamsAppState } from './streams-app.js';

/** An app whose start and close the test scripts. */
class FakeApp implements RunnableApp {
  // PENDING_ERROR comes with the new state machine.
  readonly states = new BehaviorSubject<StreamsAppState | 'PENDING_ERROR'>('CREATED');
  readonly errorSubject = new Subject<StreamsError>();
  readonly state$ = this.states.asObservable() as Observable<StreamsAppState>;
  readonly errors$ = this.errorSubject.asObservable();
  started = 0;
  closed = 0;
  /** What start() does; by default it reaches RUNNING. */
  onStart: () => Promise<void> = async () => this.states.next('RUNNING');
  /** What close() does; by default it ends NOT_RUNNING, or waits for a failure to finish closing, as StreamsApp does. */
  onClose: () => Promise<void> = async () => {
    if (this.states.value === 'PENDING_ERROR' || this.states.value === 'ERROR') {
      await new Promise<void>((resolve) => this.states.subscribe({ complete: resolve }));
    } else this.end('NOT_RUNNING');
  };

  get state(): StreamsAppState {
    return this.states.value as StreamsAppState;
  }

  start(): Promise<void> {
    this.started++;
    return this.onStart();
  }

  close(): Promise<void> {
    this.closed++;
    return this.onClose();
  }

  /** A fatal error: errors$ first, then ERROR, and the app is done. */
  fail(error: Error): void {
    this.report(error, 'fatal');
    this.end('ERROR');
  }

  /** An error on errors$, as the runtime wraps it. */
  report(error: Error, category: 'retriable' | 'fatal'): void {
    this.errorSubject.next(new StreamsError(`task 0_0: ${error.message}`, { category, action: category === 'fatal' ? 'fatal' : 'retrying', cause: error }));
  }

  end(state: 'NOT_RUNNING' | 'ERROR'): void {
    if (this.states.closed) return;
    if (state === 'NOT_RUNNING') this.states.next('PENDING_SHUTDOWN');
    this.states.next(state);
    this.states.complete();
  }
}

function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const log = (level: string) => (message: string) => void lines.push(`${level} ${message}`);
  return { lines, debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}

const before = { SIGINT: process.listeners('SIGINT'), SIGTERM: process.listeners('SIGTERM') };

/** The listeners runApp installed. Called directly: emitting a real signal would reach the test runner's own. */
function installed(signal: 'SIGINT' | 'SIGTERM'): ((signal: NodeJS.Signals) => void)[] {
  return process.listeners(signal).filter((l) => !before[signal].includes(l)) as ((signal: NodeJS.Signals) => void)[];
}

function signal(name: 'SIGINT' | 'SIGTERM'): void {
  const listeners = installed(name);
  expect(listeners).toHaveLength(1);
  for (const l of listeners) l(name);
}

function run(appOrFactory: Parameters<typeof runApp>[0], shutdownTimeoutMs = 5_000) {
  const logger = recordingLogger();
  const exits: ExitCode[] = [];
  const done = runApp(appOrFactory, { logger, shutdownTimeoutMs, onExit: (code) => void exits.push(code) });
  return { logger, exits, done };
}

const topology = () =>
  new Topology()
    .addSource('in', 'input', { key: serdes.string(), value: serdes.string() })
    .addSink('out', 'output', { key: serdes.string(), value: serdes.string() }, 'in');

afterEach(() => {
  vi.useRealTimers();
  // Every run removes its listeners, whatever the way it ended.
  expect(installed('SIGINT')).toEqual([]);
  expect(installed('SIGTERM')).toEqual([]);
});

describe('runApp: bad configuration exits 2', () => {
  it('exits 2 with the problem on the error log when the factory throws a ConfigError', async () => {
    const { logger, exits, done } = run(
      () => new StreamsApp(topology(), { applicationId: 'app', brokers: ['127.0.0.1:9092'], processingGuarantee: 'exactly_once', producer: { acks: 0 } }),
    );
    await expect(done).resolves.toBe(EXIT_CODES.CONFIG);
    expect(exits).toEqual([2]);
    expect(logger.lines.join('\n')).toMatch(/^error bad configuration: Invalid Rivulet config: .*producer\.acks/m);
  });

  it('exits 2 for a TopologyError from an async factory', async () => {
    const { logger, done } = run(async () => {
      throw new TopologyError("sink topic 'output' not found: create it before starting the app");
    });
    await expect(done).resolves.toBe(2);
    expect(logger.lines).toEqual(["error bad configuration: sink topic 'output' not found: create it before starting the app"]);
  });

  it('exits 2 when start() rejects with a TopologyError (a missing topic)', async () => {
    const app = new FakeApp();
    app.onStart = async () => {
      app.fail(new TopologyError("source topic 'input' not found"));
      throw new TopologyError("source topic 'input' not found");
    };
    const { logger, done } = run(app);
    await expect(done).resolves.toBe(2);
    expect(logger.lines).toEqual(["error bad configuration: source topic 'input' not found"]);
  });

  it('exits 1, not 2, for any other error of the factory', async () => {
    const { logger, done } = run(() => {
      throw new Error('could not read the settings file');
    });
    await expect(done).resolves.toBe(1);
    expect(logger.lines).toEqual(['error fatal error: could not read the settings file']);
  });

  it('does not accept a zero deadline', () => {
    expect(() => runApp(new FakeApp(), { shutdownTimeoutMs: 0, onExit: () => undefined })).toThrow(/shutdownTimeoutMs must be > 0/);
  });
});

describe('runApp: a fatal error exits 1', () => {
  it('exits 1 when start() rejects, once the app has closed itself', async () => {
    const app = new FakeApp();
    app.onStart = async () => {
      app.states.next('PENDING_ERROR');
      setTimeout(() => app.end('ERROR'), 20);
      throw new Error('KafkaJSNumberOfRetriesExceeded: broker down\nstack line');
    };
    const { logger, exits, done } = run(app);
    await expect(done).resolves.toBe(1);
    expect(exits).toEqual([1]);
    expect(app.state).toBe('ERROR');
    expect(logger.lines).toEqual(['error fatal error: KafkaJSNumberOfRetriesExceeded: broker down']);
  });

  it('exits 1 with the error in one line when a running app reaches ERROR', async () => {
    const app = new FakeApp();
    const { logger, exits, done } = run(app);
    await vi.waitFor(() => expect(app.state).toBe('RUNNING'));
    app.report(new Error('fatal-looking but recovered: Closed connection'), 'retriable');
    app.report(new TypeError('cannot read x of undefined'), 'fatal');
    app.report(new Error('recovered after the fatal one: a consumer restart'), 'retriable');
    expect(exits).toEqual([]);
    app.end('ERROR');
    await expect(done).resolves.toBe(1);
    expect(logger.lines).toEqual(['error fatal error: task 0_0: cannot read x of undefined']);
  });

  it('exits 1 after the deadline when an app in ERROR never finishes closing', async () => {
    const app = new FakeApp();
    const { logger, done } = run(app, 50);
    await vi.waitFor(() => expect(app.state).toBe('RUNNING'));
    app.report(new Error('write after end'), 'fatal');
    app.states.next('PENDING_ERROR'); // and state$ never completes: a close that hangs
    await expect(done).resolves.toBe(1);
    expect(logger.lines).toEqual(['error fatal error: the app did not close within 50 ms; exiting', 'error fatal error: task 0_0: write after end']);
  });

  it('exits 1 for a real StreamsApp whose brokers cannot be reached', async () => {
    const unreachable = (): KafkaClientPort =>
      ({
        admin: () => ({
          connect: () => Promise.reject(new Error('Connection error: connect ECONNREFUSED 127.0.0.1:1')),
          disconnect: () => Promise.resolve(),
        }),
      }) as unknown as KafkaClientPort;
    // taskTimeoutMs 0: the first retriable failure at start is fatal (it would be retried for 5 minutes by default).
    const app = new StreamsApp(topology(), { applicationId: 'app', brokers: ['127.0.0.1:1'], logLevel: 'nothing', taskTimeoutMs: 0 }, unreachable);
    const { logger, done } = run(app);
    await expect(done).resolves.toBe(1);
    expect(app.state).toBe('ERROR');
    expect(logger.lines).toEqual([
      'error fatal error: the app could not recover within taskTimeoutMs (0 ms, 1 attempt): Connection error: connect ECONNREFUSED 127.0.0.1:1',
    ]);
  });
});

describe('runApp: closing', () => {
  it('closes the app on SIGTERM and exits 0 once it is NOT_RUNNING', async () => {
    const app = new FakeApp();
    const { logger, exits, done } = run(app);
    await vi.waitFor(() => expect(app.state).toBe('RUNNING'));
    signal('SIGTERM');
    await expect(done).resolves.toBe(0);
    expect(exits).toEqual([0]);
    expect(app.closed).toBe(1);
    expect(app.state).toBe('NOT_RUNNING');
    expect(logger.lines).toEqual(['info SIGTERM: closing the app (at most 5000 ms)']);
  });

  it('exits 1 when a close after SIGINT ends in ERROR', async () => {
    const app = new FakeApp();
    app.onClose = async () => app.fail(new Error('commit failed: fenced'));
    const { done } = run(app);
    await vi.waitFor(() => expect(app.state).toBe('RUNNING'));
    signal('SIGINT');
    await expect(done).resolves.toBe(1);
  });

  it('exits 1 when the close does not finish within the deadline', async () => {
    const app = new FakeApp();
    app.onClose = () => new Promise<void>(() => undefined);
    const { logger, done } = run(app, 50);
    await vi.waitFor(() => expect(app.state).toBe('RUNNING'));
    signal('SIGTERM');
    await expect(done).resolves.toBe(1);
    expect(logger.lines).toContain('error SIGTERM: the app did not close within 50 ms; exiting');
  });

  it('exits 1 at once on a second signal while closing', async () => {
    const app = new FakeApp();
    app.onClose = () => new Promise<void>(() => undefined);
    const { logger, done } = run(app);
    await vi.waitFor(() => expect(app.state).toBe('RUNNING'));
    signal('SIGINT');
    signal('SIGINT');
    await expect(done).resolves.toBe(1);
    expect(logger.lines).toContain('error SIGINT again while closing: exiting at once');
  });

  it('exits 0 when other code closes the app', async () => {
    const app = new FakeApp();
    const { exits, done } = run(app);
    await vi.waitFor(() => expect(app.state).toBe('RUNNING'));
    await app.close();
    await expect(done).resolves.toBe(0);
    expect(exits).toEqual([0]);
  });

  it('on a signal while the factory runs, closes the app without starting it', async () => {
    const app = new FakeApp();
    app.onClose = async () => app.states.complete();
    let build!: () => void;
    const built = new Promise<void>((r) => (build = r));
    const { done } = run(async () => {
      await built;
      return app;
    });
    signal('SIGTERM');
    build();
    await expect(done).resolves.toBe(0);
    expect(app.started).toBe(0);
    expect(app.closed).toBe(1);
  });
});
