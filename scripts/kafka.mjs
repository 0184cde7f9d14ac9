#!/usr/bin/env node
/**
 * The local Apache Kafka broker for development and tests: one combined broker+controller in KRaft
 * mode on 127.0.0.1, run from the official jars that Maven fetches (org.apache.kafka:kafka_2.13).
 *
 *   node scripts/kafka.mjs start    fetch the jars if needed, start on the data dir an earlier start left
 *                                   (topics, offsets and groups kept) or on a freshly formatted one, wait until it answers
 *   node scripts/kafka.mjs stop     stop the broker this script started; its data dir is kept for the next start
 *   node scripts/kafka.mjs reset    stop it if it runs and remove its data dir: the next start is a new, empty cluster
 *   node scripts/kafka.mjs status   say whether it runs, and where
 *   node scripts/kafka.mjs logs     print the tail of the broker log
 *   node scripts/kafka.mjs fetch    only fetch the jars
 *
 * With `--secure` (or KAFKA_SECURE=1) each command acts on the secured broker instead: a SASL_SSL
 * listener with SCRAM-SHA-512 users and ACLs on, on its own ports (9094 and 9095 by default) and home;
 * `start` prints the kafkajs client settings to use (scripts/kafka-secure.mjs, docs/security.md).
 *
 * Environment: KAFKA_VERSION (default below), KAFKA_PORT (9092), KAFKA_CONTROLLER_PORT (KAFKA_PORT + 1),
 * RIVULET_KAFKA_HOME (data dir, log and pid; default <tmp>/rivulet-kafka-<port>),
 * RIVULET_KAFKA_CACHE (jar cache; default ~/.cache/rivulet/kafka), KAFKA_START_TIMEOUT_MS (120000),
 * KAFKA_HEAP (1g), KAFKA_SECURE (1 for the secured broker), KAFKA_SCRAM_USERS (its SCRAM users besides
 * `admin`, comma-separated; default `app`).
 *
 * Also importable: `startBroker()` / `stopBroker()` are what the vitest global setup and scripts/test.mjs
 * use: by default a fresh cluster per run, removed at its end (`{ keepData: true }` is what the `start` and
 * `stop` commands pass). Fault tests
 * run a broker of their own (other ports and home, see packages/core/test/support/private-broker.ts)
 * and take it down with `stopBrokerProcess()` (SIGTERM or SIGKILL by pid, the data dir kept), bring
 * it back with `restartBroker()` (same data, same cluster), or replace it with `wipeAndStartBroker()`
 * (data dir removed, new cluster id).
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { prepareSecurity, readSecurity, scramFormatArgs, secureClientSettings, securePaths, secureServerProperties, tlsAnswers } from './kafka-secure.mjs';
import { fetchMavenJars } from './maven-jars.mjs';

// The secured broker's client settings and secrets, for its users (tests, examples) through this one door.
export { readSecurity, secureClientSettings, SECURE_ADMIN_USER } from './kafka-secure.mjs';

/** The one place the default broker version is pinned. */
export const DEFAULT_KAFKA_VERSION = '4.4.0';
/** slf4j binding so the broker writes a readable log; works with the slf4j 1.7 API of Kafka 3.9 and 4.x. */
const SLF4J_SIMPLE = 'org.slf4j:slf4j-simple:1.7.36';

export class BrokerError extends Error {
  constructor(message) {
    super(message);
    this.name = 'BrokerError';
  }
}

export function brokerSettings(env = process.env) {
  const version = env.KAFKA_VERSION || DEFAULT_KAFKA_VERSION;
  const secure = env.KAFKA_SECURE === '1' || env.KAFKA_SECURE === 'true';
  // The secured broker's own range, next to the plain one's 9092/9093.
  const port = Number((secure ? env.KAFKA_SECURE_PORT : undefined) || env.KAFKA_PORT || (secure ? 9094 : 9092));
  const controllerPort = Number(env.KAFKA_CONTROLLER_PORT || port + 1);
  if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new BrokerError(`KAFKA_PORT=${env.KAFKA_PORT} is not a port number`);
  const home = env.RIVULET_KAFKA_HOME || join(tmpdir(), `rivulet-kafka-${secure ? 'secure-' : ''}${port}`);
  const cache = env.RIVULET_KAFKA_CACHE || join(homedir(), '.cache', 'rivulet', 'kafka');
  return {
    version,
    port,
    controllerPort,
    home,
    libs: join(cache, version, 'libs'),
    pomDir: join(cache, version),
    dataDir: join(home, 'data'),
    logFile: join(home, 'broker.log'),
    pidFile: join(home, 'broker.pid'),
    configFile: join(home, 'server.properties'),
    startTimeoutMs: Number(env.KAFKA_START_TIMEOUT_MS || 120_000),
    heap: env.KAFKA_HEAP || '1g',
    bootstrap: `127.0.0.1:${port}`,
    secure,
    users: (env.KAFKA_SCRAM_USERS ?? 'app').split(',').map((u) => u.trim()).filter(Boolean),
  };
}

