/**
 * A process whose app has ended can end (issue 11): under runApp it exits with the documented code
 * (0 after SIGTERM, 1 after a fatal error); without runApp, after `close()` or after ERROR, Rivulet
 * holds no socket, timer or client, so the process exits by itself, with no process.exit. Each test
 * runs test/support/exit-app.ts in a child process on the real broker.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { KafkajsClient } from '../src/client/internals/kafkajs/kafkajs-client.js';
import { brokers, createTopic, produce, readAll, uniqueName } from './support/kafka.js';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const EXIT_APP = fileURLToPath(new URL('./support/exit-app.ts', import.meta.url));

interface ChildEvent {
  event: 'state' | 'processed' | 'error' | 'ended' | 'alive';
  state?: string;
  value?: string;
  message?: string;
  resources?: string[];
  handles?: string[];
}

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** When the process closed, by Date.now(). */
  at: number;
}

/** One exit-app.ts child: its events, its output, its exit. */
class ExitAppChild {
  readonly process: ChildProcess;
  readonly events: (ChildEvent & { at: number })[] = [];
  readonly output: string[] = [];
  readonly exited: Promise<Exit>;
  exit: Exit | undefined;

  constructor(args: { mode: 'run-app' | 'bare'; applicationId: string; input: string; output: string; guarantee: string }) {
    const env = { ...process.env };
    delete env['NODE_OPTIONS'];
    const argv = [
      `--mode=${args.mode}`,
      `--brokers=${brokers().join(',')}`,
      `--application-id=${args.applicationId}`,
      `--input=${args.input}`,
      `--output=${args.output}`,
      `--guarantee=${args.guarantee}`,
    ];
    this.process = spawn(process.execPath, ['--conditions=@rivulet/source', '--import', 'tsx', EXIT_APP, ...argv], {
      cwd: REPO_ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    live.add(this);
    const started = Date.now();
    const stamp = () => `+${((Date.now() - started) / 1000).toFixed(1)}s`;
    createInterface({ input: this.process.stdout! }).on('line', (line) => {
      this.output.push(`${stamp()} ${line}`);
      if (line.startsWith('{')) {
        try {
          this.events.push({ ...(JSON.parse(line) as ChildEvent), at: Date.now() });
        } catch {
          // not an event
        }
      }
    });
    createInterface({ input: this.process.stderr! }).on('line', (line) => this.output.push(`${stamp()} ! ${line}`));
    this.exited = new Promise((resolve) => {
      // 'close', not 'exit': every line the child printed has been read by then.
      this.process.once('close', (code, signal) => {
        this.exit = { code, signal, at: Date.now() };
        live.delete(this);
        resolve(this.exit);
      });
    });
  }

  /** Waits for an event matching `predicate`; fails with the child's output if it exits or the time is up. */
  async waitFor(predicate: (e: ChildEvent) => boolean, timeoutMs: number, what: string): Promise<ChildEvent & { at: number }> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.events.find(predicate);
      if (found !== undefined) return found;
      if (this.exit !== undefined) throw new Error(`the child exited (${JSON.stringify(this.exit)}) before ${what}:\n${this.tail()}`);
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}:\n${this.tail()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** The exit, or a failure naming what keeps the child alive when it has not exited within `timeoutMs`. */
  async exitWithin(timeoutMs: number, what: string): Promise<Exit> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), timeoutMs)));
    const exit = await Promise.race([this.exited, timeout]);
    clearTimeout(timer);
    if (exit !== undefined) return exit;
    const alive = this.events.filter((e) => e.event === 'alive').at(-1);
    const why = alive === undefined ? 'it reported nothing' : `resources ${JSON.stringify(alive.resources)}, handles ${JSON.stringify(alive.handles)}`;
    throw new Error(`the child did not exit within ${timeoutMs} ms ${what}; ${why}\n${this.tail()}`);
  }

  tail(lines = 60): string {
    return this.output.slice(-lines).join('\n');
  }
}

const live = new Set<ExitAppChild>();

afterEach(async () => {
  // Only the children this file started, by their pid.
  const children = [...live];
  for (const child of children) child.process.kill('SIGKILL');
  await Promise.all(children.map((c) => c.exited));
});

async function setup(prefix: string) {
  const input = uniqueName(`${prefix}-in`);
  const output = uniqueName(`${prefix}-out`);
  await Promise.all([createTopic(input, 2), createTopic(output, 2)]);
  return { input, output, applicationId: uniqueName(prefix) };
}

const RUNNING_TIMEOUT_MS = 60_000;

