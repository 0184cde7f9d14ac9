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
  const { bootstrap, started } = await startBroker();
  process.env['KAFKA_BROKERS'] = bootstrap;
  project.provide('kafkaBrokers', bootstrap);
  return started ? () => stopBroker() : undefined;
}
