/**
 * Issue 19, part 5: the schema registry client with basic auth and TLS, against the
 * MockSchemaRegistry requiring basic auth and serving HTTPS with a throwaway CA made at test time.
 * Correct credentials and a trusted CA work end to end (an Avro serde round trip through the
 * registry); wrong or missing credentials and an untrusted certificate fail at once (no retry) with
 * an error that says why and how to fix it, and that never holds the password or a key.
 */
import { inspect } from 'node:util';
import {
  registryAvroSerde,
  SchemaRegistryClientError,
  schemaRegistryClient,
  SchemaRegistryRefusedError,
  type SchemaRegistryClientOptions,
} from '@rivulet/serde';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MockSchemaRegistry, type MockSchemaRegistryServer, type MockSchemaRegistryServerOptions } from '../../src/index.js';
import { throwawayTls, type ThrowawayTls } from '../support/throwaway-tls.js';

const PASSWORD = 'registry-PASSWORD-6d1f9b';
const WRONG = 'wrong-PASSWORD-77ac20';
const PASSPHRASE = 'client-key-PASSPHRASE-e4a1';
const AUTH = { username: 'orders-app', password: PASSWORD };
const Order = { type: 'record', name: 'Order', namespace: 'com.acme', fields: [{ name: 'id', type: 'string' }, { name: 'qty', type: 'int' }] } as const;
const NO_RETRY_DELAY = { retries: 3, initialDelayMs: 5, maxDelayMs: 10 };

let tls: ThrowawayTls;
beforeAll(() => {
  tls = throwawayTls(PASSPHRASE);
});
afterAll(() => tls.dispose());

const servers: MockSchemaRegistryServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(options: MockSchemaRegistryServerOptions): Promise<MockSchemaRegistryServer> {
  const server = await new MockSchemaRegistry().listen(options);
  servers.push(server);
  return server;
}

/** Writes an order with one client (registering its schema) and reads it with a fresh one (fetching the schema by id). */
async function roundTrip(options: SchemaRegistryClientOptions): Promise<unknown> {
  const writer = registryAvroSerde({ registry: schemaRegistryClient({ ...options, retry: NO_RETRY_DELAY }), schema: Order });
  const reader = registryAvroSerde({ registry: schemaRegistryClient({ ...options, retry: NO_RETRY_DELAY }), schema: Order });
  return reader.deserialize('orders', await writer.serialize('orders', { id: 'o-1', qty: 3 }));
}

/** The error a serialization fails with. */
async function serializeError(options: SchemaRegistryClientOptions): Promise<SchemaRegistryRefusedError> {
  const serde = registryAvroSerde({ registry: schemaRegistryClient({ ...options, retry: NO_RETRY_DELAY }), schema: Order });
  const error = await Promise.resolve(serde.serialize('orders', { id: 'o-1', qty: 3 })).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SchemaRegistryRefusedError);
  return error as SchemaRegistryRefusedError;
}

/** Everything an error would print: message, stack, causes, fields. */
function printed(error: Error): string {
  return `${error.message}\n${error.stack}\n${inspect(error, { depth: 10 })}\n${JSON.stringify(error)}`;
}

function expectNoSecret(text: string): void {
  for (const secret of [PASSWORD, WRONG, PASSPHRASE, tls.client.key, tls.server.key]) expect(text).not.toContain(secret);
}

