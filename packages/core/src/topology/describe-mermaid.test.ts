import { serdes } from '@rivulet/serde';
import { describe, expect, it } from 'vitest';
import { Stores } from '../state/stores.js';
import { Topology } from './topology.js';

const strings = { key: serdes.string(), value: serdes.string() };

/** Two sub-topologies joined by a repartition topic; a store; a sink per record. */
function topology(): Topology {
  return new Topology()
    .addSource('lines', 'text-lines', strings)
    .addProcessor('split', () => ({ process: () => undefined }), 'lines')
    .addInternalTopic('words-repartition')
    .addSink('to-words', 'words-repartition', strings, 'split')
    .addSource('words', 'words-repartition', strings)
    .addProcessor('count', () => ({ process: () => undefined }), 'words')
    .addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore('word-counts'), serdes.string(), serdes.int64()), 'count')
    .addSink('counts', 'word-counts', strings, 'count')
    .addSink('by-initial', (record) => `words-${String(record.key).slice(0, 1)}`, strings, 'count');
}

describe('TopologyDescription.toMermaid', () => {
  it('draws sub-topologies as subgraphs, topics between them and stores beside their processors', () => {
    expect(topology().describe().toMermaid()).toBe(
      [
        'flowchart LR',
        '  subgraph sub0 ["Sub-topology: 0"]',
        '    n0(["lines"])',
        '    n1["split"]',
        '    n2[["to-words"]]',
        '  end',
        '  subgraph sub1 ["Sub-topology: 1"]',
        '    n3(["words"])',
        '    n4["count"]',
        '    s0[("word-counts")]',
        '    n5[["counts"]]',
        '    n6[["by-initial"]]',
        '  end',
        '  t0[/"text-lines"/]',
        '  t1[/"words-repartition"/]',
        '  t2[/"word-counts"/]',
        '  t3[/"topic chosen per record"/]',
        '  t0 --> n0',
        '  n0 --> n1',
        '  n1 --> n2',
        '  n2 --> t1',
        '  t1 --> n3',
        '  n3 --> n4',
        '  n4 --> n5',
        '  n4 --> n6',
        '  n4 -.- s0',
        '  n5 --> t2',
        '  n6 --> t3',
        '',
      ].join('\n'),
    );
  });

  it('quotes and escapes names Mermaid would read as syntax', () => {
    const text = new Topology()
      .addSource('a "quoted" <source>', 'in', strings)
      .addSink('sink', 'out', strings, 'a "quoted" <source>')
      .describe()
      .toMermaid();
    expect(text).toContain('n0(["a #quot;quoted#quot; #lt;source#gt;"])');
  });
});
