import { serdes } from '@rivulet/serde';
import { TopologyTestDriver } from '@rivulet/testing';
import { describe, expect, it } from 'vitest';
import { CPU_HEAVY_ROUNDS, cpuHeavyDigest, cpuHeavyOutput, cpuHeavyTopology, cpuHeavyValue } from './cpu-heavy-topology.js';
import { valueOf } from './input.js';
import { FirstRecordProbe } from './topologies.js';

const latin1 = (s: string) => Buffer.from(s, 'latin1');
const hex = (n: number) => n.toString(16).padStart(8, '0');

// Vectors: the first three are FNV-1a 32-bit's published ones (one round); the others were computed
// once with KStreamsBench.cpuHeavyOutput (Java 17) and are what Kafka Streams writes for the same input.
describe('cpuHeavyDigest', () => {
  it('is FNV-1a 32-bit for one round', () => {
    expect(hex(cpuHeavyDigest(latin1(''), 1))).toBe('811c9dc5');
    expect(hex(cpuHeavyDigest(latin1('a'), 1))).toBe('e40c292c');
    expect(hex(cpuHeavyDigest(latin1('foobar'), 1))).toBe('bf9cf968');
  });

  it('matches the Java implementation over the bench input at the bench rounds, and bytes above 0x7f', () => {
    expect(CPU_HEAVY_ROUNDS).toBe(400);
    expect(hex(cpuHeavyDigest(valueOf(0, 100)))).toBe('c1d94c85');
    expect(hex(cpuHeavyDigest(valueOf(123456, 100)))).toBe('1c9de185');
    expect(hex(cpuHeavyDigest(Buffer.from([0xff, 0x80, 0x00, 0x7f]), 3))).toBe('ffac35cf');
  });

  it('goes on from the previous round: two rounds of v are one round of v twice', () => {
    const v = latin1('seq=42;....');
    expect(cpuHeavyDigest(v, 2)).toBe(cpuHeavyDigest(Buffer.concat([v, v]), 1));
    expect(cpuHeavyDigest(v, 2)).not.toBe(cpuHeavyDigest(v, 1));
  });
});

describe('cpuHeavyOutput', () => {
  it('writes the digest as 8 lower-case hex digits, a bar, then the value', () => {
    expect(cpuHeavyOutput(latin1('a'), 1).toString('latin1')).toBe('e40c292c|a');
    expect(cpuHeavyOutput(valueOf(123456, 100)).toString('latin1')).toBe(`1c9de185|${valueOf(123456, 100).toString('latin1')}`);
    // Leading zeros are kept.
    expect(cpuHeavyValue(0xabc, latin1('x')).toString('latin1')).toBe('00000abc|x');
  });
});

describe('cpuHeavyTopology', () => {
  it('maps each value to its cpu-heavy output, key and timestamp unchanged, and marks the first record', async () => {
    let marked = 0;
    const driver = await TopologyTestDriver.create(cpuHeavyTopology('in', 'out', new FirstRecordProbe(() => marked++)));
    try {
      const input = driver.createInputTopic('in', serdes.bytes(), serdes.bytes());
      const output = driver.createOutputTopic('out', serdes.bytes(), serdes.bytes());
      input.pipeInput(latin1('key-00001'), valueOf(0, 100), 1_000);
      input.pipeInput(latin1('key-00002'), valueOf(123456, 100), 2_000);
      const records = output.readRecordsToList();
      expect(records.map((r) => [r.key?.toString('latin1'), r.value?.toString('latin1', 0, 20), r.timestamp])).toEqual([
        ['key-00001', 'c1d94c85|seq=0;.....', 1_000],
        ['key-00002', '1c9de185|seq=123456;', 2_000],
      ]);
      expect(marked).toBe(1);
    } finally {
      await driver.close();
    }
  });
});
