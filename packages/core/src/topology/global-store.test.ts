import { serdes } from '@rivulet/serde';
import { describe, expect, it } from 'vitest';
import type { ProcessorSupplier } from '../processor/processor.js';
import { Stores } from '../state/stores.js';
import { checkDefaultSerdes } from './check-default-serdes.js';
import { Topology } from './topology.js';

const str = serdes.string();
const noop: ProcessorSupplier<unknown, unknown, void, void> = () => ({ process: () => undefined });
const builder = (name: string) => Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(name), str, str);

/** Topology.addGlobalStore: a store and its source and update processor outside of every sub-topology. */
describe('Topology.addGlobalStore', () => {
  function topology(): Topology {
    return new Topology()
      .addGlobalStore(builder('names'), 'names-source', 'names', { key: str, value: str }, 'names-updater', noop)
      .addSource('in', 'input', { key: str, value: str })
      .addProcessor('p', noop as ProcessorSupplier<unknown, unknown, unknown, unknown>, 'in')
      .addSink('out', 'output', { key: str, value: str }, 'p');
  }

  it('keeps the global source and store out of the sub-topologies, without a changelog', () => {
    const t = topology();
    expect(t.subTopologies().map((s) => [s.sourceTopics, s.stores])).toEqual([[['input'], []]]);
    expect([...t.stores().keys()]).toEqual([]);
    expect(t.globalStores().get('names')?.loggingEnabled).toBe(false);
    expect(t.globalSubTopologies()).toEqual([
      expect.objectContaining({ id: -1, nodes: ['names-source', 'names-updater'], sourceTopics: ['names'], stores: ['names'], copartitionGroups: [] }),
    ]);
  });

  it('refuses a store name, a node name or a topic already taken', () => {
    expect(() => topology().addGlobalStore(builder('names'), 's2', 't2', {}, 'u2', noop)).toThrow(/state store 'names' is already added/);
    expect(() => topology().addStateStore(builder('names'), 'p')).toThrow(/state store 'names' is already added/);
    expect(() => topology().addGlobalStore(builder('other'), 'in', 't2', {}, 'u2', noop)).toThrow(/a node named 'in' already exists/);
    expect(() => topology().addSource('names-updater', 'x', {})).toThrow(/a node named 'names-updater' already exists/);
    expect(() => topology().addGlobalStore(builder('other'), 's2', 'input', {}, 'u2', noop)).toThrow(/topic 'input' is already read by source 'in'/);
    expect(() => topology().addSource('s3', 'names', {})).toThrow(/topic 'names' is already read by source 'names-source'/);
  });

  it('checks the global source serdes against the app defaults', () => {
    const t = new Topology().addGlobalStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore('g')), 'g-source', 'g-topic', {}, 'g-updater', noop);
    t.addSource('in', 'input', { key: str, value: str });
    expect(() => checkDefaultSerdes(t, {})).toThrow(/source 'g-source' \(topic 'g-topic'\) has no key serde.*state store 'g' has no key serde/);
    expect(() => checkDefaultSerdes(t, { key: str, value: str })).not.toThrow();
  });
});
