import { serdes, type Serde } from '@rivulet/serde';
import { describe, expect, it } from 'vitest';
import { changeSerde } from './change-serde.js';

describe('changeSerde', () => {
  const serde = changeSerde(serdes.string());

  it.each([
    { newValue: 'new', oldValue: 'old' },
    { newValue: 'new', oldValue: null },
    { newValue: null, oldValue: 'old' },
    { newValue: null, oldValue: null },
    { newValue: '', oldValue: '' },
  ])('round-trips %o', (change) => {
    const bytes = serde.serialize('t', change) as Buffer;
    expect(serde.deserialize('t', bytes)).toEqual(change);
  });

  it('awaits an asynchronous value serde', async () => {
    const slow: Serde<string> = {
      name: 'slow',
      serialize: async (_t, v) => Buffer.from(v),
      deserialize: async (_t, b) => b.toString(),
    };
    const s = changeSerde(slow);
    const bytes = await s.serialize('t', { newValue: 'a', oldValue: 'bc' });
    expect(await s.deserialize('t', bytes)).toEqual({ newValue: 'a', oldValue: 'bc' });
  });

  it('refuses truncated bytes, naming the serde', () => {
    expect(() => serde.deserialize('t', Buffer.from([1, 0, 0]))).toThrow(/change\(string\).*too short/);
    expect(() => serde.deserialize('t', Buffer.from([1, 0, 0, 0, 9, 65]))).toThrow(/length 9 exceeds/);
  });
});
