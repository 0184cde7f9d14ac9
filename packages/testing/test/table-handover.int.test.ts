/**
 * A table loaded by one app and handed to the next app of the same applicationId under
 * exactly_once (close, then a new instance restores the store from the changelog). Written when the
 * comparison bench's stream-table join once missed a whole partition's joins after such a hand-over,
 * to rule the library in or out: the hand-over itself keeps every key (the bench's warm-up was at
 * fault, see apps/examples/src/bench/rivulet-app.ts). Repeats the hand-over and checks the second
 * app's store holds every key of every partition once it is RUNNING, and no WARN or ERROR was logged.
 */
import { StreamsApp, type Logger } from '@rivulet/core';
import { serdes } from '@rivulet/serde';
import { StreamsBuilder } from '@rivulet/streams';
import { describe, expect, it } from 'vitest';
import { KafkaTestHarness } from '../src/index.js';
import { brokers, createTopics, eventually, uniqueName } from './support/broker.js';

const KEYS = 10_000;
const PARTITIONS = 4;

function tableTopology(table: string) {
  const builder = new StreamsBuilder({ warn: () => undefined });
  builder.table(table, { key: serdes.string(), value: serdes.string(), store: 'handover-table' });
  return builder.build();
}

function recordingLogger(lines: string[]): Logger {
  const add = (level: string) => (message: string, extra?: Record<string, unknown>) => {
    lines.push(`${level} ${message} ${extra === undefined ? '' : JSON.stringify(extra)}`);
  };
  return { debug: () => undefined, info: add('INFO'), warn: add('WARN'), error: add('ERROR') };
}

describe('a table handed from one app to the next under exactly_once', () => {
  it('the second app restores every key of every partition', { timeout: 600_000 }, async () => {
    const rounds = Number(process.env['HANDOVER_ROUNDS'] ?? 2);
    const harness = new KafkaTestHarness(brokers());
    for (let round = 0; round < rounds; round++) {
      const table = uniqueName('handover-table');
      const applicationId = uniqueName('handover');
      await createTopics([{ topic: table, partitions: PARTITIONS }]);
      await harness.produce(
        table,
        Array.from({ length: KEYS }, (_, i) => ({ key: `k${i}`, value: `v${i}` })),
      );
      const lines: string[] = [];
      const config = {
        applicationId,
        brokers: brokers(),
        processingGuarantee: 'exactly_once' as const,
        stateDir: `/tmp/rivulet-test-state/${applicationId}`,
        logger: recordingLogger(lines),
      };
      const first = new StreamsApp(tableTopology(table), config);
      await first.start();
      await eventually(() => (first.metrics().recordsProcessed >= KEYS ? true : undefined), 'the first app loading the table');
      await first.close();
      const second = new StreamsApp(tableTopology(table), config);
      try {
        await second.start();
        await eventually(() => (second.state === 'RUNNING' ? true : undefined), 'the second app RUNNING');
        const store = second.store('handover-table');
        let n = 0;
        for (const _ of store.all()) n++;
        expect({ round, n }).toEqual({ round, n: KEYS });
        expect(lines.filter((l) => !l.startsWith('INFO'))).toEqual([]);
      } finally {
        await second.close();
      }
    }
  });
});
