import { readFileSync } from 'node:fs';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { GUARANTEE_DEFAULTS, KAFKA_PROPERTY_NAMES, OPTION_PATHS, optionForKafkaProperty, SETTINGS } from './settings.js';

describe('SETTINGS', () => {
  /** The first paragraph of each field's TSDoc in an interface, `{@link X}` written as `X`. */
  function docsOf(file: string, iface: string, prefix: string): Map<string, string> {
    const source = ts.createSourceFile(file, readFileSync(new URL(file, import.meta.url), 'utf8'), ts.ScriptTarget.Latest, true);
    const docs = new Map<string, string>();
    source.forEachChild((node) => {
      if (!ts.isInterfaceDeclaration(node) || node.name.text !== iface) return;
      for (const member of node.members) {
        if (!member.name || !ts.isIdentifier(member.name)) continue;
        const doc = ts.getJSDocCommentsAndTags(member).find(ts.isJSDoc);
        const text =
          typeof doc?.comment === 'string'
            ? doc.comment
            : (doc?.comment ?? []).map((c) => (ts.isJSDocLink(c) ? `\`${c.name?.getText() ?? ''}${c.text}\`` : c.text)).join('');
        docs.set(`${prefix}${member.name.text}`, text.split('\n\n')[0]!.replace(/\s+/g, ' ').trim());
      }
    });
    return docs;
  }

  it('documents each setting as the TSDoc of its field does, so the docs page and the editor agree', () => {
    const fields = new Map([
      ...docsOf('streams-config.ts', 'StreamsConfig', ''),
      ...docsOf('client-config.ts', 'RetrySetting', 'retry.'),
      ...docsOf('client-config.ts', 'StreamsProducerConfig', 'producer.'),
      ...docsOf('client-config.ts', 'StreamsConsumerConfig', 'consumer.'),
    ]);
    for (const path of OPTION_PATHS) expect(SETTINGS[path].doc, path).toBe(fields.get(path));
  });

  it('gives GUARANTEE_DEFAULTS the settings each guarantee chooses', () => {
    expect(GUARANTEE_DEFAULTS).toEqual({
      at_most_once: {
        commitIntervalMs: 1000,
        producer: { acks: 1, retries: 0, idempotent: false, maxInFlightRequests: 5 },
        consumer: { isolationLevel: 'read_committed' },
      },
      at_least_once: {
        commitIntervalMs: 30_000,
        producer: { acks: -1, retries: Number.MAX_SAFE_INTEGER, idempotent: true, maxInFlightRequests: 1 },
        consumer: { isolationLevel: 'read_committed' },
      },
      exactly_once: {
        commitIntervalMs: 100,
        producer: { acks: -1, retries: Number.MAX_SAFE_INTEGER, idempotent: true, maxInFlightRequests: 1 },
        consumer: { isolationLevel: 'read_committed' },
      },
    });
  });

  it('never lets a default contradict its own guarantee', () => {
    for (const path of OPTION_PATHS) {
      const setting = SETTINGS[path] as { perGuarantee?: Record<string, unknown>; default?: unknown; requires?: Record<string, { is?: unknown; min?: number; max?: number }> };
      for (const [guarantee, requirement] of Object.entries(setting.requires ?? {})) {
        const value = setting.perGuarantee?.[guarantee] ?? setting.default;
        if ('is' in requirement) expect(value, `${path} under ${guarantee}`).toBe(requirement.is);
        if (requirement.min !== undefined) expect(value as number, `${path} under ${guarantee}`).toBeGreaterThanOrEqual(requirement.min);
        if (requirement.max !== undefined) expect(value as number, `${path} under ${guarantee}`).toBeLessThanOrEqual(requirement.max);
      }
    }
  });
});

describe('KAFKA_PROPERTY_NAMES', () => {
  it('has an entry for every setting a StreamsConfig accepts, and no other', () => {
    expect(Object.keys(KAFKA_PROPERTY_NAMES).sort()).toEqual([...OPTION_PATHS].sort());
    expect(OPTION_PATHS).toHaveLength(52);
  });

  it('maps to the Kafka Streams and Kafka client names', () => {
    expect(KAFKA_PROPERTY_NAMES).toMatchObject({
      applicationId: 'application.id',
      brokers: 'bootstrap.servers',
      processingGuarantee: 'processing.guarantee',
      commitIntervalMs: 'commit.interval.ms',
      metadataMaxAgeMs: 'metadata.max.age.ms',
      stateDir: 'state.dir',
      replicationFactor: 'replication.factor',
      clientId: 'client.id',
      'producer.acks': 'acks',
      'producer.retries': 'retries',
      'producer.idempotent': 'enable.idempotence',
      'producer.maxInFlightRequests': 'max.in.flight.requests.per.connection',
      'producer.lingerMs': 'linger.ms',
      'producer.batchSize': 'batch.size',
      'producer.compression': 'compression.type',
      'producer.transactionTimeoutMs': 'transaction.timeout.ms',
      'producer.partitioner': 'partitioner.class',
      'consumer.sessionTimeoutMs': 'session.timeout.ms',
      'consumer.heartbeatIntervalMs': 'heartbeat.interval.ms',
      'consumer.rebalanceTimeoutMs': 'max.poll.interval.ms',
      'consumer.maxBytesPerPartition': 'max.partition.fetch.bytes',
      'consumer.maxBytes': 'fetch.max.bytes',
      'consumer.minBytes': 'fetch.min.bytes',
      'consumer.maxWaitTimeMs': 'fetch.max.wait.ms',
      'consumer.autoOffsetReset': 'auto.offset.reset',
      'consumer.isolationLevel': 'isolation.level',
      deserializationExceptionHandler: 'default.deserialization.exception.handler',
      processingExceptionHandler: 'processing.exception.handler',
      productionExceptionHandler: 'default.production.exception.handler',
      defaultKeySerde: 'default.key.serde',
      defaultValueSerde: 'default.value.serde',
    });
  });

  it('maps no two settings to the same Kafka property', () => {
    const names = Object.values(KAFKA_PROPERTY_NAMES).filter((name) => name !== null);
    expect(new Set(names).size).toBe(names.length);
  });
});

describe('optionForKafkaProperty', () => {
  it('finds the Rivulet setting of a Kafka property, old names included', () => {
    expect(optionForKafkaProperty('commit.interval.ms')).toBe('commitIntervalMs');
    expect(optionForKafkaProperty('max.poll.interval.ms')).toBe('consumer.rebalanceTimeoutMs');
    expect(optionForKafkaProperty('request.required.acks')).toBe('producer.acks');
    expect(optionForKafkaProperty('auto.commit.interval.ms')).toBe('commitIntervalMs');
    expect(optionForKafkaProperty('no.such.property')).toBeUndefined();
  });
});
