/**
 * A Kafka broker of a test file's own, for fault tests that stop, kill, restart or wipe the broker:
 * the suite's shared broker (KAFKA_BROKERS) must never go down under the other files running next to
 * them. Each private broker gets two free ports (broker and controller) and its own home under
 * os.tmpdir(), and is run by scripts/kafka.mjs with a small heap.
 *
 * Starting one takes 10-20 s on a 2-core machine: a test file starts one in `beforeAll` and reuses
 * it across its tests. Every broker started here is tracked and closed in `afterAll` (registered
 * when this module is imported by a test file), even when a test fails, and killed synchronously
 * if the test worker exits first.
 *
 * @example
 * let broker: PrivateBroker;
 * beforeAll(async () => {
 *   broker = await startPrivateBroker();
 *   process.env['KAFKA_BROKERS'] = broker.bootstrap; // support/kafka.ts helpers now use it
 * });
 * it('rides out a broker crash', async () => {
 *   await broker.stop({ kill: true });
 *   await broker.restart();
 * });
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import {
  brokerSettings,
  restartBroker,
  startBroker,
  stopBrokerProcess,
  wipeAndStartBroker,
  type BrokerSettings,
} from '../../../../scripts/kafka.mjs';

/** A running (or stopped) private broker. */
export interface PrivateBroker {
  /** `127.0.0.1:<port>`. */
  readonly bootstrap: string;
  /** The broker's settings: ports, home, data dir, log file. */
  readonly settings: BrokerSettings;
  /** The broker process's pid now, or undefined while it is stopped. */
  readonly pid: number | undefined;
  /** The cluster id of the current data dir (changes with {@link PrivateBroker.wipeAndRestart}). */
  readonly clusterId: string | undefined;
  /**
   * Stops the broker process by its pid and keeps its data dir: SIGTERM (a controlled shutdown),
   * or with `kill` SIGKILL (a crash). Resolves once the process is gone.
   */
  stop(options?: { kill?: boolean }): Promise<void>;
  /** Starts the broker again on its data dir: same cluster, topics, offsets, transactions. */
  restart(): Promise<void>;
  /** Kills the broker, removes its data dir and starts a fresh one with a new cluster id. */
  wipeAndRestart(): Promise<void>;
  /** Stops the broker and removes its home. Safe to call more than once. */
  close(): Promise<void>;
  /** The last lines of the broker's log, for a failure report. */
  logTail(lines?: number): string;
}

const open = new Set<PrivateBroker>();

/** Two distinct ports the OS reports free now (both held until both are chosen). */
async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<net.Server>((resolve, reject) => {
          const server = net.createServer();
          server.once('error', reject);
          server.listen(0, '127.0.0.1', () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as net.AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  return ports;
}

/**
 * Starts a broker of this test file's own on free ports, under a new home in os.tmpdir().
 *
 * @param options.heap - The broker's JVM heap (default 512m: a private broker holds a few topics).
 */
export async function startPrivateBroker(options: { heap?: string } = {}): Promise<PrivateBroker> {
  const [port, controllerPort] = await freePorts(2);
  const home = mkdtempSync(join(tmpdir(), 'rivulet-private-kafka-'));
  const settings = brokerSettings({
    ...process.env,
    KAFKA_PORT: String(port),
    KAFKA_CONTROLLER_PORT: String(controllerPort),
    RIVULET_KAFKA_HOME: home,
    KAFKA_HEAP: options.heap ?? '512m',
  });
  let pid: number | undefined;
  let clusterId: string | undefined;
  let closed = false;
  const broker: PrivateBroker = {
    bootstrap: settings.bootstrap,
    settings,
    get pid() {
      return pid;
    },
    get clusterId() {
      return clusterId;
    },
    async stop({ kill = false } = {}) {
      await stopBrokerProcess(settings, { kill });
      pid = undefined;
    },
    async restart() {
      ({ pid } = await restartBroker(settings));
    },
    async wipeAndRestart() {
      ({ pid, clusterId } = await wipeAndStartBroker(settings));
    },
    async close() {
      if (closed) return;
      closed = true;
      open.delete(broker);
      try {
        // Its data is thrown away: no need for a controlled shutdown.
        await stopBrokerProcess(settings, { kill: true, quiet: true });
      } finally {
        pid = undefined;
        rmSync(home, { recursive: true, force: true });
      }
    },
    logTail(lines = 40) {
      try {
        return execFileSync('tail', ['-n', String(lines), settings.logFile], { encoding: 'utf8' });
      } catch {
        return '(no broker log)';
      }
    },
  };
  open.add(broker);
  try {
    const started = await startBroker(settings);
    pid = started.pid;
    clusterId = started.clusterId;
  } catch (err) {
    await broker.close();
    throw err;
  }
  return broker;
}

/** Closes every private broker still open (the afterAll below does it for each test file). */
export async function closeAllPrivateBrokers(): Promise<void> {
  await Promise.all([...open].map((b) => b.close()));
}

afterAll(closeAllPrivateBrokers, 60_000);

// A worker that exits without running afterAll (a crash, process.exit) must not leave a JVM behind:
// the broker runs detached in its own process group, so kill the group synchronously on the way out.
process.once('exit', () => {
  for (const broker of open) {
    const pid = broker.pid;
    if (pid === undefined) continue;
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
    rmSync(broker.settings.home, { recursive: true, force: true });
  }
});
