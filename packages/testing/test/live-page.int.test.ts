/// <reference lib="dom" />
/**
 * The live page in a real browser (issue 15, part 6; docs/operating.md#the-live-page): Debian's
 * Chromium (`/usr/bin/chromium`, installed by .ci/run; CHROMIUM_PATH overrides) driven by
 * playwright-core loads the page of an app running on the real broker while records flow, and the
 * test asserts what a person would look at: every node of the topology is drawn, with its rate and
 * count (DEBUG), the state says RUNNING, and the processed count and a node's count move between two
 * looks. With RIVULET_SCREENSHOT=<path> it also saves a screenshot (the README's).
 */
import { existsSync } from 'node:fs';
import { serveObservability, StreamsApp, type ObservabilityServer } from '@rivulet/core';
import { serdes } from '@rivulet/serde';
import { StreamsBuilder } from '@rivulet/streams';
import { chromium, type Browser } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import { KafkaTestHarness } from '../src/index.js';

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

function numberIn(text: string | null): number {
  return Number((text ?? '').replace(/[^\d.]/g, ''));
}

describe('the live page in Chromium', () => {
  it('draws the topology with live counts on a running word count, and the counts move', async () => {
    expect(existsSync(CHROMIUM), `no browser at ${CHROMIUM}: .ci/run installs Debian's chromium (apt-get install chromium)`).toBe(true);
    const kafka = new KafkaTestHarness();
    const [input, output] = [kafka.uniqueName('live-in'), kafka.uniqueName('live-out')];
    await Promise.all([kafka.createTopic(input, 2), kafka.createTopic(output, 2)]);
    const builder = new StreamsBuilder();
    builder
      .source(input, { key: serdes.string(), value: serdes.string() })
      .flatMapValues((line) => line.split(' '))
      .groupBy((_, word) => word, { key: serdes.string(), value: serdes.string() })
      .count({ store: 'word-counts' })
      .toStream()
      .sink(output, { value: serdes.int64() });
    const topology = builder.build();
    const app = new StreamsApp(topology, {
      applicationId: kafka.uniqueName('live-app'),
      brokers: kafka.brokers,
      processingGuarantee: 'exactly_once',
      metricsRecordingLevel: 'DEBUG',
      metricsSampleWindowMs: 2_000,
    });
    cleanups.push(() => app.close());
    const server: ObservabilityServer = await serveObservability(app, { port: 0 });
    cleanups.push(() => server.close());
    await app.start();

    // Records keep flowing while the page is looked at.
    let stop = false;
    let sent = 0;
    const feeding = (async () => {
      while (!stop) {
        await kafka.produce(
          input,
          Array.from({ length: 50 }, (_, i) => ({ key: `l${sent + i}`, value: `the quick brown fox ${(sent + i) % 7}` })),
        );
        sent += 50;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();
    cleanups.push(async () => {
      stop = true;
      await feeding;
    });

    const browser: Browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--headless=new'] });
    cleanups.push(() => browser.close());
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(server.url);

    await page.waitForFunction(() => document.getElementById('state')?.textContent === 'RUNNING', undefined, { timeout: 20_000 });
    // Every node of the topology is drawn.
    const nodes = topology.describe().subTopologies.flatMap((s) => s.nodes.map((n) => n.name));
    expect(nodes.length).toBeGreaterThan(4);
    for (const name of nodes) expect(await page.locator(`g.node[data-node="${name}"]`).count(), name).toBe(1);
    expect(await page.locator('svg path.edge').count()).toBeGreaterThanOrEqual(nodes.length - 2);

    // The counts move: the header's processed count and the count on the first processor's node.
    const processor = topology.describe().subTopologies[0]!.nodes.find((n) => n.kind === 'processor')!.name;
    await page.waitForFunction((name) => /\/s · [\d,]+/.test(document.querySelector(`[data-rate="${name}"]`)?.textContent ?? ''), processor, { timeout: 20_000 });
    const firstTotal = numberIn(await page.textContent('#process-total'));
    const firstNode = numberIn((await page.textContent(`[data-rate="${processor}"]`))!.split('·')[1] ?? '');
    await page.waitForFunction(
      ([before, name, nodeBefore]) =>
        Number((document.getElementById('process-total')?.textContent ?? '').replace(/[^\d]/g, '')) > (before as number) &&
        Number(((document.querySelector(`[data-rate="${name as string}"]`)?.textContent ?? '').split('·')[1] ?? '').replace(/[^\d]/g, '')) > (nodeBefore as number),
      [firstTotal, processor, firstNode] as const,
      { timeout: 20_000 },
    );
    expect(firstTotal).toBeGreaterThan(0);
    // The tables are filled: the tasks of both sub-topologies, lag rows, the store.
    expect(await page.locator('#tasks tr').count()).toBeGreaterThanOrEqual(5);
    expect(await page.locator('#lags tr').count()).toBeGreaterThanOrEqual(3);
    expect(await page.textContent('#stores')).toContain('word-counts');
    expect(await page.textContent('#live')).toBe('live');
    expect(pageErrors).toEqual([]);

    const shot = process.env['RIVULET_SCREENSHOT'];
    if (shot !== undefined) await page.screenshot({ path: shot, fullPage: true });
  }, 120_000);
});
