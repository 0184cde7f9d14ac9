/**
 * Interactive queries across instances for an app of several stream threads: each thread is a
 * member of the group and learns every instance's hosts from its assignment, so one thread's
 * metadata answers for the instance. The supervisor serializes the key and runs the partitioner
 * (functions that stay on the main thread) over the snapshot the thread hands it.
 */
import type { Serde } from '@rivulet/serde';
import { UnknownStateStoreError } from '../../state/unknown-state-store-error.js';
import { keyQueryMetadata, metadataForStore, serializeQueryKey } from '../internals/metadata/streams-metadata-state.js';
import { KeyQueryMetadata, type KeyQueryOptions, type StreamsMetadata } from '../streams-metadata.js';
import type { StreamsAppState } from '../streams-app.js';
import type { ThreadMetadata } from './thread-protocol.js';
import type { QueryTarget } from './thread-queries.js';

/** The metadata of the first thread that answers; undefined when none does (all starting or busy). */
export function firstThreadMetadata(targets: readonly QueryTarget[]): ThreadMetadata | undefined {
  for (const t of targets) {
    if (!t.queryable) continue;
    try {
      return t.ask({ type: 'metadata' }) as ThreadMetadata;
    } catch {
      // busy or gone: the next thread answers as well
    }
  }
  return undefined;
}

/** Throws, as `store(name)` does, for a name that is no store of the threads' topology. */
function assertStore(metadata: ThreadMetadata | undefined, store: string): void {
  if (metadata !== undefined && !metadata.storeNames.includes(store)) throw new UnknownStateStoreError(store, metadata.storeNames);
}

/** `StreamThreadsApp.queryMetadataForKey`: NOT_AVAILABLE unless the app and the thread asked are RUNNING. */
export function threadsKeyQueryMetadata<K>(state: StreamsAppState, targets: readonly QueryTarget[], store: string, key: K, keySerde: Serde<K>, options?: KeyQueryOptions): KeyQueryMetadata {
  const metadata = firstThreadMetadata(targets);
  assertStore(metadata, store);
  const snapshot = metadata?.snapshot;
  if (state !== 'RUNNING' || snapshot === undefined) return KeyQueryMetadata.NOT_AVAILABLE;
  const topic = snapshot.stores[store]?.topicWithMostPartitions;
  if (topic === undefined) return keyQueryMetadata(snapshot, store, Buffer.alloc(0));
  return keyQueryMetadata(snapshot, store, serializeQueryKey(keySerde, key, topic, store), options?.partitioner);
}

/** `StreamThreadsApp.allMetadataForStore`: empty unless RUNNING. */
export function threadsMetadataForStore(state: StreamsAppState, targets: readonly QueryTarget[], store: string): StreamsMetadata[] {
  const metadata = firstThreadMetadata(targets);
  assertStore(metadata, store);
  if (state !== 'RUNNING' || metadata?.snapshot === undefined) return [];
  return metadataForStore(metadata.snapshot, store);
}

/** `StreamThreadsApp.metadataForAllStreamsClients`: empty unless RUNNING. */
export function threadsMetadataForAllClients(state: StreamsAppState, targets: readonly QueryTarget[]): StreamsMetadata[] {
  if (state !== 'RUNNING') return [];
  return [...(firstThreadMetadata(targets)?.snapshot?.hosts ?? [])];
}
