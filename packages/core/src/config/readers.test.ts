import { describe, expect, it } from 'vitest';
import { closestMatch } from './readers.js';

describe('closestMatch', () => {
  const names = ['commitIntervalMs', 'clientId', 'stateDir', 'acks'];

  it('finds a typo, ignoring case', () => {
    expect(closestMatch('comitIntervalMs', names)).toBe('commitIntervalMs');
    expect(closestMatch('COMMITINTERVALMS', names)).toBe('commitIntervalMs');
    expect(closestMatch('ack', names)).toBe('acks');
  });

  it('suggests nothing for an unrelated name', () => {
    expect(closestMatch('frobnicate', names)).toBeUndefined();
    expect(closestMatch('id', names)).toBeUndefined();
  });
});
