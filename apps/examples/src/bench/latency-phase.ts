/**
 * The latency phase of a scenario, run after its throughput phase against the same running (and
 * so warm) app or raw loop: a producer feeds the input at a fixed rate, each record stamped with
 * its send time as its Kafka timestamp (CreateTime), and a read_committed consumer on the output
 * takes, per record, (the time its fetched batch is handed over) - (the record's timestamp).
 *
 * This relies on every scenario keeping the input's timestamp on its output, one output per input:
 * the raw loop copies it; Rivulet's sink writes the record's timestamp, which the pass-through,
 * the count (`withValue`) and the stream-table join (the stream record's) keep; the windowed count
 * emits every update, stamped with the newest timestamp of its window, which is the record just
 * added as long as each partition's timestamps rise, as they do here (one send in flight at a time).
 *
 * Both times are `Date.now()` in whole milliseconds; the samples are integers with an error
 * under 1 ms either way. The first second of the schedule is a warm-up and is not sampled (the
 * producer's first metadata request, the probe consumer's first fetches).
 */
import { Partitioners, type Kafka, type Message } from 'kafkajs';
import { createTopics, keyOf, uniqueTopic, valueOf, type InputShape } from './input.js';
import { summarizeLatencies, type LatencySummary } from './percentiles.js';
import type { ProgressLine } from './progress-line.js';
import { RatePacer } from './rate-pacer.js';

/** Sent at the rate but not sampled, before the measured part of the schedule. */
export const LATENCY_WARMUP_MS = 1_000;
/** At most this many records in one send, if the sender falls behind its schedule. */
const MAX_SEND = 1_000;
const JOIN_TIMEOUT_MS = 60_000;

/** How the latency phase feeds the input. */
export interface LatencySettings {
  /** Input records per second. */
  readonly ratePerSec: number;
  /** The sampled part of the schedule, after {@link LATENCY_WARMUP_MS}. */
  readonly durationMs: number;
  /** Give up waiting for the outputs after this long without a new one. */
  readonly drainTimeoutMs: number;
}

/** Where one scenario's latency phase runs. */
export interface LatencyTarget {
  readonly id: string;
  readonly input: string;
  readonly output: string;
  /** The probe consumer's group is `<groupId>-latency-probe`. */
  readonly groupId: string;
  /** The sequence number of the first record sent (the throughput phase used 0 .. N - 1). */
  readonly firstSeq: number;
  readonly shape: InputShape;
  /** Whether the record of this sequence number has an output (a filter's); every one has without it. */
  readonly keeps?: (seq: number) => boolean;
}

