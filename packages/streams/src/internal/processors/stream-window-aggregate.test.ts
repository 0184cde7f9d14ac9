import { Stores, StreamRecord, type ProcessorContext, type StateStore, type Windowed } from '@rivulet/core';
import { serdes } from '@rivulet/serde';
import { describe, expect, it } from 'vitest';
import { LateRecordCounter } from '../../late-record-counter.js';
import { SessionWindows } from '../../session-windows.js';
import { TimeWindows } from '../../time-windows.js';
import { StreamSessionWindowAggregate } from './stream-session-window-aggregate.js';
import { StreamWindowAggregate } from './stream-window-aggregate.js';
import { LateRecords } from './window-support.js';

/**
 * Final results across a restart: the store's mark travels in its changelog, so a task restored
 * from the changelog emits no final result twice (what exactly-once needs), and misses none.
 */

/** A changelog record as the runtime hands it to `restoreBatch`. */
interface ChangelogRecord {
  key: Buffer;
  value: Buffer | null;
  offset: string;
}

interface Task {
  feed(key: string, timestamp: number): void;
  emitted: string[];
  changelog: ChangelogRecord[];
}

function task<VA>(
  storeBuilder: { build(): StateStore & { restoreBatch(r: readonly ChangelogRecord[]): void; init(c: object): unknown } },
  processor: { init?(c: ProcessorContext<Windowed<string>, VA>): void; process(r: StreamRecord<string, string>): void },
  restoreFrom: readonly ChangelogRecord[],
): Task {
  const store = storeBuilder.build();
  const changelog: ChangelogRecord[] = [];
  const emitted: string[] = [];
  let streamTime = -1;
  store.init({
    taskId: '0_0',
    taskDir: '/unused',
    changelog: { topic: 't', partition: 0, append: (key, value) => void changelog.push({ key, value, offset: String(changelog.length) }) },
  });
  store.restoreBatch(restoreFrom);
  const context = {
    forward: (r: StreamRecord<Windowed<string>, VA>) => void emitted.push(`${r.key.key}[${r.key.window.start},${r.key.window.end}]=${String(r.value)}`),
    getStateStore: () => store,
    currentStreamTimeMs: () => streamTime,
    reportDropped: () => undefined,
  } as unknown as ProcessorContext<Windowed<string>, VA>;
  processor.init?.(context);
  return {
    emitted,
    changelog,
    feed(key, timestamp) {
      streamTime = Math.max(streamTime, timestamp);
      processor.process(new StreamRecord(key, 'x', timestamp));
    },
  };
}

const log = () => new LateRecords(new LateRecordCounter());

describe('emit final across a restore', () => {
  it('time windows: the restored task emits the windows not emitted before, and only those', () => {
    const windows = TimeWindows.ofSizeAndGrace(10, 5);
    const builder = Stores.timestampedWindowStoreBuilder(Stores.inMemoryWindowStore('w', { retentionMs: 100, windowSizeMs: 10 }), serdes.string(), serdes.int64());
    const aggregate = () => new StreamWindowAggregate<string, string, bigint>('w', windows, () => 0n, (_k, _v, n) => n! + 1n, true, log());
    const first = task<bigint>(builder, aggregate(), []);
    first.feed('a', 1);
    first.feed('b', 12);
    first.feed('a', 15); // closes [0, 10)
    expect(first.emitted).toEqual(['a[0,10]=1']);

    const second = task<bigint>(builder, aggregate(), first.changelog);
    second.feed('a', 16); // stream time restarts from the records: nothing new is closed
    second.feed('c', 25); // closes [10, 20)
    expect(second.emitted).toEqual(['a[10,20]=2', 'b[10,20]=1']);
  });

  it('session windows: likewise', () => {
    const windows = SessionWindows.ofInactivityGapWithNoGrace(5);
    const builder = Stores.sessionStoreBuilder(Stores.inMemorySessionStore('s', { retentionMs: 100 }), serdes.string(), serdes.int64());
    const aggregate = () =>
      new StreamSessionWindowAggregate<string, string, bigint>('s', windows, () => 0n, (_k, _v, n) => n! + 1n, (_k, a, b) => a! + b, true, log());
    const first = task<bigint>(builder, aggregate(), []);
    first.feed('a', 0);
    first.feed('b', 4);
    first.feed('c', 6); // [0, 0] is final: 0 + 5 < 6
    expect(first.emitted).toEqual(['a[0,0]=1']);

    const second = task<bigint>(builder, aggregate(), first.changelog);
    second.feed('c', 7);
    second.feed('c', 20);
    expect(second.emitted).toEqual(['b[4,4]=1', 'c[6,7]=2']); // a[0,0] is not emitted again
  });
});
