/**
 * `npm start` without a broker and without Java: the demo says in one line that there is no broker,
 * says it runs the same topology on the TopologyTestDriver, prints the top words of the sample text
 * and exits 0. The child runs with a PATH that holds only `node` (no java, no mvn), no KAFKA_BROKERS,
 * and a broker port and home of its own, so it can neither reuse a running broker nor start one.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SAMPLE_TEXT } from '../src/word-count/topology.js';
import { killAllChildren, startExample } from './support/child-process.js';

/** Two free consecutive ports (the launcher puts the controller on KAFKA_PORT + 1). */
async function freePortPair(): Promise<number> {
  const listen = (port: number) =>
    new Promise<net.Server | undefined>((resolve) => {
      const server = net.createServer();
      server.once('error', () => resolve(undefined));
      server.listen(port, '127.0.0.1', () => resolve(server));
    });
  for (let attempt = 0; attempt < 20; attempt++) {
    const first = await listen(0);
    const port = (first!.address() as net.AddressInfo).port;
    const second = port < 65535 ? await listen(port + 1) : undefined;
    await Promise.all([first, second].map((s) => new Promise<void>((resolve) => (s ? s.close(() => resolve()) : resolve()))));
    if (second !== undefined) return port;
  }
  throw new Error('no two consecutive free ports found');
}

/** The top-words line the demo must print: the 8 most frequent words, ties by word, counted from SAMPLE_TEXT. */
function expectedTopWords(): { line: string; entries: number } {
  const counts = new Map<string, number>();
  for (const line of SAMPLE_TEXT) {
    for (const word of line.toLowerCase().split(/\W+/)) if (word.length > 0) counts.set(word, (counts.get(word) ?? 0) + 1);
  }
  const top = [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, 8);
  return { line: `Top words: ${top.map(([w, n]) => `${w}=${n}`).join(', ')}`, entries: top.length };
}

const dirs: string[] = [];
afterEach(async () => {
  await killAllChildren();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('npm start without a broker and without Java', () => {
  it('says so in one line and runs the word count on the TopologyTestDriver', async () => {
    // A PATH with node alone: `java -version` (how the launcher looks for Java) cannot run.
    const bin = mkdtempSync(join(tmpdir(), 'rivulet-demo-bin-'));
    const kafkaHome = mkdtempSync(join(tmpdir(), 'rivulet-demo-kafka-'));
    dirs.push(bin, kafkaHome);
    symlinkSync(process.execPath, join(bin, 'node'));
    const probe = spawnSync('java', ['-version'], { env: { PATH: bin }, stdio: 'ignore' });
    expect((probe.error as NodeJS.ErrnoException | undefined)?.code, 'java must not be found on the reduced PATH').toBe('ENOENT');

    const port = await freePortPair();
    const demo = startExample('demo', 'apps/examples/src/demo.ts', {
      PATH: bin,
      JAVA_HOME: '',
      KAFKA_BROKERS: '',
      // A port and a home no broker uses: the launcher finds no broker of its own to reuse there.
      KAFKA_PORT: String(port),
      KAFKA_CONTROLLER_PORT: String(port + 1),
      RIVULET_KAFKA_HOME: kafkaHome,
    });
    const exit = await demo.waitForExit(60_000);
    const output = demo.lines.join('\n');
    expect(exit, output).toEqual({ code: 0, signal: null });

    const stdout = demo.lines.filter((l) => !l.startsWith('! '));
    // The reason, in one line: Java is missing (not a taken port, not a broker that failed to start).
    const noBroker = stdout.filter((l) => l.startsWith('No Kafka broker:'));
    expect(noBroker, output).toEqual([expect.stringMatching(/^No Kafka broker: Java not found: install Java 17\+/)]);
    expect(stdout.filter((l) => /TopologyTestDriver instead/.test(l)), output).toEqual([
      'Running the same topology on the TopologyTestDriver instead (no broker, in process).',
    ]);
    const expected = expectedTopWords();
    expect(expected.entries).toBe(8);
    expect(stdout.filter((l) => l.startsWith('Top words:')), output).toEqual([expected.line]);
    // In that order, and nothing about a broker that came up or a failure.
    expect(stdout.indexOf(noBroker[0]!)).toBeLessThan(stdout.indexOf(expected.line));
    expect(output).not.toMatch(/Kafka is up|demo failed/);
  });
});
