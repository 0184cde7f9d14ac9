import { describe, expect, it } from 'vitest';
import { ProcessingError } from '../../errors/processing-error.js';
import { StreamsError } from '../../errors/streams-error.js';
import { deserializeError, serializeError } from './thread-protocol.js';

/** What crosses a worker boundary: postMessage's structured clone. */
const crossed = <T>(value: T): T => structuredClone(value);

describe('the thread protocol', () => {
  it('carries a ProcessingError across as a StreamsError with its name, coordinates and cause', () => {
    const original = new ProcessingError('processing', new TypeError('bad value'), { topic: 'orders', partition: 3, offset: '42' }, '0_3');
    const back = deserializeError(crossed(serializeError(original)));
    expect(back).toBeInstanceOf(StreamsError);
    expect(back).toMatchObject({ name: 'ProcessingError', message: original.message, category: 'fatal', action: 'fatal', taskId: '0_3', topic: 'orders', partition: 3, offset: '42' });
    expect((back.cause as Error).name).toBe('TypeError');
    expect((back.cause as Error).message).toBe('bad value');
    expect(back.stack).toBe(original.stack);
  });

  it('carries a plain error as an Error with its name, and a thrown non-error as its text', () => {
    const error = new RangeError('out of range');
    const back = deserializeError(crossed(serializeError(error)));
    expect(back).not.toBeInstanceOf(StreamsError);
    expect([back.name, back.message]).toEqual(['RangeError', 'out of range']);
    expect(deserializeError(crossed(serializeError('just text'))).message).toBe('just text');
  });

  it('keeps at most five causes', () => {
    let error = new Error('0');
    for (let i = 1; i <= 8; i++) error = new Error(String(i), { cause: error });
    let depth = 0;
    for (let e: unknown = deserializeError(crossed(serializeError(error))); e instanceof Error; e = e.cause) depth++;
    expect(depth).toBe(6);
  });
});
