import { join } from 'node:path';
import { serdes } from '@rivulet/serde';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../config/config-error.js';
import { resolveConfig } from '../../config/validate.js';
import { Topology } from '../../topology/topology.js';
import { StreamsApp } from '../streams-app.js';
import { assertSendable, mergeModuleConfig, settingsNotSendable, threadConfig, threadName } from './thread-config.js';

const base = { applicationId: 'counts', brokers: '127.0.0.1:9092' };

function topology(): Topology {
  return new Topology().addSource('in', ['words'], { key: serdes.string(), value: serdes.string() });
}

describe('numStreamThreads', () => {
  it('is an integer >= 1, 1 by default', () => {
    expect(resolveConfig(base).numStreamThreads).toBe(1);
    expect(resolveConfig({ ...base, numStreamThreads: 4 }).numStreamThreads).toBe(4);
    for (const bad of [0, -1, 1.5, '2']) {
      const error = (() => {
        try {
          resolveConfig({ ...base, numStreamThreads: bad as number });
        } catch (e) {
          return e as ConfigError;
        }
        return undefined;
      })();
      expect(error, String(bad)).toBeInstanceOf(ConfigError);
      expect(error!.setting).toBe('numStreamThreads');
    }
  });

  it('above 1 fails the plain StreamsApp constructor with a ConfigError that points to the module form', () => {
    expect(() => new StreamsApp(topology(), { ...base, numStreamThreads: 2 })).toThrow(ConfigError);
    try {
      new StreamsApp(topology(), { ...base, numStreamThreads: 2 });
    } catch (e) {
      expect((e as ConfigError).setting).toBe('numStreamThreads');
      expect((e as ConfigError).message).toContain('numStreamThreads = 2 needs the module form');
      expect((e as ConfigError).message).toContain('StreamsApp.fromModule(');
    }
    expect(() => new StreamsApp(topology(), { ...base, numStreamThreads: 1 })).not.toThrow();
  });
});

describe('the config of the module form', () => {
  it('names every setting that holds a function or class instance, except the logger and the uncaught-exception handler', () => {
    const config = {
      ...base,
      numStreamThreads: 2,
      defaultKeySerde: serdes.string(),
      processingExceptionHandler: () => 'continue' as const,
      deserializationExceptionHandler: { deadLetterTopic: 'dlq' },
      producer: { lingerMs: 10, partitioner: () => 0 },
      ssl: { ca: [Buffer.from('pem')] },
      logger: { debug() {}, info() {}, warn() {}, error() {} },
      uncaughtExceptionHandler: () => 'REPLACE_THREAD' as const,
    };
    expect(settingsNotSendable(config)).toEqual(['defaultKeySerde', 'processingExceptionHandler', 'producer.partitioner']);
    expect(() => assertSendable(config)).toThrow(ConfigError);
    try {
      assertSendable(config);
    } catch (e) {
      expect((e as ConfigError).settings).toEqual(['defaultKeySerde', 'processingExceptionHandler', 'producer.partitioner']);
      expect((e as ConfigError).message).toContain("return it from the thread module's factory");
    }
    expect(() => StreamsApp.fromModule('./topology.js', config)).toThrow(ConfigError);
  });

  it('gives each thread the sendable settings, its own client id and state directory, and one thread', () => {
    const user = { ...base, numStreamThreads: 2, clientId: 'c', stateDir: '/var/rivulet', commitIntervalMs: 50, logger: createNoop(), uncaughtExceptionHandler: () => 'REPLACE_THREAD' as const };
    const config = threadConfig(user, resolveConfig(user), 2);
    expect(config).toEqual({ ...base, clientId: 'c-StreamThread-2', stateDir: join('/var/rivulet', 'counts', 'StreamThread-2'), commitIntervalMs: 50 });
    expect(() => structuredClone(config)).not.toThrow();
    expect(threadName('c', 7)).toBe('c-StreamThread-7');
  });

  it("lays the module's settings over the app's, group by group, and refuses those that name the app", () => {
    const serde = serdes.string();
    expect(mergeModuleConfig({ ...base, producer: { lingerMs: 10 } }, { defaultKeySerde: serde, producer: { batchSize: 1 } })).toEqual({
      ...base,
      defaultKeySerde: serde,
      producer: { lingerMs: 10, batchSize: 1 },
    });
    expect(() => mergeModuleConfig(base, { applicationId: 'other', stateDir: '/tmp' })).toThrow(ConfigError);
  });
});

function createNoop() {
  return { debug() {}, info() {}, warn() {}, error() {} };
}
