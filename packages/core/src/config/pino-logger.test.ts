import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeWorld, mapTopology, numbered, waitAllCommitted } from '../runtime/test-support/fake-app.js';
import { createPinoLogger, fromPino, type PinoLike } from './pino-logger.js';
import { resolveConfig } from './validate.js';

/** Issue 15, part 4: structured logging on pino. */

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

/** A destination that keeps each JSON line, parsed. */
function lines(): { stream: { write(line: string): void }; lines: Record<string, unknown>[] } {
  const kept: Record<string, unknown>[] = [];
  return { lines: kept, stream: { write: (line: string) => void kept.push(JSON.parse(line) as Record<string, unknown>) } };
}

let world: FakeWorld | undefined;
afterEach(async () => {
  await world?.dispose();
  world = undefined;
});

describe('the default logger (pino)', () => {
  it('writes one JSON object per line with app, msg and the call’s fields, and honors the level', () => {
    const out = lines();
    const logger = createPinoLogger('info', { base: { app: 'orders' }, destination: out.stream });
    logger.info('task 0_1 is restored', { taskId: '0_1', restored: 12 });
    logger.debug('not written');
    logger.warn('careful');
    expect(out.lines).toEqual([
      expect.objectContaining({ level: 30, app: 'orders', msg: 'task 0_1 is restored', taskId: '0_1', restored: 12 }),
      expect.objectContaining({ level: 40, app: 'orders', msg: 'careful' }),
    ]);
    const quiet = lines();
    createPinoLogger('nothing', { destination: quiet.stream }).error('never');
    expect(quiet.lines).toEqual([]);
  });

  it('is what an app logs to by default: JSON lines on stderr with the applicationId as app, at the configured level', () => {
    // In a process of its own, to read its stderr as a person or a log shipper would.
    const script = [
      "import { resolveConfig } from './packages/core/src/config/validate.ts';",
      "const { logger } = resolveConfig({ applicationId: 'payments', brokers: ['k:9092'], logLevel: 'info' });",
      "logger.info('started', { taskId: '0_1' });",
      "logger.debug('hidden');",
    ].join('\n');
    const child = spawnSync(process.execPath, ['--conditions=@rivulet/source', '--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8' });
    expect(child.status, child.stderr).toBe(0);
    const written = child.stderr.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(written).toEqual([expect.objectContaining({ level: 30, app: 'payments', msg: 'started', taskId: '0_1' })]);
  });
});

describe('a pino logger passed as logger', () => {
  it('is wrapped: Rivulet’s fields become fields of the line, child bindings kept', () => {
    const out = lines();
    const mine = pino({ level: 'debug', base: null }, out.stream).child({ service: 'billing' });
    const config = resolveConfig({ applicationId: 'payments', brokers: ['k:9092'], logger: mine as unknown as PinoLike });
    config.logger.warn('task 0_0 failed', { taskId: '0_0', topic: 'orders', partition: 0 });
    expect(out.lines).toEqual([expect.objectContaining({ level: 40, service: 'billing', msg: 'task 0_0 failed', taskId: '0_0', topic: 'orders', partition: 0 })]);
  });

  it('fromPino adapts anything with pino’s (fields, message) methods', () => {
    const calls: unknown[][] = [];
    const fake = { debug: (...a: unknown[]) => calls.push(['debug', ...a]), info: (...a: unknown[]) => calls.push(['info', ...a]), warn: () => undefined, error: () => undefined, child: () => fake };
    fromPino(fake as unknown as PinoLike).info('hello', { a: 1 });
    fromPino(fake as unknown as PinoLike).debug('bare');
    expect(calls).toEqual([
      ['info', { a: 1 }, 'hello'],
      ['debug', {}, 'bare'],
    ]);
  });
});

describe('what a running app logs at info', { timeout: 10_000 }, () => {
  it('its start, assignment and close, not a line per record: as many info lines for 200 records as for 10', async () => {
    const count = async (records: number): Promise<string[]> => {
      world = new FakeWorld({ input: 2, output: 2 });
      // The fake world's RecordingLogger keeps every line the app writes, whatever the level.
      const run = world.start(mapTopology(), { processingGuarantee: 'at_least_once', logLevel: 'info' });
      expect(await run.started).toEqual({ ok: true });
      world.produce('input', numbered(records));
      await waitAllCommitted(world);
      await run.app.close();
      const info = run.logger.lines.filter((l) => l.level !== 'debug').map((l) => l.message);
      await world.dispose();
      world = undefined;
      return info;
    };
    const few = await count(10);
    const many = await count(200);
    expect(few.length).toBeGreaterThan(0);
    expect(many.length).toBe(few.length);
    expect(many.length).toBeLessThan(20);
    // Its start, the assignment and its close are said; no line names a record's offset.
    expect(many.join('\n')).toMatch(/^starting app: at_least_once[\s\S]*rebalance done in \d+ ms: tasks 0_0, 0_1[\s\S]*closed in \d+ ms: NOT_RUNNING/);
    expect(many.filter((m) => /offset \d+/.test(m))).toEqual([]);
  });
});

describe('clientLogLevel', () => {
  it("keeps kafkajs's debug lines out of logLevel 'debug' unless asked for", () => {
    expect(resolveConfig({ applicationId: 'a', brokers: ['k:9092'], logLevel: 'debug' }).clientLogLevel).toBe('info');
    expect(resolveConfig({ applicationId: 'a', brokers: ['k:9092'], logLevel: 'warn' }).clientLogLevel).toBe('warn');
    expect(resolveConfig({ applicationId: 'a', brokers: ['k:9092'], logLevel: 'debug', clientLogLevel: 'debug' }).clientLogLevel).toBe('debug');
    expect(() => resolveConfig({ applicationId: 'a', brokers: ['k:9092'], clientLogLevel: 'verbose' as never })).toThrow(/clientLogLevel/);
  });
});
