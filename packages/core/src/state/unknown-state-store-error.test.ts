import { describe, expect, it } from 'vitest';
import { UnknownStateStoreError } from './unknown-state-store-error.js';

describe('UnknownStateStoreError', () => {
  it('names the store, lists the known names sorted and once, and suggests the one a typo away', () => {
    const error = new UnknownStateStoreError('word-count', ['words-per-minute', 'word-counts', 'word-counts']);
    expect(error.message).toBe("the topology has no state store named 'word-count' (did you mean 'word-counts'?); its stores are 'word-counts', 'words-per-minute'");
    expect(error.storeName).toBe('word-count');
    expect(error.knownStores).toEqual(['word-counts', 'words-per-minute']);
    expect(error.name).toBe('UnknownStateStoreError');
    expect(error).toBeInstanceOf(Error);
  });

  it('suggests nothing for a name far from every store, or as near to two of them', () => {
    expect(new UnknownStateStoreError('orders', ['word-counts']).message).toBe("the topology has no state store named 'orders'; its stores are 'word-counts'");
    expect(new UnknownStateStoreError('store-b', ['store-a', 'store-c']).message).not.toContain('did you mean');
  });

  it('says so when the topology has no stores', () => {
    expect(new UnknownStateStoreError('counts', []).message).toBe("the topology has no state store named 'counts'; the topology has no state stores");
  });
});