describe('runApp in a child process', () => {
  it('SIGTERM closes the app and the process exits 0 within a few seconds', async () => {
    const child = new ExitAppChild({ mode: 'run-app', guarantee: 'exactly_once', ...(await setup('exit-sigterm')) });
    await child.waitFor((e) => e.state === 'RUNNING', RUNNING_TIMEOUT_MS, 'RUNNING');
    const sent = Date.now();
    child.process.kill('SIGTERM');
    const exit = await child.exitWithin(10_000, 'after SIGTERM');
    expect(exit, child.tail()).toMatchObject({ code: 0, signal: null });
    expect(exit.at - sent).toBeLessThan(10_000);
    expect(child.events.filter((e) => e.event === 'state').map((e) => e.state)).toEqual(['CREATED', 'REBALANCING', 'RUNNING', 'PENDING_SHUTDOWN', 'NOT_RUNNING']);
    expect(child.tail()).toContain('SIGTERM: closing the app');
  });

  it('a fatal processing error makes the process exit 1 within a few seconds, naming the error', async () => {
    const topics = await setup('exit-fatal');
    const child = new ExitAppChild({ mode: 'run-app', guarantee: 'at_least_once', ...topics });
    await child.waitFor((e) => e.state === 'RUNNING', RUNNING_TIMEOUT_MS, 'RUNNING');
    await produce(topics.input, [{ key: 'k', value: 'boom' }]);
    const failed = await child.waitFor((e) => e.event === 'processed' && e.value === 'boom', 30_000, 'the boom record');
    const exit = await child.exitWithin(10_000, 'after the fatal error');
    expect(exit, child.tail()).toMatchObject({ code: 1, signal: null });
    expect(exit.at - failed.at).toBeLessThan(10_000);
    expect(child.events.filter((e) => e.event === 'state').at(-1)?.state).toBe('ERROR');
    expect(child.output.some((l) => /! .*fatal error: .*boom: the processor failed on purpose/.test(l)), child.tail()).toBe(true);
  });
});

describe.each(['at_least_once', 'exactly_once'] as const)('without runApp (%s), the process ends by itself', (guarantee) => {
  it('after close(): no socket, timer or client is left', async () => {
    const topics = await setup('exit-close');
    const child = new ExitAppChild({ mode: 'bare', guarantee, ...topics });
    await child.waitFor((e) => e.state === 'RUNNING', RUNNING_TIMEOUT_MS, 'RUNNING');
    await produce(topics.input, [{ key: 'k', value: 'hello' }]);
    const ended = await child.waitFor((e) => e.event === 'ended', 30_000, 'the app to end');
    expect(ended.state).toBe('NOT_RUNNING');
    const exit = await child.exitWithin(5_000, 'after close() resolved');
    expect(exit, child.tail()).toMatchObject({ code: 0, signal: null });
    expect(exit.at - ended.at).toBeLessThan(5_000);
    // The close committed what it processed.
    expect((await readAll(topics.output)).map((r) => r.value)).toEqual(['HELLO']);
  });

  it('after ERROR (a fatal processing error): no socket, timer or client is left', async () => {
    const topics = await setup('exit-error');
    const child = new ExitAppChild({ mode: 'bare', guarantee, ...topics });
    await child.waitFor((e) => e.state === 'RUNNING', RUNNING_TIMEOUT_MS, 'RUNNING');
    await produce(topics.input, [{ key: 'k', value: 'boom' }]);
    const ended = await child.waitFor((e) => e.event === 'ended', 30_000, 'the app to end');
    expect(ended.state).toBe('ERROR');
    const exit = await child.exitWithin(5_000, 'after the app reached ERROR');
    expect(exit, child.tail()).toMatchObject({ code: 1, signal: null });
    expect(exit.at - ended.at).toBeLessThan(5_000);
    expect(child.events.some((e) => e.event === 'error' && /boom: the processor failed on purpose/.test(e.message ?? ''))).toBe(true);
  });
});

describe('KafkajsConsumer after disconnect()', () => {
  it('does not restart a crashed consumer kafkajs would restart, when disconnect() comes with the crash', async () => {
    const topic = uniqueName('exit-restart');
    await createTopic(topic, 1);
    await produce(topic, [{ key: 'k', value: 'v' }]);
    const silent = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
    // Short retries: the batch handler's error is retried 5 times, then the consumer crashes with a
    // retriable KafkaJSNumberOfRetriesExceeded, which kafkajs restarts from.
    const client = new KafkajsClient({
      brokers: brokers(),
      clientId: 'exit-restart',
      logLevel: 'nothing',
      logger: silent,
      retry: { initialRetryTimeMs: 50, maxRetryTimeMs: 200 },
    });
    const consumer = client.consumer({
      groupId: uniqueName('exit-restart-group'),
      readCommitted: false,
      fromBeginning: true,
      sessionTimeoutMs: 10_000,
      heartbeatIntervalMs: 1_000,
      rebalanceTimeoutMs: 10_000,
      maxBytesPerPartition: 1_048_576,
      maxBytes: 10_485_760,
      minBytes: 1,
      maxWaitTimeMs: 100,
    });
    const joins: number[] = [];
    const crashes: { restart: boolean; at: number }[] = [];
    let disconnected: Promise<void> | undefined;
    await consumer.connect();
    await consumer.subscribe([topic]);
    await consumer.run(
      async () => {
        throw new Error('the batch handler fails');
      },
      {
        onGroupJoin: () => void joins.push(Date.now()),
        onRebalancing: () => undefined,
        onCrash: (_error, restart) => {
          crashes.push({ restart, at: Date.now() });
          // The app closing as it hears of the crash: kafkajs's restart timer is set right after.
          disconnected ??= consumer.disconnect();
        },
      },
    );
    await eventuallyTrue(() => disconnected !== undefined, 30_000, 'the consumer to crash');
    await disconnected;
    const disconnectedAt = Date.now();
    expect(crashes).toHaveLength(1);
    expect(crashes[0]!.restart).toBe(true);
    // kafkajs restarts after 50-300 ms: well within this wait.
    await new Promise((r) => setTimeout(r, 2_000));
    expect(joins.filter((t) => t > disconnectedAt)).toEqual([]);
    expect(crashes).toHaveLength(1);
  });
});

async function eventuallyTrue(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
