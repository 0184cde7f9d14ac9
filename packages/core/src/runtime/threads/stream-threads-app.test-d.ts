import { describe, expectTypeOf, it } from 'vitest';
import { PrometheusExporter } from '../../observability/prometheus.js';
import type { ReadOnlyKeyValueStore } from '../../state/key-value-store.js';
import type { Topology } from '../../topology/topology.js';
import type { RunnableApp } from '../run-app.js';
import { StreamsApp, type StreamsMetrics, type HealthStatus } from '../streams-app.js';
import { defineStreamThread, type StreamThreadFactory } from './stream-thread-module.js';
import type { StreamThreadsApp } from './stream-threads-app.js';

describe('the module form', () => {
  it('gives an app that runApp, the Prometheus exporter and interactive queries take as they take a StreamsApp', () => {
    const app = StreamsApp.fromModule(new URL('file:///app/topology.js'), { applicationId: 'a', brokers: 'b:9092', numStreamThreads: 2 });
    expectTypeOf(app).toEqualTypeOf<StreamThreadsApp>();
    expectTypeOf(app).toMatchTypeOf<RunnableApp>();
    expectTypeOf(new PrometheusExporter(app)).toEqualTypeOf<PrometheusExporter>();
    expectTypeOf(app.store<string, bigint>('counts')).toEqualTypeOf<ReadOnlyKeyValueStore<string, bigint>>();
    expectTypeOf(app.metrics()).toEqualTypeOf<StreamsMetrics>();
    expectTypeOf(app.health()).toEqualTypeOf<HealthStatus>();
  });

  it('types a factory that returns a topology, or a topology with function-valued settings, maybe async', () => {
    const topology = {} as Topology;
    expectTypeOf(defineStreamThread(() => topology)).toEqualTypeOf<StreamThreadFactory>();
    defineStreamThread(async ({ index }) => ({ topology, config: { commitIntervalMs: index } }));
    // @ts-expect-error: the app's identity is the app's config, not the module's
    defineStreamThread(() => ({ topology, config: { applicationId: 'other' } }));
  });
});
