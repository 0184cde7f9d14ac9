#!/usr/bin/env node
/**
 * `npm start`: uses KAFKA_BROKERS if set, else starts the local broker, then runs a produce/consume
 * round trip through a fresh topic and prints what came back. (The examples issue replaces this with
 * the word-count demo.)
 */
import { randomBytes } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { startBroker } from './kafka.mjs';

async function main() {
  let brokers = process.env.KAFKA_BROKERS;
  if (!brokers) {
    const broker = await startBroker();
    brokers = broker.bootstrap;
    process.stdout.write(`Local Kafka broker on ${brokers} (stop it with: npm run kafka stop)\n`);
  }
  const kafka = new Kafka({ clientId: 'rivulet-start', brokers: brokers.split(','), logLevel: logLevel.NOTHING });
  const topic = `rivulet-hello-${randomBytes(3).toString('hex')}`;
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
  await admin.disconnect();

  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const lines = ['hello', 'from', 'rivulet'];
  await producer.send({ topic, acks: -1, messages: lines.map((value, i) => ({ key: String(i), value })) });
  await producer.disconnect();
  process.stdout.write(`Produced ${lines.length} records to ${topic}\n`);

  const consumer = kafka.consumer({ groupId: `${topic}-reader` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const seen = [];
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`read ${seen.length} of ${lines.length} records within 30 s`)), 30_000);
    void consumer.run({
      eachMessage: async ({ message }) => {
        seen.push(message.value.toString());
        process.stdout.write(`Consumed ${message.key} -> ${message.value}\n`);
        if (seen.length === lines.length) {
          clearTimeout(timer);
          resolve();
        }
      },
    });
  });
  await consumer.disconnect();
  process.stdout.write('Round trip complete.\n');
}

main().catch((err) => {
  process.stderr.write(`${err.message}\n`);
  process.exit(1);
});
