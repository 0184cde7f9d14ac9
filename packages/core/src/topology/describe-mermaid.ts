import type { NodeDescription } from './description.js';

/** What the Mermaid diagram is drawn from: the sub-topologies of a description. */
interface MermaidInput {
  readonly subTopologies: readonly { readonly id: number; readonly nodes: readonly NodeDescription[] }[];
}

/** A sink's topic when a topic-name extractor chooses it per record. */
const EXTRACTOR = '<extractor>';

/**
 * A Mermaid flowchart of a topology: each sub-topology a subgraph of its nodes (sources as
 * stadiums, processors as boxes, sinks as subroutines) and its stores (cylinders, dotted to the
 * processors using them); topics sit outside, as parallelograms, so a repartition topic links the
 * sub-topology writing it to the one reading it. Node ids are generated (`n0`, `t0`, `s0`): names
 * are labels, quoted and escaped, so any name draws.
 */
export function topologyToMermaid(description: MermaidInput): string {
  const nodeIds = new Map<string, string>();
  for (const sub of description.subTopologies) for (const node of sub.nodes) nodeIds.set(node.name, `n${nodeIds.size}`);
  const topicIds = new Map<string, string>();
  const topicLines: string[] = [];
  const topicNode = (label: string, key: string): string => {
    let id = topicIds.get(key);
    if (id === undefined) {
      id = `t${topicIds.size}`;
      topicIds.set(key, id);
      topicLines.push(`  ${id}[/"${escape(label)}"/]`);
    }
    return id;
  };
  const storeIds = new Map<string, string>();

  const lines = ['flowchart LR'];
  const edges: string[] = [];
  for (const sub of description.subTopologies) {
    lines.push(`  subgraph sub${sub.id} ["Sub-topology: ${sub.id}"]`);
    for (const node of sub.nodes) {
      const id = nodeIds.get(node.name)!;
      const label = escape(node.name);
      lines.push(`    ${id}${node.kind === 'source' ? `(["${label}"])` : node.kind === 'sink' ? `[["${label}"]]` : `["${label}"]`}`);
      for (const store of node.stores) {
        if (!storeIds.has(store)) {
          storeIds.set(store, `s${storeIds.size}`);
          lines.push(`    ${storeIds.get(store)!}[("${escape(store)}")]`);
        }
      }
    }
    lines.push('  end');
    for (const node of sub.nodes) {
      const id = nodeIds.get(node.name)!;
      if (node.kind === 'source') for (const topic of node.topics) edges.push(`  ${topicNode(topic, topic)} --> ${id}`);
      for (const child of node.successors) edges.push(`  ${id} --> ${nodeIds.get(child)!}`);
      for (const store of node.stores) edges.push(`  ${id} -.- ${storeIds.get(store)!}`);
      if (node.kind === 'sink') {
        const topic = node.topics[0] ?? EXTRACTOR;
        // Each extractor sink gets its own "topic per record" node: they are not one topic.
        edges.push(`  ${id} --> ${topic === EXTRACTOR ? topicNode('topic chosen per record', `${EXTRACTOR}${node.name}`) : topicNode(topic, topic)}`);
      }
    }
  }
  return `${[...lines, ...topicLines, ...edges].join('\n')}\n`;
}

/** Mermaid reads `"` as the end of a label and `<` `>` as HTML: use its entity codes. */
function escape(text: string): string {
  return text.replace(/"/g, '#quot;').replace(/</g, '#lt;').replace(/>/g, '#gt;');
}
