import type { ResolvedRetrySetting } from './client-settings.js';
import type { ResolvedConsumerConfig } from './consumer-config.js';
import { formatValue } from './format-value.js';
import type { ResolvedProducerConfig } from './producer-config.js';
import type { ProcessingGuarantee, ResolvedProcessingGuarantee } from './streams-config.js';

/** What the rules that combine settings look at: the settings read so far, defaults filled in. */
export interface RuleInput {
  /** The guarantee as the user wrote it (`'exactly_once_v2'` stays), for messages. */
  readonly written: ProcessingGuarantee;
  /** The guarantee with its alias resolved. */
  readonly guarantee: ResolvedProcessingGuarantee;
  /** The commit interval, in ms. */
  readonly commitIntervalMs: number;
  /** The Kafka client's retries. */
  readonly retry: ResolvedRetrySetting;
  /** The producer settings. */
  readonly producer: ResolvedProducerConfig;
  /** The consumer settings. */
  readonly consumer: ResolvedConsumerConfig;
  /** Whether the user set a setting (a dotted path) rather than left it to its default. */
  readonly isSet: (path: string) => boolean;
}

/**
 * Shows a setting and its value for a message, marking a value the user did not set:
 * `consumer.sessionTimeoutMs = 45000 (the default)`.
 *
 * @param input - The rule input, to know whether the user set it.
 * @param path - The setting's dotted path.
 * @param value - Its value.
 * @returns For example `producer.acks = 1`.
 */
export function showSetting(input: RuleInput, path: string, value: unknown): string {
  return `${path} = ${formatValue(value)}${input.isSet(path) ? '' : ' (the default)'}`;
}
