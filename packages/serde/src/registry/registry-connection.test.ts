import { Agent } from 'node:https';
import { describe, expect, it } from 'vitest';
import { readConnection, tlsFailureFix } from './registry-connection.js';

const F = 'schemaRegistryClient';

describe('readConnection', () => {
  it('takes basic auth from auth, basicAuthUserInfo (a password may hold colons) or the URL, and prints the URL without it', () => {
    expect(readConnection(F, { url: 'http://r:8081/', auth: { username: 'u', password: 'p1' } })).toMatchObject({ host: 'http://r:8081', auth: { username: 'u', password: 'p1' } });
    expect(readConnection(F, { url: 'http://r:8081', basicAuthUserInfo: 'u:p:2' }).auth).toEqual({ username: 'u', password: 'p:2' });
    expect(readConnection(F, { url: 'http://u%40x:p%2F3@r:8081' })).toMatchObject({ host: 'http://r:8081', auth: { username: 'u@x', password: 'p/3' } });
  });

  it('refuses credentials given twice, TLS options on an http:// URL and unknown TLS options, quoting no secret', () => {
    expect(() => readConnection(F, { url: 'http://u:secret-1@r:8081', auth: { username: 'u', password: 'secret-2' } })).toThrow(/give the credentials once/);
    expect(() => readConnection(F, { url: 'http://r:8081', tls: { ca: 'x' } })).toThrow(/options\.tls needs an https:\/\/ URL, got http:\/\/r:8081/);
    expect(() => readConnection(F, { url: 'https://r:8081', tls: { keystore: 'k' } as never })).toThrow(/remove keystore/);
    expect(() => readConnection(F, { url: 'http://u:secret-3@r:8081 x' })).toThrow(/'?\/\/u:\[redacted\]@r/);
    expect(() => readConnection(F, { url: 'http://u:secret-3@r:8081 x' })).not.toThrow(/secret-3/);
  });

  it('makes an HTTPS agent only for TLS options, and lists the secrets to scrub from messages', () => {
    const plain = readConnection(F, { url: 'https://r:8081', auth: { username: 'u', password: 'long-password' } });
    expect(plain.agent).toBeUndefined();
    expect(plain.secrets).toEqual(['long-password']);
    const tls = readConnection(F, { url: 'https://r:8081', tls: { ca: 'CA', key: Buffer.from('KEY-PEM'), passphrase: 'phrase-1' } });
    expect(tls.agent).toBeInstanceOf(Agent);
    expect(tls.agent?.options).toMatchObject({ ca: 'CA', passphrase: 'phrase-1', keepAlive: true });
    expect(tls.secrets).toEqual(['phrase-1', 'KEY-PEM']);
  });
});

describe('tlsFailureFix', () => {
  it("tells a TLS failure's fix from Node's message, and nothing for other failures", () => {
    expect(tlsFailureFix('self-signed certificate in certificate chain', false)).toMatch(/not signed by a trusted CA: give the CA that signed it as tls\.ca/);
    expect(tlsFailureFix('unable to verify the first certificate', true)).toMatch(/not signed by a CA in tls\.ca/);
    expect(tlsFailureFix("Hostname/IP does not match certificate's altnames: IP: 10.0.0.1 is not in the cert's list: 127.0.0.1", true)).toMatch(/tls\.servername/);
    expect(tlsFailureFix('SSL routines:ssl3_read_bytes:tlsv13 alert certificate required', true)).toMatch(/client certificate/);
    expect(tlsFailureFix('SSL routines:ssl3_get_record:wrong version number', true)).toMatch(/does not speak TLS/);
    expect(tlsFailureFix('connect ECONNREFUSED 127.0.0.1:8081', true)).toBeUndefined();
    expect(tlsFailureFix('socket hang up', false)).toBeUndefined();
  });
});
