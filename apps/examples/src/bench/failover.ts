/**
 * Fail-over benchmark (issue 12, item 6, standby replicas): how long a task's new owner takes to
 * process again after its owner stops, for a store of 1,000,000 keys (a count per key, one input
 * partition, so one task), without a standby (`numStandbyReplicas: 0`) and with one (1).
 *
 *   npm run bench:failover
 *   npm run bench:failover -- --keys 200000 --store memory
 *   node --conditions=@rivulet/source --import tsx apps/examples/src/bench/failover.ts --help
 *
 * Each case runs two instances in child processes (failover-instance.ts), at_least_once:
 * 1. A starts and owns the task; B joins (with a standby: B keeps a standby copy of it).
 * 2. 1,000,000 records with distinct keys go in; A counts them all and commits; with a standby,
 *    B's copy follows the changelog to its end.
 * 3. crash: A is killed with SIGKILL, and a probe record is produced at once. The group notices
 *    when A's session expires (`--session-timeout-ms`, default 6000); B takes the task over,
 *    restores the changelog (all of it, or only the tail its standby copy lacks) and processes the
 *    probe. Measured: stop -> B processed the probe, and its parts.
 * 4. clean close: a fresh instance A2 (empty state folder: another machine) joins; with a standby
 *    it keeps the standby copy and follows the whole changelog first. B is closed cleanly (it
 *    leaves the group at once) and a probe is produced; A2 takes over. Measured the same way.
 * Prints a table and the ratios without/with a standby, and writes bench-results/failover-*.json.
 *
 * A fills the store with 64 KiB fetches (`maxBytesPerPartition`): with the 1 MiB default, a batch
 * of a backlog of small records makes a commit's send outlast its bound (a third of the 6 s session
 * timeout), the task rewinds and redoes the batch, again and again. The instances that take the
 * task over (B, A2) keep the defaults, so the restores and standby copies read 1 MiB fetches.
 *
 * A benchmark, not a test: figures from a broker shared with other runs are noisy.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Kafka, logLevel, Partitioners, type Admin, type Message } from 'kafkajs';
import { startBroker } from '../../../../scripts/kafka.mjs';
import type { FailoverInstanceMessage, FailoverInstanceSpec } from './failover-instance.js';
import { formatInt, formatRatio, formatTable } from './text-table.js';

const RESULTS_DIR = fileURLToPath(new URL('../../../../bench-results/', import.meta.url));
const INSTANCE = fileURLToPath(new URL('./failover-instance.ts', import.meta.url));
const CHUNK = 10_000;
const SENDS_IN_FLIGHT = 4;

type StoreKind = 'memory' | 'persistent';
type StopKind = 'crash' | 'close';

const USAGE = `Usage: npm run bench:failover -- [options]

  --keys N                distinct keys in the store (default 1000000)
  --store LIST            memory, persistent or both (default memory,persistent)
  --stop LIST             crash (SIGKILL), close (clean leave) or both (default crash,close)
  --session-timeout-ms N  the instances' consumer session timeout (default 6000, the broker's minimum)
  --keep-topics           keep the topics (default: deleted after each case)
  --from-json FILE        print the report of an earlier run's bench-results/failover-*.json, run nothing
  --help

Brokers: KAFKA_BROKERS if set, otherwise the local broker of scripts/kafka.mjs (started if needed).`;

interface Options {
  readonly fromJson: string | undefined;
  readonly keys: number;
  readonly stores: readonly StoreKind[];
  readonly stops: readonly StopKind[];
  readonly sessionTimeoutMs: number;
  readonly keepTopics: boolean;
}

function parseOptions(argv: readonly string[]): Options | undefined {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      keys: { type: 'string' },
      store: { type: 'string' },
      stop: { type: 'string' },
      'session-timeout-ms': { type: 'string' },
      'keep-topics': { type: 'boolean', default: false },
      'from-json': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return undefined;
  }
  const list = <T extends string>(name: string, raw: string | undefined, allowed: readonly T[]): T[] => {
    const items = raw === undefined ? [...allowed] : raw.split(',').map((s) => s.trim());
    for (const i of items) if (!(allowed as readonly string[]).includes(i)) throw new Error(`--${name}: '${i}' is not one of ${allowed.join(', ')}`);
    return allowed.filter((a) => items.includes(a));
  };
  const int = (name: string, raw: string | undefined, fallback: number, min: number): number => {
    if (raw === undefined) return fallback;
    const n = Number(raw.replaceAll('_', ''));
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer >= ${min}, got '${raw}'`);
    return n;
  };
  return {
    fromJson: values['from-json'],
    keys: int('keys', values.keys, 1_000_000, 1),
    stores: list('store', values.store, ['memory', 'persistent'] as const),
    stops: list('stop', values.stop, ['crash', 'close'] as const),
    sessionTimeoutMs: int('session-timeout-ms', values['session-timeout-ms'], 6_000, 1_000),
    keepTopics: values['keep-topics'],
  };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `check` every 100 ms until it is true; fails after `timeoutMs` with `what`. */
