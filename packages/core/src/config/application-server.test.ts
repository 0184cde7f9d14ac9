import { describe, expect, it } from 'vitest';
import { ConfigError } from './config-error.js';
import { resolveConfig } from './validate.js';
import { parseHostPort } from './application-server.js';

const base = { applicationId: 'app', brokers: ['localhost:9092'] };

describe('applicationServer', () => {
  it('is unset by default and takes host:port (a name, an IPv4 or a bracketed IPv6 address)', () => {
    expect(resolveConfig(base).applicationServer).toBeUndefined();
    expect(resolveConfig({ ...base, applicationServer: 'app-1.internal:7070' }).applicationServer).toBe('app-1.internal:7070');
    expect(resolveConfig({ ...base, applicationServer: ' 10.0.0.7:80 ' }).applicationServer).toBe('10.0.0.7:80');
    expect(parseHostPort('[::1]:7070')).toEqual({ host: '::1', port: 7070 });
    expect(parseHostPort('localhost:7070')).toEqual({ host: 'localhost', port: 7070 });
  });

  it.each([['localhost'], ['localhost:0'], ['localhost:70000'], ['http://localhost:7070'], [':7070'], [7070], ['']])('refuses %j, naming the setting and the fix', (value) => {
    let error: unknown;
    try {
      resolveConfig({ ...base, applicationServer: value as string });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const issues = (error as ConfigError).issues;
    expect(issues.map((i) => i.setting)).toEqual(['applicationServer']);
    expect(issues[0]!.message).toMatch(/^applicationServer = .* is not allowed: it must be 'host:port'.*Fix: set applicationServer to a value such as 'localhost:7070'/);
    if (typeof value === 'string' && value.includes('://')) expect(issues[0]!.message).toContain('without a scheme such as http://');
  });
});
