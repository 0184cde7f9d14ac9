/**
 * `npm run bench:metrics`: what recording Rivulet's metrics costs, measured on the recording path
 * itself (the end-to-end bench's run-to-run noise, about 10% of CPU per record, is far larger than
 * the metrics). Prints ns per fetched batch at INFO (what the task manager records per batch: the
 * thread's and the task's process counts and latency, the consumer's lag), ns per record at DEBUG
 * (a node's rate and end-to-end latency, a record's lateness, a metered store's put), and each as a
 * share of the CPU per record of the pass-through scenario (given with --cpu-us-per-record, default
 * 25, this machine's at_least_once pass-through).
 */
import { parseArgs } from 'node:util';
import { MetricsRegistry } from '../src/metrics/internals/metrics-registry.js';
import { ConsumerSensors, ProducerSensors, ThreadSensors, meteredStore } from '../src/metrics/internals/streams-sensors.js';

const { values } = parseArgs({ options: { 'cpu-us-per-record': { type: 'string' }, 'batch-records': { type: 'string' } } });
const cpuUsPerRecord = Number(values['cpu-us-per-record'] ?? 25);
const batchRecords = Number(values['batch-records'] ?? 500);

function timeNs(iterations: number, fn: (i: number) => void): number {
  for (let i = 0; i < Math.min(iterations, 100_000); i++) fn(i);
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) fn(i);
  return Number(process.hrtime.bigint() - start) / iterations;
}

const window = { windowMs: 30_000, samples: 2 };
const info = new MetricsRegistry('INFO', window);
const thread = new ThreadSensors(info, 'bench');
const task = thread.task('0_0');
const consumer = new ConsumerSensors(info, 'bench');
new ProducerSensors(info, 'bench');
const perBatch = timeNs(2_000_000, (i) => {
  // What TaskManager.processBatch and recordProcessed record for one batch.
  consumer.fetched('input', 0, batchRecords, String(i * batchRecords + batchRecords - 1), String(i * batchRecords + 2 * batchRecords));
  thread.poll.record();
  thread.pollRecords.record(batchRecords);
  thread.process.record(batchRecords);
  thread.processLatency.record(0.02);
  task.process.record(batchRecords);
  task.activeProcessRatio.record(10);
});

const debug = new MetricsRegistry('DEBUG', window);
const dthread = new ThreadSensors(debug, 'bench');
const dtask = dthread.task('0_0');
const node = dtask.node('map')!;
const store = meteredStore(new Map<string, number>(), dtask.store('counts', 'in-memory')!) as unknown as Map<string, number>;
const perRecordDebug = timeNs(2_000_000, (i) => {
  // Per record at DEBUG: the source's and one processor's rate and latency, lateness, one store put.
  node.process.record();
  node.e2eLatency.record(3);
  node.process.record();
  node.e2eLatency.record(3);
  dtask.recordLateness.record(0);
  store.set('k', i);
});
const scrape = timeNs(2_000, () => info.snapshot());

const infoPerRecordNs = perBatch / batchRecords;
console.log(`metrics recording cost (batches of ${batchRecords} records; CPU per record of the pass-through: ${cpuUsPerRecord} µs)`);
console.log(`  INFO : ${perBatch.toFixed(0)} ns per batch = ${infoPerRecordNs.toFixed(2)} ns per record = ${((infoPerRecordNs / (cpuUsPerRecord * 1000)) * 100).toFixed(3)}% of a record's CPU`);
console.log(`  DEBUG: ${perRecordDebug.toFixed(0)} ns per record more (2 nodes, lateness, 1 store put) = ${((perRecordDebug / (cpuUsPerRecord * 1000)) * 100).toFixed(2)}% of a record's CPU`);
console.log(`  app.metrics().all at INFO (${info.snapshot().length} metrics): ${(scrape / 1000).toFixed(1)} µs per call`);
