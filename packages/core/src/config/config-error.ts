/**
 * One problem found in a {@link StreamsConfig}: the setting it concerns, as a dotted path such as
 * `'producer.acks'`, and a message naming the setting, the value, what is allowed and the fix.
 */
export interface ConfigIssue {
  /** The dotted path of the setting, for example `'commitIntervalMs'` or `'producer.acks'`. */
  readonly setting: string;
  /** What is wrong and how to fix it, in one sentence or two. */
  readonly message: string;
}

/**
 * Thrown by {@link resolveConfig} (and so by the `StreamsApp` constructor) when a
 * {@link StreamsConfig} is invalid. It reports every problem found at once, one per line, so a
 * user fixes them in one go rather than one per run.
 *
 * @example
 * ```ts
 * try {
 *   resolveConfig({ applicationId: 'app', brokers: 'localhost:9092', comitIntervalMs: 100 });
 * } catch (error) {
 *   if (error instanceof ConfigError) console.error(error.settings); // ['comitIntervalMs']
 * }
 * ```
 */
export class ConfigError extends Error {
  /** Always `'ConfigError'`. */
  override readonly name = 'ConfigError';
  /** The dotted path of the first setting at fault, for example `'producer.acks'`. */
  readonly setting: string;
  /** The dotted paths of all settings at fault, in the order of {@link ConfigError.issues}. */
  readonly settings: readonly string[];
  /** Every problem found, each with its setting and its message. */
  readonly issues: readonly ConfigIssue[];

  /**
   * @param issues - The problems found; at least one.
   */
  constructor(issues: readonly [ConfigIssue, ...ConfigIssue[]]) {
    super(formatMessage(issues));
    this.issues = issues;
    this.setting = issues[0].setting;
    this.settings = issues.map((issue) => issue.setting);
  }
}

function formatMessage(issues: readonly [ConfigIssue, ...ConfigIssue[]]): string {
  if (issues.length === 1) return `Invalid Rivulet config: ${issues[0].message}`;
  const lines = issues.map((issue) => `- ${issue.message}`);
  return [`Invalid Rivulet config, ${issues.length} problems:`, ...lines].join('\n');
}

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
   * @param redact - Applied to each message first: `resolveConfig` scrubs the config's secrets.
   * @throws ConfigError listing the problems, one per line.
   */
  throwIfAny(redact: (message: string) => string = (message) => message): void {
    const [first, ...rest] = this.found.map((issue) => ({ setting: issue.setting, message: redact(issue.message) }));
    if (first !== undefined) throw new ConfigError([first, ...rest]);
  }
}
