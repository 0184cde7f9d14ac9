/**
 * The TopologyTestDriver's options (issue 18, part 5): a misspelled option fails at construction,
 * naming it and listing the known ones, rather than being ignored.
 */
import { ConfigError } from '@rivulet/core';
import { serdes } from '@rivulet/serde';
import { StreamsBuilder } from '@rivulet/streams';
import { describe, expect, it } from 'vitest';
import { TopologyTestDriver, type TopologyTestDriverOptions } from '../../src/index.js';

const KNOWN =
  'applicationId, patternTopics, stateDir, partitionCounts, initialWallClockTimeMs, deserializationExceptionHandler, processingExceptionHandler, ' +
  'productionExceptionHandler, logger, defaultKeySerde, defaultValueSerde, traceContext, startTimestampMs, autoAdvanceMs';

function topology() {
  const builder = new StreamsBuilder();
  builder.source('in', { key: serdes.string(), value: serdes.string() }).sink('out', { key: serdes.string(), value: serdes.string() });
  return builder.build();
}

describe('TopologyTestDriver options', () => {
  it('rejects an unknown option, naming it and listing the known ones', () => {
    const misspelled = { startTimestamp: 1000 } as TopologyTestDriverOptions;
    const error = (() => {
      try {
        new TopologyTestDriver(topology(), misspelled);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toBe(`Invalid Rivulet config: startTimestamp is not a TopologyTestDriver option; the options are ${KNOWN}.`);
    expect((error as ConfigError).settings).toEqual(['startTimestamp']);
  });

  it('names every unknown option at once', () => {
    const options = { autoAdvance: 5, applicationID: 'x' } as TopologyTestDriverOptions;
    expect(() => new TopologyTestDriver(topology(), options)).toThrow(
      expect.objectContaining({ settings: ['autoAdvance', 'applicationID'], message: expect.stringMatching(/^Invalid Rivulet config, 2 problems:\n- autoAdvance is not/) }),
    );
  });

  it('takes the known ones', () => {
    const driver = new TopologyTestDriver(topology(), { startTimestampMs: 1000, autoAdvanceMs: 10, applicationId: 'app' });
    const input = driver.createInputTopic('in', serdes.string(), serdes.string());
    const output = driver.createOutputTopic('out', serdes.string(), serdes.string());
    input.pipeInput('k', 'a');
    input.pipeInput('k', 'b');
    expect(output.readRecordsToList().map((r) => r.timestamp)).toEqual([1000, 1010]);
  });
});
