/**
 * The local broker launcher (scripts/kafka.mjs) that integration tests and `npm start` rely on:
 * it answers metadata requests when up, and fails fast with a one-line reason when it cannot start.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { describe, expect, inject, it } from 'vitest';
import { brokerSettings, metadataAnswers, startBroker } from '../../../scripts/kafka.mjs';

const launcher = fileURLToPath(new URL('../../../scripts/kafka.mjs', import.meta.url));

async function listenOnFreePort(): Promise<net.Server> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

describe('local Kafka broker launcher', () => {
  it('the suite broker answers a metadata request', async () => {
    const [, port] = inject('kafkaBrokers').split(',')[0]!.split(':');
    expect(port).toMatch(/^\d+$/);
    // The probe the launcher waits on: a Metadata request answered with at least one broker.
    expect(await metadataAnswers(Number(port))).toBe(true);
  });

  it('a port that does not speak Kafka does not count as a broker', async () => {
    const server = await listenOnFreePort();
    server.on('connection', (socket) => socket.end());
    const { port } = server.address() as net.AddressInfo;
    expect(await metadataAnswers(port, 500)).toBe(false);
    server.close();
  });

  it('refuses at once, in one line, when its port is taken', async () => {
    const server = await listenOnFreePort();
    const { port } = server.address() as net.AddressInfo;
    const home = fileURLToPath(new URL(`../../../node_modules/.cache/rivulet-kafka-taken-${port}`, import.meta.url));
    const started = Date.now();
    await expect(
      startBroker(brokerSettings({ ...process.env, KAFKA_PORT: String(port), RIVULET_KAFKA_HOME: home })),
    ).rejects.toThrow(new RegExp(`^port ${port} on 127\\.0\\.0\\.1 is taken by another process: [^\\n]+$`));
    expect(Date.now() - started).toBeLessThan(5_000);
    server.close();
  });

  it('says in one line that Java is missing instead of hanging', () => {
    const result = spawnSync(process.execPath, [launcher, 'start'], {
      env: { PATH: '/nonexistent', KAFKA_PORT: '19999', RIVULET_KAFKA_HOME: '/tmp/rivulet-kafka-nojava-test', HOME: process.env['HOME'] },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(result.status).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^\[kafka\] Java not found: install Java 17\+ .* or set KAFKA_BROKERS/);
  });

  it('`stop` keeps the data dir for the next start; `reset` removes it (issue 18)', () => {
    const home = mkdtempSync(join(tmpdir(), 'rivulet-kafka-keep-'));
    const data = join(home, 'data');
    mkdirSync(data);
    writeFileSync(join(data, 'meta.properties'), 'cluster.id=kept\n');
    const run = (command: string) =>
      spawnSync(process.execPath, [launcher, command], { env: { ...process.env, KAFKA_PORT: '19997', RIVULET_KAFKA_HOME: home }, encoding: 'utf8', timeout: 30_000 });
    expect(run('stop').status).toBe(0);
    expect(existsSync(join(data, 'meta.properties'))).toBe(true);
    const reset = run('reset');
    expect(reset.status).toBe(0);
    expect(reset.stderr).toContain(`[kafka] removed ${data}: the next start is a new, empty cluster`);
    expect(existsSync(data)).toBe(false);
  });
});
