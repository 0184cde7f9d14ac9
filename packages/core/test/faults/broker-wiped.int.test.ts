/**
 * The broker wiped and restarted (issue 11, item 4): the app runs against a broker whose data dir is
 * removed while it is down and which comes back as a new cluster (new cluster id, no topics, no
 * group offsets, no transactions). Reproduced on main: 107 restart loops and 3,162 log lines, state
 * RUNNING throughout.
 *
 * Promised: bounded retries (a short `taskTimeoutMs` here, 15 s, so the test is not long), then
 * ERROR with one clear message, and the process exits 1 by itself (crash-app never calls
 * process.exit: a process that outlives its app is a failure too, item 11), having printed a
 * bounded number of lines.
 *
 * The broker is this file's own (support/private-broker.ts): the suite's shared broker must stay up.
 */
import { describe, expect, it } from 'vitest';
import type { CrashAppChild } from '../support/child-app.js';
import { FaultApp, feed, reportOnFailure, summary, waitForState, type Guarantee, privateBrokerForFile } from './fault-harness.js';

const PARTITIONS = 2;
const INPUT = { total: 1_000, keys: 20 };
const TASK_TIMEOUT_MS = 15_000;
/** After the task timeout: time to give up, close and reach ERROR. */
const ERROR_MARGIN_MS = 60_000;
/** The process must be gone this soon after its app reached ERROR. */
const EXIT_AFTER_ERROR_MS = 20_000;
/** Log lines (stderr: what a person reads) the app may print from its start to its exit. */
const MAX_LOG_LINES = 200;
/** How often one warning or error message may repeat: a repeated error is logged once per interval with a count. */
const MAX_REPEATS = 10;

const broker = privateBrokerForFile();

describe('the broker wiped and restarted as a new cluster', () => {
  it.each<Guarantee>(['at_least_once', 'exactly_once'])('%s: bounded retries, then ERROR with one clear message, exit 1', async (guarantee) => {
    const started = Date.now();
    const children: CrashAppChild[] = [];
    reportOnFailure(() => children, broker);
    const app = await FaultApp.create('broker-wiped', guarantee, PARTITIONS, {
      taskTimeoutMs: TASK_TIMEOUT_MS,
      sessionTimeoutMs: 6_000,
      heartbeatIntervalMs: 1_000,
      ...(guarantee === 'at_least_once' ? { commitIntervalMs: 1_000 } : {}),
    });
    const a = app.launch('a');
    children.push(a);
    await a.waitForRunning(90_000);
    expect(a.events.filter((e) => e.event === 'option-unsupported'), 'StreamsConfig must take taskTimeoutMs').toEqual([]);
    await feed(app.input, INPUT, 0, INPUT.total, { chunk: 100, pauseMs: 20 });
    await app.consumed('before the wipe', 60_000, [a]);
    const logLines = () => a.output.filter((line) => line.includes(' ! '));
    const linesBeforeWipe = logLines().length;

    const wipedAt = Date.now();
    await broker().wipeAndRestart();
    const restartMs = Date.now() - wipedAt;

    await waitForState(a, 'ERROR', TASK_TIMEOUT_MS + restartMs + ERROR_MARGIN_MS).catch((err: Error) => {
      throw new Error(`${err.message}; the app printed ${logLines().length - linesBeforeWipe} log lines since the wipe`);
    });
    const errorAfterMs = Date.now() - wipedAt;
    const exit = await a.waitForExit(EXIT_AFTER_ERROR_MS);
    const repeats = new Map<string, number>();
    for (const e of a.events) if (e.event === 'log') repeats.set(e.message ?? '', (repeats.get(e.message ?? '') ?? 0) + 1);
    const [mostRepeated, repeatCount] = [...repeats].sort((x, y) => y[1] - x[1])[0] ?? ['', 0];
    const figures = { guarantee, restartMs, errorAfterMs, totalMs: Date.now() - started, logLines: logLines().length, mostRepeated, repeatCount, a: summary(a) };
    console.log(`broker-wiped figures ${JSON.stringify(figures)}`);

    expect(exit, `the process did not exit within ${EXIT_AFTER_ERROR_MS} ms of ERROR (it outlives its app)`).toEqual({ code: 1, signal: null });
    expect(a.events.find((e) => e.event === 'closed')?.state).toBe('ERROR');
    // ERROR is where it ends: no RUNNING after the first retries gave up, no second ERROR.
    expect(a.states.slice(a.states.indexOf('ERROR'))).toEqual(['ERROR']);
    // One clear message: the app says once that it stops, and why.
    const fatal = a.events.filter((e) => e.event === 'log' && e.level === 'error' && /fatal/i.test(e.message ?? ''));
    expect(fatal.map((e) => e.message), 'one fatal-error line').toHaveLength(1);
    expect(logLines().length, `log lines printed (bounded):\n${logLines().slice(linesBeforeWipe, linesBeforeWipe + 30).join('\n')}`).toBeLessThan(MAX_LOG_LINES);
    expect(repeatCount, `'${mostRepeated}' logged ${repeatCount} times: not throttled`).toBeLessThanOrEqual(MAX_REPEATS);
  }, 240_000);
});
