import { formatValue } from './format-value.js';
import type { IssueList } from './issue-list.js';

// host:port, where the host is a name or IPv4 address without ':' or an IPv6 address in brackets.
const HOST_PORT = /^(\[[0-9a-fA-F:.]+\]|[^\s:[\]/,]+):(\d{1,5})$/;

/**
 * Reads `brokers`: an array of `host:port` strings or one comma-separated string of them, as in
 * Kafka's `bootstrap.servers`. Entries are trimmed; empty ones (a trailing comma) are dropped.
 *
 * @param issues - Where problems are reported.
 * @param value - The value the user gave.
 * @returns The brokers, or an empty list when the value is wrong (and reported).
 */
export function readBrokers(issues: IssueList, value: unknown): string[] {
  const example = `for example ['kafka-1:9092', 'kafka-2:9092'] or 'kafka-1:9092,kafka-2:9092'`;
  if (value === undefined) {
    issues.add('brokers', `brokers is required: the Kafka brokers to bootstrap from. Fix: set brokers, ${example}.`);
    return [];
  }

  const entries = typeof value === 'string' ? value.split(',') : Array.isArray(value) ? (value as unknown[]) : undefined;
  if (entries === undefined) {
    issues.add(
      'brokers',
      `brokers = ${formatValue(value)} is not allowed: it must be an array of 'host:port' strings or a comma-separated string. Fix: set brokers, ${example}.`,
    );
    return [];
  }

  const brokers: string[] = [];
  const wrong: unknown[] = [];
  for (const entry of entries) {
    if (typeof entry !== 'string') {
      wrong.push(entry);
      continue;
    }
    const broker = entry.trim();
    if (broker === '') continue;
    if (isHostPort(broker)) brokers.push(broker);
    else wrong.push(entry);
  }

  if (wrong.length > 0) {
    const scheme = wrong.some((entry) => typeof entry === 'string' && entry.includes('://'));
    issues.add(
      'brokers',
      `brokers = ${formatValue(value)} is not allowed: ${wrong.map(formatValue).join(', ')} ${wrong.length === 1 ? 'is' : 'are'} not host:port ` +
        `(a host name or IP address, then a port from 1 to 65535). Fix: write each broker as host:port` +
        `${scheme ? ', without a scheme such as PLAINTEXT://' : ''}, ${example}.`,
    );
  } else if (brokers.length === 0) {
    issues.add('brokers', `brokers = ${formatValue(value)} is not allowed: it lists no broker. Fix: set brokers, ${example}.`);
  }
  return brokers;
}

function isHostPort(broker: string): boolean {
  const match = HOST_PORT.exec(broker);
  if (match === null) return false;
  const port = Number(match[2]);
  return port >= 1 && port <= 65_535;
}
