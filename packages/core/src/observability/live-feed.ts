import type { Subscription } from 'rxjs';
import { findMetrics, type Metric } from '../metrics/metric.js';
import type { StreamsApp } from '../runtime/streams-app.js';
import type { TopologyDescription } from '../topology/description.js';

/** What the live page shows, once per second: the app's state, topology, tasks, lag, rates and recent events. */
export interface LiveSnapshot {
  readonly time: number;
  readonly applicationId: string;
  readonly state: string;
  readonly health: { readonly live: boolean; readonly ready: boolean; readonly reasons: readonly string[] };
  readonly level: string;
  readonly topology: {
    readonly subTopologies: readonly {
      readonly id: number;
      readonly nodes: readonly { readonly name: string; readonly kind: string; readonly topics: readonly string[]; readonly stores: readonly string[]; readonly successors: readonly string[] }[];
    }[];
  };
  /** Records/s and totals: the whole loop, each sub-topology (its tasks' sum), each node (DEBUG only). */
  readonly rates: {
    readonly process: number;
    readonly processTotal: number;
    readonly commit: number;
    readonly subTopologies: Readonly<Record<string, { readonly rate: number; readonly total: number }>>;
    readonly nodes: Readonly<Record<string, { readonly rate: number; readonly total: number }>>;
  };
  readonly tasks: readonly { readonly id: string; readonly state: 'RUNNING' | 'RESTORING' | 'STANDBY'; readonly processed: number; readonly rate: number; readonly dropped: number }[];
  readonly lags: readonly { readonly topic: string; readonly partition: number; readonly lag: number }[];
  readonly stores: readonly { readonly name: string; readonly taskId: string; readonly entries: number | undefined }[];
  readonly restore: { readonly restoring: readonly string[]; readonly recordsRestored: number };
  readonly dropped: { readonly total: number; readonly byReason: Readonly<Record<string, number>> };
  readonly rebalances: readonly { readonly time: number; readonly durationMs: number; readonly gained: readonly string[]; readonly lost: readonly string[] }[];
  readonly errors: readonly { readonly time: number; readonly category: string; readonly message: string }[];
}

const RECENT = 20;

/**
 * Keeps what the live page shows that `app.metrics()` does not: the recent rebalances and errors
 * (the last 20 of each), from the app's streams, until the app stops.
 */
export class LiveFeed {
  private readonly rebalances: LiveSnapshot['rebalances'][number][] = [];
  private readonly errors: LiveSnapshot['errors'][number][] = [];
  private readonly subscriptions: Subscription[] = [];
  private readonly description: TopologyDescription;

  constructor(private readonly app: StreamsApp) {
    this.description = app.topology.describe();
    this.subscriptions.push(
      app.rebalances$.subscribe((e) => keep(this.rebalances, { time: Date.now(), durationMs: e.durationMs, gained: e.gained, lost: e.lost })),
      app.errors$.subscribe((e) => keep(this.errors, { time: Date.now(), category: e.category, message: e.message })),
    );
  }

  close(): void {
    for (const s of this.subscriptions) s.unsubscribe();
  }

  snapshot(): LiveSnapshot {
    const m = this.app.metrics();
    const all = m.all;
    const num = (metric: Metric | undefined): number => (typeof metric?.value === 'number' && Number.isFinite(metric.value) ? metric.value : 0);
    const thread = (name: string): number => num(findMetrics(all, name, {}, 'stream-thread-metrics')[0]);
    const subTopologies: Record<string, { rate: number; total: number }> = {};
    const taskRate = new Map<string, number>();
    for (const metric of findMetrics(all, 'process-rate', {}, 'stream-task-metrics')) taskRate.set(metric.tags['task-id']!, num(metric));
    for (const t of m.taskMetrics) {
      const sub = t.taskId.split('_')[0]!;
      const s = (subTopologies[sub] ??= { rate: 0, total: 0 });
      s.rate += taskRate.get(t.taskId) ?? 0;
      s.total += t.recordsProcessed;
    }
    const nodes: Record<string, { rate: number; total: number }> = {};
    for (const metric of all) {
      if (metric.group !== 'stream-processor-node-metrics') continue;
      const node = metric.tags['processor-node-id']!;
      const n = (nodes[node] ??= { rate: 0, total: 0 });
      if (metric.name === 'process-rate') n.rate += num(metric);
      if (metric.name === 'process-total') n.total += num(metric);
    }
    const restoring = new Set(m.restoringTasks);
    const tasks: LiveSnapshot['tasks'][number][] = m.taskMetrics.map((t) => ({
      id: t.taskId,
      state: restoring.has(t.taskId) ? 'RESTORING' : 'RUNNING',
      processed: t.recordsProcessed,
      rate: taskRate.get(t.taskId) ?? 0,
      dropped: t.droppedRecords,
    }));
    for (const id of m.standbyTasks) tasks.push({ id, state: 'STANDBY', processed: 0, rate: 0, dropped: 0 });
    tasks.sort((a, b) => a.id.localeCompare(b.id, 'en', { numeric: true }));
    const lags = findMetrics(all, 'records-lag')
      .map((l) => ({ topic: l.tags['topic']!, partition: Number(l.tags['partition']), lag: num(l) }))
      .sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
    const health = this.app.health();
    return {
      time: Date.now(),
      applicationId: this.app.config.applicationId,
      state: m.state,
      health: { live: health.live, ready: health.ready, reasons: health.reasons },
      level: this.app.config.metricsRecordingLevel,
      topology: {
        subTopologies: this.description.subTopologies.map((s) => ({
          id: s.id,
          nodes: s.nodes.map((n) => ({ name: n.name, kind: n.kind, topics: n.topics, stores: n.stores, successors: n.successors })),
        })),
      },
      rates: { process: thread('process-rate'), processTotal: thread('process-total'), commit: thread('commit-rate'), subTopologies, nodes },
      tasks,
      lags,
      stores: this.app.storeSizes(),
      restore: { restoring: m.restoringTasks, recordsRestored: m.recordsRestored },
      dropped: { total: m.droppedRecords, byReason: m.droppedRecordsByReason },
      rebalances: [...this.rebalances].reverse(),
      errors: [...this.errors].reverse(),
    };
  }
}

function keep<T>(list: T[], item: T): void {
  list.push(item);
  if (list.length > RECENT) list.shift();
}
