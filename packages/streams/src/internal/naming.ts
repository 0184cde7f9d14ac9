/**
 * Node and store names of a DSL topology. Generated names (`KSTREAM-MAP-0000000003`) follow Kafka
 * Streams' pattern and change when the topology changes; stateful operators warn when they get one,
 * because a changed store or topic name silently orphans its state.
 */
export class NameGenerator {
  private index = 0;
  readonly warnings: string[] = [];

  constructor(private readonly warn: (message: string) => void) {}

  /** A node name: the user's, or a generated one with the operator's prefix. */
  node(prefix: string, given?: string): string {
    const n = this.index++;
    return given ?? `${prefix}-${String(n).padStart(10, '0')}`;
  }

  /**
   * A store or internal topic name: the user's, or a generated one with a warning saying what it is
   * for and how to name it.
   */
  stateful(prefix: string, given: string | undefined, what: string): string {
    if (given !== undefined) return given;
    const name = `${prefix}-${String(this.index++).padStart(10, '0')}`;
    const message = `${what} has no name and got '${name}', which changes when the topology changes and orphans its state: pass a name`;
    this.warnings.push(message);
    this.warn(message);
    return name;
  }
}