async function until(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string, instances: readonly Instance[] = []): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const i of instances) i.check();
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await sleep(100);
  }
}

/** Every instance process still running: killed if the benchmark itself exits or is interrupted. */
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});
process.once('SIGINT', () => process.exit(130));

/** One instance's child process and what it reported. */
class Instance {
  readonly messages: (FailoverInstanceMessage & { received: number })[] = [];
  status: Extract<FailoverInstanceMessage, { type: 'status' }> | undefined;
  state = 'CREATED';
  private failure: string | undefined;
  private exited = false;
  private expectedExit = false;

  private constructor(
    readonly label: string,
    readonly child: ChildProcess,
  ) {
    child.on('message', (m: FailoverInstanceMessage) => {
      if (m.type === 'status') {
        this.status = m;
        return;
      }
      this.messages.push({ ...m, received: Date.now() });
      if (m.type === 'state') this.state = m.state;
      else if (m.type === 'failed') this.failure ??= m.message;
      else if (m.type === 'log' && m.level === 'error') process.stderr.write(`[${label}] ${m.message}\n`);
    });
    child.on('exit', (code, signal) => {
      this.exited = true;
      if (!this.expectedExit) this.failure ??= `exited (${signal ?? code}) by itself`;
    });
  }

  static start(spec: FailoverInstanceSpec): Instance {
    const child = fork(INSTANCE, [JSON.stringify(spec)], { execArgv: process.execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    live.add(child);
    child.once('exit', () => live.delete(child));
    return new Instance(spec.label, child);
  }

  check(): void {
    if (this.failure !== undefined) throw new Error(`${this.label}: ${this.failure}`);
  }

  /** The reported messages of a type since `from` (epoch ms). */
  since<T extends FailoverInstanceMessage['type']>(type: T, from: number): Extract<FailoverInstanceMessage, { type: T }>[] {
    return this.messages.filter((m) => m.type === type && m.received >= from) as unknown as Extract<FailoverInstanceMessage, { type: T }>[];
  }

  /** SIGKILL: the crash. */
  async kill(): Promise<void> {
    this.expectedExit = true;
    if (!this.exited) this.child.kill('SIGKILL');
    await until(() => this.exited, 10_000, `${this.label} to die`);
  }

  /** Asks for a clean close (commit, leave the group); does not wait for it. */
  close(): void {
    this.expectedExit = true;
    if (!this.exited) this.child.send({ type: 'close' });
  }

  async closed(timeoutMs = 60_000): Promise<void> {
    await until(() => this.exited, timeoutMs, `${this.label} to close`);
  }
}

/** What one fail-over took. */
interface FailoverFigures {
  readonly store: StoreKind;
  readonly standbys: number;
  readonly stop: StopKind;
  /** Stop -> the new owner processed the probe record. */
  readonly failoverMs: number;
  /** Stop -> the probe's output read back from the output topic. */
  readonly outputMs: number;
  /** Stop -> the new owner's rebalance began (session expiry for a crash). */
  readonly detectMs: number | undefined;
  /** The restore alone: restore listener start -> end. */
  readonly restoreMs: number;
  readonly restoredRecords: number;
  readonly restoreFrom: string;
  readonly restoreTo: string;
  /** With a standby: how long the standby copy took to follow the whole changelog before the stop (close case: a fresh instance). */
  readonly standbyCatchUpMs: number | undefined;
  readonly tookOverStandby: boolean;
}

async function createTopics(admin: Admin, topics: readonly { topic: string; configs?: Record<string, string> }[]): Promise<void> {
  await admin.createTopics({
    waitForLeaders: false,
    topics: topics.map((t) => ({ topic: t.topic, numPartitions: 1, configEntries: Object.entries(t.configs ?? {}).map(([name, value]) => ({ name, value })) })),
  });
  await until(
    async () => {
      const { topics: found } = await admin.fetchTopicMetadata({ topics: topics.map((t) => t.topic) }).catch(() => ({ topics: [] as { partitions: { leader: number }[] }[] }));
      return found.length === topics.length && found.every((t) => t.partitions.length === 1 && t.partitions.every((p) => p.leader >= 0));
    },
    60_000,
    'topic leaders',
  );
}

async function endOffset(admin: Admin, topic: string): Promise<bigint> {
  const [p] = await admin.fetchTopicOffsets(topic);
  return BigInt(p?.high ?? '0');
}

async function committed(admin: Admin, groupId: string, topic: string): Promise<bigint> {
  const [entry] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return BigInt(entry?.partitions.find((p) => p.partition === 0)?.offset ?? '-1');
}

/** Produces `keys` records with distinct keys `k0000000`... (8-byte values), a few sends in flight. */
async function fill(kafka: Kafka, topic: string, keys: number, onProgress: (done: number) => void): Promise<void> {
  const producer = kafka.producer({ allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  try {
    let next = 0;
    let done = 0;
    const value = Buffer.alloc(8, 0x2e);
    const worker = async (): Promise<void> => {
      while (next < keys) {
        const from = next;
        const to = Math.min(from + CHUNK, keys);
        next = to;
        const messages: Message[] = new Array(to - from);
        for (let i = from; i < to; i++) messages[i - from] = { key: `k${String(i).padStart(7, '0')}`, value, partition: 0 };
        await producer.send({ topic, acks: -1, messages });
        done += to - from;
        onProgress(done);
      }
    };
    await Promise.all(Array.from({ length: SENDS_IN_FLIGHT }, worker));
  } finally {
    await producer.disconnect();
  }
}

/** Follows the output topic from its current end and notes when each probe key's output arrives. */
async function watchProbes(kafka: Kafka, topic: string): Promise<{ seen: Map<string, number>; stop: () => Promise<void> }> {
  const seen = new Map<string, number>();
  const consumer = kafka.consumer({ groupId: `failover-probe-${randomBytes(4).toString('hex')}`, maxWaitTimeInMs: 50 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: false });
  let joined = false;
  consumer.on(consumer.events.GROUP_JOIN, () => (joined = true));
  await consumer.run({
    eachBatch: async ({ batch }) => {
      const now = Date.now();
      for (const m of batch.messages) {
        const key = m.key?.toString() ?? '';
        if (key.startsWith('probe-') && !seen.has(key)) seen.set(key, now);
      }
    },
  });
  await until(() => joined, 30_000, 'the probe reader to join');
  // A new group starts at the latest offset: let it fetch once, so the 1M outputs are behind it.
  await sleep(500);
  return { seen, stop: () => consumer.disconnect() };
}

/**
 * Stops `owner` (SIGKILL or clean close), produces a probe at once, and measures until `taker`
 * has processed it and its output is read back.
 */
async function failOver(
  ctx: { kafka: Kafka; admin: Admin; input: string; probes: Map<string, number> },
  owner: Instance,
  taker: Instance,
  stop: StopKind,
  probeKey: string,
  all: readonly Instance[],
): Promise<Omit<FailoverFigures, 'store' | 'standbys' | 'standbyCatchUpMs'>> {
  const producer = ctx.kafka.producer({ allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const stoppedAt = Date.now();
  if (stop === 'crash') await owner.kill();
  else owner.close();
  await producer.send({ topic: ctx.input, acks: -1, messages: [{ key: probeKey, value: Buffer.from('probe'), partition: 0 }] });
  await producer.disconnect();
  const alive = all.filter((i) => i !== owner);
  await until(() => taker.since('probe', stoppedAt).some((m) => m.key === probeKey), 300_000, `${taker.label} to process ${probeKey}`, alive);
  const processedAt = taker.since('probe', stoppedAt).find((m) => m.key === probeKey)!.at;
  await until(() => ctx.probes.has(probeKey), 30_000, `the output of ${probeKey}`);
  if (stop === 'close') await owner.closed();
  const rebalancing = taker.since('state', stoppedAt).find((m) => m.state === 'REBALANCING');
  const restoreStart = taker.since('restore-start', stoppedAt)[0];
  const restoreEnd = taker.since('restore-end', stoppedAt)[0];
  if (restoreStart === undefined || restoreEnd === undefined) throw new Error(`${taker.label} reported no restore after the stop`);
  return {
    stop,
    failoverMs: processedAt - stoppedAt,
    outputMs: ctx.probes.get(probeKey)! - stoppedAt,
    detectMs: rebalancing === undefined ? undefined : rebalancing.at - stoppedAt,
    restoreMs: restoreEnd.at - restoreStart.at,
    restoredRecords: restoreEnd.restored,
    restoreFrom: restoreStart.start,
    restoreTo: restoreStart.end,
    tookOverStandby: taker.since('log', stoppedAt).some((m) => m.message.includes("takes over its standby copy's stores")),
  };
}

/** One store kind and standby count: a fill, then a crash of the owner and/or a clean close. */
async function runCase(kafka: Kafka, brokers: readonly string[], options: Options, store: StoreKind, standbys: number): Promise<FailoverFigures[]> {
  const admin = kafka.admin();
  await admin.connect();
  const tag = `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
  const applicationId = `failover-${store}-sb${standbys}-${tag}`;
  const input = `${applicationId}-in`;
  const output = `${applicationId}-out`;
  const changelog = `${applicationId}-counts-changelog`;
  const stateRoot = join(tmpdir(), 'rivulet-failover', applicationId);
  const instances: Instance[] = [];
  const label = `${store}, ${standbys} standby`;
  const say = (text: string) => process.stderr.write(`[failover] ${label}: ${text}\n`);
  const launch = (name: string) => {
    const i = Instance.start({
      maxBytesPerPartition: name === 'a' ? 65_536 : undefined,
      label: name,
      brokers,
      applicationId,
      input,
      output,
      stateDir: join(stateRoot, name),
      store,
      standbys,
      sessionTimeoutMs: options.sessionTimeoutMs,
      commitIntervalMs: 1_000,
    });
    instances.push(i);
    return i;
  };
  const standbyCaughtUp = async (i: Instance) => i.status?.standbyPosition !== undefined && BigInt(i.status.standbyPosition) >= (await endOffset(admin, changelog));
  const results: FailoverFigures[] = [];
  let probes: Awaited<ReturnType<typeof watchProbes>> | undefined;
  try {
    // The changelog is made here as Rivulet would (compacted), as the crash tests do.
    await createTopics(admin, [{ topic: input }, { topic: output }, { topic: changelog, configs: { 'cleanup.policy': 'compact' } }]);
    const a = launch('a');
    await until(() => a.state === 'RUNNING' && a.status?.tasks.includes('0_0') === true, 60_000, 'A running with task 0_0', instances);
    const b = launch('b');
    await until(() => b.state === 'RUNNING' && b.status !== undefined && a.state === 'RUNNING', 60_000, 'B running', instances);
    if (standbys > 0) await until(() => b.status?.standbyPosition !== undefined || b.messages.some((m) => m.type === 'log' && m.message.includes('keeping a standby copy of task 0_0')), 60_000, 'B keeping a standby of 0_0', instances);

    const fillStarted = Date.now();
    await fill(kafka, input, options.keys, (done) => {
      if (done % 200_000 === 0) say(`produced ${formatInt(done)}`);
    });
    await until(async () => (await committed(admin, applicationId, input)) >= BigInt(options.keys), 600_000, 'A counting every key', instances);
    const filledAt = Date.now();
    say(`A counted ${formatInt(options.keys)} keys in ${((filledAt - fillStarted) / 1000).toFixed(1)} s`);
    let catchUp: number | undefined;
    if (standbys > 0) {
      await until(() => standbyCaughtUp(b), 600_000, "B's standby copy following the changelog to its end", instances);
      catchUp = Date.now() - filledAt;
      say(`B's standby copy holds the whole changelog (${catchUp} ms after A's last commit)`);
    }
    probes = await watchProbes(kafka, output);
    const ctx = { kafka, admin, input, probes: probes.seen };

    if (options.stops.includes('crash')) {
      const f = await failOver(ctx, a, b, 'crash', 'probe-crash', instances);
      results.push({ store, standbys, standbyCatchUpMs: catchUp, ...f });
      say(`crash: ${f.failoverMs} ms (restore ${f.restoreMs} ms, ${formatInt(f.restoredRecords)} records)`);
    }
    if (options.stops.includes('close')) {
      // After the crash B owns the task: a fresh instance (another machine: an empty state folder)
      // joins and, with a standby, keeps the copy, following the whole changelog. Without the
      // crash, A owns it and B already keeps the copy.
      let owner = a;
      let taker = b;
      let catchUpClose = catchUp;
      if (options.stops.includes('crash')) {
        owner = b;
        taker = launch('a2');
        const joinedAt = Date.now();
        await until(() => taker.state === 'RUNNING' && taker.status !== undefined && owner.state === 'RUNNING', 60_000, 'A2 running', instances);
        catchUpClose = undefined;
        if (standbys > 0) {
          await until(() => standbyCaughtUp(taker), 600_000, "A2's standby copy following the changelog to its end", instances);
          catchUpClose = Date.now() - joinedAt;
          say(`A2 joined; its standby copy followed the whole changelog in ${catchUpClose} ms`);
        }
      }
      const f = await failOver(ctx, owner, taker, 'close', 'probe-close', instances);
      results.push({ store, standbys, standbyCatchUpMs: catchUpClose, ...f });
      say(`close: ${f.failoverMs} ms (restore ${f.restoreMs} ms, ${formatInt(f.restoredRecords)} records)`);
    }
  } finally {
    await probes?.stop().catch(() => undefined);
    for (const i of instances) i.close();
    await Promise.all(instances.map((i) => i.closed(30_000).catch(() => i.kill())));
    if (!options.keepTopics) await admin.deleteTopics({ topics: [input, output, changelog] }).catch(() => undefined);
    await admin.disconnect();
    rmSync(stateRoot, { recursive: true, force: true });
  }
  return results;
}

function report(results: readonly FailoverFigures[], options: Pick<Options, 'keys' | 'stores' | 'stops' | 'sessionTimeoutMs'>): string {
  const ms = (n: number | undefined) => (n === undefined ? '' : formatInt(n));
  const afterDetect = (r: FailoverFigures) => (r.detectMs === undefined ? undefined : r.failoverMs - r.detectMs);
  const rows: string[][] = [['store', 'stop', 'standbys', 'fail-over ms', 'output ms', 'detect ms', 'after detect ms', 'restore ms', 'restored', 'from..to', 'standby catch-up ms']];
  for (const r of results) {
    rows.push([
      r.store,
      r.stop,
      String(r.standbys) + (r.standbys > 0 && !r.tookOverStandby ? ' (not used!)' : ''),
      ms(r.failoverMs),
      ms(r.outputMs),
      ms(r.detectMs),
      ms(afterDetect(r)),
      ms(r.restoreMs),
      formatInt(r.restoredRecords),
      `${r.restoreFrom}..${r.restoreTo}`,
      ms(r.standbyCatchUpMs),
    ]);
  }
  const ratios: string[][] = [['store', 'stop', 'fail-over without/with', 'after detect without/with', 'restore ms without -> with']];
  for (const store of options.stores) {
    for (const stop of options.stops) {
      const without = results.find((r) => r.store === store && r.stop === stop && r.standbys === 0);
      const withOne = results.find((r) => r.store === store && r.stop === stop && r.standbys === 1);
      if (without === undefined || withOne === undefined) continue;
      const a = afterDetect(without);
      const b = afterDetect(withOne);
      ratios.push([
        store,
        stop,
        formatRatio(without.failoverMs / withOne.failoverMs),
        a === undefined || b === undefined ? '' : formatRatio(a / b),
        `${formatInt(without.restoreMs)} -> ${formatInt(withOne.restoreMs)}`,
      ]);
    }
  }
  return [
    `Fail-over with a ${formatInt(options.keys)}-key store (one task), at_least_once, session timeout ${options.sessionTimeoutMs} ms:`,
    formatTable(rows, new Set([3, 4, 5, 6, 7, 8, 10])),
    '',
    formatTable(ratios, new Set([2, 3, 4])),
    '',
    'fail-over: stop -> the new owner processed a probe record produced right after the stop; output: -> its output read back;',
    'detect: -> the new owner began to rebalance (a crash waits for the session timeout, a clean close for the old owner to commit and leave);',
    'after detect: the rest (rebalance, restore, first record); restore: the restore listener, start -> end.',
  ].join('\n');
}

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  if (options === undefined) return 0;
  if (options.fromJson !== undefined) {
    const saved = JSON.parse(readFileSync(options.fromJson, 'utf8')) as { options: Options; results: FailoverFigures[] };
    process.stdout.write(`${report(saved.results, saved.options)}\n`);
    return 0;
  }
  const startedAt = new Date().toISOString();
  let brokers = process.env['KAFKA_BROKERS']?.split(',').map((b) => b.trim());
  if (brokers === undefined) {
    const broker = await startBroker();
    if (broker.started) process.stderr.write(`[failover] started the local Kafka broker on ${broker.bootstrap} (stop it with: npm run kafka stop)\n`);
    brokers = [broker.bootstrap];
  }
  const kafka = new Kafka({ clientId: 'rivulet-failover-bench', brokers, logLevel: logLevel.NOTHING });
  const results: FailoverFigures[] = [];
  for (const store of options.stores) {
    for (const standbys of [0, 1]) results.push(...(await runCase(kafka, brokers, options, store, standbys)));
  }
  const text = report(results, options);
  process.stdout.write(`\n${text}\n`);
  mkdirSync(RESULTS_DIR, { recursive: true });
  const path = join(RESULTS_DIR, `failover-${startedAt.replaceAll(':', '-').replaceAll('.', '-')}.json`);
  const environment = { node: process.version, platform: `${process.platform}-${process.arch}`, cpus: cpus().length, brokers };
  writeFileSync(path, `${JSON.stringify({ startedAt, finishedAt: new Date().toISOString(), environment, options, results }, null, 2)}\n`);
  process.stdout.write(`\nresults: ${path}\n`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`[failover] ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
