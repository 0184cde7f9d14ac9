/**
 * The inputs of the Kafka Streams reference scenarios (test/kstreams-reference.int.test.ts): the
 * records piped, in order, into both Kafka Streams' TopologyTestDriver (test/support/java/
 * KStreamsReference.java) and Rivulet's. Keys are strings, values JSON text or null (a tombstone).
 * Each scenario's comment says what its records exercise.
 */

/** One record piped into an input topic. */
export interface ReferenceInput {
  readonly topic: string;
  readonly key: string | null;
  /** JSON text, or null: a tombstone. */
  readonly value: string | null;
  readonly timestamp: number;
}

/** The scenarios the Java program knows, by name. */
export type ReferenceScenario =
  | 'table-table-join'
  | 'table-operators'
  | 'stream-table-join'
  | 'stream-stream-join'
  | 'table-group-by'
  | 'foreign-key-join'
  | 'stream-aggregate'
  | 'windowed-counts'
  | 'emit-final'
  | 'cogroup'
  | 'suppress'
  | 'global-table-join'
  | 'versioned-table-join';

/** A record of `topic`: `value` is turned into JSON text (null stays a tombstone). */
function on(topic: string) {
  return (key: string | null, value: unknown, timestamp: number): ReferenceInput => ({
    topic,
    key,
    value: value === null ? null : JSON.stringify(value),
    timestamp,
  });
}

const left = on('left');
const right = on('right');
const items = on('items');
const labels = on('labels');
const customers = on('customers');
const people = on('people');
const orders = on('orders');
const products = on('products');
const clicks = on('clicks');
const views = on('views');
const events = on('events');
const regions = on('regions');
const sales = on('sales');
const prices = on('prices');
const trades = on('trades');

