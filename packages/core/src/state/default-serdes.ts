import type { Serde } from '@rivulet/serde';
import { TopologyError } from '../errors/topology-error.js';

/**
 * The serdes an app uses where a source, sink or store of its topology names none: Kafka Streams'
 * `default.key.serde` and `default.value.serde`. Set them as `defaultKeySerde` / `defaultValueSerde`
 * on the app's config (or the TopologyTestDriver's options).
 */
export interface DefaultSerdes {
  readonly key?: Serde<unknown> | undefined;
  readonly value?: Serde<unknown> | undefined;
}

/**
 * The serde a node or store uses: its own, else the app's default (which `checkDefaultSerdes`
 * made sure of at construction).
 *
 * @internal
 */
export function serdeOrDefault<T>(own: Serde<T> | undefined, fallback: Serde<unknown> | undefined, owner: string, part: 'key' | 'value'): Serde<T> {
  const serde = own ?? (fallback as Serde<T> | undefined);
  if (serde === undefined) {
    throw new TopologyError(`${owner} has no ${part} serde and the app sets no default: pass one, or set default${part === 'key' ? 'Key' : 'Value'}Serde`);
  }
  return serde;
}
