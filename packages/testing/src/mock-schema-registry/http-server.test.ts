import { COMPATIBILITY, SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { afterEach, describe, expect, it } from 'vitest';
import type { MockSchemaRegistryServer } from './http-server.js';
import { MockSchemaRegistry } from './mock-schema-registry.js';

const servers: MockSchemaRegistryServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(registry = new MockSchemaRegistry(), auth?: { username: string; password: string }) {
  const server = await registry.listen(auth === undefined ? {} : { auth });
  servers.push(server);
  return { registry, server };
}

async function call(server: MockSchemaRegistryServer, method: string, path: string, body?: unknown) {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, type: res.headers.get('content-type'), body: (await res.json()) as unknown };
}

const User = { type: 'record', name: 'User', namespace: 'com.acme', fields: [{ name: 'id', type: 'string' }] };
const UserV2 = { ...User, fields: [...User.fields, { name: 'age', type: 'int', default: 0 }] };

describe('MockSchemaRegistry over HTTP with @kafkajs/confluent-schema-registry, unchanged', () => {
  it('registers, encodes, decodes, looks up and finds the latest id', async () => {
    const { server, registry } = await serve();
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const client = new SchemaRegistry({ host: server.url });
    const { id } = await client.register({ type: SchemaType.AVRO, schema: JSON.stringify(User) }, { subject: 'users-value' });
    expect(id).toBe(1);
    // The library sets the subject's level on first registration: the mock keeps it.
    expect(registry.getSubjectCompatibility('users-value')).toBe('BACKWARD');
    const bytes = await client.encode(id, { id: 'u1' });
    expect(bytes.subarray(0, 5).toString('hex')).toBe('0000000001');
    expect(await new SchemaRegistry({ host: server.url }).decode(bytes)).toEqual({ id: 'u1' });
    expect(await client.getRegistryIdBySchema('users-value', { type: SchemaType.AVRO, schema: JSON.stringify(User) })).toBe(1);
    const v2 = await client.register({ type: SchemaType.AVRO, schema: JSON.stringify(UserV2) }, { subject: 'users-value', compatibility: COMPATIBILITY.BACKWARD });
    expect(v2.id).toBe(2);
    expect(await client.getLatestSchemaId('users-value')).toBe(2);
    expect(await client.getRegistryId('users-value', 1)).toBe(1);
    // Decoding v1 data with the v2 reader schema: the default fills the new field.
    expect(await client.decode(bytes, { [SchemaType.AVRO]: { readerSchema: UserV2 as never } })).toEqual({ id: 'u1', age: 0 });
  });

  it('registers and uses JSON Schemas', async () => {
    const { server } = await serve();
    const client = new SchemaRegistry({ host: server.url });
    const schema = JSON.stringify({ type: 'object', properties: { n: { type: 'number' } }, required: ['n'] });
    const { id } = await client.register({ type: SchemaType.JSON, schema }, { subject: 'nums-value' });
    const bytes = await client.encode(id, { n: 1 });
    expect(bytes.subarray(5).toString()).toBe('{"n":1}');
    expect(await new SchemaRegistry({ host: server.url }).decode(bytes)).toEqual({ n: 1 });
  });

  it("reports an incompatible schema and an unknown id as the library expects (409, 404)", async () => {
    const { server } = await serve();
    const client = new SchemaRegistry({ host: server.url, retry: { retries: 0 } });
    await client.register({ type: SchemaType.AVRO, schema: JSON.stringify(User) }, { subject: 's' });
    const breaking = { ...User, fields: [...User.fields, { name: 'age', type: 'int' }] };
    await expect(client.register({ type: SchemaType.AVRO, schema: JSON.stringify(breaking) }, { subject: 's' })).rejects.toMatchObject({
      status: 409,
      message: expect.stringMatching(/Schema being registered is incompatible with an earlier schema for subject "s"/) as unknown,
    });
    await expect(client.getSchema(42)).rejects.toMatchObject({ status: 404, message: expect.stringMatching(/Schema 42 not found/) as unknown });
  });

  it('serves subjects, versions, compatibility checks and config with Confluent bodies and codes', async () => {
    const { server } = await serve();
    const avro = (s: object) => ({ schema: JSON.stringify(s) });
    expect(await call(server, 'POST', '/subjects/s/versions', avro(User))).toMatchObject({ status: 200, body: { id: 1 }, type: 'application/vnd.schemaregistry.v1+json' });
    expect((await call(server, 'GET', '/subjects')).body).toEqual(['s']);
    expect((await call(server, 'GET', '/subjects/s/versions')).body).toEqual([1]);
    expect((await call(server, 'GET', '/subjects/s/versions/latest')).body).toEqual({ subject: 's', version: 1, id: 1, schema: JSON.stringify(User) });
    expect((await call(server, 'GET', '/subjects/s/versions/1/schema')).body).toEqual(User);
    expect((await call(server, 'GET', '/schemas/ids/1')).body).toEqual({ schema: JSON.stringify(User) });
    expect((await call(server, 'GET', '/schemas/ids/1/versions')).body).toEqual([{ subject: 's', version: 1 }]);
    expect((await call(server, 'POST', '/compatibility/subjects/s/versions/latest', avro(UserV2))).body).toEqual({ is_compatible: true });
    const breaking = { ...User, fields: [{ name: 'id', type: 'int' }] };
    const verbose = await call(server, 'POST', '/compatibility/subjects/s/versions/latest?verbose=true', avro(breaking));
    expect(verbose.body).toMatchObject({ is_compatible: false, messages: [expect.stringMatching(/version 1/) as unknown] });
    expect((await call(server, 'GET', '/config')).body).toEqual({ compatibilityLevel: 'BACKWARD' });
    expect((await call(server, 'PUT', '/config/s', { compatibility: 'FULL' })).body).toEqual({ compatibility: 'FULL' });
    expect((await call(server, 'GET', '/config/s')).body).toEqual({ compatibilityLevel: 'FULL' });
    expect((await call(server, 'GET', '/config/t')).body).toEqual({ error_code: 40408, message: "Subject 't' does not have subject-level compatibility configured" });
    expect((await call(server, 'GET', '/config/t?defaultToGlobal=true')).body).toEqual({ compatibilityLevel: 'BACKWARD' });
    // Errors: status from the code, and the code in the body.
    expect(await call(server, 'GET', '/subjects/nope/versions')).toMatchObject({ status: 404, body: { error_code: 40401 } });
    expect(await call(server, 'GET', '/subjects/s/versions/9')).toMatchObject({ status: 404, body: { error_code: 40402 } });
    expect(await call(server, 'GET', '/schemas/ids/9')).toMatchObject({ status: 404, body: { error_code: 40403 } });
    expect(await call(server, 'POST', '/subjects/s/versions', avro(breaking))).toMatchObject({ status: 409, body: { error_code: 409 } });
    expect(await call(server, 'POST', '/subjects/s/versions', { schema: '{"type":"bogus"}' })).toMatchObject({ status: 422, body: { error_code: 42201 } });
    expect(await call(server, 'PUT', '/config', { compatibility: 'SIDEWAYS' })).toMatchObject({ status: 422, body: { error_code: 42203 } });
    expect(await call(server, 'GET', '/subjects/s/versions/x')).toMatchObject({ status: 422, body: { error_code: 42202 } });
    expect(server.requests[0]).toBe('POST /subjects/s/versions');
  });

  it('finds a schema registered with its JSON keys in another order: the same id on POST /subjects/{s}/versions and POST /subjects/{s}', async () => {
    const { server } = await serve();
    const reordered = '{"fields":[{"type":"string","name":"id"}],"namespace":"com.acme","name":"User","type":"record"}';
    expect((await call(server, 'POST', '/subjects/s/versions', { schema: JSON.stringify(User) })).body).toEqual({ id: 1 });
    expect((await call(server, 'POST', '/subjects/s/versions', { schema: reordered })).body).toEqual({ id: 1 });
    expect(await call(server, 'POST', '/subjects/s', { schema: reordered })).toMatchObject({ status: 200, body: { subject: 's', version: 1, id: 1, schema: JSON.stringify(User) } });
    expect((await call(server, 'GET', '/subjects/s/versions')).body).toEqual([1]);
    // With the real client too.
    const client = new SchemaRegistry({ host: server.url });
    expect(await client.getRegistryIdBySchema('s', { type: SchemaType.AVRO, schema: reordered })).toBe(1);
    // JSON Schema keys in another order: found only when normalizing, as Confluent.
    const json = (schema: string) => ({ schemaType: 'JSON', schema });
    expect((await call(server, 'POST', '/subjects/j/versions', json('{"type":"object","title":"T"}'))).body).toEqual({ id: 2 });
    expect((await call(server, 'POST', '/subjects/j', json('{"title":"T","type":"object"}'))).status).toBe(404);
    expect((await call(server, 'POST', '/subjects/j?normalize=true', json('{"title":"T","type":"object"}'))).status).toBe(404);
    expect((await call(server, 'POST', '/subjects/j/versions?normalize=true', json('{"title":"T","type":"object"}'))).body).toEqual({ id: 3 });
    expect((await call(server, 'POST', '/subjects/j?normalize=true', json('{"type":"object","title":"T"}'))).body).toMatchObject({ version: 2, id: 3 });
  });

  it("accepts a namespace change under FULL and says why a change is refused, in Avro's terms", async () => {
    const { server } = await serve(new MockSchemaRegistry({ compatibility: 'FULL' }));
    await call(server, 'POST', '/subjects/s/versions', { schema: JSON.stringify(User) });
    expect((await call(server, 'POST', '/subjects/s/versions', { schema: JSON.stringify({ ...User, namespace: 'org.acme' }) })).body).toEqual({ id: 2 });
    const breaking = { ...User, fields: [{ name: 'id', type: 'int' }] };
    expect((await call(server, 'POST', '/compatibility/subjects/s/versions/latest?verbose=true', { schema: JSON.stringify(breaking) })).body).toEqual({
      is_compatible: false,
      messages: [
        "the new schema cannot read data written with version 2: {errorType:'TYPE_MISMATCH', location:'/fields/0/type', additionalInfo:'reader type: INT not compatible with writer type: STRING'}",
        "version 2 cannot read data written with the new schema: {errorType:'TYPE_MISMATCH', location:'/fields/0/type', additionalInfo:'reader type: STRING not compatible with writer type: INT'}",
      ],
    });
  });

  it('requires basic auth when given credentials, and answers 503 during an outage', async () => {
    const { server, registry } = await serve(new MockSchemaRegistry(), { username: 'key', password: 'secret' });
    expect((await call(server, 'GET', '/subjects')).status).toBe(401);
    const client = new SchemaRegistry({ host: server.url, auth: { username: 'key', password: 'secret' } });
    expect((await client.register({ type: SchemaType.AVRO, schema: JSON.stringify(User) }, { subject: 's' })).id).toBe(1);
    registry.setAvailable(false);
    const down = await fetch(`${server.url}/subjects`, { headers: { authorization: `Basic ${Buffer.from('key:secret').toString('base64')}` } });
    expect(down.status).toBe(503);
  });
});
