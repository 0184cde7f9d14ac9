/**
 * GlobalKTable on the TopologyTestDriver: stream-globalTable join and leftJoin with a key selector,
 * updates and tombstones of the global table, null values and null selected keys (KIP-962), the
 * global store queryable, and the topology (no task reads the global topic, nothing repartitions).
 */
import { serdes } from '@rivulet/serde';
import { GlobalKTable, StreamsBuilder } from '@rivulet/streams';
import { describe, expect, it } from 'vitest';
import { TopologyTestDriver, type TestOutputTopic } from '../../../src/index.js';

const str = serdes.string();

/** Records read from an output topic as [key, value, timestamp]. */
function read(topic: TestOutputTopic<string, string>): [string | null, string | null, number][] {
  return topic.readRecordsToList().map((r) => [r.key, r.value, r.timestamp]);
}

/** Orders keyed by order id, valued `<countryCode>:<item>`; the global table maps country codes to names. */
function setup(kind: 'join' | 'leftJoin') {
  const warnings: string[] = [];
  const b = new StreamsBuilder({ warn: (m) => warnings.push(m) });
  const countries = b.globalTable('countries', { key: str, value: str, store: 'countries' });
  const orders = b.source('orders', { key: str, value: str });
  const code = (_id: string, order: string): string | null => {
    const c = order.split(':')[0]!;
    return c === '' ? null : c;
  };
  const joined =
    kind === 'join'
      ? orders.join(countries, code, (order, country, id) => `${id}/${order} in ${country}`)
      : orders.leftJoin(countries, code, (order, country, id) => `${id}/${order} in ${country ?? 'nowhere'}`);
  joined.sink('orders-out', { value: str });
  const topology = b.build();
  const driver = new TopologyTestDriver(topology);
  return {
    countries,
    topology,
    warnings,
    driver,
    countriesIn: driver.createInputTopic('countries', str, str),
    ordersIn: driver.createInputTopic('orders', str, str),
    out: driver.createOutputTopic('orders-out', str, str),
  };
}

