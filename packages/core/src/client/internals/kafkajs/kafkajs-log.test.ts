import { logLevel } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { kafkajsLineLevel, kafkajsLogCreator } from './kafkajs-log.js';

const CONCURRENT =
  'Failed to send messages: The producer attempted to update a transaction while another concurrent operation on the same transaction was ongoing';

describe('kafkajsLineLevel', () => {
  it('demotes errors kafkajs retries itself to debug', () => {
    expect(kafkajsLineLevel(logLevel.ERROR, CONCURRENT)).toBe('debug');
    expect(kafkajsLineLevel(logLevel.ERROR, 'Failed to send messages: This server is not the leader for that topic-partition')).toBe('debug');
    expect(kafkajsLineLevel(logLevel.ERROR, 'Response AddPartitionsToTxn(key: 24, version: 1)')).toBe('debug');
    expect(kafkajsLineLevel(logLevel.WARN, 'The group is rebalancing, re-joining')).toBe('debug');
  });

  it('makes connection trouble and restarts a warning, and keeps other errors', () => {
    expect(kafkajsLineLevel(logLevel.ERROR, 'Connection error: connect ECONNREFUSED 127.0.0.1:19192')).toBe('warn');
    expect(kafkajsLineLevel(logLevel.ERROR, 'Failed to send messages: Closed connection')).toBe('warn');
    expect(kafkajsLineLevel(logLevel.ERROR, 'Restarting the consumer in 312ms')).toBe('warn');
    expect(kafkajsLineLevel(logLevel.ERROR, 'Crash: KafkaJSConnectionError: Connection error: connect ECONNREFUSED 127.0.0.1:19192')).toBe('warn');
    expect(kafkajsLineLevel(logLevel.ERROR, 'The request included a message larger than the max message size the server will accept')).toBe('error');
    expect(kafkajsLineLevel(logLevel.INFO, 'Consumer has joined the group')).toBe('info');
    expect(kafkajsLineLevel(logLevel.DEBUG, 'Request Produce(key: 0, version: 7)')).toBe('debug');
  });
});

describe('kafkajsLogCreator', () => {
  it('writes a storm of one error once, prefixed, with its extra fields', () => {
    const lines: [string, string, unknown][] = [];
    const at = (level: string) => (message: string, extra?: Record<string, unknown>) => void lines.push([level, message, extra]);
    const log = kafkajsLogCreator({ debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') })(logLevel.DEBUG);
    const entry = (level: logLevel, message: string) => ({ namespace: 'Connection', level, label: 'ERROR', log: { timestamp: 'now', message, broker: 'b:1' } });
    for (let i = 0; i < 50; i++) log(entry(logLevel.ERROR, `Connection error: connect ECONNREFUSED 127.0.0.1:${19192}`));
    for (let i = 0; i < 3; i++) log(entry(logLevel.ERROR, CONCURRENT));
    expect(lines.filter(([level]) => level !== 'debug')).toEqual([['warn', '[kafkajs] Connection error: connect ECONNREFUSED 127.0.0.1:19192', { timestamp: 'now', broker: 'b:1' }]]);
    expect(lines.filter(([level]) => level === 'debug')).toHaveLength(3);
  });
});
