import { serdes } from '@rivulet/serde';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../config/config-error.js';
import { TopologyError } from '../errors/topology-error.js';
import { Topology } from '../topology/topology.js';
import { StreamsApp } from './streams-app.js';

const topology = () =>
  new Topology()
    .addSource('in', 'input', { key: serdes.string(), value: serdes.string() })
    .addSink('out', 'output', { key: serdes.string(), value: serdes.string() }, 'in');

describe('StreamsApp construction', () => {
  it('validates the config at construction, naming the setting and the fix', () => {
    expect(
      () => new StreamsApp(topology(), { applicationId: 'app', brokers: ['127.0.0.1:9092'], processingGuarantee: 'exactly_once', producer: { acks: 0 } }),
    ).toThrow(ConfigError);
    expect(
      () => new StreamsApp(topology(), { applicationId: 'app', brokers: ['127.0.0.1:9092'], processingGuarantee: 'exactly_once', producer: { acks: 0 } }),
    ).toThrow(/producer\.acks[\s\S]*Fix:/);
  });

  it('refuses a compression codec kafkajs does not have, as a ConfigError naming the setting', () => {
    const build = () => new StreamsApp(topology(), { applicationId: 'app', brokers: ['127.0.0.1:9092'], producer: { compression: 'snappy' } });
    expect(build).toThrow(/producer\.compression = 'snappy' needs a snappy codec/);
    expect(build).toThrow(ConfigError);
  });

  it('starts in CREATED with the settings of its guarantee', () => {
    const app = new StreamsApp(topology(), { applicationId: 'app', brokers: '127.0.0.1:9092', processingGuarantee: 'exactly_once_v2' });
    expect(app.state).toBe('CREATED');
    expect(app.config.processingGuarantee).toBe('exactly_once');
    expect(app.config.commitIntervalMs).toBe(100);
    expect(app.config.consumer.isolationLevel).toBe('read_committed');
    expect(app.config.producer).toMatchObject({ acks: -1, idempotent: true, maxInFlightRequests: 1 });
  });

  it('rejects an empty topology and a store that does not exist', () => {
    expect(() => new StreamsApp(new Topology(), { applicationId: 'app', brokers: ['127.0.0.1:9092'] })).toThrow(/no nodes/);
    expect(() => new StreamsApp(new Topology(), { applicationId: 'app', brokers: ['127.0.0.1:9092'] })).toThrow(TopologyError);
    const app = new StreamsApp(topology(), { applicationId: 'app', brokers: ['127.0.0.1:9092'] });
    expect(() => app.store('nope')).toThrow(/no state store named 'nope'/);
  });
});
