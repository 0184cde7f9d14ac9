import { describe, expect, it } from 'vitest';
import { ConfigError } from './config-error.js';
import type { StreamsConfig } from './streams-config.js';
import { resolveConfig } from './validate.js';

const MINIMAL = { applicationId: 'orders-app', brokers: ['localhost:9092'] } as const;

function rejectionOf(config: Record<string, unknown>): ConfigError {
  try {
    resolveConfig({ ...MINIMAL, ...config } as unknown as StreamsConfig);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error(`expected a ConfigError for ${JSON.stringify(config)}`);
}

describe('unknown settings', () => {
  it('names a misspelled key and suggests the closest known one', () => {
    const error = rejectionOf({ comitIntervalMs: 100 });
    expect(error.setting).toBe('comitIntervalMs');
    expect(error.message).toContain('Unknown setting comitIntervalMs (= 100). Did you mean commitIntervalMs?');
    expect(error.message).toContain('Fix: rename comitIntervalMs to commitIntervalMs.');
  });

  it.each([
    ['producer', { ack: 'all' }, 'producer.ack', 'producer.acks'],
    ['producer', { lingerMS: 5 }, 'producer.lingerMS', 'producer.lingerMs'],
    ['consumer', { sessionTimeout: 30000 }, 'consumer.sessionTimeout', 'consumer.sessionTimeoutMs'],
    ['retry', { maxRetryTime: 1000 }, 'retry.maxRetryTime', 'retry.maxRetryTimeMs'],
  ])('checks the keys in %s', (group, settings, setting, suggestion) => {
    const error = rejectionOf({ [group]: settings });
    expect(error.settings).toEqual([setting]);
    expect(error.message).toContain(`Did you mean ${suggestion}?`);
  });

  it('points a known key at the level it belongs to', () => {
    const error = rejectionOf({ acks: 'all', producer: { commitIntervalMs: 100 } });
    expect(error.settings).toEqual(['acks', 'producer.commitIntervalMs']);
    expect(error.issues[0]?.message).toContain('Fix: move acks to producer.acks.');
    expect(error.issues[1]?.message).toContain('Fix: move producer.commitIntervalMs to commitIntervalMs.');
  });

  it('names both places of a key that exists twice', () => {
    expect(rejectionOf({ retries: 3 }).message).toContain('Did you mean producer.retries or retry.retries?');
  });

  it("translates Kafka's property names", () => {
    const error = rejectionOf({ 'processing.guarantee': 'exactly_once', producer: { 'enable.idempotence': true } });
    expect(error.issues[0]?.message).toContain(
      "processing.guarantee is Kafka's property name; Rivulet's setting is processingGuarantee. Fix: write processingGuarantee",
    );
    expect(error.issues[1]?.message).toContain('Fix: write producer.idempotent instead of producer.enable.idempotence.');
  });

  it('lists the allowed settings when nothing is close', () => {
    const message = rejectionOf({ consumer: { frobnicate: true } }).message;
    expect(message).toContain('Unknown setting consumer.frobnicate (= true).');
    expect(message).toContain('Fix: remove it; the settings allowed in consumer are sessionTimeoutMs, heartbeatIntervalMs');
  });

  it('reports an unknown key together with the other problems', () => {
    const error = rejectionOf({ comitIntervalMs: 100, producer: { acks: 7 } });
    expect(error.settings).toEqual(['comitIntervalMs', 'producer.acks']);
  });
});
