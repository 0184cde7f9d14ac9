import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Logger } from './logger.js';
import { messageTemplate, throttleLogger } from './log-throttle.js';

function recording(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const at = (level: string) => (message: string) => void lines.push(`${level} ${message}`);
  return { lines, logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') } };
}

describe('messageTemplate', () => {
  it('normalizes numbers, hex ids and uuids, keeps the words', () => {
    expect(messageTemplate('Restarting the consumer in 312ms')).toBe(messageTemplate('Restarting the consumer in 498ms'));
    expect(messageTemplate('Connection error: connect ECONNREFUSED 127.0.0.1:19192')).toBe('Connection error: connect ECONNREFUSED #.#.#.#:#');
    expect(messageTemplate('task 0_1 of logs-ee81df at offset 27599')).toBe('task #_# of logs-# at offset #');
    expect(messageTemplate('member 0b7c2a9e-54f1-4c1d-9a0e-3f2b6d7e8a91 left')).toBe('member # left');
    expect(messageTemplate('Failed to send messages: timeout')).not.toBe(messageTemplate('Crash: timeout'));
  });
});

describe('throttleLogger', () => {
  beforeEach(() => vi.useFakeTimers({ now: 0 }));
  afterEach(() => vi.useRealTimers());

  it('writes a repeated error once per interval, then the newest with the count of the others', () => {
    const { logger, lines } = recording();
    const log = throttleLogger(logger, { intervalMs: 10_000 });
    for (let i = 0; i < 38; i++) {
      log.error(`Restarting the consumer in ${300 + i}ms`);
      vi.advanceTimersByTime(100);
    }
    expect(lines).toEqual(['error Restarting the consumer in 300ms']);
    vi.advanceTimersByTime(10_000);
    expect(lines).toEqual(['error Restarting the consumer in 300ms', 'error Restarting the consumer in 337ms (and 36 more like it in the last 10 s)']);
    // Quiet afterwards: nothing more is written, and the next one after an interval is written at once.
    vi.advanceTimersByTime(60_000);
    expect(lines).toHaveLength(2);
    log.error('Restarting the consumer in 999ms');
    expect(lines[2]).toBe('error Restarting the consumer in 999ms');
  });

  it('a storm that goes on is written once per interval', () => {
    const { logger, lines } = recording();
    const log = throttleLogger(logger, { intervalMs: 10_000 });
    for (let t = 0; t < 35_000; t += 50) {
      log.warn(`Connection error: connect ECONNREFUSED 127.0.0.1:${19192}`);
      vi.advanceTimersByTime(50);
    }
    vi.advanceTimersByTime(10_000);
    // At 0 s, then at the end of each interval: 0, 10, 20, 30 s and the tail.
    expect(lines).toHaveLength(5);
    expect(lines[0]).toBe('warn Connection error: connect ECONNREFUSED 127.0.0.1:19192');
    expect(lines[1]).toBe('warn Connection error: connect ECONNREFUSED 127.0.0.1:19192 (and 198 more like it in the last 10 s)');
    const total = lines.reduce((n, l) => n + 1 + Number(/and (\d+) more/.exec(l)?.[1] ?? 0), 0);
    expect(total).toBe(700);
  });

  it('keeps levels and different templates apart, and passes debug and info through', () => {
    const { logger, lines } = recording();
    const log = throttleLogger(logger, { intervalMs: 10_000 });
    log.error('Failed to send messages: Closed connection');
    log.warn('Failed to send messages: Closed connection');
    log.error('Crash: KafkaJSConnectionError: Connection error');
    log.error('Failed to send messages: Closed connection');
    for (let i = 0; i < 3; i++) {
      log.debug('Request Produce');
      log.info('Consumer has joined the group');
    }
    expect(lines).toEqual([
      'error Failed to send messages: Closed connection',
      'warn Failed to send messages: Closed connection',
      'error Crash: KafkaJSConnectionError: Connection error',
      ...Array.from({ length: 3 }, () => ['debug Request Produce', 'info Consumer has joined the group']).flat(),
    ]);
  });

  it('a line after the interval carries the count when the timer has not run', () => {
    const { logger, lines } = recording();
    let clock = 0;
    const log = throttleLogger(logger, { intervalMs: 10_000, now: () => clock });
    log.error('Connection timeout 1');
    log.error('Connection timeout 2');
    log.error('Connection timeout 3');
    clock = 12_000; // the fake timers did not move: the timer is still pending
    log.error('Connection timeout 4');
    expect(lines).toEqual(['error Connection timeout 1', 'error Connection timeout 4 (and 2 more like it in the last 12 s)']);
    vi.runAllTimers();
    expect(lines).toHaveLength(2);
  });

  it('flush() writes what is held back and leaves no timer', () => {
    const { logger, lines } = recording();
    const log = throttleLogger(logger, { intervalMs: 10_000 });
    log.error('Failed to send messages: Closed connection');
    log.error('Failed to send messages: Closed connection');
    vi.advanceTimersByTime(2_000);
    log.flush();
    expect(lines).toEqual(['error Failed to send messages: Closed connection', 'error Failed to send messages: Closed connection']);
    expect(vi.getTimerCount()).toBe(0);
  });
});
