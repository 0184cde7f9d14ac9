import { connectionRefused, protocolError } from './fake-errors.js';

/** The client calls a fault can target. Every call of a fake client goes through one of them. */
export const FAKE_OPS = [
  'connect',
  'subscribe',
  'join',
  'fetch',
  'heartbeat',
  'commitOffsets',
  'send',
  'beginTransaction',
  'txSend',
  'sendOffsets',
  'commit',
  'abort',
  'createTopics',
  'listTopics',
  'partitionCounts',
  'committedOffsets',
  'offsetRange',
  'topicMaxMessageBytes',
] as const;

/**
 * A client call a fault can target: a producer's `send` (plain) or `txSend` (in a transaction),
 * `sendOffsets`, `commit` and `abort` of a transaction, a consumer's `join` (each join of the group),
 * `fetch` (each round of its fetch loop), `heartbeat`, `commitOffsets`, and the admin calls.
 */
export type FakeOp = (typeof FAKE_OPS)[number];

/** What a call is about: faults scoped to a topic, a transactional id or a group match on it. */
export interface CallContext {
  /** Topics the call touches (a send's topics, a commit's offsets' topics, an admin call's topics). */
  readonly topics?: readonly string[];
  /** Partitions the call is about, where it names them (a read of committed offsets). */
  readonly partitions?: readonly number[];
  /** The producer's transactional id. */
  readonly transactionalId?: string;
  /** The consumer's group id. */
  readonly groupId?: string;
}

/** Which calls a scripted fault hits, and how many times. */
export interface FaultScope {
  /** How many matching calls it hits; default 1. */
  readonly times?: number;
  /** Only calls touching this topic. */
  readonly topic?: string;
  /** Only calls naming this partition number (a read of committed offsets names its partitions). */
  readonly partition?: number;
  /** Only calls of the producer with this transactional id. */
  readonly transactionalId?: string;
  /** Only calls of consumers of this group. */
  readonly groupId?: string;
}

/**
 * The error a failing call rejects with: an Error (thrown as is, each time), a factory (a fresh
 * error each time), or a kafkajs protocol error type such as `'REBALANCE_IN_PROGRESS'` (a fresh
 * protocol error each time).
 */
export type ScriptedError = Error | string | (() => Error);

interface Rule {
  readonly op: FakeOp;
  readonly scope: FaultScope;
  remaining: number;
  readonly error?: ScriptedError;
  readonly hangMs?: number;
}

/**
 * The fault script of a fake cluster and its call counters. Every client call passes `gate` first:
 * a scripted hang delays it, a down broker rejects it with a connection error after a short delay,
 * a scripted failure rejects it. The cluster's fault methods are the public face of this class.
 */
export class FakeFaults {
  private down = false;
  private downTimer: NodeJS.Timeout | undefined;
  private readonly failures: Rule[] = [];
  private readonly hangs: Rule[] = [];
  private readonly counts = new Map<FakeOp, number>();
  private readonly sleeping = new Set<() => void>();

  constructor(private readonly options: { readonly downDelayMs: number; readonly onChange: () => void }) {}

  /** True while the broker is down. */
  get brokerIsDown(): boolean {
    return this.down;
  }

  /** Takes the broker down, for `ms` or until `brokerUp()`. */
  brokerDown(ms?: number): void {
    this.down = true;
    this.clearDownTimer();
    if (ms !== undefined) {
      this.downTimer = setTimeout(() => this.brokerUp(), ms);
      this.downTimer.unref();
    }
    this.options.onChange();
  }

  /** Brings the broker back. */
  brokerUp(): void {
    this.down = false;
    this.clearDownTimer();
    this.options.onChange();
  }

  /** The next matching call(s) of `op` reject with `error`. */
  failNext(op: FakeOp, error: ScriptedError, scope: FaultScope = {}): void {
    if (typeof error === 'string') protocolError(error); // fail now, not at the call, on an unknown type
    this.failures.push({ op, scope, remaining: scope.times ?? 1, error });
  }

  /** The next matching call(s) of `op` take `ms` longer. */
  hang(op: FakeOp, ms: number, scope: FaultScope = {}): void {
    this.hangs.push({ op, scope, remaining: scope.times ?? 1, hangMs: ms });
  }

  /** Drops every scripted failure and hang not yet used. */
  clearScript(): void {
    this.failures.length = 0;
    this.hangs.length = 0;
  }

  /** How many calls of `op` were made (failed ones included). */
  callCount(op: FakeOp): number {
    return this.counts.get(op) ?? 0;
  }

  /** Calls made, per op. */
  callCounts(): Partial<Record<FakeOp, number>> {
    return Object.fromEntries(this.counts) as Partial<Record<FakeOp, number>>;
  }

  /** Runs the fault script for one call: resolves if the call may proceed, rejects as scripted otherwise. */
  async gate(op: FakeOp, ctx: CallContext): Promise<void> {
    this.counts.set(op, (this.counts.get(op) ?? 0) + 1);
    const hang = take(this.hangs, op, ctx);
    if (hang !== undefined) await this.sleep(hang.hangMs!);
    if (this.down) {
      // A refused connection is not instant in kafkajs either; and a caller retrying in a loop must not spin.
      await this.sleep(this.options.downDelayMs);
      throw connectionRefused();
    }
    const failure = take(this.failures, op, ctx);
    if (failure !== undefined) throw toError(failure.error!);
  }

  /** Rejects like a call would while the broker is down, else resolves (no counting, no script). */
  async checkUp(): Promise<void> {
    if (!this.down) return;
    await this.sleep(this.options.downDelayMs);
    throw connectionRefused();
  }

  /** Ends every wait at once and stops the down timer: nothing of the fault script is left pending. */
  close(): void {
    this.clearDownTimer();
    for (const wake of [...this.sleeping]) wake();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.sleeping.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.sleeping.add(wake);
    });
  }

  private clearDownTimer(): void {
    if (this.downTimer !== undefined) clearTimeout(this.downTimer);
    this.downTimer = undefined;
  }
}

function matches(rule: Rule, op: FakeOp, ctx: CallContext): boolean {
  const { scope } = rule;
  if (rule.op !== op) return false;
  if (scope.topic !== undefined && !(ctx.topics ?? []).includes(scope.topic)) return false;
  if (scope.partition !== undefined && !(ctx.partitions ?? []).includes(scope.partition)) return false;
  if (scope.transactionalId !== undefined && ctx.transactionalId !== scope.transactionalId) return false;
  if (scope.groupId !== undefined && ctx.groupId !== scope.groupId) return false;
  return true;
}

/** Uses up one hit of the first rule matching the call. */
function take(rules: Rule[], op: FakeOp, ctx: CallContext): Rule | undefined {
  const i = rules.findIndex((r) => matches(r, op, ctx));
  if (i < 0) return undefined;
  const rule = rules[i]!;
  if (--rule.remaining <= 0) rules.splice(i, 1);
  return rule;
}

function toError(error: ScriptedError): Error {
  if (typeof error === 'string') return protocolError(error);
  if (typeof error === 'function') return error();
  return error;
}
