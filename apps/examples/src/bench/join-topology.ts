/**
 * The stream-table join scenario, written with the DSL: the input stream (key = one of the 10k
 * keys) joined by key with a table of those keys (`stream.join(table, joiner)`, inner), each
 * joined record sent to the output, so the output holds one record per input record. Per input
 * record: one table store read and one output record (the table's ~25-byte value, then the
 * input's value).
 *
 * The table must be complete before the first stream record is processed, or an inner join would
 * drop that record (and the output would never reach N). The runtime processes fetched batches in
 * fetch order, not by timestamp, so a table topic and an input topic both full from the start would
 * race. The benchmark therefore loads the table first, with {@link tableLoadTopology} under the
 * same applicationId (which fills the store's changelog and commits the table topic's offsets),
 * closes that app, and only then starts the measured app: it restores the table from the changelog
 * before it processes anything, so the table load is outside the clock.
 */
import type { Topology } from '@rivulet/core';
import { serdes } from '@rivulet/serde';
import { StreamsBuilder } from '@rivulet/streams';
import { keyOf, type InputShape } from './input.js';
import type { FirstRecordProbe } from './topologies.js';

/** The table's store: its changelog is `<applicationId>-join-table-changelog`. */
export const JOIN_TABLE_STORE = 'join-table';

/**
 * The table's records: every key of the input once, valued `table-value-of-<key>`. `timestamp`
 * (the comparison bench: just before its first input record, whose timestamps are fixed in the
 * past) puts the table before the stream in event time too, so a task that had to read table rows
 * next to stream records would take the rows first; otherwise the broker stamps them on arrival.
 */
export function tableRecords(shape: InputShape, timestamp?: number): { key: string; value: Buffer; timestamp?: string }[] {
  return Array.from({ length: Math.min(shape.keys, shape.records) }, (_, i) => {
    const key = keyOf(i, shape.keys);
    return { key, value: Buffer.from(`table-value-of-${key}`, 'latin1'), ...(timestamp === undefined ? {} : { timestamp: String(timestamp) }) };
  });
}

function tableOf(builder: StreamsBuilder, table: string) {
  return builder.table(table, { key: serdes.string(), value: serdes.bytes(), store: JOIN_TABLE_STORE });
}

/** The warm-up: the table alone, loaded into its store (and changelog) before the measured run. */
export function tableLoadTopology(table: string): Topology {
  const builder = new StreamsBuilder({ warn: () => undefined });
  tableOf(builder, table);
  return builder.build();
}

/** The measured topology: input stream joined with the table by key. */
export function streamTableJoinTopology(input: string, table: string, output: string, probe: FirstRecordProbe): Topology {
  const builder = new StreamsBuilder({ warn: () => undefined });
  const customers = tableOf(builder, table);
  builder
    .source(input, { key: serdes.string(), value: serdes.bytes() })
    .peek(() => probe.mark())
    .join(customers, (value, tableValue): Buffer => Buffer.concat([tableValue, value]), { name: 'stream-table-join' })
    .sink(output, { value: serdes.bytes() });
  return builder.build();
}
