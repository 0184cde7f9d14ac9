import { serdes } from '@rivulet/serde';
import { StreamsBuilder } from '@rivulet/streams';
import { describe, expect, it } from 'vitest';
import { TopologyTestDriver } from '../../../src/index.js';

function eventsTopology() {
  const builder = new StreamsBuilder({ warn: () => undefined });
  builder
    .source(/^events-.*/, { key: serdes.string(), value: serdes.string() })
    .mapValues((v) => v.toUpperCase())
    .sink('all-events', { key: serdes.string(), value: serdes.string() });
  return builder.build();
}

describe('pattern sources', () => {
  it('reads every topic the pattern matches', () => {
    const driver = new TopologyTestDriver(eventsTopology(), { patternTopics: ['events-a', 'events-b', 'other'] });
    driver.createInputTopic('events-a', serdes.string(), serdes.string()).pipeInput('k1', 'from a');
    driver.createInputTopic('events-b', serdes.string(), serdes.string()).pipeInput('k2', 'from b');
    expect(() => driver.createInputTopic('other', serdes.string(), serdes.string()).pipeInput('k3', 'x')).toThrow(
      /does not read topic 'other'/,
    );
    expect(driver.createOutputTopic('all-events', serdes.string(), serdes.string()).readKeyValuesToList()).toEqual([
      ['k1', 'FROM A'],
      ['k2', 'FROM B'],
    ]);
  });

  it('needs the matched topics in the driver, and at least one match', () => {
    expect(() => new TopologyTestDriver(eventsTopology())).toThrow(/pattern sources: pass the topics they should match as the patternTopics option/);
    expect(() => new TopologyTestDriver(eventsTopology(), { patternTopics: ['other'] })).toThrow(/pattern \/\^events-\.\*\/ matches no existing topic/);
  });
});