const say = (line) => process.stderr.write(`[kafka] ${line}\n`);

function commandExists(cmd, args) {
  const r = spawnSync(cmd, args, { stdio: 'ignore' });
  return !r.error;
}

/** Fetches kafka_2.13 and its runtime dependencies with Maven into the jar cache, once per version. */
export function fetchJars(s = brokerSettings()) {
  if (existsSync(join(s.libs, '.complete'))) return;
  if (!commandExists('mvn', ['-v'])) {
    throw new BrokerError('Maven (mvn) not found: install Maven to fetch the Kafka jars, or set KAFKA_BROKERS to an existing broker');
  }
  say(`fetching org.apache.kafka:kafka_2.13:${s.version} and its runtime dependencies with Maven (once per version)`);
  try {
    fetchMavenJars({ what: `org.apache.kafka:kafka_2.13:${s.version}`, libs: s.libs, pomDir: s.pomDir, dependencies: [`org.apache.kafka:kafka_2.13:${s.version}`, SLF4J_SIMPLE] });
  } catch (error) {
    throw new BrokerError(error.message);
  }
}

function pidAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function readPid(s) {
  if (!existsSync(s.pidFile)) return undefined;
  const pid = Number(readFileSync(s.pidFile, 'utf8').trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

function portFree(port) {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * Sends a Metadata request (v1, all topics) and resolves true when the broker answers it with at least
 * one broker in the response: the listener is up and the node has joined its own KRaft quorum.
 */
export function metadataAnswers(port, timeoutMs = 2000) {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const clientId = Buffer.from('rivulet-kafka-probe');
    // Request header v1: api_key=3 (Metadata), api_version=1, correlation_id, client_id; body: topics=null (-1).
    const body = Buffer.alloc(2 + 2 + 4 + 2 + clientId.length + 4);
    let o = 0;
    o = body.writeInt16BE(3, o);
    o = body.writeInt16BE(1, o);
    o = body.writeInt32BE(7, o);
    o = body.writeInt16BE(clientId.length, o);
    o += clientId.copy(body, o);
    body.writeInt32BE(-1, o);
    const size = Buffer.alloc(4);
    size.writeInt32BE(body.length);
    let received = Buffer.alloc(0);
    const done = (ok) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.once('error', () => done(false));
    socket.on('connect', () => socket.write(Buffer.concat([size, body])));
    socket.on('data', (chunk) => {
      received = Buffer.concat([received, chunk]);
      if (received.length < 4 || received.length < 4 + received.readInt32BE(0)) return;
      // Response: size, correlation_id, brokers array length.
      const correlationId = received.readInt32BE(4);
      const brokers = received.readInt32BE(8);
      done(correlationId === 7 && brokers > 0);
    });
  });
}

function tailOf(file, lines = 25) {
  if (!existsSync(file)) return '(no broker log)';
  return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
}

function lastErrorLine(file) {
  if (!existsSync(file)) return undefined;
  const lines = readFileSync(file, 'utf8').split('\n');
  return lines.reverse().find((l) => /ERROR|Exception|Error:/.test(l))?.trim();
}

function serverProperties(s) {
  const listeners = s.secure
    ? secureServerProperties(s, readSecurity(s.home))
    : [
        `listeners=PLAINTEXT://127.0.0.1:${s.port},CONTROLLER://127.0.0.1:${s.controllerPort}`,
        `advertised.listeners=PLAINTEXT://127.0.0.1:${s.port}`,
        'controller.listener.names=CONTROLLER',
        'inter.broker.listener.name=PLAINTEXT',
        'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
      ];
  return [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${s.controllerPort}`,
    ...listeners,
    `log.dirs=${s.dataDir}`,
    'num.partitions=1',
    // Internal topics live on this one node: replication 1, min ISR 1.
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=10',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'transaction.state.log.num.partitions=10',
    'default.replication.factor=1',
    'min.insync.replicas=1',
    // A consumer group forms at once instead of waiting 3 s for more members: tests rebalance often.
    'group.initial.rebalance.delay.ms=0',
    // Rivulet creates its internal topics itself; auto-creation would hide a missing create.
    'auto.create.topics.enable=false',
    'log.retention.hours=2',
    'log.segment.bytes=67108864',
    '',
  ].join('\n');
}

function javaArgs(s, mainClass, args) {
  return [
    `-Xmx${s.heap}`,
    '-Xms256m',
    '-XX:+UseG1GC',
    '-Djava.awt.headless=true',
    '-Dorg.slf4j.simpleLogger.showDateTime=true',
    '-Dorg.slf4j.simpleLogger.dateTimeFormat=HH:mm:ss.SSS',
    '-Dorg.slf4j.simpleLogger.log.org.apache.kafka.clients=warn',
    '-cp',
    `${s.libs}/*`,
    mainClass,
    ...args,
  ];
}

/**
 * The plain broker answers a Metadata request; the secured one completes a TLS handshake against its
 * CA and has logged that it started (its clients must log in before any Metadata request).
 */
async function brokerAnswers(s, timeoutMs, logFrom = 0) {
  if (!s.secure) return metadataAnswers(s.port, timeoutMs);
  const { caPem } = securePaths(s.home);
  if (!existsSync(caPem) || !(await tlsAnswers(s.port, readFileSync(caPem, 'utf8'), timeoutMs))) return false;
  // Only this start's lines: a restart appends to the log of the last one.
  return existsSync(s.logFile) && /Kafka Server started/.test(readFileSync(s.logFile).subarray(logFrom).toString('utf8'));
}

/** Status of the broker this script manages: running with a pid, or not. */
export async function brokerStatus(s = brokerSettings()) {
  const pid = readPid(s);
  const alive = pid !== undefined && pidAlive(pid);
  const answers = alive ? await brokerAnswers(s, 2000) : false;
  return { pid: alive ? pid : undefined, running: alive && answers, ...s };
}

/**
 * Starts the broker, or reuses the one this script already started. Resolves with
 * `{ bootstrap, started, keptData }`: started is false when a running broker was reused; keptData is
 * true when `keepData` found the data dir of an earlier start and started on it (a test run then
 * stops it with `{ keepData: true }`, leaving the data of `npm run kafka stop` as it found it).
 */
export async function startBroker(s = brokerSettings(), { keepData = false } = {}) {
  const status = await brokerStatus(s);
  if (status.running) {
    say(`reusing the broker already running (pid ${status.pid}) on ${s.bootstrap}`);
    return { bootstrap: s.bootstrap, started: false, pid: status.pid };
  }
  if (status.pid !== undefined) {
    // Our process is alive but does not answer: a half-dead broker. Replace it (its data kept if asked).
    await stopBroker(s, { quiet: true, keepData });
  }
  await checkCanStart(s);
  if (keepData && existsSync(join(s.dataDir, 'meta.properties'))) {
    // The data dir of an earlier start: same cluster id, topics, offsets and groups.
    writeFileSync(s.configFile, serverProperties(s), { mode: 0o600 });
    say(`starting on the data kept in ${s.dataDir} (npm run kafka reset wipes it)`);
    const { pid } = await launch(s, { appendLog: true });
    return { bootstrap: s.bootstrap, started: true, pid, keptData: true };
  }
  const clusterId = formatStorage(s);
  const { pid } = await launch(s, { appendLog: false });
  return { bootstrap: s.bootstrap, started: true, pid, clusterId };
}

/** Java present, both ports free, the jars fetched: what a start needs before it touches anything. */
async function checkCanStart(s) {
  if (!commandExists('java', ['-version'])) {
    throw new BrokerError('Java not found: install Java 17+ to run the local Kafka broker, or set KAFKA_BROKERS to an existing broker');
  }
  for (const port of [s.port, s.controllerPort]) {
    if (!(await portFree(port))) {
      throw new BrokerError(
        `port ${port} on 127.0.0.1 is taken by another process: stop it, choose other ports with KAFKA_PORT/KAFKA_CONTROLLER_PORT, or point KAFKA_BROKERS at that broker`,
      );
    }
  }
  fetchJars(s);
}

/** Removes the data dir and formats a fresh one with a new cluster id, which it returns. */
function formatStorage(s) {
  rmSync(s.dataDir, { recursive: true, force: true });
  mkdirSync(s.dataDir, { recursive: true });
  // The secured broker: new secrets and certificates for each new cluster, its users in the storage.
  const scram = s.secure ? scramFormatArgs(prepareSecurity(s)) : [];
  writeFileSync(s.configFile, serverProperties(s), { mode: 0o600 });
  // A KRaft cluster id is a base64url UUID without padding. One that starts with '-' would be read
  // as an option by the storage tool's argument parser (1 start in 64 failed so): Kafka's own
  // Uuid.randomUuid() skips those too.
  let clusterId;
  do clusterId = randomBytes(16).toString('base64url');
  while (clusterId.startsWith('-'));
  const format = spawnSync('java', javaArgs(s, 'kafka.tools.StorageTool', ['format', '-t', clusterId, '-c', s.configFile, ...scram]), {
    encoding: 'utf8',
  });
  if (format.status !== 0) {
    const reason = `${format.stdout}\n${format.stderr}`.trim().split('\n').filter(Boolean).slice(-3).join(' | ');
    throw new BrokerError(`formatting KRaft storage failed: ${reason}`);
  }
  return clusterId;
}

/** Runs the broker on the formatted data dir and waits until it answers a Metadata request. */
async function launch(s, { appendLog }) {
  const logFrom = appendLog && existsSync(s.logFile) ? statSync(s.logFile).size : 0;
  const out = openSync(s.logFile, appendLog ? 'a' : 'w');
  const child = spawn('java', javaArgs(s, 'kafka.Kafka', [s.configFile]), {
    detached: true,
    stdio: ['ignore', out, out],
  });
  child.unref();
  writeFileSync(s.pidFile, String(child.pid));
  say(`starting Kafka ${s.version} (pid ${child.pid}) on ${s.bootstrap}; log: ${s.logFile}`);

  const deadline = Date.now() + s.startTimeoutMs;
  while (Date.now() < deadline) {
    if (!pidAlive(child.pid)) {
      const why = lastErrorLine(s.logFile) ?? 'the broker exited';
      throw new BrokerError(`Kafka exited during start: ${why}\n--- tail of ${s.logFile} ---\n${tailOf(s.logFile)}`);
    }
    if (await brokerAnswers(s, 1000, logFrom)) {
      say(`Kafka ${s.version} is up on ${s.bootstrap}`);
      return { pid: child.pid };
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  await stopBroker(s, { quiet: true });
  throw new BrokerError(
    `Kafka did not answer on ${s.bootstrap} within ${s.startTimeoutMs} ms\n--- tail of ${s.logFile} ---\n${tailOf(s.logFile)}`,
  );
}

/** Sends `signal` to the broker's process group (it was started detached), or to the pid alone. */
function signalBroker(pid, signal) {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // Already gone.
    }
  }
}

/**
 * Stops the broker process this script started, by its pid, and KEEPS its data dir, so that
 * {@link restartBroker} brings the same cluster back: a broker outage, not a new broker. SIGTERM
 * (a controlled shutdown; SIGKILL after `timeoutMs` if it has not exited) or, with `kill`, SIGKILL
 * at once (a crash: no controlled shutdown, unflushed segments recovered at the next start).
 * Resolves with the pid stopped, or undefined when none was running.
 */
export async function stopBrokerProcess(s = brokerSettings(), { kill = false, timeoutMs = 20_000, quiet = false } = {}) {
  const pid = readPid(s);
  if (pid === undefined || !pidAlive(pid)) {
    rmSync(s.pidFile, { force: true });
    return undefined;
  }
  signalBroker(pid, kill ? 'SIGKILL' : 'SIGTERM');
  const deadline = Date.now() + (kill ? 10_000 : timeoutMs);
  while (pidAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  if (pidAlive(pid)) signalBroker(pid, 'SIGKILL');
  while (pidAlive(pid)) await new Promise((r) => setTimeout(r, 100));
  rmSync(s.pidFile, { force: true });
  if (!quiet) say(`${kill ? 'killed' : 'stopped'} the broker (pid ${pid}); its data dir ${s.dataDir} is kept`);
  return pid;
}

/**
 * Starts the broker again on the data dir a previous start formatted (same cluster id, same topics,
 * offsets and transactions), after {@link stopBrokerProcess}. Appends to the broker log.
 */
export async function restartBroker(s = brokerSettings()) {
  const status = await brokerStatus(s);
  if (status.pid !== undefined) throw new BrokerError(`the broker (pid ${status.pid}) is still running: stop it before a restart`);
  if (!existsSync(join(s.dataDir, 'meta.properties'))) {
    throw new BrokerError(`no formatted data dir at ${s.dataDir}: a restart needs the data of an earlier start (use startBroker for a new broker)`);
  }
  await checkCanStart(s);
  const { pid } = await launch(s, { appendLog: true });
  return { bootstrap: s.bootstrap, started: true, pid };
}

/**
 * A wiped broker: stops the running broker (SIGKILL), removes its data dir and starts a fresh one
 * with a new cluster id on the same ports. To its clients, every topic, offset, group and
 * transaction is gone.
 */
export async function wipeAndStartBroker(s = brokerSettings()) {
  await stopBrokerProcess(s, { kill: true, quiet: true });
  await checkCanStart(s);
  const clusterId = formatStorage(s);
  say(`wiped ${s.dataDir}; new cluster id ${clusterId}`);
  const { pid } = await launch(s, { appendLog: true });
  return { bootstrap: s.bootstrap, started: true, pid, clusterId };
}

/**
 * Stops the broker this script started (SIGTERM, then SIGKILL after 20 s) and removes its data dir,
 * unless `keepData` (what `npm run kafka stop` does, so the next start finds the same cluster).
 */
export async function stopBroker(s = brokerSettings(), { quiet = false, keepData = false } = {}) {
  const pid = readPid(s);
  if (pid !== undefined && pidAlive(pid)) {
    try {
      process.kill(-pid, 'SIGTERM');
    } catch {
      process.kill(pid, 'SIGTERM');
    }
    const deadline = Date.now() + 20_000;
    while (pidAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    if (pidAlive(pid)) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        process.kill(pid, 'SIGKILL');
      }
    }
    if (!quiet) say(`stopped the broker (pid ${pid})${keepData ? `; its data is kept in ${s.dataDir} (npm run kafka reset wipes it)` : ''}`);
  } else if (!quiet) {
    say('no broker started by this script is running');
  }
  if (!keepData) {
    rmSync(s.dataDir, { recursive: true, force: true });
    // The secured broker's CA, stores and passwords belong to the cluster just removed.
    if (s.secure) for (const f of [securePaths(s.home).dir, securePaths(s.home).file, s.configFile]) rmSync(f, { recursive: true, force: true });
  }
  rmSync(s.pidFile, { force: true });
}

/** Stops the broker if it runs and removes its data dir: the next start formats a new, empty cluster. */
export async function resetBroker(s = brokerSettings()) {
  await stopBroker(s, { quiet: true });
  say(`removed ${s.dataDir}: the next start is a new, empty cluster`);
}

/** What `start --secure` prints: the client settings of each SCRAM user, as kafkajs and Rivulet take them. */
function printSecureSettings(s) {
  const { caPem, file } = securePaths(s.home);
  const users = Object.keys(readSecurity(s.home).users);
  process.stdout.write(`SASL_SSL ${s.bootstrap} (SCRAM-SHA-512; CA certificate ${caPem}; passwords in ${file})\n`);
  for (const user of users) {
    const { brokers, sasl } = secureClientSettings(s, user);
    const settings = { brokers, ssl: { ca: [`<contents of ${caPem}>`] }, sasl };
    process.stdout.write(`${user === 'admin' ? 'super user' : 'user'} ${user}: ${JSON.stringify(settings)}\n`);
  }
  process.stdout.write('ACLs are on (allow.everyone.if.no.acl.found=false): grant an app its ACLs as admin (docs/security.md, rivulet topics --acls)\n');
}

async function main(command, flags) {
  const s = brokerSettings(flags.includes('--secure') ? { ...process.env, KAFKA_SECURE: '1' } : process.env);
  switch (command) {
    case 'start': {
      const { bootstrap } = await startBroker(s, { keepData: true });
      if (s.secure) printSecureSettings(s);
      else process.stdout.write(`${bootstrap}\n`);
      return;
    }
    case 'stop':
      await stopBroker(s, { keepData: true });
      return;
    case 'reset':
      await resetBroker(s);
      return;
    case 'status': {
      const st = await brokerStatus(s);
      process.stdout.write(
        st.running ? `running: Kafka ${s.version}, pid ${st.pid}, ${s.bootstrap}, log ${s.logFile}\n` : `not running (${s.bootstrap})\n`,
      );
      process.exitCode = st.running ? 0 : 3;
      return;
    }
    case 'logs':
      process.stdout.write(`${tailOf(s.logFile, 100)}\n`);
      return;
    case 'fetch':
      fetchJars(s);
      process.stdout.write(`${readdirSync(s.libs).filter((f) => f.endsWith('.jar')).length} jars in ${s.libs}\n`);
      return;
    default:
      process.stderr.write('usage: node scripts/kafka.mjs start|stop|reset|status|logs|fetch [--secure]\n');
      process.exitCode = 2;
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main(process.argv[2], process.argv.slice(3)).catch((err) => {
    process.stderr.write(`[kafka] ${err instanceof BrokerError ? err.message : err.stack ?? err}\n`);
    process.exit(1);
  });
}