/** Every scenario's inputs, in the order they are piped. */
export const REFERENCE_INPUTS: Record<ReferenceScenario, readonly ReferenceInput[]> = {
  // Updates and tombstones on both sides, a tombstone for a key never seen, out-of-order timestamps
  // (a result carries the larger timestamp of the two sides).
  'table-table-join': [
    left('a', { v: 'a1' }, 10),
    right('a', { w: 'x1' }, 20),
    left('a', { v: 'a2' }, 30),
    right('b', { w: 'y1' }, 31),
    left('b', { v: 'b1' }, 25),
    right('a', null, 40),
    right('a', { w: 'x2' }, 41),
    left('a', null, 50),
    left('c', null, 51),
    right('c', null, 52),
    right('b', null, 60),
    left('b', null, 61),
    right('a', null, 70),
  ],
  // Rows entering and leaving the filters, a tombstone of a filtered-out row and of a row never seen,
  // a join downstream of a filter, out-of-order timestamps.
  'table-operators': [
    items('a', { n: 1 }, 1),
    items('a', { n: 2 }, 2),
    labels('a', { label: 'A' }, 3),
    items('a', { n: 4 }, 4),
    items('a', { n: 3 }, 5),
    items('a', null, 6),
    items('b', { n: 5 }, 7),
    items('b', null, 8),
    items('z', null, 9),
    labels('b', { label: 'B' }, 10),
    items('b', { n: 6 }, 11),
    items('b', { n: 8 }, 9),
    labels('b', null, 12),
    items('b', { n: 7 }, 13),
  ],
  // Orders before and after their customer, a customer's update and deletion, a null key, a null
  // value, out-of-order timestamps.
  'stream-table-join': [
    orders('c1', { o: 1 }, 1),
    customers('c1', { name: 'ann' }, 2),
    orders('c1', { o: 2 }, 3),
    customers('c1', { name: 'anne' }, 4),
    orders('c1', { o: 3 }, 2),
    orders(null, { o: 4 }, 5),
    orders('c1', null, 6),
    customers('c1', null, 7),
    orders('c1', { o: 5 }, 8),
    orders('c2', { o: 6 }, 9),
  ],
  // Records of both sides within and outside 10 ms of each other, in and out of order within the
  // 5 ms grace, too late for it, null keys and values; the outer joins' unjoined records.
  'stream-stream-join': [
    left('k1', { v: 'a' }, 100),
    right('k1', { w: 'x' }, 105),
    right('k1', { w: 'y' }, 111),
    left('k1', { v: 'b' }, 112),
    right('k2', { w: 'z' }, 112),
    left('k1', { v: 'c' }, 104),
    right('k1', { w: 'u' }, 90),
    left(null, { v: 'n' }, 113),
    left('k2', null, 113),
    left('k3', { v: 'd' }, 114),
    right('k4', { w: 'e' }, 116),
    left('k9', { v: 'f' }, 140),
    left('k1', { v: 'late' }, 100),
    right('k9', { w: 'g' }, 141),
    left('k5', { v: 'h' }, 170),
  ],
  // Rows moving between groups, updates within a group, a row's group becoming null (dropped),
  // tombstones of known and unknown rows, an unchanged row, out-of-order updates (the aggregates'
  // timestamps).
  'table-group-by': [
    people('p1', { name: 'ann', city: 'oslo', age: 30 }, 1),
    people('p2', { name: 'bob', city: 'oslo', age: 40 }, 2),
    people('p3', { name: 'cid', city: 'rome', age: 20 }, 3),
    people('p1', { name: 'ann', city: 'rome', age: 31 }, 4),
    people('p2', { name: 'bob', city: 'oslo', age: 41 }, 5),
    people('p3', null, 6),
    people('p4', null, 7),
    people('p2', { name: 'bob', city: null, age: 41 }, 8),
    people('p2', { name: 'bob', city: 'oslo', age: 42 }, 9),
    people('p1', null, 10),
    people('p2', { name: 'bob', city: 'oslo', age: 42 }, 11),
    people('p5', { name: 'dan', city: 'oslo', age: 50 }, 7),
    people('p2', { name: 'bob', city: 'rome', age: 42 }, 8),
  ],
  // An order before its product, product updates, a foreign key changing to a missing product and to
  // null, tombstones on both sides (also of an order that never joined), an order returning to a
  // product that changed meanwhile, updates that change nothing, out-of-order timestamps on both
  // sides (the results' timestamps).
  'foreign-key-join': [
    orders('o1', { product: 'p1', qty: 1 }, 1),
    products('p1', { name: 'apple' }, 2),
    products('p1', { name: 'green apple' }, 3),
    orders('o2', { product: 'p1', qty: 2 }, 4),
    orders('o1', { product: 'p2', qty: 1 }, 5),
    products('p2', { name: 'pear' }, 6),
    orders('o1', { product: null, qty: 1 }, 7),
    products('p1', null, 8),
    orders('o2', null, 9),
    orders('o3', { product: 'p3', qty: 3 }, 10),
    orders('o3', null, 11),
    products('p2', { name: 'ripe pear' }, 12),
    orders('o1', { product: 'p2', qty: 5 }, 13),
    products('p2', null, 14),
    orders('o4', null, 15),
    orders('o5', { product: 'p4', qty: 1 }, 30),
    products('p4', { name: 'plum' }, 20),
    products('p4', { name: 'plum' }, 21),
    orders('o5', { product: 'p4', qty: 1 }, 31),
    orders('o5', { product: 'p4', qty: 2 }, 25),
    products('p4', { name: 'red plum' }, 40),
  ],
  // A stream's count and windowed sum: an out-of-order record (the aggregate's timestamp), a record
  // too late for its window, a null key, a null value.
  'stream-aggregate': [
    clicks('u1', { n: 1 }, 1),
    clicks('u1', { n: 2 }, 6),
    clicks('u2', { n: 3 }, 7),
    clicks('u1', { n: 4 }, 4),
    clicks('u1', { n: 5 }, 12),
    clicks('u1', { n: 6 }, 8),
    clicks(null, { n: 7 }, 13),
    clicks('u2', null, 14),
    clicks('u2', { n: 8 }, 15),
  ],
  // Overlapping hopping windows, sliding windows created and updated, sessions that grow, merge
  // (tombstones for the merged ones) and stay apart, a record inside a session (its tombstone, then
  // its new count), records within the grace (of a session: grace + gap) and too late for it.
  'windowed-counts': [
    events('a', { e: 1 }, 1),
    events('a', { e: 2 }, 3),
    events('b', { e: 3 }, 4),
    events('a', { e: 4 }, 9),
    events('a', { e: 5 }, 6),
    events('a', { e: 13 }, 5),
    events('a', { e: 6 }, 20),
    events('b', { e: 7 }, 12),
    events('a', { e: 8 }, 2),
    events('a', { e: 9 }, 16),
    events('b', { e: 10 }, 35),
    events('a', { e: 11 }, 31),
    events('a', { e: 12 }, 50),
  ],
  // Windows closing as stream time passes their end and grace, a record within the grace, one too
  // late, several windows closing at once.
  'emit-final': [
    events('a', { e: 1 }, 1),
    events('a', { e: 2 }, 3),
    events('b', { e: 3 }, 4),
    events('a', { e: 4 }, 12),
    events('a', { e: 5 }, 9),
    events('b', { e: 6 }, 15),
    events('a', { e: 7 }, 5),
    events('b', { e: 8 }, 18),
    events('a', { e: 9 }, 31),
    events('b', { e: 10 }, 60),
  ],
  // Two grouped streams into one aggregate, in total and in 10 ms windows: a record too late for its
  // window, a null key, a null value.
  cogroup: [
    clicks('u1', { n: 1 }, 1),
    views('u1', { n: 3 }, 2),
    clicks('u2', { n: 2 }, 5),
    views('u1', { n: 1 }, 12),
    clicks('u1', { n: 4 }, 9),
    clicks(null, { n: 9 }, 13),
    views('u2', null, 14),
    views('u2', { n: 5 }, 15),
    clicks('u2', { n: 1 }, 25),
  ],
  // Windows closing with stream time, a late record, more keys than the time-limit buffer holds.
  suppress: [
    events('a', { e: 1 }, 1),
    events('b', { e: 2 }, 2),
    events('a', { e: 3 }, 3),
    events('c', { e: 4 }, 4),
    events('a', { e: 5 }, 8),
    events('b', { e: 6 }, 11),
    events('a', { e: 7 }, 15),
    events('a', { e: 8 }, 20),
    events('a', { e: 9 }, 5),
    events('c', { e: 10 }, 40),
  ],
  // Sales before and after their region arrives, region updates and deletes, a sale whose region is
  // null, a sale with a null key, a sale with a null value.
  'global-table-join': [
    regions('r2', { name: 'south' }, 0),
    sales('s1', { region: 'r1', amount: 10 }, 1),
    regions('r1', { name: 'north' }, 2),
    sales('s2', { region: 'r1', amount: 20 }, 3),
    regions('r1', { name: 'north-east' }, 4),
    sales('s3', { region: 'r1', amount: 30 }, 5),
    sales('s4', { region: null, amount: 40 }, 6),
    regions('r1', null, 7),
    sales('s5', { region: 'r1', amount: 50 }, 8),
    sales(null, { region: 'r2', amount: 60 }, 9),
    sales('s6', null, 10),
    sales('s7', { region: 'r2', amount: 70 }, 11),
  ],
  // Trades joined with the price as of their own timestamp: before the first version, between
  // versions, after an out-of-order price update and an out-of-order delete, older than the history
  // retention (50 ms), a key without prices.
  'versioned-table-join': [
    prices('x', { p: 100 }, 10),
    prices('x', { p: 110 }, 20),
    trades('x', { q: 1 }, 15),
    trades('x', { q: 2 }, 25),
    prices('x', { p: 105 }, 12),
    trades('x', { q: 3 }, 13),
    trades('x', { q: 4 }, 5),
    trades('y', { q: 5 }, 30),
    prices('x', { p: 120 }, 100),
    trades('x', { q: 6 }, 40),
    trades('x', { q: 7 }, 60),
    prices('x', null, 70),
    trades('x', { q: 8 }, 75),
    trades('x', { q: 9 }, 101),
    prices('x', { p: 130 }, 90),
    trades('x', { q: 10 }, 95),
  ],
};
