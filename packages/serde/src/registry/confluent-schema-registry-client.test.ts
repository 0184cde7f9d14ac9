import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { schemaRegistryClient } from './confluent-schema-registry-client.js';
import { SchemaRegistryClientError } from './schema-registry-client.js';

// A scripted HTTP server stands in for the registry: it records the requests and answers in turn.
interface Seen {
  method: string;
  url: string;
  authorization: string | undefined;
  contentType: string | undefined;
  body: string;
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

async function scripted(answer: (seen: Seen, n: number) => [number, unknown]): Promise<{ url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const s = { method: req.method!, url: req.url!, authorization: req.headers.authorization, contentType: req.headers['content-type'], body };
      seen.push(s);
      const [status, json] = answer(s, seen.length);
      res.writeHead(status, { 'content-type': 'application/vnd.schemaregistry.v1+json' });
      res.end(JSON.stringify(json));
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

const fast = { retries: 3, initialDelayMs: 5, maxDelayMs: 20 };

describe('schemaRegistryClient', () => {
  it('speaks the Confluent REST API with basic auth, and caches by id and by registration', async () => {
    const { url, seen } = await scripted((s) => {
      if (s.url === '/schemas/ids/7') return [200, { schema: '"string"' }];
      if (s.url === '/subjects/orders-value/versions') return [200, { id: 8 }];
      return [404, { error_code: 40401, message: 'Subject not found' }];
    });
    const client = schemaRegistryClient({ url, auth: { username: 'key', password: 's3cret' }, retry: fast });
    expect(await client.getSchemaById(7)).toEqual({ schemaType: 'AVRO', schema: '"string"' });
    expect(await client.getSchemaById(7)).toEqual({ schemaType: 'AVRO', schema: '"string"' });
    const json = { schemaType: 'JSON' as const, schema: '{"type":"object"}' };
    expect(await Promise.all([client.register('orders-value', json), client.register('orders-value', json)])).toEqual([8, 8]);
    expect(seen.map((s) => `${s.method} ${s.url}`)).toEqual(['GET /schemas/ids/7', 'POST /subjects/orders-value/versions']);
    expect(seen[0]!.authorization).toBe(`Basic ${Buffer.from('key:s3cret').toString('base64')}`);
    expect(seen[1]!.contentType).toBe('application/vnd.schemaregistry.v1+json');
    expect(JSON.parse(seen[1]!.body)).toEqual({ schema: '{"type":"object"}', schemaType: 'JSON' });
  });

  it('takes basic auth from the URL', async () => {
    const { url, seen } = await scripted(() => [200, { schema: '"int"', schemaType: 'AVRO' }]);
    const client = schemaRegistryClient({ url: url.replace('http://', 'http://u%40x:p@'), retry: fast });
    await client.getSchemaById(1);
    expect(seen[0]!.authorization).toBe(`Basic ${Buffer.from('u@x:p').toString('base64')}`);
  });

  it('reports a 4xx at once with the Confluent error code', async () => {
    const { url, seen } = await scripted((s) =>
      s.url.startsWith('/schemas') ? [404, { error_code: 40403, message: 'Schema 3 not found' }] : [409, { error_code: 409, message: 'Schema being registered is incompatible' }],
    );
    const client = schemaRegistryClient({ url, retry: fast });
    const notFound = await Promise.resolve(client.getSchemaById(3)).catch((e: unknown) => e);
    expect(notFound).toBeInstanceOf(SchemaRegistryClientError);
    expect(notFound).toMatchObject({ status: 404, errorCode: 40403, retriable: false, attempts: 1 });
    expect((notFound as Error).message).toBe(`schema registry ${url}: GET /schemas/ids/3 failed with 404 (error code 40403): Schema 3 not found`);
    const incompatible = await Promise.resolve(client.register('s', { schemaType: 'AVRO', schema: '"int"' })).catch((e: unknown) => e);
    expect(incompatible).toMatchObject({ status: 409, errorCode: 409, retriable: false });
    expect(seen).toHaveLength(2);
  });

  it('retries a failing registry with backoff, POSTs included, and succeeds when it comes back', async () => {
    const { url, seen } = await scripted((_s, n) => (n < 3 ? [503, { error_code: 50003, message: 'unavailable' }] : [200, { id: 4 }]));
    const client = schemaRegistryClient({ url, retry: fast });
    expect(await client.register('s', { schemaType: 'AVRO', schema: '"int"' })).toBe(4);
    expect(seen).toHaveLength(3);
  });

  it('gives up after the retries on a registry that is down, saying how many attempts it made', async () => {
    const { url } = await scripted(() => [200, {}]);
    await new Promise((resolve) => servers.pop()!.close(resolve));
    const client = schemaRegistryClient({ url, retry: fast });
    const started = Date.now();
    const error = (await Promise.resolve(client.getSchemaById(1)).catch((e: unknown) => e)) as SchemaRegistryClientError;
    expect(error).toBeInstanceOf(SchemaRegistryClientError);
    expect(error).toMatchObject({ retriable: true, attempts: 4, status: undefined });
    expect(error.message).toMatch(new RegExp(`^schema registry ${url} unavailable: GET /schemas/ids/1 failed after 4 attempts: .*ECONNREFUSED`));
    // Three waits of about 5, 10 and 20 ms.
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
    // Failures are not cached: the next ask tries again.
    expect(await Promise.resolve(client.getSchemaById(1)).catch((e: unknown) => (e as SchemaRegistryClientError).attempts)).toBe(4);
  });

  it('validates its options', () => {
    expect(() => schemaRegistryClient({ url: 'localhost:8081' })).toThrow(/options.url must be an http\(s\) URL/);
    expect(() => schemaRegistryClient({ url: 'nope' })).toThrow('schemaRegistryClient: options.url must be an http(s) URL like http://localhost:8081, got "nope"');
    expect(() => schemaRegistryClient({ url: 'http://x', retry: { retries: -1 } })).toThrow('schemaRegistryClient: options.retry.retries must be an integer >= 0, got -1');
  });
});
