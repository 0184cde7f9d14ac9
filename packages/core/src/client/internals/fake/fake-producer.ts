import type { OutgoingRecord, ProducerOptions, ProducerPort, TopicPartitionOffset, TransactionPort, WrittenOffsets } from '../kafka-port.js';
import type { FakeCluster } from './fake-cluster.js';
import { KafkaJSError, KafkaJSNonRetriableError, KafkaJSNumberOfRetriesExceeded, protocolError } from './fake-errors.js';
import type { CallContext } from './fake-faults.js';
import { recordBytes, type FakePartitionLog } from './fake-partition-log.js';

/** Records of one send, validated and grouped by partition log, in their order. */
type Writes = { log: FakePartitionLog; records: OutgoingRecord[] }[];

/**
 * A producer on the fake cluster. Plain sends append at once and resolve. With a transactional id,
 * `connect()` is InitProducerId: it takes a new epoch for the id, which fences any older producer
 * with it and aborts that producer's open transaction. A send is all or nothing: a record for a
 * missing topic or partition, or larger than its topic's `max.message.bytes`, fails the whole send.
 */
export class FakeProducer implements ProducerPort {
  private connected = false;
  private epoch = -1;
  private transaction: FakeTransaction | undefined;

  constructor(
    private readonly cluster: FakeCluster,
    /** The options the producer was made with. */
    readonly options: ProducerOptions,
    /** The producer's client id, e.g. `producer-3`. */
    readonly clientId: string,
  ) {}

  /** The transactional id, if the producer is transactional. */
  get transactionalId(): string | undefined {
    return this.options.transactionalId;
  }

  /** Connects; for a transactional producer, initializes its id (fencing older producers with it). */
  async connect(): Promise<void> {
    const transactionalId = this.transactionalId;
    await this.cluster.call('connect', this.context(), () => {
      if (transactionalId !== undefined) this.epoch = this.cluster.transactions.initProducerId(transactionalId, this.options.transactionTimeoutMs);
      this.connected = true;
    });
  }

  /**
   * Sends records outside any transaction: appended at once, visible to every reader. (kafkajs lets
   * a transactional producer do this too, as an idempotent send.)
   */
  async send(records: readonly OutgoingRecord[]): Promise<WrittenOffsets> {
    this.assertConnected('send');
    return this.cluster.call('send', this.context(records), () => {
      this.assertConnected('send');
      const written = new Map<string, string>();
      for (const { log, records: list } of this.validate(records)) written.set(`${list[0]!.topic}:${list[0]!.partition}`, log.append(list));
      this.cluster.signal.notify();
      return written;
    });
  }

  /** Begins a transaction: local to the client in kafkajs, so it needs no broker (but the fault script may still fail it). */
  async beginTransaction(): Promise<TransactionPort> {
    const transactionalId = this.transactionalId;
    if (transactionalId === undefined) throw new KafkaJSNonRetriableError('Must provide transactional id for transactional producer');
    if (this.transaction !== undefined && !this.transaction.ended) {
      throw new KafkaJSNonRetriableError('There is already an ongoing transaction for this producer. Please end the transaction before beginning another.');
    }
    this.assertConnected('transaction');
    await this.cluster.call('beginTransaction', this.context(), () => undefined);
    this.transaction = new FakeTransaction(this.cluster, this, transactionalId, this.epoch);
    return this.transaction;
  }

  /** Closes the producer. An open transaction stays open on the coordinator until the id is initialized again or it times out. */
  async disconnect(): Promise<void> {
    this.connected = false;
  }

  /** Throws as kafkajs does on a disconnected producer. */
  assertConnected(method: string): void {
    if (!this.connected) throw new KafkaJSError(`The producer is disconnected (${method})`);
  }

  /** The call context of this producer's calls, for scoped faults. */
  context(records?: readonly { topic: string }[]): CallContext {
    return {
      ...(records !== undefined ? { topics: [...new Set(records.map((r) => r.topic))] } : {}),
      ...(this.transactionalId !== undefined ? { transactionalId: this.transactionalId } : {}),
    };
  }

  /**
   * Checks every record of a send before any is written, and groups them by partition. A missing
   * topic or partition is retriable in kafkajs (metadata may be stale), so it surfaces once the
   * retries run out; a record above `max.message.bytes` is not.
   */
  validate(records: readonly OutgoingRecord[]): Writes {
    const byLog = new Map<FakePartitionLog, OutgoingRecord[]>();
    for (const r of records) {
      const log = this.cluster.log(r.topic, r.partition);
      if (log === undefined) {
        throw new KafkaJSNumberOfRetriesExceeded(protocolError('UNKNOWN_TOPIC_OR_PARTITION'), { retryCount: 5, retryTime: 0 });
      }
      if (recordBytes(r) > this.cluster.maxMessageBytes(r.topic)) throw protocolError('MESSAGE_TOO_LARGE');
      let list = byLog.get(log);
      if (list === undefined) byLog.set(log, (list = []));
      list.push(r);
    }
    return [...byLog].map(([log, list]) => ({ log, records: list }));
  }
}

/**
 * An open transaction of a fake producer. Its records are appended at once but stay invisible to
 * read_committed readers (and hold back their last stable offset) until it commits; abort leaves
 * them to read_uncommitted readers only. Offsets it carries reach the group on commit only.
 */
export class FakeTransaction implements TransactionPort {
  private done = false;

  constructor(
    private readonly cluster: FakeCluster,
    private readonly producer: FakeProducer,
    private readonly transactionalId: string,
    private readonly epoch: number,
  ) {}

  /** True once committed or aborted (or failed to). */
  get ended(): boolean {
    return this.done;
  }

  /** Sends records within the transaction. */
  async send(records: readonly OutgoingRecord[]): Promise<WrittenOffsets> {
    this.assertOpen('send');
    return this.cluster.call('txSend', this.producer.context(records), () => {
      this.assertOpen('send');
      const written = this.cluster.transactions.append(this.transactionalId, this.epoch, this.producer.validate(records));
      this.cluster.signal.notify();
      return written;
    });
  }

  /** Adds the group's offsets to the transaction. */
  async sendOffsets(groupId: string, offsets: readonly TopicPartitionOffset[]): Promise<void> {
    this.assertOpen('sendOffsets');
    await this.cluster.call('sendOffsets', { ...this.producer.context(offsets), groupId }, () => {
      this.assertOpen('sendOffsets');
      this.cluster.transactions.addOffsets(this.transactionalId, this.epoch, groupId, offsets);
    });
  }

  /** Commits: records become visible to read_committed readers, offsets reach their group. */
  commit(): Promise<void> {
    return this.end('commit');
  }

  /** Aborts: records are discarded for read_committed readers, offsets dropped. */
  abort(): Promise<void> {
    return this.end('abort');
  }

  private async end(op: 'commit' | 'abort'): Promise<void> {
    this.assertOpen(op);
    await this.cluster.call(op, this.producer.context(), () => {
      this.assertOpen(op);
      this.cluster.transactions.endTransaction(this.transactionalId, this.epoch, op === 'commit');
      this.done = true;
    });
  }

  private assertOpen(method: string): void {
    this.producer.assertConnected(method);
    if (this.done) throw new KafkaJSNonRetriableError(`Transaction state exception: Cannot call "${method}" in state "READY"`);
  }
}
