import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { isSecretSetting, REDACTED, redactingLogger, redactSecrets, redactWhenPrinted, scrubSecrets, secretsOf } from './redaction.js';
import type { Logger } from './logger.js';

describe('isSecretSetting: the one list of secret settings', () => {
  it('knows passwords, tokens, secrets, passphrases, credentials and OAuth providers by name, in any case and at any depth', () => {
    for (const path of [
      'sasl.password',
      'sasl.oauthBearerProvider',
      'sasl.secretAccessKey',
      'sasl.sessionToken',
      'ssl.passphrase',
      'auth.password',
      'registry.auth.password',
      'basic.auth.user.info',
      'apiKey',
      'clientCredentials',
      'keystorePassword',
      'TOKEN',
    ]) {
      expect(isSecretSetting(path), path).toBe(true);
    }
  });

  it('knows the private identity under ssl and tls (key, cert, pfx) but not the CA, and not a key elsewhere', () => {
    for (const path of ['ssl.key', 'ssl.cert', 'ssl.pfx', 'tls.key', 'tls.cert']) expect(isSecretSetting(path), path).toBe(true);
    for (const path of ['ssl.ca', 'ssl.rejectUnauthorized', 'ssl.servername', 'key', 'record.key', 'sasl.username', 'sasl.mechanism', 'producer.acks']) {
      expect(isSecretSetting(path), path).toBe(false);
    }
  });
});

describe('redactSecrets', () => {
  it('copies a config with every secret replaced, leaving the rest and the original as they are', () => {
    const provider = async () => ({ value: 'tok' });
    const config = {
      applicationId: 'app',
      sasl: { mechanism: 'oauthbearer', oauthBearerProvider: provider },
      ssl: { ca: 'CA-PEM', key: 'KEY-PEM', cert: 'CERT-PEM', passphrase: 'pass-phrase', rejectUnauthorized: true },
      producer: { acks: -1 },
      list: [{ password: 'in-a-list' }],
    };
    expect(redactSecrets(config)).toEqual({
      applicationId: 'app',
      sasl: { mechanism: 'oauthbearer', oauthBearerProvider: REDACTED },
      ssl: { ca: 'CA-PEM', key: REDACTED, cert: REDACTED, passphrase: REDACTED, rejectUnauthorized: true },
      producer: { acks: -1 },
      list: [{ password: REDACTED }],
    });
    expect(config.ssl.key).toBe('KEY-PEM');
    expect(config.sasl.oauthBearerProvider).toBe(provider);
  });

  it('redacts a secret container given as text (sasl or ssl as a string) and keeps empty secrets, which tell nothing', () => {
    expect(redactSecrets('user:pass', 'sasl')).toBe(REDACTED);
    expect(redactSecrets({ ssl: '-----BEGIN PRIVATE KEY-----' })).toEqual({ ssl: REDACTED });
    expect(redactSecrets({ password: '' })).toEqual({ password: '' });
    expect(redactSecrets({ ssl: true })).toEqual({ ssl: true });
  });

  it('survives cycles', () => {
    const a: Record<string, unknown> = { password: 'p4ssw0rd' };
    a['self'] = a;
    expect(redactSecrets(a)).toEqual({ password: REDACTED, self: '[circular]' });
  });
});

describe('secretsOf and scrubSecrets', () => {
  it('collects the secret strings and key buffers of a config, longest first, and replaces them in text', () => {
    const secrets = secretsOf({ sasl: { username: 'app', password: 'hunter2-long' }, ssl: { key: Buffer.from('KEY-BYTES'), ca: 'public-ca' }, x: { token: 'abc' } });
    expect(secrets).toEqual(['hunter2-long', 'KEY-BYTES']);
    expect(scrubSecrets('auth app:hunter2-long with KEY-BYTES', secrets)).toBe(`auth app:${REDACTED} with ${REDACTED}`);
  });
});

describe('redactingLogger', () => {
  it('scrubs the message and every field, and redacts fields named as secrets', () => {
    const lines: unknown[][] = [];
    const sink: Logger = {
      debug: (...args) => void lines.push(['debug', ...args]),
      info: (...args) => void lines.push(['info', ...args]),
      warn: (...args) => void lines.push(['warn', ...args]),
      error: (...args) => void lines.push(['error', ...args]),
    };
    const logger = redactingLogger(sink, ['s3cr3t-value']);
    logger.debug('connecting with s3cr3t-value');
    logger.info('x', { nested: { text: 'a s3cr3t-value b' }, password: 'other' });
    logger.warn('y', { error: new Error('failed: s3cr3t-value') });
    logger.error('z');
    expect(JSON.stringify(lines)).not.toContain('s3cr3t-value');
    expect(JSON.stringify(lines)).not.toContain('other');
    expect(lines[0]).toEqual(['debug', `connecting with ${REDACTED}`]);
    expect(lines[1]).toEqual(['info', 'x', { nested: { text: `a ${REDACTED} b` }, password: REDACTED }]);
    expect((lines[2]![2] as { error: { message: string } }).error.message).toBe(`failed: ${REDACTED}`);
  });

  it('is the logger itself when there is no secret', () => {
    const sink: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
    expect(redactingLogger(sink, [])).toBe(sink);
  });
});

describe('redactWhenPrinted', () => {
  it('prints redacted through util.inspect and JSON.stringify, while the fields keep their values', () => {
    const sasl = redactWhenPrinted({ mechanism: 'plain', username: 'app', password: 'hunter2-long' }, 'sasl');
    expect(JSON.stringify(sasl)).toBe(`{"mechanism":"plain","username":"app","password":"${REDACTED}"}`);
    expect(inspect(sasl)).not.toContain('hunter2-long');
    expect(inspect({ nested: sasl }, { depth: 5 })).not.toContain('hunter2-long');
    expect(sasl.password).toBe('hunter2-long');
    expect({ ...sasl }).toEqual({ mechanism: 'plain', username: 'app', password: 'hunter2-long' });
  });
});
