import { serdes } from '@rivulet/serde';
import { describe, expect, it } from 'vitest';
import type { StateStore } from '../../../state/state-store.js';
import { Stores } from '../../../state/stores.js';
import type { TypedSessionStore } from '../../../state/internals/typed/typed-session-store.js';
import type { TypedWindowStore } from '../../../state/internals/typed/typed-window-store.js';
import type { ValueAndTimestamp } from '../../../state/value-and-timestamp.js';
import { Topology } from '../../../topology/topology.js';
import { compositeKeyValueStore, compositeSessionStore, compositeTimestampedWindowStore, compositeWindowStore } from './composite-store.js';
import { StreamsApp } from '../../streams-app.js';

/** Interactive queries over the store instances of several tasks, as `app.store(name)` and its siblings read them. */

const SIZE = 10;

/** A DSL-like windowed count store: aggregates kept with the newest record timestamp. */
async function timestampedWindows(task: string): Promise<TypedWindowStore<string, ValueAndTimestamp<bigint>>> {
  const supplier = Stores.inMemoryWindowStore('counts', { retentionMs: 1_000, windowSizeMs: SIZE });
  const store = Stores.timestampedWindowStoreBuilder(supplier, serdes.string(), serdes.int64()).withLoggingDisabled().build();
  await store.init({ taskId: task, taskDir: '/unused' });
  return store;
}

async function plainWindows(task: string): Promise<TypedWindowStore<string, number>> {
  const supplier = Stores.inMemoryWindowStore('plain', { retentionMs: 1_000, windowSizeMs: SIZE });
  const store = Stores.windowStoreBuilder(supplier, serdes.string(), serdes.json<number>()).withLoggingDisabled().build();
  await store.init({ taskId: task, taskDir: '/unused' });
  return store;
}

async function sessions(task: string): Promise<TypedSessionStore<string, bigint>> {
  const store = Stores.sessionStoreBuilder(Stores.inMemorySessionStore('sessions', { retentionMs: 1_000 }), serdes.string(), serdes.int64())
    .withLoggingDisabled()
    .build();
  await store.init({ taskId: task, taskDir: '/unused' });
  return store;
}

describe('compositeWindowStore', () => {
  it('reads each key from the task that holds it and shows the aggregates without their timestamps', async () => {
    const [t0, t1] = [await timestampedWindows('0_0'), await timestampedWindows('0_1')];
    t0.put('a', { value: 1n, timestamp: 3 }, 0);
    t0.put('a', { value: 2n, timestamp: 15 }, 10);
    t1.put('b', { value: 5n, timestamp: 7 }, 0);
    t1.put('c', { value: 4n, timestamp: 25 }, 20);
    const view = compositeWindowStore<string, bigint>('counts', () => [t0, t1]);

    expect(view.fetch('a', 10)).toBe(2n);
    expect(view.fetch('b', 0)).toBe(5n);
    expect(view.fetch('b', 10)).toBeUndefined();
    expect(view.fetch('nobody', 0)).toBeUndefined();
    expect([...view.fetch('a', 0, 100)]).toEqual([
      { key: 0, value: 1n },
      { key: 10, value: 2n },
    ]);
    expect([...view.fetch('c', 0, 100)]).toEqual([{ key: 20, value: 4n }]);
    expect([...view.fetch('nobody', 0, 100)]).toEqual([]);
    // Every task's windows, by window start across the tasks.
    expect([...view.all()]).toEqual([
      { key: { key: 'a', window: { start: 0, end: 10 } }, value: 1n },
      { key: { key: 'b', window: { start: 0, end: 10 } }, value: 5n },
      { key: { key: 'a', window: { start: 10, end: 20 } }, value: 2n },
      { key: { key: 'c', window: { start: 20, end: 30 } }, value: 4n },
    ]);
    expect([...view.fetchAll(10, 20)].map((e) => `${e.key.key}@${e.key.window.start}=${e.value}`)).toEqual(['a@10=2', 'c@20=4']);
  });

  it('sees the tasks as they are at each read: gained, lost, written since', async () => {
    const t0 = await timestampedWindows('0_0');
    const t1 = await timestampedWindows('0_1');
    let owned: StateStore[] = [];
    const view = compositeWindowStore<string, bigint>('counts', () => owned);
    expect([...view.all()]).toEqual([]);
    owned = [t0, t1];
    t1.put('b', { value: 1n, timestamp: 0 }, 0);
    expect(view.fetch('b', 0)).toBe(1n);
    t1.put('b', { value: 2n, timestamp: 1 }, 0);
    expect(view.fetch('b', 0)).toBe(2n);
    owned = [t0];
    expect(view.fetch('b', 0)).toBeUndefined();
  });

  it('shows the values of a window store without timestamps as they are', async () => {
    const store = await plainWindows('0_0');
    store.put('a', 7, 0);
    const view = compositeWindowStore<string, number>('plain', () => [store]);
    expect(view.fetch('a', 0)).toBe(7);
    expect([...view.all()]).toEqual([{ key: { key: 'a', window: { start: 0, end: SIZE } }, value: 7 }]);
    expect(() => compositeTimestampedWindowStore('plain', () => [store]).fetch('a', 0)).toThrow(
      "window store 'plain' does not keep timestamps: query it with app.windowStore('plain')",
    );
  });

  it('shows values with their timestamps through the timestamped view', async () => {
    const store = await timestampedWindows('0_0');
    store.put('a', { value: 3n, timestamp: 9 }, 0);
    const view = compositeTimestampedWindowStore<string, bigint>('counts', () => [store]);
    expect(view.fetch('a', 0)).toEqual({ value: 3n, timestamp: 9 });
    expect([...view.fetch('a', 0, 0)]).toEqual([{ key: 0, value: { value: 3n, timestamp: 9 } }]);
  });

  it('refuses another kind of store, naming the method that reads it', async () => {
    const s = await sessions('0_0');
    expect(() => compositeWindowStore('sessions', () => [s]).all()).toThrow(
      "state store 'sessions' is not a window store: it is a session store, query it with app.sessionStore('sessions')",
    );
    const w = await timestampedWindows('0_0');
    expect(() => compositeKeyValueStore('counts', () => [w]).get('a')).toThrow(
      "state store 'counts' is not a key-value store: it is a window store, query it with app.windowStore('counts')",
    );
  });
});

