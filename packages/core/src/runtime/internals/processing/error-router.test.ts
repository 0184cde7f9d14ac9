import { serdes } from '@rivulet/serde';
import { describe, expect, it } from 'vitest';
import type { FetchedRecord } from '../../../client/internals/kafka-port.js';
import { ProcessingError } from '../../../errors/processing-error.js';
import { RecordTooLargeError, type StreamsError } from '../../../errors/streams-error.js';
import { StreamRecord } from '../../../processor/stream-record.js';
import { ErrorRouter, type ErrorHandlers } from './error-router.js';
import { SinkRuntime, SourceRuntime } from './processor-nodes.js';
import { SendFailedError, type RecordSink } from '../producing/record-collector.js';

const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
const raw: FetchedRecord = { key: Buffer.from('k'), value: Buffer.from('v'), offset: '41', timestamp: 5, headers: {} };
const meta = { topic: 'in', partition: 3, offset: '41' };

interface Sent {
  topic: string;
  value: Buffer | null;
  headers: Record<string, unknown> | undefined;
}

function setup(production: ErrorHandlers['production'], sink: RecordSink, maxRecordBytes = (): number => 1000) {
  const reported: StreamsError[] = [];
  const router = new ErrorRouter('app', { deserialization: 'fail', processing: 'fail', production }, sink, quiet, {
    maxRecordBytes,
    report: (e) => reported.push(e),
  });
  const out = new SinkRuntime('out', 'out', serdes.string(), serdes.string(), undefined, router.writeSink);
  const source = new SourceRuntime('in', serdes.string(), serdes.string(), undefined, (_node, record) => out.process(record));
  return { router, source, reported };
}

function recordingSink(): { sink: RecordSink; sent: Sent[] } {
  const sent: Sent[] = [];
  return { sent, sink: { send: (topic, _key, value, _ts, headers) => void sent.push({ topic, value: value as Buffer | null, headers: headers as Sent['headers'] }) } };
}

describe('ErrorRouter', () => {
  it('passes an earlier send failure on as it is, never as a processing error of the record in hand (issue 11, problem 10)', () => {
    const fenced = Object.assign(new Error('Producer attempted an operation with an old epoch'), { type: 'INVALID_PRODUCER_EPOCH' });
    const failing: RecordSink = {
      send: () => {
        throw new SendFailedError(fenced);
      },
    };
    const { router, source } = setup('fail', failing);
    let thrown: unknown;
    try {
      router.process(source, new StreamRecord('k', 'v', 5, {}), meta, raw);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(SendFailedError);
    expect(thrown).not.toBeInstanceOf(ProcessingError);
    expect((thrown as Error).cause).toBe(fenced);
  });

  it('sends an output record larger than its topic accepts to the dead-letter topic before any send, with the input bytes and why', () => {
    const { sink, sent } = recordingSink();
    const { router, source, reported } = setup({ deadLetterTopic: 'dlq' }, sink, () => 100);
    router.process(source, new StreamRecord('k', 'x'.repeat(200), 5, {}), meta, raw);
    expect(sent.map((s) => [s.topic, s.value?.toString()])).toEqual([['dlq', 'v']]);
    expect(String(sent[0]!.headers?.['rivulet.error.class'])).toBe('RecordTooLargeError');
    expect(reported.map((e) => [e.category, e.action, e.topic, e.partition, e.offset])).toEqual([['fatal', 'dead-lettered', 'in', 3, '41']]);
    expect(reported[0]!.cause).toBeInstanceOf(RecordTooLargeError);
    expect(router.skipped.production).toBe(1);
  });

  it("stops under 'fail' with a ProcessingError naming the input record, the output topic and the size", () => {
    const { sink, sent } = recordingSink();
    const { router, source } = setup('fail', sink, () => 100);
    expect(() => router.process(source, new StreamRecord('k', 'x'.repeat(200), 5, {}), meta, raw)).toThrow(
      /^production failed for the record at in-3 offset 41: the output record to topic 'out' is 233 bytes, larger than the 100 bytes/,
    );
    expect(sent).toEqual([]);
  });

  it('lets records within the limit through untouched', () => {
    const { sink, sent } = recordingSink();
    const { router, source, reported } = setup('fail', sink, () => 100);
    router.process(source, new StreamRecord('k', 'x'.repeat(60), 5, {}), meta, raw);
    expect(sent.map((s) => s.topic)).toEqual(['out']);
    expect(reported).toEqual([]);
  });
});
