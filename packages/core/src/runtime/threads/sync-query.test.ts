import { MessageChannel, Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { SyncQueryClient, ThreadQueryTimeoutError } from './sync-query.js';
import { workerLaunch } from './worker-launch.js';

const workers: Worker[] = [];
afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => w.terminate()));
});

/**
 * A worker that serves queries with sync-query.ts's serveSyncQueries, loaded as a stream thread's
 * worker loads Rivulet's sources (worker-launch.ts): get answers from a map, `slow` blocks its
 * thread, `fail` throws.
 */
function answeringWorker(): { client: SyncQueryClient; worker: Worker } {
  const { port1, port2 } = new MessageChannel();
  const signal = new SharedArrayBuffer(4);
  const here = new URL('./sync-query.ts', import.meta.url).href;
  const launch = workerLaunch(here, here, import.meta.url);
  const serve = `
    const { workerData } = require('node:worker_threads');
    const { serveSyncQueries } = require(${JSON.stringify(new URL('./sync-query.ts', import.meta.url).pathname)});
    const store = new Map([['a', 1n], ['b', Buffer.from('bytes')]]);
    serveSyncQueries(workerData.port, workerData.signal, (q) => {
      if (q.method === 'slow') { const until = Date.now() + 500; while (Date.now() < until); return 'late'; }
      if (q.method === 'fail') { const e = new Error('no such store'); e.name = 'InvalidStateStoreError'; throw e; }
      return store.get(q.args[0]);
    });
    // Kept alive as a stream thread is, by its port to the supervisor (the query port is unref'd).
    require('node:worker_threads').parentPort.on('message', () => undefined);
    require('node:worker_threads').parentPort.postMessage('ready');
  `;
  const bootstrap = launch.bootstrap.replace(/require\([^)]*\);$/, serve);
  const worker = new Worker(bootstrap, { eval: true, workerData: { port: port2, signal }, transferList: [port2], execArgv: launch.execArgv });
  workers.push(worker);
  return { client: new SyncQueryClient('t-1', port1, signal), worker };
}

const ready = (worker: Worker): Promise<void> => new Promise((resolve, reject) => worker.once('message', () => resolve()).once('error', reject));
const question = (method: string, args: unknown[] = []) => ({ type: 'store' as const, store: 's', kind: 'key-value' as const, method, args, staleReads: false });

describe('synchronous queries to a thread', () => {
  it('returns what the thread answers, synchronously, values cloned', async () => {
    const { client, worker } = answeringWorker();
    await ready(worker);
    expect(client.ask(question('get', ['a']), 5_000)).toBe(1n);
    expect(Buffer.from(client.ask(question('get', ['b']), 5_000) as Uint8Array).toString()).toBe('bytes');
    expect(client.ask(question('get', ['none']), 5_000)).toBeUndefined();
  });

  it("throws the thread's error with its name", async () => {
    const { client, worker } = answeringWorker();
    await ready(worker);
    expect(() => client.ask(question('fail'), 5_000)).toThrow(expect.objectContaining({ name: 'InvalidStateStoreError', message: 'no such store' }));
  });

  it('gives up on a thread that does not answer in time, and skips its late answer at the next question', async () => {
    const { client, worker } = answeringWorker();
    await ready(worker);
    expect(() => client.ask(question('slow'), 50)).toThrow(ThreadQueryTimeoutError);
    expect(client.ask(question('get', ['a']), 5_000)).toBe(1n);
  });
});
