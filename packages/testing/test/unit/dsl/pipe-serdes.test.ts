/**
 * What pipe() does with the stream's serdes (issue 18, part 5): it keeps none, because its
 * operators may change the key and value types (as Kafka Streams' map), and says so at
 * construction, naming the sink that needs them; filter/mapValues keep them.
 */
import { TopologyError } from '@rivulet/core';
import { serdes } from '@rivulet/serde';
import { StreamsBuilder } from '@rivulet/streams';
import { filter } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { TopologyTestDriver } from '../../../src/index.js';

describe('pipe() and serdes', () => {
  it('a sink after pipe() with no serdes and no defaults fails at construction, naming the sink', () => {
    const builder = new StreamsBuilder();
    builder
      .source('in', { key: serdes.string(), value: serdes.string() })
      .pipe(filter((r) => r.value.length > 0))
      .sink('out');
    expect(() => new TopologyTestDriver(builder.build())).toThrow(TopologyError);
    expect(() => new TopologyTestDriver(builder.build())).toThrow(/sink '[^']+' \(topic 'out'\) has no key serde/);
  });

  it('serdes given at the sink after pipe(), or the DSL filter in its place, work', () => {
    const builder = new StreamsBuilder();
    const source = builder.source('in', { key: serdes.string(), value: serdes.string() });
    source.pipe(filter((r) => r.value.length > 1)).sink('piped', { key: serdes.string(), value: serdes.string() });
    source.filter((_k, v) => v.length > 1).sink('filtered');
    const driver = new TopologyTestDriver(builder.build());
    driver.createInputTopic('in', serdes.string(), serdes.string()).pipeValueList(['a', 'bb', 'ccc']);
    expect(driver.createOutputTopic('piped', serdes.string(), serdes.string()).readValuesToList()).toEqual(['bb', 'ccc']);
    expect(driver.createOutputTopic('filtered', serdes.string(), serdes.string()).readValuesToList()).toEqual(['bb', 'ccc']);
  });
});
