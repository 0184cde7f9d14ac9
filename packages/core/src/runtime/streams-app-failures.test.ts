import { serdes } from '@rivulet/serde';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { connectionRefused } from '../client/internals/fake/fake-errors.js';
import { ProcessingError } from '../errors/processing-error.js';
import { TaskTimeoutError } from '../errors/streams-error.js';
import { Topology } from '../topology/topology.js';
import {
  FakeWorld,
  describeError,
  mapTopology,
  numbered,
  sleep,
  sorted,
  waitAllCommitted,
  waitForState,
  type FakeAppRun,
} from './test-support/fake-app.js';

/**
 * The StreamsApp loop's failure paths (issue 11) on the fake Kafka client: the broker down past
 * taskTimeoutMs, fatal errors in user code with each uncaught-exception answer, the group consumer
 * crashing, close() while a broker call hangs, and what is left behind after close() and ERROR.
 */

let world: FakeWorld;
afterEach(async () => world.dispose());

const upper = (records: readonly string[]): string[] => records.map((r) => r.replace(/:(.*)$/, (_, v: string) => `:${v.toUpperCase()}`));
const fatals = (run: FakeAppRun) => run.errors.filter((e) => e.category === 'fatal');

async function running(run: FakeAppRun): Promise<void> {
  expect(await run.started).toEqual({ ok: true });
}

/** A mapper that throws on its first call only: a transient bug in user code. */
function throwsOnce(): (v: string) => string {
  let calls = 0;
  return (v) => {
    if (calls++ === 0) throw new Error('transient bug');
    return v.toUpperCase();
  };
}

