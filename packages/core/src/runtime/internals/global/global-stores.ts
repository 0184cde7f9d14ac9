import { mkdirSync } from 'node:fs';
import type { DefaultSerdes } from '../../../state/default-serdes.js';
import type { RestorableStateStore, StateStore } from '../../../state/state-store.js';
import type { Topology } from '../../../topology/topology.js';

/** The task id global stores are opened under, and the folder of `stateDir` persistent ones keep their files in. */
export const GLOBAL_TASK_ID = 'global';

/**
 * Builds and opens the topology's global stores (Topology.addGlobalStore), each once per app
 * instance, in `<dir>` (persistent ones keep their files there). They have no changelog: their topic
 * is their changelog. None keeps a checkpoint, so a persistent one starts empty (its data of unknown
 * position is dropped at `init`) and is read again from the beginning of its topic. A store that
 * fails to open closes the ones opened before it.
 */
export async function openGlobalStores(
  topology: Topology,
  dir: string,
  applicationId: string,
  defaultSerdes: DefaultSerdes,
  timestamp: () => number,
): Promise<Map<string, StateStore & RestorableStateStore>> {
  const stores = new Map<string, StateStore & RestorableStateStore>();
  if (topology.globalStores().size === 0) return stores;
  mkdirSync(dir, { recursive: true });
  try {
    for (const [name, builder] of topology.globalStores()) {
      const store = builder.build(defaultSerdes);
      await store.init({ taskId: GLOBAL_TASK_ID, taskDir: dir, applicationId, currentTimestamp: timestamp });
      // A persistent store's files may hold what an earlier run read: without a checkpoint its
      // position is unknown, so it is read again from the start of its topic, into an empty store.
      if (store.persistent) await store.wipe();
      stores.set(name, store);
    }
  } catch (err) {
    for (const store of stores.values()) await store.close().catch(() => undefined);
    throw err;
  }
  return stores;
}
