import { afterEach, describe, expect, it, vi } from 'vitest';
import type { OutgoingRecord } from '../../../client/internals/kafka-port.js';
import { partitionForKey, type Partitioner } from '../../../client/partitioner.js';
import { RecordCollector, SendFailedError, UNSEAL_DELAY_MS, type BatchSender, type RecordCollectorOptions } from './record-collector.js';

/** A promise and the functions that settle it, for the test to decide when an ack arrives. */
interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
  reject(error: Error): void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** One call of the fake sender: the batch it was given and the ack the test controls. */
interface SendCall extends Deferred<void> {
  readonly records: OutgoingRecord[];
}

/** A sender that records each batch and acknowledges it only when the test says so. */
function fakeSender(): { sender: BatchSender; calls: SendCall[] } {
  const calls: SendCall[] = [];
  const sender: BatchSender = (records) => {
    const call = { ...deferred<void>(), records };
    calls.push(call);
    return call.promise;
  };
  return { sender, calls };
}

/** Partition counts of the topics these tests write; anything else is unknown to the collector. */
const KNOWN: ReadonlyMap<string, number> = new Map([
  ['out', 6],
  ['three', 3],
]);

interface Harness {
  collector: RecordCollector;
  calls: SendCall[];
  sendErrors: Error[];
  fetchPartitionCounts: ReturnType<typeof vi.fn<RecordCollectorOptions['fetchPartitionCounts']>>;
}

function harness(options: Partial<Omit<RecordCollectorOptions, 'sender' | 'onSendError'>> = {}): Harness {
  const { sender, calls } = fakeSender();
  const sendErrors: Error[] = [];
  const fetchPartitionCounts = vi.fn<RecordCollectorOptions['fetchPartitionCounts']>(async () => new Map());
  const collector = new RecordCollector({
    lingerMs: 60_000,
    batchSize: 1 << 20,
    maxBufferedBytes: 1 << 24,
    partitionCount: (topic) => KNOWN.get(topic),
    fetchPartitionCounts,
    sender,
    onSendError: (error) => sendErrors.push(error),
    ...options,
  });
  return { collector, calls, sendErrors, fetchPartitionCounts };
}

const buf = (s: string): Buffer => Buffer.from(s);

/** Lets every pending promise callback run (real timers only). */
const settleMicrotasks = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** What a batch carried, in order, as `topic/partition key=value`, for exact comparisons. */
function summary(records: readonly OutgoingRecord[]): string[] {
  return records.map((r) => `${r.topic}/${r.partition} ${r.key?.toString() ?? 'null'}=${r.value?.toString() ?? 'null'}`);
}

