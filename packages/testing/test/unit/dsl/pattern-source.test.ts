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

  it('feeds a pattern source from an input topic made after the driver, as the app picks up a topic created later', () => {
    const driver = new TopologyTestDriver(eventsTopology(), { patternTopics: ['events-a'] });
    driver.createInputTopic('events-a', serdes.string(), serdes.string()).pipeInput('k1', 'from a');
    const later = driver.createInputTopic('events-later', serdes.string(), serdes.string());
    later.pipeInput('k2', 'from later');
    later.pipeInput('k3', 'again');
    expect(() => driver.createInputTopic('other-later', serdes.string(), serdes.string()).pipeInput('k4', 'x')).toThrow(/does not read topic 'other-later'/);
    expect(driver.createOutputTopic('all-events', serdes.string(), serdes.string()).readKeyValuesToList()).toEqual([
      ['k1', 'FROM A'],
      ['k2', 'FROM LATER'],
      ['k3', 'AGAIN'],
    ]);
  });

  it('keeps one task and its state across the topics a pattern source reads, the later ones included', () => {
    const builder = new StreamsBuilder({ warn: () => undefined });
    builder
      .source(/^clicks-.*/, { key: serdes.string(), value: serdes.string() })
      .groupByKey()
      .count({ name: 'clicks-per-user' })
      .toStream()
      .sink('click-counts', { key: serdes.string(), value: serdes.int64() });
    const driver = new TopologyTestDriver(builder.build(), { patternTopics: ['clicks-web'] });
    driver.createInputTopic('clicks-web', serdes.string(), serdes.string()).pipeInput('ann', 'home', 1_000);
    driver.createInputTopic('clicks-mobile', serdes.string(), serdes.string()).pipeInput('ann', 'cart', 2_000);
    driver.createInputTopic('clicks-web', serdes.string(), serdes.string()).pipeInput('bob', 'home', 3_000);
    expect(driver.createOutputTopic('click-counts', serdes.string(), serdes.int64()).readKeyValuesToList()).toEqual([
      ['ann', 1n],
      ['ann', 2n],
      ['bob', 1n],
    ]);
    expect(driver.getKeyValueStore<string, bigint>('clicks-per-user').get('ann')).toBe(2n);
  });
});