describe('StreamsApp: the broker down longer than taskTimeoutMs', { timeout: 10_000 }, () => {
  it.each(['at_least_once', 'exactly_once'] as const)('%s: RUNNING -> REBALANCING -> PENDING_ERROR -> ERROR with one TaskTimeoutError, after a bounded number of attempts', async (guarantee) => {
    world = new FakeWorld({ input: 2, output: 2 });
    const run = world.start(mapTopology(), { processingGuarantee: guarantee, taskTimeoutMs: 500 });
    await running(run);
    world.produce('input', numbered(4));
    await waitAllCommitted(world);
    const committed = world.cluster.committedOffsets('app');
    const downAt = Date.now();
    world.cluster.brokerDown();
    world.produce('input', numbered(4, 4));
    await waitForState(run, 'ERROR', 3_000);
    expect(Date.now() - downAt).toBeLessThan(500 + 1_500);
    expect(run.states).toEqual(['CREATED', 'REBALANCING', 'RUNNING', 'REBALANCING', 'PENDING_ERROR', 'ERROR']);
    expect(fatals(run)).toHaveLength(1);
    const fatal = run.errors.at(-1)!;
    expect(fatal).toBeInstanceOf(TaskTimeoutError);
    expect(fatal.message).toMatch(/could not recover within taskTimeoutMs \(500 ms[\s\S]*ECONNREFUSED/);
    // Named: a task (taskId) or the consumer (its message says so).
    expect(fatal.taskId !== undefined || /the consumer/.test(fatal.message)).toBe(true);
    // Every attempt before it was reported as retriable: finite, and about what a 20 ms restart
    // delay (the fake's) or a 10..50 ms task backoff allows in 500 ms.
    const attempts = run.errors.filter((e) => e.action === 'retrying' || e.action === 'restarted');
    expect(attempts.length).toBeGreaterThan(1);
    expect(attempts.length).toBeLessThan(80);
    expect(attempts.every((e) => e.category === 'retriable')).toBe(true);
    // Nothing was committed past what was output: a restart resumes at the first record of the outage.
    expect(world.cluster.committedOffsets('app')).toEqual(committed);
    const out = world.values('output');
    expect(sorted(guarantee === 'exactly_once' ? out : [...new Set(out)])).toEqual(sorted(upper(numbered(4))));
  });

  // Found by this test: the consumer's TaskTimeoutError said "1 attempt" whatever the restarts.
  it('the TaskTimeoutError counts the attempts made', async () => {
    world = new FakeWorld({ input: 1, output: 1 });
    const run = world.start(mapTopology(), { taskTimeoutMs: 300 });
    await running(run);
    world.cluster.brokerDown();
    await waitForState(run, 'ERROR', 3_000);
    const restarts = run.errors.filter((e) => e.action === 'restarted').length;
    expect(restarts).toBeGreaterThan(1);
    expect(run.errors.at(-1)!.message).toMatch(new RegExp(`\\(300 ms, ${restarts} attempts\\)`));
  });

  it('start() rejects, and state$ ends in ERROR, when the broker is down throughout the start', async () => {
    world = new FakeWorld({ input: 1, output: 1 });
    world.cluster.brokerDown();
    const run = world.start(mapTopology(), { taskTimeoutMs: 300 });
    const outcome = await run.started;
    expect(outcome.ok).toBe(false);
    expect(!outcome.ok && outcome.error.message).toMatch(/ECONNREFUSED/);
    expect(run.states).toEqual(['CREATED', 'REBALANCING', 'PENDING_ERROR', 'ERROR']);
    expect(fatals(run)).toHaveLength(1);
  });
});

describe('StreamsApp: a fatal error in user code', { timeout: 10_000 }, () => {
  it('SHUTDOWN_CLIENT (the default): ERROR, errors$ ends with the ProcessingError naming the record', async () => {
    world = new FakeWorld({ input: 1, output: 1 });
    const run = world.start(mapTopology(throwsOnce()), { processingGuarantee: 'exactly_once' });
    await running(run);
    world.produce('input', numbered(3));
    await waitForState(run, 'ERROR');
    expect(run.states).toEqual(['CREATED', 'REBALANCING', 'RUNNING', 'PENDING_ERROR', 'ERROR']);
    expect(run.errors).toHaveLength(1);
    expect(run.errors[0]).toBeInstanceOf(ProcessingError);
    expect(describeError(run.errors[0]!)).toMatchObject({ category: 'fatal', action: 'fatal', topic: 'input', partition: 0, offset: '0' });
    expect(world.values('output')).toEqual([]);
    expect(run.client.consumers).toHaveLength(1);
  });

  it('SHUTDOWN_CLIENT before RUNNING (a processor whose init throws): start() rejects with the error', async () => {
    world = new FakeWorld({ input: 1, output: 1 });
    const topology = new Topology()
      .addSource('in', 'input', { key: serdes.string(), value: serdes.string() })
      .addProcessor(
        'broken',
        () => ({
          init: () => {
            throw new Error('init bug');
          },
          process: () => undefined,
        }),
        'in',
      )
      .addSink('out', 'output', { key: serdes.string(), value: serdes.string() }, 'broken');
    const run = world.start(topology);
    const outcome = await run.started;
    expect(outcome.ok).toBe(false);
    expect(!outcome.ok && outcome.error.message).toMatch(/init bug/);
    expect(run.states).toEqual(['CREATED', 'REBALANCING', 'PENDING_ERROR', 'ERROR']);
    expect(run.errors.map(describeError)).toEqual([expect.objectContaining({ category: 'fatal', action: 'fatal', taskId: '0_0' })]);
  });

  it.each(['at_least_once', 'exactly_once'] as const)('%s, REPLACE_THREAD: the loop is rebuilt with new clients, REBALANCING -> RUNNING, and processing goes on', async (guarantee) => {
    world = new FakeWorld({ input: 1, output: 1 });
    const handler = vi.fn(() => 'REPLACE_THREAD' as const);
    const run = world.start(mapTopology(throwsOnce()), { processingGuarantee: guarantee, uncaughtExceptionHandler: handler });
    await running(run);
    const producers = run.client.producers.length;
    world.produce('input', numbered(6));
    await waitAllCommitted(world);
    await waitForState(run, 'RUNNING');
    expect(handler).toHaveBeenCalledTimes(1);
    expect(handler.mock.calls[0]).toEqual([expect.any(ProcessingError)]);
    expect(run.states).toEqual(['CREATED', 'REBALANCING', 'RUNNING', 'REBALANCING', 'RUNNING']);
    expect(run.client.consumers).toHaveLength(2);
    expect(run.client.runningConsumers('app')).toHaveLength(1);
    expect(run.client.producers.length).toBeGreaterThan(producers);
    // The failed record is processed again by the new loop: exactly once for read_committed readers.
    expect(sorted(world.values('output'))).toEqual(sorted(upper(numbered(6))));
    expect(run.errors.map(describeError)).toEqual([expect.objectContaining({ category: 'fatal', action: 'fatal', topic: 'input', offset: '0' })]);
  });

  it('a handler that throws counts as SHUTDOWN_CLIENT', async () => {
    world = new FakeWorld({ input: 1, output: 1 });
    const run = world.start(mapTopology(throwsOnce()), {
      uncaughtExceptionHandler: () => {
        throw new Error('handler bug');
      },
    });
    await running(run);
    world.produce('input', numbered(2));
    await waitForState(run, 'ERROR');
    expect(run.states.slice(-2)).toEqual(['PENDING_ERROR', 'ERROR']);
    expect(run.client.consumers).toHaveLength(1);
    expect(run.logger.lines).toContainEqual(expect.objectContaining({ level: 'error', message: expect.stringMatching(/uncaughtExceptionHandler threw \(handler bug\)/) }));
  });
});

describe('StreamsApp: the group consumer crashing', { timeout: 10_000 }, () => {
  it.each(['fetch', 'join'] as const)('a retriable error on %s: REBALANCING while it restarts, errors$ says restarted, RUNNING again and processing', async (op) => {
    world = new FakeWorld({ input: 1, output: 1 });
    const run = world.start(mapTopology(), { processingGuarantee: 'exactly_once' });
    await running(run);
    world.cluster.failNext(op, connectionRefused);
    if (op === 'join') world.cluster.rebalance('app');
    await vi.waitFor(() => expect(run.errors).toHaveLength(1), { timeout: 2_000 });
    world.produce('input', numbered(4));
    await waitAllCommitted(world);
    await waitForState(run, 'RUNNING');
    expect(run.errors.map(describeError)).toEqual([expect.objectContaining({ category: 'retriable', action: 'restarted', taskId: undefined })]);
    expect(run.states.slice(0, 4)).toEqual(['CREATED', 'REBALANCING', 'RUNNING', 'REBALANCING']);
    expect(run.states.at(-1)).toBe('RUNNING');
    expect(sorted(world.values('output'))).toEqual(sorted(upper(numbered(4))));
  });

  it('joins that keep failing past taskTimeoutMs: ERROR with a TaskTimeoutError naming the consumer', async () => {
    world = new FakeWorld({ input: 1, output: 1 });
    const run = world.start(mapTopology(), { taskTimeoutMs: 300 });
    await running(run);
    world.cluster.failNext('join', connectionRefused, { times: 1_000 });
    world.cluster.rebalance('app');
    await waitForState(run, 'ERROR', 2_000);
    expect(fatals(run)).toHaveLength(1);
    expect(run.errors.at(-1)).toBeInstanceOf(TaskTimeoutError);
    expect(run.errors.at(-1)!.message).toMatch(/the consumer could not re-join its group and fetch: .*ECONNREFUSED/);
  });

  // Found by this test: when every fetch failed but joins succeeded (a partition leader's broker
  // down, the coordinator up), each re-join reset the consumer's deadline, so the app flapped
  // RUNNING <-> REBALANCING forever. A run of crashes now ends only when records flow or the
  // consumer stays up a while.
  it('fetches that keep failing past taskTimeoutMs (joins succeed): ERROR, not an endless restart loop', async () => {
    world = new FakeWorld({ input: 1, output: 1 });
    const run = world.start(mapTopology(), { taskTimeoutMs: 300 });
    await running(run);
    world.cluster.failNext('fetch', connectionRefused, { times: 100_000 });
    await sleep(1_000);
    const restarts = run.errors.filter((e) => e.action === 'restarted').length;
    expect({ state: run.app.state, restarts: restarts < 40 }).toEqual({ state: 'ERROR', restarts: true });
  });
});

describe('StreamsApp: close() while a broker call hangs', { timeout: 10_000 }, () => {
  it.each([
    ['exactly_once', 'commit'],
    ['at_least_once', 'commitOffsets'],
  ] as const)('%s, %s hanging for 60 s: close() completes within the bound of one call', async (guarantee, op) => {
    world = new FakeWorld({ input: 1, output: 1 });
    const run = world.start(mapTopology(), { processingGuarantee: guarantee, commitIntervalMs: 50 });
    await running(run);
    world.cluster.hang(op, 60_000);
    const calls = world.cluster.callCount(op);
    world.produce('input', numbered(3));
    await vi.waitFor(() => expect(world.cluster.callCount(op)).toBeGreaterThan(calls), { timeout: 2_000, interval: 2 });
    const closing = Date.now();
    await run.app.close();
    // A call made under the app's lock is bounded by max(1 s, min(requestTimeoutMs, sessionTimeoutMs / 3)).
    expect(Date.now() - closing).toBeLessThan(3_000);
    expect(run.states.slice(-2)).toEqual(['PENDING_SHUTDOWN', 'NOT_RUNNING']);
    if (guarantee === 'exactly_once') expect(world.values('output')).toEqual([]);
  });
});

describe('StreamsApp: nothing left behind', { timeout: 10_000 }, () => {
  const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

  it.each(['close', 'ERROR'] as const)('after %s: no timer, no running consumer, no group member, no fetch loop waiting', async (end) => {
    world = new FakeWorld({ input: 2, output: 2 });
    const baseline = timers();
    const run = world.start(mapTopology(end === 'ERROR' ? throwsOnce() : undefined), { processingGuarantee: 'exactly_once' });
    await running(run);
    world.produce('input', numbered(4));
    if (end === 'close') {
      await waitAllCommitted(world);
      await run.app.close();
    } else {
      await waitForState(run, 'ERROR');
    }
    expect(run.app.state).toBe(end === 'close' ? 'NOT_RUNNING' : 'ERROR');
    expect(run.client.runningConsumers('app')).toEqual([]);
    expect(world.cluster.members('app')).toEqual([]);
    expect(world.cluster.signal.waiting).toBe(0);
    expect(world.cluster.transactions.openTransactionalIds()).toEqual([]);
    await sleep(50);
    expect(timers()).toBeLessThanOrEqual(baseline);
  });
});
