import type { BuilderContext } from './builder-context.js';

/** Per builder: the grace period of each windowed aggregation node, by node name. */
const graces = new WeakMap<BuilderContext, Map<string, number>>();

/**
 * Records that `nodeName` is a windowed aggregation whose windows close `graceMs` after their end:
 * what `Suppressed.untilWindowCloses` reads on a table downstream of it. Every operator that
 * makes a windowed table calls it.
 *
 * @internal
 */
export function registerWindowGrace(ctx: BuilderContext, nodeName: string, graceMs: number): void {
  let byNode = graces.get(ctx);
  if (byNode === undefined) graces.set(ctx, (byNode = new Map()));
  byNode.set(nodeName, graceMs);
}

/**
 * The grace period of the windowed aggregation a table node comes from, searched upstream through
 * the nodes feeding it (a table derived from a windowed table by filter or mapValues keeps its
 * windows); with several windowed parents (a join), the smallest, as Kafka Streams'
 * `GraphGraceSearchUtil`. Undefined when no windowed aggregation is upstream in its sub-topology.
 *
 * @internal
 */
export function windowGraceOf(ctx: BuilderContext, nodeName: string): number | undefined {
  const byNode = graces.get(ctx);
  if (byNode === undefined) return undefined;
  const own = byNode.get(nodeName);
  if (own !== undefined) return own;
  // The topology's description names each node's predecessors (build time only, never per record).
  const predecessors = new Map<string, readonly string[]>();
  for (const sub of ctx.topology.describe().subTopologies) for (const node of sub.nodes) predecessors.set(node.name, node.predecessors);
  let grace: number | undefined;
  const seen = new Set<string>();
  const pending = [nodeName];
  while (pending.length > 0) {
    const name = pending.pop()!;
    if (seen.has(name)) continue;
    seen.add(name);
    const found = byNode.get(name);
    if (found !== undefined) {
      grace = grace === undefined ? found : Math.min(grace, found);
      continue;
    }
    pending.push(...(predecessors.get(name) ?? []));
  }
  return grace;
}