describe('compositeSessionStore', () => {
  it('reads each key from the task that holds it and gathers all sessions by end', async () => {
    const [t0, t1] = [await sessions('0_0'), await sessions('0_1')];
    t0.put({ key: 'a', window: { start: 0, end: 5 } }, 2n);
    t0.put({ key: 'a', window: { start: 40, end: 40 } }, 1n);
    t1.put({ key: 'b', window: { start: 10, end: 20 } }, 3n);
    const view = compositeSessionStore<string, bigint>('sessions', () => [t0, t1]);

    expect(view.fetchSession('b', 10, 20)).toBe(3n);
    expect(view.fetchSession('b', 10, 21)).toBeUndefined();
    expect([...view.fetch('a')].map((e) => [e.key.window.start, e.key.window.end, e.value])).toEqual([
      [0, 5, 2n],
      [40, 40, 1n],
    ]);
    expect([...view.findSessions('a', 30, 50)].map((e) => e.value)).toEqual([1n]);
    expect([...view.fetch('nobody')]).toEqual([]);
    expect([...view.all()].map((e) => `${e.key.key}[${e.key.window.start},${e.key.window.end}]`)).toEqual(['a[0,5]', 'b[10,20]', 'a[40,40]']);
    expect([...view.findAllSessions(6, 30)].map((e) => e.key.key)).toEqual(['b']);
  });

  it('refuses a window store', async () => {
    const w = await timestampedWindows('0_0');
    expect(() => compositeSessionStore('counts', () => [w]).fetch('a')).toThrow(/'counts' is not a session store: it is a window store/);
  });
});

describe('StreamsApp interactive queries by store kind', () => {
  const app = () => {
    const topology = new Topology()
      .addSource('in', 'input', { key: serdes.string(), value: serdes.string() })
      .addProcessor('p', () => ({ process: () => undefined }), 'in')
      .addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore('kv'), serdes.string(), serdes.string()), 'p')
      .addStateStore(Stores.timestampedWindowStoreBuilder(Stores.inMemoryWindowStore('windows', { retentionMs: 100, windowSizeMs: 10 }), serdes.string(), serdes.int64()), 'p')
      .addStateStore(Stores.sessionStoreBuilder(Stores.inMemorySessionStore('sessions', { retentionMs: 100 }), serdes.string(), serdes.int64()), 'p');
    return new StreamsApp(topology, { applicationId: 'app', brokers: ['127.0.0.1:9092'] });
  };

  it('gives each kind its view, empty before the app runs tasks', () => {
    const a = app();
    expect(a.store('kv').get('x')).toBeUndefined();
    expect([...a.windowStore('windows').all()]).toEqual([]);
    expect(a.timestampedWindowStore('windows').fetch('x', 0)).toBeUndefined();
    expect([...a.sessionStore('sessions').all()]).toEqual([]);
  });

  it('fails at once on a store of another kind, or none, saying which method reads it', () => {
    const a = app();
    expect(() => a.store('windows')).toThrow("state store 'windows' is not a key-value store: it is a window store, query it with app.windowStore('windows')");
    expect(() => a.windowStore('kv')).toThrow("state store 'kv' is not a window store: it is a key-value store, query it with app.store('kv')");
    expect(() => a.sessionStore('windows')).toThrow(/query it with app\.windowStore\('windows'\)/);
    expect(() => a.timestampedWindowStore('sessions')).toThrow(/query it with app\.sessionStore\('sessions'\)/);
    expect(() => a.windowStore('nope')).toThrow("the topology has no state store named 'nope'");
  });
});
