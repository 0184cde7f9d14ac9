/**
 * What `rivulet reset` does to an application, as Kafka's kafka-streams-application-reset
 * (StreamsResetter): the group's committed offsets of the input topics moved to where the reset
 * option says, and the app's internal topics deleted. Pure: the broker's answers in, the plan out.
 */
import { UsageError } from './args.js';

/** Where the input topics' offsets go. */
export type ResetTarget =
  | { readonly kind: 'earliest' }
  | { readonly kind: 'latest' }
  | { readonly kind: 'offset'; readonly offset: number }
  /** The first offset whose timestamp is at or after this time (epoch ms); the end if none. */
  | { readonly kind: 'timestamp'; readonly timestamp: number; readonly from: string };

/** The suffixes of the topics Rivulet creates for an app, after `<applicationId>-`. */
export const INTERNAL_TOPIC_SUFFIXES = ['-repartition', '-changelog', '-subscription-registration-topic', '-subscription-response-topic'] as const;

/** Whether a topic is one of the app's internal topics: `<applicationId>-...-repartition`, `-changelog`, or a foreign-key join's. */
export function isInternalTopic(applicationId: string, topic: string): boolean {
  return topic.startsWith(`${applicationId}-`) && INTERNAL_TOPIC_SUFFIXES.some((s) => topic.endsWith(s));
}

/** One partition of an input topic as the broker sees it. */
export interface PartitionOffsets {
  readonly partition: number;
  /** The earliest offset still in the log. */
  readonly low: number;
  /** The end offset (one past the last record). */
  readonly high: number;
  /** For a timestamp target: the first offset at or after it, or undefined if none (the end is used). */
  readonly atTimestamp?: number;
  /** The group's committed offset, if any. */
  readonly committed?: number;
}

/** One offset the reset moves. */
export interface OffsetReset {
  readonly topic: string;
  readonly partition: number;
  readonly from: number | undefined;
  readonly to: number;
}

/** Everything a reset changes. */
export interface ResetPlan {
  readonly offsets: readonly OffsetReset[];
  readonly deleteTopics: readonly string[];
  /** Input topics given that do not exist: skipped, as Kafka's tool does. */
  readonly missingInputTopics: readonly string[];
}

/** What the broker told about the app, for {@link planReset}. */
export interface ResetFacts {
  readonly applicationId: string;
  /** The input topics given with --input-topics. */
  readonly inputTopics: readonly string[];
  /** Every topic on the cluster. */
  readonly topics: readonly string[];
  /** Per existing input topic, its partitions. */
  readonly partitions: ReadonlyMap<string, readonly PartitionOffsets[]>;
}

/** The offsets to reset and the topics to delete. */
export function planReset(facts: ResetFacts, target: ResetTarget): ResetPlan {
  const exists = new Set(facts.topics);
  const offsets: OffsetReset[] = [];
  for (const topic of facts.inputTopics) {
    for (const p of facts.partitions.get(topic) ?? []) {
      offsets.push({ topic, partition: p.partition, from: p.committed, to: targetOffset(p, target) });
    }
  }
  const deleteTopics = facts.topics.filter((t) => isInternalTopic(facts.applicationId, t)).sort();
  return { offsets, deleteTopics, missingInputTopics: facts.inputTopics.filter((t) => !exists.has(t)) };
}

/** A partition's new offset, kept within the log (Kafka's tool clamps out-of-range offsets the same way). */
function targetOffset(p: PartitionOffsets, target: ResetTarget): number {
  switch (target.kind) {
    case 'earliest':
      return p.low;
    case 'latest':
      return p.high;
    case 'offset':
      return Math.min(Math.max(target.offset, p.low), p.high);
    case 'timestamp':
      return p.atTimestamp ?? p.high;
  }
}

/**
 * An ISO 8601 duration as Kafka's `--by-duration` takes it (`PnDTnHnMnS`, such as `P1DT2H`, `PT30M`,
 * `PT1.5S`), in milliseconds.
 */