/** Tracks whether a promise has settled, and how. */
function track(promise: Promise<unknown>): { state: 'pending' | 'resolved' | 'rejected'; error?: unknown } {
  const t: { state: 'pending' | 'resolved' | 'rejected'; error?: unknown } = { state: 'pending' };
  promise.then(
    () => void (t.state = 'resolved'),
    (error: unknown) => {
      t.state = 'rejected';
      t.error = error;
    },
  );
  return t;
}

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('RecordCollector partitioning', () => {
  it('partitions keyed records by Java-compatible murmur2 of the key bytes', async () => {
    const { collector, calls } = harness();
    const keys = ['alice', 'bob', 'carol', 'dave'];
    for (const k of keys) collector.send('out', buf(k), buf('v'), 1, undefined);
    const flushed = collector.flush();
    expect(calls).toHaveLength(1);
    const partitions = calls[0]!.records.map((r) => r.partition);
    expect(partitions).toEqual(keys.map((k) => partitionForKey(buf(k), 6)));
    expect(partitions).toEqual([3, 0, 2, 4]);
    calls[0]!.resolve();
    await flushed;
  });

  it('prefers an explicit partition to the key', async () => {
    const { collector, calls } = harness();
    // 'alice' hashes to partition 3 of 6.
    collector.send('out', buf('alice'), buf('v'), 1, undefined, 5);
    collector.send('out', buf('alice'), buf('v'), 1, undefined);
    const flushed = collector.flush();
    expect(summary(calls[0]!.records)).toEqual(['out/5 alice=v', 'out/3 alice=v']);
    calls[0]!.resolve();
    await flushed;
  });

  it('sends records without a key round robin over the partitions, one counter per topic', async () => {
    // The default partitioner starts each topic at a random position: pin it to 0.
    vi.spyOn(Math, 'random').mockReturnValue(0);
    const { collector, calls } = harness();
    for (let i = 0; i < 4; i++) collector.send('three', null, buf(`t${i}`), 1, undefined);
    for (let i = 0; i < 2; i++) collector.send('out', null, buf(`o${i}`), 1, undefined);
    const flushed = collector.flush();
    expect(summary(calls[0]!.records)).toEqual([
      'three/0 null=t0',
      'three/1 null=t1',
      'three/2 null=t2',
      'three/0 null=t3',
      'out/0 null=o0',
      'out/1 null=o1',
    ]);
    calls[0]!.resolve();
    await flushed;
  });

  it('uses a custom partitioner, given topic, key, value and partition count, unless a partition is explicit', async () => {
    const partitioner = vi.fn<Partitioner>(() => 1);
    const { collector, calls } = harness();
    collector.send('out', buf('alice'), buf('v1'), 1, undefined, undefined, partitioner);
    collector.send('out', buf('bob'), buf('v2'), 1, undefined, 4, partitioner);
    expect(partitioner.mock.calls).toEqual([[{ topic: 'out', key: buf('alice'), value: buf('v1'), partitionCount: 6 }]]);
    const flushed = collector.flush();
    expect(summary(calls[0]!.records)).toEqual(['out/1 alice=v1', 'out/4 bob=v2']);
    calls[0]!.resolve();
    await flushed;
  });

  it('rejects a custom partitioner result out of range at send, naming the topic', () => {
    const { collector } = harness();
    expect(() => collector.send('out', buf('k'), buf('v'), 1, undefined, undefined, () => 6)).toThrow(
      new RangeError('The custom partitioner returned 6 for topic "out" with 6 partitions: expected an integer in [0, 5]'),
    );
    expect(collector.buffered).toBe(0);
  });

  it('passes timestamp and headers through to the sender', async () => {
    const { collector, calls } = harness();
    collector.send('out', buf('alice'), null, 1234, { trace: 'abc' });
    const flushed = collector.flush();
    expect(calls[0]!.records).toEqual([{ topic: 'out', partition: 3, key: buf('alice'), value: null, timestamp: 1234, headers: { trace: 'abc' } }]);
    calls[0]!.resolve();
    await flushed;
  });
});

