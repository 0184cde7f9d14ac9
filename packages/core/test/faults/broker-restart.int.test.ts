/**
 * The broker stopped and restarted on its data mid-run (issue 11, "Prove it on the real broker"):
 * one instance of the counting app (test/crash/crash-app.ts) processes input that keeps arriving;
 * the broker is stopped with SIGTERM (a controlled shutdown) or SIGKILL (a crash) right after a
 * burst of input, so the app has records in hand and, under exactly_once, an open transaction;
 * after a few seconds it is started again on the same data dir and more input follows. Under
 * exactly_once the app is frozen (SIGSTOP) for a second before the broker goes and resumed once it
 * is down: its open transaction stays open, but no commit is under way, which Kafka's own marker
 * channel can leave hanging on a lone broker (broker-outage.int.test.ts's header).
 *
 * Promised: the app rides it out (retriable errors retried within `taskTimeoutMs`, default 5 min),
 * never reaches ERROR, ends RUNNING, processes everything, and closes with exit 0 on SIGTERM; a
 * read_committed reader finds no record lost (at_least_once) and none lost or duplicated with
 * counts 1..n per key (exactly_once).
 *
 * The broker is this file's own (support/private-broker.ts): the suite's shared broker must stay up.
 */
import { describe, expect, it } from 'vitest';
import type { CrashAppChild } from '../support/child-app.js';
import { checkNoUnexpectedExit, FaultApp, feed, reportOnFailure, sleep, summary, waitForState, type Guarantee, privateBrokerForFile } from './fault-harness.js';

const PARTITIONS = 4;
const INPUT = { total: 4_000, keys: 40 };
/** How long the broker stays down before its restart begins (the restart itself takes 3-15 s more). */
const DOWN_MS = 5_000;
/** exactly_once: how long the app is frozen before the broker is stopped (its commit under way ends; a commit takes ms). */
const FREEZE_MS = 1_000;

const broker = privateBrokerForFile();

const CASES: readonly { guarantee: Guarantee; kill: boolean }[] = [
  { guarantee: 'at_least_once', kill: false },
  { guarantee: 'at_least_once', kill: true },
  { guarantee: 'exactly_once', kill: false },
  { guarantee: 'exactly_once', kill: true },
];

describe('the broker stopped and restarted on its data mid-run', () => {
  it.each(CASES)('$guarantee, broker stopped with kill=$kill: no loss (no duplicate under EOS), ends RUNNING', async ({ guarantee, kill }) => {
    const started = Date.now();
    const children: CrashAppChild[] = [];
    reportOnFailure(() => children, broker);
    const app = await FaultApp.create('broker-restart', guarantee, PARTITIONS, {
      // Smaller fetches and a short at_least_once commit interval keep the drain short (see crash.int.test.ts).
      maxBytesPerPartition: 65_536,
      ...(guarantee === 'at_least_once' ? { commitIntervalMs: 1_000 } : {}),
      shutdownTimeoutMs: 30_000,
    });
    const a = app.launch('a');
    children.push(a);
    await a.waitForRunning(90_000);

    // Input flows; a last burst lands just before the broker goes, so the app has work in hand.
    await feed(app.input, INPUT, 0, 1_500, { chunk: 100, pauseMs: 50 });
    await feed(app.input, INPUT, 1_500, 2_000, { chunk: 500, pauseMs: 0 });
    const stoppedAt = Date.now();
    // exactly_once: the app is frozen for a moment as the broker goes, so that no commit is under
    // way then (the transaction it has open stays open). A commit under way as this lone broker
    // goes can be left hanging by Kafka itself (see broker-outage.int.test.ts's header).
    if (guarantee === 'exactly_once') a.stop();
    try {
      if (guarantee === 'exactly_once') await sleep(FREEZE_MS);
      await broker().stop({ kill });
    } finally {
      if (guarantee === 'exactly_once') a.resume();
    }
    await sleep(DOWN_MS);
    checkNoUnexpectedExit([a]);
    await broker().restart();
    const outageMs = Date.now() - stoppedAt;

    // More input after the restart: the app must process it too.
    await feed(app.input, INPUT, 2_000, INPUT.total, { chunk: 100, pauseMs: 50 });
    await app.consumed('after the broker restart', 150_000, [a]);
    await waitForState(a, 'RUNNING', 30_000);

    expect(a.alive, 'the app exited').toBe(true);
    expect(a.states, 'the app must never reach ERROR').not.toContain('ERROR');
    expect(a.lastState).toBe('RUNNING');
    expect(a.events.filter((e) => e.event === 'option-unsupported')).toEqual([]);
    const closed = await a.terminate(30_000);
    expect(closed.timedOut, `no exit within 30 s of SIGTERM:\n${a.tail()}`).toBe(false);
    expect(closed.exit).toEqual({ code: 0, signal: null });

    const report = await app.verify(INPUT);
    console.log(
      `broker-restart figures ${JSON.stringify({ guarantee, kill, outageMs, totalMs: Date.now() - started, copies: report.copies.records, duplicated: report.copies.duplicated, missing: report.copies.missing, a: summary(a) })}`,
    );
    app.expectGuaranteeHeld(report, INPUT);
  }, 300_000);
});
