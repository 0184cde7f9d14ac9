import { StreamRecord, type ProcessorContext } from '@rivulet/core';
import { serdes } from '@rivulet/serde';
import { describe, expect, it } from 'vitest';
import { hash128 } from '../murmur3.js';
import { encodeResponse } from '../subscription-wrappers.js';
import { FkResponseJoin } from './fk-response-join.js';

/**
 * Out-of-order responses: the left row changed (or its foreign key did) after a subscription left,
 * so its response carries the hash of a value the row no longer has. On the TopologyTestDriver
 * responses come back at once and never overtake each other; on a broker the subscriptions of one
 * row go to different partitions when its foreign key changes, so an older answer can arrive last.
 */
function setup(leftJoin: boolean) {
  const str = serdes.string();
  const rows = new Map<string, string>();
  const out: [string, string | null, number][] = [];
  const dropped: string[] = [];
  const processor = new FkResponseJoin<string, string, string, string>({
    join: 'fk',
    topic: 'fk-subscription-registration-topic',
    primaryStore: 'left',
    primaryKeySerde: str,
    valueSerde: str,
    foreignValueSerde: str,
    joiner: (l, r) => `(${l},${r})`,
    leftJoin,
  });
  processor.init({
    applicationId: 'app',
    getStateStore: () => ({ get: (k: string) => rows.get(k) }),
    forward: (r: StreamRecord<string, string | null>) => void out.push([r.key, r.value, r.timestamp]),
    reportDropped: (_reason: string, detail: string) => void dropped.push(detail),
  } as unknown as ProcessorContext<string, string | null>);
  // The left value's hash as the subscription sender computes it: murmur3 of the value's bytes.
  const hashOf = (value: string | null) => (value === null ? null : hash128(Buffer.from(value)));
  const respond = (key: string, hashedValue: string | null, foreign: string | null, timestamp: number) =>
    processor.process(
      new StreamRecord(Buffer.from(key), encodeResponse({ hash: hashOf(hashedValue), foreignValue: foreign === null ? null : Buffer.from(foreign), primaryPartition: 0 }), timestamp),
    );
  return { rows, out, dropped, respond };
}

describe('FkResponseJoin (the left side resolving responses)', () => {
  it('joins a response whose hash is the current value, and discards one computed for an older value', () => {
    const { rows, out, dropped, respond } = setup(false);
    rows.set('lhs1', 'v2|rhs2');
    respond('lhs1', 'v1|rhs1', 'rhsValue1', 5); // stale: the row moved to rhs2 since
    expect(out).toEqual([]);
    respond('lhs1', 'v2|rhs2', 'rhsValue2', 6);
    respond('lhs1', 'v1|rhs1', null, 7); // a stale tombstone must not delete the new result either
    expect(out).toEqual([['lhs1', '(v2|rhs2,rhsValue2)', 6]]);
    expect(dropped).toEqual([]);
  });

  it('inner: a null right value is a tombstone; left: a join with null', () => {
    const inner = setup(false);
    inner.rows.set('k', 'v');
    inner.respond('k', 'v', null, 1);
    expect(inner.out).toEqual([['k', null, 1]]);
    const left = setup(true);
    left.rows.set('k', 'v');
    left.respond('k', 'v', null, 1);
    expect(left.out).toEqual([['k', '(v,null)', 1]]);
  });

  it('a response for a deletion (no hash) resolves only while the row is absent, to a tombstone', () => {
    for (const leftJoin of [false, true]) {
      const { rows, out, respond } = setup(leftJoin);
      rows.set('k', 'again');
      respond('k', null, null, 1); // the row came back since: stale
      expect(out).toEqual([]);
      rows.delete('k');
      respond('k', null, null, 2);
      respond('k', 'again', 'r', 3); // a hash for a row that is gone: stale
      expect(out).toEqual([['k', null, 2]]);
    }
  });
});