describe('RecordCollector batching', () => {
  it('sends a non-full batch once lingerMs has passed since the first record', () => {
    vi.useFakeTimers();
    const { collector, calls } = harness({ lingerMs: 50 });
    collector.send('out', buf('alice'), buf('1'), 1, undefined);
    vi.advanceTimersByTime(30);
    collector.send('out', buf('bob'), buf('2'), 1, undefined);
    vi.advanceTimersByTime(19);
    expect(calls).toHaveLength(0);
    expect(collector.buffered).toBe(2);
    vi.advanceTimersByTime(1);
    expect(calls.map((c) => summary(c.records))).toEqual([['out/3 alice=1', 'out/0 bob=2']]);
    expect(collector.buffered).toBe(0);
  });

  it('sends at once when one partition reaches batchSize bytes, with everything buffered', () => {
    vi.useFakeTimers();
    // Each record below counts 1 + 1 + 64 = 66 bytes: two on one partition reach 100.
    const { collector, calls } = harness({ lingerMs: 1000, batchSize: 100 });
    collector.send('out', buf('a'), buf('1'), 1, undefined, 0);
    collector.send('out', buf('b'), buf('2'), 1, undefined, 1);
    expect(calls).toHaveLength(0);
    collector.send('out', buf('c'), buf('3'), 1, undefined, 0);
    expect(calls.map((c) => summary(c.records))).toEqual([['out/0 a=1', 'out/1 b=2', 'out/0 c=3']]);
    // The linger timer was cleared with the send: nothing more goes out later.
    calls[0]!.resolve();
    vi.advanceTimersByTime(5000);
    expect(calls).toHaveLength(1);
  });

  it('keeps one send in flight; the next batch carries everything buffered meanwhile, in order', async () => {
    const { collector, calls } = harness({ batchSize: 1 });
    collector.send('out', buf('alice'), buf('1'), 1, undefined);
    collector.send('out', buf('bob'), buf('2'), 1, undefined);
    collector.send('out', buf('carol'), buf('3'), 1, undefined);
    expect(calls.map((c) => summary(c.records))).toEqual([['out/3 alice=1']]);

    calls[0]!.resolve();
    await settleMicrotasks();
    expect(calls.map((c) => summary(c.records))).toEqual([['out/3 alice=1'], ['out/0 bob=2', 'out/2 carol=3']]);

    collector.send('out', buf('dave'), buf('4'), 1, undefined);
    await settleMicrotasks();
    expect(calls).toHaveLength(2);

    calls[1]!.resolve();
    await settleMicrotasks();
    expect(calls.map((c) => summary(c.records))).toEqual([['out/3 alice=1'], ['out/0 bob=2', 'out/2 carol=3'], ['out/4 dave=4']]);
    calls[2]!.resolve();
    await collector.flush();
    expect(collector.sentCount).toBe(4);
  });

  it('flush() sends what is buffered and resolves only when every send is acknowledged', async () => {
    const { collector, calls } = harness();
    collector.send('out', buf('alice'), buf('1'), 1, undefined);
    const flushed = track(collector.flush());
    expect(calls.map((c) => summary(c.records))).toEqual([['out/3 alice=1']]);

    // A record buffered during the flush is part of it.
    collector.send('out', buf('bob'), buf('2'), 1, undefined);
    calls[0]!.resolve();
    await settleMicrotasks();
    expect(calls.map((c) => summary(c.records))).toEqual([['out/3 alice=1'], ['out/0 bob=2']]);
    expect(flushed.state).toBe('pending');

    calls[1]!.resolve();
    await settleMicrotasks();
    expect(flushed.state).toBe('resolved');
    expect(collector.sentCount).toBe(2);
  });

  it('flush() with nothing buffered resolves without sending', async () => {
    const { collector, calls } = harness();
    await collector.flush();
    expect(calls).toHaveLength(0);
  });
});

