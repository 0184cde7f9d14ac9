import type { Serde } from '@rivulet/serde';
import type { Partitioner } from '../../../client/partitioner.js';
import type { Processor } from '../../../processor/processor.js';
import type { StreamRecord } from '../../../processor/stream-record.js';
import type { TimestampExtractor, TopicNameExtractor } from '../../../topology/nodes.js';

/**
 * A node of a running task. `process` is the per-record hot path: plain, synchronous, monomorphic.
 * Children are resolved once when the task is built, so forwarding is an array walk.
 */
export interface RuntimeNode {
  readonly name: string;
  readonly children: RuntimeNode[];
  readonly childByName: Map<string, RuntimeNode>;
  process(record: StreamRecord<unknown, unknown>): void;
}

/** A source node at run time: deserializers and the timestamp extractor of its topics. */
export class SourceRuntime implements RuntimeNode {
  readonly children: RuntimeNode[] = [];
  readonly childByName = new Map<string, RuntimeNode>();
  constructor(
    readonly name: string,
    readonly keySerde: Serde<unknown>,
    readonly valueSerde: Serde<unknown>,
    readonly timestampExtractor: TimestampExtractor | undefined,
    private readonly forwardToChildren: (node: RuntimeNode, record: StreamRecord<unknown, unknown>) => void,
  ) {}

  process(record: StreamRecord<unknown, unknown>): void {
    this.forwardToChildren(this, record);
  }
}

/** A user processor at run time. */
export class ProcessorRuntime implements RuntimeNode {
  readonly children: RuntimeNode[] = [];
  readonly childByName = new Map<string, RuntimeNode>();
  constructor(
    readonly name: string,
    readonly processor: Processor<unknown, unknown, unknown, unknown>,
    private readonly enter: (node: RuntimeNode) => RuntimeNode,
    private readonly leave: (previous: RuntimeNode) => void,
    /** Told the name of a node whose `process` threw, innermost first: what a skipped record's line names. */
    private readonly failed: (node: string) => void = () => undefined,
  ) {}

  process(record: StreamRecord<unknown, unknown>): void {
    // The context forwards from the node being processed: track it around the call.
    const previous = this.enter(this);
    try {
      this.processor.process(record);
    } catch (err) {
      this.failed(this.name);
      throw err;
    } finally {
      this.leave(previous);
    }
  }
}

/** Serializes and hands a record to the task's record collector. */
export type SinkWriter = (
  sink: SinkRuntime,
  topic: string,
  record: StreamRecord<unknown, unknown>,
) => void;

/** A sink at run time: its topic (fixed or per record), serdes and partitioner. */
export class SinkRuntime implements RuntimeNode {
  readonly children: RuntimeNode[] = [];
  readonly childByName = new Map<string, RuntimeNode>();
  constructor(
    readonly name: string,
    private readonly topic: string | TopicNameExtractor,
    readonly keySerde: Serde<unknown>,
    readonly valueSerde: Serde<unknown>,
    readonly partitioner: Partitioner | undefined,
    private readonly write: SinkWriter,
  ) {}

  process(record: StreamRecord<unknown, unknown>): void {
    const topic = typeof this.topic === 'string' ? this.topic : this.topic(record);
    this.write(this, topic, record);
  }
}