export function parseDuration(text: string): number {
  const m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(text);
  if (m === null || text === 'P' || text.endsWith('T')) {
    throw new UsageError(`reset: --by-duration '${text}' is not an ISO 8601 duration PnDTnHnMnS (such as P1D, PT2H30M, PT45S)`);
  }
  const [, d, h, min, s] = m;
  return Math.round(((Number(d ?? 0) * 24 + Number(h ?? 0)) * 60 + Number(min ?? 0)) * 60_000 + Number(s ?? 0) * 1000);
}

/** An ISO 8601 date-time (`2026-12-01T10:00:00Z`, `2026-12-01T10:00:00.000+01:00`; local time without a zone), in epoch ms. */
export function parseDateTime(text: string): number {
  const ms = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:?\d{2})?$/.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(ms)) throw new UsageError(`reset: --to-datetime '${text}' is not an ISO 8601 date-time such as 2026-12-01T10:00:00Z or 2026-12-01T10:00:00.000+01:00`);
  return ms;
}

/** The reset target the options choose (at most one; default `--to-earliest`, as Kafka's tool). */
export function resetTarget(values: Readonly<Record<string, string | boolean | undefined>>, now: number): ResetTarget {
  const chosen = ['to-earliest', 'to-latest', 'to-datetime', 'to-offset', 'by-duration'].filter((k) => values[k] !== undefined);
  if (chosen.length > 1) throw new UsageError(`reset: choose one of ${chosen.map((k) => `--${k}`).join(', ')}`);
  switch (chosen[0]) {
    case undefined:
    case 'to-earliest':
      return { kind: 'earliest' };
    case 'to-latest':
      return { kind: 'latest' };
    case 'to-offset': {
      const text = String(values['to-offset']);
      if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text))) throw new UsageError(`reset: --to-offset must be an offset (an integer >= 0), got '${text}'`);
      return { kind: 'offset', offset: Number(text) };
    }
    case 'to-datetime': {
      const text = String(values['to-datetime']);
      return { kind: 'timestamp', timestamp: parseDateTime(text), from: text };
    }
    default: {
      const text = String(values['by-duration']);
      const timestamp = now - parseDuration(text);
      return { kind: 'timestamp', timestamp, from: `${text} ago (${new Date(timestamp).toISOString()})` };
    }
  }
}

/** The plan as lines a person reads: what is (or, with `dryRun`, would be) changed. */
export function describePlan(applicationId: string, plan: ResetPlan, target: ResetTarget, dryRun: boolean): string[] {
  const lines: string[] = [];
  const will = dryRun ? 'would be' : 'are';
  for (const t of plan.missingInputTopics) lines.push(`input topic '${t}' not found: skipped`);
  const where = target.kind === 'timestamp' ? `the first offset at or after ${target.from}` : target.kind === 'offset' ? `offset ${target.offset}` : `the ${target.kind} offset`;
  if (plan.offsets.length > 0) {
    lines.push(`Committed offsets of group '${applicationId}' that ${will} reset to ${where}:`);
    for (const o of plan.offsets) lines.push(`  ${o.topic} partition ${o.partition}: ${o.from ?? 'none'} -> ${o.to}`);
  } else {
    lines.push(`No input topic offsets ${will} reset${plan.missingInputTopics.length === 0 ? ' (no --input-topics given)' : ''}.`);
  }
  if (plan.deleteTopics.length > 0) {
    lines.push(`Internal topics that ${will} deleted:`);
    for (const t of plan.deleteTopics) lines.push(`  ${t}`);
  } else {
    lines.push(`No internal topics of '${applicationId}' found.`);
  }
  lines.push(
    dryRun
      ? 'Dry run: nothing was changed.'
      : `Done. Local state is not touched: call app.cleanUp() before the next app.start() on each instance (or delete its stateDir).`,
  );
  return lines;
}
