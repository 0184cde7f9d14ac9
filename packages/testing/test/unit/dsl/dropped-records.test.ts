/**
 * Dropped records through the DSL on the TopologyTestDriver (issue 15, part 5): each operator that
 * drops a record by design reports it with its reason, so `driver.droppedRecords()` counts it
 * exactly and the driver's logger gets a line per reason per task and interval, never one per record.
 */
import type { Logger } from '@rivulet/core';
import { serdes, type Serde } from '@rivulet/serde';
import { JoinWindows, LateRecordCounter, SessionWindows, SlidingWindows, StreamsBuilder, TimeWindows } from '@rivulet/streams';
import { describe, expect, it } from 'vitest';
import { TopologyTestDriver } from '../../../src/index.js';

const str = serdes.string();
const long = serdes.int64();

/** A logger that keeps the warnings. */
function recording(): { logger: Logger; warnings: string[] } {
  const warnings: string[] = [];
  const none = () => undefined;
  return { warnings, logger: { debug: none, info: none, warn: (m) => void warnings.push(m), error: none } };
}

const quietBuilder = () => new StreamsBuilder({ warn: () => undefined });
const dropLines = (warnings: readonly string[]) => warnings.filter((w) => / dropped (a record|\d+ records) \(/.test(w));

describe('dropped records on the TopologyTestDriver', () => {
  it('count(): each null key and each null value is dropped with reason null-key-or-value; one line, not one per record', () => {
    const b = quietBuilder();
    b.source('in', { key: str, value: str }).groupByKey().count({ store: 'counts' }).toStream().sink('out', { value: long });
    const { logger, warnings } = recording();
    const driver = new TopologyTestDriver(b.build(), { logger });
    const input = driver.createInputTopic('in', str, str);
    input.pipeInput('a', 'x', 1);
    for (let i = 0; i < 250; i++) input.pipeInput(null, `no key ${i}`, 2 + i);
    input.pipeInput('a', null, 300);
    input.pipeInput('a', 'y', 301);
    expect(driver.createOutputTopic('out', str, long).readKeyValuesToList()).toEqual([
      ['a', 1n],
      ['a', 2n],
    ]);
    expect(driver.droppedRecords()).toEqual({ total: 251, byReason: { 'null-key-or-value': 251 } });
    expect(dropLines(warnings)).toEqual([
      "task 0_0 dropped a record (null-key-or-value: a null key or value the operator cannot use) at node 'KSTREAM-AGGREGATE-0000000001', in-0 offset 1: a null key; 1 dropped for this reason so far",
    ]);
  });

  it('groupBy(): a null key from the selector is dropped by the aggregation after the repartition', () => {
    const b = quietBuilder();
    b.source('in', { key: str, value: str })
      .groupBy((_k, v) => (v.startsWith('-') ? (null as unknown as string) : v[0]!), { key: str, value: str, name: 'by-initial' })
      .count({ store: 'initial-counts' })
      .toStream()
      .sink('out', { value: long });
    const driver = new TopologyTestDriver(b.build(), { logger: recording().logger });
    driver.createInputTopic('in', str, str).pipeKeyValueList([
      ['1', 'apple'],
      ['2', '-skip'],
      ['3', '-skip too'],
    ]);
    expect(driver.droppedRecords()).toEqual({ total: 2, byReason: { 'null-key-or-value': 2 } });
  });

  it('stream-table join: a null value is dropped by inner and left joins, a null key by the inner join only', () => {
    for (const kind of ['join', 'leftJoin'] as const) {
      const b = quietBuilder();
      const customers = b.table('customers', { key: str, value: str, store: 'customers' });
      const orders = b.source('orders', { key: str, value: str });
      (kind === 'join'
        ? orders.join(customers, (o, c) => `${o} by ${c}`)
        : orders.leftJoin(customers, (o, c) => `${o} by ${c ?? 'nobody'}`)
      ).sink('out', { value: str });
      const { logger, warnings } = recording();
      const driver = new TopologyTestDriver(b.build(), { logger });
      driver.createInputTopic('customers', str, str).pipeInput('c1', 'Alice', 1);
      const input = driver.createInputTopic('orders', str, str);
      input.pipeInput('c1', null, 2);
      input.pipeInput('c1', null, 3);
      input.pipeInput('c1', null, 4);
      input.pipeInput(null, 'o-no-key', 5);
      input.pipeInput('c1', 'o1', 6);
      const out = driver.createOutputTopic('out', str, str).readValuesToList();
      if (kind === 'join') {
        expect(out).toEqual(['o1 by Alice']);
        expect(driver.droppedRecords()).toEqual({ total: 4, byReason: { 'null-key-or-value': 4 } });
      } else {
        expect(out).toEqual(['o-no-key by nobody', 'o1 by Alice']);
        expect(driver.droppedRecords()).toEqual({ total: 3, byReason: { 'null-key-or-value': 3 } });
      }
      expect(dropLines(warnings)).toEqual([
        `task 0_0 dropped a record (null-key-or-value: a null key or value the operator cannot use) at node 'KSTREAM-${kind === 'join' ? 'JOIN' : 'LEFTJOIN'}-0000000003', orders-0 offset 0: a null value; 1 dropped for this reason so far`,
      ]);
    }
  });

  it('a table source drops a null key', () => {
    const b = quietBuilder();
    b.table('t', { key: str, value: str, store: 't' }).toStream().sink('out', { value: str });
    const driver = new TopologyTestDriver(b.build(), { logger: recording().logger });
    const input = driver.createInputTopic('t', str, str);
    input.pipeInput(null, 'v', 1);
    input.pipeInput('k', 'v', 2);
    expect(driver.createOutputTopic('out', str, str).readKeyValuesToList()).toEqual([['k', 'v']]);
    expect(driver.droppedRecords()).toEqual({ total: 1, byReason: { 'null-key-or-value': 1 } });
  });

  it('windowed count: a record for a closed window is dropped as late, as many as the LateRecordCounter says', () => {
    for (const windowed of ['tumbling', 'sliding', 'session'] as const) {
      const b = quietBuilder();
      const late = new LateRecordCounter();
      const grouped = b.source('in', { key: str, value: str }).groupByKey();
      const table =
        windowed === 'tumbling'
          ? grouped.windowedBy(TimeWindows.ofSizeAndGrace(10, 5)).count({ store: 'w', lateRecords: late })
          : windowed === 'sliding'
            ? grouped.windowedBy(SlidingWindows.ofTimeDifferenceAndGrace(10, 5)).count({ store: 'w', lateRecords: late })
            : grouped.windowedBy(SessionWindows.ofInactivityGapAndGrace(10, 5)).count({ store: 'w', lateRecords: late });
      table.toStream().to('out');
      const { logger, warnings } = recording();
      const driver = new TopologyTestDriver(b.build(), { logger });
      const input = driver.createInputTopic('in', str, str);
      input.pipeInput('a', 'x', 1);
      input.pipeInput('a', 'x', 100); // stream time 100: everything before 100 - 5 - 10 or so is closed
      input.pipeInput('a', 'x', 2); // late
      input.pipeInput('b', 'x', 3); // late
      input.pipeInput(null, 'x', 101); // a null key: another reason
      expect([windowed, driver.droppedRecords()]).toEqual([windowed, { total: 3, byReason: { late: 2, 'null-key-or-value': 1 } }]);
      expect(late.count).toBe(2);
      expect(dropLines(warnings).map((w) => w.replace(/ at node .*/, ''))).toEqual([
        'task 0_0 dropped a record (late: too late: its window had closed)',
        'task 0_0 dropped a record (null-key-or-value: a null key or value the operator cannot use)',
      ]);
    }
  });

  it('stream-stream join: a record older than its join window buffer keeps is dropped as expired', () => {
    const b = quietBuilder();
    const left = b.source('left', { key: str, value: str });
    const right = b.source('right', { key: str, value: str });
    left.join(right, (l, r) => `${l}+${r}`, JoinWindows.ofTimeDifferenceAndGrace(10, 5), { name: 'lr' }).sink('joined', { value: str });
    const { logger, warnings } = recording();
    const driver = new TopologyTestDriver(b.build(), { logger });
    const l = driver.createInputTopic('left', str, str);
    const r = driver.createInputTopic('right', str, str);
    l.pipeInput('k1', 'a', 100);
    l.pipeInput('k1', 'b', 125); // the left buffer keeps 10 + 10 + 5 ms: 100 is out at 125
    l.pipeInput('k1', 'old', 90); // expired on arrival: joins nothing, kept for nothing
    r.pipeInput('k1', 'x', 126);
    l.pipeInput(null, 'n', 127); // null key: the inner join drops it
    r.pipeInput('k1', null, 127); // null value: likewise
    expect(driver.createOutputTopic('joined', str, str).readValuesToList()).toEqual(['b+x']);
    expect(driver.droppedRecords()).toEqual({ total: 3, byReason: { expired: 1, 'null-key-or-value': 2 } });
    expect(dropLines(warnings)).toEqual([
      "task 0_0 dropped a record (expired: older than the store's retention) at node 'lr-this-windowed', left-0 offset 2: timestamp 90 is at or before 100, the oldest this join window keeps (stream time 125, retention 25 ms); 1 dropped for this reason so far",
      "task 0_0 dropped a record (null-key-or-value: a null key or value the operator cannot use) at node 'lr-this-join', left-0 offset 3: a null key; 1 dropped for this reason so far",
    ]);
  });

  it('a negative timestamp from the extractor is dropped as invalid-timestamp, before any operator', () => {
    const b = quietBuilder();
    b.source('in', { key: str, value: str, timestampExtractor: (record) => (record.value === 'undated' ? -1 : record.timestamp) }).sink('out', {
      value: str,
    });
    const driver = new TopologyTestDriver(b.build(), { logger: recording().logger });
    const input = driver.createInputTopic('in', str, str);
    input.pipeInput('k', 'undated', 5);
    input.pipeInput('k', 'dated', 6);
    expect(driver.createOutputTopic('out', str, str).readValuesToList()).toEqual(['dated']);
    expect(driver.droppedRecords()).toEqual({ total: 1, byReason: { 'invalid-timestamp': 1 } });
  });

  it('a record the deserialization handler skips counts as deserialization-error', () => {
    const picky: Serde<string> = { name: 'picky', serialize: (_t, v) => Buffer.from(v), deserialize: (_t, d) => (d.toString() === 'bad' ? fail() : d.toString()) };
    const b = quietBuilder();
    b.source('in', { key: str, value: picky }).sink('out', { value: str });
    const { logger, warnings } = recording();
    const driver = new TopologyTestDriver(b.build(), { logger, deserializationExceptionHandler: 'log-and-continue' });
    const input = driver.createInputTopic('in', str, str);
    input.pipeInput('k', 'bad', 1);
    input.pipeInput('k', 'good', 2);
    input.pipeInput('k', 'bad', 3);
    expect(driver.createOutputTopic('out', str, str).readValuesToList()).toEqual(['good']);
    expect(driver.droppedRecords()).toEqual({ total: 2, byReason: { 'deserialization-error': 2 } });
    // The handler's line per record, and the task's first dropped-record line.
    expect(warnings.filter((w) => w.startsWith('deserialization failed, skipping the record'))).toHaveLength(2);
    expect(dropLines(warnings)).toHaveLength(1);
  });
});

function fail(): never {
  throw new Error('unreadable');
}
