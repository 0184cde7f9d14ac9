/**
 * One scenario in its own process, so that its peak RSS is its own. Started by run.ts with fork();
 * the scenario spec comes as JSON in argv[2]. Reports the first record's time, progress and RSS
 * over IPC; when the parent says the outputs are complete, reports its CPU and peak RSS and keeps
 * running (for the latency phase); when told to stop, closes cleanly and reports.
 */
import { nowMs, type ChildMessage, type ParentMessage, type ScenarioSpec } from './protocol.js';
import type { Workload, WorkloadHooks } from './workload.js';

const RSS_SAMPLE_MS = 100;
const PROGRESS_MS = 200;

function tell(message: ChildMessage): void {
  process.send?.(message);
}

async function main(): Promise<void> {
  if (process.send === undefined) throw new Error('scenario-child.ts is started by run.ts (fork), not on its own');
  const spec = JSON.parse(process.argv[2] ?? '') as ScenarioSpec;

  let peakRss = process.memoryUsage().rss;
  const sampleRss = (): number => {
    const rss = process.memoryUsage().rss;
    if (rss > peakRss) peakRss = rss;
    return rss;
  };
  const sampler = setInterval(sampleRss, RSS_SAMPLE_MS);

  let started = false;
  let cpuAtFirst: NodeJS.CpuUsage | undefined;
  let firstAt = 0;
  const hooks: WorkloadHooks = {
    onFirstRecord: () => {
      if (started) return;
      started = true;
      cpuAtFirst = process.cpuUsage();
      firstAt = nowMs();
      tell({ type: 'first-record', at: firstAt });
    },
  };
  // Imported per kind, so the raw loop's process never loads Rivulet (its RSS is kafkajs's alone).
  const workload: Workload =
    spec.kind === 'raw'
      ? await (await import('./raw-loop.js')).startRawLoop(spec, hooks)
      : await (await import('./rivulet-app.js')).startRivuletApp(spec, hooks);

  const progress = setInterval(() => {
    try {
      tell({ type: 'progress', consumed: workload.consumed(), rssBytes: sampleRss() });
    } catch (err) {
      fail(err);
    }
  }, PROGRESS_MS);

  let measured = false;
  process.on('message', (message: ParentMessage) => {
    if (message.type === 'end-measurement') {
      if (measured) return;
      measured = true;
      // Measuring ends here: the latency phase and closing (commit, leave the group) are not part of these figures.
      const cpu = process.cpuUsage(cpuAtFirst);
      const cpuWindowMs = nowMs() - firstAt;
      sampleRss();
      clearInterval(sampler);
      workload.endMeasurement();
      tell({ type: 'measured', peakRssBytes: peakRss, consumed: workload.consumed(), cpuUs: cpu.user + cpu.system, cpuWindowMs });
      return;
    }
    clearInterval(sampler);
    clearInterval(progress);
    workload.stop().then(
      (details) => {
        tell({ type: 'done', details });
        process.disconnect();
        // Exit even if a client left a timer behind; exiting normally also writes a --cpu-prof profile.
        setTimeout(() => process.exit(0), 500).unref();
      },
      (err: unknown) => fail(err),
    );
  });
}

function fail(err: unknown): void {
  const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
  tell({ type: 'failed', message });
  // Give the IPC message a moment to leave, then go: the parent reports the failure.
  setTimeout(() => process.exit(1), 200).unref();
}

main().catch(fail);
