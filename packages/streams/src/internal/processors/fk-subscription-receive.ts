import { StreamRecord, type KeyValueStore, type Processor, type ProcessorContext } from '@rivulet/core';
import type { Serde } from '@rivulet/serde';
import { combinedKey } from '../combined-key.js';
import { deserializeSync, serializeSync } from '../join-bytes.js';
import { decodeSubscription, encodeResponse, Instruction } from '../subscription-wrappers.js';

/** What the right side of a foreign-key join needs to answer subscriptions. @internal */
export interface SubscriptionReceiveOptions<KO, VO> {
  /** The join's name, for error messages. */
  readonly join: string;
  /** The subscription topic's short name (the serdes see `<applicationId>-<topic>-fk`). */
  readonly topic: string;
  /** The subscription store: combined key (foreign key, primary key) -> subscription bytes. */
  readonly subscriptionStore: string;
  /** The right table's store. */
  readonly foreignStore: string;
  readonly foreignKeySerde: Serde<KO>;
  readonly foreignValueSerde: Serde<VO>;
}

/**
 * The right side of a foreign-key join receiving a subscription (Kafka Streams'
 * `SubscriptionReceiveProcessorSupplier` and `SubscriptionJoinProcessorSupplier` in one node): it
 * records the subscription under (foreign key, primary key) in the subscription store, or removes it
 * for the delete instructions, then answers it with the right table's value for the foreign key as
 * the instruction says, keyed by the primary key's bytes, for the response topic. A subscription
 * with a null foreign key is never stored; it is answered with null when it asks for an answer
 * either way (a left join's null foreign key or deletion), else dropped and reported
 * (`null-key-or-value`).
 *
 * The answer carries the subscription's timestamp. (Kafka Streams takes the later of it and the
 * right row's timestamp; Rivulet's table stores keep no timestamps.)
 */
export class FkSubscriptionReceive<KO, VO> implements Processor<Buffer | null, Buffer | null, Buffer, Buffer> {
  private ctx!: ProcessorContext<Buffer, Buffer>;
  private subscriptions!: KeyValueStore<Buffer, Buffer>;
  private foreign!: KeyValueStore<KO, VO>;
  private fkTopic = '';
  private valueTopic = '';

  constructor(private readonly options: SubscriptionReceiveOptions<KO, VO>) {}

  init(context: ProcessorContext<Buffer, Buffer>): void {
    this.ctx = context;
    this.subscriptions = context.getStateStore<KeyValueStore<Buffer, Buffer>>(this.options.subscriptionStore);
    this.foreign = context.getStateStore<KeyValueStore<KO, VO>>(this.options.foreignStore);
    this.fkTopic = `${context.applicationId}-${this.options.topic}-fk`;
    this.valueTopic = `${context.applicationId}-${this.options.topic}-rv`;
  }

  process(record: StreamRecord<Buffer | null, Buffer | null>): void {
    if (record.value === null || record.value === undefined) {
      this.ctx.reportDropped('null-key-or-value', 'a null subscription');
      return;
    }
    const subscription = decodeSubscription(record.value);
    const foreignKeyBytes = record.key ?? null;
    if (foreignKeyBytes === null && subscription.instruction !== Instruction.PROPAGATE_NULL_IF_NO_FK_VAL_AVAILABLE) {
      this.ctx.reportDropped('null-key-or-value', 'a null foreign key');
      return;
    }
    let foreignValue: VO | undefined;
    if (foreignKeyBytes !== null) {
      const key = combinedKey(foreignKeyBytes, subscription.primaryKey);
      const remove =
        subscription.instruction === Instruction.DELETE_KEY_AND_PROPAGATE || subscription.instruction === Instruction.DELETE_KEY_NO_PROPAGATE;
      if (remove) this.subscriptions.delete(key);
      else this.subscriptions.put(key, record.value);
      if (subscription.instruction === Instruction.DELETE_KEY_NO_PROPAGATE) return;
      const foreignKey = deserializeSync(this.options.join, 'foreign key', this.options.foreignKeySerde, this.fkTopic, foreignKeyBytes);
      foreignValue = this.foreign.get(foreignKey) ?? undefined;
    }
    switch (subscription.instruction) {
      case Instruction.DELETE_KEY_AND_PROPAGATE:
        this.answer(record, subscription.hash, subscription.primaryKey, subscription.primaryPartition, undefined);
        return;
      case Instruction.PROPAGATE_NULL_IF_NO_FK_VAL_AVAILABLE:
        this.answer(record, subscription.hash, subscription.primaryKey, subscription.primaryPartition, foreignValue);
        return;
      case Instruction.PROPAGATE_ONLY_IF_FK_VAL_AVAILABLE:
        if (foreignValue !== undefined) this.answer(record, subscription.hash, subscription.primaryKey, subscription.primaryPartition, foreignValue);
        return;
      default:
        return;
    }
  }

  private answer(record: StreamRecord<unknown, unknown>, hash: Buffer | null, primaryKey: Buffer, primaryPartition: number, value: VO | undefined): void {
    const foreignValue =
      value === undefined ? null : serializeSync(this.options.join, 'right value', this.options.foreignValueSerde, this.valueTopic, value);
    const response = encodeResponse({ hash, foreignValue, primaryPartition });
    this.ctx.forward(new StreamRecord(primaryKey, response, record.timestamp, record.headers));
  }
}
