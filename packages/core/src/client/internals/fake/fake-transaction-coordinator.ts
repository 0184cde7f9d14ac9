import type { OutgoingRecord, TopicPartitionOffset } from '../kafka-port.js';
import type { FakePartitionLog, TransactionState } from './fake-partition-log.js';

/** A transaction the coordinator knows: what it wrote where, and the group offsets it carries. */
interface OpenTransaction {
  readonly state: TransactionState;
  readonly partitions: Set<FakePartitionLog>;
  /** Pending group offsets: group id -> `topic:partition` -> offset. Applied on commit only. */
  readonly offsets: Map<string, Map<string, string>>;
  readonly startedAt: number;
}

/** Per transactional id: the current producer epoch and its open transaction. */
interface TransactionalIdState {
  epoch: number;
  timeoutMs: number;
  open: OpenTransaction | undefined;
}

/** What the coordinator needs from the cluster. */
export interface TransactionCoordinatorHooks {
  /** Applies a committed transaction's offsets to a group. */
  commitGroupOffsets(groupId: string, offsets: ReadonlyMap<string, string>): void;
  /** Something readers wait on changed (markers appended). */
  changed(): void;
  /** The error a producer with an old epoch gets (kafkajs 2.2.4 sees INVALID_PRODUCER_EPOCH). */
  fencedError(): Error;
}

/**
 * The transaction coordinator: producer epochs per transactional id, and each id's open transaction.
 * InitProducerId bumps the epoch, which fences every producer holding an older one, and aborts the
 * id's open transaction (abort markers on every partition it wrote), as Kafka does. A transaction
 * open longer than its timeout is aborted and its epoch bumped when the coordinator next looks
 * (`expire`, called on every client call and fetch), as the broker's transaction reaper does.
 */
export class FakeTransactionCoordinator {
  private readonly ids = new Map<string, TransactionalIdState>();

  constructor(private readonly hooks: TransactionCoordinatorHooks) {}

  /** A producer with this id initializes: returns its epoch; older producers are fenced and their open transaction aborted. */
  initProducerId(transactionalId: string, timeoutMs: number): number {
    const s = this.stateOf(transactionalId);
    this.end(s, 'aborted');
    s.epoch++;
    s.timeoutMs = timeoutMs;
    return s.epoch;
  }

  /** As if another producer with this id initialized: the current one is fenced, its open transaction aborted. */
  fence(transactionalId: string): void {
    const s = this.stateOf(transactionalId);
    this.end(s, 'aborted');
    s.epoch++;
  }

  /** Throws the fenced error unless `epoch` is the id's current one. */
  check(transactionalId: string, epoch: number): void {
    if (this.stateOf(transactionalId).epoch !== epoch) throw this.hooks.fencedError();
  }

  /** Writes records in the id's transaction (opening it at its first write, as AddPartitionsToTxn does); returns the last offset written per partition. */
  append(transactionalId: string, epoch: number, writes: ReadonlyArray<{ log: FakePartitionLog; records: readonly OutgoingRecord[] }>): Map<string, string> {
    this.check(transactionalId, epoch);
    const open = this.openOf(transactionalId);
    const written = new Map<string, string>();
    for (const { log, records } of writes) {
      open.partitions.add(log);
      written.set(`${records[0]!.topic}:${records[0]!.partition}`, log.append(records, open.state));
    }
    return written;
  }

  /** Adds a group's offsets to the id's transaction: they reach the group only if it commits. */
  addOffsets(transactionalId: string, epoch: number, groupId: string, offsets: readonly TopicPartitionOffset[]): void {
    this.check(transactionalId, epoch);
    const open = this.openOf(transactionalId);
    let pending = open.offsets.get(groupId);
    if (pending === undefined) open.offsets.set(groupId, (pending = new Map()));
    for (const o of offsets) pending.set(`${o.topic}:${o.partition}`, o.offset);
  }

  /** Commits or aborts the id's open transaction (a no-op when it wrote nothing). */
  endTransaction(transactionalId: string, epoch: number, commit: boolean): void {
    this.check(transactionalId, epoch);
    this.end(this.stateOf(transactionalId), commit ? 'committed' : 'aborted');
  }

  /** Aborts transactions open longer than their timeout, and bumps their epoch (the producer is fenced). */
  expire(now: number): void {
    for (const s of this.ids.values()) {
      if (s.open !== undefined && now - s.open.startedAt > s.timeoutMs) {
        this.end(s, 'aborted');
        s.epoch++;
      }
    }
  }

  /** Transactional ids with an open transaction, for tests. */
  openTransactionalIds(): string[] {
    return [...this.ids].filter(([, s]) => s.open !== undefined).map(([id]) => id);
  }

  private stateOf(transactionalId: string): TransactionalIdState {
    let s = this.ids.get(transactionalId);
    if (s === undefined) this.ids.set(transactionalId, (s = { epoch: -1, timeoutMs: 60_000, open: undefined }));
    return s;
  }

  private openOf(transactionalId: string): OpenTransaction {
    const s = this.stateOf(transactionalId);
    s.open ??= { state: { transactionalId, status: 'open' }, partitions: new Set(), offsets: new Map(), startedAt: Date.now() };
    return s.open;
  }

  private end(s: TransactionalIdState, status: 'committed' | 'aborted'): void {
    const open = s.open;
    if (open === undefined) return;
    s.open = undefined;
    open.state.status = status;
    // The markers: every partition the transaction wrote gets one, which also moves its last stable offset.
    for (const log of open.partitions) log.appendMarker(open.state);
    if (status === 'committed') for (const [groupId, offsets] of open.offsets) this.hooks.commitGroupOffsets(groupId, offsets);
    this.hooks.changed();
  }
}
