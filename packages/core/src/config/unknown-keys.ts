import { closestMatch } from './closest-match.js';
import { formatValue } from './format-value.js';
import type { IssueList } from './issue-list.js';
import { OPTIONS_BY_LEVEL } from './option-paths.js';
import type { NestedOption } from './option-paths.js';
import { optionForKafkaProperty } from './property-names.js';

/**
 * Reports every key of a settings object that is not a setting at that level, with the most
 * likely fix: the closest known name (`comitIntervalMs` -> `commitIntervalMs`), the level a
 * known name belongs to (`acks` at the top -> `producer.acks`), or the Rivulet name of a Kafka
 * property (`commit.interval.ms` -> `commitIntervalMs`).
 *
 * @param issues - Where problems are reported.
 * @param level - The level checked: `''` for the top, or `'producer'`, `'consumer'`, `'retry'`.
 * @param settings - The user's settings at that level.
 */
export function checkUnknownKeys(issues: IssueList, level: '' | NestedOption, settings: Readonly<Record<string, unknown>>): void {
  const known = OPTIONS_BY_LEVEL[level];
  for (const key of Object.keys(settings)) {
    if (known.includes(key)) continue;
    const path = level === '' ? key : `${level}.${key}`;
    issues.add(path, `Unknown setting ${path} (= ${formatValue(settings[key])}). ${suggest(level, key, known)}`);
  }
}

function suggest(level: '' | NestedOption, key: string, known: readonly string[]): string {
  const prefix = level === '' ? '' : `${level}.`;
  const path = `${prefix}${key}`;

  // A right name at the wrong level: `acks` at the top, `commitIntervalMs` in producer.
  const targets = levelsHolding(key)
    .filter((other) => other !== level)
    .map((other) => (other === '' ? key : `${other}.${key}`));
  if (targets.length > 0) {
    const target = targets.join(' or ');
    return `Did you mean ${target}? Fix: move ${path} to ${target}.`;
  }

  const fromKafka = optionForKafkaProperty(key);
  if (fromKafka !== undefined) {
    return `${key} is Kafka's property name; Rivulet's setting is ${fromKafka}. Fix: write ${fromKafka} instead of ${path}.`;
  }

  const near = closestMatch(key, known);
  if (near !== undefined) return `Did you mean ${prefix}${near}? Fix: rename ${path} to ${prefix}${near}.`;

  const where = level === '' ? 'at the top level' : `in ${level}`;
  return `Fix: remove it; the settings allowed ${where} are ${known.join(', ')}.`;
}

function levelsHolding(key: string): ('' | NestedOption)[] {
  const levels: ('' | NestedOption)[] = [];
  for (const [level, options] of Object.entries(OPTIONS_BY_LEVEL)) {
    if (options.includes(key)) levels.push(level as '' | NestedOption);
  }
  return levels;
}
