import type { KeyValueStore, ReadOnlySessionStore, ReadOnlyWindowStore, VersionedKeyValueStore } from '@rivulet/core';
import { serdes } from '@rivulet/serde';
import { SessionWindows, StreamsBuilder, TimeWindows } from '@rivulet/streams';
import { describe, expectTypeOf, it } from 'vitest';
import { TopologyTestDriver } from './topology-test-driver.js';

const builder = new StreamsBuilder({ warn: () => undefined });
const words = builder.source('words', { key: serdes.string(), value: serdes.string() }).groupByKey();
const counts = words.count({ store: 'word-counts' });
const perMinute = words.windowedBy(TimeWindows.ofSizeWithNoGrace(60_000)).count({ store: 'per-minute' });
const perSession = words.windowedBy(SessionWindows.ofInactivityGapWithNoGrace(1_000)).count({ store: 'per-session' });
const rates = builder.table('rates', { key: serdes.string(), value: serdes.float64(), store: 'rates', versioned: { historyRetentionMs: 1_000 } });

describe('TopologyTestDriver store types', () => {
  it('a driver of a typed topology types each store by its name, with no type arguments', () => {
    const driver = new TopologyTestDriver(builder.build(counts, perMinute, perSession, rates));
    expectTypeOf(driver.getKeyValueStore('word-counts')).toEqualTypeOf<KeyValueStore<string, bigint>>();
    expectTypeOf(driver.getKeyValueStore(counts)).toEqualTypeOf<KeyValueStore<string, bigint>>();
    expectTypeOf(driver.getWindowStore('per-minute')).toEqualTypeOf<ReadOnlyWindowStore<string, bigint>>();
    expectTypeOf(driver.getSessionStore('per-session')).toEqualTypeOf<ReadOnlySessionStore<string, bigint>>();
    expectTypeOf(driver.getVersionedKeyValueStore('rates')).toEqualTypeOf<VersionedKeyValueStore<string, number>>();
    // @ts-expect-error -- misspelled
    driver.getKeyValueStore('word-count');
    // @ts-expect-error -- a window store is not a key-value store
    driver.getKeyValueStore('per-minute');
    expectTypeOf(driver.getKeyValueStore<string, bigint>('added-by-hand')).toEqualTypeOf<KeyValueStore<string, bigint>>();
  });

  it('a driver of an untyped topology takes any name and the types as type arguments, as before', () => {
    const driver = new TopologyTestDriver(builder.build());
    expectTypeOf(driver).toEqualTypeOf<TopologyTestDriver>();
    expectTypeOf(driver.getKeyValueStore<string, bigint>('word-counts').get('a')).toEqualTypeOf<bigint | undefined>();
    expectTypeOf(driver.getWindowStore('per-minute')).toEqualTypeOf<ReadOnlyWindowStore<unknown, unknown>>();
  });

  it('create() keeps the types', async () => {
    const driver = await TopologyTestDriver.create(builder.build(counts));
    expectTypeOf(driver.getKeyValueStore('word-counts')).toEqualTypeOf<KeyValueStore<string, bigint>>();
  });
});
