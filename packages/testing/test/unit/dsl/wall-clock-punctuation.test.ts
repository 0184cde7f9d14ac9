/**
 * Wall-clock punctuators in the TopologyTestDriver run on its virtual clock: they are scheduled from
 * it, fire as advanceWallClockTime passes their due time, and see it in currentSystemTimeMs().
 */
import { StreamRecord, Topology, type ProcessorContext, type ProcessorSupplier } from '@rivulet/core';
import { serdes } from '@rivulet/serde';
import { describe, expect, it } from 'vitest';
import { TopologyTestDriver } from '../../../src/index.js';

const str = serdes.string();

/** Forwards, every minute of wall-clock time, how many records it saw and the clock it read. */
const perMinute: ProcessorSupplier<string, string, string, string> = () => {
  let seen = 0;
  return {
    init: (ctx: ProcessorContext<string, string>) => {
      ctx.schedule(60_000, 'wall-clock-time', (now) => {
        ctx.forward(new StreamRecord('tick', `${seen} at ${now}, clock ${ctx.currentSystemTimeMs()}`, now));
      });
    },
    process: () => void seen++,
  };
};

describe('wall-clock punctuation in the TopologyTestDriver', () => {
  it('fires on the virtual clock, from the time the driver starts at', () => {
    const topology = new Topology().addSource('src', 'in', { key: str, value: str }).addProcessor('tick', perMinute, 'src').addSink('out', 'out', { key: str, value: str }, 'tick');
    const driver = new TopologyTestDriver(topology, { initialWallClockTimeMs: 1_000 });
    const input = driver.createInputTopic('in', str, str);
    const output = driver.createOutputTopic('out', str, str);
    input.pipeInput('a', 'x');
    driver.advanceWallClockTime(59_999);
    expect(output.readValuesToList()).toEqual([]);
    driver.advanceWallClockTime(1);
    expect(output.readValuesToList()).toEqual(['1 at 61000, clock 61000']);
    input.pipeInput('b', 'y');
    // Two minutes at once: one catch-up call, as in Kafka Streams; the next is due a minute after it.
    driver.advanceWallClockTime(120_000);
    expect(output.readValuesToList()).toEqual(['2 at 181000, clock 181000']);
    driver.advanceWallClockTime(59_999);
    expect(output.readValuesToList()).toEqual([]);
    driver.advanceWallClockTime(1);
    expect(output.readValuesToList()).toEqual(['2 at 241000, clock 241000']);
  });
});
