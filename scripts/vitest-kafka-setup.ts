/**
 * Vitest global setup for integration tests: uses KAFKA_BROKERS if set, otherwise starts the local
 * broker (scripts/kafka.mjs) and stops it afterwards if this run started it.
 */
/// <reference path="./vitest-provided.d.ts" />
import type { TestProject } from 'vitest/node';
import { startBroker, stopBroker } from './kafka.mjs';


export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const given = process.env['KAFKA_BROKERS'];
  if (given) {
    project.provide('kafkaBrokers', given);
    return undefined;
  }
  // A data dir kept by `npm run kafka stop` is used and kept; otherwise a fresh cluster, removed after.
  const { bootstrap, started, keptData } = await startBroker(undefined, { keepData: true });
  process.env['KAFKA_BROKERS'] = bootstrap;
  project.provide('kafkaBrokers', bootstrap);
  return started ? () => stopBroker(undefined, { keepData: keptData === true }) : undefined;
}
