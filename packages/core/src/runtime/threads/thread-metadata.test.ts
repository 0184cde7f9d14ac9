import { serdes } from '@rivulet/serde';
import { describe, expect, it } from 'vitest';
import { partitionForKey } from '../../client/partitioner.js';
import { countingTopology } from '../../../test/support/topologies.js';
import { StreamsMetadataState } from '../internals/metadata/streams-metadata-state.js';
import { KeyQueryMetadata } from '../streams-metadata.js';
import type { ThreadMetadata } from './thread-protocol.js';
import { threadsKeyQueryMetadata, threadsMetadataForAllClients, threadsMetadataForStore } from './thread-metadata.js';
import type { QueryTarget } from './thread-queries.js';

/** A stream thread that answers `metadata` queries through structuredClone, as a worker would. */
function thread(name: string, answer: () => ThreadMetadata, queryable = true): QueryTarget & { asked: number } {
  const t = {
    name,
    queryable,
    asked: 0,
    ask(q: Parameters<QueryTarget['ask']>[0]) {
      if (q.type !== 'metadata') throw new Error('metadata queries only');
      t.asked++;
      return structuredClone(answer());
    },
  };
  return t;
}

function metadata(running: boolean): ThreadMetadata {
  const topology = countingTopology('input', 'copies', 'counts');
  const s = new StreamsMetadataState(() => topology, () => (n) => n, () => new Map([['input', 4]]), () => 'a:1');
  s.onAssignment([
    { server: 'a:1', tasks: ['0_0', '0_1'], standbys: [] },
    { server: 'b:2', tasks: ['0_2', '0_3'], standbys: [] },
  ]);
  return { storeNames: ['counts'], snapshot: running ? s.snapshot() : undefined };
}

describe('StreamThreadsApp interactive queries across instances', () => {
  it("answers from a thread's snapshot, serializing and partitioning the key on the main thread", () => {
    const starting = thread('t-1', () => metadata(true), false);
    const busy = thread('t-2', () => {
      throw new Error('did not answer in time');
    });
    const running = thread('t-3', () => metadata(true));
    const targets = [starting, busy, running];
    for (const key of ['alice', 'bob', 'carol', 'dave']) {
      const partition = partitionForKey(Buffer.from(key), 4);
      const where = threadsKeyQueryMetadata('RUNNING', targets, 'counts', key, serdes.string());
      expect(where, key).toEqual({ activeHost: partition < 2 ? { host: 'a', port: 1 } : { host: 'b', port: 2 }, standbyHosts: [], partition });
    }
    expect(starting.asked).toBe(0);
    expect(threadsMetadataForStore('RUNNING', targets, 'counts').map((m) => m.hostInfo.port)).toEqual([1, 2]);
    expect(threadsMetadataForAllClients('RUNNING', targets)).toHaveLength(2);
  });

  it('is NOT_AVAILABLE (and lists nothing) unless the app and the thread asked are RUNNING; names an unknown store', () => {
    const up = [thread('t-1', () => metadata(true))];
    expect(threadsKeyQueryMetadata('REBALANCING', up, 'counts', 'k', serdes.string())).toBe(KeyQueryMetadata.NOT_AVAILABLE);
    expect(threadsMetadataForStore('REBALANCING', up, 'counts')).toEqual([]);
    expect(threadsMetadataForAllClients('NOT_RUNNING', up)).toEqual([]);
    const threadRebalancing = [thread('t-1', () => metadata(false))];
    expect(threadsKeyQueryMetadata('RUNNING', threadRebalancing, 'counts', 'k', serdes.string())).toBe(KeyQueryMetadata.NOT_AVAILABLE);
    expect(() => threadsKeyQueryMetadata('RUNNING', up, 'nope', 'k', serdes.string())).toThrow("the topology has no state store named 'nope'");
    expect(() => threadsMetadataForStore('REBALANCING', up, 'nope')).toThrow("no state store named 'nope'");
  });
});