/** One scenario's end-to-end latency at a fixed input rate. */
export interface LatencyResult {
  readonly ratePerSec: number;
  readonly durationMs: number;
  readonly warmupMs: number;
  /** Input records sent, warm-up included. */
  readonly sent: number;
  /** Records sent over the time from the first send to the last send's acknowledgement. */
  readonly achievedRatePerSec: number;
  /** The furthest behind its schedule the producer ever started a send, in ms. */
  readonly maxSendLagMs: number;
  /** Output records seen with a timestamp from this phase, warm-up included. */
  readonly outputs: number;
  /** Expected (sent, less what a filter drops) but never seen on the output before the drain gave up (0 when complete). */
  readonly missing: number;
  /** p50, p99, max and mean over the samples (outputs of records sent after the warm-up); undefined if none. */
  readonly summary: LatencySummary | undefined;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const int = (n: number) => Math.round(n).toLocaleString('en-US');

/**
 * Runs the latency phase: joins a fresh probe group on the output at its end (auto offset reset
 * latest), and once it has fetched, sends `rate x (warm-up + duration)` records on schedule, then
 * waits until every one has been seen on the output (or no new output came for `drainTimeoutMs`).
 * `check` is called while it waits and should throw if the scenario's process has failed.
 */
export async function measureLatency(
  kafka: Kafka,
  target: LatencyTarget,
  settings: LatencySettings,
  progress: ProgressLine,
  check: () => void,
): Promise<LatencyResult> {
  const samples: number[] = [];
  let outputs = 0;
  let phaseStart = Number.POSITIVE_INFINITY;
  let sampleFrom = Number.POSITIVE_INFINITY;
  let lastOutputAt = Date.now();

  const consumer = kafka.consumer({
    groupId: `${target.groupId}-latency-probe`,
    readUncommitted: false,
    allowAutoTopicCreation: false,
    minBytes: 1,
    maxWaitTimeInMs: 100,
  });
  let joined = false;
  let fetchedSinceJoin = false;
  consumer.on(consumer.events.GROUP_JOIN, () => {
    joined = true;
  });
  consumer.on(consumer.events.FETCH, () => {
    if (joined) fetchedSinceJoin = true;
  });
  const producer = kafka.producer({ allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
  try {
    await producer.connect();
    await consumer.connect();
    // A fresh group with no committed offsets starts at the end: nothing of this phase is sent before it has fetched.
    await consumer.subscribe({ topic: target.output, fromBeginning: false });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        // One clock reading per fetched batch: its records all arrived together.
        const seenAt = Date.now();
        for (const message of batch.messages) {
          const timestamp = Number(message.timestamp);
          if (timestamp < phaseStart) continue;
          outputs++;
          if (timestamp >= sampleFrom) samples.push(seenAt - timestamp);
        }
        lastOutputAt = seenAt;
      },
    });
    const joinDeadline = Date.now() + JOIN_TIMEOUT_MS;
    while (!fetchedSinceJoin) {
      check();
      if (Date.now() > joinDeadline) throw new Error(`latency probe of ${target.id}: no fetch on ${target.output} within ${JOIN_TIMEOUT_MS / 1000} s`);
      progress.update(`[bench] ${target.id}: latency: the probe consumer is joining`);
      await sleep(20);
    }

    const pacer = new RatePacer(settings.ratePerSec, LATENCY_WARMUP_MS + settings.durationMs, Date.now());
    phaseStart = pacer.startMs;
    sampleFrom = pacer.startMs + LATENCY_WARMUP_MS;
    let sent = 0;
    let expected = 0;
    let maxSendLagMs = 0;
    let shownAt = 0;
    while (sent < pacer.total) {
      const now = Date.now();
      const due = pacer.dueBy(now);
      if (due <= sent) {
        await sleep(Math.max(1, pacer.waitFor(sent, now)));
        continue;
      }
      maxSendLagMs = Math.max(maxSendLagMs, now - pacer.scheduledAt(sent));
      const count = Math.min(due - sent, MAX_SEND);
      const messages: Message[] = new Array(count);
      const timestamp = String(now);
      for (let i = 0; i < count; i++) {
        const seq = target.firstSeq + sent + i;
        messages[i] = { key: keyOf(seq, target.shape.keys), value: valueOf(seq, target.shape.valueBytes), timestamp };
        if (target.keeps === undefined || target.keeps(seq)) expected++;
      }
      // One send in flight: each partition's timestamps rise (see the windowed count above).
      await producer.send({ topic: target.input, acks: -1, messages });
      sent += count;
      if (now - shownAt >= 250) {
        check();
        shownAt = now;
        progress.update(`[bench] ${target.id}: latency: sent ${int(sent)}/${int(pacer.total)} at ${int(settings.ratePerSec)} records/s, ${int(outputs)} outputs seen`);
      }
    }
    const achievedRatePerSec = sent / Math.max(0.001, (Date.now() - pacer.startMs) / 1000);

    lastOutputAt = Math.max(lastOutputAt, Date.now());
    while (outputs < expected && Date.now() - lastOutputAt < settings.drainTimeoutMs) {
      check();
      progress.update(`[bench] ${target.id}: latency: waiting for the outputs, ${int(outputs)}/${int(expected)} seen`);
      await sleep(20);
    }
    return {
      ratePerSec: settings.ratePerSec,
      durationMs: settings.durationMs,
      warmupMs: LATENCY_WARMUP_MS,
      sent,
      achievedRatePerSec,
      maxSendLagMs,
      outputs,
      missing: Math.max(0, expected - outputs),
      summary: summarizeLatencies(samples),
    };
  } finally {
    await consumer.disconnect().catch(() => undefined);
    await producer.disconnect().catch(() => undefined);
  }
}

/**
 * The floor under every scenario's figure: the same producer and probe consumer on one topic, with
 * no loop between them (what the produce, the broker and the read_committed fetch cost alone).
 */
export async function measureLatencyFloor(kafka: Kafka, shape: InputShape, settings: LatencySettings, progress: ProgressLine): Promise<LatencyResult> {
  const admin = kafka.admin();
  await admin.connect();
  const topic = uniqueTopic('bench-latency-floor');
  const groupId = uniqueTopic('bench-latency-floor');
  try {
    await createTopics(admin, [topic]);
    return await measureLatency(kafka, { id: 'floor', input: topic, output: topic, groupId, firstSeq: 0, shape }, settings, progress, () => undefined);
  } finally {
    await admin.deleteGroups([`${groupId}-latency-probe`]).catch(() => undefined);
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  }
}
