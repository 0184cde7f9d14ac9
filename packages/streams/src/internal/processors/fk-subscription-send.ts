import type { Processor, ProcessorContext, StreamRecord } from '@rivulet/core';
import type { Serde } from '@rivulet/serde';
import { serializeSync } from '../join-bytes.js';
import { hash128 } from '../murmur3.js';
import { encodeSubscription, Instruction } from '../subscription-wrappers.js';
import { isOutOfOrderVersion, oldValueOf } from '../table-change.js';
import { dropNullKey } from './drops.js';

/** What a foreign-key join's subscription sender needs: the extractor and the serdes it hashes and keys with. @internal */
export interface SubscriptionSendOptions<K, V, KO> {
  /** The join's name, for error messages. */
  readonly join: string;
  /** The subscription topic's short name: its serdes see `<applicationId>-<topic>-fk` / `-pk` / `-vh`, as Kafka Streams' do. */
  readonly topic: string;
  readonly foreignKeyExtractor: (value: V) => KO | null | undefined;
  readonly foreignKeySerde: Serde<KO>;
  readonly primaryKeySerde: Serde<K>;
  readonly valueSerde: Serde<V>;
  readonly leftJoin: boolean;
}

/**
 * The left side of a foreign-key join (Kafka Streams' `SubscriptionSendProcessorSupplier`): each
 * update of the left table becomes subscription records keyed by foreign key (bytes), for the
 * subscription topic. A subscription carries the primary key, the left row's partition, the
 * 128-bit murmur3 hash of the new left value's bytes (null for a deletion) and an instruction:
 *
 * - inner join: a new row subscribes to its foreign key, answered only when the right row exists;
 *   an update keeping the foreign key likewise; an update changing it unsubscribes the old one
 *   (no answer) and subscribes to the new one, answered with null when there is no right row (the
 *   old result must go); a deletion, or a null foreign key, unsubscribes the old one with a null
 *   answer (a tombstone). A null foreign key is dropped and reported (`null-key-or-value`).
 * - left join: every update (deletions too) subscribes to the new foreign key, answered with the
 *   right value or null, and a changed foreign key unsubscribes the old one without an answer. A
 *   null foreign key (or a deletion) still sends its subscription, with a null key, so the answer
 *   comes back and the result is joined with null or deleted (KIP-962).
 *
 * Both foreign keys are compared as bytes, as Kafka Streams does. The old value comes with the
 * update (a TableChange): without it the old subscription could not be found, so an update that
 * does not carry one fails the task (the builder puts this node after a table node that tracks it).
 */
export class FkSubscriptionSend<K, V, KO> implements Processor<K, V | null, Buffer | null, Buffer> {
  private ctx!: ProcessorContext<Buffer | null, Buffer>;
  private fkTopic = '';
  private pkTopic = '';
  private valueTopic = '';

  constructor(private readonly options: SubscriptionSendOptions<K, V, KO>) {}

  init(context: ProcessorContext<Buffer | null, Buffer>): void {
    this.ctx = context;
    const topic = `${context.applicationId}-${this.options.topic}`;
    this.fkTopic = `${topic}-fk`;
    this.pkTopic = `${topic}-pk`;
    this.valueTopic = `${topic}-vh`;
  }

  process(record: StreamRecord<K, V | null>): void {
    if (record.key === null || record.key === undefined) {
      dropNullKey(this.ctx);
      return;
    }
    if (isOutOfOrderVersion(record)) return; // KIP-914: a versioned table's out-of-order update changes no join result
    const newValue = record.value ?? null;
    const oldValue = oldValueOf<V>(record);
    if (oldValue === undefined) {
      throw new Error(
        `foreign-key join '${this.options.join}': the left table's update carries no old value, so the subscription of the old ` +
          'foreign key cannot be removed; the left side of a foreign-key join must be a table node that forwards its old values',
      );
    }
    if (this.options.leftJoin) this.leftJoin(record, newValue, oldValue);
    else this.innerJoin(record, newValue, oldValue);
  }

  private leftJoin(record: StreamRecord<K, V | null>, newValue: V | null, oldValue: V | null): void {
    // Deleting a row that did not exist: nothing to say.
    if (newValue === null && oldValue === null) return;
    const hash = this.hash(newValue);
    const newKey = this.foreignKeyBytes(newValue);
    const oldKey = this.foreignKeyBytes(oldValue);
    // The new subscription may go to another partition: the old one is removed there explicitly.
    if (oldKey !== null && (newKey === null || !newKey.equals(oldKey))) this.send(record, oldKey, hash, Instruction.DELETE_KEY_NO_PROPAGATE);
    // Always an answer, for inserts, updates and deletions alike (a deletion or a null foreign key
    // goes with a null key: no subscription is kept, the answer deletes or joins with null).
    this.send(record, newKey, hash, Instruction.PROPAGATE_NULL_IF_NO_FK_VAL_AVAILABLE);
  }

  private innerJoin(record: StreamRecord<K, V | null>, newValue: V | null, oldValue: V | null): void {
    const oldKey = this.foreignKeyBytes(oldValue);
    const hash = this.hash(newValue);
    if (newValue === null) {
      // A deletion: the old subscription goes, answered with null (a tombstone, possibly for a row
      // that never joined: whether it did is not known here).
      if (oldKey !== null) this.send(record, oldKey, hash, Instruction.DELETE_KEY_AND_PROPAGATE);
      return;
    }
    const newKey = this.foreignKeyBytes(newValue);
    if (newKey === null) {
      this.ctx.reportDropped('null-key-or-value', 'a null foreign key');
      if (oldKey !== null) this.send(record, oldKey, hash, Instruction.DELETE_KEY_AND_PROPAGATE);
      return;
    }
    if (oldKey === null) {
      // An insert: no earlier result to delete, so no answer without a right row.
      this.send(record, newKey, hash, Instruction.PROPAGATE_ONLY_IF_FK_VAL_AVAILABLE);
    } else if (!newKey.equals(oldKey)) {
      this.send(record, oldKey, hash, Instruction.DELETE_KEY_NO_PROPAGATE);
      // The old result (if any) must go when the new key has no right row: answer with null.
      this.send(record, newKey, hash, Instruction.PROPAGATE_NULL_IF_NO_FK_VAL_AVAILABLE);
    } else {
      // Same foreign key: without a right row the old value did not join either.
      this.send(record, newKey, hash, Instruction.PROPAGATE_ONLY_IF_FK_VAL_AVAILABLE);
    }
  }

  private foreignKeyBytes(value: V | null): Buffer | null {
    if (value === null) return null;
    const foreignKey = this.options.foreignKeyExtractor(value);
    if (foreignKey === null || foreignKey === undefined) return null;
    return serializeSync(this.options.join, 'foreign key', this.options.foreignKeySerde, this.fkTopic, foreignKey);
  }

  private hash(value: V | null): Buffer | null {
    return value === null ? null : hash128(serializeSync(this.options.join, 'left value', this.options.valueSerde, this.valueTopic, value));
  }

  private send(record: StreamRecord<K, V | null>, foreignKey: Buffer | null, hash: Buffer | null, instruction: Instruction): void {
    const primaryKey = serializeSync(this.options.join, 'key', this.options.primaryKeySerde, this.pkTopic, record.key);
    const primaryPartition = this.ctx.recordMetadata()?.partition ?? -1;
    const subscription = encodeSubscription({ hash, instruction, primaryKey, primaryPartition });
    this.ctx.forward(record.withKey(foreignKey).withValue(subscription));
  }
}
