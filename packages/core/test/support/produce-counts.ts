/**
 * Writes a made-up count store's changelog fast, with the Java producer of the broker's own
 * kafka-clients jar (test/support/java/ProduceCounts.java): a million records take it a few
 * seconds, where kafkajs, which encodes every record on the event loop, takes close to a minute.
 */
import { spawn } from 'node:child_process';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brokers } from './kafka.js';

const PRODUCE_COUNTS = fileURLToPath(new URL('./java/ProduceCounts.java', import.meta.url));

/** The kafka-clients jars of the broker the suite runs (scripts/kafka.mjs downloads them). */
function kafkaLibs(): string {
  const cache = process.env['RIVULET_KAFKA_CACHE'] ?? join(homedir(), '.cache', 'rivulet', 'kafka');
  return join(cache, process.env['KAFKA_VERSION'] ?? '4.4.0', 'libs');
}

/**
 * Writes `count` records to `topic`-`partition`: record i has key `<prefix><i % keys>` and the
 * int64 value i / keys + 1, so each key's last record is its number of records, as a count store
 * would have logged them.
 */
export async function produceCounts(topic: string, partition: number, count: number, keys: number, prefix: string): Promise<void> {
  const args = ['-Xmx512m', '-cp', `${kafkaLibs()}/*`, PRODUCE_COUNTS, brokers().join(','), topic, String(partition), String(count), String(keys), prefix];
  const child = spawn('java', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4_000)));
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  if (code !== 0 || out.trim().split('\n').at(-1) !== String(count)) throw new Error(`ProduceCounts.java exited ${code}: ${err}`);
}
