/**
 * The stream-thread module of the Rivulet scenarios run with several stream threads (the
 * comparison bench's `--threads`, Rivulet's `numStreamThreads`): each worker thread builds the
 * scenario's topology here, as `startRivuletApp` builds it for one thread. A topology cannot be
 * sent to a worker (its processors are functions), so the app is made with
 * `StreamsApp.fromModule(RIVULET_THREAD_MODULE, config, { data: { spec } })`; see
 * docs/operating.md#stream-threads.
 *
 * The first record any thread processes is announced on a BroadcastChannel named by
 * {@link firstRecordChannel}, which reaches the main thread of the same process: listen there and
 * call the workload's `onFirstRecord`.
 */
import { BroadcastChannel } from 'node:worker_threads';
import { defineStreamThread, type Topology } from '@rivulet/core';
import { cpuHeavyTopology } from './cpu-heavy-topology.js';
import { filterMapTopology } from './filter-map-topology.js';
import { streamTableJoinTopology } from './join-topology.js';
import type { ScenarioSpec } from './protocol.js';
import { FirstRecordProbe, countTopology, passThroughTopology } from './topologies.js';
import { windowedCountTopology } from './windowed-count-topology.js';

/** This module, for `StreamsApp.fromModule`. */
export const RIVULET_THREAD_MODULE = new URL(import.meta.url);

/** What each thread's factory gets as `data`. */
export interface RivuletThreadData {
  readonly spec: ScenarioSpec;
}

/** The channel on which the threads of a scenario announce their first record. */
export function firstRecordChannel(spec: Pick<ScenarioSpec, 'groupId'>): string {
  return `rivulet-bench-first-record:${spec.groupId}`;
}

/** The scenario's topology, for one thread (here) or the single-thread app (rivulet-app.ts). */
export function topologyOf(spec: ScenarioSpec, probe: FirstRecordProbe): Topology {
  switch (spec.kind) {
    case 'count':
      return countTopology(spec.input, spec.output, probe);
    case 'filter-map':
      return filterMapTopology(spec.input, spec.output, probe);
    case 'windowed-count':
      return windowedCountTopology(spec.input, spec.output, probe);
    case 'stream-table-join':
      if (spec.table === undefined) throw new Error(`scenario ${spec.id}: a stream-table join needs a table topic`);
      return streamTableJoinTopology(spec.input, spec.table.topic, spec.output, probe);
    case 'cpu-heavy':
      return cpuHeavyTopology(spec.input, spec.output, probe);
    default:
      return passThroughTopology(spec.input, spec.output, probe);
  }
}

export default defineStreamThread(({ data }) => {
  const { spec } = data as RivuletThreadData;
  const probe = new FirstRecordProbe(() => {
    const channel = new BroadcastChannel(firstRecordChannel(spec));
    channel.postMessage('first-record');
    channel.close();
  });
  return topologyOf(spec, probe);
});
