/**
 * Typed stores at run time: the tables and `Materialized` declarations that type a topology are
 * handles that read their store, `builder.build(...stores)` refuses a store the topology lacks, and
 * a wrong store name or kind is a clear error (the name, the known names, the accessor to use), on
 * the TopologyTestDriver and on a StreamsApp. The types themselves are proven in
 * packages/streams/src/typed-stores.test-d.ts.
 */
import { StreamsApp, TopologyError, UnknownStateStoreError } from '@rivulet/core';
import { serdes } from '@rivulet/serde';
import { Materialized, SessionWindows, StreamsBuilder, TimeWindows } from '@rivulet/streams';
import { afterEach, describe, expect, it } from 'vitest';
import { TopologyTestDriver } from '../../../src/index.js';

const str = serdes.string();
const none = () => undefined;
const quiet = { debug: none, info: none, warn: none, error: none };

/** Word counts, per minute and per session, each store named. */
function wordCount(builder = new StreamsBuilder({ warn: none })) {
  const words = builder.source('lines', { key: str, value: str }).flatMapValues((line) => line.split(' ')).groupBy((_k, w) => w, { key: str, value: str, name: 'words' });
  const counts = words.count({ store: 'word-counts' });
  counts.toStream().sink('counts', { key: str, value: serdes.int64() });
  const perMinute = words.windowedBy(TimeWindows.ofSizeWithNoGrace(60_000)).count({ store: 'words-per-minute' });
  const perSession = words.windowedBy(SessionWindows.ofInactivityGapWithNoGrace(10_000)).count({ store: 'words-per-session' });
  return { builder, counts, perMinute, perSession };
}

let driver: TopologyTestDriver | undefined;
afterEach(async () => {
  await driver?.close();
  driver = undefined;
});

describe('typed stores on the TopologyTestDriver', () => {
  it('reads each store by the name the topology types, and by the table that made it', () => {
    const { builder, counts, perMinute, perSession } = wordCount();
    const typed = new TopologyTestDriver(builder.build(counts, perMinute, perSession), { logger: quiet });
    driver = typed;
    typed.createInputTopic('lines', str, str).pipeInput(null, 'the cat and the hat', 1_000);
    expect(typed.getKeyValueStore('word-counts').get('the')).toBe(2n);
    expect(typed.getKeyValueStore(counts).get('hat')).toBe(1n);
    expect(typed.getWindowStore('words-per-minute').fetch('the', 0)).toBe(2n);
    expect(typed.getWindowStore(perMinute).fetch('cat', 0)).toBe(1n);
    expect([...typed.getSessionStore(perSession).fetch('the')].map((s) => s.value)).toEqual([2n]);
    expect(perMinute.queryableStoreName).toBe('words-per-minute');
    expect(perSession.queryableStoreName).toBe('words-per-session');
  });

  it('a Materialized declaration names the store the operator makes, and reads it', () => {
    const builder = new StreamsBuilder({ warn: none });
    const wordCounts = Materialized.as<string, bigint>('declared-counts');
    builder.source('words', { key: str, value: str }).groupByKey().count(wordCounts);
    const typed = new TopologyTestDriver(builder.build(wordCounts), { logger: quiet });
    driver = typed;
    const input = typed.createInputTopic('words', str, str);
    input.pipeInput('kafka', 'x');
    input.pipeInput('kafka', 'y');
    expect(typed.getKeyValueStore(wordCounts).get('kafka')).toBe(2n);
    expect(wordCounts).toMatchObject({ store: 'declared-counts', queryableStoreName: 'declared-counts' });
    expect(Object.keys(Materialized.as('p', { persistent: true })).sort()).toEqual(['persistent', 'queryableStoreName', 'store']);
  });

  it('a wrong name throws an UnknownStateStoreError that lists the store names and suggests the nearest', () => {
    const { builder, counts } = wordCount();
    const typed = new TopologyTestDriver(builder.build(counts), { logger: quiet });
    driver = typed;
    const misspelled = () => typed.getKeyValueStore<string, bigint>('word-count');
    expect(misspelled).toThrow(UnknownStateStoreError);
    expect(misspelled).toThrow(
      "the topology has no state store named 'word-count' (did you mean 'word-counts'?); its stores are 'word-counts', 'words-per-minute', 'words-per-session'",
    );
    expect(() => typed.getWindowStore<string, bigint>('clicks')).toThrow(/no state store named 'clicks'; its stores are 'word-counts', /);
  });

  it('a store of another kind is a clear error', () => {
    const { builder } = wordCount();
    driver = new TopologyTestDriver(builder.build(), { logger: quiet });
    expect(() => driver!.getKeyValueStore<string, bigint>('words-per-minute')).toThrow("store 'words-per-minute' is not a key-value store");
    expect(() => driver!.getVersionedKeyValueStore<string, bigint>('word-counts')).toThrow("store 'word-counts' is not a versioned key-value store");
  });
});