describe('schema registry basic auth', () => {
  it('round-trips an Avro value through a registry that requires the credentials, given as auth, user info or basicAuthUserInfo', async () => {
    const server = await serve({ auth: AUTH });
    expect(await roundTrip({ url: server.url, auth: AUTH })).toEqual({ id: 'o-1', qty: 3 });
    expect(await roundTrip({ url: server.url, basicAuthUserInfo: `${AUTH.username}:${PASSWORD}` })).toEqual({ id: 'o-1', qty: 3 });
    expect(await roundTrip({ url: server.url.replace('//', `//${AUTH.username}:${PASSWORD}@`) })).toEqual({ id: 'o-1', qty: 3 });
    // Registered by the first writer, then found by the others; each reader fetched the schema by id.
    expect(server.requests.filter((r) => r === 'GET /schemas/ids/1')).toHaveLength(3);
  });

  it('a wrong password fails at once (401, no retry) with an error that names the user and the fix, never the password', async () => {
    const server = await serve({ auth: AUTH });
    const error = await serializeError({ url: server.url, auth: { username: AUTH.username, password: WRONG } });
    expect(error.code).toBe('SCHEMA_REGISTRY_REFUSED');
    expect(error.status).toBe(401);
    expect(error.message).toContain("the registry refused the credentials of user 'orders-app'");
    expect(error.message).toContain('Fix: check auth.username and auth.password');
    const cause = error.cause as SchemaRegistryClientError;
    expect(cause).toBeInstanceOf(SchemaRegistryClientError);
    expect({ retriable: cause.retriable, refused: cause.refused, attempts: cause.attempts }).toEqual({ retriable: false, refused: true, attempts: 1 });
    expect(server.requests).toEqual(['POST /subjects/orders-value/versions']);
    expectNoSecret(printed(error));
  });

  it('no credentials fail at once too, saying the registry requires them', async () => {
    const server = await serve({ auth: AUTH });
    const error = await serializeError({ url: server.url });
    expect(error.message).toContain('Unauthorized: the registry requires credentials. Fix: set auth: { username, password }');
    expect(server.requests).toHaveLength(1);
  });

  it('never prints the password of a client, nor quotes it in an option error', () => {
    const client = schemaRegistryClient({ url: 'https://registry.example:8081', auth: AUTH, tls: { ca: tls.ca, cert: tls.client.cert, key: tls.client.key, passphrase: PASSPHRASE } });
    const shown = `${inspect(client, { depth: 10 })}\n${JSON.stringify(client)}`;
    expect(shown).toContain("username: 'orders-app'");
    expect(shown).toContain('[redacted]');
    expectNoSecret(shown);

    const wrongUrl = (() => {
      try {
        schemaRegistryClient({ url: `registry.example:${PASSWORD}@nowhere`, auth: AUTH });
      } catch (error) {
        return error as Error;
      }
      return undefined;
    })();
    expect(wrongUrl?.message).toContain('options.url must be an http(s) URL');
    expect(() => schemaRegistryClient({ url: 'http://registry.example:8081', tls: { ca: tls.ca } })).toThrow(/options\.tls needs an https:\/\/ URL/);
    expect(() => schemaRegistryClient({ url: 'http://registry.example:8081', basicAuthUserInfo: PASSWORD })).toThrow(/must be 'username:password'/);
    expect(() => schemaRegistryClient({ url: 'http://registry.example:8081', basicAuthUserInfo: PASSWORD })).not.toThrow(new RegExp(PASSWORD));
  });
});

describe('schema registry over TLS', () => {
  it('round-trips through an HTTPS registry whose certificate the test CA signed, with basic auth on top', async () => {
    const server = await serve({ tls: tls.server, auth: AUTH });
    expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(await roundTrip({ url: server.url, auth: AUTH, tls: { ca: tls.ca } })).toEqual({ id: 'o-1', qty: 3 });
  });

  it('presents a client certificate (its key encrypted with a passphrase) to a registry that requires one (mutual TLS)', async () => {
    const server = await serve({ tls: { ...tls.server, ca: tls.ca, requestCert: true } });
    const client = { cert: tls.client.cert, key: tls.client.key, passphrase: PASSPHRASE };
    expect(await roundTrip({ url: server.url, tls: { ca: tls.ca, ...client } })).toEqual({ id: 'o-1', qty: 3 });

    const error = await serializeError({ url: server.url, tls: { ca: tls.ca } });
    expect(error.message).toMatch(/failed in the TLS handshake: .*Fix: the registry refused the TLS handshake: it may want a client certificate/);
    expect((error.cause as SchemaRegistryClientError).attempts).toBe(1);
    expectNoSecret(printed(error));
  });

  it("refuses a registry whose certificate no trusted CA signed, at once, saying to give its CA as tls.ca", async () => {
    const server = await serve({ tls: tls.untrusted });
    for (const options of [{ url: server.url, tls: { ca: tls.ca } }, { url: server.url }]) {
      const error = await serializeError(options);
      expect(error.code).toBe('SCHEMA_REGISTRY_REFUSED');
      expect(error.message).toMatch(/failed in the TLS handshake: .*certificate.*Fix: the registry's certificate is not signed by .*give the CA that signed it as tls\.ca/);
      expect({ retriable: (error.cause as SchemaRegistryClientError).retriable, attempts: (error.cause as SchemaRegistryClientError).attempts }).toEqual({ retriable: false, attempts: 1 });
    }
    // Refused in the handshake: no request reached the registry.
    expect(server.requests).toEqual([]);
  });
});
