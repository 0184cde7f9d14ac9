import { TopologyError } from '../errors/topology-error.js';
import type { DefaultSerdes } from '../state/default-serdes.js';
import type { StoreBuilder } from '../state/store-builder.js';
import type { Topology } from './topology.js';

/**
 * Checks that every source, sink and store of a topology has its serdes, or that the app's defaults
 * fill the gaps: called when an app (or test driver) is constructed, so a missing serde fails there
 * and not at the first record. The topology is not changed (tasks take the defaults when they build
 * their nodes), so two apps with different defaults can run one topology.
 *
 * @throws TopologyError listing every source, sink and store that has no serde and no default to
 *   fall back on, with the fix.
 */
export function checkDefaultSerdes(topology: Topology, defaults: DefaultSerdes): void {
  const missing: string[] = [];
  for (const def of [...topology.nodeDefs(), ...topology.globalNodeDefs().values()]) {
    if (def.kind === 'processor') continue;
    const where = def.kind === 'source' ? `source '${def.name}' (${describeTopics(def.topics, def.pattern)})` : `sink '${def.name}' (${typeof def.topic === 'string' ? `topic '${def.topic}'` : 'a topic extractor'})`;
    if ((def.keySerde ?? defaults.key) === undefined) missing.push(`${where} has no key serde`);
    if ((def.valueSerde ?? defaults.value) === undefined) missing.push(`${where} has no value serde`);
  }
  for (const builder of [...topology.stores().values(), ...topology.globalStores().values()]) {
    for (const part of missingStoreSerdes(builder, defaults)) missing.push(`state store '${builder.name}' has no ${part} serde`);
  }
  if (missing.length > 0) {
    throw new TopologyError(
      `${missing.join('; ')}, and the app sets no default for it. Fix: pass the serde where the stream, sink or store is ` +
        `defined (for example { key: serdes.string(), value: serdes.json() }), or set defaultKeySerde / defaultValueSerde ` +
        `in the app's config (the TopologyTestDriver's options in tests).`,
    );
  }
}

function missingStoreSerdes(builder: StoreBuilder, defaults: DefaultSerdes): ('key' | 'value')[] {
  const parts = builder.missingSerdes ?? [];
  return parts.filter((part) => (part === 'key' ? defaults.key : defaults.value) === undefined);
}

function describeTopics(topics: readonly string[], pattern: RegExp | undefined): string {
  if (pattern !== undefined && topics.length === 0) return `pattern ${String(pattern)}`;
  return topics.length === 1 ? `topic '${topics[0]}'` : `topics ${topics.map((t) => `'${t}'`).join(', ')}`;
}