describe('builder.build(...stores)', () => {
  it('returns the topology it always returns', () => {
    const { builder, counts } = wordCount();
    expect(builder.build(counts)).toBe(builder.build());
  });

  it('refuses a store its topology does not have (a table of another builder, a declaration never used)', () => {
    const other = wordCount().counts;
    const { builder } = wordCount();
    expect(() => builder.build(Materialized.as<string, bigint>('never-used'))).toThrow(TopologyError);
    expect(() => builder.build(Materialized.as<string, bigint>('never-used'))).toThrow(
      "build(): the topology has no state store named 'never-used' (its stores are 'word-counts', 'words-per-minute', 'words-per-session'); was the store made by another StreamsBuilder?",
    );
    const lonely = new StreamsBuilder({ warn: none });
    lonely.source('x', { key: str, value: str }).sink('y');
    expect(() => lonely.build(other)).toThrow(/no state store named 'word-counts' \(its stores are none\)/);
  });
});

describe('typed stores on a StreamsApp (checked before it starts)', () => {
  const config = { applicationId: 'typed-stores-unit', brokers: ['127.0.0.1:9092'], defaultKeySerde: str, defaultValueSerde: str };

  it('a wrong name throws an UnknownStateStoreError naming the store and listing the known ones', () => {
    const { builder, counts } = wordCount();
    const app = new StreamsApp(builder.build(counts), config);
    let error: unknown;
    try {
      app.store<string, bigint>('word-cuonts');
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(UnknownStateStoreError);
    expect(error).toMatchObject({ storeName: 'word-cuonts', knownStores: ['word-counts', 'words-per-minute', 'words-per-session'] });
    expect((error as Error).message).toBe(
      "the topology has no state store named 'word-cuonts' (did you mean 'word-counts'?); its stores are 'word-counts', 'words-per-minute', 'words-per-session'",
    );
    expect(() => app.sessionStore<string, bigint>('nope')).toThrow(UnknownStateStoreError);
  });

  it('a store of another kind names the accessor that reads it', () => {
    const { builder, counts, perMinute, perSession } = wordCount();
    const app = new StreamsApp(builder.build(counts, perMinute, perSession), config);
    expect(() => app.store<string, bigint>('words-per-minute')).toThrow(
      "state store 'words-per-minute' is not a key-value store: it is a window store, query it with app.windowStore('words-per-minute')",
    );
    expect(() => app.windowStore<string, bigint>('word-counts')).toThrow(
      "state store 'word-counts' is not a window store: it is a key-value store, query it with app.store('word-counts')",
    );
    expect(() => app.windowStore<string, bigint>(perSession.queryableStoreName)).toThrow(/query it with app\.sessionStore\('words-per-session'\)/);
  });

  it('the typed forms reach the same stores: by name, by table, by type arguments', () => {
    const { builder, counts, perMinute } = wordCount();
    const app = new StreamsApp(builder.build(counts, perMinute), config);
    // Before start no task runs: each view is empty, and it is a view of the right store.
    expect([...app.store('word-counts').all()]).toEqual([]);
    expect(app.store(counts).get('the')).toBeUndefined();
    expect([...app.windowStore(perMinute).all()]).toEqual([]);
    expect(() => app.store('words-per-minute' as never)).toThrow(/is a window store/);
  });
});
