import type { InternalTopicDef, NodeDef, SinkNodeDef, SourceNodeDef } from './nodes.js';

/**
 * A connected part of the topology: nodes linked by parent edges or by a shared state store. Its
 * tasks are numbered `<id>_<partition>`.
 */
export interface SubTopology {
  /** The sub-topology's number, the first part of its task ids. */
  readonly id: number;
  /** Node names in the order they were added (parents before children). */
  readonly nodes: readonly string[];
  /** Its source nodes. */
  readonly sources: readonly SourceNodeDef[];
  /** Its sink nodes. */
  readonly sinks: readonly SinkNodeDef[];
  /** Topics read, as named in the topology (internal topics by their short name). */
  readonly sourceTopics: readonly string[];
  /** Names of the state stores its processors use. */
  readonly stores: readonly string[];
  /**
   * Groups of source topics that must have the same partition count: the topics whose records
   * meet in one store (a join or an aggregation over several sources).
   */
  readonly copartitionGroups: readonly (readonly string[])[];
  /** Internal topics this sub-topology writes (static sink topics only). */
  readonly writesInternalTopics: readonly string[];
}

/** Splits the node graph into sub-topologies with a union-find over parent edges and shared stores. */
export function buildSubTopologies(nodes: readonly NodeDef[], internalTopics: ReadonlyMap<string, InternalTopicDef>): SubTopology[] {
  const parent = new Map<string, string>();
  const find = (x: string): string => {
    let root = x;
    while (parent.get(root) !== root) root = parent.get(root)!;
    // Path compression keeps later finds flat.
    let cur = x;
    while (cur !== root) {
      const next = parent.get(cur)!;
      parent.set(cur, root);
      cur = next;
    }
    return root;
  };
  const union = (a: string, b: string): void => {
    const ra = find(a);
    const rb = find(b);
    if (ra !== rb) parent.set(rb, ra);
  };
  for (const node of nodes) parent.set(node.name, node.name);
  const storeUsers = new Map<string, string[]>();
  for (const node of nodes) {
    if (node.kind !== 'source') for (const p of node.parents) union(node.name, p);
    if (node.kind === 'processor') {
      for (const store of node.stores) {
        const users = storeUsers.get(store) ?? [];
        users.push(node.name);
        storeUsers.set(store, users);
      }
    }
  }
  for (const users of storeUsers.values()) for (const u of users.slice(1)) union(users[0]!, u);

  const groups = new Map<string, NodeDef[]>();
  for (const node of nodes) {
    const root = find(node.name);
    const list = groups.get(root) ?? [];
    list.push(node);
    groups.set(root, list);
  }

  const byName = new Map(nodes.map((n) => [n.name, n]));
  const result: SubTopology[] = [];
  for (const members of groups.values()) {
    const sources = members.filter((n): n is SourceNodeDef => n.kind === 'source');
    const sinks = members.filter((n): n is SinkNodeDef => n.kind === 'sink');
    const stores = [...new Set(members.flatMap((n) => (n.kind === 'processor' ? [...n.stores] : [])))];
    const copartitionGroups: string[][] = [];
    for (const store of stores) {
      const topics = new Set<string>();
      for (const user of storeUsers.get(store) ?? []) for (const t of upstreamTopics(user, byName)) topics.add(t);
      if (topics.size > 1) copartitionGroups.push([...topics]);
    }
    result.push({
      id: result.length,
      nodes: members.map((n) => n.name),
      sources,
      sinks,
      sourceTopics: sources.flatMap((s) => s.topics),
      stores,
      copartitionGroups,
      writesInternalTopics: sinks.flatMap((s) => (typeof s.topic === 'string' && internalTopics.has(s.topic) ? [s.topic] : [])),
    });
  }
  return result;
}

function upstreamTopics(name: string, byName: ReadonlyMap<string, NodeDef>): string[] {
  const seen = new Set<string>();
  const topics: string[] = [];
  const stack = [name];
  while (stack.length > 0) {
    const n = byName.get(stack.pop()!);
    if (n === undefined || seen.has(n.name)) continue;
    seen.add(n.name);
    if (n.kind === 'source') topics.push(...n.topics);
    else stack.push(...n.parents);
  }
  return topics;
}
