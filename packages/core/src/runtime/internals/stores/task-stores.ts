import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ResolvedStreamsConfig } from '../../../config/streams-config.js';
import { changelogTopic } from '../../../state/internals/changelog/changelog-topic.js';
import type { RestorableStateStore, StateStore } from '../../../state/state-store.js';
import type { SubTopology } from '../../../topology/sub-topologies.js';
import type { Topology } from '../../../topology/topology.js';

/**
 * What a task's stores write through: their changelog writes and the timestamp those carry. An
 * active task sets both; a standby task (which only restores) leaves `append` unset, and a write
 * then fails. Promoting a standby to an active task re-links the same store instances.
 */
export interface StoreLink {
  /** Sends one changelog record of `topic` (the task's partition); unset while the stores are a standby's. */
  append: ((topic: string, key: Buffer, value: Buffer | null, timestamp: number) => void) | undefined;
  /** The timestamp changelog writes carry: the record being processed by the active task. */
  timestamp: () => number;
}

/** A task's open stores, by name, with the changelog partition of each logged one. */
export interface TaskStores {
  readonly stores: Map<string, StateStore & RestorableStateStore>;
  /** Per logged store: its changelog topic and partition. */
  readonly changelogs: Map<string, { readonly topic: string; readonly partition: number }>;
  readonly link: StoreLink;
}

/**
 * Builds and opens the stores of one task (`<stateDir>/<taskId>`), each logged one writing its
 * changelog through `link`. A store that fails to open closes the ones opened before it.
 */
export async function openTaskStores(
  config: ResolvedStreamsConfig,
  topology: Topology,
  sub: SubTopology,
  taskId: string,
  partition: number,
): Promise<TaskStores> {
  const stores = new Map<string, StateStore & RestorableStateStore>();
  const changelogs = new Map<string, { topic: string; partition: number }>();
  const link: StoreLink = { append: undefined, timestamp: Date.now };
  const defaultSerdes = { key: config.defaultKeySerde, value: config.defaultValueSerde };
  const taskDir = join(config.stateDir, taskId);
  mkdirSync(taskDir, { recursive: true });
  try {
    for (const name of sub.stores) {
      const builder = topology.stores().get(name)!;
      const store = builder.build(defaultSerdes) as StateStore & RestorableStateStore;
      const topic = changelogTopic(config.applicationId, name);
      const changelog = builder.loggingEnabled
        ? {
            topic,
            partition,
            append: (key: Buffer, value: Buffer | null, timestamp: number) => {
              if (link.append === undefined) throw new Error(`state store '${name}' of task ${taskId} is a standby copy: it is not written to`);
              link.append(topic, key, value, timestamp);
            },
          }
        : undefined;
      await store.init({
        taskId,
        taskDir,
        applicationId: config.applicationId,
        ...(changelog !== undefined ? { changelog } : {}),
        currentTimestamp: () => link.timestamp(),
      });
      stores.set(name, store);
      if (changelog !== undefined) changelogs.set(name, { topic, partition });
    }
  } catch (err) {
    for (const store of stores.values()) await store.close().catch(() => undefined);
    throw err;
  }
  return { stores, changelogs, link };
}
