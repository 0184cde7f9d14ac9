import type { Windowed } from '@rivulet/core';
import { serdes } from '@rivulet/serde';
import { describe, expectTypeOf, it } from 'vitest';
import type { KTable } from './ktable.js';
import { StreamsBuilder } from './streams-builder.js';
import { BufferConfig, Suppressed, type EagerBufferConfig, type StrictBufferConfig } from './suppressed.js';
import { TimeWindows } from './time-windows.js';

const builder = () => new StreamsBuilder({ warn: () => undefined });
const windowedCounts = () => builder().source('clicks', { key: serdes.string(), value: serdes.string() }).groupByKey().windowedBy(TimeWindows.ofSizeWithNoGrace(10)).count();
const table = () => builder().table('t', { key: serdes.string(), value: serdes.string() });

describe('suppress: types', () => {
  it('keeps the table type', () => {
    expectTypeOf(windowedCounts().suppress(Suppressed.untilWindowCloses(BufferConfig.unbounded()))).toEqualTypeOf<KTable<Windowed<string>, bigint>>();
    expectTypeOf(table().suppress(Suppressed.untilTimeLimit(1_000, BufferConfig.maxRecords(10)))).toEqualTypeOf<KTable<string, string>>();
  });

  it('buffer configs keep their kind; emitEarlyWhenFull and shutDownWhenFull switch it', () => {
    expectTypeOf(BufferConfig.unbounded()).toEqualTypeOf<StrictBufferConfig>();
    expectTypeOf(BufferConfig.unbounded().withMaxRecords(5).withMaxBytes(100).withLoggingDisabled()).toEqualTypeOf<StrictBufferConfig>();
    expectTypeOf(BufferConfig.maxRecords(5)).toEqualTypeOf<EagerBufferConfig>();
    expectTypeOf(BufferConfig.maxBytes(5).withMaxRecords(2)).toEqualTypeOf<EagerBufferConfig>();
    expectTypeOf(BufferConfig.maxRecords(5).shutDownWhenFull()).toEqualTypeOf<StrictBufferConfig>();
    expectTypeOf(BufferConfig.unbounded().emitEarlyWhenFull()).toEqualTypeOf<EagerBufferConfig>();
  });

  it('untilWindowCloses takes only a strict buffer config, and fits only windowed tables', () => {
    // @ts-expect-error a buffer that emits early cannot promise final results
    Suppressed.untilWindowCloses(BufferConfig.maxRecords(10));
    // @ts-expect-error emitEarlyWhenFull makes an eager config
    Suppressed.untilWindowCloses(BufferConfig.unbounded().emitEarlyWhenFull());
    // @ts-expect-error a table of plain keys has no windows to close
    table().suppress(Suppressed.untilWindowCloses(BufferConfig.unbounded()));
    windowedCounts().suppress(Suppressed.untilWindowCloses(BufferConfig.maxRecords(10).shutDownWhenFull()).withName('final'));
    // Kafka's Java style, with the key type spelled out, also fits.
    windowedCounts().suppress(Suppressed.untilWindowCloses<Windowed<string>>(BufferConfig.unbounded()).withName('final'));
    // @ts-expect-error the type argument must be a windowed key
    Suppressed.untilWindowCloses<string>(BufferConfig.unbounded());
  });

  it('untilTimeLimit takes any buffer config, on any table', () => {
    table().suppress(Suppressed.untilTimeLimit(1_000, BufferConfig.unbounded()));
    windowedCounts().suppress(Suppressed.untilTimeLimit(1_000, BufferConfig.maxBytes(1_000).emitEarlyWhenFull()));
  });
});
