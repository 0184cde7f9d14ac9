/**
 * Scenario 1, the ceiling: the plain kafkajs consume -> produce loop Rivulet's at_least_once must
 * stay within 10% of (docs/architecture.md#performance-budget). Per fetched batch: send the records with an
 * idempotent producer (acks all, one request in flight), and only once the send is acknowledged
 * commit the batch's offsets (last + 1). Auto-commit is off, as in Rivulet.
 */
import { Kafka, Partitioners, logLevel, type Message } from 'kafkajs';
import type { ScenarioSpec } from './protocol.js';
import { FETCH_SETTINGS, type Workload, type WorkloadHooks } from './workload.js';

/** Connects, joins the group and starts the loop; resolves once it runs. */
export async function startRawLoop(spec: ScenarioSpec, hooks: WorkloadHooks): Promise<Workload> {
  const kafka = new Kafka({ clientId: `bench-${spec.id}`, brokers: [...spec.brokers], logLevel: logLevel.ERROR });
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    // murmur2 of the key, as the Java client and Rivulet's collector choose; named to skip kafkajs's v2 notice.
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  const consumer = kafka.consumer({ groupId: spec.groupId, allowAutoTopicCreation: false, ...FETCH_SETTINGS });
  await producer.connect();
  await consumer.connect();
  await consumer.subscribe({ topic: spec.input, fromBeginning: true });

  let consumed = 0;
  let batches = 0;
  let batchesAtEnd: number | undefined;
  await consumer.run({
    autoCommit: false,
    eachBatch: async ({ batch }) => {
      const count = batch.messages.length;
      if (count === 0) return;
      if (consumed === 0) hooks.onFirstRecord();
      consumed += count;
      batches++;
      const messages: Message[] = new Array(count);
      for (let i = 0; i < count; i++) {
        const m = batch.messages[i]!;
        messages[i] = { key: m.key, value: m.value, timestamp: m.timestamp };
      }
      await producer.sendBatch({ topicMessages: [{ topic: spec.output, messages }], acks: -1 });
      // Only after the outputs are acknowledged: a crash before this line repeats the batch, never loses it.
      await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: (BigInt(batch.lastOffset()) + 1n).toString() }]);
    },
  });

  return {
    consumed: () => consumed,
    endMeasurement() {
      batchesAtEnd = batches;
    },
    async stop() {
      await consumer.disconnect();
      await producer.disconnect();
      const measured = batchesAtEnd ?? batches;
      return { batches: measured, batchesInLatencyPhase: batches - measured };
    },
  };
}
