/**
 * `applicationServer` (Kafka Streams' `application.server`): the `host:port` where this instance
 * answers interactive queries, shared with the other instances through the group's assignment.
 */
import type { HostInfo } from '../runtime/streams-metadata.js';
import { formatValue, type Reader } from './readers.js';

// A host name or IPv4 address without ':' (or an IPv6 address in brackets), ':', a port.
const HOST_PORT = /^(\[[0-9a-fA-F:.]+\]|[^\s:[\]/,]+):(\d{1,5})$/;

/** The host and port of a `host:port`, or undefined when it is not one (port 1 to 65535). */
export function parseHostPort(server: string): HostInfo | undefined {
  const match = HOST_PORT.exec(server);
  if (match === null) return undefined;
  const port = Number(match[2]);
  if (port < 1 || port > 65_535) return undefined;
  const host = match[1]!;
  return { host: host.startsWith('[') ? host.slice(1, -1) : host, port };
}

/** `applicationServer`: `host:port`, or unset. */
export const applicationServer: Reader<string | undefined> = {
  type: "'host:port' string",
  read(issues, path, value, defaultValue) {
    if (typeof value === 'string' && parseHostPort(value.trim()) !== undefined) return value.trim();
    const scheme = typeof value === 'string' && value.includes('://');
    issues.add(
      path,
      `${path} = ${formatValue(value)} is not allowed: it must be 'host:port', the host name or address other instances reach this one at ` +
        `and the port of its query service (1 to 65535)${scheme ? ', without a scheme such as http://' : ''}. ` +
        `Fix: set ${path} to a value such as 'localhost:7070' or 'app-1.internal:7070', or remove it.`,
    );
    return defaultValue;
  },
};
