import type { AdminPort, ConsumerOptions, ConsumerPort, KafkaClientPort, ProducerOptions, ProducerPort } from '../kafka-port.js';
import { FakeAdmin } from './fake-admin.js';
import { FakeCluster } from './fake-cluster.js';
import { FakeConsumer } from './fake-consumer.js';
import { FakeProducer } from './fake-producer.js';

/**
 * The Kafka client port on an in-memory {@link FakeCluster}: what a unit test gives a StreamsApp in
 * place of the kafkajs client. Every client it makes shares the cluster; it keeps the consumers and
 * producers it made so a test can reach them (to evict a member, say).
 *
 * @example
 * const cluster = new FakeCluster();
 * cluster.createTopic('input', 2);
 * cluster.createTopic('output', 2);
 * const client = new FakeKafkaClient(cluster);
 * const app = new StreamsApp(topology, { applicationId: 'app', brokers: ['fake:9092'] }, () => client);
 * await app.start();
 */
export class FakeKafkaClient implements KafkaClientPort {
  /** Consumers made by this client, in order. */
  readonly consumers: FakeConsumer[] = [];
  /** Producers made by this client, in order. */
  readonly producers: FakeProducer[] = [];
  private seq = 0;

  constructor(
    /** The cluster the clients talk to; a new one if not given. */
    readonly cluster: FakeCluster = new FakeCluster(),
  ) {}

  /** Makes a group consumer on the cluster. */
  consumer(options: ConsumerOptions): ConsumerPort {
    const consumer = new FakeConsumer(this.cluster, options, `consumer-${++this.seq}`);
    this.consumers.push(consumer);
    return consumer;
  }

  /** Makes a producer, transactional when `options.transactionalId` is set. */
  producer(options: ProducerOptions): ProducerPort {
    const producer = new FakeProducer(this.cluster, options, `producer-${++this.seq}`);
    this.producers.push(producer);
    return producer;
  }

  /** Makes an admin client. */
  admin(): AdminPort {
    return new FakeAdmin(this.cluster);
  }

  /** The consumers of a group made by this client that are running now. */
  runningConsumers(groupId: string): FakeConsumer[] {
    return this.consumers.filter((c) => c.groupId === groupId && c.isRunning);
  }
}