describe('GlobalKTable', () => {
  it('join: joins each order with the country its key selector picks, as the global table holds it then', () => {
    const { countriesIn, ordersIn, out, driver } = setup('join');
    ordersIn.pipeInput('o1', 'fr:book', 10); // no country yet: dropped, not reported (an inner join miss)
    countriesIn.pipeInput('fr', 'France', 11);
    countriesIn.pipeInput('de', 'Germany', 12);
    ordersIn.pipeInput('o2', 'fr:pen', 13);
    ordersIn.pipeInput('o3', 'de:ink', 14);
    countriesIn.pipeInput('fr', 'République française', 15); // an update emits nothing
    ordersIn.pipeInput('o4', 'fr:cup', 9); // the table's current value, the order's timestamp
    countriesIn.pipeInput('de', null, 16); // tombstone
    ordersIn.pipeInput('o5', 'de:map', 17);
    ordersIn.pipeInput('o6', ':nothing', 18); // the key selector returns null: dropped and reported
    ordersIn.pipeInput('o7', null, 19); // null value: dropped and reported
    ordersIn.pipeInput(null, 'fr:keyless', 20); // a null stream key is fine: the selector gives the table key
    expect(read(out)).toEqual([
      ['o2', 'o2/fr:pen in France', 13],
      ['o3', 'o3/de:ink in Germany', 14],
      ['o4', 'o4/fr:cup in République française', 9],
      [null, 'null/fr:keyless in République française', 20],
    ]);
    expect(driver.droppedRecords()).toEqual({ total: 2, byReason: { 'null-key-or-value': 2 } });
  });

  it('leftJoin: joins every order, with null for a missing country and for a null selected key', () => {
    const { countriesIn, ordersIn, out, driver } = setup('leftJoin');
    ordersIn.pipeInput('o1', 'fr:book', 10);
    countriesIn.pipeInput('fr', 'France', 11);
    ordersIn.pipeInput('o2', 'fr:pen', 12);
    countriesIn.pipeInput('fr', null, 13);
    ordersIn.pipeInput('o3', 'fr:cup', 14);
    ordersIn.pipeInput('o4', ':nothing', 15); // null selected key: joined with null (KIP-962)
    ordersIn.pipeInput('o5', null, 16); // null value: dropped and reported
    expect(read(out)).toEqual([
      ['o1', 'o1/fr:book in nowhere', 10],
      ['o2', 'o2/fr:pen in France', 12],
      ['o3', 'o3/fr:cup in nowhere', 14],
      ['o4', 'o4/:nothing in nowhere', 15],
    ]);
    expect(driver.droppedRecords()).toEqual({ total: 1, byReason: { 'null-key-or-value': 1 } });
  });

  it('the global store is queryable and follows updates and tombstones at once; a null key is dropped and reported', () => {
    const { countries, countriesIn, driver } = setup('join');
    expect(countries).toBeInstanceOf(GlobalKTable);
    expect(countries.queryableStoreName).toBe('countries');
    const store = driver.getKeyValueStore<string, string>('countries');
    countriesIn.pipeInput('fr', 'France', 1);
    countriesIn.pipeInput('de', 'Germany', 2);
    expect(store.get('fr')).toBe('France');
    countriesIn.pipeInput('fr', 'French Republic', 3);
    countriesIn.pipeInput('de', null, 4);
    countriesIn.pipeInput(null, 'Nowhere', 5);
    expect(store.get('fr')).toBe('French Republic');
    expect(store.get('de')).toBeUndefined();
    expect([...store.all()].map((e) => [e.key, e.value])).toEqual([['fr', 'French Republic']]);
    expect(driver.droppedRecords()).toEqual({ total: 1, byReason: { 'null-key-or-value': 1 } });
  });

  it('is not part of any task: one sub-topology, no repartition topic, no changelog, the store named', () => {
    const { topology, warnings } = setup('join');
    expect(topology.subTopologies()).toHaveLength(1);
    expect(topology.subTopologies()[0]!.sourceTopics).toEqual(['orders']);
    expect(topology.subTopologies()[0]!.stores).toEqual([]);
    expect(topology.internalTopicDefs().size).toBe(0);
    expect([...topology.stores().keys()]).toEqual([]);
    const global = topology.globalStores().get('countries');
    expect(global?.loggingEnabled).toBe(false);
    expect(topology.globalSubTopologies().map((s) => s.sourceTopics)).toEqual([['countries']]);
    expect(warnings).toEqual([]);
    const text = topology.describe().toString();
    expect(text).toContain(
      [
        '   Sub-topology: 1 for global store (will not generate tasks)',
        '    Source: KSTREAM-SOURCE-0000000000 (topics: [countries])',
        '      --> KTABLE-SOURCE-0000000001',
        '    Processor: KTABLE-SOURCE-0000000001 (stores: [countries])',
        '      --> none',
        '      <-- KSTREAM-SOURCE-0000000000',
        '   Store: countries (in-memory, global: its topic is its changelog)',
      ].join('\n'),
    );
  });

  it('a persistent global store works the same (lmdb)', async () => {
    const b = new StreamsBuilder({ warn: () => undefined });
    const rates = b.globalTable('rates', { key: str, value: str, store: 'rates', persistent: true });
    b.source('amounts', { key: str, value: str })
      .leftJoin(rates, (_k, v) => v.split(' ')[1]!, (v, rate) => `${v} @ ${rate ?? '?'}`)
      .sink('converted', { value: str });
    const driver = await TopologyTestDriver.create(b.build());
    const ratesIn = driver.createInputTopic('rates', str, str);
    const amounts = driver.createInputTopic('amounts', str, str);
    const out = driver.createOutputTopic('converted', str, str);
    ratesIn.pipeInput('EUR', '1.1', 1);
    amounts.pipeInput('a', '10 EUR', 2);
    amounts.pipeInput('b', '5 GBP', 3);
    expect(read(out)).toEqual([
      ['a', '10 EUR @ 1.1', 2],
      ['b', '5 GBP @ ?', 3],
    ]);
    expect(driver.getKeyValueStore<string, string>('rates').get('EUR')).toBe('1.1');
    await driver.close();
  });

  it('refuses a topic read by a stream source as well', () => {
    const b = new StreamsBuilder({ warn: () => undefined });
    b.source('countries', { key: str, value: str });
    expect(() => b.globalTable('countries', { key: str, value: str, store: 'c' })).toThrow(/already read by source/);
  });
});
