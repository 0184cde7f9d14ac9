/**
 * Null keys and values that aggregations and joins cannot use (issue 18, part 5): each is counted
 * as a dropped record (reason null-key-or-value) and logged once per reason and interval, for the
 * operators dropped-records.test.ts does not already cover: reduce, aggregate, cogroup and the
 * table-table join.
 */
import type { Logger } from '@rivulet/core';
import { serdes } from '@rivulet/serde';
import { StreamsBuilder } from '@rivulet/streams';
import { describe, expect, it } from 'vitest';
import { TopologyTestDriver } from '../../../src/index.js';

const str = serdes.string();

function recording(): { logger: Logger; warnings: string[] } {
  const warnings: string[] = [];
  const none = () => undefined;
  return { warnings, logger: { debug: none, info: none, warn: (m) => void warnings.push(m), error: none } };
}
const nullLines = (warnings: readonly string[]) => warnings.filter((w) => w.includes('(null-key-or-value:'));

describe('null keys and values dropped by aggregations and joins', () => {
  it('reduce and aggregate: null keys and null values counted, one log line per reason and interval', () => {
    const b = new StreamsBuilder({ warn: () => undefined });
    const grouped = b.source('in', { key: str, value: str }).groupByKey();
    grouped.reduce((a, v) => a + v, { store: 'r' }).toStream().sink('reduced', { value: str });
    grouped.aggregate(() => '', (_k, v, agg) => agg + v.length, { store: 'a', value: str }).toStream().sink('aggregated', { value: str });
    const { logger, warnings } = recording();
    const driver = new TopologyTestDriver(b.build(), { logger });
    const input = driver.createInputTopic('in', str, str);
    input.pipeInput('k', 'ab', 1);
    for (let i = 0; i < 50; i++) input.pipeInput(null, 'x', 2 + i);
    input.pipeInput('k', null, 60);
    input.pipeInput('k', 'c', 61);
    expect(driver.createOutputTopic('reduced', str, str).readValuesToList()).toEqual(['ab', 'abc']);
    expect(driver.createOutputTopic('aggregated', str, str).readValuesToList()).toEqual(['2', '21']);
    // Each record with a null reaches both aggregations: 51 records, dropped twice each.
    expect(driver.droppedRecords()).toEqual({ total: 102, byReason: { 'null-key-or-value': 102 } });
    expect(nullLines(warnings)).toHaveLength(1);
  });

  it('cogroup: a null key on any input is counted as dropped', () => {
    const b = new StreamsBuilder({ warn: () => undefined });
    const letters = b.source('letters', { key: str, value: str }).groupByKey();
    const digits = b.source('digits', { key: str, value: str }).groupByKey();
    letters
      .cogroup<string>((_k, v, agg) => agg + v)
      .cogroup(digits, (_k, v, agg) => agg + v)
      .aggregate(() => '', { store: 'trail', value: str })
      .toStream()
      .sink('out', { value: str });
    const { logger, warnings } = recording();
    const driver = new TopologyTestDriver(b.build(), { logger });
    driver.createInputTopic('letters', str, str).pipeInput(null, 'a', 1);
    driver.createInputTopic('digits', str, str).pipeInput(null, '1', 2);
    driver.createInputTopic('digits', str, str).pipeInput('k', '2', 3);
    expect(driver.createOutputTopic('out', str, str).readKeyValuesToList()).toEqual([['k', '2']]);
    expect(driver.droppedRecords()).toEqual({ total: 2, byReason: { 'null-key-or-value': 2 } });
    expect(nullLines(warnings)).toHaveLength(1);
  });

  it('table-table join: a null key is counted as dropped', () => {
    const b = new StreamsBuilder({ warn: () => undefined });
    const left = b.table('left', { key: str, value: str, store: 'left-store' });
    const right = b.table('right', { key: str, value: str, store: 'right-store' });
    left.join(right, (l, r) => `${l}+${r}`).toStream().sink('out', { value: str });
    const driver = new TopologyTestDriver(b.build(), { logger: recording().logger });
    driver.createInputTopic('left', str, str).pipeInput('k', 'l', 1);
    driver.createInputTopic('right', str, str).pipeInput(null, 'r', 2);
    driver.createInputTopic('right', str, str).pipeInput('k', 'r', 3);
    expect(driver.createOutputTopic('out', str, str).readValuesToList()).toEqual(['l+r']);
    expect(driver.droppedRecords().byReason['null-key-or-value']).toBe(1);
  });
});
