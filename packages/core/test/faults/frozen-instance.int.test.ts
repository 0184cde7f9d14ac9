/**
 * An instance frozen with SIGSTOP past its session timeout while input flows, then resumed with
 * SIGCONT, next to a second instance (issue 11, "Prove it on the real broker"), under at_least_once
 * and exactly_once, on 4 partitions.
 *
 * zombie.int.test.ts already pins the exactly_once fencing mechanics on one task: the frozen owner's
 * open transaction is aborted when the new owner initializes the task's producer, its commit after
 * SIGCONT fails as fenced and none of its output becomes visible, and a zombie that wins its stale
 * task back reopens it. This file adds what it does not cover: the same under at_least_once, with
 * input flowing during the freeze, and the zombie's life after it: it notices (fenced or evicted),
 * rejoins, gets tasks again and processes new input, while neither instance reaches ERROR.
 *
 * Promised: no loss; under exactly_once no duplicate and counts 1..n per key (read_committed); the
 * resumed instance is processing again within session timeout plus a rebalance.
 *
 * No broker is stopped here: it runs on the suite's shared broker.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { CrashAppChild } from '../support/child-app.js';
import { FaultApp, feed, recordsProcessed, reportOnFailure, sleep, summary, waitForState, type Guarantee } from './fault-harness.js';

const PARTITIONS = 4;
const INPUT = { total: 5_000, keys: 40 };
const SESSION_TIMEOUT_MS = 6_000;
/** Frozen this long: well past the session timeout, so the group evicts it and its tasks move. */
const FROZEN_MS = 14_000;

let app: FaultApp | undefined;

afterEach(async () => {
  await app?.cleanUp();
  app = undefined;
}, 60_000);

const lastTasks = (child: CrashAppChild) => child.events.filter((e) => e.event === 'rebalance').at(-1)?.tasks ?? [];

describe('an instance frozen past its session timeout, then resumed', () => {
  it.each<Guarantee>(['at_least_once', 'exactly_once'])('%s: the zombie notices, rejoins and works again; no loss (no duplicate under EOS)', async (guarantee) => {
    const started = Date.now();
    const children: CrashAppChild[] = [];
    reportOnFailure(() => children);
    app = await FaultApp.create('frozen', guarantee, PARTITIONS, {
      sessionTimeoutMs: SESSION_TIMEOUT_MS,
      heartbeatIntervalMs: 1_000,
      rebalanceTimeoutMs: 20_000,
      maxBytesPerPartition: 65_536,
      shutdownTimeoutMs: 30_000,
      // The zombie holds processed-but-uncommitted work when it freezes: a 2 s interval under
      // at_least_once (default 30 s) keeps the drain short; exactly_once keeps its 100 ms default.
      ...(guarantee === 'at_least_once' ? { commitIntervalMs: 2_000 } : {}),
    });
    const a = app.launch('a');
    const b = app.launch('b');
    children.push(a, b);
    await Promise.all([a.waitForRunning(90_000), b.waitForRunning(90_000)]);
    await a.waitForEvent(() => lastTasks(a).length > 0 && lastTasks(b).length > 0, 60_000, 'both instances to own tasks');
    const aTasksBefore = lastTasks(a);

    // Input flows before, during and after the freeze.
    const firstPart = feed(app.input, INPUT, 0, 3_000, { chunk: 100, pauseMs: 100 });
    await sleep(1_500);
    a.stop();
    const frozenAt = Date.now();
    const bRebalancesBefore = b.events.filter((e) => e.event === 'rebalance').length;
    // B takes A's tasks over once A's session has expired.
    const takeover = await b.waitForEvent(
      (e) => e.event === 'rebalance' && b.events.filter((x) => x.event === 'rebalance').indexOf(e) >= bRebalancesBefore && aTasksBefore.every((t) => (e.tasks ?? []).includes(t)),
      60_000,
      `B to take over ${aTasksBefore.join(', ')}`,
    );
    const takeoverMs = Date.now() - frozenAt;
    await sleep(Math.max(0, FROZEN_MS - (Date.now() - frozenAt)));
    const aEventsAtResume = a.events.length;
    a.resume();
    const resumedAt = Date.now();

    // A notices (its commit fails as fenced, or its heartbeat finds it evicted), rejoins the group
    // and gets tasks again in the rebalance its return causes.
    await a.waitForEvent(
      (e) => a.events.indexOf(e) >= aEventsAtResume && e.event === 'rebalance' && (e.tasks ?? []).length > 0,
      60_000,
      'A to rejoin with tasks',
    );
    const rejoinMs = Date.now() - resumedAt;
    await waitForState(a, 'RUNNING', 30_000);
    const aProcessedAtRejoin = recordsProcessed(a);
    await firstPart;
    // New input after the rejoin: A must process its share of it.
    await feed(app.input, INPUT, 3_000, INPUT.total, { chunk: 100, pauseMs: 50 });
    await app.consumed('after the zombie rejoined', 120_000, [a, b]);
    await sleep(1_000);

    for (const i of [a, b]) {
      expect(i.alive, `${i.label} exited`).toBe(true);
      expect(i.states, `${i.label} must never reach ERROR`).not.toContain('ERROR');
      expect(i.lastState).toBe('RUNNING');
    }
    expect(lastTasks(a).length, 'A owns tasks again').toBeGreaterThan(0);
    expect(recordsProcessed(a), 'A processed input after it rejoined').toBeGreaterThan(aProcessedAtRejoin);
    const aNoticed = a.events.slice(aEventsAtResume).filter((e) => e.event === 'log' && /fenced|migrated|not aware of this member|rebalanc|generation/i.test(e.message ?? ''));

    const closed = await Promise.all([a.terminate(30_000), b.terminate(30_000)]);
    expect(closed.map((c) => c.exit)).toEqual([
      { code: 0, signal: null },
      { code: 0, signal: null },
    ]);
    const report = await app.verify(INPUT);
    console.log(
      `frozen-instance figures ${JSON.stringify({ guarantee, takeoverMs, rejoinMs, totalMs: Date.now() - started, aNoticed: aNoticed.slice(0, 3).map((e) => e.message), copies: report.copies.records, duplicated: report.copies.duplicated, missing: report.copies.missing, a: summary(a), b: summary(b), takeover: takeover.tasks })}`,
    );
    app.expectGuaranteeHeld(report, INPUT);
  }, 300_000);
});