describe('RecordCollector failures', () => {
  it('a failed send is reported, makes flush() reject and the next send() throw', async () => {
    const { collector, calls, sendErrors } = harness({ batchSize: 1 });
    collector.send('out', buf('alice'), buf('1'), 1, undefined);
    // Buffered behind the send in flight: it must not go out after the failure.
    collector.send('out', buf('bob'), buf('2'), 1, undefined);
    const boom = new Error('broker down');
    calls[0]!.reject(boom);
    await settleMicrotasks();
    expect(sendErrors).toEqual([boom]);

    await expect(collector.flush()).rejects.toBe(boom);
    // The next send says the earlier send failed, with it as the cause: the failure is the send's, not the record's.
    let thrown: unknown;
    try {
      collector.send('out', buf('carol'), buf('3'), 1, undefined);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(SendFailedError);
    expect((thrown as Error).cause).toBe(boom);
    expect(calls).toHaveLength(1);
    expect(collector.sentCount).toBe(0);
  });

  it('a failure found while flushing rejects that flush', async () => {
    const { collector, calls, sendErrors } = harness();
    collector.send('out', buf('alice'), buf('1'), 1, undefined);
    const flushed = collector.flush();
    calls[0]!.reject(new Error('not leader'));
    await expect(flushed).rejects.toThrow('not leader');
    expect(sendErrors.map((e) => e.message)).toEqual(['not leader']);
  });

  it('discard() drops the buffer, cancels the linger and clears a failure', async () => {
    vi.useFakeTimers();
    const { collector, calls } = harness({ lingerMs: 10 });
    collector.send('out', buf('alice'), buf('1'), 1, undefined);
    collector.send('out', buf('bob'), buf('2'), 1, undefined);
    vi.advanceTimersByTime(8);
    collector.discard();
    expect(collector.buffered).toBe(0);

    // A record after the discard lingers its own 10 ms, not what was left of the discarded linger.
    collector.send('out', buf('carol'), buf('3'), 1, undefined);
    vi.advanceTimersByTime(9);
    expect(calls).toHaveLength(0);
    vi.advanceTimersByTime(1);
    expect(calls.map((c) => summary(c.records))).toEqual([['out/2 carol=3']]);
    const flushed = collector.flush();
    calls[0]!.reject(new Error('aborted'));
    await expect(flushed).rejects.toThrow('aborted');
    expect(() => collector.send('out', buf('dave'), buf('4'), 1, undefined)).toThrow('an earlier send failed: aborted');

    collector.discard();
    collector.send('out', buf('dave'), buf('4'), 1, undefined);
    const again = collector.flush();
    expect(calls.map((c) => summary(c.records))).toEqual([['out/2 carol=3'], ['out/4 dave=4']]);
    calls[1]!.resolve();
    await again;
    expect(collector.sentCount).toBe(1);
  });
});

describe('RecordCollector capacity', () => {
  it('has no capacity from maxBufferedBytes on; waitForCapacity() flushes when nothing is in flight', async () => {
    // Each record counts 1 + 100 + 64 = 165 bytes: two reach the bound exactly.
    const { collector, calls } = harness({ maxBufferedBytes: 330 });
    const value = Buffer.alloc(100, 0x61);
    collector.send('out', buf('a'), value, 1, undefined);
    expect(collector.hasCapacity()).toBe(true);
    collector.send('out', buf('b'), value, 1, undefined);
    expect(collector.hasCapacity()).toBe(false);

    const waited = track(collector.waitForCapacity());
    expect(calls).toHaveLength(1);
    expect(calls[0]!.records).toHaveLength(2);
    await settleMicrotasks();
    expect(waited.state).toBe('pending');
    calls[0]!.resolve();
    await settleMicrotasks();
    expect(waited.state).toBe('resolved');
    expect(collector.hasCapacity()).toBe(true);
  });

  it('waitForCapacity() returns once the send in flight is acknowledged and the buffer is on its way', async () => {
    // 165 bytes a record: each reaches batchSize, so a send starts whenever none is in flight.
    const { collector, calls } = harness({ maxBufferedBytes: 200, batchSize: 150 });
    const value = Buffer.alloc(100, 0x61);
    collector.send('out', buf('a'), value, 1, undefined);
    collector.send('out', buf('b'), value, 1, undefined);
    collector.send('out', buf('c'), value, 1, undefined);
    expect(calls).toHaveLength(1);
    expect(collector.hasCapacity()).toBe(false);

    const waited = track(collector.waitForCapacity());
    await settleMicrotasks();
    expect(waited.state).toBe('pending');
    calls[0]!.resolve();
    await settleMicrotasks();
    // The buffered records went out as the second batch, still unacknowledged: capacity is back.
    expect(calls.map((c) => c.records.length)).toEqual([1, 2]);
    expect(waited.state).toBe('resolved');
    expect(collector.hasCapacity()).toBe(true);
    calls[1]!.resolve();
    await collector.flush();
  });
});

describe('RecordCollector async bytes and unknown topics', () => {
  it('awaits Promise key and value bytes at send, then partitions by the resolved key', async () => {
    const { collector, calls } = harness();
    const key = deferred<Buffer | null>();
    const value = deferred<Buffer | null>();
    collector.send('out', buf('alice'), buf('1'), 1, undefined);
    collector.send('out', key.promise, value.promise, 2, undefined);
    const flushed = track(collector.flush());
    await settleMicrotasks();
    expect(calls).toHaveLength(0);

    key.resolve(buf('dave'));
    await settleMicrotasks();
    expect(calls).toHaveLength(0);
    value.resolve(buf('2'));
    await settleMicrotasks();
    expect(calls).toHaveLength(1);
    expect(calls[0]!.records).toEqual([
      { topic: 'out', partition: 3, key: buf('alice'), value: buf('1'), timestamp: 1, headers: undefined },
      { topic: 'out', partition: partitionForKey(buf('dave'), 6), key: buf('dave'), value: buf('2'), timestamp: 2, headers: undefined },
    ]);
    calls[0]!.resolve();
    await settleMicrotasks();
    expect(flushed.state).toBe('resolved');
  });

  it('fetches the partition counts of unknown topics once per batch, at send', async () => {
    const { collector, calls, fetchPartitionCounts } = harness();
    fetchPartitionCounts.mockResolvedValue(new Map([['dynamic', 8]]));
    collector.send('dynamic', buf('alice'), buf('1'), 1, undefined);
    collector.send('out', buf('bob'), buf('2'), 1, undefined);
    collector.send('dynamic', buf('bob'), buf('3'), 1, undefined);
    expect(fetchPartitionCounts).not.toHaveBeenCalled();

    const flushed = collector.flush();
    await settleMicrotasks();
    expect(fetchPartitionCounts.mock.calls).toEqual([[['dynamic']]]);
    expect(summary(calls[0]!.records)).toEqual([
      `dynamic/${partitionForKey(buf('alice'), 8)} alice=1`,
      'out/0 bob=2',
      `dynamic/${partitionForKey(buf('bob'), 8)} bob=3`,
    ]);
    expect(summary(calls[0]!.records)).toEqual(['dynamic/5 alice=1', 'out/0 bob=2', 'dynamic/6 bob=3']);
    calls[0]!.resolve();
    await flushed;
  });

  it('fails the send when an unknown topic does not exist, naming it', async () => {
    const { collector, calls, sendErrors } = harness();
    collector.send('missing', buf('alice'), buf('1'), 1, undefined);
    await expect(collector.flush()).rejects.toThrow(new Error("topic 'missing' does not exist: create it before writing to it"));
    expect(calls).toHaveLength(0);
    expect(sendErrors.map((e) => e.message)).toEqual(["topic 'missing' does not exist: create it before writing to it"]);
  });
});

describe('RecordCollector sealed by a commit in flight (exactly-once, pipelined commit)', () => {
  it('flush() sends only what was buffered at seal(); records sent after it wait for unseal() and go out then, in order', async () => {
    const { collector, calls } = harness();
    collector.send('out', buf('alice'), buf('before'), 1, undefined);
    collector.seal();
    expect(collector.sealed).toBe(true);
    collector.send('out', buf('alice'), buf('after-1'), 1, undefined);
    collector.send('out', buf('alice'), buf('after-2'), 1, undefined);
    expect(collector.buffered).toBe(3);
    const flushed = track(collector.flush());
    expect(calls.map((c) => summary(c.records))).toEqual([['out/3 alice=before']]);
    calls[0]!.resolve();
    await settleMicrotasks();
    // The transaction's records are acknowledged: the flush is done, the held records still wait.
    expect(flushed.state).toBe('resolved');
    expect(calls).toHaveLength(1);
    expect(collector.buffered).toBe(2);
    collector.unseal();
    expect(collector.sealed).toBe(false);
    const second = collector.flush();
    expect(calls.map((c) => summary(c.records))).toEqual([['out/3 alice=before'], ['out/3 alice=after-1', 'out/3 alice=after-2']]);
    calls[1]!.resolve();
    await second;
  });

  it('does not send held records on batchSize or lingerMs', () => {
    vi.useFakeTimers();
    const { collector, calls } = harness({ lingerMs: 5, batchSize: 100 });
    collector.seal();
    for (let i = 0; i < 10; i++) collector.send('out', buf('k'), Buffer.alloc(50), 1, undefined);
    vi.advanceTimersByTime(1_000);
    expect(calls).toHaveLength(0);
    // Released, they wait UNSEAL_DELAY_MS (the broker writes the last transaction's markers meanwhile).
    collector.unseal();
    vi.advanceTimersByTime(UNSEAL_DELAY_MS - 1);
    expect(calls).toHaveLength(0);
    vi.advanceTimersByTime(1);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.records).toHaveLength(10);
  });

  it('counts held records against maxBufferedBytes, and discard() drops them and unseals', () => {
    const { collector, calls } = harness({ maxBufferedBytes: 500 });
    collector.seal();
    for (let i = 0; i < 4; i++) collector.send('out', buf('k'), Buffer.alloc(100), 1, undefined);
    expect(collector.hasCapacity()).toBe(false);
    collector.discard();
    expect(collector.sealed).toBe(false);
    expect(collector.buffered).toBe(0);
    expect(collector.hasCapacity()).toBe(true);
    collector.unseal();
    expect(calls).toHaveLength(0);
  });

  it('a failed send of the sealed part rejects the flush and makes the next send() throw, held records or not', async () => {
    const { collector, calls } = harness();
    collector.send('out', buf('k'), buf('v'), 1, undefined);
    collector.seal();
    const flushed = collector.flush();
    calls[0]!.reject(new Error('broker down'));
    await expect(flushed).rejects.toThrow('broker down');
    expect(() => collector.send('out', buf('k'), buf('w'), 1, undefined)).toThrow(SendFailedError);
  });
});
