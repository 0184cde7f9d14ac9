/**
 * The periodic topic check behind pattern subscriptions (docs/concepts.md#pattern-sources). Kafka
 * Streams' consumer subscribes with the pattern and finds new matching topics at its metadata
 * refresh, every `metadata.max.age.ms`; kafkajs resolves a pattern once, at subscribe. So the app
 * lists the topics itself every `metadataMaxAgeMs` and, when the topics a pattern source matches
 * changed, hands the changes to the app, which re-subscribes (StreamsApp.resubscribe).
 */
import type { Logger } from '../../config/logger.js';
import type { PatternSourceChange, Topology } from '../../topology/topology.js';
import { bounded } from './tasks/task-retries.js';

/** What a {@link PatternTopicWatch} needs from the app. */
export interface PatternTopicWatchDeps {
  readonly topology: Topology;
  readonly applicationId: string;
  /** How often to list the topics: `metadataMaxAgeMs`. */
  readonly intervalMs: number;
  /** The bound of one listing: a broker that does not answer must not hold the check forever. */
  readonly timeoutMs: number;
  /** Lists the topics that exist (the app's admin client). */
  readonly listTopics: () => Promise<string[]>;
  /** Applies a change of the matched topics; the next check waits for it. */
  readonly onChange: (changes: readonly PatternSourceChange[]) => Promise<void>;
  readonly logger: Logger;
}

/** True when the topology has a source that reads the topics a pattern matches. */
export function hasPatternSources(topology: Topology): boolean {
  return topology.nodeDefs().some((n) => n.kind === 'source' && n.pattern !== undefined);
}

/**
 * Lists the topics every `intervalMs` and reports the pattern sources whose matches changed. One
 * check at a time; a listing that fails or times out is retried at the next interval, as a Kafka
 * client's failed metadata refresh is.
 *
 * @example
 * const watch = new PatternTopicWatch({ topology, applicationId, intervalMs: 300_000, timeoutMs: 30_000, listTopics: () => admin.listTopics(), onChange, logger });
 * watch.start();
 */
export class PatternTopicWatch {
  private timer: NodeJS.Timeout | undefined;
  private checking: Promise<readonly PatternSourceChange[]> | undefined;

  constructor(private readonly deps: PatternTopicWatchDeps) {}

  /** Starts the periodic check; does nothing for a topology without pattern sources. */
  start(): void {
    if (this.timer !== undefined || !hasPatternSources(this.deps.topology)) return;
    this.timer = setInterval(() => void this.check(), this.deps.intervalMs);
    // The check alone never keeps a process alive: the app's own timer and clients do.
    this.timer.unref();
  }

  /** Stops the periodic check (a check in progress runs to its end). */
  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Lists the topics once and applies a change, if any: the changes found (empty when none, or when the listing failed). */
  check(): Promise<readonly PatternSourceChange[]> {
    this.checking ??= this.checkOnce().finally(() => (this.checking = undefined));
    return this.checking;
  }

  private async checkOnce(): Promise<readonly PatternSourceChange[]> {
    const { topology, applicationId, timeoutMs, logger } = this.deps;
    let topics: string[];
    try {
      topics = await bounded(this.deps.listTopics(), timeoutMs, 'listing the topics for the pattern sources');
    } catch (err) {
      logger.warn(`could not list the topics for the pattern sources; trying again in ${this.deps.intervalMs} ms: ${(err as Error).message}`);
      return [];
    }
    if (this.timer === undefined) return [];
    const changes = topology.patternSourceChanges(topics, applicationId);
    if (changes.length > 0) await this.deps.onChange(changes);
    return changes;
  }
}
