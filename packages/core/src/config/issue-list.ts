import { ConfigError } from './config-error.js';
import type { ConfigIssue } from './config-error.js';

/**
 * Collects the problems found while reading a config, at most one per setting (the first found,
 * which is the most basic: a wrong type before a contradiction), and throws them together.
 */
export class IssueList {
  private readonly found: ConfigIssue[] = [];

  /** Every problem found so far. */
  get issues(): readonly ConfigIssue[] {
    return this.found;
  }

  /**
   * Records a problem, unless the setting already has one.
   *
   * @param setting - The dotted path of the setting, for example `'producer.acks'`.
   * @param message - What is wrong, what is allowed and the fix.
   */
  add(setting: string, message: string): void {
    if (!this.has(setting)) this.found.push({ setting, message });
  }

  /**
   * Whether a setting already has a problem: checks that combine settings skip it then, rather
   * than report a contradiction with a value that is wrong anyway.
   *
   * @param settings - Dotted paths of settings.
   * @returns `true` if any of them has a problem.
   */
  has(...settings: string[]): boolean {
    return this.found.some((issue) => settings.includes(issue.setting));
  }

  /**
   * Throws a {@link ConfigError} with every problem found, if there is any.
   *
   * @throws ConfigError listing the problems, one per line.
   */
  throwIfAny(): void {
    const [first, ...rest] = this.found;
    if (first !== undefined) throw new ConfigError([first, ...rest]);
  }
}
