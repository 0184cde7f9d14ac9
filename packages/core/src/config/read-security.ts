import type { SaslSetting, SslSetting } from './client-settings.js';
import { closestMatch } from './closest-match.js';
import { formatValue } from './format-value.js';
import type { IssueList } from './issue-list.js';
import { isPlainObject } from './read-value.js';

/** The fields each SASL mechanism takes, and whether each is required. */
const SASL_FIELDS: Readonly<Record<SaslSetting['mechanism'], Readonly<Record<string, 'string' | 'function' | 'optional string'>>>> = {
  plain: { username: 'string', password: 'string' },
  'scram-sha-256': { username: 'string', password: 'string' },
  'scram-sha-512': { username: 'string', password: 'string' },
  oauthbearer: { oauthBearerProvider: 'function' },
  aws: { authorizationIdentity: 'string', accessKeyId: 'string', secretAccessKey: 'string', sessionToken: 'optional string' },
};

const MECHANISMS = Object.keys(SASL_FIELDS) as SaslSetting['mechanism'][];

/**
 * Reads `ssl`: `true`, `false` or Node's TLS options (passed through as they are).
 *
 * @param issues - Where problems are reported.
 * @param value - The value the user gave, or `undefined`.
 * @returns The setting, `false` when unset or wrong.
 */
export function readSsl(issues: IssueList, value: unknown): SslSetting {
  if (value === undefined) return false;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as SslSetting;
  issues.add(
    'ssl',
    `ssl = ${formatValue(value)} is not allowed: it must be true, false or TLS options ({ ca, cert, key, ... } as for tls.connect). ` +
      'Fix: set ssl to true for TLS with the system CAs, or to TLS options.',
  );
  return false;
}

/**
 * Reads `sasl`: one of the mechanisms kafkajs supports, with its fields. The object is passed
 * through as it is.
 *
 * @param issues - Where problems are reported.
 * @param value - The value the user gave, or `undefined`.
 * @returns The setting, `null` when unset or wrong.
 */
export function readSasl(issues: IssueList, value: unknown): SaslSetting | null {
  if (value === undefined) return null;
  if (!isPlainObject(value)) {
    issues.add(
      'sasl',
      `sasl = ${formatValue(value)} is not allowed: it must be an object such as { mechanism: 'scram-sha-512', username, password }. ` +
        'Fix: set sasl to such an object, or remove it to connect without SASL.',
    );
    return null;
  }

  const mechanism = value['mechanism'];
  if (typeof mechanism !== 'string' || !(MECHANISMS as string[]).includes(mechanism)) {
    const near = typeof mechanism === 'string' ? closestMatch(mechanism, MECHANISMS) : undefined;
    issues.add(
      'sasl.mechanism',
      `sasl.mechanism = ${formatValue(mechanism)} is not allowed: it must be one of ${MECHANISMS.map(formatValue).join(', ')}. ` +
        `Fix: ${near === undefined ? 'set one of those' : `write '${near}'`}.`,
    );
    return null;
  }

  const fields = SASL_FIELDS[mechanism as SaslSetting['mechanism']];
  const before = issues.issues.length;
  for (const [field, kind] of Object.entries(fields)) {
    const path = `sasl.${field}`;
    const given = value[field];
    if (kind === 'optional string' && given === undefined) continue;
    const ok = kind === 'function' ? typeof given === 'function' : typeof given === 'string' && given !== '';
    if (!ok) {
      const wanted = kind === 'function' ? 'a function returning a Promise of { value: token }' : 'a non-empty string';
      issues.add(path, `${path} = ${formatValue(given)} is not allowed: SASL '${mechanism}' needs ${field} as ${wanted}. Fix: set ${path}.`);
    }
  }
  for (const key of Object.keys(value)) {
    if (key === 'mechanism' || key in fields) continue;
    const near = closestMatch(key, Object.keys(fields));
    issues.add(
      `sasl.${key}`,
      `Unknown setting sasl.${key} for SASL '${mechanism}', which takes ${Object.keys(fields).join(', ')}. ` +
        `Fix: ${near === undefined ? `remove sasl.${key}` : `rename sasl.${key} to sasl.${near}`}.`,
    );
  }
  return issues.issues.length === before ? (value as unknown as SaslSetting) : null;
}
